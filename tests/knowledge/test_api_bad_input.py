"""Odd input to the knowledge API is a 400 naming the field (or an empty result), never a 500."""

import pytest


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
