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

import logging
from dataclasses import asdict
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

KNOWLEDGE_GROUP = "knowledge"


def case_group(case_id: int) -> str:
    return f"case-{case_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def department_group(code: str) -> str:
    return f"department-{code}"


def send_many(batch: list[tuple[list[str], Any]]) -> None:
    """Send now, in one hop to the channel layer, ``[(groups, message), …]``.

    A failing layer is logged, never raised: the change is committed and clients resync.
    """
    layer = get_channel_layer()
    if layer is None or not batch:
        return

    async def send_all() -> None:
        for groups, message in batch:
            body = asdict(message) if not isinstance(message, dict) else message
            for group in dict.fromkeys(groups):
                await layer.group_send(group, {"type": "live.event", "event": body})

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("live events could not be sent")


def send(groups: list[str], message: Any) -> None:
    send_many([(groups, message)])


def send_on_commit(groups: list[str], message: Any) -> None:
    transaction.on_commit(lambda: send(groups, message))


def send_many_on_commit(batch: list[tuple[list[str], Any]]) -> None:
    transaction.on_commit(lambda: send_many(batch))
