"""Cases over REST: list, filters, detail, audit trail and the uniform transitions endpoint."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core import roles
from escalation.models import CaseEvent
from escalation.sla import clocks
from tests.factories import CaseFactory, CustomerFactory, OfficerFactory, UserFactory

URL = "/api/v1/cases/"


def transitions_url(case):
    return f"{URL}{case.pk}/transitions/"


# --- list and detail ---


def test_list_is_paginated_newest_first(api, officer):
    cases = [CaseFactory() for _ in range(3)]

    body = api(officer.user).get(URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert [c["id"] for c in body["results"]] == [cases[2].pk, cases[1].pk]
    assert body["next"]


@pytest.mark.parametrize("size", [5, 50])
def test_list_runs_a_constant_number_of_queries(
    api, officer, size, sla_policy, django_assert_num_queries
):
    for index in range(size):
        case = CaseFactory(
            officer=officer if index % 2 else None, state="assigned" if index % 2 else "new"
        )
        clocks.start_case_clocks(case)
    client = api(officer.user)
    client.get(URL)  # warm the per-process calendar cache
    del officer.user._casehub_roles  # a real request loads its user, and its roles, afresh

    # roles, count, page, and the cases' clocks: the same four queries for 5 cases or 50
    with django_assert_num_queries(4):
        response = client.get(URL, {"page_size": 100})

    assert len(response.json()["results"]) == size
    assert all(len(case["sla"]) == 2 for case in response.json()["results"])


def test_list_filters_by_state_priority_and_officer(api, officer, other_officer):
    mine = CaseFactory(officer=officer, state="investigating", priority="P1")
    CaseFactory(officer=other_officer, state="investigating", priority="P1")
    closed = CaseFactory(officer=officer, state="closed", priority="P1")
    unassigned = CaseFactory(state="new", priority="P4")
    client = api(officer.user)

    def ids(**params):
        return {c["id"] for c in client.get(URL, params).json()["results"]}

    assert ids(state="investigating", priority="P1", officer="me") == {mine.pk}
    assert ids(officer="none") == {unassigned.pk}
    assert ids(officer="other_officer", state="investigating") != set()
    assert ids(state=["new", "closed"]) == {unassigned.pk, closed.pk}


def test_list_filters_by_customer_tier_and_text(api, officer):
    vip = CaseFactory(customer=CustomerFactory(external_id="V-9", tier="vip"), title="Fridge")
    CaseFactory(title="Washer")
    client = api(officer.user)

    assert [c["id"] for c in client.get(URL, {"tier": "vip"}).json()["results"]] == [vip.pk]
    assert [c["id"] for c in client.get(URL, {"customer": "V-9"}).json()["results"]] == [vip.pk]
    assert [c["id"] for c in client.get(URL, {"q": "fridge"}).json()["results"]] == [vip.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "exploded"}, "state"),
        ({"priority": "P0"}, "priority"),
        ({"created_after": "last week"}, "created_after"),
        ({"escalation_level": "high"}, "escalation_level"),
    ],
)
def test_bad_filters_are_400_naming_the_filter(api, officer, params, field):
    response = api(officer.user).get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_bad_page_is_404_not_500(api, officer):
    assert api(officer.user).get(URL, {"page": "999"}).status_code == 404
    assert api(officer.user).get(URL, {"page": "x"}).status_code == 404


def test_detail_shows_the_case(api, frontline, case_in):
    case = case_in("assigned")

    body = api(frontline).get(f"{URL}{case.pk}/").json()

    assert body["reference"] == case.reference
    assert body["officer"]["username"] == "officer"


@pytest.mark.parametrize("who", ["department_member", "nobody"])
def test_roles_without_case_access_see_nothing(api, request, who, case_in):
    case = case_in("assigned")
    client = api(request.getfixturevalue(who))

    assert client.get(f"{URL}{case.pk}/").status_code == 404
    assert client.get(f"{URL}{case.pk}/events/").status_code == 404
    assert client.get(transitions_url(case)).status_code == 404
    assert client.post(transitions_url(case), {"transition": "start"}).status_code == 404
    assert client.get(URL).json()["results"] == []


def test_anonymous_requests_are_401(api, case_in):
    case = case_in("assigned")

    assert api().get(URL).status_code == 401
    assert api().get(f"{URL}{case.pk}/").status_code == 401
    assert api().post(transitions_url(case), {"transition": "start"}).status_code == 401


def test_unknown_case_is_404(api, officer):
    assert api(officer.user).get(f"{URL}999999/").status_code == 404
    assert api(officer.user).get(f"{URL}abc/").status_code == 404


def test_cases_cannot_be_edited_or_deleted_through_the_api(api, supervisor, case_in):
    case = case_in("assigned")
    client = api(supervisor)

    assert client.patch(f"{URL}{case.pk}/", {"title": "x"}).status_code == 405
    assert client.delete(f"{URL}{case.pk}/").status_code == 405


# --- audit trail ---


def test_events_are_listed_oldest_first_with_their_shape(api, officer, case_in):
    case = case_in("assigned")
    client = api(officer.user)
    client.post(transitions_url(case), {"transition": "start"})
    client.post(transitions_url(case), {"transition": "resolve", "resolution": "Fixed"})

    events = client.get(f"{URL}{case.pk}/events/").json()["results"]

    assert [e["kind"] for e in events] == ["start", "resolve"]
    assert events[1]["from_state"] == "investigating"
    assert events[1]["to_state"] == "resolved"
    assert events[1]["payload"] == {"resolution": "Fixed"}
    assert events[1]["actor"]["username"] == "officer"
    assert set(events[0]) == {
        "id",
        "kind",
        "actor",
        "from_state",
        "to_state",
        "payload",
        "created_at",
    }


# --- transitions endpoint ---


def test_transitions_lists_what_the_officer_may_fire_now(api, officer, case_in):
    case = case_in("investigating")

    body = api(officer.user).get(transitions_url(case)).json()

    assert body == [
        {"name": "wait_for_customer", "fields": []},
        {"name": "resolve", "fields": ["resolution"]},
        {"name": "cancel", "fields": ["reason"]},
        {"name": "extend_deadline", "fields": ["clock", "until", "reason"]},
    ]


def test_transitions_list_is_empty_for_a_reader_who_may_not_fire(api, frontline, case_in):
    case = case_in("investigating")

    assert api(frontline).get(transitions_url(case)).json() == []


def test_transitions_list_leaves_out_a_reopen_whose_window_has_passed(api, officer, case_in):
    case = case_in("closed", resolved_at=timezone.now() - timedelta(days=30))

    assert api(officer.user).get(transitions_url(case)).json() == []


def test_firing_a_transition_returns_the_updated_case(api, officer, case_in):
    case = case_in("assigned")

    response = api(officer.user).post(transitions_url(case), {"transition": "start"})

    assert response.status_code == 200
    assert response.json()["state"] == "investigating"


def test_transition_not_allowed_from_the_state_is_409_with_allowed_list(api, officer, case_in):
    case = case_in("assigned")

    response = api(officer.user).post(transitions_url(case), {"transition": "close"})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert set(body["allowed"]) == {"start", "cancel", "assign", "extend_deadline"}
    assert body["detail"]
    assert not case.events.exists()


def test_guard_failure_is_422_naming_the_rule(api, officer, case_in):
    case = case_in("closed", resolved_at=timezone.now() - timedelta(days=30))

    response = api(officer.user).post(
        transitions_url(case), {"transition": "reopen", "reason": "Again"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "reopen_window_expired"


def test_firing_on_another_officers_case_is_403(api, other_officer, case_in):
    case = case_in("assigned")

    response = api(other_officer.user).post(transitions_url(case), {"transition": "start"})

    assert response.status_code == 403
    assert not case.events.exists()


@pytest.mark.parametrize(
    ("state", "body", "field"),
    [
        ("investigating", {"transition": "resolve"}, "resolution"),
        ("investigating", {"transition": "resolve", "resolution": ""}, "resolution"),
        ("assigned", {"transition": "cancel"}, "reason"),
        ("assigned", {"transition": "assign"}, "officer"),
        ("assigned", {"transition": "assign", "officer": "ghost"}, "officer"),
        ("assigned", {"transition": "assign", "officer": 42}, "officer"),
        ("assigned", {"transition": "explode"}, "transition"),
        ("assigned", {"transition": "open_task_group"}, "transition"),
        ("assigned", {}, "transition"),
        ("assigned", {"transition": ["start"]}, "transition"),
    ],
)
def test_bad_transition_input_is_400_naming_the_field(api, supervisor, case_in, state, body, field):
    case = case_in(state)

    response = api(supervisor).post(transitions_url(case), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not case.events.exists()


def test_assign_to_a_non_officer_is_400(api, supervisor, frontline, case_in):
    case = case_in("new")

    response = api(supervisor).post(
        transitions_url(case), {"transition": "assign", "officer": "frontline"}
    )

    assert response.status_code == 400
    assert "officer" in response.json()


def test_supervisor_assigns_by_username(api, supervisor, case_in):
    case = case_in("new")
    OfficerFactory(user__username="officer7")

    response = api(supervisor).post(
        transitions_url(case), {"transition": "assign", "officer": "officer7"}
    )

    assert response.status_code == 200
    assert response.json()["officer"]["username"] == "officer7"
    assert CaseEvent.objects.get(case=case).payload["officer"] == "officer7"


# --- authentication ---


def test_token_is_issued_for_good_credentials_and_works(api, frontline, client):
    frontline.set_password("s3cret-pass")
    frontline.save()

    token = (
        api()
        .post("/api/v1/auth/token/", {"username": "frontline", "password": "s3cret-pass"})
        .json()["token"]
    )
    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200


def test_bad_credentials_are_400(api, frontline):
    response = api().post("/api/v1/auth/token/", {"username": "frontline", "password": "no"})

    assert response.status_code == 400


def test_an_unknown_token_is_401_with_drf_s_message(client, db):
    response = client.get(URL, HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_the_token_of_a_deactivated_user_is_401(client, frontline):
    token = Token.objects.create(user=frontline)
    frontline.is_active = False
    frontline.save()

    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_a_token_brings_its_user_and_every_role_in_one_statement(db, django_assert_num_queries):
    from core.api.authentication import TokenAuthentication

    user = UserFactory(username="two-hats", roles=["officer", "supervisor"])
    user.groups.add(Group.objects.create(name="night shift"))  # not a CaseHub role
    token = Token.objects.create(user=user)

    with django_assert_num_queries(1):
        found, found_token = TokenAuthentication().authenticate_credentials(token.key)

    assert (found.pk, found.username, found.is_active) == (user.pk, "two-hats", True)
    assert found.password == user.password and found.date_joined == user.date_joined
    assert found_token.key == token.key and found_token.created == token.created
    assert roles.roles_of(found) == {"officer", "supervisor", "night shift"}


def test_session_authentication_works_for_the_web_ui(client, officer):
    client.force_login(officer.user)

    assert client.get(URL).status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/cases/{id}/transitions/" in schema.content
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_database_is_what_the_environment_says(db):
    import os

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected


def test_event_list_query_count_does_not_grow_with_events(api, officer, case_in):
    case = case_in("assigned")
    client = api(officer.user)

    def queries_for_trail() -> int:
        del officer.user._casehub_roles
        with CaptureQueriesContext(connection) as queries:
            client.get(f"{URL}{case.pk}/events/")
        return len(queries)

    CaseEvent.objects.create(case=case, kind="note")
    client.get(f"{URL}{case.pk}/events/")
    few = queries_for_trail()
    for _ in range(20):
        CaseEvent.objects.create(case=case, kind="note", actor=officer.user)
    assert queries_for_trail() == few
