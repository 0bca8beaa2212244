"""Escalation domain: departments, customers, officers, cases and their audit trail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import roles
from core.errors import ErrorCode
from core.models import AppendOnlyModel
from core.transitions import rule
from escalation.models.tasks import FINISHED_TASK_STATES


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        "escalation.BusinessCalendar",
        verbose_name=_("calendar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Business hours for this department's task deadlines (24×7 if empty)."),
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("Task changes are posted here as signed JSON (optional)."),
    )
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=128,
        blank=True,
        help_text=_("Signs each post: X-CaseHub-Signature: sha256=HMAC(secret, body)."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class DepartmentMembership(models.Model):
    """A person working in a department; leads may reassign the department's tasks."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="department_memberships",
    )
    is_lead = models.BooleanField(_("lead"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="unique_department_member")
        ]
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")

    def __str__(self) -> str:
        names = {"user": self.user, "department": self.department.code}
        if self.is_lead:
            return _("%(user)s @ %(department)s (lead)") % names
        return _("%(user)s @ %(department)s") % names


class ContactChannel(models.TextChoices):
    """How CaseHub may reach a customer (their preferences list them in order). Paper letters
    and phone calls are not electronic."""

    APP = "app", _("App push")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone call")
    PAPER = "paper", _("Paper letter")


ELECTRONIC_CHANNELS = (ContactChannel.APP, ContactChannel.SMS, ContactChannel.EMAIL)


