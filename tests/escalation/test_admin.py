"""Django admin: every model has a page, transitions go through the services, audit is read-only."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from escalation import services
from escalation.models import (
    BusinessCalendar,
    CaseEvent,
    EscalationRule,
    Notification,
    SlaPolicy,
    WebhookDelivery,
)
from escalation.notifications import notify_many
from escalation.sla import clocks as sla_clocks
from tests.factories import CustomerFactory, DepartmentFactory, MembershipFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def changelist(client, model: str, **params):
    """The admin's change list for ``model`` (app escalation) as its view built it."""
    response = client.get(reverse(f"admin:escalation_{model}_changelist"), params)
    assert response.status_code == 200
    return response.context["cl"]


def listed(client, model: str, **params) -> set[int]:
    return {row.pk for row in changelist(client, model, **params).result_list}


#: For each model: the object a search should find, and the text to search for.
SEARCHED_FOR = {
    "case": lambda case, member: (case, case.reference),
    "caseevent": lambda case, member: (case.events.get(), case.reference),
    "customer": lambda case, member: (case.customer, case.customer.external_id),
    "department": lambda case, member: (member.department, member.department.code),
    "departmentmembership": lambda case, member: (member, member.user.username),
    "escalationofficer": lambda case, member: (case.officer, case.officer.user.username),
}


@pytest.mark.parametrize("model", list(SEARCHED_FOR))
def test_every_model_has_a_list_page_with_filters_and_search(
    admin_client, case_in, other_officer, model
):
    cases = [case_in("assigned"), case_in("assigned", officer=other_officer)]
    members = [MembershipFactory(), MembershipFactory()]
    for case in cases:
        services.record_event(case=case, kind="note")
    wanted, text = SEARCHED_FOR[model](cases[1], members[1])

    assert len(listed(admin_client, model)) >= 2
    assert listed(admin_client, model, q=text) == {wanted.pk}
    assert listed(admin_client, model, q="no-such-thing") == set()
    assert changelist(admin_client, model).has_filters


