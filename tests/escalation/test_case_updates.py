"""Writes that change no state go through the case services: one audit event each, live
after commit, and the SLA targets of the running clocks recomputed when the policy changes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from escalation import services
from escalation.models import CaseEvent, EscalationRule, SlaClock, SlaPolicy
from escalation.sla import clocks as sla_clocks
from tests.factories import CaseFactory, CustomerFactory, OfficerFactory


@pytest.fixture
def tiered_policies(calendar_24x7):
    """P3 resolves in 8 h, P2 in 4 h, a VIP customer's case in 2 h; all around the clock."""
    targets = {"first_response_seconds": 3600, "next_update_seconds": 7200}
    return {
        "P3": SlaPolicy.objects.create(
            name="P3", priority="P3", calendar=calendar_24x7, resolution_seconds=8 * 3600, **targets
        ),
        "P2": SlaPolicy.objects.create(
            name="P2", priority="P2", calendar=calendar_24x7, resolution_seconds=4 * 3600, **targets
        ),
        "VIP": SlaPolicy.objects.create(
            name="VIP",
            customer_tier="vip",
            order=10,
            calendar=calendar_24x7,
            resolution_seconds=2 * 3600,
            **targets,
        ),
    }


def resolution(case) -> SlaClock:
    return SlaClock.objects.get(case=case, kind="resolution", stopped_at=None)


def test_a_breach_that_raises_the_priority_retargets_the_resolution_clock(
    tiered_policies, officer, django_capture_on_commit_callbacks
):
    EscalationRule.objects.create(level=1, raise_priority=True)
    case = CaseFactory(officer=officer, state="investigating", priority="P3")
    sla_clocks.start_case_clocks(case, now=timezone.now() - timedelta(hours=2))
    SlaClock.objects.filter(case=case, kind="first_response").update(
        warn_at=timezone.now() - timedelta(minutes=5), due_at=timezone.now() - timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True) as published:
        services.sla_sweep()

    case.refresh_from_db()
    assert case.priority == "P2"
    clock = resolution(case)
    assert clock.target_seconds == 4 * 3600
    # two of the four hours were used before the raise: two remain
    assert abs((clock.due_at - (timezone.now() + timedelta(hours=2))).total_seconds()) < 60
    raised = CaseEvent.objects.filter(case=case, kind="priority_raised")
    assert [e.payload for e in raised] == [{"from": "P3", "to": "P2", "level": 1}]
    assert raised.get().actor is None
    assert published  # the events go out live after commit


def test_an_admin_priority_edit_retargets_the_clocks_and_audits_once(
    tiered_policies, officer, admin_client
):
    case = CaseFactory(officer=officer, state="investigating", priority="P3")
    sla_clocks.start_case_clocks(case)
    url = reverse("admin:escalation_case_change", args=[case.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(priority="P2", **{"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content[:2000]
    assert resolution(case).target_seconds == 4 * 3600
    edited = CaseEvent.objects.get(case=case, kind="edited")
    assert edited.payload == {"priority": "P2"}
    assert edited.from_state is None and edited.to_state is None


def test_an_edit_that_changes_nothing_writes_no_event(tiered_policies, officer):
    case = CaseFactory(officer=officer, state="investigating", priority="P3")

    assert services.case_update(case=case, actor=None, changes={"priority": "P3"}) is None
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_new_tier_retargets_every_open_case_of_the_customer(tiered_policies, officer):
    customer = CustomerFactory(tier="standard")
    open_case = CaseFactory(
        officer=officer, state="investigating", priority="P3", customer=customer
    )
    closed = CaseFactory(officer=officer, state="closed", priority="P3", customer=customer)
    sla_clocks.start_case_clocks(open_case)

    events = services.customer_update(customer=customer, actor=None, changes={"tier": "vip"})

    assert [e.case_id for e in events] == [open_case.pk]
    assert events[0].payload == {"from": "standard", "to": "vip"}
    assert resolution(open_case).target_seconds == 2 * 3600
    assert not CaseEvent.objects.filter(case=closed).exists()


def test_a_breached_or_extended_clock_keeps_its_deadline(tiered_policies, officer):
    case = CaseFactory(officer=officer, state="investigating", priority="P3")
    sla_clocks.start_case_clocks(case)
    clock = resolution(case)
    SlaClock.objects.filter(pk=clock.pk).update(extensions=1)
    due = clock.due_at

    services.case_update(case=case, actor=None, changes={"priority": "P2"})

    clock.refresh_from_db()
    assert (clock.due_at, clock.target_seconds) == (due, 8 * 3600)


def test_the_sweep_reassigns_through_the_services_with_one_event(tiered_policies, officer):
    senior = OfficerFactory(level=3, skills=["installation"])
    EscalationRule.objects.create(level=1, reassign_to_level=3)
    case = CaseFactory(officer=officer, state="investigating", category="installation")
    sla_clocks.start_case_clocks(case)
    SlaClock.objects.filter(case=case, kind="first_response").update(
        warn_at=timezone.now() - timedelta(minutes=5), due_at=timezone.now() - timedelta(minutes=1)
    )

    services.sla_sweep()

    case.refresh_from_db()
    assert case.officer == senior
    assert CaseEvent.objects.filter(case=case, kind="reassigned").count() == 1
    assert case.state == "investigating"
