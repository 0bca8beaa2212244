"""Badges and points: cases with a real audit trail and clocks, driven through the services."""

from __future__ import annotations

import pytest

from escalation import services
from escalation.sla import clocks
from tests.factories import CaseFactory


@pytest.fixture
def case_for(sla_policy):
    """``case_for(officer, priority="P1")``: an investigating case of ``officer``, its audit
    trail opened and assigned as intake writes it, its clocks running (8 h to resolve)."""

    def make(officer, *, priority="P1", **kwargs):
        case = CaseFactory(officer=officer, state="investigating", priority=priority, **kwargs)
        services.record_event(case=case, kind="created", payload={"priority": priority})
        services.record_event(
            case=case,
            kind="assign",
            payload={"officer": officer.user.get_username(), "automatic": True},
        )
        clocks.start_case_clocks(case)
        return case

    return make


def resolve(case, actor=None):
    """Resolve ``case`` as its officer (or ``actor``), through the service."""
    return services.case_transition(
        case=case, actor=actor or case.officer.user, name="resolve", resolution="Fixed it."
    )
