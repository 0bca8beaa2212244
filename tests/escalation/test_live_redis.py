"""Sockets on the Redis channel layer, under a real server: they stay open, survive restarts
and end when their client leaves.

channels_redis waits for each socket's messages with a blocking pop of
``RedisChannelLayer.brpop_timeout`` seconds; a Redis read timeout no longer than that
dropped every socket each time the pop came back empty. With any socket timeout at all,
redis-py sends through ``asyncio.wait_for``, which on Python 3.11 can swallow a consumer's
cancellation: the consumer then outlived its client.
"""

import asyncio
import json
import os
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect as ws_connect

from casehub.asgi import application
from casehub.settings import redis_channel_layer
from escalation import services
from tests.escalation.live_server import asgi_server, redis_server

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]

# Longer than channels_redis's blocking pop and than redis-py's default read timeout (5 s).
HOLD_SECONDS = 12


def test_the_redis_layer_sets_no_socket_timeout_and_keeps_connections_alive():
    layer = RedisChannelLayer(**redis_channel_layer("redis://127.0.0.1:6379/0")["CONFIG"])
    connection = layer.create_pool(0).make_connection()

    assert connection.socket_timeout is None  # Redis ends the blocking pop itself
    assert connection.socket_keepalive


@pytest.mark.redis
def test_every_consumer_of_a_busy_room_ends_when_its_client_leaves(
    redis_layer_at, case_in, officer
):
    """20 sockets on one case room hear two events and leave, three times over. With a
    socket timeout about one round in two left a consumer polling Redis for good."""
    redis_layer_at(os.environ["REDIS_URL"])
    case = case_in("assigned")
    token = Token.objects.get_or_create(user=officer.user)[0].key
    room = f"case-{case.pk}"

    async def round_of_sockets() -> int:
        layer = channel_layers["default"]
        sockets = []
        for _ in range(20):
            socket = WebsocketCommunicator(
                application, f"/ws/cases/{case.pk}/?token={token}", headers=ORIGIN
            )
            assert (await socket.connect(timeout=10))[0]
            sockets.append(socket)
        for n in range(2):
            await layer.group_send(room, {"type": "live.event", "event": {"n": n}})
        for socket in sockets:
            assert [await socket.receive_json_from(timeout=10) for _ in range(2)] == [
                {"n": 0},
                {"n": 1},
            ]
        for socket in sockets:
            await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        _, running = await asyncio.wait([socket.future for socket in sockets], timeout=10)
        for consumer in running:
            consumer.cancel()
        return len(running)

    assert [async_to_sync(round_of_sockets)() for _ in range(3)] == [0, 0, 0]


@pytest.fixture
def redis_layer_at(settings):
    """Point this process's channel layer at a Redis of the test's choosing."""

    def point(url: str) -> None:
        settings.CHANNEL_LAYERS = {"default": redis_channel_layer(url)}
        channel_layers.backends = {}

    yield point
    channel_layers.backends = {}


def ping(ws) -> None:
    ws.send(json.dumps({"type": "ping"}))
    assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}


def workbench(server, user):
    token = Token.objects.get_or_create(user=user)[0].key
    return ws_connect(f"{server.ws}/ws/workbench/?token={token}", open_timeout=10)


def start_and_expect_it(ws, case, actor) -> None:
    event = services.case_transition(case=case, actor=actor, name="start")
    message = json.loads(ws.recv(timeout=10))
    assert (message["type"], message["id"], message["event_id"]) == (
        "case.updated",
        case.pk,
        event.pk,
    )


@pytest.mark.redis
@pytest.mark.postgres
def test_a_socket_held_past_the_redis_timeouts_stays_open_and_receives(
    tmp_path, redis_layer_at, case_in, officer, supervisor
):
    redis_layer_at(os.environ["REDIS_URL"])
    case = case_in("assigned")

    with asgi_server(tmp_path, redis_url=os.environ["REDIS_URL"]) as server:
        with workbench(server, officer.user) as ws:
            for _ in range(HOLD_SECONDS):
                ping(ws)  # a dropped socket fails here
                time.sleep(1)

            start_and_expect_it(ws, case, supervisor)

        assert "TimeoutError" not in server.logged()


@pytest.mark.redis
@pytest.mark.postgres
def test_a_handshake_right_after_a_redis_restart_opens(
    tmp_path, redis_layer_at, case_in, officer, supervisor
):
    case = case_in("assigned")

    with redis_server(tmp_path) as redis, asgi_server(tmp_path, redis_url=redis.url) as server:
        redis_layer_at(redis.url)
        with workbench(server, officer.user) as ws:
            ping(ws)

        redis.restart()

        with workbench(server, officer.user) as ws:  # was HTTP 500: a pooled connection died
            ping(ws)
            start_and_expect_it(ws, case, supervisor)
        assert "Exception in ASGI application" not in server.logged()
