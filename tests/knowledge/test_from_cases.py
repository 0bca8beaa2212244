"""Knowledge raised from cases: one category list, the published article, version numbers."""

from escalation.models import Category
from knowledge import services
from knowledge.models import KnowledgeRequest
from tests.factories import CaseFactory

CASES = "/api/v1/cases/"
REQUESTS = "/api/v1/knowledge/requests/"
ARTICLES = "/api/v1/knowledge/articles/"
CATEGORIES = "/api/v1/knowledge/categories/"


def _intake(api, frontline, category: str) -> dict:
    body = {
        "title": "Charged twice for one order",
        "channel": "phone",
        "category": category,
        "customer": {"external_id": "C-20001"},
    }
    response = api(frontline).post(CASES, body, format="json")
    assert response.status_code == 201, response.data
    return response.json()


def _new_answer(case_id: int, **extra) -> dict:
    return {
        "kind": "new",
        "case": case_id,
        "title": "Double charge",
        "body": "Refund one.",
        **extra,
    }


def _run_review(client_for, request_id: int, author, reviewer, reviewer2) -> dict:
    """Submit, claim, approve (twice when sensitive) and publish over the API."""
    steps = [(author, "submit"), (reviewer, "claim"), (reviewer, "approve")]
    for who, name in steps:
        response = client_for(who).post(
            f"{REQUESTS}{request_id}/transitions/", {"transition": name}
        )
        assert response.status_code == 200, response.data
    if response.json()["state"] == "in_review":
        client_for(reviewer2).post(
            f"{REQUESTS}{request_id}/transitions/", {"transition": "approve"}
        )
    response = client_for(reviewer).post(
        f"{REQUESTS}{request_id}/transitions/", {"transition": "publish"}
    )
    assert response.status_code == 200, response.data
    return response.json()


def test_a_case_category_met_at_intake_joins_the_shared_list(api, frontline, officer, kb_member):
    _intake(api, frontline, "smart_home")

    categories = api(kb_member).get(CATEGORIES).json()

    assert {"code": "smart_home", "name": "Smart home", "sensitive": False} in categories


def test_a_request_from_a_case_may_name_the_case_category(api, frontline, officer):
    case = _intake(api, frontline, "billing")

    response = api(officer.user).post(REQUESTS, _new_answer(case["id"], category="billing"))

    assert response.status_code == 201, response.data
    assert response.json()["category"] == "billing"


def test_a_request_from_a_case_without_a_category_takes_the_case_category(api, frontline, officer):
    case = _intake(api, frontline, "billing")

    response = api(officer.user).post(REQUESTS, _new_answer(case["id"]))

    assert response.status_code == 201, response.data
    assert response.json()["category"] == "billing"


def test_a_case_whose_category_is_not_listed_yet_still_gives_it(officer):
    case = CaseFactory(state="investigating", officer=officer, category="warranty")

    request = services.request_create(
        actor=officer.user, kind="new", case=case, title="Warranty claims", body="How to file."
    )

    assert request.category.code == "warranty"
    assert Category.objects.filter(code="warranty").exists()


def test_a_correction_from_a_case_keeps_its_article_category(
    api, publish, officer, case_in, category
):
    article = publish(title="Coupons", body="They do not stack.")
    case = case_in("investigating", category="billing")

    response = api(officer.user).post(
        REQUESTS,
        {"kind": "correction", "article": article.pk, "case": case.pk, "body": "They stack."},
    )

    assert response.status_code == 201, response.data
    assert response.json()["category"] == category.code


def test_a_request_naming_an_unknown_category_is_a_400_on_category(api, frontline, officer):
    case = _intake(api, frontline, "billing")

    response = api(officer.user).post(REQUESTS, _new_answer(case["id"], category="nonsense"))

    assert response.status_code == 400
    assert "category" in response.json()


def test_a_published_new_answer_request_names_its_article(
    api, frontline, officer, kb_member, kb_member2
):
    case = _intake(api, frontline, "billing")
    created = api(officer.user).post(REQUESTS, _new_answer(case["id"])).json()
    assert created["article"] is None

    published = _run_review(api, created["id"], officer.user, kb_member, kb_member2)

    request = KnowledgeRequest.objects.get(pk=created["id"])
    assert request.article_id is not None
    assert published["article"] == request.article_id == request.published_version.article_id
    detail = api(officer.user).get(f"{REQUESTS}{created['id']}/").json()
    assert detail["article"] == request.article_id
    listed = api(kb_member).get(REQUESTS, {"article": request.article_id}).json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]


def test_base_and_published_versions_are_version_numbers_everywhere(
    api, publish, officer, kb_member, kb_member2
):
    publish(title="Another answer", body="So that version ids and numbers differ.")
    article = publish(title="Coupons", body="They do not stack.")
    assert article.published_version_id != article.published_version.number == 1
    created = (
        api(officer.user)
        .post(REQUESTS, {"kind": "correction", "article": article.pk, "body": "They stack."})
        .json()
    )
    api(officer.user).post(f"{REQUESTS}{created['id']}/transitions/", {"transition": "submit"})

    diff = api(kb_member).get(f"{REQUESTS}{created['id']}/diff/").json()
    shown = api(officer.user).get(f"{ARTICLES}{article.pk}/").json()
    assert created["base_version"] == diff["base_version"] == shown["version"] == 1
    assert created["published_version"] is None

    api(kb_member).post(f"{REQUESTS}{created['id']}/transitions/", {"transition": "claim"})
    api(kb_member).post(f"{REQUESTS}{created['id']}/transitions/", {"transition": "approve"})
    published = (
        api(kb_member)
        .post(f"{REQUESTS}{created['id']}/transitions/", {"transition": "publish"})
        .json()
    )

    versions = api(officer.user).get(f"{ARTICLES}{article.pk}/versions/").json()
    assert (published["base_version"], published["published_version"]) == (1, 2)
    assert [v["number"] for v in versions if v["request"] == created["id"]] == [2]
    assert api(kb_member).get(f"{REQUESTS}{created['id']}/diff/").json()["base_version"] == 1
