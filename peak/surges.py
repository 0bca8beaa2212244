"""Surge detection: intake per (category, intent) in the last 15 minutes, against the same
hour of the week over the trailing four weeks.

``check()`` runs on beat (``peak.check_surges``) and may run in several workers at once: a
surge opens once because at most one may be open per (category, intent) (a partial unique
constraint; the loser's insert fails inside a savepoint and it does nothing more), and closes
once because the open surges are claimed ``FOR UPDATE SKIP LOCKED`` before closing.

Intake itself does nothing for this: the counts are read from the cases (``created_at`` is
indexed), so the surge check never adds a statement to the request that opens a case.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import live, roles
from escalation.models import Case, Category
from escalation.notifications import notify_many
from knowledge import publishing
from knowledge import services as knowledge_services
from knowledge.live import REVIEW_GROUP
from peak.models import DEFAULT_MIN_COUNT, DEFAULT_RATIO, Surge, SurgeEvent, SurgeThreshold

WINDOW = timedelta(minutes=15)
#: Windows of 15 minutes in an hour: the baseline is the hour's count over its windows.
WINDOWS_PER_HOUR = 4
BASELINE_WEEKS = 4
#: Case titles listed in the knowledge request a surge raises.
TOP_TITLES = 5

Key = tuple[str, str]  # (category, intent)


@dataclass(frozen=True)
class Reading:
    category: str
    intent: str
    count: int
    baseline: float  # the usual 15 minutes; 0 where the history has none
    min_count: int
    ratio_needed: float

    @property
    def base(self) -> float:
        """The baseline a ratio is taken against: a missing (or sub-one) baseline counts as 1."""
        return max(self.baseline, 1.0)

    @property
    def ratio(self) -> float:
        return self.count / self.base

    @property
    def level(self) -> float:
        """The count that opens a surge: both thresholds crossed."""
        return max(float(self.min_count), self.ratio_needed * self.base)

    @property
    def opens(self) -> bool:
        return self.count >= self.min_count and self.ratio >= self.ratio_needed


@dataclass(frozen=True)
class Outcome:
    opened: list[Surge]
    closed: list[Surge]
    updated: int


def thresholds() -> tuple[tuple[int, float], dict[str, tuple[int, float]]]:
    """The default threshold and those of categories with their own."""
    default = (DEFAULT_MIN_COUNT, DEFAULT_RATIO)
    own: dict[str, tuple[int, float]] = {}
    for row in SurgeThreshold.objects.all():
        if row.category:
            own[row.category] = (row.min_count, row.ratio)
        else:
            default = (row.min_count, row.ratio)
    return default, own


def _intake():
    """Cases with their intent (``context.intent``; empty when the channel sent none)."""
    return Case.objects.annotate(
        intent=Coalesce(KT("context__intent"), Value(""), output_field=TextField())
    )


def window_counts(now: datetime) -> Counter[Key]:
    rows = (
        _intake()
        .filter(created_at__gt=now - WINDOW, created_at__lte=now)
        .values_list("category", "intent")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Counter({(category, intent): n for category, intent, n in rows})


def baseline_hours(now: datetime) -> list[tuple[datetime, datetime]]:
    """The same hour of the week as ``now``, in each of the trailing four weeks."""
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    return [
        (hour - timedelta(weeks=week), hour - timedelta(weeks=week) + timedelta(hours=1))
        for week in range(1, BASELINE_WEEKS + 1)
    ]


def baselines(now: datetime, keys: set[Key]) -> dict[Key, float]:
    """The usual 15 minutes of each pair: its count in the same hour of the trailing weeks,
    over the windows of the weeks that had any intake at all then (a centre that opened two
    weeks ago has a baseline of two weeks, not a quarter of four)."""
    if not keys:
        return {}
    hours = baseline_hours(now)
    in_hours = Q()
    for start, end in hours:
        in_hours |= Q(created_at__gte=start, created_at__lt=end)
    rows = _intake().filter(in_hours, category__in={category for category, _intent in keys})
    per_key: Counter[Key] = Counter(
        {
            (category, intent): n
            for category, intent, n in rows.values_list("category", "intent")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    # Which of those weeks had any intake at all in that hour, in one statement.
    had_intake = Case.objects.filter(in_hours).aggregate(
        **{
            f"week{i}": Count("pk", filter=Q(created_at__gte=start, created_at__lt=end))
            for i, (start, end) in enumerate(hours)
        }
    )
    weeks_seen = [week for week, n in had_intake.items() if n]
    windows = len(weeks_seen) * WINDOWS_PER_HOUR
    return {key: (per_key[key] / windows if windows else 0.0) for key in keys}


def readings(now: datetime, open_keys: set[Key]) -> list[Reading]:
    """A reading of every pair that may open a surge now, or has one open."""
    counts = window_counts(now)
    default, own = thresholds()
    candidates = {key for key, n in counts.items() if n >= own.get(key[0], default)[0]} | open_keys
    usual = baselines(now, candidates)
    result = []
    for key in sorted(candidates):
        min_count, ratio = own.get(key[0], default)
        result.append(
            Reading(
                category=key[0],
                intent=key[1],
                count=counts.get(key, 0),
                baseline=usual.get(key, 0.0),
                min_count=min_count,
                ratio_needed=ratio,
            )
        )
    return result


def check(now: datetime | None = None) -> Outcome:
    """Open the surges whose thresholds are crossed, close those whose rate fell back under
    half of the level that opened them, and keep each open one's highest count."""
    now = now or timezone.now()
    open_now = {
        (category, intent): (count, threshold)
        for category, intent, count, threshold in Surge.objects.filter(
            state=Surge.State.OPEN
        ).values_list("category", "intent", "count", "threshold")
    }
    opened: list[Surge] = []
    closed: list[Surge] = []
    updated = 0
    for reading in readings(now, set(open_now)):
        key = (reading.category, reading.intent)
        if key in open_now:
            count, threshold = open_now[key]
            if threshold / 2 <= reading.count <= count:
                continue  # neither closing nor a new high: nothing to write
            status, surge = _follow(reading, now)
            if status == "closed" and surge is not None:
                closed.append(surge)
            updated += status == "updated"
        elif reading.opens:
            surge = _open(reading, now)
            if surge is not None:
                opened.append(surge)
    return Outcome(opened=opened, closed=closed, updated=updated)


