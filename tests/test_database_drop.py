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


def test_a_pooled_connection_the_server_closed_is_replaced_before_a_request_uses_it(
    client, officer, monkeypatch
):
    """Handing out a healthy pooled connection costs no round trip; one whose backend
    PostgreSQL terminated while it idled in the pool is found out and replaced, and the
    request that draws it never sees it."""
    from psycopg_pool import ConnectionPool

    case = CaseFactory(officer=officer, state="investigating")
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=officer.user).key}"}
    url = f"/api/v1/cases/{case.pk}/"
    asked = []
    check = ConnectionPool.check_connection

    def counted(conn):
        asked.append(conn.info.backend_pid)
        return check(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    close_old_connections()  # back to the pool, as after every request in a server
    assert client.get(url, **headers).status_code == 200
    close_old_connections()
    assert asked == []  # nothing to read on the socket: no round trip

    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    finally:
        killer.close()
    time.sleep(0.2)  # the server's farewell reaches the pooled sockets

    assert client.get(url, **headers).status_code == 200
    assert asked  # the dead connection was asked, failed and was replaced
