"""A case's SLA status: one definition for the case's ``sla`` list, the ``?sla=`` filters and
the war report's counts.

A case *shows* the clocks of its current cycle, the latest of each kind (first response,
next update, resolution): a reopen starts a new cycle, and each restart of the next-update
clock replaces the one before. Each shown clock has the state ``SlaClock.state`` gives it.
Over open cases (not resolved, closed or cancelled) the filters mean:

- ``breached``: a shown clock is breached, whether it still runs or has stopped since. A
  breached first response or resolution keeps the case here until it is resolved; a breached
  next update until the officer's next update starts a fresh next-update clock.
- ``warned``: a shown clock is past its warning share and still counting (not paused, not
  breached).
- ``paused``: a shown clock is paused (the case waits on the customer) and not breached.
- ``due_within=<s>``: a shown clock still counting (running or warned) is due within ``s``
  seconds of wall-clock time from now (or is overdue and not yet swept).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from escalation.models import OPEN_STATES, Case, SlaClock

#: The clocks a case's ``sla`` list shows, in this order (task deadlines are the tasks').
CASE_CLOCK_KINDS = ("first_response", "next_update", "resolution")

#: The furthest ``due_within`` looks ahead (ten years); beyond it dates overflow.
DUE_WITHIN_MAX_SECONDS = 10 * 366 * 24 * 3600

#: The ``?sla=`` values that name a clock state (``due_within=<s>`` is the other kind).
STATE_FILTERS = ("breached", "warned", "paused")


def shown(clocks: QuerySet[SlaClock]) -> QuerySet[SlaClock]:
    """Of ``clocks``, those their case shows: of its current cycle, the latest of each kind.

    A clock is hidden by a later clock of the same kind, or by a later resolution clock of a
    new cycle (a reopen).
    """
    later = SlaClock.objects.filter(case_id=OuterRef("case_id"), pk__gt=OuterRef("pk")).filter(
        Q(kind=OuterRef("kind")) | Q(kind=SlaClock.Kind.RESOLUTION, cycle__gt=1)
    )
    return clocks.filter(kind__in=CASE_CLOCK_KINDS).filter(~Exists(later))


def shown_of_read(clocks: Iterable[SlaClock]) -> list[SlaClock]:
    """Of clocks already read (all of a case's case clocks, or of several cases'), those
    their case shows: the rule of :func:`shown`, applied in Python.

    The list pages read each case's clocks by the case index and keep the shown ones here,
    rather than asking the database for the latest per kind, a correlated anti-join whose
    plan depends on fresh table statistics.
    """
    shown_clocks = []
    later_kinds: dict[int, set[str]] = {}
    later_reopen: set[int] = set()
    for clock in sorted(clocks, key=lambda clock: clock.pk, reverse=True):
        seen = later_kinds.setdefault(clock.case_id, set())
        hidden = clock.kind in seen or clock.case_id in later_reopen
        if clock.kind in CASE_CLOCK_KINDS and not hidden:
            shown_clocks.append(clock)
        seen.add(clock.kind)
        if clock.kind == SlaClock.Kind.RESOLUTION and clock.cycle > 1:
            later_reopen.add(clock.case_id)
    return shown_clocks[::-1]


class ClockRow:
    """A case clock read as plain values for a list: what the shown rule, the state and the
    time left need (``escalation.selectors.case_clocks_read``)."""

    STATE_STAMPS = SlaClock.STATE_STAMPS
    state = SlaClock.state  # the clock's own rule, read from the same stamps

    def __init__(self, **values) -> None:
        self.__dict__.update(values)

    @property
    def calendar(self):
        """The calendar, read only when the process has no current spec for it."""
        return SlaClock._meta.get_field("calendar").related_model.objects.get(pk=self.calendar_id)


def shown_clocks_of(case: Case) -> list[SlaClock]:
    """The clocks ``case`` shows, from what the list selector prefetched when it did."""
    read = case.__dict__.get("case_clocks_read")
    # Else just opened: its fresh clocks are all it has.
    prefetched = shown_of_read(read) if read is not None else case.__dict__.get("fresh_clocks")
    if prefetched is None:
        prefetched = list(
            shown(SlaClock.objects.filter(case=case)).select_related("calendar").order_by("pk")
        )
    return sorted(prefetched, key=lambda clock: CASE_CLOCK_KINDS.index(clock.kind))


def parse(value: str) -> tuple[str, int | None]:
    """``"breached"`` → ``("breached", None)``; ``"due_within=60"`` → ``("due_within", 60)``.

    Raises ``ValueError`` for anything else.
    """
    value = value.strip()
    if value in STATE_FILTERS:
        return value, None
    name, _, seconds = value.partition("=")
    if name == "due_within" and seconds.strip().isdigit():
        within = int(seconds)
        if within <= DUE_WITHIN_MAX_SECONDS:
            return name, within
    raise ValueError(value)


def _matching_clocks(status: str, within: int | None, now: datetime) -> Q:
    if status == "due_within":
        assert within is not None
        return SlaClock.in_state("running", "warned") & Q(
            due_at__lte=now + timedelta(seconds=within)
        )
    return SlaClock.in_state(status)


def case_condition(value: str, now: datetime) -> Q:
    """``?sla=<value>`` as a condition on cases (``ValueError`` for an unknown value)."""
    status, within = parse(value)
    clocks = shown(SlaClock.objects.filter(_matching_clocks(status, within, now)))
    return Q(state__in=OPEN_STATES, pk__in=clocks.values("case_id"))


def status_counts(cases: QuerySet[Case], now: datetime) -> dict[str, int]:
    """How many of ``cases`` each state filter finds, in one query (for the war report)."""
    return cases.aggregate(
        **{status: Count("pk", filter=case_condition(status, now)) for status in STATE_FILTERS}
    )
