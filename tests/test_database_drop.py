"""A PostgreSQL connection dropped in the middle of a request: a clean 503, and the retry
succeeds on a fresh connection. The drop is real: the backend serving the request is
terminated from another connection while the request runs."""

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
