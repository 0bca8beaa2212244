"""Task groups through the services: forming them, every task transition, follow-up to closure."""

import pytest

from core.errors import InvalidInput, NotPermitted, RuleViolation, TransitionNotAllowed
from escalation import services, taskgroups
from escalation.models import CaseEvent, Notification, SlaClock, Task
from tests.escalation.conftest import soon
from tests.factories import DepartmentFactory, TaskFactory

ALLOWED = {
    "open": {"accept", "reject", "cancel", "reassign"},
    "accepted": {"start", "complete", "reject", "block", "cancel", "reassign"},
    "in_progress": {"complete", "reject", "block", "cancel", "reassign"},
    "blocked": {"cancel", "reassign"},
    "rejected": {"cancel", "reassign"},
    "done": set(),
    "cancelled": set(),
}


def fire(task, actor, name, **fields):
    return taskgroups.task_transition(task=task, actor=actor, name=name, **fields)


@pytest.fixture
def logistics_task_in(logistics_task, logistics_member, officer, tech):
    """``logistics_task_in("blocked")``: the logistics task, moved there by the services."""

    def walk(state: str) -> Task:
        by_member = logistics_member
        steps = {
            "open": [],
            "accepted": [(by_member, "accept", {})],
            "in_progress": [(by_member, "accept", {}), (by_member, "start", {})],
            "done": [(by_member, "accept", {}), (by_member, "complete", {"outcome": "Booked"})],
            "rejected": [(by_member, "reject", {"reason": "Not ours"})],
            "blocked": [
                (by_member, "accept", {}),
                (by_member, "block", {"department": tech, "reason": "Need the part"}),
            ],
            "cancelled": [(officer.user, "cancel", {"reason": "No longer needed"})],
        }[state]
        for actor, name, fields in steps:
            fire(logistics_task, actor, name, **fields)
        logistics_task.refresh_from_db()
        assert logistics_task.state == state
        return logistics_task

    return walk


def test_forming_the_first_group_moves_the_case_to_awaiting_departments(group, officer):
    case = group.case
    case.refresh_from_db()

    assert case.state == "awaiting_departments"
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        "open_task_group",
        officer.user,
        "investigating",
        "awaiting_departments",
    )
    assert [t["department"] for t in event.payload["tasks"]] == ["logistics", "tech"]
    assert group.tasks.count() == 2
    assert set(group.members.values_list("username", flat=True)) == {
        "officer",
        "logistics_member",
        "tech_member",
    }


def test_each_task_gets_a_deadline_clock(group):
    for task in group.tasks.all():
        clock = SlaClock.objects.get(task=task)
        assert (clock.kind, clock.due_at, clock.state) == ("task_due", task.due_at, "running")


def test_a_second_group_is_audited_without_a_state_change(group, officer, logistics_member):
    second = taskgroups.task_group_open(
        case=group.case,
        actor=officer.user,
        title="Refund",
        tasks=[
            {
                "department": logistics_member.department_memberships.get().department,
                "assignee": logistics_member,
                "title": "Refund fee",
                "due_at": soon(),
            }
        ],
    )

    event = CaseEvent.objects.filter(case=group.case).last()
    assert (event.kind, event.from_state, event.to_state) == ("task_group_opened", None, None)
    assert event.payload["group"] == second.pk


def test_groups_need_an_investigating_case(case_in, officer, logistics_member):
    case = case_in("assigned")

    with pytest.raises(TransitionNotAllowed):
        taskgroups.task_group_open(case=case, actor=officer.user, title="x", tasks=[])


def test_only_the_officer_or_a_supervisor_forms_groups(investigating_case, other_officer):
    with pytest.raises(NotPermitted):
        taskgroups.task_group_open(
            case=investigating_case, actor=other_officer.user, title="x", tasks=[]
        )


