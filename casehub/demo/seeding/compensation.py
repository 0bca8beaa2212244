"""Demo data of the compensation app, called by manage.py seed_demo (idempotent).

Policies (CNY), as PRODUCT.md sets them, plus the choices it leaves open:

=========== ========= ======== ========== ======== ============ ==========
applies to  per grant per day  per month  per case per customer approval
                                                   (30 days)    ceiling
=========== ========= ======== ========== ======== ============ ==========
level 1        50       300     3,000     1,000      1,000        200
level 2       200     1,000    10,000     1,000      1,000        500
level 3       500     3,000    30,000     1,000      1,000      1,000
supervisor  2,000    10,000   100,000     1,000      1,000      2,000
=========== ========= ======== ========== ======== ============ ==========
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from compensation import services
from compensation.models import AuthorityPolicy, CompensationKind, Grant
from core.errors import CaseHubError
from escalation.models import Case, CaseState

KINDS = [
    # code, name, unit value, money-like, issuer[, high risk]
    ("coupon", "Coupon", None, False, "compensation.issuers.voucher_code"),
    ("gift", "Gift (fan or kettle)", Decimal("80.00"), False, "compensation.issuers.voucher_code"),
    (
        "priority_install",
        "Priority-installation voucher",
        Decimal("100.00"),
        False,
        "compensation.issuers.voucher_code",
    ),
    ("credit", "Account credit", None, True, "compensation.issuers.account_credit"),
    # High risk: every grant of these goes to the 100 % quality review, within the same caps.
    ("refund", "Refund", None, False, "compensation.issuers.voucher_code", "refund"),
    (
        "contract_change",
        "Contract change (fee waived, term moved)",
        None,
        False,
        "compensation.issuers.voucher_code",
        "contract_change",
    ),
]
POLICIES = {
    # role: per grant, ceiling, day, month, case, customer
    "level_1": ("50", "200", "300", "3000", "1000", "1000"),
    "level_2": ("200", "500", "1000", "10000", "1000", "1000"),
    "level_3": ("500", "1000", "3000", "30000", "1000", "1000"),
    "supervisor": ("2000", "2000", "10000", "100000", "1000", "1000"),
}
#: (officer username, kind, amount, then: "issue" | "pending" | "approve" | "decline" | "revoke")
GRANTS = [
    ("officer1", "coupon", "30.00", "issue"),
    ("officer1", "coupon", "120.00", "pending"),
    ("officer2", "priority_install", "100.00", "issue"),
    ("officer2", "credit", "150.00", "issue"),
    ("officer2", "coupon", "350.00", "approve"),
    ("officer2", "gift", "80.00", "revoke"),
    ("officer3", "credit", "700.00", "decline"),
    ("officer3", "coupon", "200.00", "issue"),
    ("officer2", "refund", "180.00", "issue"),
    ("officer3", "contract_change", "300.00", "issue"),
]


def seed_catalogue() -> None:
    for code, name, unit_value, money_like, issuer, *risk in KINDS:
        CompensationKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit_value": unit_value,
                "money_like": money_like,
                "issuer": issuer,
                "risk": risk[0] if risk else CompensationKind.Risk.NONE,
            },
        )
    for role, limits in POLICIES.items():
        grant, ceiling, day, month, case, customer = map(Decimal, limits)
        AuthorityPolicy.objects.get_or_create(
            role=role,
            defaults={
                "currency": "CNY",
                "per_grant_limit": grant,
                "approval_ceiling": ceiling,
                "per_day_limit": day,
                "per_month_limit": month,
                "per_case_limit": case,
                "per_customer_limit": customer,
            },
        )


def seed_grants() -> int:
    """A few grants in mixed states on the officers' open cases (only on a first run)."""
    if Grant.objects.exists():
        return 0
    users = get_user_model().objects.in_bulk(
        ["officer1", "officer2", "officer3", "supervisor"], field_name="username"
    )
    if len(users) < 4:
        return 0
    supervisor = users["supervisor"]
    made = 0
    used_cases: set[int] = set()
    for username, kind_code, amount, then in GRANTS:
        cases = Case.objects.filter(
            officer__user=users[username], state=CaseState.INVESTIGATING
        ).select_related("officer__user", "customer")
        # A case of its own where the officer has several; else the officer's first again.
        case = cases.exclude(pk__in=used_cases).order_by("pk").first() or cases.first()
        if case is None:
            continue
        used_cases.add(case.pk)
        try:
            with transaction.atomic():
                grant = services.grant_request(
                    actor=users[username],
                    case=case,
                    kind=CompensationKind.objects.get(code=kind_code),
                    amount=Decimal(amount),
                    currency="CNY",
                    reason="Demo: customer waited through two missed installation slots.",
                )
                if then in ("approve", "decline"):
                    fire = services.grant_approve if then == "approve" else services.grant_decline
                    extra = (
                        {"reason": "Demo: not justified by the case."} if then == "decline" else {}
                    )
                    grant = fire(grant=grant, actor=supervisor, **extra)
                if grant.state == "approved":
                    grant = services.grant_issue(grant_id=grant.pk) or grant
                if then == "revoke":
                    services.grant_revoke(grant=grant, actor=supervisor, reason="Demo: sent twice.")
            made += 1
        except CaseHubError:
            continue
    return made


def seed(stdout=None) -> None:
    seed_catalogue()
    made = seed_grants()
    if stdout:
        stdout.write(
            f"compensation: {CompensationKind.objects.count()} kinds, "
            f"{AuthorityPolicy.objects.count()} authority policies, {made} new grants "
            f"({Grant.objects.count()} in all)"
        )
