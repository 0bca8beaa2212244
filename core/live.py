"""Live events: sending messages to websocket clients, and the names of the groups they join.

Every message is a JSON envelope ``{"type": ..., "id": ..., "event_id": ..., ...}``, sent after
the transaction commits so a client never sees a change that was rolled back. Delivery is best
effort: the change is committed either way, and a client that missed some resyncs from the
audit trail (``?last_event_id=``). Each app builds its own envelopes (``escalation.live``,
``compensation.live``, ``knowledge.live``) and sends them through here.

Groups: ``case-<id>`` (a case's room), ``user-<id>`` (a person's workbench),
``department-<code>`` (a department's stream), ``knowledge`` (the knowledge stream).

A batch is handed to the layer group by group: one ``live.event`` message when a group
hears of one event, ``live.events`` (up to ``EVENTS_PER_MESSAGE`` of them, in order) when it
hears of several, as a sweep that breaches a thousand clocks does. Consumers unpack
``live.events`` into one websocket frame per event, so clients see no difference.

On the embedded defaults the in-memory layer lives in the web server's process only: other
processes (the Celery worker and beat of ``make demo``) hand their batches to the web server
over HTTP when ``CASEHUB_LIVE_RELAY_URL`` names it (``Relay`` here, ``core.live_relay`` there).
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import threading
import urllib.request
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.core import signing
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.dispatch import receiver

logger = logging.getLogger(__name__)

KNOWLEDGE_GROUP = "knowledge"
#: Every case event, for the war report that watches the whole floor.
FLOOR_GROUP = "floor"
#: What only supervisors follow on the war report (the team's availability and strain).
SUPERVISORS_GROUP = "supervisors"


def case_group(case_id: int) -> str:
    return f"case-{case_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def department_group(code: str) -> str:
    return f"department-{code}"


#: The most events one channel-layer message carries to a group.
EVENTS_PER_MESSAGE = 100

Grouped = dict[str, list[dict]]


def grouped(batch: list[tuple[list[str], Any]]) -> Grouped:
    """``{group: [event, …]}`` for a batch, each group's events in the batch's order."""
    by_group: Grouped = {}
    for groups, message in batch:
        # A shallow copy of the envelope: it is serialized (or copied by the in-memory
        # layer) on the way out, so the deep copy of dataclasses.asdict buys nothing.
        body = message if isinstance(message, dict) else dict(vars(message))
        for group in dict.fromkeys(groups):
            by_group.setdefault(group, []).append(body)
    return by_group


def layer_messages(events: list[dict]) -> list[dict]:
    """The channel-layer messages that carry ``events`` to one group."""
    chunks = [
        events[start : start + EVENTS_PER_MESSAGE]
        for start in range(0, len(events), EVENTS_PER_MESSAGE)
    ]
    return [
        {"type": "live.event", "event": chunk[0]}
        if len(chunk) == 1
        else {"type": "live.events", "events": chunk}
        for chunk in chunks
    ]


async def send_grouped(layer, by_group: Grouped) -> None:
    for group in await _listened(layer, list(by_group)):
        for message in layer_messages(by_group[group]):
            await layer.group_send(group, message)


async def _listened(layer, groups: list[str]) -> list[str]:
    """The groups somebody joined, asked of Redis in one pipelined round trip per host.

    channels_redis looks a group's members up before each send: two round trips even for a
    group nobody joined, which is most of a sweep's thousands of case rooms. A member whose
    membership has expired still counts here; the send itself then drops it.
    """
    if not isinstance(layer, RedisChannelLayer) or len(groups) < 2:
        return groups
    by_host: dict[int, list[str]] = {}
    for group in groups:
        by_host.setdefault(layer.consistent_hash(group), []).append(group)
    listened: set[str] = set()
    for index, names in by_host.items():
        pipe = layer.connection(index).pipeline(transaction=False)
        for group in names:
            pipe.zcard(layer._group_key(group))
        counts = await pipe.execute()
        listened.update(group for group, count in zip(names, counts, strict=True) if count)
    return [group for group in groups if group in listened]


RELAY_PATH = "/live/relay/"
RELAY_SALT = "casehub.live.relay"
RELAY_TIMEOUT = 5.0


class Relay:
    """The web server's relay endpoint (``core.live_relay``), for a process that shares no
    channel layer with it. Batches are signed with the secret key and compressed."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url.rstrip("/") + RELAY_PATH

    def post(self, by_group: Grouped) -> None:
        body = signing.dumps(by_group, salt=RELAY_SALT, compress=True).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(request, timeout=RELAY_TIMEOUT) as response:
            response.read()


@functools.cache
def _relay(base_url: str) -> Relay:
    return Relay(base_url)