def test_the_responsible_person_runs_a_task_to_done(logistics_task, logistics_member):
    fire(logistics_task, logistics_member, "accept")
    fire(logistics_task, logistics_member, "start")
    fire(logistics_task, logistics_member, "complete", outcome="Slot booked")

    logistics_task.refresh_from_db()
    assert (logistics_task.state, logistics_task.outcome) == ("done", "Slot booked")
    kinds = list(
        CaseEvent.objects.filter(case=logistics_task.case, kind__startswith="task_").values_list(
            "kind", "payload__from_state", "payload__state"
        )
    )
    assert kinds == [
        ("task_accept", "open", "accepted"),
        ("task_start", "accepted", "in_progress"),
        ("task_complete", "in_progress", "done"),
    ]
    assert SlaClock.objects.get(task=logistics_task).state == "met"


@pytest.mark.parametrize("state", list(ALLOWED))
def test_transitions_allowed_from_each_task_state(
    logistics_task_in, logistics_lead, officer, state
):
    task = logistics_task_in(state)
    available = set(taskgroups.allowed_task_transitions(task, officer.user)) | set(
        taskgroups.allowed_task_transitions(task, logistics_lead)
    )

    assert available == ALLOWED[state]


@pytest.mark.parametrize(
    ("state", "name"),
    [("open", "complete"), ("done", "accept"), ("cancelled", "reassign"), ("open", "block")],
)
def test_refused_task_transition_is_409_and_writes_nothing(
    logistics_task_in, logistics_member, state, name
):
    task = logistics_task_in(state)
    before = CaseEvent.objects.count()

    with pytest.raises(TransitionNotAllowed):
        fire(task, logistics_member, name, outcome="x", reason="x")

    task.refresh_from_db()
    assert task.state == state
    assert CaseEvent.objects.count() == before


def test_someone_else_in_the_department_may_not_act(logistics_task, logistics_other):
    with pytest.raises(NotPermitted):
        fire(logistics_task, logistics_other, "accept")


def test_another_department_may_not_act(logistics_task, tech_member):
    with pytest.raises(NotPermitted):
        fire(logistics_task, tech_member, "accept")


def test_the_lead_may_act_for_its_department(logistics_task, logistics_lead):
    fire(logistics_task, logistics_lead, "accept")

    logistics_task.refresh_from_db()
    assert logistics_task.state == "accepted"


def test_rejecting_needs_a_reason_and_goes_back_to_the_officer(logistics_task, logistics_member):
    fire(logistics_task, logistics_member, "reject", reason="Not our area")

    logistics_task.refresh_from_db()
    assert (logistics_task.state, logistics_task.reason) == ("rejected", "Not our area")
    assert logistics_task.case.state == "awaiting_departments"


def test_blocking_creates_a_linked_task_in_the_other_department(
    logistics_task, logistics_member, tech, tech_lead
):
    fire(logistics_task, logistics_member, "accept")
    fire(logistics_task, logistics_member, "block", department=tech, reason="Need the part")

    logistics_task.refresh_from_db()
    blocker = logistics_task.blocked_on
    assert logistics_task.state == "blocked"
    assert (blocker.department, blocker.assignee, blocker.state) == (tech, tech_lead, "open")
    assert SlaClock.objects.get(task=logistics_task).state == "paused"


def test_finishing_the_blocker_unblocks_the_waiting_task(
    logistics_task, logistics_member, tech, tech_lead
):
    fire(logistics_task, logistics_member, "accept")
    fire(logistics_task, logistics_member, "block", department=tech, reason="Need the part")
    blocker = Task.objects.get(pk=logistics_task.pk).blocked_on

    fire(blocker, tech_lead, "accept")
    fire(blocker, tech_lead, "complete", outcome="Part shipped")

    logistics_task.refresh_from_db()
    assert logistics_task.state == "in_progress"
    assert SlaClock.objects.get(task=logistics_task).state == "running"


def test_blocking_on_a_department_without_lead_is_refused(logistics_task, logistics_member):
    from tests.factories import DepartmentFactory

    finance = DepartmentFactory(code="finance")
    fire(logistics_task, logistics_member, "accept")

    with pytest.raises(RuleViolation) as refused:
        fire(logistics_task, logistics_member, "block", department=finance, reason="x")

    assert refused.value.code == "department_has_no_lead"


