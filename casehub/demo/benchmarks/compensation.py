"""``manage.py benchmark compensation``: grants per second through the API, contended or not.

Runs Django's test client (DRF ``APIClient``) in 8 threads, each with its own database
connection, against a throwaway database created next to the configured one (PostgreSQL
when ``DATABASE_URL`` points there) and dropped afterwards. Issuing runs eagerly after
each commit, so a grant counts once it is issued. Two runs:

* contended: 8 clients grant as one officer (one officer-day and officer-month budget
  lock, each client on its own case and customer);
* uncontended: 8 clients, 8 officers, nothing shared.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.db import connection
from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

CLIENTS = 8
DEFAULT_COUNT = 400  # grants per run


def _prepare(clients: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from compensation.models import AuthorityPolicy, CompensationKind
    from core import roles
    from escalation.models import Case, Customer, EscalationOfficer

    CompensationKind.objects.create(code="coupon", name="Coupon")
    big = Decimal("1000000000")
    AuthorityPolicy.objects.create(
        role="level_2",
        per_grant_limit=Decimal("1000"),
        approval_ceiling=Decimal("1000"),
        per_day_limit=big,
        per_month_limit=big,
        per_case_limit=big,
        per_customer_limit=big,
    )
    group = Group.objects.create(name=roles.OFFICERS)
    officers = []
    for n in range(clients):
        user = get_user_model().objects.create(username=f"bench_officer_{n}")
        user.groups.add(group)
        officers.append(EscalationOfficer.objects.create(user=user, level=2))
    cases = {}
    for officer in officers:
        for n in range(clients):
            customer = Customer.objects.create(external_id=f"B-{officer.pk}-{n}")
            cases[officer.pk, n] = Case.objects.create(
                title="Benchmark",
                channel="phone",
                category="installation",
                customer=customer,
                officer=officer,
                state="investigating",
            )
    return officers, cases


def _run(jobs: list[tuple], clients: int) -> float:
    """POST every job from ``clients`` threads; return grants per second (all must be 201)."""
    from rest_framework.test import APIClient

    local = threading.local()
    start = threading.Event()

    def post(user, case):
        start.wait()
        if getattr(local, "client", None) is None:
            local.client = APIClient()
        local.client.force_authenticate(user)
        response = local.client.post(
            "/api/v1/compensations/",
            {"case": case.pk, "kind": "coupon", "amount": "1.00", "reason": "Benchmark."},
            format="json",
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.data}")

    barrier = threading.Barrier(clients)

    def close():
        barrier.wait()  # one close per thread: each holds its own connection
        connection.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(post, user, case) for user, case in jobs]
        began = time.perf_counter()
        start.set()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - began
        for future in [pool.submit(close) for _ in range(clients)]:
            future.result()
    return len(jobs) / elapsed


def run(stdout, count=None) -> None:
    from casehub.celery import app

    count = count or DEFAULT_COUNT
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(SECURE_SSL_REDIRECT=False, CELERY_TASK_ALWAYS_EAGER=True):
            officers, cases = _prepare(CLIENTS)
            per_client = max(count // CLIENTS, 1)
            one = officers[0]
            contended = [
                (one.user, cases[one.pk, i % CLIENTS]) for i in range(per_client * CLIENTS)
            ]
            spread = [
                (officers[i % CLIENTS].user, cases[officers[i % CLIENTS].pk, 0])
                for i in range(per_client * CLIENTS)
            ]
            _run(spread[: CLIENTS * 5], CLIENTS)  # warm up connections and caches
            uncontended_rate = _run(spread, CLIENTS)
            contended_rate = _run(contended, CLIENTS)
            from compensation.audit import mismatches

            problems = mismatches()
    finally:
        app.conf.task_always_eager = eager
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    ratio = uncontended_rate / contended_rate
    stdout.write(
        f"compensation grants through the API ({connection.vendor}, Django test client in "
        f"{CLIENTS} threads, {per_client * CLIENTS} grants per run, issued eagerly):\n"
        f"  8 clients, 8 officers (uncontended): {uncontended_rate:8.1f} grants/s\n"
        f"  8 clients, one officer (contended):  {contended_rate:8.1f} grants/s\n"
        f"  uncontended / contended: {ratio:.2f}x (must stay under 3x)\n"
        f"  ledger audit after the runs: {problems or 'OK'}"
    )


AREAS = {
    "compensation": (
        "grants per second through the API: 8 clients on one officer vs 8 officers",
        run,
    )
}
