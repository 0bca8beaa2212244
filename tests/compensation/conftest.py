"""Compensation fixtures: kinds, the demo's policies, and a one-line grant helper."""

from decimal import Decimal

import pytest

from compensation import services
from compensation.models import CompensationKind
from tests.compensation.factories import KindFactory, PolicyFactory


@pytest.fixture
def coupon(db):
    return KindFactory(code="coupon")


@pytest.fixture
def credit(db):
    return KindFactory(code="credit", money_like=True, issuer="compensation.issuers.account_credit")


@pytest.fixture
def policies(db):
    """Level 1, level 2 and supervisors, as the demo sets them (CNY)."""
    return {
        "level_1": PolicyFactory(
            role="level_1",
            per_grant_limit=Decimal("50"),
            approval_ceiling=Decimal("200"),
            per_day_limit=Decimal("300"),
            per_month_limit=Decimal("3000"),
        ),
        "level_2": PolicyFactory(role="level_2"),
        "supervisor": PolicyFactory(
            role="supervisor",
            per_grant_limit=Decimal("2000"),
            approval_ceiling=Decimal("2000"),
            per_day_limit=Decimal("10000"),
            per_month_limit=Decimal("100000"),
        ),
    }


@pytest.fixture
def case(case_in, policies, coupon):
    """An investigating case of ``officer`` (level 2), with policies and a coupon kind."""
    return case_in("investigating")


@pytest.fixture
def grant(coupon):
    """``grant(actor, case, "50.00")`` requests a grant through the service."""

    def make(actor, case, amount, kind: CompensationKind | None = None, currency="CNY"):
        return services.grant_request(
            actor=actor,
            case=case,
            kind=kind or coupon,
            amount=Decimal(amount),
            currency=currency,
            reason="Install delayed twice.",
        )

    return make
