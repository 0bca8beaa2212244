"""Mixed load on the production topology, with open sockets: ``manage.py benchmark load``.

Two uvicorn processes (the ``Procfile``'s ``web`` with ``WEB_CONCURRENCY=2``) and a Celery
worker on PostgreSQL and Redis serve clients that together offer a steady rate of what a
peak-season floor sends: intake from the frontline, department members moving their tasks
(accept, start, complete), supervisors reading cases, officers and supervisors listing
them, and knowledge search. Meanwhile 500 pages hold their sockets open, as a floor's do:
officers' workbenches and case pages, department pages and a few war reports. It prints
throughput, p50/p95/p99 latency and errors per kind, and how long each case event took from
its time (stamped in the transaction, just before commit) to each socket that received it.
Any error, or a socket refused or dropped, makes the command fail.

``--short`` runs a small floor, 50 sockets and a few seconds, for CI (zero errors only);
``-n`` sets the seconds. Run it against a scratch database, e.g.::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casehub_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 python manage.py benchmark load
"""

from __future__ import annotations

import http.client
import itertools
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from casehub.demo.benchmarks import sockets
from casehub.demo.benchmarks.escalation import (
    _free_port,
    _production_floor,
    celery_worker,
    healthy,
    intake_body,
)
from core import roles
from escalation import taskgroups
from escalation.models import (
    Case,
    CaseEvent,
    CaseState,
    Customer,
    Department,
    EscalationOfficer,
)

DEPARTMENTS = ("tech", "logistics", "supply_chain", "after_sales", "finance")
SEARCHES = ("安装", "空调", "refund", "delivery", "退款", "warranty", "延误", "voucher")
#: Share of each kind of request in the mix (the rest of a floor's traffic is reading).
MIX = {"intake": 2, "task transition": 3, "case detail": 3, "case list": 1, "knowledge search": 1}
STEPS = ({"transition": "accept"}, {"transition": "start"}, {"transition": "complete"})


@dataclass
class Run:
    seconds: float  # at each rate
    rates: tuple[float, ...]  # requests a second the clients offer together, in turn
    clients: int
    sockets: int
    floor: int
    tasks: int


#: A peak's busiest hour (docs/scaling.md) is about 46 requests a second: 0.8 intakes,
#: 10 other writes, 35 reads. The full run offers rising rates up to that, 500 pages open.
FULL = Run(seconds=30, rates=(10, 20, 30, 45), clients=8, sockets=500, floor=10_000, tasks=1500)
SHORT = Run(seconds=6, rates=(20,), clients=4, sockets=50, floor=0, tasks=60)


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None
    who: str  # whose token
    expected: int  # the status it answers when all is well
    done: Callable[[], None] | None = None  # what to do once it is answered as expected


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


