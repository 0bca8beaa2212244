"""``/approvals/``: what waits for a supervisor, decided in place through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compensation.models import GrantState
from core import roles
from core.live import user_group
from escalation import services as case_services
from escalation.models import CaseEvent
from escalation.sla import clocks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_supervisor(db):
    return UserFactory(username="supervisor2", roles=[roles.SUPERVISORS])


def test_only_supervisors_open_the_page_and_its_actions(client, officer, case, grant):
    pending = grant(officer.user, case, "300.00")
    client.force_login(officer.user)

    assert client.get("/approvals/").status_code == 403
    assert client.get("/approvals/count/").status_code == 403
    response = client.post(f"/approvals/grants/{pending.pk}/decide/", {"transition": "approve"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.state == GrantState.PENDING_APPROVAL


def test_a_waiting_grant_shows_its_case_and_what_the_officer_has_left(
    client, officer, supervisor, case, grant
):
    grant(officer.user, case, "150.00")
    grant(officer.user, case, "300.00")  # above level 2's 200 per grant
    client.force_login(supervisor)

    page = client.get("/approvals/").content.decode()

    assert 'data-grant-state="pending_approval"' in page
    assert "300.00 CNY" in page
    assert case.title in page
    assert f'data-case-id="{case.pk}"' in page
    # Day budget 1,000: 150 issued and 300 reserved leave 550.
    day = page.split('data-cap="officer_day"')[1].split("</tr>")[0]
    assert "550.00" in day
    assert '<button name="transition" value="approve"' in page
    assert '<button name="transition" value="decline"' in page


def test_approve_in_place_issues_and_writes_one_event(
    client, officer, supervisor, case, grant, django_capture_on_commit_callbacks
):
    pending = grant(officer.user, case, "300.00")
    client.force_login(supervisor)
    before = CaseEvent.objects.filter(case=case).count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/approvals/grants/{pending.pk}/decide/",
            {"transition": "approve"},
            HTTP_HX_REQUEST="true",
        )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.state == GrantState.ISSUED  # issued by the (eager) task after commit
    kinds = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds[before:] == ["compensation_approved", "compensation_issued"]
    assert f'id="grant-{pending.pk}"' not in response.content.decode()


def test_decline_needs_a_reason_named_and_loses_nothing(client, officer, supervisor, case, grant):
    pending = grant(officer.user, case, "300.00")
    client.force_login(supervisor)

    refused = client.post(
        f"/approvals/grants/{pending.pk}/decide/", {"transition": "decline", "reason": ""}
    )

    assert refused.status_code == 400
    assert 'data-field="reason"' in refused.content.decode()
    pending.refresh_from_db()
    assert pending.state == GrantState.PENDING_APPROVAL

    declined = client.post(
        f"/approvals/grants/{pending.pk}/decide/", {"transition": "decline", "reason": "Too much"}
    )
    assert declined.status_code == 302
    pending.refresh_from_db()
    assert (pending.state, pending.decision_reason) == (GrantState.DECLINED, "Too much")


def test_a_grant_decided_elsewhere_gets_the_409_beside_it(
    client, officer, supervisor, second_supervisor, case, grant, policies
):
    pending = grant(officer.user, case, "300.00")
    client.force_login(supervisor)
    client.get("/approvals/")
    from compensation import services

    services.grant_decline(grant=pending, actor=second_supervisor, reason="Covered already")

    response = client.post(f"/approvals/grants/{pending.pk}/decide/", {"transition": "approve"})

    assert response.status_code == 409
    assert 'data-status="409"' in response.content.decode()


def test_a_supervisors_own_grant_is_left_to_another(client, supervisor, case, grant, policies):
    own = grant(supervisor, case, "300.00", kind=None)
    assert own.state == GrantState.APPROVED or own.state == GrantState.ISSUED
    # A supervisor's grant up to 2,000 is approved at once; the review list still shows it
    # when money-like. Here: nothing waits, and the page says so.
    client.force_login(supervisor)
    page = client.get("/approvals/").content.decode()
    assert "No compensation waits for approval." in page


def test_a_flagged_grant_is_marked_reviewed_here(client, officer, supervisor, case, grant, credit):
    money = grant(officer.user, case, "20.00", kind=credit)
    client.force_login(supervisor)
    page = client.get("/approvals/").content.decode()
    assert f'id="review-{money.pk}"' in page
    assert "money-like compensation" in page

    response = client.post(
        f"/approvals/grants/{money.pk}/review/", {"outcome": "approve", "note": "Fine"}
    )

    assert response.status_code == 302
    money.refresh_from_db()
    assert (money.review, money.reviewed_by, money.review_note) == ("approved", supervisor, "Fine")
    assert CaseEvent.objects.filter(case=case, kind="compensation_reviewed").count() == 1
    bad = client.post(f"/approvals/grants/{money.pk}/review/", {"outcome": "maybe"})
    assert bad.status_code == 400
    assert 'data-field="outcome"' in bad.content.decode()


def test_a_deadline_at_its_extension_limit_is_extended_by_the_supervisor(
    client, officer, supervisor, case, sla_policy
):
    [clock] = [c for c in clocks.start_case_clocks(case) if c.kind == "resolution"]
    until = clock.due_at + timedelta(hours=1)
    case_services.case_transition(
        case=case,
        actor=officer.user,
        name="extend_deadline",
        clock="resolution",
        until=until,
        reason="Parts on the way",
    )
    client.force_login(supervisor)
    page = client.get("/approvals/").content.decode()
    assert f'id="clock-{clock.pk}"' in page
    assert '<button name="transition" value="extend_deadline"' in page

    later = timezone.localtime(until + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/approvals/clocks/{clock.pk}/extend/", {"until": later, "reason": "Waiting on parts"}
    )

    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.extensions == 2
    assert CaseEvent.objects.filter(case=case, kind="extend_deadline").count() == 2
    missing = client.post(f"/approvals/clocks/{clock.pk}/extend/", {"until": later})
    assert missing.status_code == 400
    assert 'data-field="reason"' in missing.content.decode()


def test_the_navigation_counts_what_waits(client, officer, supervisor, case, grant, credit):
    grant(officer.user, case, "300.00")
    grant(officer.user, case, "20.00", kind=credit)
    client.force_login(supervisor)

    count = client.get("/approvals/count/").content.decode()
    workbench = client.get("/workbench/").content.decode()

    # The 300 waits for a decision and, near the cap, for the review too; the credit for review.
    assert 'data-unread="3"' in count
    assert "1 to decide, 2 to review" in count
    assert 'id="approvals-count"' in workbench
    client.force_login(officer.user)
    assert 'id="approvals-count"' not in client.get("/workbench/").content.decode()


def test_supervisors_hear_when_what_waits_changes(
    officer, supervisor, case, grant, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(supervisor.pk), channel)

    with django_capture_on_commit_callbacks(execute=True):
        pending = grant(officer.user, case, "300.00")

    async def read(count):
        events = []
        while len(events) < count:
            message = await layer.receive(channel)
            events.extend(message["events"] if "events" in message else [message["event"]])
        return events

    notification, changed = async_to_sync(read)(2)
    assert notification["type"] == "notification"
    assert (changed["type"], changed["grant"]) == ("approvals.changed", pending.pk)


def test_the_page_reads_in_a_constant_number_of_queries(client, officer, supervisor, case, grant):
    client.force_login(supervisor)
    grant(officer.user, case, "300.00")

    def queries():
        client.get("/approvals/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/approvals/").status_code == 200
        return len(captured)

    one = queries()
    grant(officer.user, case, "250.00")
    grant(officer.user, case, "210.00")
    assert queries() == one
    assert Decimal("0") < case.compensations.get(amount="250.00").amount
