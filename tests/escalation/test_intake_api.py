"""Case intake over REST: the contract, deduplication, auto-assignment and bad input."""

import pytest

from escalation.models import Case, CaseEvent
from tests.factories import CaseFactory, CustomerFactory, OfficerFactory

URL = "/api/v1/cases/"


def intake(**overrides):
    body = {
        "title": "Air conditioner dead in 38°C, install delayed twice",
        "description": "Elderly parents at home.",
        "channel": "phone",
        "category": "installation",
        "priority": "P2",
        "customer": {"external_id": "C-10023", "name": "王女士", "tier": "standard"},
        "context": {
            "interactions": [
                {"channel": "chat", "at": "2026-07-14T09:12:00+08:00", "summary": "ETA?"}
            ],
            "bot_transcript": "bot: hello",
            "intent": "install_delay",
        },
    }
    body.update(overrides)
    return body


def test_intake_opens_a_case_with_the_full_representation(api, frontline, officer):
    response = api(frontline).post(URL, intake(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("ESC-") and len(body["reference"].split("-")[2]) == 6
    assert body["deduplicated"] is False
    assert body["state"] == "assigned"
    assert body["officer"] == {
        "id": officer.user.pk,
        "username": "officer",
        "display_name": officer.user.get_full_name(),
    }
    assert body["customer"] == {"external_id": "C-10023", "name": "王女士", "tier": "standard"}
    assert body["context"]["intent"] == "install_delay"
    assert body["context"]["interactions"][0]["summary"] == "ETA?"
    for field in (
        "id",
        "title",
        "description",
        "channel",
        "category",
        "priority",
        "escalation_level",
        "sla",
        "created_at",
        "updated_at",
    ):
        assert field in body


def test_intake_audits_creation_and_automatic_assignment(api, frontline, officer):
    case_id = api(frontline).post(URL, intake(), format="json").json()["id"]

    trail = list(
        CaseEvent.objects.filter(case_id=case_id).values_list(
            "kind", "actor", "from_state", "to_state"
        )
    )
    assert trail == [
        ("created", frontline.pk, None, "new"),
        ("assign", None, "new", "assigned"),
    ]


def test_second_contact_in_same_category_is_attached_to_the_open_case(api, frontline, officer):
    first = api(frontline).post(URL, intake(), format="json").json()

    response = api(frontline).post(
        URL, intake(title="Calling again", channel="chat"), format="json"
    )

    assert response.status_code == 200
    assert response.json()["deduplicated"] is True
    assert response.json()["id"] == first["id"]
    assert Case.objects.count() == 1
    attached = CaseEvent.objects.get(case_id=first["id"], kind="contact_attached")
    assert (attached.from_state, attached.to_state) == (None, None)
    assert attached.payload["title"] == "Calling again"


def test_contact_in_another_category_opens_a_new_case(api, frontline, officer):
    api(frontline).post(URL, intake(), format="json")

    response = api(frontline).post(URL, intake(category="billing"), format="json")

    assert response.status_code == 201
    assert Case.objects.count() == 2


def test_closed_cases_do_not_absorb_new_contacts(api, frontline, officer):
    customer = CustomerFactory(external_id="C-10023")
    CaseFactory(customer=customer, category="installation", state="closed")

    response = api(frontline).post(URL, intake(), format="json")

    assert response.status_code == 201
    assert response.json()["deduplicated"] is False


def test_new_case_goes_to_the_least_loaded_officer_with_the_skill(api, frontline):
    busy = OfficerFactory(user__username="busy", skills=["installation"])
    idle = OfficerFactory(user__username="idle", skills=["installation"])
    OfficerFactory(user__username="unskilled", skills=["billing"])
    CaseFactory(officer=busy, state="investigating")

    response = api(frontline).post(URL, intake(), format="json")

    assert response.json()["officer"]["username"] == "idle"
    assert Case.objects.get(pk=response.json()["id"]).officer == idle


def test_officers_at_their_maximum_get_no_more_cases(api, frontline):
    full = OfficerFactory(user__username="full", skills=["installation"], max_open_cases=1)
    CaseFactory(officer=full, state="assigned")

    response = api(frontline).post(URL, intake(), format="json")

    assert response.json()["state"] == "new"
    assert response.json()["officer"] is None


def test_vip_customers_go_only_to_level_two_or_above(api, frontline):
    OfficerFactory(user__username="junior", level=1, skills=["installation"])
    senior = OfficerFactory(user__username="senior", level=2, skills=["installation"])
    CaseFactory(officer=senior, state="investigating")
    body = intake(customer={"external_id": "V-1", "name": "VIP", "tier": "vip"})

    response = api(frontline).post(URL, body, format="json")

    assert response.json()["officer"]["username"] == "senior"


def test_without_an_eligible_officer_the_case_waits_unassigned(api, frontline):
    OfficerFactory(user__username="junior", level=1, skills=["installation"])
    body = intake(customer={"external_id": "V-1", "tier": "vip"})

    response = api(frontline).post(URL, body, format="json")

    assert response.status_code == 201
    assert (response.json()["state"], response.json()["officer"]) == ("new", None)
    assert Case.objects.get().events.count() == 1


def test_inactive_officers_are_not_assigned(api, frontline):
    OfficerFactory(user__username="away", skills=["installation"], active=False)

    response = api(frontline).post(URL, intake(), format="json")

    assert response.json()["officer"] is None


def test_intake_updates_the_customer_name_and_tier(api, frontline, officer):
    CustomerFactory(external_id="C-10023", name="Old", tier="standard")

    api(frontline).post(
        URL,
        intake(customer={"external_id": "C-10023", "name": "New", "tier": "priority"}),
        format="json",
    )

    case = Case.objects.get()
    assert (case.customer.name, case.customer.tier) == ("New", "priority")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"channel": "pigeon"}, "channel"),
        ({"priority": "P9"}, "priority"),
        ({"category": "not a slug!"}, "category"),
        ({"customer": None}, "customer"),
        ({"customer": {"name": "no id"}}, "customer"),
        ({"customer": {"external_id": "C-1", "tier": "gold"}}, "customer"),
        ({"context": "a string"}, "context"),
        ({"context": {"interactions": [{"channel": "chat", "at": "yesterday"}]}}, "context"),
        ({"context": {"interactions": "none"}}, "context"),
        ({"context": {"bot_transcript": "x" * 20001}}, "context"),
        ({"context": {"blob": "x" * 70000}}, "context"),
    ],
)
def test_bad_intake_is_400_naming_the_field_and_creates_nothing(api, frontline, overrides, field):
    response = api(frontline).post(URL, intake(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("", "application/json"),
        ("title=x", "text/plain"),
    ],
)
def test_malformed_bodies_are_4xx_not_500(api, frontline, body, content_type):
    response = api(frontline).generic("POST", URL, body, content_type=content_type)

    assert 400 <= response.status_code < 500