async def _send_all(target, batch: list[tuple[list[str], Any]]) -> None:
    by_group = grouped(batch)
    if isinstance(target, Relay):
        # The sending thread's own loop serves nothing else: a blocking post is fine here.
        target.post(by_group)
    else:
        await send_grouped(target, by_group)


#: Batches a request in this thread sent, held until its response is out (None outside one).
_requests = threading.local()


class _Sender:
    """One event loop per process, in a thread of its own, that hands batches to a network
    channel layer in the order they were sent.

    A request thread queues its batch and goes on: it neither waits for Redis nor builds an
    event loop and a connection per send, as ``async_to_sync`` would. The loop keeps the
    layer's connections open between sends. A request's batches are queued once its
    response is out (``request_finished``): sending them wakes this thread, which would
    otherwise take the interpreter from the request while it still writes the response.
    Batches still queued when the process exits are flushed (up to ``FLUSH_SECONDS``).
    """

    FLUSH_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, target, batch: list[tuple[list[str], Any]]) -> None:
        """Queue a batch; one sent during a request waits for the response to be out."""
        held = getattr(_requests, "held", None)
        if held is not None:
            held.append((target, batch))
            return
        self._queue_batch(target, batch)

    def _queue_batch(self, target, batch: list[tuple[list[str], Any]]) -> None:
        loop, queue = self._started()
        with self._lock:
            self._pending += 1
        loop.call_soon_threadsafe(queue.put_nowait, (target, batch))

    def hold(self) -> None:
        """A request began in this thread: its batches wait until ``release``."""
        self.release()  # what a request that never finished left behind
        _requests.held = []

    def release(self) -> None:
        """The request's response is out: queue what it sent, in order."""
        held = getattr(_requests, "held", None)
        _requests.held = None
        for target, batch in held or ():
            self._queue_batch(target, batch)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued batch was handed to the layer; False on timeout."""
        self.release()
        with self._idle:
            if self._pid != os.getpid():
                return True
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            # A forked child (a Celery or gunicorn worker) has no copy of the parent's thread.
            if self._pid != os.getpid() or self._loop is None or self._queue is None:
                self._loop = asyncio.new_event_loop()
                self._queue = asyncio.Queue()
                self._pending = 0
                self._pid = os.getpid()
                threading.Thread(
                    target=self._run,
                    args=(self._loop, self._queue),
                    name="live-sender",
                    daemon=True,
                ).start()
            return self._loop, self._queue

    def _run(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._drain(queue))

    async def _drain(self, queue: asyncio.Queue) -> None:
        while True:
            target, batch = await queue.get()
            try:
                await _send_all(target, batch)
            except Exception:
                logger.exception("live events could not be sent")
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()


_sender = _Sender()
atexit.register(_sender.flush, _Sender.FLUSH_SECONDS)


@receiver(request_started, dispatch_uid="core.live.hold")
def _hold_during_request(**kwargs: Any) -> None:
    _sender.hold()


@receiver(request_finished, dispatch_uid="core.live.release")
def _release_after_request(**kwargs: Any) -> None:
    _sender.release()


def _sends_over_the_network(layer) -> bool:
    # The in-memory layer's queues belong to the event loop of the process's consumers: it
    # is sent to right here. Redis (and any other networked layer) goes through the sender.
    return not isinstance(layer, InMemoryChannelLayer)


def send_many(batch: list[tuple[list[str], Any]]) -> None:
    """Send ``[(groups, message), …]``: handed to the layer in this order.

    To a networked layer (Redis), or to the web server's relay, the batch is queued for this
    process's sending thread (during a request, once its response is out) and the caller goes
    on; to the in-memory layer it is sent before this returns. A failing layer is logged,
    never raised: the change is committed and clients resync.
    """
    if not batch:
        return
    if settings.CASEHUB_LIVE_RELAY_URL:
        _sender.submit(_relay(settings.CASEHUB_LIVE_RELAY_URL), batch)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    if _sends_over_the_network(layer):
        _sender.submit(layer, batch)
        return
    try:
        async_to_sync(_send_all)(layer, batch)
    except Exception:
        logger.exception("live events could not be sent")


def flush(timeout: float | None = None) -> bool:
    """Wait until this process's queued live events reached the channel layer."""
    return _sender.flush(timeout)


def send(groups: list[str], message: Any) -> None:
    send_many([(groups, message)])


def send_on_commit(groups: list[str], message: Any) -> None:
    transaction.on_commit(lambda: send(groups, message))


def send_many_on_commit(batch: list[tuple[list[str], Any]]) -> None:
    transaction.on_commit(lambda: send_many(batch))
