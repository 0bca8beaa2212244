"""Live events: sending messages to websocket clients, and the names of the groups they join.

Every message is a JSON envelope ``{"type": ..., "id": ..., "event_id": ..., ...}``, sent after
the transaction commits so a client never sees a change that was rolled back. Delivery is best
effort: the change is committed either way, and a client that missed some resyncs from the
audit trail (``?last_event_id=``). Each app builds its own envelopes (``escalation.live``,
``compensation.live``, ``knowledge.live``) and sends them through here.

Groups: ``case-<id>`` (a case's room), ``user-<id>`` (a person's workbench),
``department-<code>`` (a department's stream), ``knowledge`` (the knowledge stream).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from dataclasses import asdict
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

KNOWLEDGE_GROUP = "knowledge"


def case_group(case_id: int) -> str:
    return f"case-{case_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def department_group(code: str) -> str:
    return f"department-{code}"


async def _send_all(layer, batch: list[tuple[list[str], Any]]) -> None:
    for groups, message in batch:
        body = asdict(message) if not isinstance(message, dict) else message
        for group in dict.fromkeys(groups):
            await layer.group_send(group, {"type": "live.event", "event": body})


class _Sender:
    """One event loop per process, in a thread of its own, that hands batches to a network
    channel layer in the order they were sent.

    A request thread queues its batch and goes on: it neither waits for Redis nor builds an
    event loop and a connection per send, as ``async_to_sync`` would. The loop keeps the
    layer's connections open between sends. Batches still queued when the process exits
    are flushed (up to ``FLUSH_SECONDS``).
    """

    FLUSH_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, layer, batch: list[tuple[list[str], Any]]) -> None:
        loop, queue = self._started()
        with self._lock:
            self._pending += 1
        loop.call_soon_threadsafe(queue.put_nowait, (layer, batch))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued batch was handed to the layer; False on timeout."""
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
            layer, batch = await queue.get()
            try:
                await _send_all(layer, batch)
            except Exception:
                logger.exception("live events could not be sent")
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()


_sender = _Sender()
atexit.register(_sender.flush, _Sender.FLUSH_SECONDS)


def _sends_over_the_network(layer) -> bool:
    # The in-memory layer's queues belong to the event loop of the process's consumers: it
    # is sent to right here. Redis (and any other networked layer) goes through the sender.
    return not isinstance(layer, InMemoryChannelLayer)


def send_many(batch: list[tuple[list[str], Any]]) -> None:
    """Send ``[(groups, message), …]``: handed to the layer in this order.

    To a networked layer (Redis) the batch is queued for this process's sending thread and
    the caller goes on; to the in-memory layer it is sent before this returns. A failing
    layer is logged, never raised: the change is committed and clients resync.
    """
    layer = get_channel_layer()
    if layer is None or not batch:
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
