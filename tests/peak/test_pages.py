"""The peak-season pages: a case's notices, the broadcast form, and the surges panel."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from escalation.services import record_event
from peak import notices
from peak.models import Broadcast, Notice, Surge
from tests.factories import CaseFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def _surge(**fields):
    values = {"category": "installation", "intent": "install_delay", "count": 31}
    values.update(baseline=2.5, ratio=12.4, threshold=20, **fields)
    return Surge.objects.create(**values)


def test_the_case_page_loads_its_notices_panel(client, officer):
    case = CaseFactory(officer=officer, state="assigned")
    page = _signed_in(client, officer.user).get(f"/cases/{case.pk}/")
    assert f'hx-get="/cases/{case.pk}/notices/"' in page.content.decode()


def test_the_notices_panel_shows_each_notice_and_the_preferences(client, officer):
    customer = CustomerFactory(
        contact_preferences={"channels": ["paper", "email"], "electronic_only": True}
    )
    case = CaseFactory(customer=customer, officer=officer, state="assigned")
    for kind in ("assign", "resolve"):
        record_event(case=case, kind=kind, payload={})
    notices.collect()
    _signed_in(client, officer.user)

    with CaptureQueriesContext(connection) as queries:
        panel = client.get(f"/cases/{case.pk}/notices/")

    html = panel.content.decode()
    assert panel.status_code == 200
    assert html.count('data-notice-kind="') == 2
    assert (
        'data-channel="email"' in html and "Paper letter" in html and "data-electronic-only" in html
    )
    assert "0 green points earned." in html  # earned once sent: nothing is sent yet
    assert len(queries) <= 6  # session, user, roles, case, notices (no query per notice)


def test_the_notices_panel_is_for_officers_and_supervisors(client, officer):
    case = CaseFactory(officer=officer, state="assigned")
    outsider = UserFactory(username="kb", roles=[roles.KNOWLEDGE_TEAM])
    assert _signed_in(client, outsider).get(f"/cases/{case.pk}/notices/").status_code == 403


def test_a_supervisor_broadcasts_from_the_page(client, supervisor, officer):
    CaseFactory(category="delivery", context={"intent": "late"}, officer=officer, state="assigned")
    CaseFactory(category="delivery", context={"intent": "late"}, state="closed")
    _signed_in(client, supervisor)

    page = client.get("/broadcasts/")
    sent = client.post(
        "/broadcasts/",
        {"category": "", "intent": "late", "state": "", "message": "Depot closed today."},
    )

    assert page.status_code == 200 and "Broadcasts" in page.content.decode()
    broadcast = Broadcast.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/broadcasts/?sent={broadcast.pk}"
    shown = client.get(sent["Location"])  # a reload of this page sends nothing again
    assert 'data-cases="1"' in shown.content.decode()
    client.get(sent["Location"])
    assert Broadcast.objects.count() == 1
    assert broadcast.filter == {"intent": "late"}
    assert Notice.objects.filter(broadcast=broadcast).count() == 1


def test_a_broadcast_without_a_message_names_it_and_sends_nothing(client, supervisor):
    response = _signed_in(client, supervisor).post("/broadcasts/", {"intent": "late"})

    assert response.status_code == 400
    assert 'data-field="message"' in response.content.decode()
    assert not Broadcast.objects.exists()


def test_only_supervisors_broadcast_and_see_the_link(client, supervisor, officer):
    assert _signed_in(client, officer.user).get("/broadcasts/").status_code == 403
    assert 'href="/broadcasts/"' not in client.get("/workbench/").content.decode()
    assert (
        'href="/broadcasts/"' in _signed_in(client, supervisor).get("/workbench/").content.decode()
    )


def test_the_surges_panel_lists_open_surges_first_with_their_request(client, kb_member):
    closed = _surge(intent="refund_late")
    closed.close()
    closed.save()
    _surge()
    _signed_in(client, kb_member)

    with CaptureQueriesContext(connection) as queries:
        panel = client.get("/surges/panel/")
    html = panel.content.decode()

    assert panel.status_code == 200
    assert html.index('data-surge-state="open"') < html.index('data-surge-state="closed"')
    assert "31 in 15 minutes, 12.4× the usual 2.5" in html
    before = len(queries)
    for n in range(3):
        _surge(category=f"repair{n}")
    with CaptureQueriesContext(connection) as queries:
        client.get("/surges/panel/")
    assert len(queries) == before


def test_the_review_queue_and_officers_see_surges_but_not_frontline(client, kb_member, frontline):
    page = _signed_in(client, kb_member).get("/knowledge/review/")
    assert 'hx-get="/surges/panel/"' in page.content.decode()
    assert _signed_in(client, frontline).get("/surges/panel/").status_code == 403


def test_the_war_reports_peak_panel_counts_green_contact_today(client, supervisor, officer):
    from datetime import timedelta

    from django.utils import timezone

    from peak.selectors import green_contact

    plans = [
        ({"channels": ["paper", "app"], "electronic_only": True}, "sent"),  # a letter spared
        ({"channels": ["phone", "sms"], "electronic_only": True}, "sent"),  # a call spared
        ({"channels": ["paper"]}, "sent"),  # by post: no points
        ({"channels": ["app"]}, "pending"),  # not sent yet: not counted
    ]
    for preferences, status in plans:
        case = CaseFactory(customer=CustomerFactory(contact_preferences=preferences))
        notice = notices._notice(case, Notice.Kind.BROADCAST, "Depot closed.")
        notice.status = status
        notice.sent_at = timezone.now() if status == "sent" else None
        notice.save()
    yesterday = notices._notice(CaseFactory(), Notice.Kind.BROADCAST, "Old news.")
    yesterday.status, yesterday.sent_at = "sent", timezone.now() - timedelta(days=2)
    yesterday.save()

    assert green_contact() == {
        "notices": 3,
        "electronic": 2,
        "paper_avoided": 1,
        "calls_avoided": 1,
        "points": 2,
    }
    html = _signed_in(client, supervisor).get("/dashboard/peak/").content.decode()
    assert 'data-figure="paper-avoided">1<' in html and 'data-figure="green-points">2<' in html
    assert _signed_in(client, officer.user).get("/dashboard/peak/").status_code == 200
    kb = UserFactory(username="kb", roles=[roles.KNOWLEDGE_TEAM])
    assert _signed_in(client, kb).get("/dashboard/peak/").status_code == 403