def test_missing_required_fields_are_all_named(api, frontline):
    response = api(frontline).post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"title", "channel", "category", "customer"}


@pytest.mark.parametrize("who", ["department_member", "kb_member", "nobody"])
def test_roles_without_intake_rights_get_403(api, request, who):
    response = api(request.getfixturevalue(who)).post(URL, intake(), format="json")

    assert response.status_code == 403
    assert not Case.objects.exists()


def test_anonymous_intake_is_401(api, db):
    assert api().post(URL, intake(), format="json").status_code == 401


def test_officers_and_supervisors_may_open_cases_too(api, officer, supervisor):
    assert api(officer.user).post(URL, intake(), format="json").status_code == 201
    other = intake(customer={"external_id": "C-2"})
    assert api(supervisor).post(URL, other, format="json").status_code == 201


SENT_CONTEXT = {
    "interactions": [
        {"channel": "chat", "at": "2026-07-14T09:12:00+08:00", "summary": "  ETA?  "},
        {"channel": "phone", "at": "2026-07-14T01:30:00.250Z"},
        {"channel": "email", "at": "2026-07-14T09:40+08:00", "summary": "", "agent": "Li"},
    ],
    "intent": "install_delay",
    "crm": {"ticket": 4211, "score": 0.75, "flags": [True, None, "电话"], "nested": {"k": []}},
}


def test_the_context_comes_back_exactly_as_it_was_sent(api, frontline, officer):
    created = api(frontline).post(URL, intake(context=SENT_CONTEXT), format="json").json()

    detail = api(officer.user).get(f"{URL}{created['id']}/").json()
    listed = api(officer.user).get(URL).json()["results"]
    assert created["context"] == SENT_CONTEXT
    assert detail["context"] == SENT_CONTEXT
    assert [case["context"] for case in listed] == [SENT_CONTEXT]
    assert Case.objects.get().context == SENT_CONTEXT


def test_a_deduplicated_contact_keeps_its_context_as_sent(api, frontline, officer):
    first = api(frontline).post(URL, intake(), format="json").json()

    again = api(frontline).post(URL, intake(context=SENT_CONTEXT), format="json").json()

    assert again["deduplicated"] is True
    assert again["context"] == first["context"] == intake()["context"]
    events = api(officer.user).get(f"{URL}{first['id']}/events/").json()
    events = events["results"] if isinstance(events, dict) else events
    attached = [event for event in events if event["kind"] == "contact_attached"]
    assert [event["payload"]["context"] for event in attached] == [SENT_CONTEXT]


def test_a_context_posted_as_form_fields_is_kept_as_json(api, frontline, officer):
    body = {"title": "t", "channel": "phone", "category": "installation"}
    form = {**body, "customer.external_id": "C-1", "context.intent": "x", "context.crm": "7"}

    response = api(frontline).post(URL, form, format="multipart")

    assert response.status_code == 201
    assert response.json()["context"] == {"intent": "x", "crm": "7"}
