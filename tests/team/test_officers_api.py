"""``/api/v1/officers/``: availability, fatigue, badges and points, as the contract says."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation.models import OfficerEvent
from team import awards
from tests.factories import CaseFactory, OfficerFactory
from tests.team.conftest import resolve

ME = "/api/v1/officers/me/"
FLOOR = "/api/v1/officers/"


def test_an_officer_reads_its_own_record_with_badges_and_points(api, officer, case_for):
    resolve(case_for(officer))  # a P1 within its SLA: a badge and its points
    awards.catch_up()
    CaseFactory(officer=officer, state="investigating", priority="P2")

    body = api(officer.user).get(ME).json()

    assert set(body) >= {"username", "level", "availability", "fatigue", "badges", "points"}
    assert body["username"] == "officer" and body["level"] == 2
    assert body["availability"] == "available"
    assert body["fatigue"]["state"] == "ok"
    assert body["fatigue"]["open_high_priority"] == 1
    assert [badge["code"] for badge in body["badges"]] == ["p1_within_sla"]
    assert body["points"] == 20


def test_patch_sets_availability_with_one_audit_event(api, officer):
    response = api(officer.user).patch(ME, {"availability": "on_break"}, format="json")

    assert response.status_code == 200
    assert response.json()["availability"] == "on_break"
    assert response.json()["fatigue"]["continuous_minutes"] == 0
    assert OfficerEvent.objects.filter(officer=officer, kind="availability").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"availability": "asleep"}, "availability"),
        ({}, "availability"),
        ({"availability": "offline", "level": 3}, "level"),
        ({"availability": None}, "availability"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, officer, body, field):
    response = api(officer.user).patch(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    officer.refresh_from_db()
    assert (officer.availability, officer.level) == ("available", 2)
    assert not OfficerEvent.objects.exists()


def test_only_officers_have_a_record(api, supervisor, frontline, officer):
    assert api(supervisor).get(ME).status_code == 403
    assert api(frontline).patch(ME, {"availability": "offline"}, format="json").status_code == 403
    assert api().get(ME).status_code == 401


def test_supervisors_see_the_floor_strained_first_and_filtered(api, supervisor, officer):
    tired = OfficerFactory(
        user__username="tired", available_since=timezone.now() - timedelta(hours=6)
    )
    OfficerFactory(user__username="away", availability="offline")

    rows = api(supervisor).get(FLOOR).json()["results"]

    assert [row["username"] for row in rows] == ["tired", "away", "officer"]
    assert rows[0]["fatigue"]["state"] == "strained"
    assert rows[0]["fatigue"]["continuous_minutes"] >= 360
    strained = api(supervisor).get(FLOOR, {"fatigue": "strained"}).json()["results"]
    assert [row["username"] for row in strained] == [tired.user.username]
    away = api(supervisor).get(FLOOR, {"availability": "offline"}).json()["results"]
    assert [row["username"] for row in away] == ["away"]
    assert "availability" in api(supervisor).get(FLOOR, {"availability": "gone"}).json()
    assert api(officer.user).get(FLOOR).status_code == 403


def test_the_floor_costs_the_same_statements_for_any_number_of_officers(api, supervisor):
    client = api(supervisor)
    client.get(FLOOR)  # the assignment policy, read once a half-minute per process
    counts = []
    for extra in (2, 12):
        for _ in range(extra):
            officer = OfficerFactory()
            CaseFactory(officer=officer, state="investigating", priority="P1")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(FLOOR).status_code == 200
        counts.append(len(queries))
    assert counts == [3, 3]  # the officers with their load; their P1/P2; their badges
