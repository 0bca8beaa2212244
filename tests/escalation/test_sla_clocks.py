"""Closure timelines on cases: policies, clock lifecycle, pause arithmetic, extension, API."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.errors import NotPermitted, RuleViolation
from escalation import services
from escalation.models import BusinessCalendar, Holiday, SlaClock, SlaPolicy
from escalation.sla import clocks as sla_clocks
from escalation.sla import policies
from tests.factories import CaseFactory, CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def office(db):
    """Mon–Fri 09–12 and 13–18 in Shanghai, with 1 Oct 2026 a holiday."""
    calendar = BusinessCalendar.objects.create(name="Shanghai office", timezone="Asia/Shanghai")
    Holiday.objects.create(calendar=calendar, date=datetime(2026, 10, 1).date(), name="National")
    return calendar


def clocks_of(case):
    return {c.kind: c for c in SlaClock.objects.filter(case=case).order_by("pk")}


# --- policies ---


def test_the_most_specific_policy_wins(calendar_24x7):
    def policy(name, **match):
        return SlaPolicy.objects.create(
            name=name,
            calendar=calendar_24x7,
            first_response_seconds=60,
            next_update_seconds=60,
            resolution_seconds=60,
            **match,
        )

    policy("any")
    policy("P2", priority="P2")
    vip_p2 = policy("P2 vip", priority="P2", customer_tier="vip")
    policy("P2 vip billing", priority="P2", customer_tier="vip", category="billing")

    assert policies.policy_for(priority="P2", tier="vip", category="installation") == vip_p2
    assert policies.policy_for(priority="P3", tier="vip", category="x").name == "any"
    assert (
        policies.policy_for(priority="P2", tier="vip", category="billing").name == "P2 vip billing"
    )


def test_inactive_policies_never_match(calendar_24x7):
    SlaPolicy.objects.create(
        name="off",
        calendar=calendar_24x7,
        first_response_seconds=1,
        next_update_seconds=1,
        resolution_seconds=1,
        active=False,
    )

    assert policies.policy_for(priority="P1", tier="vip", category="x") is None


def test_a_case_without_a_matching_policy_has_no_clocks(api, frontline, officer):
    from tests.escalation.test_intake_api import intake

    body = api(frontline).post("/api/v1/cases/", intake(), format="json").json()

    assert body["sla"] == []


# --- the lifecycle drives the clocks ---


def test_intake_starts_first_response_and_resolution(api, frontline, officer, sla_policy):
    from tests.escalation.test_intake_api import intake

    body = api(frontline).post("/api/v1/cases/", intake(), format="json").json()

    assert [c["clock"] for c in body["sla"]] == ["first_response", "resolution"]
    first = body["sla"][0]
    assert first["target_seconds"] == 3600
    assert first["state"] == "running"
    assert 3590 <= first["remaining_seconds"] <= 3600
    assert set(first) == {"clock", "target_seconds", "due_at", "state", "remaining_seconds"}


def test_starting_the_investigation_is_the_first_response(sla_policy, case_in, officer):
    case = case_in("assigned")
    sla_clocks.start_case_clocks(case)

    services.case_transition(case=case, actor=officer.user, name="start")

    clocks = clocks_of(case)
    assert clocks["first_response"].state == "met"
    assert clocks["next_update"].state == "running"
    assert clocks["resolution"].state == "running"


def test_each_officer_move_restarts_the_next_update_clock(sla_policy, case_in, officer):
    case = case_in("assigned")
    sla_clocks.start_case_clocks(case)
    services.case_transition(case=case, actor=officer.user, name="start")
    services.case_transition(case=case, actor=officer.user, name="wait_for_customer")
    services.case_transition(case=case, actor=officer.user, name="customer_replied")

    updates = SlaClock.objects.filter(case=case, kind="next_update").order_by("pk")
    assert [c.state for c in updates] == ["met", "met", "running"]


def test_waiting_for_the_customer_pauses_and_replying_resumes(sla_policy, case_in, officer):
    case = case_in("investigating")
    sla_clocks.start_case_clocks(case)

    services.case_transition(case=case, actor=officer.user, name="wait_for_customer")
    paused = clocks_of(case)["resolution"]
    assert paused.state == "paused"
    services.case_transition(case=case, actor=officer.user, name="customer_replied")

    assert clocks_of(case)["resolution"].state == "running"


def test_resolving_stops_every_clock_as_met(sla_policy, case_in, officer):
    case = case_in("investigating")
    sla_clocks.start_case_clocks(case)

    services.case_transition(case=case, actor=officer.user, name="resolve", resolution="Done")

    assert {c.state for c in SlaClock.objects.filter(case=case)} == {"met"}


def test_a_breached_clock_stays_breached_after_resolution(sla_policy, case_in, officer):
    case = case_in("investigating")
    sla_clocks.start_case_clocks(case)
    SlaClock.objects.filter(case=case, kind="resolution").update(breached_at=timezone.now())

    services.case_transition(case=case, actor=officer.user, name="resolve", resolution="Late")

    assert clocks_of(case)["resolution"].state == "breached"


def test_reopening_starts_a_new_resolution_cycle(sla_policy, case_in, officer):
    case = case_in("investigating")
    sla_clocks.start_case_clocks(case)
    services.case_transition(case=case, actor=officer.user, name="resolve", resolution="Done")

    services.case_transition(case=case, actor=officer.user, name="reopen", reason="Back")

    cycles = SlaClock.objects.filter(case=case, kind="resolution").order_by("cycle")
    assert [(c.cycle, c.state) for c in cycles] == [(1, "met"), (2, "running")]
    assert cycles[1].target_seconds == 8 * 3600


def test_cancelling_stops_the_clocks(sla_policy, case_in, officer):
    case = case_in("assigned")
    sla_clocks.start_case_clocks(case)

    services.case_transition(case=case, actor=officer.user, name="cancel", reason="Dup")

    assert {c.state for c in SlaClock.objects.filter(case=case)} == {"met"}


# --- business-time arithmetic around nights, weekends and holidays ---


def test_due_time_counts_only_office_hours(office):
    case = CaseFactory()
    clock = sla_clocks.new_clock(
        case=case,
        kind="resolution",
        target_seconds=4 * 3600,
        calendar=office,
        start=at(2026, 11, 27, 17, 30),
    )  # a Friday

    assert clock.due_at == at(2026, 11, 30, 13, 30)  # Monday, after the lunch break
    assert clock.warn_at == at(2026, 11, 30, 11, 30)  # 75 % = 3 h


def test_a_pause_over_the_weekend_shifts_the_due_time_by_business_time_only(office):
    case = CaseFactory()
    clock = sla_clocks.new_clock(
        case=case,
        kind="resolution",
        target_seconds=8 * 3600,
        calendar=office,
        start=at(2026, 11, 26, 9, 0),
    )  # Thursday
    assert clock.due_at == at(2026, 11, 26, 18, 0)

    sla_clocks.pause(clock, at(2026, 11, 26, 16, 0))  # 2 business hours left
    sla_clocks.resume(clock, at(2026, 11, 28, 10, 0))  # Saturday: counting resumes Monday 09:00

    assert clock.due_at == at(2026, 11, 30, 11, 0)
    assert clock.paused_at is None


def test_a_pause_across_a_holiday_skips_it(office):
    case = CaseFactory()
    clock = sla_clocks.new_clock(
        case=case,
        kind="resolution",
        target_seconds=3 * 3600,
        calendar=office,
        start=at(2026, 9, 30, 15, 0),
    )  # Wed before 1 Oct
    sla_clocks.pause(clock, at(2026, 9, 30, 17, 0))  # one hour left

    sla_clocks.resume(clock, at(2026, 9, 30, 20, 0))  # resumed at night

    assert clock.due_at == at(2026, 10, 2, 10, 0)  # Thursday 1 Oct is a holiday


def test_remaining_seconds_are_business_seconds_and_negative_once_past(office):
    case = CaseFactory()
    clock = sla_clocks.new_clock(
        case=case,
        kind="resolution",
        target_seconds=3600,
        calendar=office,
        start=at(2026, 11, 27, 17, 30),
    )

    assert sla_clocks.remaining_seconds(clock, at(2026, 11, 28, 12, 0)) == 1800  # Saturday
    assert sla_clocks.remaining_seconds(clock, at(2026, 11, 30, 10, 0)) == -1800


def test_a_paused_clock_keeps_its_remaining_time(office):
    case = CaseFactory()
    clock = sla_clocks.new_clock(
        case=case,
        kind="resolution",
        target_seconds=3600,
        calendar=office,
        start=at(2026, 11, 30, 9, 0),
    )
    sla_clocks.pause(clock, at(2026, 11, 30, 9, 15))

    assert sla_clocks.remaining_seconds(clock, at(2026, 12, 9, 9, 0)) == 2700


# --- extending a deadline ---


def test_officer_extends_a_deadline_with_a_reason(running_case, officer):
    clock = clocks_of(running_case)["resolution"]
    until = clock.due_at + timedelta(hours=4)

    event = services.case_transition(
        case=running_case,
        actor=officer.user,
        name="extend_deadline",
        clock="resolution",
        until=until,
        reason="Part on back order",
    )

    clock.refresh_from_db()
    assert clock.due_at == until
    assert clock.extensions == 1
    assert (event.kind, event.from_state, event.to_state) == ("extend_deadline", None, None)
    assert event.payload["reason"] == "Part on back order"


def test_extensions_past_the_policy_count_need_a_supervisor(running_case, officer, supervisor):
    clock = clocks_of(running_case)["resolution"]

    def extend(actor, hours):
        return services.case_transition(
            case=running_case,
            actor=actor,
            name="extend_deadline",
            clock="resolution",
            until=clock.due_at + timedelta(hours=hours),
            reason="More time",
        )

    extend(officer.user, 1)
    with pytest.raises(RuleViolation) as refused:
        extend(officer.user, 2)
    assert refused.value.code == "extension_needs_supervisor"
    extend(supervisor, 3)

    clock.refresh_from_db()
    assert clock.extensions == 2


def test_a_deadline_cannot_be_moved_earlier(running_case, officer):
    clock = clocks_of(running_case)["resolution"]

    with pytest.raises(RuleViolation) as refused:
        services.case_transition(
            case=running_case,
            actor=officer.user,
            name="extend_deadline",
            clock="resolution",
            until=clock.due_at - timedelta(hours=1),
            reason="x",
        )

    assert refused.value.code == "deadline_not_later"


def test_only_running_clocks_can_be_extended(running_case, officer):
    with pytest.raises(RuleViolation) as refused:
        services.case_transition(
            case=running_case,
            actor=officer.user,
            name="extend_deadline",
            clock="next_update",
            until=timezone.now(),
            reason="x",
        )

    assert refused.value.code == "no_running_clock"


def test_other_officers_cannot_extend(running_case, other_officer):
    with pytest.raises(NotPermitted):
        services.case_transition(
            case=running_case,
            actor=other_officer.user,
            name="extend_deadline",
            clock="resolution",
            until=timezone.now() + timedelta(days=3),
            reason="x",
        )


def test_extension_over_the_api_validates_its_fields(api, officer, running_case):
    url = f"/api/v1/cases/{running_case.pk}/transitions/"
    client = api(officer.user)

    missing = client.post(url, {"transition": "extend_deadline"}, format="json")
    bad = client.post(
        url,
        {"transition": "extend_deadline", "clock": "lunch", "until": "soon", "reason": "x"},
        format="json",
    )
    good = client.post(
        url,
        {
            "transition": "extend_deadline",
            "clock": "resolution",
            "until": (timezone.now() + timedelta(days=2)).isoformat(),
            "reason": "Waiting for a part",
        },
        format="json",
    )

    assert missing.status_code == 400 and {"clock", "until", "reason"} <= set(missing.json())
    assert bad.status_code == 400 and {"clock", "until"} <= set(bad.json())
    assert good.status_code == 200


# --- list filters ---


def test_list_filters_by_sla_state(api, officer, sla_policy):
    breached, warned, calm = (CaseFactory(officer=officer, state="investigating") for _ in range(3))
    for case in (breached, warned, calm):
        sla_clocks.start_case_clocks(case)
    SlaClock.objects.filter(case=breached, kind="resolution").update(
        breached_at=timezone.now(), warned_at=timezone.now()
    )
    SlaClock.objects.filter(case=warned, kind="resolution").update(warned_at=timezone.now())
    SlaClock.objects.filter(case=calm).update(due_at=timezone.now() + timedelta(days=5))
    client = api(officer.user)

    def ids(value):
        return {c["id"] for c in client.get("/api/v1/cases/", {"sla": value}).json()["results"]}

    assert ids("breached") == {breached.pk}
    assert ids("warned") == {warned.pk}
    assert ids("due_within=7200") == {breached.pk, warned.pk}  # first response due in 1 h
    assert calm.pk in ids("due_within=864000")
    assert client.get("/api/v1/cases/", {"sla": "soonish"}).status_code == 400
    assert client.get("/api/v1/cases/", {"sla": "due_within=x"}).status_code == 400


def test_customer_tier_picks_the_vip_policy(calendar_24x7, api, frontline, officer):
    SlaPolicy.objects.create(
        name="any",
        calendar=calendar_24x7,
        first_response_seconds=7200,
        next_update_seconds=7200,
        resolution_seconds=86400,
    )
    SlaPolicy.objects.create(
        name="vip",
        customer_tier="vip",
        calendar=calendar_24x7,
        first_response_seconds=900,
        next_update_seconds=1800,
        resolution_seconds=14400,
    )
    CustomerFactory(external_id="V-1", tier="vip")
    from tests.escalation.test_intake_api import intake

    body = (
        api(frontline)
        .post(
            "/api/v1/cases/", intake(customer={"external_id": "V-1", "tier": "vip"}), format="json"
        )
        .json()
    )

    assert body["sla"][0]["target_seconds"] == 900


def test_policies_are_cached_per_process_and_forgotten_on_edit(
    calendar_24x7, settings, django_assert_num_queries
):
    settings.CASEHUB_SLA_POLICY_CACHE_SECONDS = 60
    policy = SlaPolicy.objects.create(
        name="any",
        calendar=calendar_24x7,
        first_response_seconds=60,
        next_update_seconds=60,
        resolution_seconds=60,
    )
    policies.policy_for(priority="P1", tier="vip", category="x")

    with django_assert_num_queries(0):
        assert policies.policy_for(priority="P1", tier="vip", category="x") == policy
    policy.first_response_seconds = 30
    policy.save()
    assert policies.policy_for(priority="P1", tier="vip", category="x").first_response_seconds == 30
    policies.forget_policies()
