"""ASGI entry point: HTTP through Django, websockets under /ws/ through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casehub.settings")
django.setup(set_prefix=False)

from core.asgi import SyncRequestHandler  # noqa: E402

# Django's ASGI handler, with each request's middleware and view in one thread hop.
django_asgi_app = SyncRequestHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from casehub.routing import websocket_urlpatterns  # noqa: E402
from core.live_auth import LiveAuthMiddleware  # noqa: E402
from core.live_relay import LiveRelay  # noqa: E402

application = ProtocolTypeRouter(
    {
        # On the embedded defaults the worker's live events come in through the relay.
        "http": LiveRelay(django_asgi_app),
        # Checks the origin of session cookies itself: tokens are welcome from anywhere.
        "websocket": LiveAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)

from casehub.runtime import tune_garbage_collection  # noqa: E402

tune_garbage_collection()