@transaction.atomic
def _follow(reading: Reading, now: datetime) -> tuple[str, Surge | None]:
    """Close the pair's open surge, or raise its count; nothing if another checker has it."""
    surge = (
        Surge.objects.select_for_update(skip_locked=True)
        .filter(category=reading.category, intent=reading.intent, state=Surge.State.OPEN)
        .first()
    )
    if surge is None:
        return "busy", None
    if reading.count < surge.threshold / 2:
        surge.close()
        surge.closed_at = now
        surge.save()
        SurgeEvent.objects.create(
            surge=surge,
            kind="closed",
            from_state=Surge.State.OPEN,
            to_state=Surge.State.CLOSED,
            payload={"count": reading.count, "baseline": round(reading.baseline, 2)},
        )
        _announce(surge, "surge.closed")
        return "closed", surge
    if reading.count > surge.count:
        surge.count = reading.count
        surge.ratio = round(reading.count / max(surge.baseline, 1.0), 2)
        surge.save(update_fields=["count", "ratio"])
        return "updated", surge
    return "same", surge


@transaction.atomic
def _open(reading: Reading, now: datetime) -> Surge | None:
    """Open the surge once: a concurrent checker that opened it first wins, and this one
    does nothing at all. Then draft the knowledge request, pin the intent's answers and tell
    supervisors and the knowledge team."""
    titles = top_titles(reading.category, reading.intent, now)
    try:
        with transaction.atomic():
            surge = Surge.objects.create(
                category=reading.category,
                intent=reading.intent,
                opened_at=now,
                count=reading.count,
                baseline=round(reading.baseline, 2),
                ratio=round(reading.ratio, 2),
                threshold=reading.level,
                top_titles=titles,
            )
    except IntegrityError:
        return None  # another checker opened it a moment ago
    SurgeEvent.objects.create(
        surge=surge,
        kind="opened",
        to_state=Surge.State.OPEN,
        payload={
            "count": reading.count,
            "baseline": round(reading.baseline, 2),
            "ratio": round(reading.ratio, 2),
            "min_count": reading.min_count,
            "ratio_needed": reading.ratio_needed,
        },
    )
    with override(settings.LANGUAGE_CODE):
        surge.knowledge_request = knowledge_services.request_for_surge(
            category=Category.objects.ensure(reading.category),
            intent=reading.intent,
            title=_("Surge: %(what)s") % {"what": describe(surge)},
            body=request_body(surge),
        )
    surge.save(update_fields=["knowledge_request"])
    publishing.pin_intent_answers(
        category=surge.category,
        intent=surge.intent,
        until=now + timedelta(hours=settings.CASEHUB_KNOWLEDGE_HOT_HOURS),
    )
    _alert(surge)
    _announce(surge, "surge.opened")
    return surge


