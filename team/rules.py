"""The badge rules, read from the cases' audit trail.

``read_history`` walks the relevant CaseEvents of some cases in order and states what each
resolution and each praise was worth *at the moment it happened*; ``candidates`` turns those
facts into the awards an officer has earned. Both are pure reads: the same events always give
the same awards, which is why awarding at once, the periodic catch-up and a full recompute
agree (``team.awards``).

Who earns: the case's officer at the time — the last ``assign`` or ``reassigned`` event before
the resolution; for praise, the officer the ``praise`` event names.

- **P1 within SLA** (key: the case): resolved while the case was P1 (its priority as the audit
  trail sets it: intake, edits, raises), and the resolution clock of that cycle was neither
  breached nor stopped past its due time. A case without a resolution clock does not count.
- **Customer praise** (key: the case): the first praise of a case earns it; more praise of the
  same case is recorded but earns nothing more, nor does praise an officer records on its
  own case.
- **First-contact resolutions in a day** (key: the local day): the case's first resolution,
  with nothing before it that means more contact was needed — no reopen, no task group, no
  wait for the customer, no further contact attached. The badge comes with the officer's
  ``threshold``-th such resolution of a day (``TIME_ZONE``), once a day.
- **Streak without breaches** (key: the resolution that completes it): the officer's
  resolutions in order; one is clean when its case had no SLA breach (any case clock) before
  it and its resolution clock, if any, was met in time. Every ``threshold`` clean resolutions
  in a row earn one badge; an unclean one starts the count again. A breach alone awards
  nothing: it only breaks a streak, which the next resolution reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from escalation.models import CaseEvent, SlaClock
from team.badges import BadgeCode
from team.models import Badge

#: The kinds of event the rules read.
READ_KINDS = (
    "created",
    "assign",
    "reassigned",
    "edited",
    "priority_raised",
    "resolve",
    "reopen",
    "open_task_group",
    "task_group_opened",
    "wait_for_customer",
    "contact_attached",
    "sla_breach",
    "praise",
)
#: Events after which a resolution is no first-contact resolution.
NOT_FIRST_CONTACT = {
    "reopen",
    "open_task_group",
    "task_group_opened",
    "wait_for_customer",
    "contact_attached",
}
#: The events that can earn a badge (the signal's receiver evaluates on these).
AWARDING_KINDS = ("resolve", "praise")


@dataclass(frozen=True)
class Resolution:
    event_id: int
    case_id: int
    at: datetime
    officer: str | None
    p1_within_sla: bool
    first_contact: bool
    clean: bool


@dataclass(frozen=True)
class Praise:
    event_id: int
    case_id: int
    at: datetime
    officer: str | None


@dataclass(frozen=True)
class History:
    resolutions: list[Resolution]
    praises: list[Praise]

    def facts(self) -> list[Resolution | Praise]:
        return [*self.resolutions, *self.praises]

    def officers(self) -> set[str]:
        return {fact.officer for fact in self.facts() if fact.officer}


@dataclass(frozen=True)
class Candidate:
    """An award an officer has earned, with the event that earned it."""

    badge: Badge
    username: str
    key: str
    case_id: int | None
    event_id: int
    at: datetime


def cases_naming(usernames: Iterable[str]) -> QuerySet:
    """Ids of the cases whose audit trail gives a case or praise to one of these officers."""
    names = list(usernames)
    return (
        CaseEvent.objects.filter(
            Q(kind="assign", payload__officer__in=names)
            | Q(kind="reassigned", payload__to__in=names)
            | Q(kind="praise", payload__officer__in=names)
        )
        .values("case_id")
        .distinct()
    )


def read_history(case_ids: QuerySet | Iterable[int] | None = None) -> History:
    """The facts of every resolution and praise of these cases (all cases: ``None``), in two
    statements."""
    events = CaseEvent.objects.filter(kind__in=READ_KINDS)
    clocks = SlaClock.objects.filter(kind=SlaClock.Kind.RESOLUTION, task=None)
    if case_ids is not None:
        events = events.filter(case_id__in=case_ids)
        clocks = clocks.filter(case_id__in=case_ids)
    by_case: dict[int, list[tuple]] = defaultdict(list)
    for row in clocks.order_by("case_id", "started_at", "pk").values_list(
        "case_id", "started_at", "stopped_at", "due_at", "breached_at"
    ):
        by_case[row[0]].append(row)
    resolutions: list[Resolution] = []
    praises: list[Praise] = []
    rows = events.order_by("case_id", "pk").values_list(
        "pk", "case_id", "kind", "payload", "created_at", "case__priority", "actor__username"
    )
    current: int | None = None
    walk: _CaseWalk | None = None
    for pk, case_id, kind, payload, at, priority, actor in rows.iterator(chunk_size=5000):
        if case_id != current or walk is None:
            current = case_id
            walk = _CaseWalk(case_id, priority, by_case.get(case_id, []))
        if kind == "praise" and actor and actor == (payload or {}).get("officer"):
            continue  # praise an officer recorded for itself is kept, never rewarded
        walk.step(pk, kind, payload or {}, at, resolutions, praises)
    return History(resolutions, praises)


class _CaseWalk:
    """One case's audit trail, read in order: who has it, its priority, what happened."""

    def __init__(self, case_id: int, priority: str, clocks: list[tuple]) -> None:
        self.case_id = case_id
        self.priority = priority
        self.clocks = clocks
        self.officer: str | None = None
        self.breached = False
        self.resolution_breached = False
        self.not_first_contact = False
        self.resolved_before = False
        self.praised = False

    def step(self, pk: int, kind: str, payload: dict[str, Any], at, resolutions, praises):
        if kind == "created":
            self.priority = payload.get("priority") or self.priority
        elif kind == "assign":
            self.officer = payload.get("officer") or self.officer
        elif kind == "reassigned":
            self.officer = payload.get("to") or self.officer
        elif kind == "edited" and "priority" in payload:
            self.priority = payload["priority"]
        elif kind == "priority_raised":
            self.priority = payload.get("to") or self.priority
        elif kind == "sla_breach":
            self.breached = True
            if payload.get("clock") == SlaClock.Kind.RESOLUTION:
                self.resolution_breached = True
        elif kind == "resolve":
            on_time = self.on_time(at)
            resolutions.append(
                Resolution(
                    event_id=pk,
                    case_id=self.case_id,
                    at=at,
                    officer=self.officer,
                    p1_within_sla=(
                        self.priority == "P1" and on_time is True and not self.resolution_breached
                    ),
                    first_contact=not (self.not_first_contact or self.resolved_before),
                    clean=not self.breached and on_time is not False,
                )
            )
            self.resolved_before = True
        elif kind == "praise":
            if not self.praised:  # the first praise of a case earns; more is recorded only
                praises.append(Praise(pk, self.case_id, at, payload.get("officer")))
            self.praised = True
        if kind == "reopen":
            self.resolution_breached = False  # a new cycle, a new resolution clock
        if kind in NOT_FIRST_CONTACT:
            self.not_first_contact = True

    def on_time(self, at: datetime) -> bool | None:
        """Whether the resolution clock running at ``at`` was met in time (None: no clock)."""
        started = [clock for clock in self.clocks if clock[1] <= at]
        if not started:
            return None
        _case, _start, stopped, due, breached = started[-1]
        return breached is None and (stopped or at) <= due


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


