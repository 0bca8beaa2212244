"""Every cap, decided by the service: approved, pending approval, or refused naming the cap."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from compensation import caps
from compensation.errors import CapExceeded
from compensation.models import Grant, LedgerEntry
from escalation.models import CaseEvent
from tests.factories import CaseFactory, OfficerFactory


def _refusal(excinfo) -> dict:
    return excinfo.value.as_dict()


def test_grant_within_every_cap_is_approved_and_issued_after_commit(
    case, officer, grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = grant(officer.user, case, "50.00")

    assert made.state == "approved"
    made.refresh_from_db()
    assert made.state == "issued"
    assert made.voucher_code.startswith("COU-")


def test_grant_is_not_issued_before_its_transaction_commits(case, officer, grant):
    made = grant(officer.user, case, "50.00")

    made.refresh_from_db()
    assert made.state == "approved"
    assert made.voucher_code == ""


def test_grant_above_limit_per_grant_waits_for_approval(case, officer, grant):
    made = grant(officer.user, case, "200.01")

    assert made.state == "pending_approval"


def test_grant_at_the_limit_per_grant_is_approved_at_once(case, officer, grant):
    assert grant(officer.user, case, "200.00").state == "approved"


def test_grant_above_the_ceiling_is_refused_naming_the_ceiling(case, officer, grant):
    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "500.01")

    body = _refusal(excinfo)
    assert body["code"] == "cap_exceeded"
    assert body["cap"] == "approval_ceiling"
    assert body["limit"] == "500.00"
    assert "approval ceiling" in body["detail"]


def test_a_ceiling_refusal_says_what_one_grant_may_be_not_what_remains(case, officer, grant):
    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "500.01")

    detail = _refusal(excinfo)["detail"]
    assert "one grant may be at most 500.00 CNY" in detail
    assert "remain" not in detail


def test_grant_above_day_budget_is_refused_with_remaining(case_in, officer, grant, policies):
    for _ in range(4):
        grant(officer.user, case_in("investigating"), "200.00")
    grant(officer.user, case_in("investigating"), "150.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case_in("investigating"), "60.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("officer_day", "1000.00", "50.00")
    assert "50.00 CNY remain" in body["detail"]


def test_grant_above_month_budget_is_refused_with_remaining(case_in, officer, grant, policies):
    policies["level_2"].per_month_limit = Decimal("300")
    policies["level_2"].save()
    grant(officer.user, case_in("investigating"), "200.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case_in("investigating"), "150.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("officer_month", "300.00", "100.00")


def test_grant_above_case_budget_is_refused_whoever_grants(case, officer, supervisor, grant):
    grant(supervisor, case, "900.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "150.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["remaining"]) == ("case", "100.00")


def test_grant_above_customer_budget_is_refused_across_cases(case, officer, supervisor, grant):
    other_case = CaseFactory(state="investigating", officer=officer, customer=case.customer)
    grant(supervisor, case, "700.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, other_case, "400.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("customer_30d", "1000.00", "300.00")


def test_customer_grants_older_than_thirty_days_no_longer_count(case, officer, supervisor, grant):
    old = grant(supervisor, case, "900.00")
    LedgerEntry.objects.filter(grant=old).update(budget_at=timezone.now() - timedelta(days=31))
    other_case = CaseFactory(state="investigating", officer=officer, customer=case.customer)

    assert grant(officer.user, other_case, "150.00").state == "approved"


def test_refused_grant_leaves_no_grant_ledger_or_event(case, officer, grant):
    with pytest.raises(CapExceeded):
        grant(officer.user, case, "900.00")

    assert not Grant.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert not CaseEvent.objects.filter(case=case).exists()


def test_pending_grant_holds_its_amount_against_the_budgets(case, officer, grant):
    grant(officer.user, case, "450.00")
    grant(officer.user, case, "450.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "150.00")

    assert _refusal(excinfo)["remaining"] == "100.00"


def test_level_one_officer_has_its_own_smaller_caps(policies, other_officer, grant):
    case = CaseFactory(state="investigating", officer=other_officer)

    with pytest.raises(CapExceeded) as excinfo:
        grant(other_officer.user, case, "200.01")
    assert (_refusal(excinfo)["cap"], _refusal(excinfo)["limit"]) == ("approval_ceiling", "200.00")
    assert grant(other_officer.user, case, "50.00").state == "approved"
    assert grant(other_officer.user, case, "60.00").state == "pending_approval"


def test_officer_day_is_counted_in_the_policy_timezone(policies):
    late_evening_utc = datetime(2026, 7, 14, 16, 30, tzinfo=UTC)  # 00:30 on the 15th in Shanghai

    day, month = caps.budget_dates(policies["level_2"], late_evening_utc)

    assert (day.isoformat(), month.isoformat()) == ("2026-07-15", "2026-07-01")


def test_another_officers_spending_does_not_touch_my_day_budget(case_in, officer, policies, grant):
    colleague = OfficerFactory(user__username="colleague", level=2)
    for _ in range(5):
        grant(colleague.user, CaseFactory(state="investigating", officer=colleague), "200.00")

    assert grant(officer.user, case_in("investigating"), "200.00").state == "approved"


# Several caps refusing at once: the refusal names the one with the least remaining.


def _spend_level_one_day(other_officer, grant) -> object:
    """A level-1 officer (ceiling 200, 300 a day) spends the whole day budget."""
    case = CaseFactory(state="investigating", officer=other_officer)
    grant(other_officer.user, case, "200.00")
    grant(other_officer.user, case, "100.00")
    return case


def test_above_the_ceiling_with_the_day_spent_names_the_day_budget(policies, other_officer, grant):
    case = _spend_level_one_day(other_officer, grant)

    with pytest.raises(CapExceeded) as excinfo:
        grant(other_officer.user, case, "5000.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("officer_day", "300.00", "0.00")
    assert "officer budget for the day" in body["detail"]
    assert "0.00 CNY remain" in body["detail"]


def test_above_the_ceiling_with_less_left_today_names_the_day_budget(
    case_in, officer, grant, policies
):
    for _ in range(4):
        grant(officer.user, case_in("investigating"), "200.00")
    grant(officer.user, case_in("investigating"), "150.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case_in("investigating"), "600.00")

    assert (_refusal(excinfo)["cap"], _refusal(excinfo)["remaining"]) == ("officer_day", "50.00")


def test_above_every_budget_but_the_ceiling_tighter_names_the_ceiling(case, officer, grant):
    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "5000.00")  # day, month, case, customer and ceiling refuse

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == (
        "approval_ceiling",
        "500.00",
        "500.00",
    )


def test_day_and_month_both_refusing_names_the_month_when_less_remains(
    case_in, officer, grant, policies
):
    policies["level_2"].per_month_limit = Decimal("300")
    policies["level_2"].save()
    grant(officer.user, case_in("investigating"), "200.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case_in("investigating"), "900.00")  # day: 800 left, month: 100

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("officer_month", "300.00", "100.00")


def test_above_the_ceiling_on_a_nearly_spent_case_names_the_case(case, officer, supervisor, grant):
    grant(supervisor, case, "900.00")

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "600.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("case", "1000.00", "100.00")


def test_above_the_ceiling_for_a_nearly_spent_customer_names_the_customer(
    case, officer, supervisor, grant
):
    grant(supervisor, case, "700.00")
    other_case = CaseFactory(state="investigating", officer=officer, customer=case.customer)

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, other_case, "600.00")

    body = _refusal(excinfo)
    assert (body["cap"], body["limit"], body["remaining"]) == ("customer_30d", "1000.00", "300.00")


def test_a_tie_between_the_ceiling_and_a_budget_names_the_ceiling(case, officer, supervisor, grant):
    grant(supervisor, case, "500.00")  # the case has 500 left, as much as the ceiling

    with pytest.raises(CapExceeded) as excinfo:
        grant(officer.user, case, "600.00")

    assert _refusal(excinfo)["cap"] == "approval_ceiling"
