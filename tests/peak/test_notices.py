"""Proactive notices: preferences at intake, the channel each notice takes, green points,
written once per event, sent once with retries, and supervisors' idempotent broadcasts."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from escalation.models import Customer
from escalation.services import case_transition, record_event
from peak import notices
from peak.models import Broadcast, Notice
from tests.factories import CaseFactory, CustomerFactory, DepartmentFactory
from tests.peak import senders as test_senders

INTAKE = {
    "title": "Air conditioner not installed",
    "channel": "app",
    "category": "installation",
    "priority": "P2",
    "customer": {
        "external_id": "CU-1",
        "name": "李雷",
        "tier": "standard",
        "preferences": {"channels": ["paper", "email"], "electronic_only": True},
    },
    "context": {"intent": "install_delay"},
}


@pytest.fixture
def counting(settings):
    """Every channel goes through the counting test sender."""
    settings.CASEHUB_NOTICE_SENDERS = dict.fromkeys(
        ["email", "sms", "app", "phone", "paper"], "tests.peak.senders.CountingSender"
    )
    notices.sender_for.cache_clear()
    test_senders.reset()
    yield test_senders
    notices.sender_for.cache_clear()


# --- which channel ---


@pytest.mark.parametrize(
    ("preferences", "channel", "avoided", "points"),
    [
        ({}, "sms", "", 1),
        ({"channels": ["paper", "email"]}, "paper", "", 0),
        ({"channels": ["paper", "email"], "electronic_only": True}, "email", "paper", 1),
        ({"channels": ["phone"], "electronic_only": True}, "sms", "phone", 1),
        ({"channels": ["app", "paper"], "electronic_only": True}, "app", "", 1),
        ({"channels": ["phone", "sms"]}, "phone", "", 0),
        # The first channel the customer can be reached on: no address, the next one.
        ({"channels": ["email", "app"]}, "app", "", 1),
        ({"channels": ["email", "app"], "email": "li@example.com"}, "email", "", 1),
        ({"channels": ["sms", "paper"], "address": "1 Road"}, "paper", "", 0),
    ],
)
def test_a_notice_takes_the_first_channel_the_customer_allows(
    preferences, channel, avoided, points
):
    assert notices.route(preferences) == notices.Route(channel, avoided, points)


# --- preferences at intake ---


@pytest.mark.django_db
def test_intake_keeps_the_customers_preferences_beside_what_the_admin_set(api, frontline):
    CustomerFactory(external_id="CU-1", contact_preferences={"email": "li@example.com"})

    response = api(frontline).post("/api/v1/cases/", INTAKE, format="json")

    assert response.status_code == 201, response.content
    assert Customer.objects.get(external_id="CU-1").contact_preferences == {
        "email": "li@example.com",
        "channels": ["paper", "email"],
        "electronic_only": True,
    }


@pytest.mark.django_db
def test_an_unknown_channel_is_a_400_naming_it(api, frontline):
    body = {**INTAKE, "customer": {**INTAKE["customer"], "preferences": {"channels": ["fax"]}}}

    response = api(frontline).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 400
    assert "channels" in response.json()["customer"]["preferences"]
    assert not Customer.objects.exists()


# --- written once per event ---


@pytest.mark.django_db
def test_assignment_resolution_promise_and_extension_each_write_one_notice(
    api, frontline, officer, settings
):
    settings.LANGUAGE_CODE = "en"
    body = {**INTAKE, "customer": {**INTAKE["customer"], "preferences": {"channels": ["app"]}}}
    case_id = api(frontline).post("/api/v1/cases/", body, format="json").json()["id"]
    case = officer.cases.get(pk=case_id)
    due = timezone.now() + timedelta(hours=5)
    DepartmentFactory(code="logistics", name="Logistics and delivery")
    record_event(
        case=case,
        kind="task_accept",
        payload={"department": "logistics", "title": "Book a slot", "due_at": due.isoformat()},
    )
    record_event(
        case=case,
        kind="extend_deadline",
        payload={"clock": "resolution", "until": due.isoformat()},
    )
    record_event(  # an internal deadline: not the customer's business
        case=case,
        kind="extend_deadline",
        payload={"clock": "next_update", "until": due.isoformat()},
    )
    record_event(case=case, kind="task_message", payload={})  # not for the customer
    case_transition(case=case, actor=officer.user, name="start")
    case_transition(case=case, actor=officer.user, name="resolve", resolution="Installed today.")

    assert notices.collect() == 4
    assert notices.collect() == 0  # nothing twice

    written = {n.kind: n for n in Notice.objects.filter(case=case)}
    assert set(written) == {"assigned", "task_promised", "deadline_extended", "resolved"}
    assert {n.channel for n in written.values()} == {"app"}
    assert "Logistics and delivery" in written["task_promised"].text
    assert "Book a slot" in written["task_promised"].text
    assert "Installed today." in written["resolved"].text


@pytest.mark.django_db
def test_a_notice_reads_in_the_customers_language(officer):
    customer = CustomerFactory(contact_preferences={"language": "zh-hans"})
    case = CaseFactory(customer=customer, officer=officer, state="assigned", title="空调")
    record_event(case=case, kind="assign", payload={})

    notices.collect()

    assert "高级专员" in Notice.objects.get().text


@pytest.mark.django_db
def test_events_older_than_the_look_back_are_left_alone(officer, settings):
    case = CaseFactory(officer=officer, state="assigned")
    event = record_event(case=case, kind="assign", payload={})
    type(event).objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.CASEHUB_NOTICE_LOOKBACK_MINUTES + 1)
    )

    assert notices.collect() == 0


# --- sending ---


def _one_notice(officer, **preferences):
    customer = CustomerFactory(contact_preferences=preferences)
    case = CaseFactory(customer=customer, officer=officer, state="assigned")
    record_event(case=case, kind="assign", payload={})
    notices.collect()
    return Notice.objects.get(case=case)


@pytest.mark.django_db
def test_a_failed_send_is_retried_later_and_delivered_once(counting, officer):
    notice = _one_notice(officer, channels=["sms"], phone="+86 138 0000 0000")
    counting.reset(fail=1)

    assert notices.send_due() == 0
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (
        "failed",
        1,
        "provider unavailable",
    )
    assert notice.next_attempt_at > timezone.now()
    assert notices.send_due() == 0  # not due yet

    assert notices.send_due(now=notice.next_attempt_at) == 1
    assert notices.send_due(now=notice.next_attempt_at + timedelta(hours=1)) == 0
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)
    assert counting.delivered == [notice.key]


@pytest.mark.django_db
def test_a_send_that_cannot_succeed_is_not_retried(counting, officer):
    notice = _one_notice(officer)
    counting.reset(fail=1, retry=False)

    notices.send_due()
    notices.send_due(now=timezone.now() + timedelta(days=1))

    notice.refresh_from_db()
    assert notice.status == "failed" and counting.delivered == []


@pytest.mark.django_db
def test_every_sender_honours_electronic_only(counting, officer):
    notice = _one_notice(officer, channels=["paper"])
    notice.case.customer.contact_preferences = {"channels": ["paper"], "electronic_only": True}
    notice.case.customer.save()  # changed their mind after the notice was written

    notices.send_due()

    notice.refresh_from_db()
    assert notice.status == "failed" and "electronic" in notice.last_error
    assert counting.delivered == []


@pytest.mark.django_db
def test_e_mail_goes_through_djangos_backend_with_the_notice_key(officer, mailoutbox):
    notices.sender_for.cache_clear()
    notice = _one_notice(officer, channels=["email"], email="li@example.com")

    assert notices.send_due() == 1

    [mail] = mailoutbox
    assert mail.to == ["li@example.com"]
    assert mail.extra_headers["Message-ID"].startswith(f"<{notice.key}@")
    assert notice.case.reference in mail.subject


@pytest.mark.django_db
def test_electronic_notices_earn_green_points_and_count_what_they_spared(officer):
    green = _one_notice(officer, channels=["paper", "email"], electronic_only=True)
    paper = _one_notice(officer, channels=["paper"])

    assert (green.channel, green.green_points, green.avoided) == ("email", 1, "paper")
    assert (paper.channel, paper.green_points, paper.avoided) == ("paper", 0, "")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_deliver_each_notice_once(counting, officer):
    for _ in range(6):
        _one_notice(officer)
    counting.reset(seconds=0.05)
    barrier = threading.Barrier(3)

    def worker():
        try:
            barrier.wait()
            notices.send_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(counting.delivered) == sorted(n.key for n in Notice.objects.all())
    assert Notice.objects.filter(status="sent", attempts=1).count() == 6


# --- broadcasts and the case's notices over the API ---


@pytest.mark.django_db
def test_a_broadcast_reaches_every_open_case_it_matches_once(api, supervisor, officer):
    hit = [
        CaseFactory(category="delivery", context={"intent": "late"}, officer=officer, state=s)
        for s in ("new", "assigned", "investigating")
    ]
    CaseFactory(category="delivery", context={"intent": "late"}, state="resolved")
    CaseFactory(category="delivery", context={"intent": "broken"}, state="new")
    CaseFactory(category="repair", context={"intent": "late"}, state="new")
    body = {
        "filter": {"category": "delivery", "intent": "late"},
        "message": "The Pudong depot is closed by the storm; deliveries move one day.",
    }

    first = api(supervisor).post(
        "/api/v1/notices/broadcast/", body, format="json", HTTP_IDEMPOTENCY_KEY="storm-1"
    )
    again = api(supervisor).post(
        "/api/v1/notices/broadcast/", body, format="json", HTTP_IDEMPOTENCY_KEY="storm-1"
    )

    assert first.status_code == 201, first.content
    assert first.json() == {"id": Broadcast.objects.get().pk, "cases": 3}
    assert again.json() == first.json()
    assert sorted(Notice.objects.values_list("case_id", flat=True)) == sorted(c.pk for c in hit)
    assert set(Notice.objects.values_list("kind", "text")) == {("broadcast", body["message"])}


@pytest.mark.django_db
def test_a_broadcast_needs_a_supervisor_a_message_and_an_open_state(api, supervisor, officer):
    url = "/api/v1/notices/broadcast/"
    refused = api(officer.user).post(url, {"filter": {}, "message": "x"}, format="json")
    no_message = api(supervisor).post(url, {"filter": {}}, format="json")
    closed = api(supervisor).post(
        url, {"filter": {"state": "resolved"}, "message": "x"}, format="json"
    )

    assert refused.status_code == 403
    assert no_message.status_code == 400 and "message" in no_message.json()
    assert closed.status_code == 400 and "state" in closed.json()["filter"]
    assert not Broadcast.objects.exists()


@pytest.mark.django_db
def test_a_cases_notices_over_the_api(api, officer, counting, nobody):
    notice = _one_notice(officer, channels=["app"])
    notices.send_due()
    notice.refresh_from_db()

    body = api(officer.user).get(f"/api/v1/cases/{notice.case_id}/notices/").json()

    assert body["results"] == [
        {
            "id": notice.pk,
            "kind": "assigned",
            "channel": "app",
            "status": "sent",
            "sent_at": body["results"][0]["sent_at"],
            "green_points": 1,
        }
    ]
    assert body["results"][0]["sent_at"] is not None
    assert api(officer.user).get("/api/v1/cases/999999/notices/").status_code == 404
    assert api(nobody).get(f"/api/v1/cases/{notice.case_id}/notices/").status_code == 404


@pytest.mark.django_db
def test_a_provider_error_fails_that_notice_for_a_retry_and_the_queue_moves_on(
    counting, officer, settings
):
    broken = _one_notice(officer, channels=["email"], email="li@example.com")
    fine = _one_notice(officer, channels=["app"])
    settings.CASEHUB_NOTICE_SENDERS = {
        **settings.CASEHUB_NOTICE_SENDERS,
        "email": "tests.peak.senders.BrokenSender",
    }
    notices.sender_for.cache_clear()

    assert notices.send_due() == 1

    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.status, broken.attempts, broken.last_error) == (
        "failed",
        1,
        "provider SDK exploded",
    )
    assert broken.next_attempt_at > timezone.now()  # tried again later
    assert fine.status == "sent"


@pytest.mark.django_db
def test_an_odd_customer_record_does_not_hold_back_the_other_notices(officer):
    odd = CaseFactory(customer=CustomerFactory(contact_preferences="oops"), officer=officer)
    plain = CaseFactory(officer=officer)
    for case in (odd, plain):
        record_event(case=case, kind="assign", payload={})

    assert notices.collect() == 2  # odd preferences count as none
    assert Notice.objects.get(case=odd).channel == "sms"


@pytest.mark.django_db
def test_intake_keeps_the_addresses_a_customer_gives(api, frontline):
    preferences = {"channels": ["email"], "email": "li@example.com", "phone": "+86 138 0000 0000"}
    body = {**INTAKE, "customer": {**INTAKE["customer"], "preferences": preferences}}

    assert api(frontline).post("/api/v1/cases/", body, format="json").status_code == 201
    kept = Customer.objects.get(external_id="CU-1").contact_preferences
    assert kept["email"] == "li@example.com" and kept["phone"] == "+86 138 0000 0000"
    bad = {**INTAKE, "customer": {**INTAKE["customer"], "preferences": {"email": "nope"}}}
    response = api(frontline).post("/api/v1/cases/", bad, format="json")
    assert response.status_code == 400 and "email" in response.json()["customer"]["preferences"]
