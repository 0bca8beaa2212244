"""Odd input that once reached the database (a 500 on PostgreSQL) is now a 400 naming the field.

Found by the schemathesis run (tests/test_api_schema.py); these pin each case down on
whichever database the suite runs on.
"""

import json

import pytest

from escalation.models import Case
from tests.escalation.conftest import soon

URL = "/api/v1/cases/"
INTAKE = {
    "title": "Air conditioner dead",
    "channel": "phone",
    "category": "installation",
    "customer": {"external_id": "C-1"},
}


def _post_raw(client, body: str, **headers):
    return client.generic("POST", URL, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ('{"note": "a\\u0000b"}', "Null characters"),
        ('{"a\\u0000": 1}', "Null characters"),
        ('{"deep": {"er": ["\\ud800"]}}', "surrogate"),
        ('{"big": 1e400}', "finite"),
        ('{"x": ' + "[" * 40 + "]" * 40 + "}", "levels deep"),
    ],
)
def test_intake_context_the_database_cannot_store_is_400_on_context(
    api, frontline, context, message
):
    body = json.dumps(INTAKE)[:-1] + f', "context": {context}}}'

    response = _post_raw(api(frontline), body)

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"context"}
    assert message in json.dumps(response.json()["context"])
    assert not Case.objects.exists()


def test_json_nested_deeper_than_the_parser_can_go_is_400(api, frontline):
    response = _post_raw(api(frontline), "[" * 100_000 + "]" * 100_000)

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_assigning_to_a_username_with_a_nul_character_is_400_on_officer(api, supervisor, case_in):
    case = case_in("new")

    response = api(supervisor).post(
        f"{URL}{case.pk}/transitions/", {"transition": "assign", "officer": "off\x00icer"}
    )

    assert response.status_code == 400
    assert response.json()["officer"] == ["Null characters are not allowed."]


@pytest.mark.parametrize("value", ["2091-12-06T21:50:37-19:12", "2026-07-14T09:00:00+23:59"])
def test_created_after_with_an_offset_postgresql_rejects_still_filters(
    api, officer, case_in, value
):
    case_in("new")

    response = api(officer.user).get(URL, {"created_after": value})

    assert response.status_code == 200
    assert response.json()["count"] in (0, 1)


def test_created_after_beyond_the_last_representable_instant_is_400(api, officer):
    response = api(officer.user).get(URL, {"created_before": "9999-12-31T23:59:59-23:59"})

    assert response.status_code == 400
    assert "created_before" in response.json()


@pytest.mark.parametrize("value", ["due_within=99999999999999999999", "due_within=-5"])
def test_sla_due_within_out_of_range_is_400_on_sla(api, officer, value):
    response = api(officer.user).get(URL, {"sla": value})

    assert response.status_code == 400
    assert "due_within" in response.json()["sla"][0]


def test_idempotency_key_with_control_characters_is_400_naming_the_header(api, frontline):
    response = api(frontline).post(URL, INTAKE, HTTP_IDEMPOTENCY_KEY="key\x00one")

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Case.objects.exists()


def test_unknown_api_url_answers_json_404(api, officer):
    response = api(officer.user).get("/api/v1/cases/1.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


NUL_MESSAGE = ["Null characters are not allowed."]


def test_blocking_on_a_department_code_with_a_nul_character_is_400_on_department(
    api, logistics_task, logistics_member
):
    api(logistics_member).post(
        f"/api/v1/tasks/{logistics_task.pk}/transitions/", {"transition": "accept"}
    )

    response = api(logistics_member).post(
        f"/api/v1/tasks/{logistics_task.pk}/transitions/",
        {"transition": "block", "department": "te\x00ch", "reason": "Need the part"},
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"department": NUL_MESSAGE}


def test_reassigning_to_a_username_with_a_nul_character_is_400_on_assignee(
    api, logistics_task, logistics_lead
):
    response = api(logistics_lead).post(
        f"/api/v1/tasks/{logistics_task.pk}/transitions/",
        {"transition": "reassign", "assignee": "logistics\x00other"},
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"assignee": NUL_MESSAGE}


@pytest.mark.parametrize("field", ["department", "assignee"])
def test_a_task_group_naming_a_department_or_person_with_a_nul_is_400_on_that_task(
    api, officer, investigating_case, logistics_member, field
):
    spec = {
        "department": "logistics",
        "assignee": "logistics_member",
        "title": "Confirm slot",
        "due_at": soon().isoformat(),
    }
    second = {**spec, field: spec[field] + "\x00"}

    response = api(officer.user).post(
        "/api/v1/task-groups/",
        {"case": investigating_case.pk, "title": "g", "tasks": [spec, second]},
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"tasks": {"1": {field: NUL_MESSAGE}}}


def test_a_department_code_with_a_nul_in_the_path_is_a_json_404(api, officer, logistics):
    response = api(officer.user).get("/api/v1/departments/logis%00tics/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/tasks/?department=%00", "department"),
        ("/api/v1/tasks/?assignee=a%00b", "assignee"),
        ("/api/v1/cases/?officer=%00", "officer"),
        ("/api/v1/cases/?customer=C%001", "customer"),
        ("/api/v1/cases/?category=a,b%00", "category"),
        ("/api/v1/departments/?active=%00", "active"),
        ("/api/v1/cases/?q%00=x", "q\x00"),
    ],
)
def test_a_nul_character_in_any_query_parameter_is_400_naming_it(api, supervisor, url, parameter):
    response = api(supervisor).get(url)

    assert response.status_code == 400, response.content
    assert response.json() == {parameter: NUL_MESSAGE}


def test_a_nul_character_in_a_page_query_is_400_too(client, officer):
    client.force_login(officer.user)

    response = client.get("/?q=%00")

    assert response.status_code == 400


def test_a_task_deadline_decades_ahead_is_400_on_that_task(
    api, officer, investigating_case, logistics_member
):
    spec = {
        "department": "logistics",
        "assignee": "logistics_member",
        "title": "Confirm slot",
        "due_at": soon(hours=70 * 365 * 24).isoformat(),
    }

    response = api(officer.user).post(
        "/api/v1/task-groups/", {"case": investigating_case.pk, "title": "g", "tasks": [spec]}
    )

    assert response.status_code == 400, response.content
    [problems] = response.json()["tasks"]
    assert set(problems) == {"due_at"}
    assert "within a year" in problems["due_at"][0]


def test_extending_a_deadline_by_decades_is_422_naming_the_latest(api, officer, running_case):
    response = api(officer.user).post(
        f"/api/v1/cases/{running_case.pk}/transitions/",
        {
            "transition": "extend_deadline",
            "clock": "resolution",
            "until": soon(hours=70 * 365 * 24).isoformat(),
            "reason": "Forever",
        },
    )

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "deadline_too_far"
    assert "latest" in response.json()
