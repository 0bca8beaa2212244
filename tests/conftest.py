"""Shared fixtures: the usual people by role, API clients, and service markers.

Tests marked ``postgres`` or ``redis`` need the real service (``DATABASE_URL`` pointing at
PostgreSQL, ``REDIS_URL``). On a laptop without them they skip; under CI (``CI=true``)
they fail instead, so a missing service can never pass silently.
"""

import os

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from core import roles
from escalation.models import BusinessCalendar, SlaPolicy
from tests.factories import CaseFactory, OfficerFactory, UserFactory

UNDER_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _redis_available() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item):
    missing = None
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing = "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if item.get_closest_marker("redis") and not _redis_available():
        missing = "needs Redis: set REDIS_URL=redis://… to a running server"
    if missing:
        if UNDER_CI:
            pytest.fail(f"CI must run this test but it {missing}", pytrace=False)
        pytest.skip(missing)


@pytest.fixture(autouse=True)
def _plain_http_and_fast_hashing(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CASEHUB_SLA_POLICY_CACHE_SECONDS = 0  # each test has its own policies
    settings.CASEHUB_CATEGORY_CACHE_SECONDS = 0  # and its own categories
    # Failed sign-ins of earlier tests (fuzzing the token endpoint) must not throttle later
    # ones; tests/escalation/test_auth_security.py checks the product's budgets.
    settings.CASEHUB_LOGIN_FAILURES_PER_USERNAME = "100000/min"
    settings.CASEHUB_LOGIN_FAILURES_PER_ADDRESS = "100000/min"


@pytest.fixture(autouse=True)
def _fresh_assignment_policy():
    """Each test reads its own assignment policy and basic categories (a process keeps
    them for half a minute, and a test's rows are rolled back), and alerts afresh."""
    from escalation import floor

    floor.forget_policy()
    floor.forget_alerts()
    yield
    floor.forget_policy()
    floor.forget_alerts()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: LocaleMiddleware activates a request's
    language for the thread and never deactivates it, so it would leak into later tests."""
    yield
    translation.deactivate()


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor", roles=[roles.SUPERVISORS])


@pytest.fixture
def officer(db, supervisor):
    return OfficerFactory(user__username="officer", level=2, lead=supervisor)


@pytest.fixture
def other_officer(db):
    return OfficerFactory(user__username="other_officer", level=1)


@pytest.fixture
def frontline(db):
    return UserFactory(username="frontline", roles=[roles.FRONTLINE])


@pytest.fixture
def kb_member(db):
    return UserFactory(username="kb", roles=[roles.KNOWLEDGE_TEAM])


@pytest.fixture
def department_member(db):
    return UserFactory(username="member", roles=[roles.DEPARTMENT_MEMBERS])


@pytest.fixture
def nobody(db):
    return UserFactory(username="nobody")


@pytest.fixture
def api():
    """``api(user)`` gives a client authenticated as ``user`` (``None``: anonymous)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def calendar_24x7(db):
    return BusinessCalendar.objects.create(name="Always (tests)", always_open=True, timezone="UTC")


@pytest.fixture
def sla_policy(calendar_24x7):
    """Any case: first response in 1 h, updates every 2 h, resolution in 8 h, around the clock."""
    return SlaPolicy.objects.create(
        name="Default",
        calendar=calendar_24x7,
        first_response_seconds=3600,
        next_update_seconds=7200,
        resolution_seconds=8 * 3600,
    )


@pytest.fixture
def case_in(db, officer):
    """``case_in("investigating")``: a case of ``officer`` in that state."""

    def make(state: str, **kwargs):
        kwargs.setdefault("officer", None if state == "new" else officer)
        return CaseFactory(state=state, **kwargs)

    return make
