"""Django admin: every model has a page, transitions go through the services, audit is read-only."""

import pytest
from django.urls import reverse

from escalation.models import CaseEvent
from tests.factories import CustomerFactory, DepartmentFactory, MembershipFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    ["case", "caseevent", "customer", "department", "departmentmembership", "escalationofficer"],
)
def test_every_model_has_a_list_page_with_filters_and_search(admin_client, case_in, model):
    case_in("assigned")
    MembershipFactory()

    response = admin_client.get(reverse(f"admin:escalation_{model}_changelist"), {"q": "a"})

    assert response.status_code == 200


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

    assert admin_client.get(url).status_code == 200
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
    delete = reverse("admin:escalation_caseevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_customers_and_departments_are_editable(admin_client):
    customer = CustomerFactory()
    department = DepartmentFactory(code="tech")

    assert (
        admin_client.get(
            reverse("admin:escalation_customer_change", args=[customer.pk])
        ).status_code
        == 200
    )
    assert (
        admin_client.get(
            reverse("admin:escalation_department_change", args=[department.pk])
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "model", ["businesscalendar", "slapolicy", "escalationrule", "slaclock", "notification"]
)
def test_timeline_models_have_admin_pages(admin_client, model):
    assert admin_client.get(reverse(f"admin:escalation_{model}_changelist")).status_code == 200


def test_policy_page_previews_the_due_times(admin_client, sla_policy):
    response = admin_client.get(reverse("admin:escalation_slapolicy_change", args=[sla_policy.pk]))

    assert response.status_code == 200
    assert "case opened now would be due" in response.content.decode()
    assert "first response" in response.content.decode()


def test_admin_edits_are_audited(admin_client, case_in):
    case = case_in("assigned")
    url = reverse("admin:escalation_case_change", args=[case.pk])

    admin_client.post(url, {**change_form_data(admin_client, url), "priority": "P1"})

    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.payload, event.from_state) == ("edited", {"priority": "P1"}, None)


@pytest.mark.parametrize("model", ["taskgroup", "task", "webhookdelivery"])
def test_task_models_have_admin_pages(admin_client, group, model):
    assert admin_client.get(reverse(f"admin:escalation_{model}_changelist")).status_code == 200


def test_admin_task_transition_goes_through_the_service(admin_client, logistics_task):
    url = reverse("admin:escalation_task_transition", args=[logistics_task.pk, "cancel"])

    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"reason": "Handled by phone"})

    logistics_task.refresh_from_db()
    assert logistics_task.state == "cancelled"
    event = CaseEvent.objects.get(case=logistics_task.case, kind="task_cancel")
    assert (event.actor.username, event.payload["reason"]) == ("root", "Handled by phone")
