"""Sockets on the Redis channel layer, under a real server: they stay open and survive restarts.

channels_redis waits for each socket's messages with a blocking pop of
``RedisChannelLayer.brpop_timeout`` seconds; a Redis read timeout no longer than that
dropped every socket each time the pop came back empty.
"""

import json
import os
import time

import pytest
from channels.layers import channel_layers
from channels_redis.core import RedisChannelLayer
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect as ws_connect

from casehub.settings import redis_channel_layer
from escalation import services
from tests.escalation.live_server import asgi_server, redis_server

pytestmark = pytest.mark.django_db(transaction=True)

# Longer than channels_redis's blocking pop and than redis-py's default read timeout (5 s).
HOLD_SECONDS = 12


def test_the_redis_layer_reads_longer_than_its_blocking_pop():
    layer = RedisChannelLayer(**redis_channel_layer("redis://127.0.0.1:6379/0")["CONFIG"])
    connection = layer.create_pool(0).make_connection()

    assert connection.socket_timeout > RedisChannelLayer.brpop_timeout


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
