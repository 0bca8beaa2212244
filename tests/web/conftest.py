"""The escalation tests' departments, people and task group, and the knowledge tests'
publisher, for the pages' tests; and a live site for the browser tests of live panels."""

import os

import pytest

from tests.escalation.conftest import (  # noqa: F401
    group,
    investigating_case,
    logistics,
    logistics_lead,
    logistics_member,
    tech,
    tech_lead,
    tech_member,
)
from tests.escalation.live_server import asgi_server
from tests.knowledge.conftest import category, kb_member2, publish  # noqa: F401
from tests.web.browser import chromium, require_chromium


@pytest.fixture
def live_site(tmp_path, monkeypatch):
    """uvicorn on the test's PostgreSQL and Redis, and Chromium: for pages that follow live
    events sent from the test (as a Celery worker would send them)."""
    require_chromium()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture does
    with asgi_server(tmp_path, redis_url=os.environ["REDIS_URL"]) as server, chromium() as browser:
        yield server, browser
