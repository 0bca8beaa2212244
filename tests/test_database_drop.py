"""A PostgreSQL connection dropped in the middle of a request: a clean 503, and the retry
succeeds on a fresh connection. The drop is real: the backend serving the request is
terminated from another connection while the request runs."""

import time

import pytest
from django.db import close_old_connections, connection, connections
from rest_framework.authtoken.models import Token

from tests.factories import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class DropOnce:
    """Terminates the backend of ``connection`` just before its ``nth`` query of a request."""

    def __init__(self, nth: int):
        self.nth = nth
        self.seen = 0
        self.dropped = False

    def __call__(self, execute, sql, params, many, context):
        self.seen += 1
        if self.seen == self.nth and not self.dropped:
            self.dropped = True
            pid = context["connection"].connection.info.backend_pid
            killer = connections.create_connection("default")
            try:
                with killer.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            finally:
                killer.close()
        return execute(sql, params, many, context)


@pytest.mark.parametrize("path", ["/api/v1/cases/{pk}/", "/cases/{pk}/"])
def test_a_dropped_connection_is_a_503_and_the_retry_succeeds(client, officer, path):
    case = CaseFactory(officer=officer, state="investigating")
    token = Token.objects.create(user=officer.user)
    client.force_login(officer.user)
    url = path.format(pk=case.pk)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"} if url.startswith("/api/") else {}

    drop = DropOnce(nth=2)
    with connection.execute_wrapper(drop):
        failed = client.get(url, **headers)
    # What Django's request_finished handler does after every request in a server (the test
    # client leaves it out): the broken connection goes back to the pool, which drops it.
    close_old_connections()
    retried = client.get(url, **headers)

    assert drop.dropped
    assert failed.status_code == 503
    assert failed["Retry-After"] == "1"
    if url.startswith("/api/"):
        assert failed.json()["code"] == "database_unavailable"
    else:
        assert "try again" in failed.content.decode()
    assert retried.status_code == 200


def _terminate(pid: int) -> None:
    """End a backend from another connection, and wait until it is gone (by then it has
    said goodbye on its socket)."""
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() is None:
                    return
                time.sleep(0.05)
    finally:
        killer.close()
    raise AssertionError(f"backend {pid} is still there")


def test_a_pooled_connection_the_server_closed_is_replaced_without_asking_healthy_ones(
    monkeypatch,
):
    """The pool's check (``core.postgresql``) asks nothing of a connection with nothing to
    read; one whose backend PostgreSQL terminated while it idled in the pool is asked, fails
    and is replaced, so whoever draws from the pool gets a working connection."""
    from psycopg_pool import ConnectionPool

    from core.postgresql.base import check_connection

    asked = []
    ask = ConnectionPool.check_connection

    def counted(conn):
        asked.append(conn.info.backend_pid)
        return ask(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    params = connection.get_connection_params()
    params["autocommit"] = True
    with ConnectionPool(
        kwargs=params, min_size=1, max_size=1, check=check_connection, open=True
    ) as pool:
        with pool.connection() as conn:
            first = conn.info.backend_pid
        with pool.connection() as conn:
            assert conn.info.backend_pid == first
        assert asked == []  # a healthy connection: no round trip to check it

        _terminate(first)

        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != first
        assert asked == [first]  # the dead one was asked, failed and was replaced