def test_the_lead_reassigns_within_the_department(logistics_task, logistics_lead, logistics_other):
    fire(logistics_task, logistics_lead, "reassign", assignee=logistics_other)

    logistics_task.refresh_from_db()
    assert (logistics_task.assignee, logistics_task.state) == (logistics_other, "open")


def test_reassigning_outside_the_department_is_refused(logistics_task, logistics_lead, tech_member):
    with pytest.raises(RuleViolation) as refused:
        fire(logistics_task, logistics_lead, "reassign", assignee=tech_member)

    assert refused.value.code == "not_department_member"


def test_a_member_cannot_reassign(logistics_task, logistics_member, logistics_other):
    with pytest.raises(NotPermitted):
        fire(logistics_task, logistics_member, "reassign", assignee=logistics_other)


def test_officer_cancels_a_task(logistics_task, officer):
    fire(logistics_task, officer.user, "cancel", reason="No longer needed")

    logistics_task.refresh_from_db()
    assert logistics_task.state == "cancelled"


def test_when_the_last_task_finishes_the_case_returns_to_the_officer(
    logistics_task, tech_task, logistics_member, tech_member, officer
):
    fire(logistics_task, logistics_member, "accept")
    fire(logistics_task, logistics_member, "complete", outcome="Done")
    assert logistics_task.case.__class__.objects.get(pk=logistics_task.case_id).state == (
        "awaiting_departments"
    )

    fire(tech_task, tech_member, "accept")
    fire(tech_task, tech_member, "complete", outcome="Done")

    case = tech_task.case.__class__.objects.get(pk=tech_task.case_id)
    assert case.state == "investigating"
    back = CaseEvent.objects.filter(case=case, kind="departments_done").get()
    assert (back.from_state, back.to_state) == ("awaiting_departments", "investigating")
    assert Notification.objects.filter(recipient=officer.user, kind="tasks_finished").exists()
    assert tech_task.group.__class__.objects.get(pk=tech_task.group_id).state == "closed"


def test_a_case_waiting_on_departments_cannot_be_resolved(logistics_task, officer):
    case = logistics_task.case

    with pytest.raises(TransitionNotAllowed):
        services.case_transition(case=case, actor=officer.user, name="resolve", resolution="Done")

    case.refresh_from_db()
    assert (case.state, case.resolution) == ("awaiting_departments", "")
    assert not CaseEvent.objects.filter(case=case, kind="resolve").exists()


# The services return a case to ``investigating`` only once all its tasks are finished, so
# the resolve guard below is the last line behind them: the two tests that follow build the
# state it protects against (an investigating case with unfinished tasks) with factories.


def test_a_case_with_open_required_tasks_cannot_be_resolved(investigating_case, officer):
    logistics = TaskFactory(group__case=investigating_case, department__code="logistics")
    tech = TaskFactory(group=logistics.group, department__code="tech", state="in_progress")
    TaskFactory(group=logistics.group, department__code="finance", required=False)
    TaskFactory(group=logistics.group, department__code="legal", state="done")

    with pytest.raises(RuleViolation) as refused:
        services.case_transition(
            case=investigating_case, actor=officer.user, name="resolve", resolution="Done"
        )

    assert refused.value.code == "open_required_tasks"
    assert {(t["id"], t["department"]) for t in refused.value.fields["open_tasks"]} == {
        (logistics.pk, "logistics"),
        (tech.pk, "tech"),
    }
    investigating_case.refresh_from_db()
    assert (investigating_case.state, investigating_case.resolution) == ("investigating", "")
    assert not CaseEvent.objects.filter(case=investigating_case).exists()


