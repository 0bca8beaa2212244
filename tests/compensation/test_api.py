"""The compensation API: contract, validation, permissions, transitions, idempotency."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.models import Grant
from escalation.models import CaseEvent
from tests.factories import CaseFactory

URL = "/api/v1/compensations/"


def _body(case, amount="50.00", **extra):
    return {
        "case": case.pk,
        "kind": "coupon",
        "amount": amount,
        "currency": "CNY",
        "reason": "Install delayed twice.",
        **extra,
    }


def test_post_within_caps_returns_201_issued_with_voucher_code(
    api, case, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(officer.user).post(URL, _body(case))

    assert response.status_code == 201, response.data
    assert response.data["state"] in ("approved", "issued")
    detail = api(officer.user).get(f"{URL}{response.data['id']}/")
    assert detail.data["state"] == "issued"
    assert detail.data["voucher_code"].startswith("COU-")
    assert detail.data["amount"] == "50.00"
    assert detail.data["requested_by"]["username"] == "officer"


def test_post_above_limit_per_grant_returns_201_pending_approval(api, case, officer):
    response = api(officer.user).post(URL, _body(case, "300.00"))

    assert response.status_code == 201
    assert response.data["state"] == "pending_approval"


def test_post_above_a_cap_returns_422_naming_the_cap_and_remaining(api, case, officer):
    response = api(officer.user).post(URL, _body(case, "600.00"))

    assert response.status_code == 422
    assert response.data["code"] == "cap_exceeded"
    assert {k: response.data[k] for k in ("cap", "limit", "remaining")} == {
        "cap": "approval_ceiling",
        "limit": "500.00",
        "remaining": "500.00",
    }
    assert response.data["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "-10.00"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": None}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"currency": "cny"}, "currency"),
        ({"kind": "yacht"}, "kind"),
        ({"case": 999999}, "case"),
        ({"case": "abc"}, "case"),
        ({"reason": ""}, "reason"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, case, officer, change, field):
    response = api(officer.user).post(URL, {**_body(case), **change})

    assert response.status_code == 400, response.data
    assert field in response.data
    assert not Grant.objects.exists()


def test_missing_amount_takes_the_kinds_unit_value(api, case, officer, coupon):
    coupon.unit_value = "30.00"
    coupon.save()
    body = _body(case)
    del body["amount"]

    response = api(officer.user).post(URL, body)

    assert response.status_code == 201
    assert response.data["amount"] == "30.00"


@pytest.mark.parametrize("who", ["nobody", "frontline", "kb_member", "department_member"])
def test_other_roles_may_not_grant_or_list(api, case, request, who):
    user = request.getfixturevalue(who)

    assert api(user).post(URL, _body(case)).status_code == 403
    assert api(user).get(URL).status_code == 403


def test_anonymous_is_401(api, case):
    assert api().post(URL, _body(case)).status_code == 401


def test_officers_see_their_own_grants_and_supervisors_all(
    api, case, officer, other_officer, supervisor, grant
):
    mine = grant(officer.user, case, "10.00")
    theirs = grant(
        other_officer.user, CaseFactory(state="investigating", officer=other_officer), "10.00"
    )

    assert [g["id"] for g in api(officer.user).get(URL).data["results"]] == [mine.pk]
    assert {g["id"] for g in api(supervisor).get(URL).data["results"]} == {mine.pk, theirs.pk}
    assert api(officer.user).get(f"{URL}{theirs.pk}/").status_code == 404


def test_list_takes_the_same_number_of_queries_for_more_grants(api, case, officer, grant):
    client = api(officer.user)
    grant(officer.user, case, "10.00")
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(4):
        grant(officer.user, case, "10.00")
    with CaptureQueriesContext(connection) as five:
        response = client.get(URL)

    assert response.data["count"] == 5
    assert len(five) == len(one)


def test_transitions_list_what_the_caller_may_fire(api, case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")
    url = f"{URL}{pending.pk}/transitions/"

    assert api(supervisor).get(url).data == [
        {"name": "approve", "fields": []},
        {"name": "decline", "fields": ["reason"]},
    ]
    assert api(officer.user).get(url).data == []


def test_supervisor_approves_through_the_transitions_endpoint(
    api, case, officer, supervisor, grant, django_capture_on_commit_callbacks
):
    pending = grant(officer.user, case, "300.00")

    with django_capture_on_commit_callbacks(execute=True):
        response = api(supervisor).post(
            f"{URL}{pending.pk}/transitions/", {"transition": "approve"}
        )

    assert response.status_code == 200
    assert response.data["decided_by"]["username"] == "supervisor"
    pending.refresh_from_db()
    assert pending.state == "issued"


def test_self_approval_over_the_api_is_403(api, case, supervisor, policies, grant):
    policies["supervisor"].per_grant_limit = "100"
    policies["supervisor"].save()
    own = grant(supervisor, case, "150.00")

    response = api(supervisor).post(f"{URL}{own.pk}/transitions/", {"transition": "approve"})

    assert response.status_code == 403
    assert response.data["code"] == "self_approval"


def test_decline_and_revoke_need_a_reason(api, case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")

    response = api(supervisor).post(f"{URL}{pending.pk}/transitions/", {"transition": "decline"})

    assert response.status_code == 400
    assert "reason" in response.data


def test_revoking_a_pending_grant_is_409_listing_allowed(api, case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")

    response = api(supervisor).post(
        f"{URL}{pending.pk}/transitions/", {"transition": "revoke", "reason": "x"}
    )

    assert response.status_code == 409
    assert response.data["allowed"] == ["approve", "decline"]


def test_unknown_transition_is_400(api, case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")

    response = api(supervisor).post(f"{URL}{pending.pk}/transitions/", {"transition": "burn"})

    assert response.status_code == 400
    assert "transition" in response.data


def test_retry_with_the_same_idempotency_key_creates_one_grant(api, case, officer):
    client = api(officer.user)

    first = client.post(URL, _body(case), HTTP_IDEMPOTENCY_KEY="grant-1")
    second = client.post(URL, _body(case), HTTP_IDEMPOTENCY_KEY="grant-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.data == first.data
    assert second["Idempotent-Replayed"] == "true"
    assert Grant.objects.count() == 1
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_refused_request_frees_its_idempotency_key(api, case, officer):
    client = api(officer.user)

    refused = client.post(URL, _body(case, "600.00"), HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(URL, _body(case, "600.00"), HTTP_IDEMPOTENCY_KEY="k")

    assert (refused.status_code, other.status_code) == (422, 422)
    assert not Grant.objects.exists()


def test_transition_retry_with_idempotency_key_fires_once(api, case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")
    url = f"{URL}{pending.pk}/transitions/"
    body = {"transition": "decline", "reason": "No."}

    first = api(supervisor).post(url, body, HTTP_IDEMPOTENCY_KEY="d-1")
    second = api(supervisor).post(url, body, HTTP_IDEMPOTENCY_KEY="d-1")

    assert (first.status_code, second.status_code) == (200, 200)
    assert CaseEvent.objects.filter(kind="compensation_declined").count() == 1


def test_authority_shows_remaining_per_cap(api, case, officer, grant):
    grant(officer.user, case, "150.00")

    response = api(officer.user).get(f"{URL}authority/")

    assert response.status_code == 200
    assert response.data["per_grant_limit"] == "200.00"
    assert response.data["caps"] == [
        {"cap": "officer_day", "limit": "1000.00", "used": "150.00", "remaining": "850.00"},
        {"cap": "officer_month", "limit": "10000.00", "used": "150.00", "remaining": "9850.00"},
    ]


def test_authority_for_a_case_adds_case_and_customer_caps(api, case, officer, supervisor, grant):
    grant(supervisor, case, "900.00")

    response = api(officer.user).get(f"{URL}authority/?case={case.pk}")

    caps = {c["cap"]: c["remaining"] for c in response.data["caps"]}
    assert caps == {
        "officer_day": "1000.00",
        "officer_month": "10000.00",
        "case": "100.00",
        "customer_30d": "100.00",
    }
    assert response.data["grant_at_once_up_to"] == "100.00"


def test_a_refusal_agrees_with_the_authority_the_officer_sees(api, policies, other_officer, grant):
    case = CaseFactory(state="investigating", officer=other_officer)
    grant(other_officer.user, case, "200.00")
    grant(other_officer.user, case, "100.00")  # a level-1 officer's 300 for the day

    refused = api(other_officer.user).post(URL, _body(case, "5000.00"))
    authority = api(other_officer.user).get(f"{URL}authority/?case={case.pk}").data

    assert refused.status_code == 422
    day = next(c for c in authority["caps"] if c["cap"] == "officer_day")
    assert {k: refused.data[k] for k in ("cap", "limit", "remaining")} == {
        "cap": "officer_day",
        "limit": day["limit"],
        "remaining": day["remaining"],
    }
    assert refused.data["remaining"] == authority["request_up_to"] == "0.00"
    assert "0.00 CNY remain" in refused.data["detail"]


def test_authority_needs_a_granting_role(api, frontline, policies):
    assert api(frontline).get(f"{URL}authority/").status_code == 403


def test_review_queue_is_for_supervisors(api, case, officer, supervisor, credit, grant):
    flagged = grant(officer.user, case, "5.00", kind=credit)
    grant(officer.user, case, "5.00")

    queue = api(supervisor).get(f"{URL}reviews/")
    assert [g["id"] for g in queue.data["results"]] == [flagged.pk]
    assert api(officer.user).get(f"{URL}reviews/").status_code == 403

    response = api(supervisor).post(f"{URL}{flagged.pk}/review/", {"outcome": "approve"})
    assert response.status_code == 200
    assert response.data["review"] == "approved"
    assert api(supervisor).get(f"{URL}reviews/").data["results"] == []


def test_review_with_unknown_outcome_is_400(api, case, officer, supervisor, credit, grant):
    flagged = grant(officer.user, case, "5.00", kind=credit)

    response = api(supervisor).post(f"{URL}{flagged.pk}/review/", {"outcome": "maybe"})

    assert response.status_code == 400
    assert "outcome" in response.data


def test_openapi_schema_builds(api, supervisor):
    assert api(supervisor).get("/api/schema/").status_code == 200


def test_list_filters_by_state(api, case, officer, supervisor, grant):
    grant(officer.user, case, "10.00")
    pending = grant(officer.user, case, "300.00")

    response = api(supervisor).get(f"{URL}?state=pending_approval")

    assert [g["id"] for g in response.data["results"]] == [pending.pk]


def test_amount_with_too_many_digits_is_400(api, case, officer):
    response = api(officer.user).post(URL, _body(case, "12345678901234.00"))

    assert response.status_code == 400
    assert "amount" in response.data
