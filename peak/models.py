"""Surges: one (category, intent) arriving far above its usual rate for the hour of the week."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import AppendOnlyModel

#: What PRODUCT.md gives as the demo's thresholds; a threshold row starts from these.
DEFAULT_MIN_COUNT = 20
DEFAULT_RATIO = 3.0


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
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


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
