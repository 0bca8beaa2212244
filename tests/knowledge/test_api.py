"""The knowledge REST contract: requests, transitions, diff, articles, permissions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import CaseEvent
from knowledge.models import KnowledgeRequest

REQUESTS = "/api/v1/knowledge/requests/"
ARTICLES = "/api/v1/knowledge/articles/"


def _transitions(request_id):
    return f"{REQUESTS}{request_id}/transitions/"


def test_an_officer_raises_a_request_from_a_case(api, officer, case_in, category):
    case = case_in("investigating")

    response = api(officer.user).post(
        REQUESTS,
        {
            "kind": "new",
            "article": None,
            "case": case.pk,
            "title": "满减 coupon and festival discount",
            "body": "They stack.",
            "category": "installation",
            "urgency": "high",
        },
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["state"], body["case"], body["category"], body["urgency"]) == (
        "draft",
        case.pk,
        "installation",
        "high",
    )
    assert body["author"]["username"] == "officer"
    assert CaseEvent.objects.get(case=case).kind == "knowledge_request_raised"


def test_a_retry_with_the_same_idempotency_key_creates_nothing_twice(api, officer, category):
    client = api(officer.user)
    payload = {"kind": "new", "title": "T", "body": "B", "category": "installation"}

    first = client.post(REQUESTS, payload, HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(REQUESTS, payload, HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert KnowledgeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "sideways", "title": "T", "body": "B", "category": "installation"}, "kind"),
        ({"kind": "new", "title": "T", "body": "B", "category": "nope"}, "category"),
        ({"kind": "new", "title": "T", "body": "", "category": "installation"}, "body"),
        ({"kind": "correction", "body": "B", "article": 999999}, "article"),
        ({"kind": "new", "title": "T", "body": "B", "category": "installation", "case": 9}, "case"),
        ({"kind": "new", "title": "T", "body": "B", "category": "installation", "urgency": "x"}, "urgency"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(api, officer, category, payload, field):
    response = api(officer.user).post(REQUESTS, payload)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("who", "status"),
    [("frontline", 201), ("department_member", 201), ("kb_member", 201), ("nobody", 403)],
)
def test_who_may_raise_a_request(request, api, category, who, status):
    user = request.getfixturevalue(who)

    response = api(user).post(
        REQUESTS, {"kind": "new", "title": "T", "body": "B", "category": "installation"}
    )

    assert response.status_code == status


def test_the_whole_review_runs_through_the_transitions_endpoint(
    api, officer, kb_member, kb_member2, case_in, category
):
    case = case_in("investigating")
    created = api(officer.user).post(
        REQUESTS,
        {"kind": "new", "case": case.pk, "title": "T", "body": "B", "category": "installation"},
    )
    request_id = created.json()["id"]

    assert api(officer.user).get(_transitions(request_id)).json() == [
        {"name": "submit", "fields": []}
    ]
    steps = [
        (officer.user, {"transition": "submit"}, "submitted"),
        (kb_member, {"transition": "claim"}, "in_review"),
        (kb_member, {"transition": "request_changes", "comment": "More."}, "changes_requested"),
        (officer.user, {"transition": "submit"}, "submitted"),
        (kb_member2, {"transition": "claim"}, "in_review"),
        (kb_member2, {"transition": "approve"}, "approved"),
        (kb_member, {"transition": "publish"}, "published"),
    ]
    for actor, payload, state in steps:
        response = api(actor).post(_transitions(request_id), payload)
        assert response.status_code == 200, (payload, response.json())
        assert response.json()["state"] == state

    events = api(officer.user).get(f"{REQUESTS}{request_id}/events/").json()
    assert [e["kind"] for e in events] == ["created"] + [s[1]["transition"] for s in steps]
    case_events = api(officer.user).get(f"/api/v1/cases/{case.pk}/events/").json()["results"]
    assert [e["kind"] for e in case_events] == ["knowledge_request_raised", "knowledge_published"]


def test_a_transition_from_the_wrong_state_is_a_409_listing_what_is_allowed(
    api, request_in, kb_member
):
    knowledge_request = request_in("submitted")

    response = api(kb_member).post(_transitions(knowledge_request.pk), {"transition": "publish"})

    assert response.status_code == 409
    assert set(response.json()["allowed"]) == {"claim", "reject"}


def test_self_approval_is_a_403_as_for_grants(api, request_in, kb_member):
    knowledge_request = request_in("in_review", author=kb_member)

    response = api(kb_member).post(_transitions(knowledge_request.pk), {"transition": "approve"})

    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"


def test_a_reviewer_transition_by_an_author_is_a_403(api, request_in, officer):
    knowledge_request = request_in("submitted")

    response = api(officer.user).post(_transitions(knowledge_request.pk), {"transition": "claim"})

    assert response.status_code == 403


def test_missing_transition_fields_are_a_400(api, request_in, kb_member):
    knowledge_request = request_in("in_review")

    response = api(kb_member).post(_transitions(knowledge_request.pk), {"transition": "reject"})

    assert response.status_code == 400
    assert "reason" in response.json()


def test_others_requests_are_not_visible_outside_the_knowledge_team(
    api, request_in, other_officer, kb_member
):
    knowledge_request = request_in("submitted")

    assert api(other_officer.user).get(f"{REQUESTS}{knowledge_request.pk}/").status_code == 404
    assert api(kb_member).get(f"{REQUESTS}{knowledge_request.pk}/").status_code == 200


def test_a_draft_stays_private_to_its_author(api, request_in, officer, kb_member):
    draft = request_in("draft")

    assert api(kb_member).get(f"{REQUESTS}{draft.pk}/").status_code == 404
    assert api(officer.user).get(f"{REQUESTS}{draft.pk}/").status_code == 200


def test_the_author_edits_a_draft_with_patch(api, request_in, officer):
    knowledge_request = request_in("draft")

    response = api(officer.user).patch(
        f"{REQUESTS}{knowledge_request.pk}/", {"body": "Better body", "tags": ["ac", "ac "]}
    )

    assert response.status_code == 200
    assert (response.json()["body"], response.json()["tags"]) == ("Better body", ["ac"])


def test_the_diff_shows_the_proposal_against_the_published_version(
    api, publish, officer, kb_member
):
    article = publish(title="Coupons", body="Line one\nCoupons do not stack\nLine three")
    created = api(officer.user).post(
        REQUESTS,
        {
            "kind": "correction",
            "article": article.pk,
            "body": "Line one\nCoupons stack since June\nLine three",
        },
    )

    request_id = created.json()["id"]
    api(officer.user).post(_transitions(request_id), {"transition": "submit"})

    diff = api(kb_member).get(f"{REQUESTS}{request_id}/diff/").json()

    assert diff["base_version"] == 1
    assert diff["title"] == {"old": "Coupons", "new": "Coupons", "changed": False}
    assert "-Coupons do not stack\n+Coupons stack since June" in diff["unified"]
    assert [op["op"] for op in diff["ops"]] == ["equal", "replace", "equal"]
    assert diff["ops"][1] == {
        "op": "replace",
        "old": ["Coupons do not stack"],
        "new": ["Coupons stack since June"],
    }


def test_articles_are_readable_by_any_role_and_hot_ones_come_first(api, publish, frontline, nobody):
    publish(title="Plain", body="B")
    hot = publish(title="Hot one", body="B", urgency="high")

    response = api(frontline).get(ARTICLES)

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == hot.pk
    assert results[0]["hot"] is True and results[0]["version"] == 1
    assert api(nobody).get(ARTICLES).status_code == 403
    assert api().get(ARTICLES).status_code in (401, 403)


def test_the_article_list_runs_a_constant_number_of_queries(api, publish, frontline):
    for n in range(3):
        publish(title=f"Answer {n}", body="B")
    client = api(frontline)
    client.get(ARTICLES)  # warm the role cache path

    with CaptureQueriesContext(connection) as few:
        client.get(ARTICLES)
    for n in range(3, 8):
        publish(title=f"Answer {n}", body="B")
    with CaptureQueriesContext(connection) as many:
        client.get(ARTICLES)

    assert len(few) == len(many)


def test_the_request_list_runs_a_constant_number_of_queries(api, request_in, kb_member):
    request_in("submitted")
    client = api(kb_member)
    client.get(REQUESTS)  # warm the role cache path
    with CaptureQueriesContext(connection) as few:
        client.get(REQUESTS)
    for _ in range(5):
        request_in("in_review")
    with CaptureQueriesContext(connection) as many:
        client.get(REQUESTS)

    assert len(few) == len(many)


def test_search_and_suggestions_over_the_api(api, publish, officer, case_in, category):
    wanted = publish(title="Installer no-show", body="Rebook within 24 hours.")
    publish(title="Refund timing", body="Seven days.")
    case = case_in("investigating", title="Installer no-show again", category="installation")
    client = api(officer.user)

    found = client.get(ARTICLES, {"q": "installer"}).json()["results"]
    suggested = client.get(f"{ARTICLES}suggested/", {"case": case.pk}).json()

    assert [a["id"] for a in found] == [wanted.pk]
    assert suggested[0]["id"] == wanted.pk
    assert client.get(f"{ARTICLES}suggested/", {"case": "x"}).status_code == 400
    assert client.get(f"{ARTICLES}suggested/", {"case": 99999}).status_code == 404


def test_an_article_lists_its_versions(api, publish, officer, frontline):
    article = publish(title="T", body="One")
    publish(author=officer.user, kind="correction", article=article, body="Two")

    versions = api(frontline).get(f"{ARTICLES}{article.pk}/versions/").json()

    assert [(v["number"], v["body"]) for v in versions] == [(1, "One"), (2, "Two")]
    assert versions[1]["approved_by"]["username"] == "kb2"


def test_the_knowledge_team_pins_an_answer_and_others_may_not(api, publish, kb_member, officer):
    article = publish(title="T", body="B")
    url = f"{ARTICLES}{article.pk}/hot/"

    refused = api(officer.user).post(url, {"hot": True})
    pinned = api(kb_member).post(url, {"hot": True, "until": "2099-01-01T00:00:00Z"})

    assert refused.status_code == 403
    assert pinned.status_code == 200
    assert (pinned.json()["hot"], pinned.json()["hot_until"][:4]) == (True, "2099")
    assert api(kb_member).post(url, {"hot": "maybe"}).status_code == 400


def test_the_review_queue_filters_by_state_and_kind(api, request_in, kb_member):
    waiting = request_in("submitted")
    request_in("in_review")
    request_in("draft")

    response = api(kb_member).get(REQUESTS, {"state": "submitted", "kind": "new"})

    assert [r["id"] for r in response.json()["results"]] == [waiting.pk]
    assert api(kb_member).get(REQUESTS, {"state": "nonsense"}).status_code == 400
