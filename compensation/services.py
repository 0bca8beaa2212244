"""Writes for compensation: request, approve, decline, issue, revoke and review a grant.

Each function runs in one transaction: lock (the grant row, then the budgets in their
global order), decide with ``caps.decide``, fire the transition, write the ledger, write
exactly one CaseEvent (``record_event``, which also publishes the live event after commit).
Issuing runs in a Celery task started after commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compensation import caps, live
from compensation.models import AuthorityPolicy, CompensationKind, Grant, GrantState, LedgerEntry
from compensation.selectors import policy_for
from core import jobs, roles
from core.errors import ErrorCode, InvalidInput, NotPermitted, RuleViolation, TransitionNotAllowed
from core.transitions import Machine
from escalation.models import Case, CaseState
from escalation.services import record_event

#: Transitions people fire through the uniform endpoint, with the fields each requires.
GRANT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "approve": (),
    "decline": ("reason",),
    "revoke": ("reason",),
}
REVIEW_OUTCOMES = ("approve", "flag")


def validate_money(*, amount: Any, currency: str) -> Decimal:
    """Amounts are positive Decimals with at most two places, in a configured currency."""
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, Decimal) or not amount.is_finite():
        errors["amount"] = [_('Give the amount as a decimal number, e.g. "50.00".')]
    elif amount <= 0:
        errors["amount"] = [_("The amount must be greater than zero.")]
    elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors["amount"] = [_("At most 2 decimal places.")]
    if currency not in settings.CASEHUB_COMPENSATION_CURRENCIES:
        errors["currency"] = [
            _("Unsupported currency; one of: %s.")
            % ", ".join(settings.CASEHUB_COMPENSATION_CURRENCIES)
        ]
    if errors:
        raise InvalidInput(errors)
    return amount


def _payload(grant: Grant, from_state: str, **extra: Any) -> dict[str, Any]:
    return {
        "grant": grant.pk,
        "kind": grant.kind.code,
        "amount": f"{grant.amount:.2f}",
        "currency": grant.currency,
        "from": from_state,
        "state": grant.state,
        **{key: value for key, value in extra.items() if value not in (None, "")},
    }


def _ledger(grant: Grant, kind: str, delta: Decimal, actor) -> LedgerEntry:
    return LedgerEntry.objects.create(
        grant=grant,
        kind=kind,
        delta=delta,
        currency=grant.currency,
        officer_id=grant.requested_by_id,
        case_id=grant.case_id,
        customer_id=grant.customer_id,
        budget_day=grant.budget_day,
        budget_month=grant.budget_month,
        budget_at=grant.created_at,
        actor=actor,
    )


def _audit(grant: Grant, *, actor, from_state: str, **extra: Any) -> None:
    record_event(
        case=grant.case,
        kind=f"compensation_{grant.state}",
        actor=actor,
        payload=_payload(grant, from_state, **extra),
        extra_groups=live.requester_groups(grant),
    )


def _review_reasons(grant: Grant, policy: AuthorityPolicy) -> list[str]:
    """Why a grant goes to 100 % quality review: a high-risk kind (money-like, a refund, a
    contract change), or an amount near the limit per grant."""
    reasons = []
    if grant.kind.money_like:
        reasons.append("money_like")
    if grant.kind.risk != CompensationKind.Risk.NONE:
        reasons.append(grant.kind.risk)
    share = Decimal(str(settings.CASEHUB_COMPENSATION_REVIEW_SHARE))
    if grant.amount > policy.per_grant_limit * share:
        reasons.append("above_share_of_cap")
    return reasons


def _issue_after_commit(grant: Grant) -> None:
    # robust: the grant is committed either way; a lost message is picked up by the sweep
    jobs.enqueue_on_commit("compensation.issue_grant", grant.pk, robust=True)


@transaction.atomic
def grant_request(
    *,
    actor,
    case: Case,
    kind: CompensationKind,
    amount: Decimal,
    currency: str,
    reason: str,
) -> Grant:
    """Grant compensation on a case within the actor's authority.

    Within every cap: ``approved`` (issued after commit). Above the limit per grant but
    within the ceiling: ``pending_approval``. Otherwise ``CapExceeded`` (422) naming the cap.
    """
    amount = validate_money(amount=amount, currency=currency)
    policy = policy_for(actor)
    if not roles.is_supervisor(actor) and (
        case.officer is None or case.officer.user_id != actor.pk
    ):
        raise NotPermitted(_("Only the case's officer or a supervisor may grant on this case."))
    if case.state == CaseState.CANCELLED:
        raise RuleViolation(_("The case is cancelled."), code=ErrorCode.CASE_CANCELLED)
    if not kind.active:
        raise InvalidInput({"kind": [_("This compensation kind is no longer offered.")]})
    if currency != policy.currency:
        raise InvalidInput(
            {"currency": [_("Your authority is in %(c)s.") % {"c": policy.currency}]}
        )

    now = timezone.now()
    day, month = caps.budget_dates(policy, now)
    budgets = caps.budgets_of(
        officer_id=actor.pk,
        case_id=case.pk,
        customer_id=case.customer_id,
        day=day,
        month=month,
        currency=currency,
    )
    counters = caps.lock_budgets(budgets)
    target = caps.decide(
        policy=policy,
        amount=amount,
        currency=currency,
        counters=counters,
        customer_id=case.customer_id,
        now=now,
    )
    grant = Grant(
        case=case,
        customer_id=case.customer_id,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason,
        requested_by=actor,
        policy=policy,
        budget_day=day,
        budget_month=month,
        created_at=now,
    )
    grant.review_reasons = _review_reasons(grant, policy)
    if grant.review_reasons:
        grant.review = Grant.Review.PENDING
    name = "approve_at_once" if target == GrantState.APPROVED else "await_approval"
    GRANTS.apply(grant, name=name, audit=_audited(grant, actor, reason=reason))
    caps.move_counters(counters, amount)
    _ledger(grant, LedgerEntry.Kind.RESERVE, amount, actor)
    if grant.state == GrantState.APPROVED:
        _ledger(grant, LedgerEntry.Kind.APPROVE, Decimal("0"), actor)
        _issue_after_commit(grant)
    else:
        live.notify_supervisors(grant)
    if grant.state == GrantState.PENDING_APPROVAL or grant.review == Grant.Review.PENDING:
        live.approvals_changed(grant)
    return grant


def lock_grant(grant_id: int) -> Grant:
    """The grant row, locked until the transaction ends (a no-op lock on SQLite)."""
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("case__officer__user", "case__customer", "kind", "customer", "policy")
        .get(pk=grant_id)
    )


class GrantMachine(Machine):
    def check_actor(self, obj: Grant, actor, name: str) -> None:
        if name in ("approve", "decline") and obj.requested_by_id == actor.pk:
            raise NotPermitted(
                _("You cannot decide on your own grant; another supervisor must."),
                code=ErrorCode.SELF_APPROVAL,
            )


GRANTS = GrantMachine(noun=gettext_lazy("grant"), transitions=GRANT_TRANSITIONS)


def allowed_transitions(grant: Grant, user) -> list[str]:
    """Names of the transitions ``user`` may fire on the grant now."""
    return GRANTS.allowed(grant, user)


def _audited(grant: Grant, actor, **extra: Any):
    """The ``audit`` callback of a grant transition: one CaseEvent with both states."""
    return lambda from_state, to_state: _audit(grant, actor=actor, from_state=from_state, **extra)


@transaction.atomic
def grant_transition(*, grant: Grant, actor, name: str, **fields: Any) -> Grant:
    """Fire one named transition (``approve``, ``decline``, ``revoke``) for a person."""
    GRANTS.refuse_unknown(name)
    if name == "approve":
        return grant_approve(grant=grant, actor=actor)
    if name == "decline":
        return grant_decline(grant=grant, actor=actor, **fields)
    return grant_revoke(grant=grant, actor=actor, **fields)


@transaction.atomic
def grant_approve(*, grant: Grant, actor) -> Grant:
    """A supervisor approves a pending grant within the supervisor's own limit per grant."""
    grant = lock_grant(grant.pk)
    GRANTS.check(grant, name="approve", actor=actor)
    approver = policy_for(actor)
    if grant.amount > approver.per_grant_limit:
        raise caps.refusal(
            caps.APPROVER_LIMIT,
            limit=approver.per_grant_limit,
            remaining=approver.per_grant_limit,
            currency=grant.currency,
        )
    GRANTS.apply(grant, name="approve", audit=_audited(grant, actor), by=actor)
    _ledger(grant, LedgerEntry.Kind.APPROVE, Decimal("0"), actor)
    _issue_after_commit(grant)
    live.approvals_changed(grant)
    return grant


