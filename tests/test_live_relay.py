"""Live batches: several events for one group travel as one layer message, and the web
server's relay takes batches from the demo's other processes only when signed and local."""

import asyncio
import os
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.core import signing
from django.core.signals import request_finished, request_started

from casehub.settings import redis_channel_layer
from core import live
from core.live_relay import LiveRelay
from tests.escalation.test_live import connect, scenario

pytestmark = pytest.mark.django_db(transaction=True)


def events(count: int, first: int = 1) -> list[dict]:
    return [{"type": "case.updated", "id": 7, "event_id": n} for n in range(first, first + count)]


def test_a_batch_goes_to_each_group_in_order_and_in_bounded_messages():
    batch = [(["case-7", "user-3"], event) for event in events(live.EVENTS_PER_MESSAGE + 1)]
    batch.append((["case-8"], {"type": "case.updated", "id": 8, "event_id": 999}))

    by_group = live.grouped(batch)
    messages = {group: live.layer_messages(evs) for group, evs in by_group.items()}

    assert list(by_group) == ["case-7", "user-3", "case-8"]
    first, second = messages["case-7"]
    assert first["type"] == "live.events"
    assert [e["event_id"] for e in first["events"]] == list(range(1, live.EVENTS_PER_MESSAGE + 1))
    assert second == {"type": "live.event", "event": by_group["case-7"][-1]}
    assert messages["case-8"] == [{"type": "live.event", "event": by_group["case-8"][0]}]


@scenario
async def test_a_socket_gets_a_frame_per_event_of_a_grouped_message(officer):
    communicator, connected, _ = await connect("/ws/workbench/", officer.user)
    assert connected

    sent = events(3)
    await sync_to_async(live.send_many)(
        [([live.user_group(officer.user_id)], event) for event in sent]
    )

    received = [await communicator.receive_json_from(timeout=3) for _ in sent]
    assert received == sent
    await communicator.disconnect()


@pytest.fixture
def in_memory_layer(settings):
    """The embedded defaults' layer, whatever this run's REDIS_URL says."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def post(body: bytes, *, method: str = "POST", client: str = "127.0.0.1") -> tuple[int, bytes]:
    """One request through the relay; what it answered (Django's when it passed it on)."""
    passed_on = []

    async def django(scope, receive, send):
        passed_on.append(scope["path"])
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"django"})

    scope = {
        "type": "http",
        "method": method,
        "path": live.RELAY_PATH,
        "client": (client, 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [],
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    async_to_sync(LiveRelay(django))(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


def signed(by_group) -> bytes:
    return signing.dumps(by_group, salt=live.RELAY_SALT, compress=True).encode()


def test_a_signed_local_batch_reaches_the_in_memory_layer(in_memory_layer):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("case-7", channel)

    status, _ = post(signed({"case-7": events(2)}))

    assert status == 204
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "live.events", "events": events(2)}


@pytest.mark.parametrize(
    ("body", "method", "client", "status"),
    [
        (lambda: b"", "GET", "127.0.0.1", 405),
        (lambda: b"{}", "POST", "127.0.0.1", 403),  # no signature
        (lambda: signed({"case-7": []}), "POST", "203.0.113.9", 403),  # from another machine
        (
            lambda: signing.dumps({"case-7": "x"}, salt=live.RELAY_SALT).encode(),
            "POST",
            "127.0.0.1",
            400,
        ),
        (lambda: signing.dumps({"case-7": []}, salt="another").encode(), "POST", "127.0.0.1", 403),
        (lambda: b"\xff\xfe", "POST", "127.0.0.1", 403),
    ],
)
def test_the_relay_refuses_what_it_cannot_trust(in_memory_layer, body, method, client, status):
    # Signed as the test runs: a signature made when the tests were collected may be stale.
    assert post(body(), method=method, client=client)[0] == status


def test_the_relay_refuses_a_batch_signed_over_a_minute_ago(in_memory_layer, monkeypatch):
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 61)
    stale = signed({"case-7": events(1)})
    monkeypatch.undo()

    assert post(stale)[0] == 403


def test_with_a_shared_layer_the_relay_path_is_not_served(settings):
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer("redis://127.0.0.1:6379/0")}
    channel_layers.backends = {}
    try:
        assert post(signed({"case-7": events(1)})) == (404, b"django")
    finally:
        channel_layers.backends = {}


