"""Benchmarks of the hot paths: case intake and the case list, through a real server.

Run against a scratch database, e.g.::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casehub_bench \\
        python manage.py benchmark intake
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
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
from escalation.models import OPEN_STATES, Case, CaseState, Customer, EscalationOfficer
from peak import surges


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    """Whether CaseHub on 127.0.0.1:``port`` answers ``/healthz``."""
    try:
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        probe.request("GET", "/healthz")
        return probe.getresponse().status == 200
    except OSError:
        return False


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
        while not healthy(port):
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # Said, not hidden: uvicorn waiting on a websocket consumer that never finished.
            print(f"the {kind} server did not stop within 20 s of SIGTERM; killed", file=sys.stderr)
            process.kill()
            process.wait()


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


#: Cases in the database while intake and the list are measured, as in production.
EXISTING_CASES = 10_000


def _production_floor(total: int = EXISTING_CASES) -> None:
    """The demo's accounts and floor, and history up to ``total`` cases."""
    call_command("migrate", verbosity=0)
    call_command("seed_demo", history=total, verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
        else:
            cursor.execute("ANALYZE")


@contextmanager
def celery_worker():
    """One Celery worker beside the server, as production runs (the jobs intake queues)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "casehub",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "warning",
        ],
        env={**os.environ, "HTTPS": "0", "DEBUG": "0"},
    )
    try:
        time.sleep(3)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def surge_checks(*, every: float | None):
    """Run the surge check every ``every`` seconds in a thread (60 times as often as beat
    does by default) while the block runs; yields its figures."""
    figures = {"runs": 0, "mean_ms": 0.0, "opened": 0}
    if every is None:
        yield figures
        return
    stop = threading.Event()
    spent: list[float] = []

    def checker() -> None:
        try:
            while True:
                begin = time.perf_counter()
                figures["opened"] += len(surges.check().opened)
                spent.append(time.perf_counter() - begin)
                if stop.wait(every):
                    return
        finally:
            connection.close()

    thread = threading.Thread(target=checker)
    thread.start()
    try:
        yield figures
    finally:
        stop.set()
        thread.join()
        figures["runs"] = len(spent)
        figures["mean_ms"] = 1000 * sum(spent) / len(spent) if spent else 0.0


def _setting() -> str:
    redis = "Redis" if os.environ.get("REDIS_URL") else "no Redis (in-memory layer)"
    return (
        f"{connection.vendor}, {redis}, a Celery worker, {Case.objects.count()} cases, "
        f"{EscalationOfficer.objects.filter(active=True).count()} officers"
    )


def intake_body(run: str, index: int) -> bytes:
    """What a frontline system sends: the customer, the contact's channel history and the bot."""
    categories = ("installation", "repair", "refund", "delivery", "billing")
    return json.dumps(
        {
            "title": f"Air conditioner install delayed twice ({index})",
            "description": "Customer called twice; elderly parents at home, 38°C.",
            "channel": ("phone", "email", "chat", "app")[index % 4],
            "category": categories[index % 5],
            "priority": f"P{1 + index % 4}",
            "customer": {
                "external_id": f"B-{run}-{index}",
                "name": f"客户{index}",
                "tier": ("standard", "standard", "standard", "priority", "vip")[index % 5],
            },
            "context": {
                "interactions": [
                    {"channel": "chat", "at": "2026-07-14T09:12:00+08:00", "summary": "bot failed"},
                    {"channel": "phone", "at": "2026-07-14T10:02:00+08:00", "summary": "ETA?"},
                ],
                "bot_transcript": "user: 空调装不上 bot: 已为您转人工",
                "intent": "install_delay",
            },
        }
    ).encode()


def closed_loop(port: int, clients: int, count: int, request) -> tuple[float, list[float]]:
    """``count`` requests from ``clients`` threads, each sending its next on the last answer.

    ``request(index)`` gives ``(method, path, body, headers, expected status)``.
    """
    latencies: list[float] = []
    errors: list[int] = []
    counter = iter(range(count))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            method, path, body, headers, expected = request(index)
            begin = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - begin
            with lock:
                latencies.append(elapsed)
                if response.status != expected:
                    errors.append(response.status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} unexpected answers, e.g. {errors[:5]}")
    return count / elapsed, latencies


#: Rounds of intake without and with the surge check, alternating.
SURGE_ROUNDS = 3


def _intake_pass(port: int, headers: dict, clients: int, count: int):
    """``count`` intakes from ``clients`` clients; then the floor is put back as it was (the
    cases close, and their rows are vacuumed as autovacuum would between runs, else each pass
    counts the officers' loads over more dead rows). ``(rate, latencies, assigned, made)``."""
    run = f"{time.time_ns()}"
    begun = timezone.now()
    rate, latencies = closed_loop(
        port,
        clients,
        count,
        lambda i: ("POST", "/api/v1/cases/", intake_body(run, i), headers, 201),
    )
    made = Case.objects.filter(created_at__gte=begun, customer__external_id__startswith=f"B-{run}-")
    assigned, total = made.exclude(officer=None).count(), made.count()
    made.update(state=CaseState.CLOSED)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE escalation_case")
    return rate, latencies, assigned, total


def run_intake(stdout, count: int | None = None) -> None:
    """Intake as production serves it: gunicorn with 2 workers, a Celery worker, REDIS_URL
    when set, 10,000 cases with clocks and events; first with room on the floor (every case
    assigned, with its event), then with every officer at capacity; then rounds without and
    with the surge check running every second, alternating."""
    count = count or 300
    _production_floor()
    token = _user_with_token("frontline", roles.FRONTLINE)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    officers = EscalationOfficer.objects.filter(active=True)
    capacity = {pk: cap for pk, cap in officers.values_list("pk", "max_open_cases")}
    with celery_worker(), server("gunicorn") as port:
        closed_loop(port, 2, 20, lambda i: ("GET", "/api/v1/cases/", None, headers, 200))
        for floor in ("room", "full"):
            if floor == "full":  # nobody may take another case
                for officer in officers:
                    officer.max_open_cases = officer.cases.filter(state__in=OPEN_STATES).count()
                    officer.save(update_fields=["max_open_cases"])
            for clients in (1, 4):
                rate, latencies, assigned, made = _intake_pass(port, headers, clients, count)
                label = "room on the floor" if floor == "room" else "every officer at capacity"
                stdout.write(
                    f"intake, {clients} client(s), {label}: {rate:.1f} cases/s, "
                    f"{_percentiles(latencies)}; {assigned} of {made} assigned"
                )
        for pk, cap in capacity.items():
            EscalationOfficer.objects.filter(pk=pk).update(max_open_cases=cap)
        # The surge check, every second (60 times as often as beat runs it), against none:
        # alternating rounds, so a drift over the run weighs on both sides alike.
        for clients in (1, 4):
            spent = {False: 0.0, True: 0.0}
            done = {False: 0, True: 0}
            figures = {"runs": 0, "opened": 0, "ms": 0.0}
            for _round in range(SURGE_ROUNDS):
                for checking in (False, True):
                    with surge_checks(every=1.0 if checking else None) as checks:
                        rate, _latencies, _assigned, made = _intake_pass(
                            port, headers, clients, count // 2
                        )
                    spent[checking] += made / rate
                    done[checking] += made
                    if checking:
                        figures["runs"] += checks["runs"]
                        figures["opened"] += checks["opened"]
                        figures["ms"] += checks["mean_ms"] * checks["runs"]
            without, with_checks = done[False] / spent[False], done[True] / spent[True]
            stdout.write(
                f"intake, {clients} client(s), room on the floor, {SURGE_ROUNDS} alternating "
                f"rounds of {count // 2}: without the surge check {without:.1f} cases/s, with it "
                f"every second {with_checks:.1f} cases/s ({with_checks / without:.2f}×); "
                f"{figures['runs']} checks, mean {figures['ms'] / max(figures['runs'], 1):.0f} "
                f"ms, {figures['opened']} surges opened"
            )
    stdout.write(f"setting: gunicorn (WSGI, 2 sync workers), {_setting()}")


#: Intakes run before ``intake-cpu`` measures, so that two runs differ only in their count.
CPU_WARM_UP = 30


def _wsgi_call(application, method: str, path: str, body: bytes, headers: dict) -> int:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    answered: list[str] = []
    chunks = application(environ, lambda status, _headers, _exc=None: answered.append(status))
    b"".join(chunks)
    chunks.close()
    return int(answered[0].split()[0])


def run_intake_cpu(stdout, count: int | None = None) -> None:
    """What one intake costs the web process itself: ``count`` intakes (default 300) through
    the WSGI handler in this process, no HTTP and no client, on a database that
    ``seed_demo --history 10000`` (or ``benchmark intake``) filled; wall and CPU time a
    request. Under ``valgrind --tool=callgrind`` the difference between two counts, divided
    by it, is the instructions an intake runs, a figure that does not drift with the hour."""
    from casehub.wsgi import application

    count = count or 300
    if not EscalationOfficer.objects.filter(active=True).exists():
        stdout.write("no officers: seed the database first (manage.py seed_demo --history 10000)")
        return
    headers = {"Authorization": f"Token {_user_with_token('frontline', roles.FRONTLINE)}"}
    run = f"cpu{time.time_ns()}"
    for index in range(CPU_WARM_UP):
        _wsgi_call(application, "POST", "/api/v1/cases/", intake_body(run, index), headers)
    begun = timezone.now()
    walls, cpus, refused = [], [], 0
    for index in range(CPU_WARM_UP, CPU_WARM_UP + count):
        body = intake_body(run, index)
        wall, cpu = time.perf_counter(), time.thread_time()
        status = _wsgi_call(application, "POST", "/api/v1/cases/", body, headers)
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
        refused += status != 201
    made = Case.objects.filter(created_at__gte=begun, customer__external_id__startswith=f"B-{run}-")
    stdout.write(
        f"intake in process, {count} requests: wall {_percentiles(walls)}; CPU mean "
        f"{statistics.mean(cpus) * 1000:.2f} ms a request; {refused} refused; "
        f"{made.exclude(officer=None).count()} of {made.count()} assigned ({connection.vendor}, "
        f"{'Redis' if os.environ.get('REDIS_URL') else 'no Redis'})"
    )


def run_list(stdout, count: int | None = None) -> None:
    """The case list and a case, as a supervisor and as an officer, at 10,000 cases."""
    count = count or 200
    _production_floor()
    readers = {
        "supervisor": _user_with_token("supervisor", roles.SUPERVISORS),
        "officer1": _user_with_token("officer1", roles.OFFICERS),
    }
    case_id = (
        Case.objects.filter(state=CaseState.INVESTIGATING)
        .order_by("-pk")
        .values_list("pk", flat=True)[0]
    )
    paths = [
        "/api/v1/cases/",
        "/api/v1/cases/?state=investigating&priority=P2",
        "/api/v1/cases/?officer=me&ordering=-priority",
        f"/api/v1/cases/{case_id}/",
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    for path in paths:
        client.get(path, HTTP_AUTHORIZATION=f"Token {readers['supervisor']}", secure=True)
        with CaptureQueriesContext(connection) as queries:
            client.get(path, HTTP_AUTHORIZATION=f"Token {readers['supervisor']}", secure=True)
        stdout.write(f"{path}: {len(queries)} queries")
    with celery_worker(), server("gunicorn") as port:
        for reader, token in readers.items():
            headers = {"Authorization": f"Token {token}"}
            for path in paths:

                def get(index, path=path, headers=headers):
                    return ("GET", path, None, headers, 200)

                closed_loop(port, 1, 20, get)
                rate, latencies = closed_loop(port, 1, count, get)
                stdout.write(
                    f"{path} as {reader}, 1 client: {rate:.1f} req/s, {_percentiles(latencies)}"
                )
    stdout.write(f"setting: gunicorn (WSGI, 2 sync workers), {_setting()}")


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
    "intake": (
        "intake at 1 and 4 clients, with room and at capacity (N per run, default 300)",
        run_intake,
    ),
    "intake-cpu": (
        "intake's own time in the web process, no HTTP (N requests, default 300); "
        "run under callgrind for instructions",
        run_intake_cpu,
    ),
    "list": ("case list and detail as a supervisor and an officer at 10,000 cases", run_list),
}