def _give_back(grant: Grant, kind: str, actor) -> None:
    """Return the grant's amount to every budget it used."""
    counters = caps.lock_budgets(caps.budgets_of_grant(grant))
    caps.move_counters(counters, -grant.amount)
    _ledger(grant, kind, -grant.amount, actor)


@transaction.atomic
def grant_decline(*, grant: Grant, actor, reason: str) -> Grant:
    grant = lock_grant(grant.pk)
    GRANTS.fire(
        grant,
        name="decline",
        actor=actor,
        audit=_audited(grant, actor, reason=reason),
        by=actor,
        reason=reason,
    )
    _give_back(grant, LedgerEntry.Kind.RELEASE, actor)
    live.approvals_changed(grant)
    return grant


@transaction.atomic
def grant_revoke(*, grant: Grant, actor, reason: str) -> Grant:
    """Take back an issued grant; its amount goes back to every budget it used."""
    grant = lock_grant(grant.pk)
    GRANTS.fire(
        grant,
        name="revoke",
        actor=actor,
        audit=_audited(grant, actor, reason=reason),
        reason=reason,
    )
    _give_back(grant, LedgerEntry.Kind.REVOKE, actor)
    return grant


@transaction.atomic
def grant_issue(*, grant_id: int) -> Grant | None:
    """Fulfil an approved grant with its kind's issuer (the Celery task calls this).

    Idempotent: a grant that is no longer ``approved`` (issued, revoked) is left alone.
    """
    grant = lock_grant(grant_id)
    if grant.state != GrantState.APPROVED:
        return None
    issuer = grant.kind.issuer_function()
    GRANTS.fire(grant, name="issue", actor=None, audit=_audited(grant, None), code=issuer(grant))
    _ledger(grant, LedgerEntry.Kind.ISSUE, Decimal("0"), None)
    return grant


