"""Every endpoint × every role: nobody sees or touches what is not theirs.

Rows are endpoints, columns roles; a cell is the status the role must get. Department
members see their own department's tasks only: anything else is 404, as if it did not exist.
A task group's thread belongs to the case's officer, the supervisors and the departments
with a task in it: another officer sees the task but neither reads nor posts in its thread.
"""

import pytest

from core import roles
from tests.escalation.conftest import person, soon
from tests.escalation.test_intake_api import intake
from tests.factories import DepartmentFactory, UserFactory

ROLES = [
    "anonymous",
    "nobody",
    "frontline",
    "kb",
    "own_dept",
    "other_dept",
    "case_officer",
    "other_officer",
    "supervisor",
]


def row(*statuses):
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


# fmt: off
MATRIX = {
    #                               anon nobody front kb   own  other c_off o_off super
    ("GET", "cases"):               row(401, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "case"):                row(401, 404, 200, 200, 404, 404, 200, 200, 200),
    ("GET", "case_events"):         row(401, 404, 200, 200, 404, 404, 200, 200, 200),
    ("GET", "case_transitions"):    row(401, 404, 200, 200, 404, 404, 200, 200, 200),
    ("POST", "case_transitions"):   row(401, 404, 403, 403, 404, 404, 200, 403, 200),
    ("POST", "cases"):              row(401, 403, 201, 403, 403, 403, 201, 201, 201),
    ("GET", "task_groups"):         row(401, 403, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "task_group"):          row(401, 403, 403, 403, 200, 404, 200, 200, 200),
    ("POST", "task_groups"):        row(401, 403, 403, 403, 403, 403, 201, 403, 201),
    ("GET", "tasks"):               row(401, 403, 403, 403, 200, 200, 200, 200, 200),
    ("GET", "task"):                row(401, 403, 403, 403, 200, 404, 200, 200, 200),
    ("GET", "task_transitions"):    row(401, 403, 403, 403, 200, 404, 200, 200, 200),
    ("POST", "task_transitions"):   row(401, 403, 403, 403, 200, 404, 403, 403, 403),
    ("GET", "task_messages"):       row(401, 403, 403, 403, 200, 404, 200, 403, 200),
    ("POST", "task_messages"):      row(401, 403, 403, 403, 201, 404, 201, 403, 201),
    ("GET", "departments"):         row(401, 200, 200, 200, 200, 200, 200, 200, 200),
}
# fmt: on


@pytest.fixture
def world(
    officer,
    other_officer,
    supervisor,
    frontline,
    kb_member,
    investigating_case,
    logistics_member,
    logistics_lead,
    tech_member,
    tech_lead,
):
    from escalation import taskgroups

    other_case = type(investigating_case).objects.create(
        title="Second",
        channel="phone",
        category="installation",
        customer=investigating_case.customer,
        officer=officer,
        state="investigating",
        reference="ESC-2026-777777",
    )
    finance = DepartmentFactory(code="finance")
    group = taskgroups.task_group_open(
        case=investigating_case,
        actor=officer.user,
        title="g",
        tasks=[
            {
                "department": logistics_member.department_memberships.get().department,
                "assignee": logistics_member,
                "title": "t",
                "due_at": soon(),
            }
        ],
    )
    return {
        "people": {
            "anonymous": None,
            "nobody": UserFactory(username="nobody_at_all"),
            "frontline": frontline,
            "kb": kb_member,
            "own_dept": logistics_member,
            "other_dept": person("finance_member", finance),
            "case_officer": officer.user,
            "other_officer": other_officer.user,
            "supervisor": supervisor,
        },
        "case": investigating_case,
        "other_case": other_case,
        "group": group,
        "task": group.tasks.get(),
    }


def request_for(endpoint, world, who):
    method, name = endpoint
    case, task, group = world["case"], world["task"], world["group"]
    urls = {
        "cases": "/api/v1/cases/",
        "case": f"/api/v1/cases/{case.pk}/",
        "case_events": f"/api/v1/cases/{case.pk}/events/",
        "case_transitions": f"/api/v1/cases/{case.pk}/transitions/",
        "task_groups": "/api/v1/task-groups/",
        "task_group": f"/api/v1/task-groups/{group.pk}/",
        "tasks": "/api/v1/tasks/",
        "task": f"/api/v1/tasks/{task.pk}/",
        "task_transitions": f"/api/v1/tasks/{task.pk}/transitions/",
        "task_messages": f"/api/v1/tasks/{task.pk}/messages/",
        "departments": "/api/v1/departments/",
    }
    bodies = {
        "case_transitions": {"transition": "cancel", "reason": "Checking who may"},
        "cases": intake(customer={"external_id": f"C-{who}"}),
        "task_groups": {
            "case": world["other_case"].pk,
            "title": "g",
            "tasks": [
                {
                    "department": "logistics",
                    "assignee": "logistics_member",
                    "title": "t",
                    "due_at": soon().isoformat(),
                }
            ],
        },
        "task_transitions": {"transition": "accept"},
        "task_messages": {"body": "hello"},
    }
    return method, urls[name], bodies.get(name)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("endpoint", list(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_every_endpoint_answers_every_role_as_specified(api, world, endpoint, who):
    method, url, body = request_for(endpoint, world, who)
    client = api(world["people"][who])

    response = client.get(url) if method == "GET" else client.post(url, body, format="json")

    assert response.status_code == MATRIX[endpoint][who], response.content[:300]


@pytest.mark.parametrize("who", ["own_dept", "other_dept"])
def test_department_members_never_see_customer_identity(api, world, who):
    customer = world["case"].customer
    client = api(world["people"][who])

    for url in ("/api/v1/tasks/", "/api/v1/task-groups/", "/api/v1/cases/"):
        text = client.get(url).content.decode()
        assert customer.external_id not in text
        assert customer.name not in text


def test_a_member_of_two_departments_sees_both(api, world, tech):
    member = world["people"]["own_dept"]
    from tests.factories import MembershipFactory

    MembershipFactory(user=member, department=tech)
    member.groups.add(*member.groups.all())

    assert api(member).get("/api/v1/tasks/").status_code == 200
    assert roles.has_role(member, roles.DEPARTMENT_MEMBERS)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_lead_of_the_tasks_department_uses_the_thread(api, world, logistics_lead, method):
    url = f"/api/v1/tasks/{world['task'].pk}/messages/"
    client = api(logistics_lead)

    response = client.get(url) if method == "GET" else client.post(url, {"body": "On it"})

    assert response.status_code == (200 if method == "GET" else 201)


def test_a_thread_refusal_says_who_may_post(api, world):
    url = f"/api/v1/tasks/{world['task'].pk}/messages/"

    response = api(world["people"]["other_officer"]).post(url, {"body": "hello"})

    assert response.json()["code"] == "not_in_thread"
    assert not world["group"].messages.exists()
