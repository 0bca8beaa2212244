"""The departments' REST API: a department runs its whole part of an escalation through it."""

import pytest

from escalation.models import Case, CaseEvent, Task
from tests.escalation.conftest import soon

GROUPS = "/api/v1/task-groups/"
TASKS = "/api/v1/tasks/"


def group_body(the_case, **overrides):
    body = {
        "case": the_case.pk,
        "title": "Install delayed",
        "tasks": [
            {
                "department": "logistics",
                "assignee": "logistics_member",
                "title": "Slot",
                "details": "Customer home 9-12",
                "due_at": soon(4).isoformat(),
            },
            {
                "department": "tech",
                "assignee": "tech_member",
                "title": "Check unit",
                "due_at": soon(8).isoformat(),
            },
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def people(logistics_member, logistics_lead, tech_member, tech_lead):
    return locals()


def test_officer_forms_a_group_over_the_api(api, officer, investigating_case, people):
    response = api(officer.user).post(GROUPS, group_body(investigating_case), format="json")

    assert response.status_code == 201
    body = response.json()
    assert [t["department"] for t in body["tasks"]] == ["logistics", "tech"]
    assert body["tasks"][0]["assignee"]["username"] == "logistics_member"
    assert body["tasks"][0]["sla"]["clock"] == "task_due"
    assert Case.objects.get(pk=investigating_case.pk).state == "awaiting_departments"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tasks": []}, "tasks"),
        ({"title": ""}, "title"),
        ({"case": "x"}, "case"),
        (
            {
                "tasks": [
                    {
                        "department": "nowhere",
                        "assignee": "logistics_member",
                        "title": "t",
                        "due_at": "2030-01-01T00:00:00Z",
                    }
                ]
            },
            "tasks",
        ),
        (
            {
                "tasks": [
                    {
                        "department": "logistics",
                        "assignee": "tech_member",
                        "title": "t",
                        "due_at": "2030-01-01T00:00:00Z",
                    }
                ]
            },
            "tasks",
        ),
        (
            {
                "tasks": [
                    {
                        "department": "logistics",
                        "assignee": "logistics_member",
                        "title": "t",
                        "due_at": "2020-01-01T00:00:00Z",
                    }
                ]
            },
            "tasks",
        ),
        (
            {
                "tasks": [
                    {
                        "department": "logistics",
                        "assignee": "logistics_member",
                        "title": "a",
                        "due_at": "2030-01-01T00:00:00Z",
                    },
                    {
                        "department": "logistics",
                        "assignee": "logistics_lead",
                        "title": "b",
                        "due_at": "2030-01-01T00:00:00Z",
                    },
                ]
            },
            "tasks",
        ),
    ],
)
def test_bad_groups_are_400_naming_the_field(
    api, officer, investigating_case, people, change, field
):
    response = api(officer.user).post(
        GROUPS, group_body(investigating_case, **change), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Task.objects.exists()


def test_a_group_on_a_case_not_yet_investigated_is_409(api, officer, case_in, people):
    case = case_in("assigned")

    response = api(officer.user).post(GROUPS, group_body(case), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_a_department_runs_its_part_through_the_api(api, group, logistics_member, officer):
    client = api(logistics_member)
    mine = client.get(TASKS, {"assignee": "me"}).json()["results"]
    assert [t["department"] for t in mine] == ["logistics"]
    task_url = f"{TASKS}{mine[0]['id']}/"

    assert client.get(f"{task_url}transitions/").json() == [
        {"name": "accept", "fields": []},
        {"name": "reject", "fields": ["reason"]},
    ]
    assert client.post(f"{task_url}transitions/", {"transition": "accept"}).status_code == 200
    assert client.post(f"{task_url}transitions/", {"transition": "start"}).status_code == 200
    posted = client.post(f"{task_url}messages/", {"body": "Slot at 10:00 confirmed"})
    assert posted.status_code == 201
    done = client.post(
        f"{task_url}transitions/", {"transition": "complete", "outcome": "Delivered"}
    )
    assert done.status_code == 200 and done.json()["state"] == "done"

    thread = client.get(f"{task_url}messages/").json()["results"]
    assert [m["body"] for m in thread] == ["Slot at 10:00 confirmed"]
    trail = api(officer.user).get(f"/api/v1/cases/{group.case_id}/events/").json()["results"]
    assert [e["kind"] for e in trail][-4:] == [
        "task_accept",
        "task_start",
        "task_message",
        "task_complete",
    ]


def test_a_department_sees_only_what_it_needs_of_the_case(api, group, logistics_member):
    task = api(logistics_member).get(TASKS).json()["results"][0]

    assert set(task["case"]) == {
        "id",
        "reference",
        "title",
        "category",
        "priority",
        "state",
        "customer_tier",
        "summary",
    }
    assert "install_delay" in task["case"]["summary"]
    assert group.case.customer.external_id not in str(task)
    assert group.case.customer.name not in str(task)


def test_rejection_and_transition_errors_over_the_api(api, logistics_task, logistics_member):
    url = f"{TASKS}{logistics_task.pk}/transitions/"
    client = api(logistics_member)

    assert client.post(url, {"transition": "reject"}).status_code == 400
    assert client.post(url, {"transition": "fly"}).status_code == 400
    conflict = client.post(url, {"transition": "complete", "outcome": "x"})
    assert conflict.status_code == 409
    assert conflict.json()["allowed"] == ["accept", "reject"]
    assert client.post(url, {"transition": "reject", "reason": "Wrong dept"}).status_code == 200


def test_block_and_reassign_name_departments_and_people(
    api, logistics_task, logistics_member, logistics_lead, tech_lead
):
    url = f"{TASKS}{logistics_task.pk}/transitions/"
    api(logistics_member).post(url, {"transition": "accept"})

    unknown = api(logistics_member).post(
        url, {"transition": "block", "department": "mars", "reason": "x"}
    )
    blocked = api(logistics_member).post(
        url, {"transition": "block", "department": "tech", "reason": "Need a part"}
    )
    outside = api(logistics_lead).post(url, {"transition": "reassign", "assignee": "tech_lead"})

    assert unknown.status_code == 400 and "department" in unknown.json()
    assert blocked.status_code == 200 and blocked.json()["state"] == "blocked"
    assert outside.status_code == 422 and outside.json()["code"] == "not_department_member"


@pytest.mark.parametrize(
    ("params", "departments"),
    [
        ({"department": "tech"}, ["tech"]),
        ({"state": "open"}, ["logistics", "tech"]),
        ({"overdue": "true"}, []),
        ({"due_before": soon(6).isoformat()}, ["logistics"]),
    ],
)
def test_task_filters(api, group, officer, params, departments):
    results = api(officer.user).get(TASKS, params).json()["results"]

    assert [t["department"] for t in results] == departments


def test_overdue_filter_finds_late_tasks(api, group, officer):
    from django.utils import timezone

    Task.objects.filter(department__code="tech").update(due_at=timezone.now())

    late = api(officer.user).get(TASKS, {"overdue": "true"}).json()["results"]

    assert [t["department"] for t in late] == ["tech"]
    assert late[0]["overdue"] is True


def test_bad_task_filters_are_400(api, group, officer):
    assert api(officer.user).get(TASKS, {"due_before": "someday"}).status_code == 400
    assert api(officer.user).get(TASKS, {"state": "sleeping"}).status_code == 400
    assert api(officer.user).get(TASKS, {"overdue": "perhaps"}).status_code == 400


@pytest.mark.parametrize("size", [2, 12])
def test_task_list_runs_a_constant_number_of_queries(
    api, officer, people, size, django_assert_num_queries
):
    from escalation import taskgroups
    from tests.factories import CaseFactory

    for _ in range(size // 2):
        case = CaseFactory(officer=officer, state="investigating")
        taskgroups.task_group_open(
            case=case,
            actor=officer.user,
            title="g",
            tasks=[
                {
                    "department": people["logistics_member"]
                    .department_memberships.get()
                    .department,
                    "assignee": people["logistics_member"],
                    "title": "a",
                    "due_at": soon(),
                },
                {
                    "department": people["tech_member"].department_memberships.get().department,
                    "assignee": people["tech_member"],
                    "title": "b",
                    "due_at": soon(),
                },
            ],
        )
    client = api(officer.user)
    client.get(TASKS)
    del officer.user._casehub_roles

    with django_assert_num_queries(4):  # roles, count, page, open clocks
        assert len(client.get(TASKS).json()["results"]) == size
    del officer.user._casehub_roles
    with django_assert_num_queries(6):  # roles, count, page, members, tasks, their clocks
        client.get(GROUPS)


def test_group_list_shows_a_department_only_its_own_tasks(api, group, logistics_member):
    groups = api(logistics_member).get(GROUPS).json()["results"]

    assert [[t["department"] for t in g["tasks"]] for g in groups] == [["logistics"]]


def test_departments_are_listed(api, officer, people):
    codes = [d["code"] for d in api(officer.user).get("/api/v1/departments/").json()["results"]]

    assert codes == ["logistics", "tech"]


def test_retried_task_transition_fires_once(api, logistics_task, logistics_member):
    url = f"{TASKS}{logistics_task.pk}/transitions/"
    client = api(logistics_member)

    first = client.post(url, {"transition": "accept"}, HTTP_IDEMPOTENCY_KEY="acc-1")
    retry = client.post(url, {"transition": "accept"}, HTTP_IDEMPOTENCY_KEY="acc-1")

    assert first.status_code == retry.status_code == 200
    assert CaseEvent.objects.filter(kind="task_accept").count() == 1
