"""Live updates over websockets: authenticated rooms, one event per change, replay after gaps."""

import functools

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import TestCase
from rest_framework.authtoken.models import Token

from casehub.asgi import application
from core.errors import TransitionNotAllowed
from escalation import live, services

# Consumers reach the database through channels' database_sync_to_async, which closes
# connections left inside a transaction: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

HOST = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]


def scenario(coroutine_function):
    """Run an async test body in one event loop; its DB calls run on the test's thread."""

    @functools.wraps(coroutine_function)
    def run(*args, **kwargs):
        return async_to_sync(coroutine_function)(*args, **kwargs)

    return run


async def connect(path: str, user=None):
    if user is not None:
        token, _ = await database_sync_to_async(Token.objects.get_or_create)(user=user)
        path = f"{path}{'&' if '?' in path else '?'}token={token.key}"
    communicator = WebsocketCommunicator(application, path, headers=HOST)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def closed_with(communicator) -> int:
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close", message
    return message["code"]


@database_sync_to_async
def fire(case, actor, name, **fields):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.case_transition(case=case, actor=actor, name=name, **fields)


@scenario
async def test_anonymous_websocket_is_refused(case_in):
    case = await database_sync_to_async(case_in)("assigned")

    communicator, connected, _ = await connect(f"/ws/cases/{case.pk}/")

    assert connected  # then closed at once, with a code a browser can read
    assert await closed_with(communicator) == 4401


@scenario
async def test_case_room_refuses_people_who_cannot_see_the_case(case_in, department_member):
    case = await database_sync_to_async(case_in)("assigned")

    communicator, connected, _ = await connect(f"/ws/cases/{case.pk}/", department_member)

    assert connected
    assert await closed_with(communicator) == 4403


@scenario
async def test_case_room_receives_one_event_per_change(case_in, officer, frontline):
    case = await database_sync_to_async(case_in)("assigned")
    communicator, connected, _ = await connect(f"/ws/cases/{case.pk}/", frontline)
    assert connected

    event = await fire(case, officer.user, "start")

    message = await communicator.receive_json_from(timeout=3)
    assert message["type"] == "case.updated"
    assert (message["id"], message["event_id"]) == (case.pk, event.pk)
    assert (message["from_state"], message["to_state"], message["state"]) == (
        "assigned",
        "investigating",
        "investigating",
    )
    assert message["actor"] == "officer"
    assert await communicator.receive_nothing(0.3)
    await communicator.disconnect()


@scenario
async def test_reconnecting_with_last_event_id_replays_what_was_missed(case_in, officer):
    case = await database_sync_to_async(case_in)("assigned")
    seen = await fire(case, officer.user, "start")
    missed = [
        await fire(case, officer.user, "wait_for_customer"),
        await fire(case, officer.user, "customer_replied"),
    ]

    communicator, connected, _ = await connect(
        f"/ws/cases/{case.pk}/?last_event_id={seen.pk}", officer.user
    )

    assert connected
    replayed = [(await communicator.receive_json_from(timeout=3))["event_id"] for _ in missed]
    assert replayed == [event.pk for event in missed]
    assert await communicator.receive_nothing(0.3)
    await communicator.disconnect()


@scenario
async def test_workbench_streams_changes_to_the_officers_cases(case_in, officer, supervisor):
    case = await database_sync_to_async(case_in)("assigned")
    communicator, connected, _ = await connect("/ws/workbench/", officer.user)
    assert connected

    await fire(case, supervisor, "start")

    message = await communicator.receive_json_from(timeout=3)
    assert (message["id"], message["state"], message["actor"]) == (
        case.pk,
        "investigating",
        "supervisor",
    )
    await communicator.disconnect()


@scenario
async def test_the_floor_streams_every_case_change_to_the_war_report(
    case_in, officer, other_officer, supervisor, kb_member
):
    case = await database_sync_to_async(case_in)("assigned")
    watching, connected, _ = await connect("/ws/floor/", supervisor)
    assert connected
    refused, connected, _ = await connect("/ws/floor/", kb_member)
    assert connected and await closed_with(refused) == 4403

    event = await fire(case, officer.user, "start")  # another officer's case: seen too

    message = await watching.receive_json_from(timeout=3)
    assert (message["type"], message["event_id"]) == ("case.updated", event.pk)
    await watching.disconnect()
    replay, connected, _ = await connect(
        f"/ws/floor/?last_event_id={event.pk - 1}", other_officer.user
    )
    assert (await replay.receive_json_from(timeout=3))["event_id"] == event.pk
    await replay.disconnect()


@scenario
async def test_a_refused_transition_sends_nothing(case_in, officer):
    case = await database_sync_to_async(case_in)("assigned")
    communicator, _, _ = await connect(f"/ws/cases/{case.pk}/", officer.user)

    with pytest.raises(TransitionNotAllowed):
        await fire(case, officer.user, "close")

    assert await communicator.receive_nothing(0.3)
    await communicator.disconnect()


@scenario
async def test_ping_is_answered(case_in, officer):
    case = await database_sync_to_async(case_in)("assigned")
    communicator, _, _ = await connect(f"/ws/cases/{case.pk}/", officer.user)

    await communicator.send_json_to({"type": "ping"})

    assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.redis
@scenario
async def test_events_travel_through_the_redis_channel_layer(case_in, officer, frontline):
    assert "RedisChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    case = await database_sync_to_async(case_in)("assigned")
    communicator, connected, _ = await connect(f"/ws/cases/{case.pk}/", frontline)
    assert connected

    event = await fire(case, officer.user, "start")

    assert (await communicator.receive_json_from(timeout=5))["event_id"] == event.pk
    await communicator.disconnect()


@pytest.mark.redis
@scenario
async def test_a_ping_renews_a_subscription_that_redis_lost(case_in, officer, supervisor):
    case = await database_sync_to_async(case_in)("assigned")
    communicator, connected, _ = await connect("/ws/workbench/", officer.user)
    assert connected
    layer = get_channel_layer()
    # What a Redis restarted without its data, or the layer's group expiry, leaves behind.
    await layer.connection(0).delete(layer._group_key(live.user_group(officer.user.pk)))

    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    event = await fire(case, supervisor, "start")

    assert (await communicator.receive_json_from(timeout=5))["event_id"] == event.pk
    await communicator.disconnect()
