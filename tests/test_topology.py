"""The production topology under faults: two web processes, two workers and beat, each
started from its ``Procfile`` line, on PostgreSQL and a Redis of the test's own.

- a socket on one web process hears a transition made through the other;
- a worker killed in the middle of an SLA sweep loses nothing and doubles nothing: the
  other worker breaches each clock exactly once;
- a worker killed in the middle of issuing a grant: once it is started again, the grant
  is issued exactly once (one code, one audit event, one ledger line).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import redis
from django.db import connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect as ws_connect

from compensation.models import Grant, LedgerEntry
from escalation.models import Case, CaseEvent, SlaClock
from escalation.sla import clocks
from tests import topology_issuer
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.escalation.live_server import RedisServer, call
from tests.factories import CaseFactory, OfficerFactory, UserFactory
from tests.topology import Stack

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SWEEP_SECONDS = 2


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("topology")
    server = RedisServer(workdir)
    running = Stack(
        workdir,
        redis_url=server.url,
        env={
            "CASEHUB_SLA_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "CASEHUB_COMPENSATION_ISSUE_GRACE_SECONDS": "2",
            "CASEHUB_COMPENSATION_ISSUE_SWEEP_SECONDS": "2",
            "CASEHUB_COMPENSATION_ISSUER_MODULES": "compensation.issuers,tests.topology_issuer",
        },
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()
        server.stop()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_socket_on_one_web_process_hears_a_transition_made_through_the_other(stack, officer):
    case = CaseFactory(officer=officer, state="assigned")
    token = Token.objects.create(user=officer.user).key
    a, b = stack.origins["web.1"], stack.origins["web.2"]
    assert a != b

    socket_url = a.replace("http://", "ws://") + f"/ws/cases/{case.pk}/?token={token}"
    with ws_connect(socket_url + "&last_event_id=0") as socket:
        socket.send(json.dumps({"type": "ping"}))
        while json.loads(socket.recv(timeout=10)).get("type") != "pong":
            pass  # the replay comes first; the pong says the room is joined
        status, body = call(
            b, token, "POST", f"/api/v1/cases/{case.pk}/transitions/", {"transition": "start"}
        )
        assert status == 200, body
        while True:
            event = json.loads(socket.recv(timeout=10))
            if event.get("type") == "case.updated" and event.get("kind") == "start":
                break
    assert (event["id"], event["to_state"]) == (case.pk, "investigating")


def blocked_sessions(holder_pid: int) -> list[int]:
    """Client ports of the database sessions waiting on a lock ``holder_pid`` holds."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT client_port FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [holder_pid],
        )
        return [port for (port,) in cursor.fetchall()]


def test_a_worker_killed_mid_sweep_leaves_each_breach_to_the_other_exactly_once(stack, sla_policy):
    lead = UserFactory(username="lead")
    officer = OfficerFactory(user__username="swept", level=1, lead=lead)
    cases = [CaseFactory(officer=officer, state="investigating") for _ in range(12)]
    for case in cases:
        clocks.start_case_clocks(case)
    ids = [case.pk for case in cases]
    assert stack.alive("worker.1") and stack.alive("worker.2")

    # Another session holds the cases, so the sweep that claims their clocks stops, mid-way
    # and uncommitted, before it can write the first audit event.
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM escalation_case WHERE id = ANY(%s) FOR UPDATE", [ids])
        cursor.execute("SELECT pg_backend_pid()")
        [(holder_pid,)] = cursor.fetchall()
    try:
        past = timezone.now() - timedelta(minutes=1)
        SlaClock.objects.filter(case__in=ids, kind="resolution").update(warn_at=past, due_at=past)
        SlaClock.objects.filter(case__in=ids, kind="first_response").update(
            stopped_at=timezone.now()
        )
        wait_for(lambda: blocked_sessions(holder_pid), 30, "a sweep to claim the clocks")
        [port] = blocked_sessions(holder_pid)
        sweeping = stack.owner_of_port(port)
        stack.kill(sweeping)
    finally:
        holder.rollback()
        holder.close()

    survivor = "worker.2" if sweeping == "worker.1" else "worker.1"
    assert stack.alive(survivor)
    breaches = CaseEvent.objects.filter(case__in=ids, kind="sla_breach")
    wait_for(lambda: breaches.count() >= len(ids), 60, "the other worker to breach every clock")
    time.sleep(2.5 * SWEEP_SECONDS)  # and a few more sweeps, which find nothing left to do

    assert breaches.count() == len(ids)
    assert sorted(breaches.values_list("case", flat=True)) == sorted(ids)
    warnings = CaseEvent.objects.filter(case__in=ids, kind="sla_warning")
    assert sorted(warnings.values_list("case", flat=True)) == sorted(ids)
    assert set(Case.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)) == {1}
    stack.start(sweeping)


def test_an_issuing_worker_killed_mid_issue_issues_exactly_once_after_restart(stack):
    PolicyFactory(role="level_2")
    held = KindFactory(code="held", issuer="tests.topology_issuer.held_voucher")
    officer = OfficerFactory(user__username="granting", level=2)
    case = CaseFactory(officer=officer, state="investigating")
    token = Token.objects.create(user=officer.user).key
    reports = redis.Redis.from_url(stack.redis_url)
    reports.delete(topology_issuer.CALLS, topology_issuer.RELEASE)

    status, grant = call(
        stack.origins["web.1"],
        token,
        "POST",
        "/api/v1/compensations/",
        {
            "case": case.pk,
            "kind": held.code,
            "amount": "50.00",
            "currency": "CNY",
            "reason": "Technician missed the visit twice",
        },
    )
    assert (status, grant.get("state")) == (201, "approved"), grant
    first = reports.blpop([topology_issuer.CALLS], timeout=60)
    assert first is not None, "no worker started issuing"
    issuing = stack.owner_of_pid(json.loads(first[1])["pid"])
    stack.kill(issuing)  # in the middle of issuing: the issuer has not returned
    stack.start(issuing)
    reports.set(topology_issuer.RELEASE, 1)

    issued = Grant.objects.filter(pk=grant["id"], state="issued")
    wait_for(issued.exists, 60, "the grant to be issued")
    time.sleep(3 * 2)  # the overdue-grant job runs every 2 s: later runs must change nothing

    done = Grant.objects.get(pk=grant["id"])
    codes = [json.loads(call)["code"] for call in reports.lrange(topology_issuer.CALLS, 0, -1)]
    assert done.voucher_code in codes
    assert CaseEvent.objects.filter(case=case, kind="compensation_issued").count() == 1
    assert LedgerEntry.objects.filter(grant=done, kind=LedgerEntry.Kind.ISSUE).count() == 1
    assert stack.alive(issuing)
