"""``Idempotency-Key`` on POST: a retry returns the first response and creates nothing twice."""

import hashlib
import json

from core.models import IdempotencyRecord
from escalation.models import Case, CaseEvent
from tests.escalation.test_intake_api import intake

URL = "/api/v1/cases/"


def test_retried_intake_returns_the_first_response_and_one_case(api, frontline, officer):
    client = api(frontline)

    first = client.post(URL, intake(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    retry = client.post(URL, intake(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind="contact_attached").count() == 0


def test_without_a_key_a_second_post_is_a_new_contact(api, frontline, officer):
    client = api(frontline)
    client.post(URL, intake(), format="json")

    second = client.post(URL, intake(), format="json")

    assert second.json()["deduplicated"] is True


def test_reusing_a_key_for_a_different_request_is_422(api, frontline, officer):
    client = api(frontline)
    client.post(URL, intake(), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")

    other = client.post(URL, intake(title="Other"), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_keys_belong_to_their_user(api, frontline, supervisor, officer):
    api(frontline).post(URL, intake(), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    response = api(supervisor).post(
        URL, intake(customer={"external_id": "C-9"}), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )

    assert response.status_code == 201
    assert Case.objects.count() == 2


def test_a_refused_request_frees_its_key_for_the_corrected_retry(api, frontline, officer):
    client = api(frontline)

    bad = client.post(URL, intake(channel="pigeon"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = client.post(URL, intake(), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert bad.status_code == 400
    assert good.status_code == 201
    assert IdempotencyRecord.objects.get(key="k").response_status == 201


def test_retried_transition_fires_once(api, officer, case_in):
    case = case_in("assigned")
    client = api(officer.user)
    url = f"{URL}{case.pk}/transitions/"

    first = client.post(url, {"transition": "start"}, HTTP_IDEMPOTENCY_KEY="t-1")
    retry = client.post(url, {"transition": "start"}, HTTP_IDEMPOTENCY_KEY="t-1")

    assert first.status_code == retry.status_code == 200
    assert case.events.count() == 1


def test_a_key_still_in_progress_answers_409(api, frontline, officer):
    body = intake()
    raw = f"POST {URL}\n{json.dumps(body, sort_keys=True, default=str)}"
    fingerprint = hashlib.sha256(raw.encode()).hexdigest()
    IdempotencyRecord.objects.create(user=frontline, key="busy", fingerprint=fingerprint)

    response = api(frontline).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="busy")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"
    assert not Case.objects.exists()


def test_overlong_keys_are_400(api, frontline):
    response = api(frontline).post(URL, intake(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
