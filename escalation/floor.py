"""The floor's people: availability, fatigue and the shared pool.

- An officer is ``available``, ``on_break`` or ``offline``; only available officers get
  new cases. Continuous handling time counts from when the officer last became available.
- An officer is *strained* while available longer than the assignment policy allows, or
  holding as many open P1/P2 cases as it allows. A strained officer gets no new case while
  someone available is not strained; when everyone is, a case still goes to the least
  loaded, and supervisors are told.
- The shared pool (certified staff of other departments) takes cases of basic categories,
  and only while the oldest unassigned case has waited past the policy's threshold.

``refresh_strain`` (beat, every minute) records each officer's change into or out of
strain: one ``OfficerEvent``, a prompt to the officer, a notice to supervisors, and a live
``officer.changed`` to the war report and the officer's workbench.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import roles
from escalation import live
from escalation.models import (
    OPEN_STATES,
    AssignmentPolicy,
    Availability,
    Case,
    CaseState,
    Category,
    EscalationOfficer,
    OfficerEvent,
)
from escalation.notifications import notify_many
from escalation.selectors import Strain

logger = logging.getLogger(__name__)

#: How long this process trusts its copy of the assignment policy (every intake reads it).
POLICY_SECONDS = 30.0
_policy: tuple[float, AssignmentPolicy, frozenset[str]] | None = None
#: At most one "everyone is strained" alert to supervisors in this many seconds.
ALL_STRAINED_ALERT_SECONDS = 600
#: Until when (``time.monotonic()``) this process knows an alert was sent lately and asks
#: the shared cache nothing: while the whole floor is strained, every intake would.
_alerted_until = 0.0
#: How long a process trusts that another one alerted (it cannot see when that was).
ALERTED_ELSEWHERE_SECONDS = 60.0


def _read() -> tuple[float, AssignmentPolicy, frozenset[str]]:
    """The assignment policy and the basic categories, read at most every
    ``POLICY_SECONDS`` by this process (every intake consults them)."""
    global _policy
    now = time.monotonic()
    if _policy is None or now - _policy[0] > POLICY_SECONDS:
        basic = frozenset(Category.objects.filter(basic=True).values_list("code", flat=True))
        _policy = (now, AssignmentPolicy.current(), basic)
    return _policy


def policy() -> AssignmentPolicy:
    return _read()[1]


def basic_categories() -> frozenset[str]:
    return _read()[2]


@receiver([post_save, post_delete], sender=AssignmentPolicy)
@receiver([post_save, post_delete], sender=Category)
def _forget_policy(**kwargs) -> None:
    forget_policy()


def forget_policy() -> None:
    global _policy
    _policy = None


def forget_alerts() -> None:
    """Let this process ask the shared cache again before its next all-strained alert."""
    global _alerted_until
    _alerted_until = 0.0


@receiver(user_logged_in)
def _on_the_floor(sender, request, user, **kwargs) -> None:
    """An officer signing in comes onto the floor (from offline; a break stays a break)."""
    officer = EscalationOfficer.objects.filter(
        user=user, availability=Availability.OFFLINE, active=True
    ).first()
    if officer is not None:
        set_availability(officer=officer, availability=Availability.AVAILABLE, actor=user)


@receiver(user_logged_out)
def _off_the_floor(sender, request, user, **kwargs) -> None:
    """An officer signing out leaves the floor: no case is assigned to someone gone home."""
    if user is None:
        return
    officer = (
        EscalationOfficer.objects.filter(user=user)
        .exclude(availability=Availability.OFFLINE)
        .first()
    )
    if officer is not None:
        set_availability(officer=officer, availability=Availability.OFFLINE, actor=user)


def strain_rule(now: datetime | None = None) -> Strain:
    rules = policy()
    now = now or timezone.now()
    return Strain(
        since=now - timedelta(minutes=rules.strained_after_minutes),
        open_high_priority=rules.strained_open_high_priority,
    )


def pool_is_open(category: str, now: datetime | None = None) -> bool:
    """Whether the shared pool may take a case of ``category`` now: the category is basic
    and the oldest unassigned case has waited past the policy's threshold."""
    if category not in basic_categories():
        return False
    cutoff = (now or timezone.now()) - timedelta(minutes=policy().pool_after_minutes)
    return Case.objects.filter(
        state=CaseState.NEW, officer__isnull=True, created_at__lte=cutoff
    ).exists()