def percentiles(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000

    return f"p50 {at(0.50):.0f} ms, p95 {at(0.95):.0f} ms, p99 {at(0.99):.0f} ms"


def _token(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    return Token.objects.get_or_create(user=user)[0].key


def _tasks_to_move(count: int) -> list[tuple[int, str, int]]:
    """``count`` open tasks, one per department on each of ``count / 5`` investigating cases,
    each assigned to its department's demo member: (task id, department code, case id)."""
    officer = EscalationOfficer.objects.select_related("user").get(user__username="officer3")
    departments = {d.code: d for d in Department.objects.filter(code__in=DEPARTMENTS)}
    members = {
        code: get_user_model().objects.get(username=f"{code}_member") for code in DEPARTMENTS
    }
    frontline = get_user_model().objects.get(username="frontline")
    customer = Customer.objects.order_by("pk").first()
    due = timezone.now() + timedelta(days=2)
    stamp = time.strftime("%m%d%H%M%S")
    tasks = []
    for index in range(-(-count // len(DEPARTMENTS))):
        case = Case.objects.create(
            reference=f"ESC-L{stamp}-{index:04d}",
            title=f"Installation blocked by a missing part (load {index})",
            channel="phone",
            category="installation",
            priority="P2",
            customer=customer,
            officer=officer,
            opened_by=frontline,
            state=CaseState.INVESTIGATING,
        )
        group = taskgroups.task_group_open(
            case=case,
            actor=officer.user,
            title="Part, visit and refund",
            tasks=[
                {
                    "department": departments[code],
                    "assignee": members[code],
                    "title": f"{code}: what the customer needs",
                    "due_at": due,
                }
                for code in DEPARTMENTS
            ],
        )
        listed = group.tasks.values_list("pk", "department__code")
        tasks += [(task, code, case.pk) for task, code in listed]
    return tasks[:count]


class Traffic:
    """The clients: each keeps a steady pace (and sends at once when an answer came late)."""

    def __init__(self, port: int, tasks: list[tuple[int, str, int]]):
        self.port = port
        self.tally = Tally()
        self.tokens = {
            name: _token(name)
            for name in ("frontline", "supervisor", "officer1", "officer2", "officer3")
        }
        self.tokens.update({code: _token(f"{code}_member") for code in DEPARTMENTS})
        self.case_ids = list(Case.objects.order_by("-pk").values_list("pk", flat=True)[:2000])
        # Each task goes through accept, start, complete, one step per request by its
        # member; a task's next step waits until its last one is answered.
        self.steps_lock = threading.Lock()
        self.pending = [(task, code, 0) for task, code, _ in tasks]
        self.task_cases = sorted({case for _, _, case in tasks})
        self.run_id = f"{time.time_ns()}"
        self.counter = itertools.count(1)
        self.kinds = [kind for kind, weight in MIX.items() for _ in range(weight)]

    def _take_step(self) -> tuple[int, str, int] | None:
        with self.steps_lock:
            if not self.pending:
                return None
            return self.pending.pop(random.randrange(len(self.pending)))

    def _step_done(self, task: int, code: str, step: int) -> None:
        if step + 1 < len(STEPS):
            with self.steps_lock:
                self.pending.append((task, code, step + 1))

    def request(self, kind: str) -> Request | None:
        if kind == "intake":
            body = intake_body(self.run_id, next(self.counter))
            return Request("POST", "/api/v1/cases/", body, "frontline", 201)
        if kind == "task transition":
            taken = self._take_step()
            if taken is None:
                return None
            task, code, step = taken
            body = dict(STEPS[step])
            if body["transition"] == "complete":
                body["outcome"] = "Part shipped; visit booked for tomorrow morning."
            return Request(
                "POST",
                f"/api/v1/tasks/{task}/transitions/",
                json.dumps(body).encode(),
                code,
                200,
                done=lambda: self._step_done(task, code, step),
            )
        if kind == "case detail":
            # A supervisor may read any case (an officer, the cases the API lets them see).
            case = random.choice(self.case_ids)
            return Request("GET", f"/api/v1/cases/{case}/", None, "supervisor", 200)
        if kind == "case list":
            reader = random.choice(("supervisor", "officer1", "officer2", "officer3"))
            return Request("GET", "/api/v1/cases/?state=investigating", None, reader, 200)
        term = quote(random.choice(SEARCHES))
        return Request("GET", f"/api/v1/knowledge/articles/?q={term}", None, "officer2", 200)

    def client(self, until: float, interval: float) -> None:
        """Requests every ``interval`` seconds (at once when the last answer came late)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        due = time.perf_counter() + random.uniform(0, interval)
        while (now := time.perf_counter()) < until:
            if due > now:
                time.sleep(due - now)
            due = max(due + interval, time.perf_counter() - interval)
            kind = random.choice(self.kinds)
            request = self.request(kind)
            if request is None:
                continue
            headers = {"Authorization": f"Token {self.tokens[request.who]}"}
            if request.body is not None:
                headers["Content-Type"] = "application/json"
            what = f"{request.method} {request.path}"
            begin = time.perf_counter()
            error = None
            try:
                conn.request(request.method, request.path, body=request.body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                if response.status != request.expected:
                    error = f"{what}: {response.status} {answer[:200]!r}"
            except (OSError, http.client.HTTPException) as failure:
                error = f"{what}: {failure!r}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.tally.add(kind, time.perf_counter() - begin, error)
            if error is None and request.done is not None:
                request.done()
        conn.close()


def socket_paths(count: int, case_ids: list[int]) -> list[str]:
    """What ``count`` open pages of a floor follow: most are officers' workbenches and case
    pages (each person's own), some are department pages, a few are war reports."""
    since = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    floor = max(1, count * 6 // 100)
    departments = count * 16 // 100 // len(DEPARTMENTS) * len(DEPARTMENTS)
    rooms = count * 40 // 100
    workbenches = count - floor - departments - rooms
    officers = list(
        EscalationOfficer.objects.filter(active=True)
        .order_by("pk")
        .values_list("user__username", flat=True)[:workbenches]
    )
    readers = _readers(workbenches - len(officers))
    paths = [("supervisor", "/ws/floor/")] * floor
    paths += [(f"{code}_member", f"/ws/departments/{code}/") for code in DEPARTMENTS] * (
        departments // len(DEPARTMENTS)
    )
    assert len(paths) + rooms + workbenches == count
    paths += [("supervisor", f"/ws/cases/{case_ids[n % len(case_ids)]}/") for n in range(rooms)]
    paths += [(name, "/ws/workbench/") for name in [*officers, *readers]]
    tokens = {name: _token(name) for name in {name for name, _ in paths}}
    return [f"{path}?token={tokens[name]}&last_event_id={since}" for name, path in paths]


def _readers(count: int) -> list[str]:
    """Officers' accounts of the benchmark that hold no cases: their pages stay open, idle."""
    group = Group.objects.get(name=roles.OFFICERS)
    names = [f"load_reader_{n:03d}" for n in range(count)]
    for name in names:
        user, _ = get_user_model().objects.get_or_create(username=name)
        user.groups.add(group)
    return names


@contextmanager
def procfile_web(processes: int = 2):
    """The ``Procfile``'s ``web`` line, as a process manager runs it, on a free port."""
    from honcho.environ import parse_procfile

    port = _free_port()
    root = Path(__file__).resolve().parents[3]
    command = parse_procfile((root / "Procfile").read_text()).processes["web"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": str(processes),
        "HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(command, shell=True, cwd=root, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise CommandError("the Procfile's web process did not start")
            time.sleep(0.3)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cpu_by_part() -> dict[str, float]:
    """CPU seconds used so far by each part of the machine's topology (all its processes)."""
    import psutil

    parts: dict[str, float] = defaultdict(float)
    me = os.getpid()
    for process in psutil.process_iter(["pid", "ppid", "name", "cmdline", "cpu_times"]):
        info = process.info
        line = " ".join(info["cmdline"] or [])
        if info["pid"] == me:
            part = "load generator (HTTP clients)"
        elif "uvicorn" in line or ("multiprocessing.spawn" in line and info["ppid"] != me):
            part = "web (uvicorn)"
        elif "multiprocessing" in line:
            part = "load generator (sockets)"
        elif "celery" in line:
            part = "worker (celery)"
        elif (info["name"] or "").startswith("postgres"):
            part = "postgresql"
        elif (info["name"] or "").startswith("redis"):
            part = "redis"
        else:
            continue
        if info["cpu_times"] is not None:
            parts[part] += info["cpu_times"].user + info["cpu_times"].system
    return parts


@contextmanager
def open_sockets(port: int, paths: list[str]):
    """The sockets, held by a process of their own (``sockets.hold``) until the block ends."""
    here, there = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=sockets.hold, args=(port, paths, there), daemon=True
    )
    process.start()
    if not here.poll(300) or here.recv() != "ready":
        process.kill()
        raise CommandError("the sockets did not open within 5 minutes")
    try:
        yield here
    finally:
        process.join(timeout=120)


def run_load(stdout, count: int | None = None, short: bool = False) -> None:
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        raise CommandError(
            "The load benchmark measures production: set DATABASE_URL to PostgreSQL and "
            "REDIS_URL to Redis (two web processes share their sockets' events through it)."
        )
    plan = SHORT if short else FULL
    if count:
        plan = Run(**{**plan.__dict__, "seconds": count})
    _production_floor(plan.floor)
    tasks = _tasks_to_move(plan.tasks)
    problems: list[str] = []
    with celery_worker(), procfile_web(processes=2) as port:
        traffic = Traffic(port, tasks)
        with open_sockets(port, socket_paths(plan.sockets, traffic.task_cases)) as held:
            stdout.write(
                f"{plan.sockets} sockets open; {plan.clients} clients offer each rate for "
                f"{plan.seconds:.0f} s"
            )
            # Every process imports, compiles and connects on its first requests: not counted.
            _offer(traffic, seconds=3, rate=10, clients=plan.clients)
            problems += [
                f"warm-up, {kind}: {found[0]}"
                for kind, found in traffic.tally.errors.items()
                if found
            ]
            for rate in plan.rates:
                problems += _stage(stdout, traffic, held, plan, rate)
            held.send("stop")
            sockets_seen = held.recv()
    stdout.write(
        f"sockets: {sockets_seen['opened']} of {plan.sockets} opened, "
        f"{len(sockets_seen['failed'])} refused, {sockets_seen['dropped']} dropped"
    )
    stdout.write(
        f"setting: the Procfile's web (uvicorn, 2 processes), a Celery worker, {connection.vendor}, Redis, "
        f"{Case.objects.count()} cases, all on this machine with the load generator"
    )
    problems += [f"socket: {failure}" for failure in sockets_seen["failed"][:3]]
    if sockets_seen["dropped"]:
        problems.append(f"{sockets_seen['dropped']} sockets dropped")
    if problems:
        raise CommandError("; ".join(problems[:6]))


def _offer(traffic: Traffic, *, seconds: float, rate: float, clients: int) -> float:
    """``clients`` threads offering ``rate`` requests a second together; how long it took."""
    until = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=traffic.client, args=(until, clients / rate))
        for _ in range(clients)
    ]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - begun


def _stage(stdout, traffic: Traffic, held, plan: Run, rate: float) -> list[str]:
    """One offered rate: the clients' figures, the sockets' delays, where the CPU went."""
    traffic.tally = tally = Tally()
    held.send("measure")
    cpu_before = cpu_by_part()
    elapsed = _offer(traffic, seconds=plan.seconds, rate=rate, clients=plan.clients)
    cpu_after = cpu_by_part()
    time.sleep(2)  # the last events still on their way
    held.send("report")
    seen = held.recv()

    total = sum(len(samples) for samples in tally.latencies.values())
    errors = sum(len(found) for found in tally.errors.values())
    everything = [s for samples in tally.latencies.values() for s in samples]
    stdout.write(
        f"offered {rate:.0f} requests/s: {total / elapsed:.1f} answered, {errors} errors; "
        f"all requests {percentiles(everything)}"
    )
    for kind in MIX:
        samples = tally.latencies.get(kind, [])
        stdout.write(
            f"  {kind}: {len(samples) / elapsed:.1f}/s, {percentiles(samples)}, "
            f"{len(tally.errors.get(kind, []))} errors"
        )
    stdout.write(
        f"  sockets: {seen['received']} case events delivered "
        f"({seen['received'] / elapsed:.0f}/s), commit to socket {percentiles(seen['delays'])}"
    )
    used = {part: cpu_after[part] - cpu_before.get(part, 0.0) for part in cpu_after}
    stdout.write(
        "  CPU, cores busy: "
        + ", ".join(f"{part} {seconds / elapsed:.2f}" for part, seconds in sorted(used.items()))
    )
    return [f"{rate:.0f}/s, {kind}: {found[0]}" for kind, found in tally.errors.items() if found]


AREAS = {
    "load": (
        "mixed intake, task transitions, reads and search on two web processes with 500 open "
        "sockets (--short: a CI-sized run)",
        run_load,
    ),
}
