"""``?sla=`` filters: what each value finds, and that the filter, the case's ``sla`` list and the
war report's counts agree (one definition in ``escalation.sla.status``)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation import services, taskgroups
from escalation.models import OPEN_STATES, Case, SlaClock
from escalation.sla import clocks as sla_clocks
from escalation.sla import status as sla_status
from tests.factories import CaseFactory, DepartmentFactory, MembershipFactory, UserFactory

URL = "/api/v1/cases/"
HOUR = 3600


def opened(officer, state="assigned", **fields) -> Case:
    """A case of ``officer`` with its clocks (policy: first response 1 h, resolution 8 h)."""
    case = CaseFactory(officer=officer, state=state, **fields)
    sla_clocks.start_case_clocks(case)
    return case


def move(case, officer, name, **fields):
    services.case_transition(case=case, actor=officer.user, name=name, **fields)


def sweep_as_if(hours: float):
    """Run the sweeper as though ``hours`` had passed: what falls due is warned or breached."""
    return services.sla_sweep(now=timezone.now() + timedelta(hours=hours))


def clocks(case, kind):
    return SlaClock.objects.filter(case=case, kind=kind)


@pytest.fixture
def scene(sla_policy, officer):
    """One case for each situation the filters must tell apart."""
    cases = {}
    cases["running"] = opened(officer)
    cases["investigating"] = opened(officer)
    move(cases["investigating"], officer, "start")
    # the reported case: first response breached, then the officer started (the clock stopped)
    cases["breached_then_started"] = opened(officer)
    cases["breached_running"] = opened(officer)
    cases["warned"] = opened(officer)
    cases["warned_then_paused"] = opened(officer, state="investigating")
    cases["paused"] = opened(officer, state="investigating")
    cases["resolved_after_breach"] = opened(officer, state="investigating")
    cases["reopened_after_breach"] = opened(officer, state="investigating")
    cases["next_update_breached_then_updated"] = opened(officer)
    cases["only_a_task_breached"] = opened(officer)
    cases["no_clocks"] = CaseFactory(officer=officer, state="assigned")

    for name in ("breached_then_started", "breached_running"):
        clocks(cases[name], "first_response").update(due_at=timezone.now() - timedelta(seconds=1))
    clocks(cases["warned"], "first_response").update(warn_at=timezone.now())
    clocks(cases["warned_then_paused"], "resolution").update(warn_at=timezone.now())
    for name in ("resolved_after_breach", "reopened_after_breach"):
        clocks(cases[name], "resolution").update(due_at=timezone.now() - timedelta(seconds=1))
    move(cases["next_update_breached_then_updated"], officer, "start")
    move(cases["only_a_task_breached"], officer, "start")
    clocks(cases["next_update_breached_then_updated"], "next_update").update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
    member = UserFactory(username="tech_member")
    department = DepartmentFactory(code="tech")
    MembershipFactory(user=member, department=department)
    taskgroups.task_group_open(
        case=cases["only_a_task_breached"],
        actor=officer.user,
        title="Diagnose",
        tasks=[
            {
                "department": department,
                "assignee": member,
                "title": "Look at it",
                "due_at": timezone.now() + timedelta(minutes=5),
            }
        ],
    )
    clocks(cases["only_a_task_breached"], "task_due").update(
        due_at=timezone.now() - timedelta(seconds=1)
    )

    services.sla_sweep()  # warns and breaches what is due now, as beat would

    move(cases["breached_then_started"], officer, "start")
    move(cases["warned_then_paused"], officer, "wait_for_customer")
    move(cases["paused"], officer, "wait_for_customer")
    move(cases["resolved_after_breach"], officer, "resolve", resolution="Late, but done")
    move(cases["reopened_after_breach"], officer, "resolve", resolution="Done")
    move(cases["reopened_after_breach"], officer, "reopen", reason="Broke again")
    move(cases["next_update_breached_then_updated"], officer, "wait_for_customer")
    move(cases["next_update_breached_then_updated"], officer, "customer_replied")
    return cases


def ids_for(client, **params) -> set[int]:
    body = client.get(URL, {"page_size": 100, **params}).json()
    return {case["id"] for case in body["results"]}


def names(scene, ids) -> set[str]:
    by_id = {case.pk: name for name, case in scene.items()}
    return {by_id[pk] for pk in ids}


def test_a_case_that_breached_its_first_response_stays_breached_after_start(api, officer, scene):
    client = api(officer.user)
    case = scene["breached_then_started"]
    shown = {row["clock"]: row["state"] for row in client.get(f"{URL}{case.pk}/").json()["sla"]}

    assert shown["first_response"] == "breached"
    assert case.pk in ids_for(client, sla="breached")


def test_breached_finds_open_cases_showing_a_breach_in_this_cycle(api, officer, scene):
    found = names(scene, ids_for(api(officer.user), sla="breached"))

    assert found == {"breached_then_started", "breached_running"}


def test_warned_finds_cases_past_a_warning_and_still_counting(api, officer, scene):
    found = names(scene, ids_for(api(officer.user), sla="warned"))

    assert found == {"warned"}


def test_paused_finds_cases_waiting_on_the_customer(api, officer, scene):
    found = names(scene, ids_for(api(officer.user), sla="paused"))

    assert found == {"paused", "warned_then_paused"}


def test_due_within_finds_counting_clocks_due_by_then(api, officer, scene):
    client = api(officer.user)

    # first response (1 h) runs on the untouched cases; next update (2 h) on started ones
    assert names(scene, ids_for(client, sla=f"due_within={HOUR + 60}")) == {"running", "warned"}
    assert names(scene, ids_for(client, sla=f"due_within={2 * HOUR + 60}")) == {
        "running",
        "warned",
        "investigating",
        "breached_then_started",
        "next_update_breached_then_updated",
        "reopened_after_breach",
        "only_a_task_breached",
    }
    assert names(scene, ids_for(client, sla="due_within=0")) == set()


def test_a_reopened_case_starts_a_new_cycle_that_shows_only_its_own_clocks(api, officer, scene):
    case = scene["reopened_after_breach"]

    rows = api(officer.user).get(f"{URL}{case.pk}/").json()["sla"]

    assert [(row["clock"], row["state"]) for row in rows] == [
        ("next_update", "running"),
        ("resolution", "running"),
    ]


def test_a_next_update_breach_ends_with_the_next_update(api, officer, scene):
    case = scene["next_update_breached_then_updated"]
    breached = clocks(case, "next_update").exclude(breached_at=None)

    rows = api(officer.user).get(f"{URL}{case.pk}/").json()["sla"]

    assert breached.count() == 1  # it did breach, and the audit trail keeps it
    assert {row["clock"]: row["state"] for row in rows}["next_update"] == "running"


@pytest.mark.parametrize(
    "value", ["breached", "warned", "paused", "due_within=3660", "due_within=7260"]
)
def test_the_filter_finds_exactly_the_open_cases_whose_sla_list_says_so(api, officer, scene, value):
    client = api(officer.user)
    now = timezone.now()
    every = client.get(URL, {"page_size": 100}).json()["results"]
    status, within = sla_status.parse(value)

    def says_so(row) -> bool:
        if status != "due_within":
            return row["state"] == status
        due = timezone.datetime.fromisoformat(row["due_at"])
        return row["state"] in ("running", "warned") and due <= now + timedelta(seconds=within)

    expected = {
        case["id"]
        for case in every
        if case["state"] in OPEN_STATES and any(says_so(row) for row in case["sla"])
    }

    assert ids_for(client, sla=value) == expected
    assert expected  # each value finds something in the scene


def test_the_war_report_counts_what_the_filters_find(
    api, officer, scene, django_assert_num_queries
):
    client = api(officer.user)
    expected = {value: len(ids_for(client, sla=value)) for value in sla_status.STATE_FILTERS}

    with django_assert_num_queries(1):
        counts = sla_status.status_counts(Case.objects.all(), timezone.now())

    assert counts == expected == {"breached": 2, "warned": 1, "paused": 2}


@pytest.mark.parametrize("value", ["breached", "warned", "paused", "due_within=600"])
@pytest.mark.parametrize("size", [3, 30])
def test_a_filtered_list_runs_a_constant_number_of_queries(
    api, officer, sla_policy, value, size, django_assert_num_queries
):
    for index in range(size):
        case = opened(officer, state="investigating")
        clock = clocks(case, "resolution")
        if index % 3 == 0:
            clock.update(breached_at=timezone.now(), warned_at=timezone.now())
        elif index % 3 == 1:
            clock.update(warned_at=timezone.now(), due_at=timezone.now())
        else:
            clock.update(paused_at=timezone.now())
    client = api(officer.user)
    client.get(URL, {"sla": value})  # warm the per-process calendar cache
    del officer.user._casehub_roles

    # roles, count, page, and the page's clocks: the same four queries for 3 cases or 30
    with django_assert_num_queries(4):
        response = client.get(URL, {"sla": value, "page_size": 100})

    assert response.status_code == 200
    assert len(response.json()["results"]) == size // 3


@pytest.mark.parametrize(
    "value", ["breach", "due_within=", "due_within=-1", "due_within=x", "due_within=1e3"]
)
def test_an_unknown_sla_value_is_a_400_naming_the_field(api, officer, value):
    response = api(officer.user).get(URL, {"sla": value})

    assert response.status_code == 400
    assert "sla" in response.json()


def test_clock_states_read_the_same_in_python_and_in_the_database(sla_policy, officer):
    case = opened(officer)
    stamp = timezone.now()
    stamps = ["breached_at", "stopped_at", "paused_at", "warned_at"]
    made = []
    for mask in range(16):
        fields = {name: stamp if mask & (1 << bit) else None for bit, name in enumerate(stamps)}
        made.append(
            sla_clocks.new_clock(
                case=case,
                kind="next_update",
                target_seconds=60,
                calendar=sla_policy.calendar,
                start=stamp,
            )
        )
        SlaClock.objects.filter(pk=made[-1].pk).update(**fields)
    fresh = SlaClock.objects.filter(pk__in=[c.pk for c in made])

    for state in ("running", "paused", "warned", "met", "breached"):
        in_db = set(fresh.filter(SlaClock.in_state(state)).values_list("pk", flat=True))
        in_python = {clock.pk for clock in fresh if clock.state == state}
        assert in_db == in_python, state


def test_the_shown_clocks_picked_in_python_are_those_the_filters_pick_in_sql(scene):
    """The list reads each case's clocks and keeps the shown ones in Python; the ``?sla=``
    filters ask the database. Over every situation of the scene both agree, clock by clock."""
    in_sql = set(sla_status.shown(SlaClock.objects.all()).values_list("pk", flat=True))
    read = SlaClock.objects.filter(kind__in=sla_status.CASE_CLOCK_KINDS).order_by("?")

    in_python = {clock.pk for clock in sla_status.shown_of_read(read)}

    assert in_python == in_sql
    assert SlaClock.objects.filter(kind__in=sla_status.CASE_CLOCK_KINDS).count() > len(in_sql)
