"""Business calendar primitives behind SLA clocks: examples plus properties that must hold."""

from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendars import (
    CalendarSpec,
    _Timeline,
    add_business_seconds,
    business_seconds_between,
    holidays_for_country,
    parse_weekly_hours,
)

SHANGHAI_TZ, BERLIN_TZ, NEW_YORK_TZ = (
    ZoneInfo(name) for name in ("Asia/Shanghai", "Europe/Berlin", "America/New_York")
)
HOUR = 3600
MICROSECOND = timedelta(microseconds=1)

SHANGHAI_OFFICE = CalendarSpec.office_hours(holidays=holidays_for_country("CN", range(2024, 2040)))
BERLIN_WITH_SUNDAY_NIGHT_SHIFT = CalendarSpec(
    "Europe/Berlin",
    {
        **dict.fromkeys(range(5), ((time(8), time(12)), (time(13), time(17)))),
        6: ((time(1), time(4)),),  # straddles both DST changes
    },
    holidays_for_country("DE", range(2024, 2040), subdiv="BE"),
)
ROUND_THE_CLOCK = CalendarSpec.twenty_four_seven()
SATURDAY_MORNINGS_ONLY = CalendarSpec("America/New_York", {5: ((time(10), time(11, 30)),)})
SPECS = pytest.mark.parametrize(
    "spec",
    [SHANGHAI_OFFICE, BERLIN_WITH_SUNDAY_NIGHT_SHIFT, ROUND_THE_CLOCK, SATURDAY_MORNINGS_ONLY],
    ids=["shanghai-office", "berlin-dst", "24x7", "saturday-only"],
)
DST_CHANGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
]

instants = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.builds(
        lambda change, shift: change + timedelta(microseconds=shift),
        st.sampled_from(DST_CHANGES),
        st.integers(-2 * 86_400 * 10**6, 2 * 86_400 * 10**6),
    ),
)
durations_us = st.integers(0, 60 * 8 * HOUR * 10**6)
property_test = settings(max_examples=200, deadline=None)


def every_day_all_day(timezone: str) -> CalendarSpec:
    return CalendarSpec(timezone, dict.fromkeys(range(7), ((time(0), time(0)),)))


def is_open(spec: CalendarSpec, instant: datetime) -> bool:
    """Independent oracle: read the local wall clock and look the time up in the spec.
    (Exact while no interval edge falls inside a repeated fall-back hour; those count once.)"""
    if spec.always_open:
        return True
    local = instant.astimezone(ZoneInfo(spec.timezone))
    if local.date() in spec.holidays:
        return False
    return any(
        start <= local.time() and (end == time(0) or local.time() < end)
        for start, end in spec.weekly_hours.get(local.weekday(), ())
    )


def in_us(seconds: float) -> int:
    return round(seconds * 10**6)


def add(spec: CalendarSpec, start: datetime, us: int) -> datetime:
    return add_business_seconds(spec, start, us / 10**6)


# --- examples -------------------------------------------------------------------------------


def test_p2_case_opened_friday_evening_in_shanghai_is_due_monday_after_lunch():
    opened = datetime(2026, 3, 13, 17, 30, tzinfo=SHANGHAI_TZ)  # Friday
    due = add_business_seconds(SHANGHAI_OFFICE, opened, 4 * HOUR)
    # 0.5 h on Friday, 3 h Monday morning, then 0.5 h after the 12-13 lunch break
    assert due == datetime(2026, 3, 16, 13, 30, tzinfo=SHANGHAI_TZ)


def test_lunch_break_is_not_business_time():
    monday = datetime(2026, 3, 16, tzinfo=SHANGHAI_TZ)
    span = (monday.replace(hour=11), monday.replace(hour=14))
    assert business_seconds_between(SHANGHAI_OFFICE, *span) == 2 * HOUR


def test_counting_starts_at_the_next_opening_when_opened_on_a_weekend():
    saturday = datetime(2026, 3, 14, 10, tzinfo=SHANGHAI_TZ)
    due = add_business_seconds(SHANGHAI_OFFICE, saturday, HOUR)
    assert due == datetime(2026, 3, 16, 10, tzinfo=SHANGHAI_TZ)


def test_a_short_saturday_window_carries_work_over_to_the_next_week():
    saturday = datetime(2026, 3, 7, 11, tzinfo=NEW_YORK_TZ)  # DST starts the next day
    due = add_business_seconds(SATURDAY_MORNINGS_ONLY, saturday, HOUR)
    assert due == datetime(2026, 3, 14, 10, 30, tzinfo=NEW_YORK_TZ)


