"""The availability card on the workbench and the team panel of the war report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import OfficerEvent
from tests.factories import CaseFactory, OfficerFactory


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_the_workbench_shows_my_availability(signed_in, officer):
    page = signed_in(officer.user).get("/workbench/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-availability="available"' in html
    assert 'name="availability" value="on_break"' in html


def test_an_officer_goes_on_a_break_from_the_card(signed_in, officer):
    response = signed_in(officer.user).post(
        "/workbench/availability/", {"availability": "on_break"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-availability="on_break"' in response.content.decode()
    officer.refresh_from_db()
    assert officer.availability == "on_break"
    assert OfficerEvent.objects.filter(officer=officer, kind="availability").count() == 1


def test_a_bad_choice_is_refused_and_changes_nothing(signed_in, officer):
    response = signed_in(officer.user).post("/workbench/availability/", {"availability": "gone"})

    assert response.status_code == 400
    assert "Choose available, on a break or offline." in response.content.decode()
    officer.refresh_from_db()
    assert officer.availability == "available"
    assert not OfficerEvent.objects.exists()


def test_a_strained_officer_is_prompted_to_take_a_break(signed_in, officer):
    officer.available_since = timezone.now() - timedelta(hours=5)
    officer.save()

    html = signed_in(officer.user).get("/workbench/availability/").content.decode()

    assert 'data-fatigue="strained"' in html
    assert "Time for a break." in html
    assert 'value="on_break">Take a break' in html


def test_supervisors_only_see_the_team(signed_in, supervisor, officer):
    assert signed_in(officer.user).get("/dashboard/floor/").status_code == 403
    assert signed_in(supervisor).get("/workbench/availability/").status_code == 403


def test_the_team_panel_lists_strained_officers_first(signed_in, supervisor, officer):
    tired = OfficerFactory(
        user__username="tired", available_since=timezone.now() - timedelta(hours=6)
    )
    CaseFactory(officer=tired, state="investigating", priority="P1")

    html = signed_in(supervisor).get("/dashboard/floor/").content.decode()

    assert html.index('data-officer="tired"') < html.index('data-officer="officer"')
    assert 'data-figure="team-strained">1<' in html
    page = signed_in(supervisor).get("/dashboard/").content.decode()
    assert 'id="floor-team-panel"' in page


def test_signing_out_leaves_the_floor_and_signing_in_returns(client, officer):
    client.force_login(officer.user)  # force_login sends user_logged_in too
    client.post("/accounts/logout/")

    officer.refresh_from_db()
    assert officer.availability == "offline"

    client.force_login(officer.user)
    officer.refresh_from_db()
    assert officer.availability == "available"
    assert [e.to_value for e in OfficerEvent.objects.filter(officer=officer).order_by("pk")] == [
        "offline",
        "available",
    ]


def test_signing_in_keeps_a_break(client, officer):
    officer.availability = "on_break"
    officer.save()

    client.force_login(officer.user)

    officer.refresh_from_db()
    assert officer.availability == "on_break"
