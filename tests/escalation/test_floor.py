"""Availability, fatigue and the shared pool in assignment."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from escalation import floor, services
from escalation.models import (
    AssignmentPolicy,
    Case,
    CaseEvent,
    Category,
    Certification,
    Notification,
    OfficerEvent,
)
from tests.escalation.test_intake_api import intake
from tests.factories import CaseFactory, DepartmentFactory, OfficerFactory

URL = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def _no_recent_alert():
    cache.delete("casehub:all-strained-alert")


def take_intake(api, frontline, **overrides):
    response = api(frontline).post(URL, intake(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return Case.objects.get(pk=response.json()["id"])


def assign_event(case) -> CaseEvent:
    return CaseEvent.objects.get(case=case, kind="assign")


@pytest.fixture
def pool_member(db):
    """Staff of the logistics department, certified for delivery until next month."""
    logistics = DepartmentFactory(code="logistics")
    member = OfficerFactory(user__username="pooled", level=1, skills=[], pool=True)
    Certification.objects.create(
        officer=member,
        department=logistics,
        categories=["delivery"],
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    return member


def waiting_case(minutes: int, category: str = "installation") -> Case:
    case = CaseFactory(category=category)
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    return case


# --- availability ---


@pytest.mark.parametrize("availability", ["on_break", "offline"])
def test_only_available_officers_get_new_cases(api, frontline, availability):
    away = OfficerFactory(user__username="away", availability=availability)
    here = OfficerFactory(user__username="here")
    CaseFactory(officer=here, state="investigating")  # busier, but here

    case = take_intake(api, frontline)

    assert case.officer == here
    assert away.cases.count() == 0


def test_with_nobody_available_the_case_waits(api, frontline):
    OfficerFactory(availability="on_break")

    case = take_intake(api, frontline)

    assert case.state == "new" and case.officer is None


def test_changing_availability_writes_one_event_and_restarts_the_clock(officer):
    officer.available_since = timezone.now() - timedelta(hours=3)
    officer.save()

    event = floor.set_availability(officer=officer, availability="on_break", actor=officer.user)
    again = floor.set_availability(officer=officer, availability="on_break", actor=officer.user)

    assert again is None
    assert list(OfficerEvent.objects.filter(officer=officer)) == [event]
    assert (event.from_value, event.to_value) == ("available", "on_break")
    assert event.payload["continuous_minutes"] >= 180
    officer.refresh_from_db()
    assert officer.availability == "on_break"
    assert timezone.now() - officer.available_since < timedelta(seconds=5)


# --- fatigue ---


def test_an_officer_long_without_a_break_is_passed_over(api, frontline):
    tired = OfficerFactory(
        user__username="tired", available_since=timezone.now() - timedelta(hours=5)
    )
    fresh = OfficerFactory(user__username="fresh")
    CaseFactory(officer=fresh, state="investigating")
    CaseFactory(officer=fresh, state="investigating")

    case = take_intake(api, frontline)

    assert case.officer == fresh
    assert floor.fatigue_of([tired])[tired.pk].state == "strained"
    assert "strained" not in assign_event(case).payload


def test_an_officer_holding_many_p1_p2_cases_is_passed_over(api, frontline):
    AssignmentPolicy.objects.update(strained_open_high_priority=2)
    loaded = OfficerFactory(user__username="loaded")
    other = OfficerFactory(user__username="other")
    CaseFactory.create_batch(2, officer=loaded, state="investigating", priority="P1")
    CaseFactory.create_batch(3, officer=other, state="investigating", priority="P3")

    case = take_intake(api, frontline)

    assert case.officer == other
    fatigue = floor.fatigue_of([loaded])[loaded.pk]
    assert (fatigue.state, fatigue.open_high_priority) == ("strained", 2)


def test_when_everyone_is_strained_the_least_loaded_takes_it_and_supervisors_hear(
    api, frontline, supervisor, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=6)
    busy = OfficerFactory(user__username="busy", available_since=long_ago)
    calm = OfficerFactory(user__username="calm", available_since=long_ago)
    CaseFactory(officer=busy, state="investigating")

    with django_capture_on_commit_callbacks(execute=True):
        first = take_intake(api, frontline)
    with django_capture_on_commit_callbacks(execute=True):
        second = take_intake(api, frontline, customer={"external_id": "C-2", "name": "B"})

    assert first.officer == calm
    assert assign_event(first).payload == {
        "officer": "calm",
        "automatic": True,
        "strained": True,
    }
    assert second.officer is not None and assign_event(second).payload["strained"] is True
    alerts = Notification.objects.filter(recipient=supervisor, kind="all_strained")
    assert alerts.count() == 1  # not one per case
    assert first.reference in alerts.get().text


def test_while_the_floor_stays_strained_a_process_asks_the_cache_once(
    api, frontline, supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    OfficerFactory(available_since=timezone.now() - timedelta(hours=6))
    asked = []
    add = floor.cache.add

    def counted(*args, **kwargs):
        asked.append(args[0])
        return add(*args, **kwargs)

    monkeypatch.setattr(floor.cache, "add", counted)
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            take_intake(api, frontline, customer={"external_id": f"C-{n}", "name": "A"})

    assert asked == ["casehub:all-strained-alert"]  # not a round trip per intake
    assert Notification.objects.filter(recipient=supervisor, kind="all_strained").count() == 1


def test_a_process_that_finds_another_alerted_asks_again_a_minute_later(
    api, frontline, supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    OfficerFactory(available_since=timezone.now() - timedelta(hours=6))
    cache.add("casehub:all-strained-alert", 1, 600)  # another process alerted
    clock = [1000.0]
    monkeypatch.setattr(floor.time, "monotonic", lambda: clock[0])

    with django_capture_on_commit_callbacks(execute=True):
        take_intake(api, frontline, customer={"external_id": "C-1", "name": "A"})
    cache.delete("casehub:all-strained-alert")  # that alert's ten minutes are over
    clock[0] += 30
    with django_capture_on_commit_callbacks(execute=True):
        take_intake(api, frontline, customer={"external_id": "C-2", "name": "A"})
    assert not Notification.objects.filter(kind="all_strained").exists()

    clock[0] += floor.ALERTED_ELSEWHERE_SECONDS
    with django_capture_on_commit_callbacks(execute=True):
        take_intake(api, frontline, customer={"external_id": "C-3", "name": "A"})
    assert Notification.objects.filter(recipient=supervisor, kind="all_strained").count() == 1


def test_refresh_strain_records_each_change_once_and_prompts(officer, supervisor):
    officer.available_since = timezone.now() - timedelta(hours=5)
    officer.save()

    assert floor.refresh_strain() == {"strained": 1, "relieved": 0}
    assert floor.refresh_strain() == {"strained": 0, "relieved": 0}

    officer.refresh_from_db()
    assert officer.strained_since is not None
    events = OfficerEvent.objects.filter(officer=officer)
    assert [e.kind for e in events] == ["strained"]
    assert Notification.objects.get(recipient=officer.user, kind="strained").text.startswith(
        "Time for a break"
    )
    assert Notification.objects.filter(recipient=supervisor, kind="strained").count() == 1

    floor.set_availability(officer=officer, availability="on_break", actor=officer.user)

    officer.refresh_from_db()
    assert officer.strained_since is None
    assert [e.kind for e in OfficerEvent.objects.filter(officer=officer).order_by("pk")] == [
        "strained",
        "availability",
        "relieved",
    ]
    assert floor.refresh_strain() == {"strained": 0, "relieved": 0}


def test_the_alert_does_not_fail_intake_when_the_cache_is_down(
    api, frontline, supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    OfficerFactory(available_since=timezone.now() - timedelta(hours=6))

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(floor.cache, "add", down)
    with django_capture_on_commit_callbacks(execute=True):
        case = take_intake(api, frontline)

    assert case.officer is not None
    assert Notification.objects.filter(recipient=supervisor, kind="all_strained").count() == 1


def test_only_supervisors_and_the_officer_hear_of_a_change(officer, monkeypatch):
    sent = []
    monkeypatch.setattr(floor.live, "send_on_commit", lambda groups, message: sent.append(groups))

    floor.set_availability(officer=officer, availability="offline", actor=officer.user)

    assert sent == [["supervisors", f"user-{officer.user_id}"]]


# --- the shared pool ---


@pytest.fixture
def delivery_is_basic(db):
    Category.objects.update_or_create(code="delivery", defaults={"name": "Delivery", "basic": True})


def test_the_pool_stays_out_while_nothing_waits_long(
    api, frontline, pool_member, delivery_is_basic
):
    waiting_case(minutes=5)

    case = take_intake(api, frontline, category="delivery")

    assert case.officer is None


def test_the_pool_takes_basic_cases_once_the_oldest_waits_past_the_threshold(
    api, frontline, pool_member, delivery_is_basic
):
    waiting_case(minutes=20)

    case = take_intake(api, frontline, category="delivery")

    assert case.officer == pool_member
    assert assign_event(case).payload == {"officer": "pooled", "automatic": True, "pool": True}


def test_the_pool_never_takes_a_category_that_is_not_basic(api, frontline, pool_member):
    Category.objects.update_or_create(code="delivery", defaults={"name": "D", "basic": False})
    waiting_case(minutes=60)

    case = take_intake(api, frontline, category="delivery")

    assert case.officer is None


def test_an_expired_certificate_does_not_count(api, frontline, pool_member, delivery_is_basic):
    Certification.objects.update(expires_on=timezone.localdate() - timedelta(days=1))
    waiting_case(minutes=60)

    assert take_intake(api, frontline, category="delivery").officer is None


def test_regular_officers_are_preferred_to_the_pool(api, frontline, pool_member, delivery_is_basic):
    regular = OfficerFactory(user__username="regular", skills=["delivery"])
    CaseFactory.create_batch(5, officer=regular, state="investigating")
    waiting_case(minutes=60)

    case = take_intake(api, frontline, category="delivery")

    assert case.officer == regular
    assert "pool" not in assign_event(case).payload


def test_assign_waiting_hands_out_the_queue_oldest_first_once(
    pool_member, delivery_is_basic, sla_policy
):
    oldest = waiting_case(minutes=40, category="delivery")
    newer = waiting_case(minutes=30, category="delivery")
    not_basic = waiting_case(minutes=50, category="billing")

    assert services.assign_waiting() == 2
    assert services.assign_waiting() == 0

    oldest.refresh_from_db(), newer.refresh_from_db(), not_basic.refresh_from_db()
    assert oldest.officer == newer.officer == pool_member
    assert not_basic.officer is None
    event = assign_event(oldest)
    assert event.actor is None and event.payload["pool"] is True
    assert event.payload["waited_minutes"] >= 40
    assert CaseEvent.objects.filter(kind="assign").count() == 2


def test_before_the_threshold_the_pool_waits_but_an_officer_back_from_a_break_takes_it(
    pool_member, delivery_is_basic, sla_policy
):
    case = waiting_case(minutes=5, category="delivery")

    assert services.assign_waiting() == 0  # the pool only past the threshold

    back = OfficerFactory(user__username="back", skills=["delivery"], availability="on_break")
    floor.set_availability(officer=back, availability="available", actor=back.user)
    assert services.assign_waiting() == 1
    case.refresh_from_db()
    assert case.officer == back
    assert "pool" not in assign_event(case).payload


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_assign_each_waiting_case_once(sla_policy):
    logistics = DepartmentFactory(code="logistics")
    Category.objects.update_or_create(code="delivery", defaults={"name": "Delivery", "basic": True})
    for name in ("p1", "p2", "p3"):
        member = OfficerFactory(user__username=name, level=1, skills=[], pool=True)
        Certification.objects.create(
            officer=member,
            department=logistics,
            categories=["delivery"],
            expires_on=timezone.localdate() + timedelta(days=3),
        )
    cases = [waiting_case(minutes=30 + index, category="delivery") for index in range(12)]
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            services.assign_waiting()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert CaseEvent.objects.filter(kind="assign").count() == len(cases)
    assert Case.objects.filter(officer__isnull=True).count() == 0
    loads = sorted(Case.objects.filter(officer__pool=True).values_list("officer", flat=True))
    assert len(set(loads)) == 3  # spread over the pool


def test_a_supervisor_cannot_give_a_case_to_an_officer_who_is_away(api, supervisor, sla_policy):
    away = OfficerFactory(user__username="away", availability="on_break")
    case = CaseFactory()

    response = api(supervisor).post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "assign", "officer": "away"},
        format="json",
    )

    assert response.status_code == 422
    assert "only available officers" in response.json()["detail"]
    case.refresh_from_db()
    assert case.officer is None and not CaseEvent.objects.filter(case=case).exists()
    floor.set_availability(officer=away, availability="available", actor=away.user)
    response = api(supervisor).post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "assign", "officer": "away"},
        format="json",
    )
    assert response.status_code == 200
