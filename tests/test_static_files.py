"""Static files: served quietly by the ASGI app (uvicorn) and still by the WSGI app (gunicorn)."""

import warnings
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from asgiref.sync import async_to_sync
from django.core.wsgi import get_wsgi_application

from core.asgi import SyncRequestHandler
from tests.test_asgi_handler import asgi_get

# No query is made, but each request's start and end check the test's open connection.
pytestmark = pytest.mark.django_db

STYLESHEET = "/static/casehub/casehub.css"
SOURCE = Path(__file__).resolve().parent.parent / "escalation/static/casehub/casehub.css"


def test_asgi_serves_a_static_file_without_the_sync_iterator_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # A fresh handler loads the middleware with this test's settings (no HTTPS redirect).
        response = async_to_sync(asgi_get)(SyncRequestHandler(), STYLESHEET)

    assert response["status"] == 200
    assert response["body"] == SOURCE.read_bytes()
    assert [str(w.message) for w in caught if "synchronous iterators" in str(w.message)] == []


def test_wsgi_still_serves_a_static_file():
    environ = {"PATH_INFO": STYLESHEET, "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    started = []

    body = get_wsgi_application()(environ, lambda status, headers: started.append(status))

    assert started == ["200 OK"]
    assert b"".join(body) == SOURCE.read_bytes()
