"""Compensation input that once reached the database as given (a 500 on PostgreSQL)."""

from compensation.models import Grant


def test_kind_with_a_nul_character_is_400_on_kind(api, case, officer):
    body = {"case": case.pk, "kind": "cou\x00pon", "amount": "10.00", "reason": "Late."}

    response = api(officer.user).post("/api/v1/compensations/", body)

    assert response.status_code == 400
    assert response.json()["kind"] == ["Null characters are not allowed."]
    assert not Grant.objects.exists()


def test_grant_id_that_is_not_a_number_answers_json_404(api, officer):
    response = api(officer.user).get("/api/v1/compensations/1.5/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
