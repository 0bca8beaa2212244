"""Awarding badges: at once after an event commits, in a periodic catch-up, and a full
recompute. All three read the same rules (``team.rules``) from the audit trail.

Exactly once: ``(badge, user, key)`` is unique and each award is inserted in a savepoint; a
concurrent evaluation that inserted the same award first makes ours fail there, and we skip
it. The award's ledger entry is written in the same savepoint, so an award never exists
without its points. A new award notifies its officer (stored, and live on the workbench) and
tells the war report's floor (``badge.awarded``) after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import live
from escalation.models import CaseEvent
from escalation.notifications import notify_many
from team import rules
from team.models import BadgeAward, PointsEntry


@dataclass(frozen=True)
class BadgeAwarded:
    """The live envelope of a new award, to the floor and to the officer."""

    id: int
    badge: str
    name: str
    user: str
    points: int
    case: int | None
    at: str
    type: str = "badge.awarded"


def officer_ids(usernames: set[str]) -> dict[str, int]:
    """``{username: user id}`` of the escalation officers among these names."""
    if not usernames:
        return {}
    return dict(
        get_user_model()
        .objects.filter(username__in=usernames, officer_profile__isnull=False)
        .values_list("username", "pk")
    )


def evaluate_officers(user_ids: list[int], *, notify: bool = True) -> list[BadgeAward]:
    """Give these officers every badge their audit trail has earned and they lack."""
    names = dict(
        get_user_model()
        .objects.filter(pk__in=user_ids, officer_profile__isnull=False)
        .values_list("username", "pk")
    )
    if not names:
        return []
    history = rules.read_history(rules.cases_naming(names))
    due = rules.candidates(history, rules.active_badges(), set(names))
    return award(due, names, notify=notify)


def award(due: list[rules.Candidate], ids: dict[str, int], *, notify: bool) -> list[BadgeAward]:
    """Insert the awards not yet given, each with its ledger entry, each exactly once."""
    if not due:
        return []
    created: list[BadgeAward] = []
    with transaction.atomic():
        given = set(
            BadgeAward.objects.filter(user_id__in=set(ids.values())).values_list(
                "badge_id", "user_id", "key"
            )
        )
        for candidate in due:
            user_id = ids[candidate.username]
            if (candidate.badge.pk, user_id, candidate.key) in given:
                continue
            try:
                with transaction.atomic():  # a savepoint: a concurrent twin wins, we skip
                    created.append(_insert(candidate, user_id))
            except IntegrityError:
                continue
        if notify and created:
            announce(created)
    return created


def _insert(candidate: rules.Candidate, user_id: int) -> BadgeAward:
    badge = candidate.badge
    award = BadgeAward.objects.create(
        badge=badge,
        user_id=user_id,
        key=candidate.key,
        case_id=candidate.case_id,
        event_id=candidate.event_id,
        awarded_at=candidate.at,
    )
    PointsEntry.objects.create(
        user_id=user_id,
        points=badge.points,
        rule=badge.code,
        award=award,
        created_at=candidate.at,
    )
    return award


def announce(awards: list[BadgeAward]) -> None:
    """Tell each officer (a stored notification, live on the workbench) and the floor."""
    names = dict(
        get_user_model()
        .objects.filter(pk__in={a.user_id for a in awards})
        .values_list("pk", "username")
    )
    notes: list[dict[str, Any]] = []
    batch = []
    with override(settings.LANGUAGE_CODE):
        for a in awards:
            text = _("New badge: %(badge)s (+%(points)d points)") % {
                "badge": a.badge.display_name,
                "points": a.badge.points,
            }
            notes.append(
                {"recipient_id": a.user_id, "kind": "badge", "text": text, "case_id": a.case_id}
            )
            message = BadgeAwarded(
                id=a.pk,
                badge=a.badge.code,
                name=a.badge.display_name,
                user=names.get(a.user_id, ""),
                points=a.badge.points,
                case=a.case_id,
                at=a.awarded_at.isoformat(),
            )
            batch.append(([live.FLOOR_GROUP, live.user_group(a.user_id)], message))
    notify_many(notes)
    live.send_many_on_commit(batch)


def catch_up(*, hours: int | None = None) -> list[BadgeAward]:
    """Award what an at-once evaluation missed (a lost job, a bulk write): every officer
    credited with a resolution or praise in the last ``hours``. Safe to run anywhere, any
    number of times."""
    hours = hours or settings.CASEHUB_TEAM_CATCH_UP_HOURS
    since = timezone.now() - timedelta(hours=hours)
    recent = (
        CaseEvent.objects.filter(kind__in=rules.AWARDING_KINDS, created_at__gte=since)
        .values("case_id")
        .distinct()
    )
    history = rules.read_history(recent)
    credited = {fact.officer for fact in history.facts() if fact.officer and fact.at >= since}
    ids = officer_ids(credited)
    return evaluate_officers(sorted(ids.values())) if ids else []


@dataclass(frozen=True)
class Recomputed:
    awards: int
    points: int


@transaction.atomic
def recompute() -> Recomputed:
    """Rebuild every award and the whole ledger from the audit trail, with the badges' current
    points and thresholds. Nobody is notified again."""
    PointsEntry.objects.all().delete()
    BadgeAward.objects.all().delete()
    history = rules.read_history(None)
    ids = officer_ids(history.officers())
    due = rules.candidates(history, rules.active_badges(), set(ids))
    awards = BadgeAward.objects.bulk_create(
        [
            BadgeAward(
                badge=c.badge,
                user_id=ids[c.username],
                key=c.key,
                case_id=c.case_id,
                event_id=c.event_id,
                awarded_at=c.at,
            )
            for c in due
        ],
        batch_size=1000,
    )
    entries = PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                user_id=a.user_id,
                points=c.badge.points,
                rule=c.badge.code,
                award=a,
                created_at=c.at,
            )
            for a, c in zip(awards, due, strict=True)
        ],
        batch_size=1000,
    )
    return Recomputed(awards=len(awards), points=sum(e.points for e in entries))
