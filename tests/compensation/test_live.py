"""Live events: a pending grant notifies the supervisors after commit; steps reach the case room."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.live import case_group, user_group


def _listen(group: str) -> tuple:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return layer, channel


def _receive(layer, channel, count: int = 1) -> list[dict]:
    """``count`` messages, read in one event loop (the Redis layer buffers per loop)."""

    async def read():
        events: list[dict] = []
        while len(events) < count:
            message = await layer.receive(channel)
            events.extend(message["events"] if "events" in message else [message["event"]])
        return events

    return async_to_sync(read)()


def test_pending_grant_notifies_supervisors_after_commit(
    case, officer, supervisor, grant, django_capture_on_commit_callbacks
):
    layer, channel = _listen(user_group(supervisor.pk))

    with django_capture_on_commit_callbacks(execute=True):
        pending = grant(officer.user, case, "300.00")

    [event] = _receive(layer, channel)
    assert event["type"] == "notification"
    assert (event["kind"], event["id"], event["amount"]) == (
        "compensation_approval",
        pending.pk,
        "300.00",
    )


def test_grant_step_reaches_the_case_room_as_case_updated(
    case, officer, grant, django_capture_on_commit_callbacks
):
    layer, channel = _listen(case_group(case.pk))

    with django_capture_on_commit_callbacks(execute=True):
        made = grant(officer.user, case, "20.00")

    first, second = _receive(layer, channel, 2)
    assert (first["type"], first["kind"]) == ("case.updated", "compensation_approved")
    assert first["payload"]["grant"] == made.pk
    # then issued after commit (eagerly in tests)
    assert second["kind"] == "compensation_issued"
