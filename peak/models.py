"""Surges: one (category, intent) arriving far above its usual rate for the hour of the week."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import AppendOnlyModel
from escalation.models.case import ContactChannel

#: What PRODUCT.md gives as the demo's thresholds; a threshold row starts from these.
DEFAULT_MIN_COUNT = 20
DEFAULT_RATIO = 3.0


class Broadcast(models.Model):
    """A supervisor's message to every open case a disruption hits."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filter = models.JSONField(_("filter"), default=dict)
    message = models.TextField(_("message"))
    cases = models.PositiveIntegerField(_("cases"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return f"{self.message[:60]} ({self.cases})"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notice(models.Model):
    """One message to a case's customer, on one channel. Written once per case event that
    matters to the customer (or per broadcast and case): the unique constraints make writing
    it twice a no-op, and sending claims it, so it is never sent twice."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        TASK_PROMISED = "task_promised", _("A department's promised time")
        DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
        RESOLVED = "resolved", _("Resolved")
        BROADCAST = "broadcast", _("Broadcast")

    Status = NoticeStatus

    case = models.ForeignKey(
        "escalation.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="notices"
    )
    event = models.ForeignKey(
        "escalation.CaseEvent",
        verbose_name=_("case event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    broadcast = models.ForeignKey(
        Broadcast,
        verbose_name=_("broadcast"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannel)
    status = models.CharField(
        _("status"), max_length=8, choices=NoticeStatus, default=NoticeStatus.PENDING
    )
    text = models.TextField(_("text"))
    green_points = models.PositiveIntegerField(_("green points"), default=0)
    avoided = models.CharField(
        _("avoided"),
        max_length=8,
        choices=ContactChannel,
        blank=True,
        help_text=_("The paper letter or call this electronic notice replaced."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(event__isnull=False), name="one_notice_per_event"
            ),
            models.UniqueConstraint(
                fields=["broadcast", "case"],
                condition=Q(broadcast__isnull=False),
                name="one_notice_per_broadcast_case",
            ),
        ]
        indexes = [
            # Today's green contact on the war report.
            models.Index(
                fields=["sent_at"], condition=Q(status=NoticeStatus.SENT), name="notice_sent_idx"
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=~Q(status=NoticeStatus.SENT),
                name="notice_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.channel} ({self.status})"

    @property
    def key(self) -> str:
        """What a provider deduplicates on: a retry after a lost answer is the same message."""
        return f"casehub-notice-{self.pk}"


class SurgeThreshold(models.Model):
    """When a surge opens: at least ``min_count`` contacts of one (category, intent) in 15
    minutes, and ``ratio`` times the baseline. A row without a category applies to every
    category that has no row of its own. A surge closes when the count falls back under half
    of the level that opened it."""

    category = models.SlugField(
        _("category"),
        max_length=64,
        blank=True,
        unique=True,
        help_text=_("Empty: every category without a threshold of its own."),
    )
    min_count = models.PositiveIntegerField(
        _("contacts in 15 minutes"),
        default=DEFAULT_MIN_COUNT,
        help_text=_("At least this many contacts of one intent in 15 minutes."),
    )
    ratio = models.FloatField(
        _("times the baseline"),
        default=DEFAULT_RATIO,
        help_text=_(
            "And at least this many times the usual 15 minutes of the same hour of the "
            "week over the last four weeks (a missing baseline counts as 1)."
        ),
    )

    class Meta:
        ordering = ["category"]
        verbose_name = _("surge threshold")
        verbose_name_plural = _("surge thresholds")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_count__gte=1) & Q(ratio__gt=0), name="surge_threshold_positive"
            )
        ]

    def __str__(self) -> str:
        scope = self.category or _("every category")
        return _("%(scope)s: %(count)d in 15 min and %(ratio)s× baseline") % {
            "scope": scope,
            "count": self.min_count,
            "ratio": f"{self.ratio:g}",
        }


class SurgeState(models.TextChoices):
    OPEN = "open", pgettext_lazy("surge", "Open")
    CLOSED = "closed", pgettext_lazy("surge", "Closed")


class Surge(ConcurrentTransitionMixin, models.Model):
    """A wave of one (category, intent). At most one is open per pair (a partial unique
    constraint), so several checkers racing open it once."""

    State = SurgeState

    category = models.SlugField(_("category"), max_length=64)
    intent = models.CharField(_("intent"), max_length=100, blank=True)
    state = FSMField(
        _("state"), default=SurgeState.OPEN, choices=SurgeState, protected=True, db_index=True
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    count = models.PositiveIntegerField(
        _("contacts in 15 minutes"), help_text=_("The highest 15-minute count seen.")
    )
    baseline = models.FloatField(_("baseline"), help_text=_("The usual 15 minutes."))
    ratio = models.FloatField(_("ratio"), help_text=_("The count over the baseline."))
    threshold = models.FloatField(
        _("opening level"), help_text=_("The count that opened it; it closes under half.")
    )
    top_titles = models.JSONField(_("top case titles"), default=list, blank=True)
    knowledge_request = models.ForeignKey(
        "knowledge.KnowledgeRequest",
        verbose_name=_("knowledge request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("surge")
        verbose_name_plural = _("surges")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "intent"],
                condition=Q(state=SurgeState.OPEN),
                name="one_open_surge_per_intent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.intent or '-'} ({self.get_state_display()})"

    @transition(field=state, source=SurgeState.OPEN, target=SurgeState.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()


class SurgeEvent(AppendOnlyModel):
    """The audit trail of a surge: one event per state change."""

    surge = models.ForeignKey(
        Surge, verbose_name=_("surge"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=40)
    from_state = models.CharField(_("from state"), max_length=12, null=True, blank=True)
    to_state = models.CharField(_("to state"), max_length=12)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("surge event")
        verbose_name_plural = _("surge events")

    def __str__(self) -> str:
        return f"{self.surge}: {self.kind}"


class ForecastRun(models.Model):
    """The latest forecast of one category (``peak.forecast.refresh`` replaces it in place):
    how it was made and how it did against seasonal-naive on the last week it held out."""

    category = models.SlugField(_("category"), max_length=64, unique=True)
    method = models.CharField(_("method"), max_length=40)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    starts_at = models.DateTimeField(_("first hour"))
    history_hours = models.PositiveIntegerField(_("hours of history"), default=0)
    mae = models.FloatField(_("backtest MAE"), null=True, blank=True)
    seasonal_naive_mae = models.FloatField(_("seasonal-naive MAE"), null=True, blank=True)

    class Meta:
        ordering = ["category"]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")

    def __str__(self) -> str:
        return f"{self.category} ({self.method})"


class ForecastPoint(models.Model):
    """Expected new cases of a run's category in one hour, with an 80 % band."""

    run = models.ForeignKey(
        ForecastRun, verbose_name=_("forecast"), on_delete=models.CASCADE, related_name="points"
    )
    hour = models.DateTimeField(_("hour"), db_index=True)
    expected = models.FloatField(_("expected"))
    low = models.FloatField(_("low"))
    high = models.FloatField(_("high"))

    class Meta:
        ordering = ["run", "hour"]
        verbose_name = _("forecast hour")
        verbose_name_plural = _("forecast hours")
        constraints = [
            models.UniqueConstraint(fields=["run", "hour"], name="one_forecast_point_per_hour")
        ]

    def __str__(self) -> str:
        return f"{self.run.category} {self.hour:%Y-%m-%d %H:00}: {self.expected:.1f}"
