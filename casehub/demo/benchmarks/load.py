"""Mixed load on the production topology, with open sockets: ``manage.py benchmark load``.

Two uvicorn processes (the ``Procfile``'s ``web`` with ``WEB_CONCURRENCY=2``) and a Celery
worker on PostgreSQL and Redis serve closed-loop clients that mix what a peak-season floor
sends: intake from the frontline, department members moving their tasks (accept, start,
complete), officers and supervisors reading cases and the case list, and knowledge search.
Meanwhile 500 sockets stay open, as the floor's open pages do: officers' workbenches, the
departments' pages and supervisors' war reports. It prints throughput, p50/p95/p99 latency
and errors per kind, and how long each case event took from its commit (the event's time)
to each socket that received it. Any error makes the command fail.

``--short`` runs a small floor, 50 sockets and a few seconds, for CI (zero errors only).
Run it against a scratch database, e.g.::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casehub_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 python manage.py benchmark load
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from casehub.demo.benchmarks.escalation import (
    _production_floor,
    celery_worker,
    intake_body,
    server,
)
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
    seconds: float
    clients: int
    sockets: int
    floor: int
    tasks: int


FULL = Run(seconds=60, clients=6, sockets=500, floor=10_000, tasks=600)
SHORT = Run(seconds=6, clients=3, sockets=50, floor=0, tasks=60)


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


def _tasks_to_move(count: int) -> list[tuple[int, str]]:
    """``count`` open tasks, one per department on each of ``count / 5`` investigating cases,
    each assigned to its department's demo member: (task id, department code)."""
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
        tasks += [(task.pk, task.department.code) for task in group.tasks.all()]
    return tasks[:count]


class Traffic:
    """The closed-loop clients: each sends its next request when the last one is answered."""

    def __init__(self, port: int, tally: Tally, tasks: list[tuple[int, str]]):
        self.port = port
        self.tally = tally
        self.tokens = {
            name: _token(name)
            for name in ("frontline", "supervisor", "officer1", "officer2", "officer3")
        }
        self.tokens.update({code: _token(f"{code}_member") for code in DEPARTMENTS})
        self.case_ids = list(Case.objects.order_by("-pk").values_list("pk", flat=True)[:2000])
        # Each task goes through accept, start, complete, one step per request by its
        # member; a task's next step waits until its last one is answered.
        self.steps_lock = threading.Lock()
        self.pending = [(task, code, 0) for task, code in tasks]
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

    def client(self, until: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while time.perf_counter() < until:
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


class Sockets:
    """Open sockets, as the floor's pages hold them, timing each case event they receive."""

    def __init__(self, port: int, count: int):
        self.port = port
        self.count = count
        self.delays: list[float] = []
        self.received = 0
        self.dropped = 0
        self.opened = 0
        self.failed: list[str] = []
        self.measuring = False
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop: asyncio.Event | None = None
        since = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        officers = ("officer1", "officer2", "officer3")
        tokens = {name: _token(name) for name in (*officers, "supervisor")}
        tokens.update({code: _token(f"{code}_member") for code in DEPARTMENTS})
        self.paths = []
        for index in range(count):
            share = index % 10
            if share < 7:  # most open pages are officers' workbenches
                name, path = officers[index % 3], "/ws/workbench/"
            elif share < 9:
                code = DEPARTMENTS[index % len(DEPARTMENTS)]
                name, path = code, f"/ws/departments/{code}/"
            else:
                name, path = "supervisor", "/ws/floor/"
            self.paths.append(f"{path}?token={tokens[name]}&last_event_id={since}")
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.main(),))

    def __enter__(self) -> Sockets:
        self.thread.start()
        self.ready.wait(timeout=300)
        return self

    def __exit__(self, *exc) -> None:
        if self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=60)

    async def main(self) -> None:
        from websockets.asyncio.client import connect

        self.stop = asyncio.Event()
        limit = asyncio.Semaphore(25)  # a floor's pages open over time, not in one instant
        opened = 0
        ready = asyncio.Event()

        async def hold(path: str) -> None:
            nonlocal opened
            try:
                async with limit:
                    socket = await connect(f"ws://127.0.0.1:{self.port}{path}", open_timeout=60)
            except Exception as failure:
                self.failed.append(repr(failure))
                socket = None
            opened += 1
            if opened == self.count:
                ready.set()
            if socket is None:
                return
            self.opened += 1
            try:
                async with socket:
                    while not self.stop.is_set():
                        try:
                            raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
                        except TimeoutError:
                            continue
                        self.receive(raw)
            except Exception:
                if not self.stop.is_set():
                    self.dropped += 1

        holders = [asyncio.create_task(hold(path)) for path in self.paths]
        await ready.wait()
        self.ready.set()
        await asyncio.gather(*holders)

    def receive(self, raw: str | bytes) -> None:
        now = time.time()
        message = json.loads(raw)
        if message.get("type") != "case.updated" or not self.measuring:
            return
        at = datetime.fromisoformat(message["at"]).timestamp()
        self.received += 1
        self.delays.append(now - at)


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
    tally = Tally()
    with celery_worker(), server("uvicorn", workers=2) as port:
        traffic = Traffic(port, tally, tasks)
        with Sockets(port, plan.sockets) as sockets:
            sockets.measuring = True
            until = time.perf_counter() + plan.seconds
            threads = [
                threading.Thread(target=traffic.client, args=(until,)) for _ in range(plan.clients)
            ]
            begun = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - begun
            time.sleep(2)  # the last events still on their way
            sockets.measuring = False
    total = sum(len(samples) for samples in tally.latencies.values())
    errors = sum(len(found) for found in tally.errors.values())
    stdout.write(
        f"load: {plan.clients} closed-loop clients for {elapsed:.0f} s, "
        f"{total / elapsed:.1f} requests/s, {errors} errors"
    )
    for kind in MIX:
        samples = tally.latencies.get(kind, [])
        stdout.write(
            f"  {kind}: {len(samples)} requests, {len(samples) / elapsed:.1f}/s, "
            f"{percentiles(samples)}, {len(tally.errors.get(kind, []))} errors"
        )
    everything = [s for samples in tally.latencies.values() for s in samples]
    stdout.write(f"  all requests: {percentiles(everything)}")
    stdout.write(
        f"sockets: {sockets.opened} of {plan.sockets} open ({len(sockets.failed)} refused, "
        f"{sockets.dropped} dropped); {sockets.received} case events delivered, "
        f"commit to socket {percentiles(sockets.delays)}"
    )
    stdout.write(
        f"setting: uvicorn (2 processes), a Celery worker, {connection.vendor}, Redis, "
        f"{Case.objects.count()} cases"
    )
    problems = [f"{kind}: {found[0]}" for kind, found in tally.errors.items() if found]
    problems += [f"socket: {failure}" for failure in sockets.failed[:3]]
    if sockets.dropped:
        problems.append(f"{sockets.dropped} sockets dropped")
    if problems:
        raise CommandError(f"{errors} request errors; " + "; ".join(problems[:5]))


AREAS = {
    "load": (
        "mixed intake, task transitions, reads and search on two web processes with 500 open "
        "sockets (--short: a CI-sized run)",
        run_load,
    ),
}
