"""The rules' codes and the badges they come with (names translated while unchanged)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class BadgeCode(models.TextChoices):
    """The rules; each badge row names one."""

    P1_WITHIN_SLA = "p1_within_sla", _("P1 resolved within its SLA")
    PRAISE = "praise", _("Customer praise")
    FIRST_CONTACT_DAY = "first_contact_day", _("First-contact resolutions in a day")
    CLEAN_STREAK = "clean_streak", _("Streak without breaches")


@dataclass(frozen=True)
class DefaultBadge:
    """A rule's badge as the data migration seeds it; ``label`` is its translated name."""

    english: str
    label: Promise
    description: str
    points: int
    threshold: int = 1


DEFAULT_NAMES: dict[str, DefaultBadge] = {
    BadgeCode.P1_WITHIN_SLA: DefaultBadge(
        "P1 within SLA", _("P1 within SLA"), "A P1 case resolved within its resolution SLA.", 20
    ),
    BadgeCode.PRAISE: DefaultBadge(
        "Customer praise", _("Customer praise"), "A customer praised the handling of a case.", 15
    ),
    BadgeCode.FIRST_CONTACT_DAY: DefaultBadge(
        "First-contact day",
        _("First-contact day"),
        "Several cases resolved at first contact in one day.",
        25,
        5,
    ),
    BadgeCode.CLEAN_STREAK: DefaultBadge(
        "Clean streak",
        _("Clean streak"),
        "Resolutions in a row without an SLA breach.",
        30,
        10,
    ),
}


def badge_name(code: str, name: str) -> str:
    """A badge's name in the active language while it is the one the rule came with."""
    default = DEFAULT_NAMES.get(code)
    if default is not None and name == default.english:
        return str(default.label)
    return name
