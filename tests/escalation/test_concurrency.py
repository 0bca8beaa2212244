"""Races on PostgreSQL with real threads: one transition wins, intake never duplicates."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from escalation.models import Case, CaseEvent, Category
from tests.escalation.test_intake_api import intake
from tests.factories import CaseFactory, OfficerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(count: int, work):
    """Run ``work(i)`` in ``count`` threads released together; return their results."""
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait(timeout=10)
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_two_concurrent_transitions_on_one_case_exactly_one_wins(officer, supervisor):
    case = CaseFactory(officer=officer, state="investigating")
    url = f"/api/v1/cases/{case.pk}/transitions/"

    def fire(index):
        actor, body = [
            (officer.user, {"transition": "resolve", "resolution": "Fixed"}),
            (supervisor, {"transition": "wait_for_customer"}),
        ][index]
        return client_for(actor).post(url, body, format="json").status_code

    statuses = race(2, fire)

    assert sorted(statuses) == [200, 409]
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_many_clients_firing_the_same_transition_change_state_once(officer):
    case = CaseFactory(officer=officer, state="assigned")
    url = f"/api/v1/cases/{case.pk}/transitions/"

    statuses = race(
        8, lambda i: client_for(officer.user).post(url, {"transition": "start"}).status_code
    )

    assert sorted(statuses) == [200] + [409] * 7
    event = CaseEvent.objects.get(case=case)
    assert (event.from_state, event.to_state) == ("assigned", "investigating")


def test_concurrent_contacts_from_one_customer_open_one_case(frontline, officer):
    statuses = race(
        8, lambda i: client_for(frontline).post("/api/v1/cases/", intake(), format="json")
    )

    assert sorted(r.status_code for r in statuses) == [200] * 7 + [201]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind="contact_attached").count() == 7


def test_concurrent_intake_never_exceeds_an_officers_maximum(frontline):
    officer = OfficerFactory(user__username="solo", skills=["installation"], max_open_cases=3)

    def open_case(index):
        body = intake(customer={"external_id": f"C-{index}"})
        return client_for(frontline).post("/api/v1/cases/", body, format="json").status_code

    statuses = race(8, open_case)

    assert statuses == [201] * 8
    assert Case.objects.filter(officer=officer).count() == 3
    assert Case.objects.filter(state="new", officer=None).count() == 5


def test_concurrent_intakes_spread_over_the_team_and_fill_every_slot(frontline):
    team = [
        OfficerFactory(user__username=f"o{index}", skills=["installation"], max_open_cases=1)
        for index in range(4)
    ]

    def open_case(index):
        body = intake(customer={"external_id": f"T-{index}"})
        return client_for(frontline).post("/api/v1/cases/", body, format="json").status_code

    assert race(4, open_case) == [201] * 4
    assert sorted(Case.objects.values_list("officer__user__username", flat=True)) == [
        officer.user.username for officer in team
    ]


def test_concurrent_intakes_wait_for_the_only_officer_rather_than_stay_unassigned(frontline):
    officer = OfficerFactory(user__username="only", skills=["installation"], max_open_cases=8)

    def open_case(index):
        body = intake(customer={"external_id": f"W-{index}"})
        return client_for(frontline).post("/api/v1/cases/", body, format="json").status_code

    assert race(8, open_case) == [201] * 8
    assert Case.objects.filter(officer=officer, state="assigned").count() == 8


def test_concurrent_retries_with_one_idempotency_key_create_one_case(frontline, officer):
    def post(index):
        return (
            client_for(frontline)
            .post("/api/v1/cases/", intake(), format="json", HTTP_IDEMPOTENCY_KEY="same-key")
            .status_code
        )

    statuses = race(6, post)

    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind="contact_attached").count() == 0
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}


def test_concurrent_intakes_in_a_new_category_all_open_and_list_it_once(frontline, officer):
    def contact(index):
        body = intake(category="smart_home", customer={"external_id": f"C-NEW-{index}"})
        return client_for(frontline).post("/api/v1/cases/", body, format="json").status_code

    statuses = race(8, contact)

    assert statuses == [201] * 8
    assert list(Category.objects.values_list("code", flat=True)) == ["smart_home"]