def top_titles(category: str, intent: str, now: datetime) -> list[dict]:
    """The titles most cases of the window share, most frequent first."""
    titles = (
        _intake()
        .filter(category=category, intent=intent, created_at__gt=now - WINDOW)
        .values_list("title")
        .annotate(n=Count("pk"))
        .order_by("-n", "title")[:TOP_TITLES]
    )
    return [{"title": title, "cases": n} for title, n in titles]


def describe(surge: Surge) -> str:
    return f"{surge.category} / {surge.intent}" if surge.intent else surge.category


def request_body(surge: Surge) -> str:
    lines = [
        _(
            "%(count)d contacts in 15 minutes, %(ratio)s× the usual %(baseline)s for this "
            "hour of the week."
        )
        % {"count": surge.count, "ratio": f"{surge.ratio:g}", "baseline": f"{surge.baseline:g}"},
        "",
        _("What customers are asking most:"),
        "",
    ]
    lines += [f"- {row['title']} ({row['cases']})" for row in surge.top_titles]
    return "\n".join(lines)


def _alert(surge: Surge) -> None:
    """A notification (stored, live, counted in the navigation) to every supervisor and
    knowledge-team member."""
    people = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.SUPERVISORS, roles.KNOWLEDGE_TEAM])
        .distinct()
    )
    with override(settings.LANGUAGE_CODE):
        text = _("Surge: %(what)s, %(count)d contacts in 15 minutes (%(ratio)s× usual)") % {
            "what": describe(surge),
            "count": surge.count,
            "ratio": f"{surge.ratio:g}",
        }
    notify_many(
        [{"recipient": person, "kind": "surge", "text": text, "case": None} for person in people]
    )


def surge_message(surge: Surge, kind: str) -> dict:
    return {
        "type": kind,
        "id": surge.pk,
        "category": surge.category,
        "intent": surge.intent,
        "state": surge.state,
        "count": surge.count,
        "baseline": surge.baseline,
        "ratio": surge.ratio,
        "knowledge_request": surge.knowledge_request_id,
        "at": timezone.now().isoformat(),
    }


def _announce(surge: Surge, kind: str) -> None:
    """The review queue and the war report hear of a surge opening or closing."""
    live.send_on_commit([REVIEW_GROUP, live.FLOOR_GROUP], surge_message(surge, kind))


def recent(limit: int = 10) -> list[Surge]:
    """Open surges first, then the latest closed ones."""
    return list(
        # "open" sorts after "closed": descending puts open surges first.
        Surge.objects.select_related("knowledge_request").order_by("-state", "-opened_at", "-id")[
            :limit
        ]
    )
