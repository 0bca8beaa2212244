"""``/api/v1/qa/``: who may check a text, read the terms and the review queue; what a bad
request is told."""

import pytest

from core import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/qa/check/"
TERMS = "/api/v1/qa/terms/"
REVIEWS = "/api/v1/qa/reviews/"


@pytest.fixture
def people(supervisor, officer, department_member, kb_member, frontline, nobody):
    return {
        "anonymous": None,
        "nobody": nobody,
        "frontline": frontline,
        "kb": kb_member,
        "department": department_member,
        "officer": officer.user,
        "supervisor": supervisor,
    }


# fmt: off
MATRIX = {
    #                    anon nobody front kb   dept officer super
    ("POST", CHECK):    (401, 403,   403,  200, 200, 200,    200),
    ("GET", TERMS):     (401, 403,   403,  403, 403, 403,    200),
    ("GET", REVIEWS):   (401, 403,   403,  403, 403, 403,    200),
}
# fmt: on
WHO = ["anonymous", "nobody", "frontline", "kb", "department", "officer", "supervisor"]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_each_endpoint_answers_each_role_as_specified(api, people, terms, endpoint, who):
    method, url = endpoint
    client = api(people[who])

    if method == "POST":
        response = client.post(url, {"text": "保证"}, format="json")
    else:
        response = client.get(url)

    assert response.status_code == MATRIX[endpoint][WHO.index(who)], response.content[:200]


def test_check_answers_the_flags_with_offsets(api, officer, terms):
    text = "我们保证 refund guaranteed, not your fault"

    response = api(officer.user).post(CHECK, {"text": text}, format="json")

    assert response.status_code == 200
    flags = response.json()["flags"]
    assert flags == [
        {"term": "保证", "category": "promise", "start": 2, "end": 4},
        {"term": "refund guaranteed", "category": "promise", "start": 5, "end": 22},
        {"term": "your fault", "category": "blame", "start": 28, "end": 38},
    ]
    assert [text[f["start"] : f["end"]] for f in flags] == [
        "保证",
        "refund guaranteed",
        "your fault",
    ]


def test_check_of_a_clean_or_empty_text_finds_nothing(api, officer, terms):
    client = api(officer.user)

    assert client.post(CHECK, {"text": "Slot at 10:00"}, format="json").json() == {"flags": []}
    assert client.post(CHECK, {"text": ""}, format="json").json() == {"flags": []}


@pytest.mark.parametrize(
    "body",
    [{}, {"text": None}, {"text": 42}, {"text": ["保证"]}, {"text": "x" * 10001}, {"texts": "a"}],
    ids=["missing", "null", "number", "list", "too-long", "misnamed"],
)
def test_check_refuses_a_bad_text_naming_it(api, officer, body):
    response = api(officer.user).post(CHECK, body, format="json")

    assert response.status_code == 400
    assert "text" in response.json()


def test_terms_lists_both_languages_for_supervisors(api, supervisor, terms):
    response = api(supervisor).get(TERMS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["term"] for row in rows} >= {"保证", "guarantee"}
    assert set(rows[0]) == {"id", "term", "language", "category", "active", "note", "updated_at"}
    chinese = api(supervisor).get(TERMS, {"language": "zh"}).json()["results"]
    assert {row["language"] for row in chinese} == {"zh"}


@pytest.mark.parametrize("state", ["open", "PENDING", "not_required", ""])
def test_reviews_refuses_an_unknown_state_naming_it(api, supervisor, state):
    response = api(supervisor).get(REVIEWS, {"state": state})

    assert response.status_code == 400
    assert "state" in response.json()


def test_a_supervisor_without_a_role_group_is_refused_but_a_superuser_is_not(api, terms):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    other = UserFactory(username="lead", roles=[roles.OFFICERS])

    assert api(admin).get(TERMS).status_code == 200
    assert api(other).get(TERMS).status_code == 403
