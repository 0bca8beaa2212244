"""Reads for compensation: who sees which grants, the review queue, remaining authority."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from compensation import caps
from compensation.models import AuthorityPolicy, BudgetCounter, Grant, GrantState
from core import roles
from core.errors import ErrorCode, NotPermitted, RuleViolation
from escalation.models import Case


def grants_visible_to(user) -> QuerySet[Grant]:
    """Supervisors see every grant, officers their own; anyone else none (404)."""
    if roles.is_supervisor(user):
        return Grant.objects.all()
    if roles.is_officer(user):
        return Grant.objects.filter(requested_by=user)
    return Grant.objects.none()


def grant_list(*, user) -> QuerySet[Grant]:
    """Grants for list pages and the API, with everything a row shows in one query."""
    return grants_visible_to(user).select_related(
        "case", "kind", "requested_by", "decided_by", "reviewed_by"
    )


def review_queue() -> QuerySet[Grant]:
    """Grants waiting for the 100 % quality review, oldest first (declined ones need none)."""
    return (
        Grant.objects.filter(review=Grant.Review.PENDING)
        .exclude(state=GrantState.DECLINED)
        .select_related("case", "kind", "requested_by", "decided_by", "reviewed_by")
        .order_by("created_at", "id")
    )


#: The review states ``GET /api/v1/qa/reviews/?state=`` takes.
REVIEW_STATES = (Grant.Review.PENDING, Grant.Review.APPROVED, Grant.Review.FLAGGED)


def reviews(*, state: str | None = None) -> QuerySet[Grant]:
    """Every grant that entered the 100 % review (``state``: only those in that review
    state). Waiting ones oldest first, as supervisors work through them; else newest first.
    A grant declined before its review needs none and is left out."""
    grants = (
        Grant.objects.exclude(review=Grant.Review.NOT_REQUIRED)
        .exclude(review=Grant.Review.PENDING, state=GrantState.DECLINED)
        .select_related("case", "kind", "requested_by", "reviewed_by")
    )
    if state == Grant.Review.PENDING:
        return grants.filter(review=state).order_by("created_at", "id")
    if state is not None:
        grants = grants.filter(review=state)
    return grants.order_by("-created_at", "-id")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def policy_for(user) -> AuthorityPolicy:
    """The authority policy of ``user``: 403 without a granting role, 422 without a policy."""
    role = AuthorityPolicy.role_of(user)
    if role is None:
        raise NotPermitted(_("Only escalation officers and supervisors grant compensation."))
    policy = AuthorityPolicy.objects.filter(role=role).first()
    if policy is None:
        raise RuleViolation(
            _("No authority policy is set up for %(role)s.") % {"role": role},
            code=ErrorCode.NO_AUTHORITY_POLICY,
            role=role,
        )
    return policy


def authority_of(*, user, case: Case | None = None) -> dict[str, Any]:
    """The caller's remaining authority per cap (read without locks: a hint for the UI)."""
    policy = policy_for(user)
    now = timezone.now()
    day, month = caps.budget_dates(policy, now)
    budgets = caps.budgets_of(
        officer_id=user.pk,
        case_id=case.pk if case else 0,
        customer_id=case.customer_id if case else 0,
        day=day,
        month=month,
        currency=policy.currency,
    )
    if case is None:
        budgets = [b for b in budgets if b.cap in (caps.OFFICER_DAY, caps.OFFICER_MONTH)]
    keys = Q()
    for b in budgets:
        keys |= Q(scope=b.scope, subject_id=b.subject_id, period=b.period, currency=b.currency)
    found = {(c.scope, c.subject_id, c.period): c for c in BudgetCounter.objects.filter(keys)}
    counters = {
        b.cap: found.get((b.scope, b.subject_id, b.period))
        or BudgetCounter(scope=b.scope, subject_id=b.subject_id, period=b.period)
        for b in budgets
    }
    standings = caps.standings(
        policy=policy,
        counters=counters,
        customer_id=case.customer_id if case else 0,
        currency=policy.currency,
        now=now,
    )
    remaining = min((s.remaining for s in standings), default=Decimal("0"))
    return {
        "role": policy.role,
        "currency": policy.currency,
        "per_grant_limit": _money(policy.per_grant_limit),
        "approval_ceiling": _money(policy.approval_ceiling),
        "grant_at_once_up_to": _money(min(policy.per_grant_limit, remaining)),
        "request_up_to": _money(min(policy.approval_ceiling, remaining)),
        "caps": [
            {
                "cap": s.cap,
                "limit": _money(s.limit),
                "used": _money(s.used),
                "remaining": _money(s.remaining),
            }
            for s in standings
        ],
    }


def awaiting_decision() -> QuerySet[Grant]:
    """Grants waiting for a supervisor's approval, oldest first, with their case context."""
    return (
        Grant.objects.filter(state=GrantState.PENDING_APPROVAL)
        .select_related("case__customer", "case__officer__user", "kind", "requested_by", "policy")
        .order_by("created_at", "id")
    )


def approval_counts() -> dict[str, int]:
    """How many grants wait for a decision and for the quality review (one query)."""
    waiting = Q(state=GrantState.PENDING_APPROVAL)
    review = Q(review=Grant.Review.PENDING) & ~Q(state=GrantState.DECLINED)
    return Grant.objects.filter(waiting | Q(review=Grant.Review.PENDING)).aggregate(
        decisions=Count("pk", filter=waiting), reviews=Count("pk", filter=review)
    )


#: The requester's caps an approver weighs: the officer's own budgets and the case's.
REQUESTER_CAPS = (caps.OFFICER_DAY, caps.OFFICER_MONTH, caps.CASE)


def requester_standings(grants: list[Grant]) -> dict[int, list[dict[str, Any]]]:
    """Per grant, what its requester has left of each budget, this grant already counted
    (it is reserved while it waits): one query for the whole page."""
    wanted = {
        grant.pk: [b for b in caps.budgets_of_grant(grant) if b.cap in REQUESTER_CAPS]
        for grant in grants
    }
    keys = Q(pk__in=[])
    for budgets in wanted.values():
        for b in budgets:
            keys |= Q(scope=b.scope, subject_id=b.subject_id, period=b.period, currency=b.currency)
    found = {
        (c.scope, c.subject_id, c.period, c.currency): c.used
        for c in BudgetCounter.objects.filter(keys)
    }
    standings = {}
    for grant in grants:
        rows = []
        for b in wanted[grant.pk]:
            standing = caps.Standing(
                b.cap,
                caps.limit_of(grant.policy, b.cap),
                found.get((b.scope, b.subject_id, b.period, b.currency), Decimal("0")),
            )
            rows.append(
                {
                    "cap": b.cap,
                    "label": caps.CAP_LABELS[b.cap],
                    "limit": _money(standing.limit),
                    "remaining": _money(standing.remaining),
                }
            )
        standings[grant.pk] = rows
    return standings
