"""Business calendars for SLA clocks: which instants count as working time, and how much.

A calendar is a weekly pattern of local wall-clock intervals in one IANA time zone, minus
holidays. All arithmetic runs on integer UTC microseconds so results are exact, and walks
whole weeks at a time where nothing irregular (holiday, DST change) happens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data
from django.utils.translation import gettext as _

Interval = tuple[time, time]
Block = tuple[int, int, int, list[tuple[int, int]] | None]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = range(5)
OFFICE_INTERVALS: tuple[Interval, ...] = ((time(9), time(12)), (time(13), time(18)))
MIDNIGHT = time(0)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DAY_US = 86_400 * 10**6
_ONE_DAY = timedelta(days=1)
_IDLE_US = 3 * 366 * _DAY_US
_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _interval_problem(intervals: Iterable[Interval]) -> str | None:
    """Why a day's intervals are invalid (None if fine); `time(0, 0)` as an end means 24:00."""
    previous_end: time | None = None
    for start, end in intervals:
        if end != MIDNIGHT and start >= end:
            return _("interval %(start)s-%(end)s must start before it ends") % {
                "start": f"{start:%H:%M}",
                "end": f"{end:%H:%M}",
            }
        if previous_end is not None and (previous_end == MIDNIGHT or start < previous_end):
            return _("interval starting %(start)s overlaps or precedes the one before it") % {
                "start": f"{start:%H:%M}"
            }
        previous_end = end
    return None


