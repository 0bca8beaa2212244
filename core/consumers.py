"""The base of every websocket consumer: authenticate, authorize, join, replay, ping.

Each stream accepts the handshake and then, when the client may not subscribe, closes at
once with a code a browser can read (a refused handshake shows only as 1006 there):

- ``4401``: not authenticated (no session, an unknown or inactive token);
- ``4403``: authenticated, but not permitted this stream.

Cookie sessions from a foreign origin never reach a consumer: ``core.live_auth`` refuses
them at the handshake. A client passing ``?last_event_id=<n>`` receives what it missed since
that event; a client sending ``{"type": "ping"}`` gets ``{"type": "pong"}`` and renews its
subscription.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from core import metrics

REPLAY_LIMIT = 500
NOT_AUTHENTICATED = 4401
NOT_PERMITTED = 4403
#: Closed for sending too much: a client pings every 25 s and sends nothing else.
TOO_MANY_MESSAGES = 4429
#: Frames a client may send in a burst, and how many a second refill the allowance.
BURST = 10
PER_SECOND = 1.0


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups ``groups_for`` names and forwards ``live.event(s)`` messages."""

    groups: list[str] = []

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(NOT_AUTHENTICATED, _("Authentication required."))
            return
        groups = await database_sync_to_async(self.groups_for)(user)
        if groups is None:
            await self.refuse(NOT_PERMITTED, _("You may not follow this stream."))
            return
        self.joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        metrics.LIVE_CONNECTIONS.labels(self.stream_name()).inc()
        last = self.last_event_id()
        if last is not None:
            for message in await database_sync_to_async(self.missed)(user, last):
                await self.send_json(message)

    async def refuse(self, code: int, reason: str) -> None:
        """Accepts, then closes with ``code``: the client learns why it may not subscribe."""
        await self.accept()
        await self.close(code=code, reason=reason)

    async def disconnect(self, code):
        if hasattr(self, "joined"):
            metrics.LIVE_CONNECTIONS.labels(self.stream_name()).dec()
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    @classmethod
    def stream_name(cls) -> str:
        """``WorkbenchConsumer`` → ``workbench``: the metrics' label for the stream."""
        return cls.__name__.removesuffix("Consumer").lower()

    async def live_event(self, message):
        await self.send_json(message["event"])

    async def live_events(self, message):
        # Several events for one group in one layer message (core.live): a frame each.
        for event in message["events"]:
            await self.send_json(event)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Every frame draws on a small allowance; a client past it is closed (4429), so one
        flooding socket costs its own connection, never the others' time."""
        now = time.monotonic()
        allowance = getattr(self, "allowance", float(BURST))
        last = getattr(self, "allowance_at", now)
        allowance = min(float(BURST), allowance + (now - last) * PER_SECOND) - 1
        self.allowance, self.allowance_at = allowance, now
        if allowance < 0:
            if not getattr(self, "closing", False):
                self.closing = True
                await self.close(code=TOO_MANY_MESSAGES)
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            decoded = json.loads(text_data)
        except (TypeError, ValueError):
            return {}  # not JSON: ignored, as any frame we do not know
        return decoded if isinstance(decoded, dict) else {}

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping" and hasattr(self, "joined"):
            # Join again: a Redis restarted without its data, or channels_redis's group
            # expiry (a day), would otherwise leave an open socket deaf.
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
            await self.send_json({"type": "pong"})

    def last_event_id(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            return int(query["last_event_id"][0])
        except (KeyError, ValueError, IndexError):
            return None

    def groups_for(self, user) -> list[str] | None:
        raise NotImplementedError

    def missed(self, user, last_event_id: int) -> list[dict]:
        return []
