"""The demo data is idempotent and consistent; the admin pages open and act via services."""

from decimal import Decimal

import pytest

from casehub.demo.seeding import compensation as demo
from compensation.audit import mismatches
from compensation.models import AuthorityPolicy, CompensationKind, Grant, LedgerEntry
from tests.factories import CaseFactory, OfficerFactory, UserFactory


@pytest.fixture
def demo_people(db):
    supervisor = UserFactory(username="supervisor", roles=["supervisors"])
    for level in (1, 2, 3):
        officer = OfficerFactory(user__username=f"officer{level}", level=level)
        for _ in range(4):
            CaseFactory(state="investigating", officer=officer)
    return supervisor


def test_demo_seed_is_idempotent_and_leaves_the_ledger_consistent(demo_people, capsys):
    demo.seed()
    first = Grant.objects.count()
    demo.seed()

    assert set(CompensationKind.objects.values_list("code", flat=True)) == {
        "coupon",
        "gift",
        "priority_install",
        "credit",
        "refund",
        "contract_change",
    }
    reviewed = Grant.objects.filter(kind__code__in=["refund", "contract_change"])
    assert {grant.review_reasons[0] for grant in reviewed} == {"refund", "contract_change"}
    assert {grant.review for grant in reviewed} == {"pending"}
    level_1 = AuthorityPolicy.objects.get(role="level_1")
    assert (level_1.per_grant_limit, level_1.per_day_limit) == (Decimal("50"), Decimal("300"))
    assert AuthorityPolicy.objects.get(role="supervisor").per_grant_limit == Decimal("2000")
    assert first == len(demo.GRANTS) == Grant.objects.count()
    assert {"issued", "pending_approval", "declined", "revoked"} <= set(
        Grant.objects.values_list("state", flat=True)
    )
    assert mismatches() == []


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("page", ["compensationkind", "authoritypolicy", "grant", "ledgerentry"])
def test_admin_lists_open(admin_client, case, officer, grant, coupon, policies, page):
    issued = grant(officer.user, case, "50.00")
    expected = {
        "compensationkind": {coupon.pk},
        "authoritypolicy": {policy.pk for policy in policies.values()},
        "grant": {issued.pk},
        "ledgerentry": set(LedgerEntry.objects.filter(grant=issued).values_list("pk", flat=True)),
    }[page]

    response = admin_client.get(f"/admin/compensation/{page}/")

    assert expected
    assert {row.pk for row in response.context["cl"].result_list} == expected


def test_admin_grant_page_is_read_only_and_approves_through_the_service(
    admin_client, case, officer, grant
):
    pending = grant(officer.user, case, "300.00")

    page = admin_client.get(f"/admin/compensation/grant/{pending.pk}/change/")
    response = admin_client.post(
        "/admin/compensation/grant/", {"action": "approve", "_selected_action": [pending.pk]}
    )

    assert page.status_code == 200
    assert b"300.00" in page.content
    assert b'name="amount"' not in page.content
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.state == "approved"
    assert pending.case.events.filter(kind="compensation_approved").count() == 1
