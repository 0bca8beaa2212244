"""Closure timelines: business calendars, SLA policies, clocks, escalation rules, notifications."""

from __future__ import annotations

import operator
import time
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import calendars

OFFICE_HOURS = {
    day: [["09:00", "12:00"], ["13:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}


def _default_hours():
    return dict(OFFICE_HOURS)


class BusinessCalendar(models.Model):
    """When business time runs: weekly hours in a timezone, minus holidays (or 24×7)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("timezone"), max_length=64, default="Asia/Shanghai")
    always_open = models.BooleanField(_("24×7"), default=False)
    weekly_hours = models.JSONField(
        _("weekly hours"),
        default=_default_hours,
        blank=True,
        help_text=_('Per day, local intervals: {"mon": [["09:00", "12:00"], ["13:00", "18:00"]]}.'),
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=8,
        blank=True,
        help_text=_("Country code (e.g. CN) whose public holidays are closed days."),
    )
    holiday_subdivision = models.CharField(_("region"), max_length=16, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _forget_cached_policies()

    def clean(self) -> None:
        try:
            self.build_spec(holidays=frozenset())
        except ValueError as problem:
            raise ValidationError({"weekly_hours": str(problem)}) from problem
        if self.holiday_country:
            try:
                calendars.holidays_for_country(
                    self.holiday_country, [2026], self.holiday_subdivision or None
                )
            except ValueError as problem:
                raise ValidationError({"holiday_country": str(problem)}) from problem

    def build_spec(self, *, holidays: frozenset) -> calendars.CalendarSpec:
        if self.always_open:
            return calendars.CalendarSpec(timezone=self.timezone, always_open=True)
        return calendars.CalendarSpec(
            timezone=self.timezone,
            weekly_hours=calendars.parse_weekly_hours(self.weekly_hours or {}),
            holidays=holidays,
        )


_active: tuple[float, list[SlaPolicy]] | None = None


def active_policies() -> list[SlaPolicy]:
    """Active policies with their calendars, first in precedence first, kept per process.

    Every intake needs them and they change rarely: an edit in this process applies at
    once (and again when it commits); other processes see it within
    ``CASEHUB_SLA_POLICY_CACHE_SECONDS``.
    """
    global _active
    now = time.monotonic()
    if _active is None or now - _active[0] >= settings.CASEHUB_SLA_POLICY_CACHE_SECONDS:
        policies = SlaPolicy.objects.filter(active=True).select_related("calendar")
        _active = (now, sorted(policies, key=lambda p: p.precedence))
    return _active[1]


def forget_policies() -> None:
    global _active
    _active = None


def _forget_cached_policies() -> None:
    """Drop this process's policy cache now, and again once the change is committed.

    Forgetting only now would let a request in another thread of this process reload the
    rows before the commit and keep the old ones for the cache's whole lifetime.
    """
    forget_policies()
    transaction.on_commit(forget_policies)


class Holiday(models.Model):
    """A closed day entered by hand (public holidays can come from the country code)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="holidays",
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_calendar_holiday")
        ]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        BusinessCalendar.objects.filter(pk=self.calendar_id).update(updated_at=timezone.now())
        _forget_cached_policies()


class SlaPolicy(models.Model):
    """Targets for cases matching priority × tier × category (empty means any).

    Of the active policies that match a case, the one with the lowest ``order`` applies; at
    equal order the most specific (most of the three fields set); then the oldest (lowest id).
    """

    #: The order a policy gets unless the administrator gives it another.
    DEFAULT_ORDER = 100

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(
        _("order"),
        default=DEFAULT_ORDER,
        help_text=_(
            "Lower comes first: of the active policies matching a case, the one with the "
            "lowest order applies; at equal order the most specific one (most of priority, "
            "tier and category set), then the oldest."
        ),
    )
    priority = models.CharField(
        _("priority"),
        max_length=2,
        blank=True,
        choices=[("P1", "P1"), ("P2", "P2"), ("P3", "P3"), ("P4", "P4")],
    )
    customer_tier = models.CharField(
        _("customer tier"),
        max_length=10,
        blank=True,
        choices=[
            ("standard", pgettext_lazy("customer tier", "Standard")),
            ("priority", pgettext_lazy("customer tier", "Priority")),
            ("vip", pgettext_lazy("customer tier", "VIP")),
        ],
    )
    category = models.SlugField(_("category"), max_length=64, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    first_response_seconds = models.PositiveIntegerField(_("first response (business s)"))
    next_update_seconds = models.PositiveIntegerField(_("next update interval (business s)"))
    resolution_seconds = models.PositiveIntegerField(_("resolution (business s)"))
    warn_at_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("warn at % of target"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    max_extensions = models.PositiveSmallIntegerField(
        _("extensions without a supervisor"), default=1
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "priority", "customer_tier", "category", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _forget_cached_policies()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _forget_cached_policies()
        return result

    @property
    def specificity(self) -> int:
        """How many of priority, tier and category the policy names (0 to 3)."""
        return sum(bool(v) for v in (self.priority, self.customer_tier, self.category))

    @property
    def precedence(self) -> tuple[int, int, int]:
        """Sorts the policies that match a case: the first applies."""
        return (self.order, -self.specificity, self.pk or 0)

    def matches(self, *, priority: str, tier: str, category: str) -> bool:
        return (
            self.priority in ("", priority)
            and self.customer_tier in ("", tier)
            and self.category in ("", category)
        )

    def target_for(self, clock: str) -> int:
        return {
            "first_response": self.first_response_seconds,
            "next_update": self.next_update_seconds,
            "resolution": self.resolution_seconds,
        }[clock]


class SlaClock(models.Model):
    """One running target of a case (or of a task): due in business time on its calendar.

    Warned and breached are stamped once each, by whichever sweeper claims the clock first.
    """

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        NEXT_UPDATE = "next_update", _("Next update")
        RESOLUTION = "resolution", _("Resolution")
        TASK_DUE = "task_due", _("Task deadline")

    case = models.ForeignKey(
        "escalation.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="sla_clocks",
    )
    task = models.ForeignKey(
        "escalation.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clocks",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    target_seconds = models.PositiveIntegerField(_("target seconds"))
    warn_at_percent = models.PositiveSmallIntegerField(_("warn at percent"), default=75)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)

    class Meta:
        ordering = ["case_id", "pk"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            # The sweeper's two questions, answered from small partial indexes: their size
            # follows the clocks still to warn or breach, not every case ever opened.
            models.Index(
                fields=["warn_at"],
                name="slaclock_to_warn_idx",
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True
                ),
            ),
            models.Index(
                fields=["due_at"],
                name="slaclock_to_breach_idx",
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True
                ),
            ),
            models.Index(fields=["case", "kind", "stopped_at"], name="slaclock_case_kind_idx"),
            # The war report's compliance and breaches of today and the week.
            models.Index(
                fields=["breached_at"],
                name="slaclock_breached_idx",
                condition=Q(breached_at__isnull=False),
            ),
            models.Index(
                fields=["stopped_at"],
                name="slaclock_stopped_idx",
                condition=Q(stopped_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s of case %(case)s") % {
            "kind": self.get_kind_display(),
            "case": self.case_id,
        }

    #: A clock's state from its stamps: the first stamp that is set decides, else "running".
    #: ``state`` and ``in_state`` both read this table, so the API and the filters agree.
    STATE_STAMPS = (
        ("breached", "breached_at"),
        ("met", "stopped_at"),
        ("paused", "paused_at"),
        ("warned", "warned_at"),
    )

    @property
    def state(self) -> str:
        for state, stamp in self.STATE_STAMPS:
            if getattr(self, stamp) is not None:
                return state
        return "running"

    @classmethod
    def in_state(cls, *states: str) -> Q:
        """Clocks whose ``state`` is one of ``states``, as a filter."""
        alternatives = []
        earlier_unset = Q()
        for state, stamp in cls.STATE_STAMPS:
            if state in states:
                alternatives.append(earlier_unset & Q(**{f"{stamp}__isnull": False}))
            earlier_unset &= Q(**{f"{stamp}__isnull": True})
        if "running" in states:
            alternatives.append(earlier_unset)
        if not alternatives:
            raise ValueError(f"no such clock state: {states}")
        return reduce(operator.or_, alternatives)


class EscalationRule(models.Model):
    """What a breach does when it raises a case to ``level``."""

    level = models.PositiveSmallIntegerField(_("escalation level"), unique=True)
    notify_lead = models.BooleanField(_("notify the officer's lead"), default=True)
    send_email = models.BooleanField(_("send e-mail"), default=True)
    reassign_to_level = models.PositiveSmallIntegerField(
        _("reassign to an officer of at least level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    raise_priority = models.BooleanField(_("raise the priority one step"), default=False)

    class Meta:
        ordering = ["level"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self) -> str:
        return _("Level %(level)d") % {"level": self.level}


class Notification(models.Model):
    """Something one person must know (a breach, a reminder); also sent live and by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=500)
    case = models.ForeignKey(
        "escalation.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return _("%(kind)s for %(recipient)s") % {"kind": self.kind, "recipient": self.recipient}