# --- fatigue ---


@dataclass(frozen=True)
class Fatigue:
    state: str  # "ok" | "strained"
    continuous_minutes: int
    open_high_priority: int

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def hours(self) -> int:
        return self.continuous_minutes // 60

    @property
    def minutes_past(self) -> str:
        """The minutes past the hour, two digits (``4h05``)."""
        return f"{self.continuous_minutes % 60:02d}"


def continuous_minutes(officer: EscalationOfficer, now: datetime) -> int:
    if officer.availability != Availability.AVAILABLE:
        return 0
    return max(0, int((now - officer.available_since).total_seconds() // 60))


def open_high_priority(officer_ids: list[int]) -> dict[int, int]:
    """Open P1/P2 cases per officer, in one statement."""
    rows = (
        Case.objects.filter(officer_id__in=officer_ids, state__in=OPEN_STATES)
        .values("officer_id")
        .annotate(high=Count("pk", filter=Q(priority__in=[Case.Priority.P1, Case.Priority.P2])))
    )
    return {row["officer_id"]: row["high"] for row in rows}


def fatigue_of(
    officers: list[EscalationOfficer], now: datetime | None = None
) -> dict[int, Fatigue]:
    """Each officer's fatigue now (by officer id), in one statement."""
    now = now or timezone.now()
    rules = policy()
    high = open_high_priority([officer.pk for officer in officers])
    result = {}
    for officer in officers:
        minutes = continuous_minutes(officer, now)
        held = high.get(officer.pk, 0)
        strained = (
            officer.availability == Availability.AVAILABLE
            and minutes >= rules.strained_after_minutes
        ) or held >= rules.strained_open_high_priority
        result[officer.pk] = Fatigue(
            state="strained" if strained else "ok",
            continuous_minutes=minutes,
            open_high_priority=held,
        )
    return result


def officer_message(officer: EscalationOfficer, fatigue: Fatigue) -> dict:
    return {
        "type": "officer.changed",
        "username": officer.user.get_username(),
        "availability": officer.availability,
        "fatigue": fatigue.as_dict(),
        "at": timezone.now().isoformat(),
    }


def _announce(officer: EscalationOfficer, fatigue: Fatigue) -> None:
    """Supervisors' war reports and the officer's own workbench hear of the change."""
    live.send_on_commit(
        [live.SUPERVISORS_GROUP, live.user_group(officer.user_id)],
        officer_message(officer, fatigue),
    )


def _supervisors():
    return get_user_model().objects.filter(is_active=True, groups__name=roles.SUPERVISORS)


@transaction.atomic
def set_availability(
    *, officer: EscalationOfficer, availability: str, actor
) -> OfficerEvent | None:
    """Change an officer's availability (one audit event); nothing when it is unchanged."""
    if availability not in Availability.values:
        raise ValueError(availability)
    locked = EscalationOfficer.objects.select_for_update().select_related("user").get(pk=officer.pk)
    if locked.availability == availability:
        return None
    now = timezone.now()
    event = OfficerEvent.objects.create(
        officer=locked,
        kind=OfficerEvent.Kind.AVAILABILITY,
        actor=actor,
        from_value=locked.availability,
        to_value=availability,
        payload={"continuous_minutes": continuous_minutes(locked, now)},
        created_at=now,
    )
    locked.availability = availability
    locked.available_since = now
    locked.save(update_fields=["availability", "available_since"])
    officer.availability, officer.available_since = locked.availability, locked.available_since
    fatigue = _record_strain(locked, fatigue_of([locked], now)[locked.pk], now)
    _announce(locked, fatigue)
    return event


def _record_strain(officer: EscalationOfficer, fatigue: Fatigue, now: datetime) -> Fatigue:
    """Write the officer's change into or out of strain (the row is locked by the caller)."""
    strained = fatigue.state == "strained"
    if strained == (officer.strained_since is not None):
        return fatigue
    officer.strained_since = now if strained else None
    officer.save(update_fields=["strained_since"])
    OfficerEvent.objects.create(
        officer=officer,
        kind=OfficerEvent.Kind.STRAINED if strained else OfficerEvent.Kind.RELIEVED,
        actor=None,
        from_value="ok" if strained else "strained",
        to_value="strained" if strained else "ok",
        payload=fatigue.as_dict(),
        created_at=now,
    )
    if strained:
        _prompt(officer, fatigue)
    return fatigue


def _prompt(officer: EscalationOfficer, fatigue: Fatigue) -> None:
    """Ask the officer to take a break, and tell supervisors."""
    name = officer.user.get_username()
    with override(settings.LANGUAGE_CODE):
        if fatigue.open_high_priority >= policy().strained_open_high_priority:
            why = _("%(count)d open P1/P2 cases") % {"count": fatigue.open_high_priority}
        else:
            why = _("%(hours)dh%(minutes)02d without a break") % {
                "hours": fatigue.continuous_minutes // 60,
                "minutes": fatigue.continuous_minutes % 60,
            }
        to_officer = _(
            "Time for a break: %(why)s. No new cases come to you until the load eases."
        ) % {"why": why}
        to_supervisors = _("%(name)s is strained: %(why)s.") % {"name": name, "why": why}
    items = [{"recipient": officer.user, "kind": "strained", "text": to_officer, "case": None}]
    items += [
        {"recipient": person, "kind": "strained", "text": to_supervisors, "case": None}
        for person in _supervisors()
    ]
    notify_many(items)


def refresh_strain(now: datetime | None = None) -> dict[str, int]:
    """Record every change into or out of strain since the last run; idempotent."""
    now = now or timezone.now()
    officers = list(EscalationOfficer.objects.filter(active=True).select_related("user"))
    fatigue = fatigue_of(officers, now)
    changed = {"strained": 0, "relieved": 0}
    for officer in officers:
        if (fatigue[officer.pk].state == "strained") == (officer.strained_since is not None):
            continue
        with transaction.atomic():  # read again under the lock: another run may have been first
            locked = (
                EscalationOfficer.objects.select_for_update(skip_locked=True)
                .select_related("user")
                .filter(pk=officer.pk)
                .first()
            )
            if locked is None:  # another run holds it
                continue
            fresh = fatigue_of([locked], now)[locked.pk]
            was = locked.strained_since is not None
            _record_strain(locked, fresh, now)
            if (fresh.state == "strained") != was:
                changed["strained" if fresh.state == "strained" else "relieved"] += 1
                _announce(locked, fresh)
    return changed


def alert_all_strained(case: Case, officer: EscalationOfficer) -> None:
    """Supervisors hear, after commit and at most every ten minutes, that cases go to
    strained officers. The cache only throttles: when it cannot answer, they hear anyway."""
    reference, name = case.reference or str(case.pk), officer.user.get_username()
    case_id = case.pk

    def alert() -> None:
        global _alerted_until
        now = time.monotonic()
        if now < _alerted_until:
            return
        try:
            if not cache.add("casehub:all-strained-alert", 1, ALL_STRAINED_ALERT_SECONDS):
                _alerted_until = now + ALERTED_ELSEWHERE_SECONDS
                return
        except Exception:  # Redis down: an alert too many beats none
            logger.warning("The strained-floor alert is not throttled: the cache is down")
        else:
            _alerted_until = now + ALL_STRAINED_ALERT_SECONDS
        with override(settings.LANGUAGE_CODE):
            text = _(
                "Every available officer is strained: %(reference)s went to %(name)s, the "
                "least loaded. Bring more people onto the floor."
            ) % {"reference": reference, "name": name}
        notify_many(
            [
                {"recipient": person, "kind": "all_strained", "text": text, "case_id": case_id}
                for person in _supervisors()
            ]
        )

    transaction.on_commit(alert)
