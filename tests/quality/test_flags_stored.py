"""Thread messages and resolutions carry the sensitive terms found when they were written,
and are saved as written: the check warns, it never refuses."""

import pytest

from escalation import services
from escalation.models import TaskMessage
from quality.models import SensitiveTerm

pytestmark = pytest.mark.django_db


def test_a_thread_message_posted_over_the_api_carries_its_flags(
    api, officer, logistics_task, terms
):
    body = "我们保证明天到，guarantee."

    response = api(officer.user).post(
        f"/api/v1/tasks/{logistics_task.pk}/messages/", {"body": body}, format="json"
    )

    assert response.status_code == 201, response.content
    flags = [
        {"term": "保证", "category": "promise", "start": 2, "end": 4},
        {"term": "guarantee", "category": "promise", "start": 8, "end": 17},
    ]
    assert response.json()["qa_flags"] == flags
    message = TaskMessage.objects.get(pk=response.json()["id"])
    assert message.body == body  # sent as written
    assert message.qa_flags == flags
    listed = api(officer.user).get(f"/api/v1/tasks/{logistics_task.pk}/messages/").json()
    assert listed["results"][-1]["qa_flags"] == flags


def test_a_department_members_message_is_checked_too(api, logistics_member, logistics_task, terms):
    response = api(logistics_member).post(
        f"/api/v1/tasks/{logistics_task.pk}/messages/", {"body": "It is your fault"}, format="json"
    )

    assert response.json()["qa_flags"] == [
        {"term": "your fault", "category": "blame", "start": 6, "end": 16}
    ]


def test_a_clean_message_has_no_flags(api, officer, logistics_task, terms):
    response = api(officer.user).post(
        f"/api/v1/tasks/{logistics_task.pk}/messages/", {"body": "Slot at 10:00"}, format="json"
    )

    assert response.json()["qa_flags"] == []


def test_a_resolution_over_the_api_carries_its_flags(api, officer, case_in, terms):
    case = case_in("investigating")
    resolution = "Replaced the unit; refund guaranteed. 客户说要投诉到底。"

    response = api(officer.user).post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "resolve", "resolution": resolution},
        format="json",
    )

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.state == "resolved"
    assert case.resolution == resolution  # saved as written
    assert case.qa_flags == [
        {"term": "refund guaranteed", "category": "promise", "start": 19, "end": 36},
        {"term": "投诉到底", "category": "legal", "start": 42, "end": 46},
    ]
    shown = api(officer.user).get(f"/api/v1/cases/{case.pk}/").json()
    assert shown["qa_flags"] == case.qa_flags
    listed = api(officer.user).get("/api/v1/cases/").json()["results"]
    assert [row["qa_flags"] for row in listed if row["id"] == case.pk] == [case.qa_flags]


def test_resolving_again_after_a_reopen_checks_the_new_resolution(officer, case_in, terms):
    case = case_in("investigating")
    actor = officer.user
    services.case_transition(case=case, actor=actor, name="resolve", resolution="I guarantee it")
    services.case_transition(case=case, actor=actor, name="reopen", reason="Back again")
    case.refresh_from_db()
    services.case_transition(case=case, actor=actor, name="start")
    services.case_transition(case=case, actor=actor, name="resolve", resolution="Fixed for good")

    case.refresh_from_db()
    assert case.qa_flags == []


def test_a_term_added_later_does_not_change_what_was_stored(api, officer, logistics_task, terms):
    client = api(officer.user)
    url = f"/api/v1/tasks/{logistics_task.pk}/messages/"
    first = client.post(url, {"body": "we will sue"}, format="json").json()

    SensitiveTerm.objects.create(term="sue", language="en", category="legal")
    second = client.post(url, {"body": "we will sue"}, format="json").json()

    assert first["qa_flags"] == []
    assert second["qa_flags"] == [{"term": "sue", "category": "legal", "start": 8, "end": 11}]