def test_due_time_may_land_exactly_on_closing_time():
    start = datetime(2026, 3, 16, 11, tzinfo=SHANGHAI_TZ)
    assert add_business_seconds(SHANGHAI_OFFICE, start, HOUR) == start.replace(hour=12)


def test_adding_zero_returns_the_start_even_when_closed():
    saturday = datetime(2026, 3, 14, 10, tzinfo=SHANGHAI_TZ)
    assert add_business_seconds(SHANGHAI_OFFICE, saturday, 0) == saturday


def test_due_times_are_returned_in_utc_to_the_microsecond():
    start = datetime(2026, 3, 16, 9, tzinfo=SHANGHAI_TZ)
    due = add_business_seconds(SHANGHAI_OFFICE, start, 0.000_001)
    assert due.tzinfo is UTC
    assert due == start + MICROSECOND


def test_round_the_clock_calendar_counts_every_instant_including_holidays():
    start = datetime(2025, 12, 31, 22, tzinfo=UTC)
    assert add_business_seconds(ROUND_THE_CLOCK, start, 36 * HOUR) == start + timedelta(hours=36)
    assert business_seconds_between(ROUND_THE_CLOCK, start, start + timedelta(days=2)) == 48 * HOUR


def test_holidays_and_nights_count_no_business_time():
    national_day = datetime(2026, 10, 1, tzinfo=SHANGHAI_TZ)
    assert (
        business_seconds_between(SHANGHAI_OFFICE, national_day, national_day + timedelta(days=1))
        == 0
    )
    evening = datetime(2026, 3, 16, 18, tzinfo=SHANGHAI_TZ)
    assert business_seconds_between(SHANGHAI_OFFICE, evening, evening + timedelta(hours=15)) == 0


def test_durations_spanning_new_year_skip_the_new_year_holiday():
    spec = CalendarSpec.office_hours(holidays={date(2026, 1, 1)})
    new_years_eve = datetime(2025, 12, 31, 17, tzinfo=SHANGHAI_TZ)  # Wednesday
    due = add_business_seconds(spec, new_years_eve, 2 * HOUR)
    assert due == datetime(2026, 1, 2, 10, tzinfo=SHANGHAI_TZ)
    span = (new_years_eve.replace(hour=9), datetime(2026, 1, 2, 18, tzinfo=SHANGHAI_TZ))
    assert business_seconds_between(spec, *span) == 16 * HOUR


@pytest.mark.parametrize(
    ("timezone", "spring_forward", "fall_back"),
    [
        ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
    ],
)
def test_local_days_last_23_and_25_business_hours_across_dst(timezone, spring_forward, fall_back):
    spec, zone = every_day_all_day(timezone), ZoneInfo(timezone)

    def business_hours_of(day: date) -> float:
        midnight = datetime.combine(day, time(0), zone)
        return business_seconds_between(spec, midnight, midnight + timedelta(days=1)) / HOUR

    assert business_hours_of(spring_forward) == 23
    assert business_hours_of(fall_back) == 25
    assert business_hours_of(spring_forward - timedelta(days=1)) == 24


def test_adding_across_spring_forward_counts_real_elapsed_time():
    saturday_noon = datetime(2026, 3, 28, 12, tzinfo=BERLIN_TZ)
    due = add_business_seconds(every_day_all_day("Europe/Berlin"), saturday_noon, 24 * HOUR)
    assert due == datetime(2026, 3, 29, 13, tzinfo=BERLIN_TZ)


def test_hours_inside_the_spring_forward_gap_shrink_and_repeated_hours_count_twice():
    shift = CalendarSpec("Europe/Berlin", {6: ((time(2, 30), time(4)),)})
    split = CalendarSpec("Europe/Berlin", {6: ((time(1), time(2, 30)), (time(2, 30), time(4)))})

    def sunday_hours(spec: CalendarSpec, day: date) -> float:
        midnight = datetime.combine(day, time(0), BERLIN_TZ)
        return business_seconds_between(spec, midnight, midnight + timedelta(days=1)) / HOUR

    assert sunday_hours(shift, date(2026, 3, 29)) == 1  # 02:00-03:00 never happens
    assert sunday_hours(shift, date(2026, 10, 25)) == 2.5  # 02:30-03:00 happens twice
    assert sunday_hours(split, date(2026, 10, 25)) == 4  # ambiguous 02:30 is not double counted


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_seconds(SHANGHAI_OFFICE, datetime(2026, 3, 16, 9), HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_seconds_between(
            ROUND_THE_CLOCK, datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 17)
        )


