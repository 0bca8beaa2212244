"""The web server's end of the live relay, for the embedded defaults.

With no ``REDIS_URL`` the channel layer is in memory, so it lives in the web server's process
only. ``make demo`` starts the Celery worker and beat with ``CASEHUB_LIVE_RELAY_URL`` naming
the web server, and they post their batches of live events here (``core.live.Relay``): a
breach raised by the worker reaches an open page at once, as it does through Redis.

A batch is accepted only when the server's layer is in memory (with Redis every process
shares the layer and this path is not served), when it comes from this machine, and when it
carries a fresh signature made with the secret key.
"""

from __future__ import annotations

import ipaddress

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core import signing

from core import live

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_AGE_SECONDS = 60


class LiveRelay:
    """ASGI middleware: answers ``POST /live/relay/`` itself, passes everything else on."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != live.RELAY_PATH:
            await self.app(scope, receive, send)
            return
        layer = get_channel_layer()
        if not isinstance(layer, InMemoryChannelLayer):
            await self.app(scope, receive, send)
            return
        status = await self.relay(layer, scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def relay(self, layer, scope, receive) -> int:
        if scope["method"] != "POST":
            return 405
        if not _from_this_machine(scope):
            return 403
        body = await _read_body(receive)
        if body is None:
            return 413
        try:
            by_group = signing.loads(body.decode(), salt=live.RELAY_SALT, max_age=MAX_AGE_SECONDS)
        except (signing.BadSignature, UnicodeDecodeError):
            return 403
        if not _is_grouped(by_group):
            return 400
        await live.send_grouped(layer, by_group)
        return 204


def _from_this_machine(scope) -> bool:
    client = (scope.get("client") or ("",))[0]
    server = (scope.get("server") or ("",))[0]
    try:
        return ipaddress.ip_address(client).is_loopback or client == server
    except ValueError:
        return False


async def _read_body(receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return body
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            return body


def _is_grouped(value) -> bool:
    return isinstance(value, dict) and all(
        isinstance(group, str)
        and isinstance(events, list)
        and all(isinstance(event, dict) for event in events)
        for group, events in value.items()
    )
