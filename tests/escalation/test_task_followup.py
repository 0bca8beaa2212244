"""Following tasks: the officer sees each department step live; overdue tasks escalate once."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import TestCase
from django.utils import timezone

from escalation import services, taskgroups
from escalation.models import CaseEvent, Notification, SlaClock
from tests.escalation.test_live import closed_with, connect, scenario

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def fire(task, actor, name, **fields):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return taskgroups.task_transition(task=task, actor=actor, name=name, **fields)


@scenario
async def test_the_officer_sees_each_department_step_live(
    logistics_task, logistics_member, officer
):
    workbench, connected, _ = await connect("/ws/workbench/", officer.user)
    assert connected

    await fire(logistics_task, logistics_member, "accept")
    await fire(logistics_task, logistics_member, "complete", outcome="Booked")

    first = await workbench.receive_json_from(timeout=3)
    second = await workbench.receive_json_from(timeout=3)
    assert [first["kind"], second["kind"]] == ["task_accept", "task_complete"]
    assert second["payload"]["department"] == "logistics"
    assert second["actor"] == "logistics_member"
    await workbench.disconnect()


@scenario
async def test_the_department_stream_carries_its_tasks_only(
    logistics_task, tech_task, logistics_member, tech_member
):
    stream, connected, _ = await connect("/ws/departments/logistics/", logistics_member)
    assert connected

    await fire(tech_task, tech_member, "accept")
    await fire(logistics_task, logistics_member, "accept")

    message = await stream.receive_json_from(timeout=3)
    assert (message["kind"], message["payload"]["department"]) == ("task_accept", "logistics")
    assert await stream.receive_nothing(0.3)
    await stream.disconnect()


@scenario
async def test_a_department_stream_refuses_outsiders(logistics, tech_member):
    stream, connected, _ = await connect("/ws/departments/logistics/", tech_member)

    assert connected  # accepted, then closed with a code the client can read
    assert await closed_with(stream) == 4403


@scenario
async def test_the_department_stream_replays_after_a_gap(logistics_task, logistics_member):
    seen = await fire(logistics_task, logistics_member, "accept")
    missed = await fire(logistics_task, logistics_member, "start")

    stream, _, _ = await connect(
        f"/ws/departments/logistics/?last_event_id={seen.pk}", logistics_member
    )

    assert (await stream.receive_json_from(timeout=3))["event_id"] == missed.pk
    await stream.disconnect()


def overdue(task, *, warn_only=False):
    past = timezone.now() - timedelta(minutes=1)
    SlaClock.objects.filter(task=task).update(
        warn_at=past, due_at=timezone.now() + timedelta(hours=1) if warn_only else past
    )


def test_a_task_near_its_deadline_reminds_the_responsible_person(logistics_task, logistics_member):
    overdue(logistics_task, warn_only=True)

    services.sla_sweep()
    services.sla_sweep()

    reminders = Notification.objects.filter(kind="task_reminder")
    assert list(reminders.values_list("recipient__username", flat=True)) == ["logistics_member"]
    assert CaseEvent.objects.filter(kind="task_reminder").count() == 1


def test_an_overdue_task_goes_to_the_lead_and_alerts_the_officer(
    logistics_task, logistics_lead, officer
):
    overdue(logistics_task)

    services.sla_sweep()
    services.sla_sweep()

    notified = set(
        Notification.objects.filter(kind="task_overdue").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"logistics_lead", "officer"}
    assert CaseEvent.objects.filter(kind="task_overdue").count() == 1
    logistics_task.case.refresh_from_db()
    assert logistics_task.case.escalation_level == 0  # a task deadline is not a case breach


def test_a_finished_task_is_never_overdue(logistics_task, logistics_member):
    taskgroups.task_transition(task=logistics_task, actor=logistics_member, name="accept")
    taskgroups.task_transition(
        task=logistics_task, actor=logistics_member, name="complete", outcome="Done"
    )
    SlaClock.objects.filter(task=logistics_task).update(due_at=timezone.now())

    assert services.sla_sweep().breached == 0