def test_negative_durations_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(SHANGHAI_OFFICE, datetime(2026, 3, 16, tzinfo=UTC), -1)


def test_business_time_between_is_negative_when_end_precedes_start():
    monday = datetime(2026, 3, 16, 9, tzinfo=SHANGHAI_TZ)
    assert (
        business_seconds_between(SHANGHAI_OFFICE, monday + timedelta(hours=2), monday) == -2 * HOUR
    )


def test_a_calendar_without_any_business_hours_refuses_to_loop_forever():
    with pytest.raises(ValueError, match="no business hours"):
        add_business_seconds(CalendarSpec(), datetime(2026, 1, 1, tzinfo=UTC), 1)
    always_closed = CalendarSpec.office_hours(
        holidays={date(2026, 1, 1) + timedelta(days=n) for n in range(5 * 366)}
    )
    with pytest.raises(ValueError, match="no business hours"):
        add_business_seconds(always_closed, datetime(2026, 1, 1, tzinfo=UTC), 1)


def shanghai_office_due_day_by_day(start: datetime, seconds: int) -> datetime:
    """Independent oracle for SHANGHAI_OFFICE (no DST in Shanghai): walk local days one by one."""
    day, remaining = start.astimezone(SHANGHAI_TZ).date(), seconds
    assert start <= datetime.combine(day, time(9), SHANGHAI_TZ)  # starts before opening
    while True:
        if day.weekday() < 5 and day not in SHANGHAI_OFFICE.holidays:
            for opens, closes in ((9, 12), (13, 18)):
                if remaining <= (closes - opens) * HOUR:
                    return datetime.combine(day, time(opens), SHANGHAI_TZ) + timedelta(
                        seconds=remaining
                    )
                remaining -= (closes - opens) * HOUR
        day += timedelta(days=1)


def test_adding_ten_years_of_business_seconds_walks_whole_weeks_to_the_exact_instant():
    start, ten_years = datetime(2026, 1, 1, tzinfo=UTC), 10 * 365 * 24 * HOUR

    with mock.patch.object(
        _Timeline, "day_intervals", autospec=True, side_effect=_Timeline.day_intervals
    ) as days_looked_at:
        due = add_business_seconds(SHANGHAI_OFFICE, start, ten_years)

    assert due == shanghai_office_due_day_by_day(start, ten_years)
    assert due == datetime(2068, 9, 6, 18, tzinfo=SHANGHAI_TZ)
    assert business_seconds_between(SHANGHAI_OFFICE, start, due) == ten_years
    # Only weeks with a holiday are taken day by day (at most one week per holiday), so the
    # work follows the calendar's irregularities, not the 42 years the span covers.
    holidays_on_the_way = sum(start.date() <= day <= due.date() for day in SHANGHAI_OFFICE.holidays)
    assert 0 < days_looked_at.call_count <= 7 * holidays_on_the_way


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"weekly_hours": {7: ()}}, "weekday"),
        ({"weekly_hours": {0: ((time(9), time(12)), (time(11), time(13)))}}, "mon: .*overlaps"),
        ({"weekly_hours": {2: ((time(18), time(9)),)}}, "wed: .*start before"),
    ],
)
def test_invalid_calendar_specs_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CalendarSpec(**kwargs)


def test_calendar_specs_are_immutable_and_hashable():
    spec = CalendarSpec.office_hours(holidays=[date(2026, 10, 1)])
    assert spec == CalendarSpec.office_hours(holidays={date(2026, 10, 1)})
    assert hash(spec) == hash(CalendarSpec.office_hours(holidays={date(2026, 10, 1)}))
    with pytest.raises(TypeError):
        spec.weekly_hours[5] = ()


def test_chinese_public_holidays_include_national_day():
    assert date(2026, 10, 1) in holidays_for_country("CN", [2026])


def test_holidays_can_be_narrowed_to_a_subdivision():
    assert date(2026, 1, 6) in holidays_for_country("DE", [2026], subdiv="BY")
    assert date(2026, 1, 6) not in holidays_for_country("DE", [2026], subdiv="BE")


