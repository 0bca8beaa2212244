"""The praise endpoint and the leaderboard over REST: contract, permissions, bad input, and
the selector the officers API will read, with their query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import CaseEvent
from team import awards
from team.models import PointsEntry
from team.selectors import badges_and_points
from tests.factories import CaseFactory, OfficerFactory
from tests.team.conftest import resolve

pytestmark = pytest.mark.django_db


def praise_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/praise/"


# --- praise ---


@pytest.mark.parametrize("who", ["frontline", "supervisor", "officer"])
def test_praise_is_recorded_as_exactly_one_event(who, request, case_for, officer, api):
    case = case_for(officer, priority="P3")
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    before = CaseEvent.objects.count()

    response = api(user).post(praise_url(case), {"note": "  Lovely service  "}, format="json")

    assert response.status_code == 201, response.data
    assert CaseEvent.objects.count() == before + 1
    event = CaseEvent.objects.get(pk=response.data["id"])
    assert (event.kind, event.from_state, event.to_state) == ("praise", None, None)
    assert response.data["payload"] == {
        "note": "Lovely service",
        "source": "phone",
        "officer": "officer",
    }
    assert response.data["actor"]["username"] == user.username


def test_another_officer_may_not_record_praise_on_a_case(case_for, officer, other_officer, api):
    case = case_for(officer, priority="P3")
    response = api(other_officer.user).post(praise_url(case), {"note": "Hi"}, format="json")
    assert response.status_code == 403
    assert not case.events.filter(kind="praise").exists()


def test_the_knowledge_team_may_not_and_a_department_member_sees_no_case(
    case_for, officer, kb_member, department_member, api
):
    case = case_for(officer, priority="P3")
    assert api(kb_member).post(praise_url(case), {"note": "Hi"}, format="json").status_code == 403
    response = api(department_member).post(praise_url(case), {"note": "Hi"}, format="json")
    assert response.status_code == 404
    assert api().post(praise_url(case), {"note": "Hi"}, format="json").status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "   "}, "note"),
        ({"note": "x" * 1001}, "note"),
        ({"note": ["a"]}, "note"),
        ({"note": "ok", "source": "pigeon"}, "source"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_bad_praise_is_a_400_naming_the_field(body, field, case_for, officer, frontline, api):
    case = case_for(officer, priority="P3")
    response = api(frontline).post(praise_url(case), body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not case.events.filter(kind="praise").exists()


def test_praise_on_a_cancelled_case_or_after_the_reopen_window_is_refused(
    officer, frontline, api, settings
):
    cancelled = CaseFactory(officer=officer, state="cancelled")
    response = api(frontline).post(praise_url(cancelled), {"note": "Hi"}, format="json")
    assert response.status_code == 422 and response.data["code"] == "case_cancelled"
    old = CaseFactory(
        officer=officer,
        state="closed",
        resolved_at=timezone.now() - timedelta(days=settings.CASEHUB_REOPEN_WINDOW_DAYS + 1),
    )
    response = api(frontline).post(praise_url(old), {"note": "Hi"}, format="json")
    assert response.status_code == 422 and response.data["code"] == "reopen_window_expired"
    recent = CaseFactory(officer=officer, state="closed", resolved_at=timezone.now())
    assert api(frontline).post(praise_url(recent), {"note": "Hi"}, format="json").status_code == 201


def test_praise_honours_the_idempotency_key(case_for, officer, frontline, api):
    case = case_for(officer, priority="P3")
    client = api(frontline)
    headers = {"HTTP_IDEMPOTENCY_KEY": "praise-1"}
    first = client.post(praise_url(case), {"note": "Hi"}, format="json", **headers)
    again = client.post(praise_url(case), {"note": "Hi"}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.data["id"] == again.data["id"]
    assert case.events.filter(kind="praise").count() == 1


# --- leaderboard ---


@pytest.fixture
def board(officer, other_officer, case_for, frontline):
    """officer: a P1 badge and a praise badge (35); other_officer: a P1 badge (20)."""
    for person in (officer, other_officer):
        resolve(case_for(person))
    from escalation import services

    services.case_record_praise(case=case_for(officer, priority="P3"), actor=frontline, note="x")
    awards.catch_up()
    return officer, other_officer


def test_the_leaderboard_ranks_officers_by_points_this_week(board, api, supervisor):
    response = api(supervisor).get("/api/v1/leaderboard/")
    assert response.status_code == 200
    assert response.data["period"] == "week"
    rows = [(r["username"], r["points"], r["badges"], r["rank"]) for r in response.data["results"]]
    assert rows == [("officer", 35, 2, 1), ("other_officer", 20, 1, 2)]


def test_equal_points_share_a_rank(board, api, officer):
    PointsEntry.objects.filter(user=officer.user, rule="praise").delete()
    rows = api(officer.user).get("/api/v1/leaderboard/?period=all").data["results"]
    assert [(r["username"], r["rank"]) for r in rows] == [("officer", 1), ("other_officer", 1)]


def test_a_period_counts_only_points_earned_in_it(board, api, officer):
    PointsEntry.objects.filter(user=officer.user).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    client = api(officer.user)
    today = client.get("/api/v1/leaderboard/?period=today").data
    assert [r["username"] for r in today["results"]] == ["other_officer"]
    everything = client.get("/api/v1/leaderboard/?period=all").data
    assert [r["username"] for r in everything["results"]] == ["officer", "other_officer"]


@pytest.mark.parametrize("period", ["year", "WEEK", "1", "week\x00"])
def test_a_bad_period_is_a_400_naming_it(period, api, supervisor):
    response = api(supervisor).get("/api/v1/leaderboard/", {"period": period})
    assert response.status_code == 400 and "period" in response.json()


def test_only_officers_and_supervisors_see_the_leaderboard(api, frontline, kb_member):
    assert api(frontline).get("/api/v1/leaderboard/").status_code == 403
    assert api(kb_member).get("/api/v1/leaderboard/").status_code == 403
    assert api().get("/api/v1/leaderboard/").status_code == 401


def test_the_leaderboard_takes_a_constant_number_of_queries(
    board, api, supervisor, case_for, django_assert_max_num_queries
):
    client = api(supervisor)
    client.get("/api/v1/leaderboard/")  # warm: the session, the user's roles
    for n in range(5):
        resolve(case_for(OfficerFactory(user__username=f"more{n}")))
    awards.catch_up()
    with django_assert_max_num_queries(3):  # the user's roles, the board
        response = client.get("/api/v1/leaderboard/")
    assert len(response.data["results"]) == 7


# --- the selector the officers API reads ---


def test_badges_and_points_reads_many_officers_in_one_query(
    board, django_assert_num_queries, nobody
):
    officer, other = board
    with django_assert_num_queries(1):
        read = badges_and_points([officer.user_id, other.user_id, nobody.pk])
    assert read[officer.user_id]["points"] == 35
    assert [b["code"] for b in read[officer.user_id]["badges"]] == ["praise", "p1_within_sla"]
    badge = read[other.user_id]["badges"][0]
    assert set(badge) == {"code", "name", "awarded_at", "case"}
    assert badge["name"] == "P1 within SLA" and badge["case"] is not None
    assert read[nobody.pk] == {"badges": [], "points": 0}