@dataclass(frozen=True)
class CalendarSpec:
    """When the SLA clock runs: `weekly_hours` maps weekday (0=Mon..6=Sun) to local
    [start, end) intervals, sorted and non-overlapping; an end of `time(0, 0)` means 24:00.
    `holidays` are local dates with no business time; `always_open` counts every instant."""

    timezone: str = "UTC"
    weekly_hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict, hash=False)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(_("unknown time zone %(zone)r") % {"zone": self.timezone}) from error
        hours = {day: tuple(intervals) for day, intervals in self.weekly_hours.items()}
        for day, intervals in hours.items():
            if day not in range(7):
                raise ValueError(
                    _("weekday must be 0 (Mon) .. 6 (Sun), got %(day)r") % {"day": day}
                )
            if problem := _interval_problem(intervals):
                raise ValueError(
                    _("%(day)s: %(problem)s") % {"day": DAY_NAMES[day], "problem": problem}
                )
        object.__setattr__(self, "weekly_hours", MappingProxyType(hours))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @classmethod
    def twenty_four_seven(cls) -> CalendarSpec:
        """Every instant counts, holidays included (P1 round-the-clock support)."""
        return cls(always_open=True)

    @classmethod
    def office_hours(
        cls,
        timezone: str = "Asia/Shanghai",
        days: Iterable[int] = WORKDAYS,
        intervals: Iterable[Interval] = OFFICE_INTERVALS,
        holidays: Iterable[date] = frozenset(),
    ) -> CalendarSpec:
        """The same intervals on each of `days`; defaults to 09-12, 13-18 Mon-Fri in Shanghai."""
        shared = tuple(intervals)
        return cls(timezone, {day: shared for day in days}, frozenset(holidays))


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return (moment - _EPOCH) // _MICROSECOND


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _wall_us(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 10**6 + moment.microsecond


class _Timeline:
    """A spec's business intervals as UTC microseconds, produced week by week or day by day."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self.hours = {
            day: tuple((_wall_us(s), _wall_us(e) if e != MIDNIGHT else _DAY_US) for s, e in ivs)
            for day, ivs in spec.weekly_hours.items()
        }
        self.week_us = sum(e - s for ivs in self.hours.values() for s, e in ivs)
        self._midnights: dict[date, int] = {}
        self._regular_weeks: dict[date, bool] = {}
        self._weeks: dict[int, list[tuple[int, int]]] = {}

    def instant(self, wall: datetime) -> int:
        """First instant whose local wall clock reads `wall` or later: ambiguous times take
        their first occurrence, times skipped by spring-forward move to the transition."""
        guess = wall.replace(tzinfo=self.zone)
        us = _to_us(guess)
        if _from_us(us).astimezone(self.zone).replace(tzinfo=None) == wall:
            return us
        low, high = _to_us(guess.replace(fold=1)), us  # the gap lies between both readings
        while high - low > 1:
            middle = (low + high) // 2
            if _from_us(middle).astimezone(self.zone).replace(tzinfo=None) >= wall:
                high = middle
            else:
                low = middle
        return high

    def day_intervals(self, day: date, start: int, end: int) -> list[tuple[int, int]]:
        """UTC intervals of local `day`, which runs from `start` to `end` (its midnights)."""
        if day in self.spec.holidays:
            return []
        walls = self.hours.get(day.weekday(), ())
        if end - start == _DAY_US:  # no offset change today: plain arithmetic
            return [(start + s, start + e) for s, e in walls]
        midnight = datetime.combine(day, MIDNIGHT)

        def at(wall_us: int) -> int:
            if wall_us in (0, _DAY_US):
                return start if wall_us == 0 else end
            return self.instant(midnight + timedelta(microseconds=wall_us))

        return [(a, b) for a, b in ((at(s), at(e)) for s, e in walls) if a < b]

    def midnight(self, day: date) -> int:
        found = self._midnights.get(day)
        if found is None:
            if len(self._midnights) > 4096:
                self._midnights.clear()
            found = self._midnights[day] = self.instant(datetime.combine(day, MIDNIGHT))
        return found

    def walk(self, cursor: int) -> Iterator[Block]:
        """Yield (start, end, business_us, intervals) blocks that end after `cursor`. A week
        with no holidays and one UTC offset (checked at days 0, 3 and 7; real zones never change
        offset twice within 3.5 days) is one block whose intervals come from `week_intervals`."""
        day = _from_us(cursor).astimezone(self.zone).date() - _ONE_DAY  # start early: safe
        start = self.midnight(day)
        while True:
            week_end = self.midnight(day + 7 * _ONE_DAY)
            if self.regular_week(day, start, week_end):
                yield start, week_end, self.week_us, None
            else:
                for k in range(1, 8):
                    end = week_end if k == 7 else self.midnight(day + k * _ONE_DAY)
                    intervals = self.day_intervals(day + (k - 1) * _ONE_DAY, start, end)
                    if end > cursor:
                        yield start, end, sum(b - a for a, b in intervals), intervals
                    start = end
            day, start = day + 7 * _ONE_DAY, week_end

    def regular_week(self, day: date, start: int, week_end: int) -> bool:
        """Whether the week from local `day` (midnight `start`) has one offset and no holiday;
        remembered, as midnights are: every clock on a page asks about the same few weeks."""
        found = self._regular_weeks.get(day)
        if found is None:
            if len(self._regular_weeks) > 4096:
                self._regular_weeks.clear()
            found = self._regular_weeks[day] = (
                week_end - start == 7 * _DAY_US
                and self.midnight(day + 3 * _ONE_DAY) - start == 3 * _DAY_US
                and not any(day + k * _ONE_DAY in self.spec.holidays for k in range(7))
            )
        return found

    def week_intervals(self, start: int) -> list[tuple[int, int]]:
        """Intervals of a regular week (see `walk`) beginning at local midnight `start`."""
        found = self._weeks.get(start)
        if found is None:
            if len(self._weeks) > 1024:
                self._weeks.clear()
            first = _from_us(start).astimezone(self.zone).date()
            found = self._weeks[start] = [
                (start + k * _DAY_US + s, start + k * _DAY_US + e)
                for k in range(7)
                for s, e in self.hours.get((first + k * _ONE_DAY).weekday(), ())
            ]
        return found


@lru_cache(maxsize=64)
def _timeline(spec: CalendarSpec) -> _Timeline:
    """One timeline per spec (and its midnights, once found), for the life of the process."""
    return _Timeline(spec)


def add_business_seconds(spec: CalendarSpec, start: datetime, seconds: float) -> datetime:
    """The UTC instant at which `seconds` of business time have elapsed since `start`.
    Counting begins at the next opening if `start` is closed; adding 0 returns `start` itself
    (in UTC) even when closed. A due time may land exactly on an interval's end."""
    if seconds < 0:
        raise ValueError(f"business seconds must not be negative, got {seconds!r}")
    cursor, remaining = _to_us(start), timedelta(seconds=seconds) // _MICROSECOND
    if remaining == 0 or spec.always_open:
        return _from_us(cursor + remaining)
    timeline = _timeline(spec)
    if timeline.week_us == 0:
        raise ValueError("calendar has no business hours")
    last_open = cursor
    for block_start, block_end, business, intervals in timeline.walk(cursor):
        if intervals is None:
            if block_start >= cursor and remaining > business:
                remaining -= business
                last_open = block_end
                continue
            intervals = timeline.week_intervals(block_start)
        for open_at, close_at in intervals:
            open_at = max(open_at, cursor)
            if open_at < close_at:
                if remaining <= close_at - open_at:
                    return _from_us(open_at + remaining)
                remaining, last_open = remaining - (close_at - open_at), close_at
        if block_end - last_open > _IDLE_US:
            raise ValueError("calendar has no business hours")
    raise AssertionError("unreachable: the calendar walk is endless")


def business_seconds_between(spec: CalendarSpec, start: datetime, end: datetime) -> float:
    """Business seconds in [start, end); negative (-between(end, start)) when end < start."""
    low, high = _to_us(start), _to_us(end)
    if high < low:
        return -business_seconds_between(spec, end, start)
    if spec.always_open:
        return (high - low) / 10**6
    timeline, total = _timeline(spec), 0
    for block_start, block_end, business, intervals in timeline.walk(low):
        if block_start >= high:
            break
        if intervals is None:
            if block_start >= low and block_end <= high:
                total += business
                continue
            intervals = timeline.week_intervals(block_start)
        total += sum(max(0, min(b, high) - max(a, low)) for a, b in intervals)
    return total / 10**6


def holidays_for_country(
    country: str, years: Iterable[int], subdiv: str | None = None
) -> frozenset[date]:
    """Public holidays of an ISO 3166 country (and optional subdivision), for `holidays=`."""
    try:
        calendar = holiday_data.country_holidays(country, subdiv=subdiv, years=list(years))
    except NotImplementedError as error:
        where = country if subdiv is None else f"{country}/{subdiv}"
        raise ValueError(
            _("no public holiday data for %(where)r: %(error)s") % {"where": where, "error": error}
        ) from error
    return frozenset(calendar)


def _parse_clock(text: object, day: str, *, is_end: bool) -> time:
    match = _HH_MM.fullmatch(text) if isinstance(text, str) else None
    if not match and not (is_end and text == "24:00"):
        raise ValueError(
            _("%(day)s: %(text)r is not a time in HH:MM form") % {"day": day, "text": text}
        )
    return time(int(match[1]), int(match[2])) if match else MIDNIGHT


def parse_weekly_hours(data: Mapping[str, list[list[str]]]) -> dict[int, tuple[Interval, ...]]:
    """Weekly hours from stored JSON such as {"mon": [["09:00", "12:00"]], "sat": []}.
    Every weekday appears in the result (absent days have no hours); an end of "00:00"
    or "24:00" means midnight at the end of the day. Errors name the offending day."""
    unknown = sorted(set(data) - set(DAY_NAMES))
    if unknown:
        raise ValueError(
            _("%(day)s: unknown day, expected one of %(days)s")
            % {"day": unknown[0], "days": ", ".join(DAY_NAMES)}
        )
    result: dict[int, tuple[Interval, ...]] = {}
    for number, day in enumerate(DAY_NAMES):
        intervals = []
        for pair in data.get(day) or []:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(
                    _("%(day)s: %(pair)r is not a [start, end] pair") % {"day": day, "pair": pair}
                )
            start = _parse_clock(pair[0], day, is_end=False)
            intervals.append((start, _parse_clock(pair[1], day, is_end=True)))
        if problem := _interval_problem(intervals):
            raise ValueError(_("%(day)s: %(problem)s") % {"day": day, "problem": problem})
        result[number] = tuple(intervals)
    return result
