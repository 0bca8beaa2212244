"""The war report's figures: what each counts, and a fixed number of statements for any size."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from casehub.war_report import war_report
from compensation.models import Grant
from escalation.models import CaseEvent, SlaClock
from peak import forecast
from peak.models import ForecastPoint
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.factories import (
    CaseFactory,
    CustomerFactory,
    DepartmentFactory,
    OfficerFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 15, 30, tzinfo=SHANGHAI)
TODAY = NOW.replace(hour=0, minute=30)


def clock(case, *, kind="resolution", stopped=None, breached=None, task=None) -> SlaClock:
    started = (stopped or breached or NOW) - timedelta(hours=2)
    return SlaClock.objects.create(
        case=case,
        task=task,
        kind=kind,
        calendar_id=calendar().pk,
        target_seconds=3600,
        started_at=started,
        due_at=started + timedelta(hours=1),
        warn_at=started + timedelta(minutes=45),
        stopped_at=stopped,
        breached_at=breached,
    )


def calendar():
    from escalation.models import BusinessCalendar

    return BusinessCalendar.objects.get_or_create(name="24x7", defaults={"timezone": "UTC"})[0]


def grant(case, officer, policy, kind, amount, state, day):
    return Grant.objects.create(
        case=case,
        customer=case.customer,
        kind=kind,
        amount=Decimal(amount),
        currency="CNY",
        reason="Install delayed twice.",
        state=state,
        requested_by=officer.user,
        policy=policy,
        budget_day=day,
        budget_month=day.replace(day=1),
    )


@pytest.fixture
def floor(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    vip = CustomerFactory(tier="vip")
    level_1 = [OfficerFactory(level=1) for _ in range(3)]
    OfficerFactory(level=2)
    OfficerFactory(level=1, active=False)
    return {"vip": vip, "level_1": level_1}


def test_the_report_counts_what_a_supervisor_watches(floor):
    officer = floor["level_1"][0]
    CaseFactory.create_batch(2, state="new")
    investigating = CaseFactory(state="investigating", officer=officer)
    CaseFactory(state="closed", officer=officer)

    urgent = CaseFactory(state="resolved", priority="P1", customer=floor["vip"], officer=officer)
    clock(urgent, kind="first_response", stopped=TODAY + timedelta(hours=9))  # met today
    clock(urgent, breached=TODAY + timedelta(hours=10, minutes=5))  # breached today, 10:xx
    clock(urgent, kind="next_update", stopped=TODAY - timedelta(days=3))  # met this week
    clock(urgent, kind="next_update", breached=TODAY - timedelta(days=9))  # before the week
    task = TaskFactory(group__case=investigating, department=DepartmentFactory(code="tech"))
    clock(investigating, kind="task_due", task=task, breached=TODAY + timedelta(hours=11))

    report = war_report(NOW)

    assert report.open_by_state["new"] == 2
    assert report.open_by_state["investigating"] == 1
    assert report.open_total == 3  # the resolved and closed cases are not open
    [row] = report.compliance
    assert (row.priority, row.tier) == ("P1", "vip")
    assert (row.met_today, row.breached_today, row.met_week, row.breached_week) == (1, 1, 2, 1)
    assert row.today == 0.5 and row.week == pytest.approx(2 / 3)
    assert report.breaches_by_hour[10] == 1 and report.breaches_by_hour[11] == 1
    assert sum(report.breaches_by_hour) == 2


def test_spend_against_each_level_s_daily_authority(floor):
    officer = floor["level_1"][0]
    case = CaseFactory(state="investigating", officer=officer)
    level_1 = PolicyFactory(role="level_1", per_day_limit=Decimal("300"))
    PolicyFactory(role="level_2", per_day_limit=Decimal("1000"))
    coupon, gift = KindFactory(code="coupon"), KindFactory(code="gift")
    day = NOW.date()
    grant(case, officer, level_1, coupon, "50", "issued", day)
    grant(case, officer, level_1, coupon, "20", "approved", day)
    grant(case, officer, level_1, gift, "30", "issued", day)
    grant(case, officer, level_1, gift, "40", "declined", day)  # not spent
    grant(case, officer, level_1, gift, "45", "pending_approval", day)  # not yet spent
    grant(case, officer, level_1, gift, "60", "issued", day - timedelta(days=1))  # yesterday

    report = war_report(NOW)

    spent = {(row.kind, row.role): row.amount for row in report.spend}
    assert spent == {("coupon", "level_1"): Decimal("70"), ("gift", "level_1"): Decimal("30")}
    budgets = {budget.role: budget for budget in report.budgets}
    assert budgets["level_1"].officers == 3  # the inactive one has no authority today
    assert budgets["level_1"].total == Decimal("900")
    assert budgets["level_1"].spent == Decimal("100")
    assert (budgets["level_2"].officers, budgets["level_2"].spent) == (1, Decimal("0"))


def test_department_throughput_and_overdue_tasks(floor, settings):
    tech = DepartmentFactory(code="tech", name="Technical")
    case = CaseFactory(state="awaiting_departments", officer=floor["level_1"][0])
    TaskFactory(group__case=case, department=tech, state="done")
    TaskFactory(group__case=case, department=tech, state="in_progress")
    TaskFactory(group__case=case, department=tech, due_at=NOW - timedelta(hours=1))
    TaskFactory(group__case=case, department=tech, state="cancelled")

    [tech_row] = war_report(NOW).departments

    assert tech_row.code == "tech"
    assert (tech_row.done_today, tech_row.active, tech_row.overdue) == (1, 2, 1)


def test_first_contact_resolutions(floor):
    officer = floor["level_1"][0]
    resolved = dict(state="resolved", officer=officer, resolved_at=TODAY + timedelta(hours=8))
    CaseFactory(**resolved)  # the officer alone
    reopened = CaseFactory(**resolved)
    CaseEvent.objects.create(case=reopened, kind="reopen")
    called_again = CaseFactory(**resolved)
    CaseEvent.objects.create(case=called_again, kind="contact_attached")
    TaskFactory(group__case=CaseFactory(**resolved))  # needed a department
    CaseFactory(state="resolved", officer=officer, resolved_at=TODAY - timedelta(hours=1))

    figures = war_report(NOW).first_contact

    assert (figures.resolved_today, figures.first_contact) == (4, 1)
    assert figures.rate == 0.25


@pytest.mark.parametrize("size", [2, 20])
def test_the_report_is_nine_statements_for_any_size(floor, size, django_assert_num_queries):
    officer = floor["level_1"][0]
    policy = PolicyFactory(role="level_1")
    kind = KindFactory(code="coupon")
    for index in range(size):
        case = CaseFactory(state="resolved", officer=officer, resolved_at=TODAY)
        clock(case, breached=TODAY + timedelta(minutes=index))
        TaskFactory(group__case=case, department=DepartmentFactory(code=f"d{index}"))
        grant(case, officer, policy, kind, "10", "issued", NOW.date())
    UserFactory()

    with django_assert_num_queries(9):  # the eight sections and the forecast
        report = war_report(NOW)

    assert sum(report.breaches_by_hour) == size
    assert len(report.departments) == size


def test_the_forecast_is_set_against_the_active_officers(floor, settings):
    settings.CASEHUB_CASES_PER_OFFICER_HOUR = 3
    for code in ("installation", "delivery"):
        forecast.refresh([code], now=NOW)  # no history: a flat zero forecast
    ForecastPoint.objects.filter(hour=NOW.replace(minute=0)).update(expected=1.5, high=4)

    report = war_report(NOW).floor

    assert report.officers == 4 and report.capacity == 12  # the inactive one does not count
    assert len(report.hours) == 24 and report.hours[0].hour == NOW.replace(minute=0)
    assert (report.hours[0].expected, report.hours[0].high) == (3.0, 8.0)  # both categories
