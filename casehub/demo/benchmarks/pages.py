"""Benchmarks of the pages: server time of the workbench, the case page and the war report at
N cases, and how long a change takes to reach 20 open case pages over their sockets.

Run against a scratch database, e.g.::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casehub_bench \\
        python manage.py benchmark pages
"""

from __future__ import annotations

import asyncio
import http.client
import json
import time

from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from casehub.demo.benchmarks.escalation import (
    _percentiles,
    _prepare,
    _production_floor,
    _user_with_token,
    server,
)
from core import roles
from escalation.models import Case, CaseState, EscalationOfficer

OPEN_PAGES = 20
CHANGES = 10


def _page_times(stdout, client: Client, path: str, repeat: int = 50) -> None:
    for _ in range(5):  # steady state: templates loaded, calendars cached
        client.get(path)
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    latencies = []
    for _ in range(repeat):
        begin = time.perf_counter()
        client.get(path)
        latencies.append(time.perf_counter() - begin)
    stdout.write(f"page {path}: {len(queries)} queries, server time {_percentiles(latencies)}")


async def _propagation(port: int, case_id: int, token: str) -> list[float]:
    """Seconds from each change's POST to each of the open pages receiving its event."""
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/cases/{case_id}/?token={token}"
    sockets = [await websockets.connect(url) for _ in range(OPEN_PAGES)]
    delays: list[float] = []
    names = ["wait_for_customer", "customer_replied"]
    try:
        for index in range(CHANGES):
            body = json.dumps({"transition": names[index % 2]})
            begin = time.perf_counter()
            await asyncio.to_thread(
                _post, port, f"/api/v1/cases/{case_id}/transitions/", body, token
            )

            delays += await asyncio.gather(*(_first_event(socket, begin) for socket in sockets))
    finally:
        for socket in sockets:
            await socket.close()
    return delays


async def _first_event(socket, begin: float) -> float:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message.get("type") == "case.updated":
            return time.perf_counter() - begin


def _post(port: int, path: str, body: str, token: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")


def run_pages(stdout, count: int | None = None) -> None:
    total = count or 10_000
    _prepare()
    _production_floor(total)
    supervisor_token = _user_with_token("bench_supervisor", roles.SUPERVISORS)
    supervisor = Token.objects.get(key=supervisor_token).user
    officer = EscalationOfficer.objects.get(user__username="bench_officer")
    case = Case.objects.create(
        title="Benchmark case page",
        channel="phone",
        category="installation",
        customer=Case.objects.first().customer,
        officer=officer,
        state=CaseState.INVESTIGATING,
        context={"intent": "bench", "interactions": []},
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(supervisor)
    stdout.write(f"at {Case.objects.count()} cases")
    for path in (
        "/workbench/?view=open",
        "/workbench/?view=breaching",
        f"/cases/{case.pk}/",
        "/dashboard/",
    ):
        _page_times(stdout, client, path)

    # One worker: the embedded in-memory channel layer lives in its process (with REDIS_URL
    # any number of workers share Redis).
    with server("uvicorn", workers=1) as port:
        delays = asyncio.run(_propagation(port, case.pk, supervisor_token))
    stdout.write(
        f"a change reaching {OPEN_PAGES} open case pages ({CHANGES} changes): "
        f"{_percentiles(delays)}"
    )


AREAS = {
    "pages": (
        "workbench, case page and war report server time at N cases (default 10,000); a "
        "change reaching "
        "20 open pages",
        run_pages,
    ),
}