def test_case_page_shows_transition_buttons_and_the_audit_inline(admin_client, case_in):
    case = case_in("assigned")

    response = admin_client.get(reverse("admin:escalation_case_change", args=[case.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_fsm_transition_to"' in content and 'value="start"' in content
    assert 'value="open_task_group"' not in content


def change_form_data(client, url) -> dict:
    """What the browser submits from the change page: the form as shown, plus inline forms."""
    context = client.get(url).context
    form = context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
        if field.show_hidden_initial:  # as the browser posts it, for change detection
            data[form[name].html_initial_name] = value
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for inline_form in inline.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[inline_form.add_prefix(name)] = value
    return data


def test_admin_transition_writes_the_audit_event(admin_client, case_in):
    case = case_in("assigned")
    url = reverse("admin:escalation_case_change", args=[case.pk])

    admin_client.post(url, {**change_form_data(admin_client, url), "_fsm_transition_to": "start"})

    case.refresh_from_db()
    assert case.state == "investigating"
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor.username) == ("start", "root")


def test_admin_transition_with_a_form_asks_for_its_field(admin_client, case_in):
    case = case_in("assigned")
    url = reverse("admin:escalation_case_transition", args=[case.pk, "cancel"])

    form = admin_client.get(url).context["transition_form"]
    assert list(form.fields) == ["reason"]
    admin_client.post(url, {"reason": "Customer withdrew"})

    case.refresh_from_db()
    assert case.state == "cancelled"
    assert CaseEvent.objects.get(case=case).payload == {"reason": "Customer withdrew"}


def test_admin_refused_transition_changes_nothing(admin_client, case_in):
    case = case_in("assigned")
    url = reverse("admin:escalation_case_change", args=[case.pk])

    admin_client.post(url, {**change_form_data(admin_client, url), "_fsm_transition_to": "close"})

    case.refresh_from_db()
    assert case.state == "assigned"
    assert not CaseEvent.objects.filter(case=case).exists()


def test_audit_rows_cannot_be_added_changed_or_deleted(admin_client, case_in):
    case = case_in("assigned")
    event = CaseEvent.objects.create(case=case, kind="note")

    assert admin_client.get(reverse("admin:escalation_caseevent_add")).status_code == 403
    change = reverse("admin:escalation_caseevent_change", args=[event.pk])
    assert admin_client.post(change, {"kind": "tampered"}).status_code == 403
    delete = reverse("admin:escalation_caseevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert CaseEvent.objects.get(pk=event.pk).kind == "note"


def test_customers_and_departments_are_editable(admin_client):
    customer = CustomerFactory(name="Wang", tier="standard")
    department = DepartmentFactory(code="tech", name="Tech")
    MembershipFactory(department=department)

    for obj, changes in [
        (customer, {"name": "Wang Fang", "tier": "vip"}),
        (department, {"name": "Technical support", "webhook_url": "https://tech.example/hook"}),
    ]:
        url = reverse(f"admin:escalation_{obj._meta.model_name}_change", args=[obj.pk])
        response = admin_client.post(url, {**change_form_data(admin_client, url), **changes})

        assert response.status_code == 302
        obj.refresh_from_db()
        assert {name: getattr(obj, name) for name in changes} == changes
    assert department.memberships.count() == 1  # the inline was posted back untouched


@pytest.fixture
def timeline_rows(sla_policy, case_in, officer):
    """One row for each timeline model: the list pages must show them."""
    case = case_in("assigned")
    clocks = sla_clocks.start_case_clocks(case)
    notify_many([{"recipient": officer.user, "kind": "sla_warning", "text": "Due", "case": case}])
    return {
        "businesscalendar": [sla_policy.calendar],
        "slapolicy": [sla_policy],
        "escalationrule": [EscalationRule.objects.create(level=1, reassign_to_level=3)],
        "slaclock": clocks,
        "notification": list(Notification.objects.all()),
    }


@pytest.mark.parametrize(
    "model", ["businesscalendar", "slapolicy", "escalationrule", "slaclock", "notification"]
)
def test_timeline_models_have_admin_pages(admin_client, timeline_rows, model):
    expected = {row.pk for row in timeline_rows[model]}

    assert expected
    assert listed(admin_client, model) == expected


def test_policy_page_previews_the_due_times(admin_client):
    office = BusinessCalendar.objects.create(name="Shanghai office", timezone="Asia/Shanghai")
    policy = SlaPolicy.objects.create(
        name="Office",
        calendar=office,
        first_response_seconds=3600,
        next_update_seconds=2 * 3600,
        resolution_seconds=8 * 3600,
    )
    friday_evening = datetime(2026, 3, 13, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

    with mock.patch("django.utils.timezone.now", return_value=friday_evening):
        response = admin_client.get(reverse("admin:escalation_slapolicy_change", args=[policy.pk]))

    content = response.content.decode()
    assert "case opened now would be due" in content
    # half an hour on Friday, the rest from Monday 09:00 (lunch 12-13 does not count)
    assert "first response: <strong>Mon 2026-03-16 09:30 CST</strong>" in content
    assert "next update: <strong>Mon 2026-03-16 10:30 CST</strong>" in content
    assert "resolution: <strong>Mon 2026-03-16 17:30 CST</strong>" in content


def test_admin_edits_are_audited(admin_client, case_in):
    case = case_in("assigned")
    url = reverse("admin:escalation_case_change", args=[case.pk])

    admin_client.post(url, {**change_form_data(admin_client, url), "priority": "P1"})

    case.refresh_from_db()
    assert case.priority == "P1"
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.payload, event.from_state) == ("edited", {"priority": "P1"}, None)


@pytest.mark.parametrize("model", ["taskgroup", "task", "webhookdelivery"])
def test_task_models_have_admin_pages(admin_client, logistics, group, model):
    delivery = WebhookDelivery.objects.create(
        department=logistics, event="task_assigned", payload={}, url="https://x.example/hook"
    )
    expected = {
        "taskgroup": {group.pk},
        "task": set(group.tasks.values_list("pk", flat=True)),
        "webhookdelivery": {delivery.pk},
    }[model]

    assert len(expected) >= 1
    assert listed(admin_client, model) == expected


def test_admin_task_transition_goes_through_the_service(admin_client, logistics_task):
    url = reverse("admin:escalation_task_transition", args=[logistics_task.pk, "cancel"])

    assert list(admin_client.get(url).context["transition_form"].fields) == ["reason"]
    admin_client.post(url, {"reason": "Handled by phone"})

    logistics_task.refresh_from_db()
    assert logistics_task.state == "cancelled"
    event = CaseEvent.objects.get(case=logistics_task.case, kind="task_cancel")
    assert (event.actor.username, event.payload["reason"]) == ("root", "Handled by phone")
