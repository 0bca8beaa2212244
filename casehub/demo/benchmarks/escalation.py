"""Benchmarks of the hot paths: case intake and the case list, through a real server.

Run against a scratch database, e.g.::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casehub_bench \\
        python manage.py benchmark intake
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core import roles
from escalation.models import Case, CaseState, Customer, EscalationOfficer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVERS = {
    "gunicorn": "gunicorn (WSGI, 2 sync workers)",
    "uvicorn": "uvicorn (ASGI, 2 workers)",
}


@contextmanager
def server(kind: str = "gunicorn", workers: int = 2):
    """CaseHub served on 127.0.0.1 by ``kind`` with ``workers`` processes, stopped afterwards."""
    port = _free_port()
    env = {**os.environ, "HTTPS": "0", "DEBUG": "0", "LOG_LEVEL": "ERROR"}
    if kind == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "casehub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "casehub.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _user_with_token(username: str, role: str) -> str:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return Token.objects.get_or_create(user=user)[0].key


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"


def _prepare() -> None:
    call_command("migrate", verbosity=0)
    officer_user_token = _user_with_token("bench_officer", roles.OFFICERS)
    officer = Token.objects.get(key=officer_user_token).user
    EscalationOfficer.objects.get_or_create(
        user=officer,
        defaults={"level": 3, "skills": ["installation", "delivery"], "max_open_cases": 10**6},
    )


def _intake_floor() -> None:
    """A realistic floor: 20 officers with room for 40 cases each, a 24×7 SLA policy, and
    the cases of earlier runs closed, so every intake is assigned and gets its clocks."""
    from django.contrib.auth import get_user_model

    from escalation.models import BusinessCalendar, SlaPolicy

    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="bench 24x7", defaults={"always_open": True}
    )
    SlaPolicy.objects.get_or_create(
        name="bench default",
        defaults={
            "calendar": calendar,
            "first_response_seconds": 3600,
            "next_update_seconds": 7200,
            "resolution_seconds": 86400,
        },
    )
    for index in range(20):
        user, _ = get_user_model().objects.get_or_create(username=f"bench_officer_{index}")
        EscalationOfficer.objects.get_or_create(
            user=user,
            defaults={"level": 2 + index % 2, "skills": ["installation"], "max_open_cases": 40},
        )
    EscalationOfficer.objects.filter(user__username="bench_officer").update(active=False)
    Case.objects.filter(officer__user__username__startswith="bench_officer").exclude(
        state="closed"
    ).update(state="closed")


def run_intake(stdout, count: int | None = None) -> None:
    """Sequential intakes from one client, as a frontline system sends them."""
    count = count or 500
    _prepare()
    _intake_floor()
    token = _user_with_token("bench_frontline", roles.FRONTLINE)
    for kind, label in SERVERS.items():
        _intake_floor()
        rate, latencies = _intake_run(kind, token, count)
        stdout.write(
            f"intake: {count} cases from one client through {label} on {connection.vendor}: "
            f"{rate:.1f} cases/s, {_percentiles(latencies)}"
        )


def _intake_run(kind: str, token: str, count: int) -> tuple[float, list[float]]:
    run_id = time.time_ns()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    with server(kind) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies = []
        started = time.perf_counter()
        for index in range(count):
            body = json.dumps(
                {
                    "title": "Bench intake: air conditioner dead in 38°C, install delayed twice",
                    "description": "Benchmark contact.",
                    "channel": "phone",
                    "category": "installation",
                    "priority": "P2",
                    "customer": {
                        "external_id": f"B-{run_id}-{index}",
                        "name": "王女士",
                        "tier": "vip",
                    },
                    "context": {
                        "interactions": [
                            {
                                "channel": "chat",
                                "at": "2026-07-14T09:12:00+08:00",
                                "summary": "ETA?",
                            }
                        ],
                        "bot_transcript": "…",
                        "intent": "install_delay",
                    },
                }
            )
            begin = time.perf_counter()
            conn.request("POST", "/api/v1/cases/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - begin)
            if response.status != 201:
                raise RuntimeError(f"intake answered {response.status}")
        elapsed = time.perf_counter() - started
    return count / elapsed, latencies


def _seed_cases(total: int) -> None:
    existing = Case.objects.count()
    if existing >= total:
        return
    customers = Customer.objects.bulk_create(
        [
            Customer(external_id=f"L-{time.time_ns()}-{i}", name="Bench", tier="standard")
            for i in range(500)
        ]
    )
    officers = list(EscalationOfficer.objects.all())
    states = [s for s, _ in CaseState.choices]
    batch = []
    for index in range(existing, total):
        batch.append(
            Case(
                reference=f"L{time.time_ns() % 10**8}-{index:08d}",
                title=f"Benchmark case {index}",
                channel="phone",
                category="installation",
                priority=f"P{index % 4 + 1}",
                customer=customers[index % len(customers)],
                officer=officers[index % len(officers)] if index % 3 else None,
                state=states[index % len(states)],
                context={"intent": "bench", "interactions": []},
            )
        )
        if len(batch) == 2000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)


def run_list(stdout, count: int | None = None) -> None:
    """The case list API at N cases (default 10,000): queries per page and latency."""
    total = count or 10_000
    _prepare()
    _seed_cases(total)
    token = _user_with_token("bench_frontline", roles.FRONTLINE)
    paths = [
        "/api/v1/cases/?page_size=50",
        "/api/v1/cases/?state=investigating&priority=P1",
        "/api/v1/cases/?page=20&ordering=-priority",
    ]

    client = Client(HTTP_HOST="127.0.0.1")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            client.get(path, secure=True)
        stdout.write(f"list {path}: {len(queries)} queries")

    for kind, label in SERVERS.items():
        with server(kind) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for path in paths:
                for _ in range(10):  # steady state: statements prepared, calendars cached
                    conn.request("GET", path, headers={"Authorization": f"Token {token}"})
                    conn.getresponse().read()
                latencies = []
                for _ in range(100):
                    begin = time.perf_counter()
                    conn.request("GET", path, headers={"Authorization": f"Token {token}"})
                    response = conn.getresponse()
                    response.read()
                    latencies.append(time.perf_counter() - begin)
                    if response.status != 200:
                        raise RuntimeError(f"list answered {response.status}")
                stdout.write(
                    f"list {path} at {Case.objects.count()} cases through {label}: "
                    f"{_percentiles(latencies)}"
                )


def _seed_open_cases(count: int, *, due: int, calendar, officer, customers) -> None:
    """``count`` calm open cases (clocks far from due) plus ``due`` overdue clocks."""
    from escalation.models import SlaClock

    now = timezone.now()
    later = now + timedelta(days=30)
    past = now - timedelta(minutes=5)
    stamp = time.time_ns()
    for start in range(0, count + due, 5000):
        size = min(5000, count + due - start)
        cases = Case.objects.bulk_create(
            [
                Case(
                    reference=f"S{stamp % 10**8}-{start + i:08d}",
                    title="Sweep benchmark",
                    channel="phone",
                    category="installation",
                    priority="P3",
                    customer=customers[(start + i) % len(customers)],
                    officer=officer,
                    state=CaseState.INVESTIGATING,
                )
                for i in range(size)
            ]
        )
        clocks = []
        for offset, case in enumerate(cases):
            overdue = start + offset >= count
            for kind in ("first_response", "resolution"):
                is_due = overdue and kind == "resolution"
                clocks.append(
                    SlaClock(
                        case=case,
                        kind=kind,
                        calendar=calendar,
                        target_seconds=3600,
                        started_at=now,
                        due_at=past if is_due else later,
                        warn_at=past if is_due else later,
                    )
                )
        SlaClock.objects.bulk_create(clocks)


def run_sla(stdout, count: int | None = None) -> None:
    """One sweep at N open cases and at N/10, with the same number of due clocks."""
    from escalation import services
    from escalation.models import BusinessCalendar, SlaClock

    total = count or 200_000
    due = max(total // 100, 1)
    _prepare()
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="bench 24x7", defaults={"always_open": True}
    )
    officer = EscalationOfficer.objects.get(user__username="bench_officer")
    customers = Customer.objects.bulk_create(
        [Customer(external_id=f"S-{time.time_ns()}-{i}", tier="standard") for i in range(1000)]
    )
    SlaClock.objects.filter(stopped_at=None).update(stopped_at=timezone.now())
    services.sla_sweep()
    seeded = 0
    for size in (total // 10, total):
        started = time.perf_counter()
        _seed_open_cases(
            size - seeded, due=due, calendar=calendar, officer=officer, customers=customers
        )
        seeded = size
        seed_time = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE escalation_slaclock")
        started = time.perf_counter()
        result = services.sla_sweep()
        elapsed = time.perf_counter() - started
        running = SlaClock.objects.filter(stopped_at=None).count()
        stdout.write(
            f"sla: {size} open cases ({running} running clocks, {due} due) on "
            f"{connection.vendor}: one sweep {elapsed:.2f} s "
            f"({result.warned} warned, {result.breached} breached; seeding took {seed_time:.0f} s)"
        )


AREAS = {
    "sla": ("one SLA sweep at N open cases (default 200,000) and N/10, 1 % of N due", run_sla),
    "intake": ("case intake rate from one client (default 500 cases)", run_intake),
    "list": ("case list queries and latency at N cases (default 10,000)", run_list),
}
