"""The pages: praise on the case page, the war report's leaderboard, an officer's badges on
the workbench, and the admin."""

from __future__ import annotations

import pytest

from team import awards
from team.models import Badge, BadgeAward
from tests.factories import CaseFactory, UserFactory
from tests.team.conftest import resolve

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_case_page_loads_the_praise_panel(client, officer):
    case = CaseFactory(officer=officer, state="investigating")
    page = signed_in(client, officer.user).get(f"/cases/{case.pk}/").content.decode()
    assert f'hx-get="/cases/{case.pk}/praise/"' in page


def test_the_officer_records_praise_from_the_form(client, officer, case_for):
    case = case_for(officer, priority="P3")
    client = signed_in(client, officer.user)
    form = client.get(f"/cases/{case.pk}/praise/").content.decode()
    assert "Record customer praise" in form and 'name="note"' in form

    response = client.post(f"/cases/{case.pk}/praise/", {"note": "Thanked us twice"})

    assert response.status_code == 200
    assert "data-praise-recorded" in response.content.decode()
    assert f"case:{case.pk}" in response.headers["HX-Trigger"]
    [event] = case.events.filter(kind="praise")
    assert event.payload["note"] == "Thanked us twice" and event.actor == officer.user


def test_a_blank_note_is_named_beside_the_field_and_records_nothing(client, officer, case_for):
    case = case_for(officer, priority="P3")
    response = signed_in(client, officer.user).post(f"/cases/{case.pk}/praise/", {"note": " "})
    assert response.status_code == 400
    assert 'data-field="note"' in response.content.decode()
    assert not case.events.filter(kind="praise").exists()


def test_another_officer_sees_no_form_and_may_not_post(client, officer, other_officer, case_for):
    case = case_for(officer, priority="P3")
    client = signed_in(client, other_officer.user)
    assert 'name="note"' not in client.get(f"/cases/{case.pk}/praise/").content.decode()
    response = client.post(f"/cases/{case.pk}/praise/", {"note": "Hi"})
    assert response.status_code == 403
    assert not case.events.filter(kind="praise").exists()


def test_the_praise_panel_is_for_officers_and_supervisors(client, officer, kb_member):
    case = CaseFactory(officer=officer, state="investigating")
    assert signed_in(client, kb_member).get(f"/cases/{case.pk}/praise/").status_code == 403


def test_the_war_report_shows_the_leaderboard_refreshed_by_badges(
    client, supervisor, officer, case_for
):
    page = signed_in(client, supervisor).get("/dashboard/").content.decode()
    assert 'hx-get="/dashboard/team/"' in page and "badge.awarded from:body" in page
    assert "data-leaderboard-empty" in client.get("/dashboard/team/").content.decode()
    resolve(case_for(officer))
    awards.catch_up()
    panel = client.get("/dashboard/team/").content.decode()
    assert 'data-officer="officer" data-points="20" data-badges="1"' in panel


def test_the_leaderboard_panel_is_for_officers_and_supervisors(client, officer, frontline):
    assert signed_in(client, officer.user).get("/dashboard/team/").status_code == 200
    assert signed_in(client, frontline).get("/dashboard/team/").status_code == 403


def test_the_workbench_shows_my_badges_and_points(client, officer, case_for):
    client = signed_in(client, officer.user)
    page = client.get("/workbench/").content.decode()
    assert 'hx-get="/workbench/badges/"' in page
    resolve(case_for(officer))
    awards.catch_up()
    mine = client.get("/workbench/badges/").content.decode()
    assert 'data-my-points="20"' in mine and 'data-badge="p1_within_sla"' in mine


def test_the_praise_appears_on_the_timeline(client, officer, frontline, case_for):
    from escalation.services import case_record_praise

    case = case_for(officer, priority="P3")
    case_record_praise(case=case, actor=frontline, note="Very kind")
    page = signed_in(client, officer.user).get(f"/cases/{case.pk}/").content.decode()
    assert "frontline recorded the customer&#x27;s praise: Very kind" in page


def test_the_admin_edits_badges_and_reads_awards_and_the_ledger(client, officer, case_for):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    resolve(case_for(officer))
    awards.catch_up()
    client = signed_in(client, admin)
    badge = Badge.objects.get(code="first_contact_day")
    assert client.get(f"/admin/team/badge/{badge.pk}/change/").status_code == 200
    for path in ("badgeaward", "pointsentry"):
        assert client.get(f"/admin/team/{path}/").status_code == 200
    award = BadgeAward.objects.get()
    assert client.get(f"/admin/team/badgeaward/{award.pk}/change/").status_code == 200
    assert client.get("/admin/team/badgeaward/add/").status_code == 403
    assert client.get("/admin/team/badge/add/").status_code == 403