@pytest.mark.parametrize(("country", "subdiv"), [("XX", None), ("CN", "ZZ")])
def test_unknown_holiday_regions_are_rejected_clearly(country, subdiv):
    with pytest.raises(ValueError, match="no public holiday data"):
        holidays_for_country(country, [2026], subdiv)


def test_weekly_hours_parse_from_stored_json():
    hours = parse_weekly_hours(
        {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "sat": [], "sun": [["22:00", "00:00"]]}
    )
    assert hours[0] == ((time(9), time(12)), (time(13), time(18)))
    assert hours[5] == hours[1] == ()
    assert hours[6] == ((time(22), time(0)),)
    assert parse_weekly_hours({"fri": [["00:00", "24:00"]]})[4] == ((time(0), time(0)),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"funday": []}, "funday: unknown day"),
        ({"tue": [["9:00", "12:00"]]}, "tue: '9:00' is not a time"),
        ({"wed": [["09:00", "25:00"]]}, "wed: '25:00' is not a time"),
        ({"thu": [["09:00"]]}, "thu: .* is not a \\[start, end\\] pair"),
        ({"fri": [["12:00", "09:00"]]}, "fri: .*must start before"),
        ({"sat": [["13:00", "18:00"], ["09:00", "12:00"]]}, "sat: .*overlaps or precedes"),
        ({"sun": [["09:00", "12:00"], ["11:00", "14:00"]]}, "sun: .*overlaps"),
        ({"mon": [["24:00", "24:00"]]}, "mon: '24:00' is not a time"),
    ],
)
def test_invalid_weekly_hours_name_the_day_and_the_problem(data, message):
    with pytest.raises(ValueError, match=message):
        parse_weekly_hours(data)


# --- properties -----------------------------------------------------------------------------


@SPECS
@property_test
@given(first=instants, second=instants, us=durations_us)
def test_a_later_start_never_gives_an_earlier_due_time(spec, first, second, us):
    early, late = sorted([first, second])
    assert add(spec, early, us) <= add(spec, late, us)


@SPECS
@property_test
@given(start=instants, first=durations_us, second=durations_us)
def test_a_longer_duration_never_gives_an_earlier_due_time(spec, start, first, second):
    shorter, longer = sorted([first, second])
    assert add(spec, start, shorter) <= add(spec, start, longer)


@SPECS
@property_test
@given(start=instants, first=instants, second=instants)
def test_business_time_never_shrinks_as_the_end_moves_later(spec, start, first, second):
    early, late = sorted([first, second])
    assert business_seconds_between(spec, start, early) <= business_seconds_between(
        spec, start, late
    )


@SPECS
@property_test
@given(start=instants, first=durations_us, second=durations_us)
def test_adding_durations_is_additive(spec, start, first, second):
    assert add(spec, add(spec, start, first), second) == add(spec, start, first + second)


@SPECS
@property_test
@given(start=instants, us=durations_us)
def test_business_time_until_the_due_time_is_the_duration(spec, start, us):
    assert in_us(business_seconds_between(spec, start, add(spec, start, us))) == us


@SPECS
@property_test
@given(start=instants, us=durations_us.filter(bool))
def test_a_due_time_always_closes_a_stretch_of_business_time(spec, start, us):
    due = add(spec, start, us)
    assert due > start
    assert is_open(spec, due - MICROSECOND)  # so never inside a night, weekend or holiday


@SPECS
@property_test
@given(instant=instants)
def test_an_instant_counts_exactly_when_the_local_wall_clock_is_open(spec, instant):
    counted = business_seconds_between(spec, instant, instant + MICROSECOND)
    assert in_us(counted) == (1 if is_open(spec, instant) else 0)


@SPECS
@property_test
@given(start=instants)
def test_waiting_for_the_next_opening_counts_no_business_time(spec, start):
    next_opening = add(spec, start, 1) - MICROSECOND
    assert next_opening >= start
    assert business_seconds_between(spec, start, next_opening) == 0


@SPECS
@property_test
@given(first=instants, second=instants, third=instants)
def test_business_time_over_adjacent_spans_adds_up(spec, first, second, third):
    a, b, c = sorted([first, second, third])
    parts = in_us(business_seconds_between(spec, a, b)) + in_us(
        business_seconds_between(spec, b, c)
    )
    assert parts == in_us(business_seconds_between(spec, a, c))
    assert business_seconds_between(spec, c, a) == -business_seconds_between(spec, a, c)
