"""Django's ASGI handler with the whole request in one thread, as under WSGI."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncRequestHandler(ASGIHandler):
    """Runs the middleware chain and the view in one crossing from the event loop.

    Django's own ASGI handler builds the chain for the event loop, so under uvicorn each
    sync-only middleware, each step of the middleware built on ``MiddlewareMixin`` (most of
    Django's) and each sync view crosses between the loop and a thread: about a dozen
    crossings a request, which cost more CPU than the rest of a small request (``/healthz``
    took 4.9 ms against 0.5 ms under WSGI). Every middleware and view here is sync, so the
    chain is built as under WSGI and run in one thread per request; websockets are
    untouched. The response is still sent by the handler, asynchronously.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