def candidates(history: History, badges: dict[str, Badge], usernames: set[str]) -> list[Candidate]:
    """Every award the named officers have earned by these facts (active badges only)."""
    found: list[Candidate] = []
    p1 = badges.get(BadgeCode.P1_WITHIN_SLA)
    praise = badges.get(BadgeCode.PRAISE)
    day = badges.get(BadgeCode.FIRST_CONTACT_DAY)
    streak = badges.get(BadgeCode.CLEAN_STREAK)
    mine = sorted(
        (r for r in history.resolutions if r.officer in usernames), key=lambda r: r.event_id
    )
    if p1 is not None:
        found += [
            Candidate(p1, r.officer, f"case-{r.case_id}", r.case_id, r.event_id, r.at)
            for r in mine
            if r.p1_within_sla and r.officer
        ]
    if praise is not None:
        found += [
            Candidate(praise, p.officer, f"case-{p.case_id}", p.case_id, p.event_id, p.at)
            for p in sorted(history.praises, key=lambda p: p.event_id)
            if p.officer in usernames and p.officer
        ]
    by_officer: dict[str, list[Resolution]] = defaultdict(list)
    for r in mine:
        if r.officer:
            by_officer[r.officer].append(r)
    for username, resolutions in sorted(by_officer.items()):
        if day is not None:
            per_day: dict[date, list[Resolution]] = defaultdict(list)
            for r in resolutions:
                if r.first_contact:
                    per_day[local_day(r.at)].append(r)
            for when, done in sorted(per_day.items()):
                if len(done) >= day.threshold:
                    nth = done[day.threshold - 1]
                    found.append(
                        Candidate(
                            day, username, when.isoformat(), nth.case_id, nth.event_id, nth.at
                        )
                    )
        if streak is not None:
            run = 0
            for r in resolutions:
                run = run + 1 if r.clean else 0
                if run and run % streak.threshold == 0:
                    found.append(
                        Candidate(
                            streak, username, f"streak-{r.event_id}", r.case_id, r.event_id, r.at
                        )
                    )
    return found


def active_badges() -> dict[str, Badge]:
    return {badge.code: badge for badge in Badge.objects.filter(active=True)}
