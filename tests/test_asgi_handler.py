"""The ASGI app runs each HTTP request's middleware and view in one thread hop.

Django's own ASGI handler crosses between the event loop and a thread for every sync-only
middleware, every ``MiddlewareMixin`` step and the view: about a dozen crossings, which
cost more CPU than a small request itself. ``core.asgi.SyncRequestHandler`` builds the
chain as under WSGI and crosses once; what a request gets back is the same.
"""

from unittest import mock

import pytest
from asgiref import sync
from asgiref.sync import async_to_sync, iscoroutinefunction
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from rest_framework.authtoken.models import Token

from core.asgi import SyncRequestHandler

pytestmark = pytest.mark.django_db


async def asgi_get(handler, path: str, headers=()) -> dict:
    """A GET through ``handler`` as an ASGI server sends it: the start message and the body."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), *headers],
    }
    communicator = ApplicationCommunicator(handler, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    response = await communicator.receive_output(timeout=10)
    response["body"] = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        response["body"] += message.get("body", b"")
        if not message.get("more_body"):
            return response


def _crossings(handler, path: str) -> tuple[dict, int]:
    made = []
    original = sync.SyncToAsync.__init__

    def counting(self, *args, **kwargs):
        made.append(args[0] if args else kwargs.get("func"))
        original(self, *args, **kwargs)

    with mock.patch.object(sync.SyncToAsync, "__init__", counting):
        response = async_to_sync(asgi_get)(handler, path)
    return response, len(made)


def test_the_middleware_chain_is_built_as_under_wsgi():
    assert not iscoroutinefunction(SyncRequestHandler()._middleware_chain)


def test_a_request_crosses_into_a_thread_once_instead_of_a_dozen_times():
    ours, ours_crossing = _crossings(SyncRequestHandler(), "/healthz")
    django, django_crossing = _crossings(get_asgi_application(), "/healthz")

    assert ours["status"] == django["status"] == 200
    assert ours["body"] == django["body"]
    # One for the request, the rest are Django's request_started/finished receivers.
    assert ours_crossing <= 4, ours_crossing
    assert django_crossing >= 10, django_crossing


@pytest.mark.django_db(transaction=True)  # the request runs in a thread of its own
def test_an_api_answer_and_its_headers_come_back_whole(officer):
    token = Token.objects.create(user=officer.user).key

    response = async_to_sync(asgi_get)(
        SyncRequestHandler(), "/api/v1/cases/", [(b"authorization", f"Token {token}".encode())]
    )

    headers = {name.lower(): value for name, value in response["headers"]}
    assert response["status"] == 200
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"x-request-id"]
    assert response["body"].startswith(b'{"count":0')
