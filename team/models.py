"""Badges, the awards that give them to officers, and the points ledger.

An award happens exactly once: ``(badge, user, key)`` is unique, the key saying what earned it
(a case, a day, the end of a streak). Each award writes one ledger entry in the same
transaction; an officer's points are the sum of the ledger. Awards and ledger are derived
from the cases' audit trail (``team.rules``) and can be rebuilt from it at any time
(``team.awards.recompute``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from team.badges import BadgeCode, badge_name


class Badge(models.Model):
    """One rule's badge: what it is called, what it is worth and its threshold (admin)."""

    code = models.CharField(_("rule"), max_length=40, choices=BadgeCode, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    points = models.PositiveIntegerField(_("points"), default=10)
    threshold = models.PositiveSmallIntegerField(
        _("threshold"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_(
            "First-contact resolutions in a day: how many in one day. Streak without "
            "breaches: how many resolutions in a row. Not used by the other rules."
        ),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive badges are not awarded.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("badge")
        verbose_name_plural = _("badges")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language while it is the one the rule came with."""
        return badge_name(self.code, self.name)


class BadgeAward(models.Model):
    """A badge given to an officer, once for its key, dated by the event that earned it."""

    badge = models.ForeignKey(
        Badge, verbose_name=_("badge"), on_delete=models.PROTECT, related_name="awards"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        related_name="badge_awards",
    )
    key = models.CharField(
        _("key"),
        max_length=64,
        help_text=_("What earned it: the case, the day or the end of the streak."),
    )
    case = models.ForeignKey(
        "escalation.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        "escalation.CaseEvent",
        verbose_name=_("source event"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    awarded_at = models.DateTimeField(_("awarded at"), db_index=True)

    class Meta:
        ordering = ["-awarded_at", "-id"]
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        constraints = [
            models.UniqueConstraint(fields=["badge", "user", "key"], name="unique_badge_award")
        ]
        indexes = [models.Index(fields=["user", "awarded_at"], name="badgeaward_user_idx")]

    def __str__(self) -> str:
        return _("%(badge)s for %(user)s") % {"badge": self.badge, "user": self.user}


class PointsEntry(models.Model):
    """One line of the points ledger: the points an award earned, written with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        related_name="points_entries",
    )
    points = models.IntegerField(_("points"))
    rule = models.CharField(_("rule"), max_length=40, choices=BadgeCode)
    award = models.OneToOneField(
        BadgeAward,
        verbose_name=_("award"),
        on_delete=models.CASCADE,
        related_name="points_entry",
    )
    created_at = models.DateTimeField(_("earned at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        indexes = [models.Index(fields=["created_at", "user"], name="pointsentry_period_idx")]

    def __str__(self) -> str:
        return _("%(points)+d for %(user)s") % {"points": self.points, "user": self.user}
