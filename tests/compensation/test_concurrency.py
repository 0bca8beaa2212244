"""Caps hold under concurrency: real threads, real PostgreSQL, no overspending, no deadlock."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from compensation.audit import mismatches
from compensation.models import Grant, LedgerEntry
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.factories import CaseFactory, CustomerFactory, OfficerFactory, UserFactory

URL = "/api/v1/compensations/"
REQUESTS = 100
#: Requests in flight at once: PostgreSQL here allows 100 connections, shared with others.
WORKERS = 20

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_all(jobs: list[tuple]) -> list[tuple[int, dict]]:
    """POST every ``(user, body)`` from a pool of threads released together."""
    start = threading.Event()

    def post(user, body):
        start.wait()
        try:
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(URL, body, format="json")
            return response.status_code, response.data
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(post, user, body) for user, body in jobs]
        start.set()
        return [future.result(timeout=120) for future in futures]


def _body(case) -> dict:
    return {"case": case.pk, "kind": "coupon", "amount": "10.00", "reason": "Heat wave."}


def test_hundred_parallel_grants_against_a_budget_for_37_approve_exactly_37():
    KindFactory(code="coupon")
    PolicyFactory(role="level_2", per_day_limit=Decimal("370"), per_month_limit=Decimal("9999"))
    officer = OfficerFactory(user__username="busy_officer", level=2)
    cases = [CaseFactory(state="investigating", officer=officer) for _ in range(4)]

    results = _post_all([(officer.user, _body(cases[i % 4])) for i in range(REQUESTS)])

    statuses = [status for status, _ in results]
    assert statuses.count(201) == 37
    assert statuses.count(422) == REQUESTS - 37
    assert {body["cap"] for status, body in results if status == 422} == {"officer_day"}
    assert {body["remaining"] for status, body in results if status == 422} == {"0.00"}
    assert Grant.objects.count() == 37
    assert LedgerEntry.objects.aggregate(total=Sum("delta"))["total"] == Decimal("370.00")
    assert mismatches() == []


def test_two_officers_granting_to_one_customer_never_overspend_its_budget():
    KindFactory(code="coupon")
    PolicyFactory(role="level_2", per_customer_limit=Decimal("370"), per_case_limit=Decimal("999"))
    customer = CustomerFactory()
    officers = [OfficerFactory(user__username=f"officer_{n}", level=2) for n in (1, 2)]
    cases = [
        CaseFactory(state="investigating", officer=officer, customer=customer)
        for officer in officers
    ]

    results = _post_all([(officers[i % 2].user, _body(cases[i % 2])) for i in range(REQUESTS)])

    statuses = [status for status, _ in results]
    assert statuses.count(201) == 37
    assert statuses.count(422) == REQUESTS - 37
    assert {body["cap"] for status, body in results if status == 422} == {"customer_30d"}
    assert Grant.objects.filter(customer=customer).count() == 37
    assert LedgerEntry.objects.filter(customer=customer).aggregate(total=Sum("delta"))[
        "total"
    ] == Decimal("370.00")
    assert mismatches() == []


def test_parallel_revokes_and_grants_keep_ledger_and_counters_in_step(settings):
    KindFactory(code="coupon")
    PolicyFactory(role="level_2")
    PolicyFactory(role="supervisor")
    officer = OfficerFactory(user__username="revoking_officer", level=2)
    cases = [CaseFactory(state="investigating", officer=officer) for _ in range(10)]
    issued = []
    for case in cases[:5]:
        client = APIClient()
        client.force_authenticate(officer.user)
        issued.append(client.post(URL, {**_body(case), "amount": "100.00"}).data["id"])
    assert set(Grant.objects.values_list("state", flat=True)) == {"issued"}

    start = threading.Event()

    def revoke(grant_id):
        start.wait()
        try:
            client = APIClient()
            client.force_authenticate(officer.user)
            body = {"transition": "revoke", "reason": "Duplicate."}
            return client.post(f"{URL}{grant_id}/transitions/", body).status_code
        finally:
            connection.close()

    def request(case):
        start.wait()
        try:
            client = APIClient()
            client.force_authenticate(officer.user)
            return client.post(URL, {**_body(case), "amount": "150.00"}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(revoke, g) for g in issued] + [
            pool.submit(request, c) for c in cases
        ]
        start.set()
        statuses = [f.result(timeout=120) for f in futures]

    assert 500 not in statuses
    assert statuses[:5] == [200] * 5
    assert mismatches() == []
    live = Grant.objects.filter(state__in=["approved", "issued"])
    assert sum(g.amount for g in live) <= Decimal("1000")


def test_two_supervisors_deciding_one_grant_at_once_one_wins_the_other_gets_409():
    KindFactory(code="coupon")
    PolicyFactory(role="level_2")
    PolicyFactory(role="supervisor", per_grant_limit=Decimal("2000"))
    officer = OfficerFactory(user__username="asking_officer", level=2)
    supervisors = [UserFactory(username=f"sup_{n}", roles=["supervisors"]) for n in (1, 2)]
    case = CaseFactory(state="investigating", officer=officer)
    client = APIClient()
    client.force_authenticate(officer.user)
    grant_id = client.post(URL, {**_body(case), "amount": "300.00"}).data["id"]
    start = threading.Event()

    def decide(user, body):
        start.wait()
        try:
            client = APIClient()
            client.force_authenticate(user)
            return client.post(f"{URL}{grant_id}/transitions/", body).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(decide, supervisors[0], {"transition": "approve"}),
            pool.submit(decide, supervisors[1], {"transition": "decline", "reason": "No."}),
        ]
        start.set()
        statuses = sorted(f.result(timeout=60) for f in futures)

    assert statuses == [200, 409]
    assert Grant.objects.get(pk=grant_id).state in ("issued", "declined")
    assert mismatches() == []
