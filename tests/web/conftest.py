"""The escalation tests' departments, people and task group, and the knowledge tests'
publisher, for the pages' tests."""

from tests.escalation.conftest import (  # noqa: F401
    group,
    investigating_case,
    logistics,
    logistics_lead,
    logistics_member,
    tech,
    tech_lead,
    tech_member,
)
from tests.knowledge.conftest import category, kb_member2, publish  # noqa: F401
