"""The pages: who may open them, what they show, and a constant number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import roles
from escalation import services
from tests.factories import CaseFactory, OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def queries(client, url) -> int:
    client.get(url)  # warm: session, content types, the calendar cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ([roles.OFFICERS], "/workbench/"),
        ([roles.SUPERVISORS], "/workbench/"),
        ([roles.KNOWLEDGE_TEAM], "/knowledge/review/"),
        ([roles.FRONTLINE], "/queue/"),
    ],
)
def test_the_start_page_sends_each_person_home(client, who, home):
    response = signed_in(client, UserFactory(roles=who)).get("/")

    assert response.status_code == 302
    assert response["Location"] == home


def test_department_people_go_to_their_board(client, logistics_member):
    response = signed_in(client, logistics_member).get("/")

    assert response["Location"] == "/departments/logistics/"


def test_the_workbench_and_case_page_are_for_officers_and_supervisors(client, logistics_member):
    case = CaseFactory()
    signed_in(client, logistics_member)

    assert client.get("/workbench/").status_code == 403
    assert client.get(f"/cases/{case.pk}/").status_code == 403


def test_a_department_board_is_for_that_departments_people(client, logistics_member, tech):
    signed_in(client, logistics_member)

    assert client.get("/departments/logistics/").status_code == 200
    assert client.get("/departments/tech/").status_code == 403
    assert client.get("/departments/nowhere/").status_code == 404


def test_pages_send_a_content_security_policy_without_inline_script(client, officer):
    response = signed_in(client, officer.user).get("/workbench/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()
    assert " on" + "change=" not in response.content.decode()


def test_every_form_carries_a_csrf_token(client, officer, group):
    page = signed_in(client, officer.user).get(f"/cases/{group.case_id}/").content.decode()

    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, flags=re.S)
    assert forms
    assert all("csrfmiddlewaretoken" in form for form in forms)


def test_the_workbench_shows_my_cases_with_state_and_countdown(client, officer, sla_policy):
    case = CaseFactory(officer=officer, state="assigned", title="Fridge warm")
    from escalation.sla import clocks

    clocks.start_case_clocks(case)
    page = signed_in(client, officer.user).get("/workbench/").content.decode()

    assert f'data-case-id="{case.pk}"' in page
    assert 'data-case-state="assigned"' in page
    assert 'data-clock="first_response"' in page
    assert "data-due-at=" in page


def test_the_workbench_searches_by_customer_and_filters_by_the_api_filters(client, officer):
    mine = CaseFactory(officer=officer, state="assigned", customer__name="Ms Wang", priority="P1")
    other = CaseFactory(officer=officer, state="assigned", customer__name="Mr Li", priority="P3")
    signed_in(client, officer.user)

    found = client.get("/workbench/?q=wang").content.decode()
    assert f'data-case-id="{mine.pk}"' in found
    assert f'data-case-id="{other.pk}"' not in found
    filtered = client.get("/workbench/?priority=P3").content.decode()
    assert f'data-case-id="{other.pk}"' in filtered
    assert f'data-case-id="{mine.pk}"' not in filtered
    refused = client.get("/workbench/?sla=soon").content.decode()
    assert "due_within" in refused


def test_only_unassigned_cases_offer_take_to_an_officer(client, officer):
    CaseFactory(state="new")
    page = signed_in(client, officer.user).get("/workbench/?view=unassigned").content.decode()

    assert 'name="transition" value="assign"' in page


def test_the_workbench_takes_a_constant_number_of_queries(client, officer, sla_policy):
    from escalation.sla import clocks

    signed_in(client, officer.user)
    for _ in range(3):
        clocks.start_case_clocks(CaseFactory(officer=officer, state="assigned"))
    few = queries(client, "/workbench/")
    for _ in range(12):
        clocks.start_case_clocks(CaseFactory(officer=officer, state="assigned"))
    CaseFactory(state="new")

    assert queries(client, "/workbench/") == few
    assert queries(client, "/workbench/?view=unassigned") <= few + 1


def test_the_case_page_takes_a_constant_number_of_queries(client, officer, group):
    signed_in(client, officer.user)
    url = f"/cases/{group.case_id}/"
    few = queries(client, url)
    for n in range(5):
        client.post(
            f"/tasks/{group.tasks.first().pk}/messages/",
            {"body": f"note {n}"},
            HTTP_HX_REQUEST="true",
        )
    CaseFactory(customer=group.case.customer)

    assert queries(client, url) == few


def test_the_department_board_takes_a_constant_number_of_queries(
    client, officer, group, logistics_member, logistics, investigating_case
):
    from escalation import taskgroups
    from tests.escalation.conftest import soon

    signed_in(client, logistics_member)
    url = "/departments/logistics/"
    few = queries(client, url)
    for _ in range(4):
        case = CaseFactory(officer=officer, state="investigating")
        taskgroups.task_group_open(
            case=case,
            actor=officer.user,
            title="More",
            tasks=[
                {
                    "department": logistics,
                    "assignee": logistics_member,
                    "title": "Go",
                    "due_at": soon(),
                }
            ],
        )

    assert queries(client, url) == few


def test_a_transition_form_fires_through_the_service(client, officer):
    case = CaseFactory(officer=officer, state="assigned")
    signed_in(client, officer.user)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert '<button type="submit" name="transition" value="start">' in page
    assert 'value="resolve"' not in page  # only what may fire now

    response = client.post(
        f"/cases/{case.pk}/transition/", {"transition": "start"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == "investigating"
    assert case.events.filter(kind="start").count() == 1


def test_a_missing_field_is_shown_beside_it_in_the_apis_words(client, officer):
    case = CaseFactory(officer=officer, state="investigating")
    response = signed_in(client, officer.user).post(
        f"/cases/{case.pk}/transition/", {"transition": "resolve"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert 'data-field="resolution"' in response.content.decode()
    assert "This field is required." in response.content.decode()


def test_a_stale_form_gets_the_409_and_shows_what_changed(client, officer, supervisor):
    case = CaseFactory(officer=officer, state="investigating")
    signed_in(client, officer.user)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    seen = re.search(r'name="seen_event" value="(\d+)"', page).group(1)
    services.case_transition(case=case, actor=supervisor, name="wait_for_customer")

    response = client.post(
        f"/cases/{case.pk}/transition/",
        {"transition": "resolve", "resolution": "Fixed", "seen_event": seen},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-code="concurrent_transition"' in body
    assert "supervisor is waiting for the customer." in body
    case.refresh_from_db()
    assert case.state == "awaiting_customer"


def test_a_form_posted_without_htmx_redirects_back_to_the_case(client, officer):
    case = CaseFactory(officer=officer, state="assigned")
    response = signed_in(client, officer.user).post(
        f"/cases/{case.pk}/transition/", {"transition": "start"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"


def test_an_officer_forms_a_group_with_two_departments_from_the_page(
    client, officer, investigating_case, logistics_member, tech_member
):
    signed_in(client, officer.user)
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/cases/{investigating_case.pk}/task-groups/",
        {
            "title": "Install",
            "tasks-0-department": "logistics",
            "tasks-0-assignee": "logistics_member",
            "tasks-0-title": "Book a slot",
            "tasks-0-due_at": due,
            "tasks-1-department": "tech",
            "tasks-1-assignee": "tech_member",
            "tasks-1-title": "Check the unit",
            "tasks-1-due_at": due,
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200, response.content.decode()[:2000]
    body = response.content.decode()
    assert body.count('data-task-state="open"') == 2
    investigating_case.refresh_from_db()
    assert investigating_case.state == "awaiting_departments"


def test_a_group_form_names_the_row_and_field_it_refuses(
    client, officer, investigating_case, logistics_member, tech_member
):
    response = signed_in(client, officer.user).post(
        f"/cases/{investigating_case.pk}/task-groups/",
        {
            "title": "Install",
            "tasks-0-department": "logistics",
            "tasks-0-assignee": "tech_member",
            "tasks-0-title": "Book",
            "tasks-0-due_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert "tech_member is not a member of logistics." in response.content.decode()


def test_a_department_member_completes_a_task_from_the_board(client, group, logistics_member):
    task = group.tasks.get(department__code="logistics")
    signed_in(client, logistics_member)
    client.post(f"/tasks/{task.pk}/transition/", {"transition": "accept"}, HTTP_HX_REQUEST="true")

    response = client.post(
        f"/tasks/{task.pk}/transition/",
        {"transition": "complete", "outcome": "Booked"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'data-task-state="done"' in response.content.decode()


def test_the_thread_shows_a_script_as_text(client, group, officer):
    task = group.tasks.first()
    signed_in(client, officer.user)
    client.post(
        f"/tasks/{task.pk}/messages/", {"body": "<script>alert(1)</script>"}, HTTP_HX_REQUEST="true"
    )

    page = client.get(f"/cases/{group.case_id}/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_case_page_and_workbench_answer_in_simplified_chinese(client, officer, group):
    signed_in(client, officer.user)

    page = client.get(f"/cases/{group.case_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '<html lang="zh-hans">' in page
    assert "时间线" in page
    assert "负责人：" in page  # one translated string, not a word and an ASCII colon


def test_presence_lists_the_others_with_the_case_open(client, officer, supervisor):
    from escalation import presence

    case = CaseFactory(officer=officer, state="assigned")
    presence.join(case.pk, "channel-1", supervisor)
    presence.join(case.pk, "channel-2", officer.user)

    body = signed_in(client, officer.user).get(f"/cases/{case.pk}/panels/presence/").content
    assert b"supervisor" in body
    assert b"officer" not in body.replace(b"supervisor", b"")


def test_an_other_officer_cannot_take_a_case_for_someone_else(client, officer):
    case = CaseFactory(state="new")
    other = OfficerFactory(user__username="someone")
    response = signed_in(client, officer.user).post(
        f"/cases/{case.pk}/transition/",
        {"transition": "assign", "officer": other.user.username},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 403


def test_the_contact_history_shows_the_channels_name_and_the_local_time(client, officer):
    interactions = [{"channel": "chat", "at": "2026-07-14T01:12:00Z", "summary": "ETA?"}]
    case = CaseFactory(officer=officer, context={"interactions": interactions})
    signed_in(client, officer.user)

    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    at = timezone.localtime(datetime(2026, 7, 14, 1, 12, tzinfo=UTC)).strftime("%Y-%m-%d %H:%M")
    assert f"{at} · Chat</span> ETA?" in page


def test_contact_history_an_admin_edited_by_hand_still_renders(client, officer):
    interactions = ["a note", {"channel": "fax", "at": "yesterday", "summary": "odd"}]
    case = CaseFactory(officer=officer, context={"interactions": interactions})
    signed_in(client, officer.user)

    response = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "yesterday · fax</span> odd" in response.content.decode()
