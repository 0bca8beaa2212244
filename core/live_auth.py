"""Websocket authentication: a department system's API token, or the web UI's session.

A token (``Authorization: Token <key>`` or ``?token=<key>``) is a credential the client
sends on purpose, so it is accepted from any client, with or without an ``Origin``
header. A session cookie is sent by the browser on its own, so it counts only when the
``Origin`` is the server's own (scheme, host and port, the host being one of
``ALLOWED_HOSTS``) or one of ``CSRF_TRUSTED_ORIGINS``, the same origins Django accepts
for a form post: anything else is refused at the handshake with HTTP 403, before a
consumer runs, so a foreign page learns nothing, not even whether its visitor is signed
in. Whether the person may subscribe is then the consumer's to say (close codes 4401 and
4403, see ``escalation.consumers``).
"""

from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain
from rest_framework.authtoken.models import Token

from core.api.authentication import is_expired

DEFAULT_PORTS = {"http": 80, "https": 443}


@database_sync_to_async
def _user_for_token(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active or is_expired(token):
        return AnonymousUser()
    return token.user


def token_key(scope) -> str:
    """The API token the client sent, from the header or else the query string."""
    headers = dict(scope.get("headers", []))
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("token "):
        return auth[6:].strip()
    return parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an origin, the port filled in; None if it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


def _is_secure(scope, headers: dict) -> bool:
    if scope.get("scheme") in {"wss", "https"}:
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        return headers.get(header, b"").decode("latin-1").split(",")[0].strip() == value
    return False


def _allowed_hosts() -> list[str]:
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        return [".localhost", "127.0.0.1", "[::1]"]
    return allowed


def is_own_origin(scope) -> bool:
    """Whether the ``Origin`` is this server's own or a trusted one (as Django's CSRF check)."""
    headers = dict(scope.get("headers", []))
    origin_header = headers.get(b"origin", b"").decode("latin-1")
    origin = _origin(origin_header)
    if origin is None:
        return False
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, _allowed_hosts()):
        scheme = "https" if _is_secure(scope, headers) else "http"
        if origin == _origin(f"{scheme}://{host}"):
            return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            if origin == _origin(trusted):
                return True
            continue
        pattern = urlsplit(trusted)
        if pattern.scheme == origin[0] and is_same_domain(
            urlsplit(origin_header).netloc, pattern.netloc.lstrip("*")
        ):
            return True
    return False


async def refuse_handshake(scope, receive, send):
    """Closes before accepting, which the server answers with HTTP 403."""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.close"})


class LiveAuthMiddleware:
    """Sets ``scope["user"]`` from the token, or from the session on the server's own origin."""

    def __init__(self, inner):
        self.inner = inner
        self.by_session = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        if key := token_key(scope):
            scope = {**scope, "user": await _user_for_token(key)}
            return await self.inner(scope, receive, send)
        if not is_own_origin(scope):
            return await refuse_handshake(scope, receive, send)
        return await self.by_session(scope, receive, send)
