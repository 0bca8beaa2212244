"""Websocket authentication: the web UI's session, or a department system's API token."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


@database_sync_to_async
def _user_for_token(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware:
    """``Authorization: Token <key>`` header, or ``?token=<key>`` for browsers' websockets."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        auth = headers.get(b"authorization", b"").decode()
        key = auth[6:].strip() if auth.lower().startswith("token ") else ""
        if not key:
            key = parse_qs(scope.get("query_string", b"").decode()).get("token", [""])[0]
        if key:
            scope = {**scope, "user": await _user_for_token(key)}
        return await self.inner(scope, receive, send)


def LiveAuthMiddleware(inner):
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
