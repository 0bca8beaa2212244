"""A small term list in both languages, and the compensation and task-group fixtures."""

import pytest

from quality.models import SensitiveTerm
from tests.compensation.conftest import case, coupon, credit, grant, policies  # noqa: F401
from tests.escalation.conftest import (  # noqa: F401
    group,
    investigating_case,
    logistics,
    logistics_lead,
    logistics_member,
    logistics_task,
    tech,
    tech_lead,
    tech_member,
)

TERMS = [
    ("保证", "zh", "promise"),
    ("投诉到底", "zh", "legal"),
    ("身份证号", "zh", "privacy"),
    ("guarantee", "en", "promise"),
    ("refund", "en", "promise"),
    ("refund guaranteed", "en", "promise"),
    ("your fault", "en", "blame"),
    ("ass", "en", "abusive"),
]


@pytest.fixture
def terms(db):
    return [
        SensitiveTerm.objects.create(term=term, language=language, category=category)
        for term, language, category in TERMS
    ]