def test_optional_tasks_do_not_block_resolution(investigating_case, officer):
    done = TaskFactory(group__case=investigating_case, department__code="logistics", state="done")
    TaskFactory(group=done.group, department__code="tech", required=False)

    event = services.case_transition(
        case=investigating_case, actor=officer.user, name="resolve", resolution="Slot booked"
    )

    investigating_case.refresh_from_db()
    assert (investigating_case.state, investigating_case.resolution) == ("resolved", "Slot booked")
    assert (event.kind, event.from_state, event.to_state) == (
        "resolve",
        "investigating",
        "resolved",
    )
    assert list(CaseEvent.objects.filter(case=investigating_case)) == [event]


def test_once_the_required_tasks_are_done_an_open_optional_task_does_not_hold_the_case(
    investigating_case, officer, logistics_member, tech_member
):
    group = taskgroups.task_group_open(
        case=investigating_case,
        actor=officer.user,
        title="Install delayed",
        tasks=[
            {
                "department": logistics_member.department_memberships.get().department,
                "assignee": logistics_member,
                "title": "Confirm slot",
                "due_at": soon(4),
            },
            {
                "department": tech_member.department_memberships.get().department,
                "assignee": tech_member,
                "title": "Courtesy call",
                "due_at": soon(8),
                "required": False,
            },
        ],
    )
    required = group.tasks.get(required=True)
    fire(required, logistics_member, "accept")
    fire(required, logistics_member, "complete", outcome="Slot booked")

    services.case_transition(
        case=investigating_case, actor=officer.user, name="resolve", resolution="Slot booked"
    )

    investigating_case.refresh_from_db()
    assert investigating_case.state == "resolved"
    group.refresh_from_db()
    assert group.state == "open"  # the courtesy call is still running


def test_a_message_is_audited_and_restarts_the_officers_update_clock(
    logistics_task, officer, sla_policy
):
    from escalation.sla import clocks

    clocks.start_case_clocks(logistics_task.case)
    SlaClock.objects.filter(case=logistics_task.case, kind="first_response").update(
        stopped_at=logistics_task.created_at
    )

    message = taskgroups.task_message_post(
        task=logistics_task, actor=officer.user, body="Any news?"
    )

    event = CaseEvent.objects.filter(case=logistics_task.case, kind="task_message").get()
    assert event.payload["message"] == message.pk
    assert SlaClock.objects.filter(
        case=logistics_task.case, kind="next_update", stopped_at=None
    ).exists()


def test_the_service_holds_every_caller_to_the_task_rules(
    investigating_case, officer, logistics, logistics_member, tech_member
):
    specs = [
        {"department": logistics, "assignee": tech_member, "title": "Deliver", "due_at": soon()},
        {"department": logistics, "assignee": logistics_member, "title": "Again", "due_at": soon()},
    ]

    with pytest.raises(InvalidInput) as repeated:
        taskgroups.task_group_open(
            case=investigating_case, actor=officer.user, title="G", tasks=specs
        )
    specs[1]["department"] = DepartmentFactory(code="tech_two")
    specs[1]["due_at"] = soon(-1)
    with pytest.raises(InvalidInput) as wrong:
        taskgroups.task_group_open(
            case=investigating_case, actor=officer.user, title="G", tasks=specs
        )

    assert "repeated: logistics" in str(repeated.value.errors["tasks"][0])
    first, second = wrong.value.errors["tasks"]
    assert first == {"assignee": ["tech_member is not a member of logistics."]}
    assert set(second) == {"assignee", "due_at"}
    assert not investigating_case.task_groups.exists()


def test_an_officer_of_another_case_may_not_post_in_its_thread(logistics_task, other_officer):
    with pytest.raises(NotPermitted):
        taskgroups.task_message_post(task=logistics_task, actor=other_officer.user, body="Hi")

    assert not CaseEvent.objects.filter(kind="task_message").exists()


def test_a_member_of_the_tasks_department_and_a_supervisor_may_post(
    logistics_task, logistics_other, supervisor
):
    for actor in (logistics_other, supervisor):
        taskgroups.task_message_post(task=logistics_task, actor=actor, body="Noted")

    assert logistics_task.group.messages.count() == 2
