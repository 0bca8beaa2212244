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

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from escalation import roles
from escalation.models import Case, CaseState, Customer, EscalationOfficer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(workers: int = 2):
    """uvicorn serving CaseHub on 127.0.0.1 with ``workers`` processes, stopped afterwards."""
    port = _free_port()
    env = {**os.environ, "HTTPS": "0", "DEBUG": "0", "LOG_LEVEL": "ERROR"}
    process = subprocess.Popen(
        [
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
        ],
        env=env,
    )
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


def run_intake(stdout, count: int | None = None) -> None:
    """Sequential intakes from one client, as a frontline system sends them."""
    count = count or 500
    _prepare()
    token = _user_with_token("bench_frontline", roles.FRONTLINE)
    run_id = int(time.time())
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    with server() as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies = []
        started = time.perf_counter()
        for index in range(count):
            body = json.dumps(
                {
                    "title": "Air conditioner dead in 38°C, install delayed twice",
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
    stdout.write(
        f"intake: {count} cases from one client through uvicorn (2 workers) on "
        f"{connection.vendor}: {count / elapsed:.1f} cases/s, {_percentiles(latencies)}"
    )


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
                reference=f"ESC-BENCH-{time.time_ns()}-{index}",
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

    with server() as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in paths:
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
                f"list {path} at {Case.objects.count()} cases on {connection.vendor}: "
                f"{_percentiles(latencies)}"
            )


AREAS = {
    "intake": ("case intake rate from one client (default 500 cases)", run_intake),
    "list": ("case list queries and latency at N cases (default 10,000)", run_list),
}