class Customer(models.Model):
    class Tier(models.TextChoices):
        STANDARD = "standard", pgettext_lazy("customer tier", "Standard")
        PRIORITY = "priority", pgettext_lazy("customer tier", "Priority")
        VIP = "vip", pgettext_lazy("customer tier", "VIP")

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier, default=Tier.STANDARD)
    contact_preferences = models.JSONField(
        _("contact preferences"),
        default=dict,
        blank=True,
        help_text=_(
            'For example {"channels": ["app", "sms"], "electronic_only": true, '
            '"email": "li@example.com", "phone": "+86 138 0000 0000", "hours": "09-18"}.'
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name or self.external_id} ({self.external_id})"


class HasElement(models.Lookup):
    """``skills__has_element="installation"``: the JSON list holds this string.

    One portable condition, so the database picks eligible officers rather than Python.
    """

    lookup_name = "has_element"

    def as_sql(self, compiler, connection):
        raise NotImplementedError(f"has_element is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"({lhs})::jsonb @> jsonb_build_array(%s::text)", [*lhs_params, self.rhs]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)",
            [*lhs_params, self.rhs],
        )


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_BREAK = "on_break", _("On a break")
    OFFLINE = "offline", _("Offline")


class EscalationOfficer(models.Model):
    """A senior agent who owns escalated cases until they are closed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="officer_profile",
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=[(1, "1"), (2, "2"), (3, "3")], default=1
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="officers"
    )
    skills = models.JSONField(
        _("skills"),
        default=list,
        blank=True,
        help_text=_('Case categories this officer handles, e.g. ["installation", "delivery"].'),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_officers",
        help_text=_("Notified when this officer's cases breach their timelines."),
    )
    max_open_cases = models.PositiveIntegerField(_("maximum open cases"), default=25)
    active = models.BooleanField(_("active"), default=True)
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability, default=Availability.AVAILABLE
    )
    available_since = models.DateTimeField(
        _("availability since"),
        default=timezone.now,
        help_text=_(
            "When the current availability began: continuous handling time counts "
            "from here while the officer is available."
        ),
    )
    strained_since = models.DateTimeField(
        _("strained since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set while sustained load marks the officer strained (no new cases)."),
    )
    pool = models.BooleanField(
        _("shared pool"),
        default=False,
        help_text=_(
            "Certified staff of another department: they take cases of basic categories "
            "they are certified for, and only while the oldest unassigned case waits past "
            "the pool threshold."
        ),
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("escalation officer")
        verbose_name_plural = _("escalation officers")

    def __str__(self) -> str:
        return f"{self.user.get_username()} (L{self.level})"

    def clean(self) -> None:
        if not isinstance(self.skills, list) or not all(isinstance(s, str) for s in self.skills):
            raise ValidationError({"skills": _("Give a list of category codes.")})

    def handles(self, category: str) -> bool:
        return category in self.skills


EscalationOfficer._meta.get_field("skills").register_lookup(HasElement)


class CaseState(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_DEPARTMENTS = "awaiting_departments", _("Awaiting departments")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (
    CaseState.NEW,
    CaseState.ASSIGNED,
    CaseState.INVESTIGATING,
    CaseState.AWAITING_DEPARTMENTS,
    CaseState.AWAITING_CUSTOMER,
    CaseState.REOPENED,
)


# --- who may fire a transition (no I/O beyond the user's groups) ---


def _may_assign(case: Case, user) -> bool:
    """Supervisors assign anyone; an officer takes a case for itself (checked in the service)."""
    return roles.has_role(user, roles.SUPERVISORS, roles.OFFICERS)


def _owns_or_supervises(case: Case, user) -> bool:
    if roles.is_supervisor(user):
        return True
    return bool(case.officer_id and case.officer.user_id == user.pk and roles.is_officer(user))


def _nobody(case: Case, user) -> bool:
    """Internal transitions fired by the system (task groups), never by a person directly."""
    return False


# --- guards: each names the rule it enforces ---


def _open_tasks_detail(case: Case) -> dict:
    return {
        "open_tasks": [
            {
                "id": task.pk,
                "department": task.department.code,
                "title": task.title,
                "state": task.state,
            }
            for task in case.open_required_tasks().select_related("department")
        ]
    }


@rule(
    ErrorCode.OPEN_REQUIRED_TASKS,
    _("The case still has required tasks that are not done."),
    details=_open_tasks_detail,
)
def _no_open_required_tasks(case: Case) -> bool:
    return not case.open_required_tasks().exists()


@rule(ErrorCode.REOPEN_WINDOW_EXPIRED, _("The reopen window for this case has passed."))
def _within_reopen_window(case: Case) -> bool:
    return case.reopen_deadline() is not None and timezone.now() <= case.reopen_deadline()


class Case(ConcurrentTransitionMixin, models.Model):
    """An escalated customer problem, followed by one officer until it is closed."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        CHAT = "chat", _("Chat")
        SOCIAL = "social", _("Social media")
        APP = "app", _("App")

    class Priority(models.TextChoices):
        P1 = "P1", _("P1 — critical")
        P2 = "P2", _("P2 — high")
        P3 = "P3", _("P3 — normal")
        P4 = "P4", _("P4 — low")

    State = CaseState

    reference = models.CharField(
        _("reference"), max_length=24, unique=True, null=True, editable=False
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    category = models.SlugField(_("category"), max_length=64)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority, default=Priority.P3)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cases"
    )
    officer = models.ForeignKey(
        EscalationOfficer,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    state = FSMField(
        _("state"), default=CaseState.NEW, choices=CaseState, protected=True, db_index=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    context = models.JSONField(
        _("intake context"),
        default=dict,
        blank=True,
        help_text=_("Prior interactions, bot transcript and detected intent, as sent at intake."),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    qa_flags = models.JSONField(
        _("quality flags"),
        default=list,
        blank=True,
        help_text=_("Sensitive terms found in the resolution: term, category, start, end."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opened_cases",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["customer", "category", "state"], name="case_dedup_idx"),
            models.Index(fields=["officer", "state"], name="case_officer_state_idx"),
            # Every intake that assigns counts each eligible officer's open cases, and
            # those of them that are P1/P2 (strain): from this index alone, one lookup
            # an officer instead of one an open state.
            models.Index(
                fields=["officer", "priority"],
                condition=models.Q(state__in=OPEN_STATES),
                name="case_open_by_officer_idx",
            ),
            models.Index(fields=["priority", "state"], name="case_priority_state_idx"),
            # The war report's resolutions of the day.
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(resolved_at__isnull=False),
                name="case_resolved_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'ESC-?'} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def open_required_tasks(self) -> models.QuerySet:
        """Required tasks not yet done or cancelled: the case cannot be resolved over them."""

        return self.tasks.filter(required=True).exclude(state__in=FINISHED_TASK_STATES)

    def reopen_deadline(self):
        if self.resolved_at is None:
            return None
        return self.resolved_at + timedelta(days=settings.CASEHUB_REOPEN_WINDOW_DAYS)

    # --- the lifecycle (PRODUCT.md); the service around each call writes the audit event ---

    @transition(
        field=state,
        source=[CaseState.NEW, CaseState.ASSIGNED, CaseState.REOPENED],
        target=CaseState.ASSIGNED,
        permission=_may_assign,
        custom={"label": _("Assign"), "fields": ["officer"]},
    )
    def assign(self, *, officer: EscalationOfficer) -> None:
        self.officer = officer

    @transition(
        field=state,
        source=[CaseState.ASSIGNED, CaseState.REOPENED],
        target=CaseState.INVESTIGATING,
        permission=_owns_or_supervises,
        custom={"label": _("Start investigating")},
    )
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=CaseState.INVESTIGATING,
        target=CaseState.AWAITING_DEPARTMENTS,
        permission=_nobody,
        custom={"internal": True, "admin": False},
    )
    def open_task_group(self) -> None:
        pass

    @transition(
        field=state,
        source=CaseState.AWAITING_DEPARTMENTS,
        target=CaseState.INVESTIGATING,
        permission=_nobody,
        custom={"internal": True, "admin": False},
    )
    def departments_done(self) -> None:
        pass

    @transition(
        field=state,
        source=CaseState.INVESTIGATING,
        target=CaseState.AWAITING_CUSTOMER,
        permission=_owns_or_supervises,
        custom={"label": _("Wait for customer"), "fields": ["note"]},
    )
    def wait_for_customer(self, *, note: str = "") -> None:
        pass

    @transition(
        field=state,
        source=CaseState.AWAITING_CUSTOMER,
        target=CaseState.INVESTIGATING,
        permission=_owns_or_supervises,
        custom={"label": _("Customer replied"), "fields": ["note"]},
    )
    def customer_replied(self, *, note: str = "") -> None:
        pass

    @transition(
        field=state,
        source=CaseState.INVESTIGATING,
        target=CaseState.RESOLVED,
        conditions=[_no_open_required_tasks],
        permission=_owns_or_supervises,
        custom={"label": _("Resolve"), "fields": ["resolution"]},
    )
    def resolve(self, *, resolution: str) -> None:
        self.resolution = resolution
        self.resolved_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.RESOLVED,
        target=CaseState.CLOSED,
        permission=_owns_or_supervises,
        custom={"label": _("Close")},
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=[CaseState.RESOLVED, CaseState.CLOSED],
        target=CaseState.REOPENED,
        conditions=[_within_reopen_window],
        permission=_owns_or_supervises,
        custom={"label": _("Reopen"), "fields": ["reason"]},
    )
    def reopen(self, *, reason: str) -> None:
        self.closed_at = None

    @transition(
        field=state,
        source=list(OPEN_STATES),
        target=CaseState.CANCELLED,
        permission=_owns_or_supervises,
        custom={"label": _("Cancel"), "fields": ["reason"]},
    )
    def cancel(self, *, reason: str) -> None:
        self.closed_at = timezone.now()


class CaseEvent(AppendOnlyModel):
    """One immutable line of a case's audit trail; every state change writes exactly one."""

    immutable_message = _("Case events are immutable.")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system acted."),
    )
    from_state = models.CharField(_("from state"), max_length=24, null=True, blank=True)
    to_state = models.CharField(_("to state"), max_length=24, null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "id"], name="caseevent_case_id_idx")]

    def __str__(self) -> str:
        return _("%(kind)s on case %(case)s") % {"kind": self.kind, "case": self.case_id}

    @property
    def changes_state(self) -> bool:
        return self.to_state is not None