@pytest.fixture
def relay_receiver(settings):
    """A web server's relay endpoint on 127.0.0.1: a queue of the batches it was posted."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((self.path, signing.loads(body.decode(), salt=live.RELAY_SALT)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CASEHUB_LIVE_RELAY_URL = f"http://127.0.0.1:{server.server_port}"
    yield received
    server.shutdown()
    server.server_close()


def test_a_process_pointed_at_the_relay_posts_its_batches(relay_receiver):
    live.send_many([(["case-7"], event) for event in events(2)])

    assert live.flush(10)
    assert relay_receiver.get(timeout=10) == (live.RELAY_PATH, {"case-7": events(2)})


@pytest.mark.redis
def test_on_redis_only_groups_somebody_joined_are_sent_to_and_they_get_every_event(monkeypatch):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    layer = RedisChannelLayer(**redis_channel_layer(url)["CONFIG"])
    sent_to: list[str] = []
    real_send = layer.group_send

    async def counted(group, message):
        sent_to.append(group)
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", counted)
    prefix = f"probe{uuid.uuid4().hex[:8]}"
    by_group = {f"{prefix}-{n}": events(2, first=10 * n) for n in range(50)}
    listened = f"{prefix}-37"

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(listened, channel)
        try:
            await live.send_grouped(layer, by_group)
            return await asyncio.wait_for(layer.receive(channel), 10)
        finally:
            await layer.group_discard(listened, channel)
            await layer.close_pools()

    message = async_to_sync(scenario)()

    assert sent_to == [listened]
    assert message == {"type": "live.events", "events": by_group[listened]}


@pytest.fixture
def queued(settings, monkeypatch) -> list:
    """What the sending thread is handed, for a process that sends over the network."""
    settings.CASEHUB_LIVE_RELAY_URL = "http://127.0.0.1:9"
    handed: list = []
    monkeypatch.setattr(live._sender, "_queue_batch", lambda target, batch: handed.append(batch))
    return handed


def test_a_request_sends_its_batches_once_its_response_is_out(queued):
    first, second = [(["case-7"], e) for e in events(1)], [(["case-8"], e) for e in events(1, 2)]

    request_started.send(sender=None)
    live.send_many(first)
    live.send_many(second)
    assert queued == []  # the response is still being written

    request_finished.send(sender=None)
    assert queued == [first, second]

    live.send_many(first)  # outside a request (Celery, a command): at once
    assert queued == [first, second, first]


def test_what_an_unfinished_request_held_goes_out_when_the_next_begins_or_on_flush(queued):
    batch = [(["case-7"], e) for e in events(1)]

    request_started.send(sender=None)
    live.send_many(batch)
    request_started.send(sender=None)  # the first never finished
    assert queued == [batch]

    live.send_many(batch)
    live.flush(1)
    assert queued == [batch, batch]
    request_finished.send(sender=None)
    assert queued == [batch, batch]


def test_a_case_event_reaches_the_relay_after_the_intake_answered(relay_receiver, frontline):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(frontline)
    response = client.post(
        "/api/v1/cases/",
        {
            "title": "Fridge not delivered",
            "channel": "phone",
            "category": "delivery",
            "customer": {"external_id": "RELAY-1", "name": "Ann", "tier": "standard"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content

    assert live.flush(10)
    path, by_group = relay_receiver.get(timeout=10)
    assert path == live.RELAY_PATH
    case_room = by_group[live.case_group(response.json()["id"])]
    assert [event["kind"] for event in case_room] == ["created"]
