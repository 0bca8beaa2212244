"""The floor's team rules: when an officer is strained, and who may join from other
departments when the unassigned queue waits too long."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyModel
from escalation.models.case import Department, EscalationOfficer


class AssignmentPolicy(models.Model):
    """One row (the admin edits it): the thresholds of fatigue and of the shared pool."""

    strained_after_minutes = models.PositiveIntegerField(
        _("strained after (minutes available)"),
        default=240,
        help_text=_("Continuous handling time after which an officer is strained."),
    )
    strained_open_high_priority = models.PositiveIntegerField(
        _("strained at open P1/P2 cases"),
        default=6,
        help_text=_("Open P1 and P2 cases at which an officer is strained."),
    )
    pool_after_minutes = models.PositiveIntegerField(
        _("shared pool after (minutes waiting)"),
        default=15,
        help_text=_(
            "The shared pool takes basic cases while the oldest unassigned case has waited "
            "this long."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assignment policy")
        verbose_name_plural = _("assignment policy")

    def __str__(self) -> str:
        return str(_("Assignment policy"))

    @classmethod
    def current(cls) -> AssignmentPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls()


class Certification(models.Model):
    """Staff of another department certified to take cases of some basic categories."""

    officer = models.ForeignKey(
        EscalationOfficer,
        verbose_name=_("pool member"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("home department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    categories = models.JSONField(
        _("categories"),
        default=list,
        help_text=_('Basic case categories this certificate covers, e.g. ["delivery"].'),
    )
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        ordering = ["officer", "-expires_on"]
        verbose_name = _("pool certification")
        verbose_name_plural = _("pool certifications")

    def __str__(self) -> str:
        return f"{self.officer} → {', '.join(self.categories)} ({self.expires_on})"

    def clean(self) -> None:
        if not isinstance(self.categories, list) or not all(
            isinstance(code, str) for code in self.categories
        ):
            raise ValidationError({"categories": _("Give a list of category codes.")})


class OfficerEvent(AppendOnlyModel):
    """The audit trail of an officer's availability and strain: one row per change."""

    class Kind(models.TextChoices):
        AVAILABILITY = "availability", _("Availability changed")
        STRAINED = "strained", _("Marked strained")
        RELIEVED = "relieved", _("No longer strained")

    officer = models.ForeignKey(
        EscalationOfficer,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system acted."),
    )
    from_value = models.CharField(_("from"), max_length=20, blank=True)
    to_value = models.CharField(_("to"), max_length=20, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("officer event")
        verbose_name_plural = _("officer events")

    def __str__(self) -> str:
        return f"{self.officer}: {self.kind} {self.from_value} → {self.to_value}"
