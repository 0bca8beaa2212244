"""Odd input to the knowledge API is a 400 naming the field (or an empty result), never a 500."""

import pytest

from knowledge.models import KnowledgeRequest

NUL_MESSAGE = ["Null characters are not allowed."]


def test_a_request_in_a_category_code_with_a_nul_is_400_on_category(api, officer, category):
    response = api(officer.user).post(
        "/api/v1/knowledge/requests/",
        {"kind": "new", "category": "install\x00ation", "title": "T", "body": "B"},
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"category": NUL_MESSAGE}
    assert not KnowledgeRequest.objects.exists()


def test_listing_articles_of_a_category_code_with_a_nul_is_400_on_category(api, officer):
    response = api(officer.user).get("/api/v1/knowledge/articles/?category=%00")

    assert response.status_code == 400, response.content
    assert response.json() == {"category": NUL_MESSAGE}


def test_a_category_code_with_a_nul_in_the_path_is_a_json_404(api, officer, category):
    response = api(officer.user).get("/api/v1/knowledge/categories/install%00ation/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("q", ["!!", "-", "...", "(", "&", " ? "])
def test_a_search_of_only_punctuation_finds_nothing(api, publish, officer, q):
    publish(title="Installer delayed", body="Call the installer.")

    response = api(officer.user).get("/api/v1/knowledge/articles/", {"q": q})

    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_suggestions_for_a_case_titled_only_in_punctuation_fall_back_to_its_category(
    api, publish, officer, case_in, category
):
    article = publish(title="Installer delayed", body="Call the installer.")
    case = case_in("investigating")
    case.title, case.category = "???", category.code
    case.save()

    response = api(officer.user).get("/api/v1/knowledge/articles/suggested/", {"case": case.pk})

    assert response.status_code == 200, response.content
    assert [a["id"] for a in response.json()] == [article.pk]
