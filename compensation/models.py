"""Compensation domain: kinds, authority policies (caps), grants and the budget ledger.

A grant's state machine (PRODUCT.md): ``requested → approved → issued``, or
``requested → pending_approval → approved/declined``, and ``issued → revoked``.
The transitions hold no I/O; ``compensation.services`` wraps each one with the caps,
the ledger, the case audit event and the live event.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import roles
from core.models import AppendOnlyModel
from escalation.models import Case, Customer

MONEY = {"max_digits": 12, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]


class CompensationKind(models.Model):
    """What an officer may give: a coupon, a gift, a priority-installation voucher, credit,
    a refund or a change to the customer's contract."""

    class Risk(models.TextChoices):
        NONE = "none", _("None")
        REFUND = "refund", _("Refund")
        CONTRACT_CHANGE = "contract_change", _("Contract change")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit_value = models.DecimalField(
        _("unit value"),
        **MONEY,
        null=True,
        blank=True,
        validators=POSITIVE,
        help_text=_("The value of one item (a gift, a voucher); empty for free amounts."),
    )
    money_like = models.BooleanField(
        _("money-like"),
        default=False,
        help_text=_("Cash equivalents (account credit); every such grant is reviewed."),
    )
    risk = models.CharField(
        _("high risk"),
        max_length=16,
        choices=Risk,
        default=Risk.NONE,
        help_text=_("Refunds and contract changes: every such grant is reviewed."),
    )
    issuer = models.CharField(
        _("issuer"),
        max_length=200,
        default="compensation.issuers.voucher_code",
        help_text=_("Dotted path of the function that fulfils a grant and returns its code."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("compensation kind")
        verbose_name_plural = _("compensation kinds")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.issuer_function()
        except (ImportError, ValueError) as error:
            raise ValidationError({"issuer": str(error)}) from error

    def issuer_function(self):
        """The issuer, imported only from the modules settings allow (admins edit the path)."""
        module = self.issuer.rpartition(".")[0]
        if module not in settings.CASEHUB_COMPENSATION_ISSUER_MODULES:
            raise ValueError(
                _("Issuers must live in one of: %s.")
                % ", ".join(settings.CASEHUB_COMPENSATION_ISSUER_MODULES)
            )
        function = import_string(self.issuer)
        if not callable(function):
            raise ValueError(_("%s is not a function.") % self.issuer)
        return function


def _default_timezone() -> str:
    return settings.TIME_ZONE


class AuthorityPolicy(models.Model):
    """The caps of one officer level, or of supervisors, in one currency."""

    class Role(models.TextChoices):
        LEVEL_1 = "level_1", _("Officer level 1")
        LEVEL_2 = "level_2", _("Officer level 2")
        LEVEL_3 = "level_3", _("Officer level 3")
        SUPERVISOR = "supervisor", _("Supervisor")

    role = models.CharField(_("applies to"), max_length=12, choices=Role, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    per_grant_limit = models.DecimalField(
        _("limit per grant"),
        **MONEY,
        validators=POSITIVE,
        help_text=_("Granted at once up to this amount; above it a supervisor must approve."),
    )
    approval_ceiling = models.DecimalField(
        _("approval ceiling"),
        **MONEY,
        validators=POSITIVE,
        help_text=_("Hard ceiling per grant: above it a request is refused outright."),
    )
    per_day_limit = models.DecimalField(_("per officer per day"), **MONEY, validators=POSITIVE)
    per_month_limit = models.DecimalField(_("per officer per month"), **MONEY, validators=POSITIVE)
    per_case_limit = models.DecimalField(_("per case"), **MONEY, validators=POSITIVE)
    per_customer_limit = models.DecimalField(
        _("per customer per 30 days"), **MONEY, validators=POSITIVE
    )
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        default=_default_timezone,
        help_text=_("Days and months of the officer budgets start at midnight here."),
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("authority policy")
        verbose_name_plural = _("authority policies")

    def __str__(self) -> str:
        return str(self.get_role_display())

    def clean(self) -> None:
        errors = {}
        if self.timezone not in available_timezones():
            errors["timezone"] = _("Unknown timezone.")
        if self.currency not in settings.CASEHUB_COMPENSATION_CURRENCIES:
            errors["currency"] = _("One of %s.") % ", ".join(
                settings.CASEHUB_COMPENSATION_CURRENCIES
            )
        if (
            self.approval_ceiling is not None
            and self.per_grant_limit is not None
            and self.approval_ceiling < self.per_grant_limit
        ):
            errors["approval_ceiling"] = _("The ceiling cannot be below the limit per grant.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def role_of(cls, user) -> str | None:
        """Which policy applies to ``user``: supervisors first, then the officer level."""
        if roles.is_supervisor(user):
            return cls.Role.SUPERVISOR
        profile = getattr(user, "officer_profile", None)
        if profile is not None and profile.active and roles.is_officer(user):
            return f"level_{profile.level}"
        return None


class GrantState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")


#: States whose amount counts against the budgets (reserved or spent).
HOLDING_STATES = (
    GrantState.REQUESTED,
    GrantState.PENDING_APPROVAL,
    GrantState.APPROVED,
    GrantState.ISSUED,
)


def _may_decide(grant: Grant, user) -> bool:
    """Supervisors decide pending grants, never their own."""
    return roles.is_supervisor(user) and grant.requested_by_id != user.pk


def _may_revoke(grant: Grant, user) -> bool:
    return roles.is_supervisor(user) or grant.requested_by_id == user.pk


def _system(grant: Grant, user) -> bool:
    return False


#: Why a grant waits for the quality review (``Grant.review_reasons``), as people read it.
REVIEW_REASON_LABELS = {
    "money_like": _("money-like compensation"),
    "refund": _("refund"),
    "contract_change": _("contract change"),
    "above_share_of_cap": _("close to the limit per grant"),
}


class Grant(ConcurrentTransitionMixin, models.Model):
    """One compensation for one case, requested by an officer within its authority."""

    State = GrantState

    class Review(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Reviewed: fine")
        FLAGGED = "flagged", _("Reviewed: flagged")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="compensations"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.ForeignKey(
        CompensationKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="grants"
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("reason"))
    state = FSMField(_("state"), default=GrantState.REQUESTED, choices=GrantState, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="compensation_grants",
    )
    policy = models.ForeignKey(
        AuthorityPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="grants",
        help_text=_("The policy the requester's caps came from."),
    )
    budget_day = models.DateField(_("budget day"), help_text=_("In the policy's timezone."))
    budget_month = models.DateField(_("budget month"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    voucher_code = models.CharField(_("voucher code"), max_length=64, blank=True)
    revoke_reason = models.TextField(_("revoke reason"), blank=True)
    review = models.CharField(
        _("quality review"), max_length=12, choices=Review, default=Review.NOT_REQUIRED
    )
    review_reasons = models.JSONField(_("review reasons"), default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(_("review note"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compensation grant")
        verbose_name_plural = _("compensation grants")
        indexes = [
            models.Index(fields=["requested_by", "state"], name="grant_requester_state_idx"),
            models.Index(fields=["review", "created_at"], name="grant_review_idx"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s %(amount)s %(currency)s on case %(case)s") % {
            "kind": self.kind,
            "amount": self.amount,
            "currency": self.currency,
            "case": self.case_id,
        }

    @property
    def holds_budget(self) -> bool:
        return self.state in HOLDING_STATES

    def review_reason_labels(self) -> list[tuple[str, str]]:
        """Why it waits for the quality review: ``(code, label in the active language)``."""
        return [
            (reason, str(REVIEW_REASON_LABELS.get(reason, reason)))
            for reason in self.review_reasons
        ]

    # --- the state machine; services wrap every call ---

    @transition(
        field=state, source=GrantState.REQUESTED, target=GrantState.APPROVED, permission=_system
    )
    def approve_at_once(self) -> None:
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=GrantState.REQUESTED,
        target=GrantState.PENDING_APPROVAL,
        permission=_system,
    )
    def await_approval(self) -> None:
        pass

    @transition(
        field=state,
        source=GrantState.PENDING_APPROVAL,
        target=GrantState.APPROVED,
        permission=_may_decide,
        custom={"fields": []},
    )
    def approve(self, *, by) -> None:
        self.decided_by = by
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=GrantState.PENDING_APPROVAL,
        target=GrantState.DECLINED,
        permission=_may_decide,
        custom={"fields": ["reason"]},
    )
    def decline(self, *, by, reason: str) -> None:
        self.decided_by = by
        self.decided_at = timezone.now()
        self.decision_reason = reason

    @transition(
        field=state, source=GrantState.APPROVED, target=GrantState.ISSUED, permission=_system
    )
    def issue(self, *, code: str) -> None:
        self.voucher_code = code
        self.issued_at = timezone.now()

    @transition(
        field=state,
        source=GrantState.ISSUED,
        target=GrantState.REVOKED,
        permission=_may_revoke,
        custom={"fields": ["reason"]},
    )
    def revoke(self, *, reason: str) -> None:
        self.revoke_reason = reason
        self.revoked_at = timezone.now()


class LedgerEntry(AppendOnlyModel):
    """One append-only line of the budget ledger; budgets are sums of ``delta``.

    Every entry carries the budgets its grant draws on (officer day and month, case,
    customer, and when the grant was requested for the rolling customer window), so each
    budget's use can be recomputed from the ledger alone.
    """

    immutable_message = _("Ledger entries are append-only.")

    class Kind(models.TextChoices):
        RESERVE = "reserve", _("Reserved")
        APPROVE = "approve", _("Approved")
        ISSUE = "issue", _("Issued")
        RELEASE = "release", _("Released (declined)")
        REVOKE = "revoke", _("Revoked")

    grant = models.ForeignKey(
        Grant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    delta = models.DecimalField(_("change of budget use"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    budget_day = models.DateField(_("budget day"))
    budget_month = models.DateField(_("budget month"))
    budget_at = models.DateTimeField(_("budget at"), help_text=_("When the grant was requested."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["customer", "currency", "budget_at"], name="ledger_customer_idx"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s %(delta)s %(currency)s (grant %(grant)s)") % {
            "kind": self.get_kind_display(),
            "delta": self.delta,
            "currency": self.currency,
            "grant": self.grant_id,
        }


class BudgetCounter(models.Model):
    """The running use of one budget (``officer_day``, ``officer_month``, ``case``, ``customer``).

    Kept in step with the ledger under the budget's lock; ``compensation_audit`` checks it.
    The customer counter holds all-time use; its 30-day window is summed from the ledger.
    """

    scope = models.CharField(_("scope"), max_length=16)
    subject_id = models.BigIntegerField(_("subject id"))
    period = models.CharField(_("period"), max_length=10, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    used = models.DecimalField(_("used"), **MONEY, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "subject_id", "period", "currency"], name="unique_budget"
            )
        ]
        verbose_name = _("budget counter")
        verbose_name_plural = _("budget counters")

    def __str__(self) -> str:
        return f"{self.scope}:{self.subject_id}:{self.period} {self.used} {self.currency}"