@transaction.atomic
def grant_review(*, grant: Grant, actor, outcome: str, note: str = "") -> Grant:
    """A supervisor's quality review of a flagged grant: ``approve`` (fine) or ``flag``."""
    if not roles.is_supervisor(actor):
        raise NotPermitted(_("Only supervisors review compensation."))
    if outcome not in REVIEW_OUTCOMES:
        raise InvalidInput({"outcome": [_("One of: %s.") % ", ".join(REVIEW_OUTCOMES)]})
    grant = lock_grant(grant.pk)
    if grant.review != Grant.Review.PENDING:
        raise TransitionNotAllowed(
            _("This grant is not waiting for review."),
            allowed=[],
            code=ErrorCode.NOT_AWAITING_REVIEW,
        )
    if grant.requested_by_id == actor.pk:
        raise NotPermitted(_("You cannot review your own grant."), code=ErrorCode.SELF_REVIEW)
    grant.review = Grant.Review.APPROVED if outcome == "approve" else Grant.Review.FLAGGED
    grant.reviewed_by = actor
    grant.review_note = note
    grant.save(update_fields=["review", "reviewed_by", "review_note"])
    record_event(
        case=grant.case,
        kind="compensation_reviewed",
        actor=actor,
        payload=_payload(grant, grant.state, review=grant.review, note=note),
        extra_groups=live.requester_groups(grant),
    )
    live.approvals_changed(grant)
    return grant
