"""Badges and points: cases with a real audit trail and clocks, driven through the services."""

from __future__ import annotations

import pytest

from escalation import services
from escalation.sla import clocks
from tests.factories import CaseFactory


@pytest.fixture(autouse=True)
def badges(db):
    """The badges the data migration seeds (a transactional test's flush removes them)."""
    from team.badges import DEFAULT_NAMES
    from team.models import Badge

    for code, default in DEFAULT_NAMES.items():
        Badge.objects.get_or_create(
            code=code,
            defaults={
                "name": default.english,
                "description": default.description,
                "points": default.points,
                "threshold": default.threshold,
            },
        )


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


@pytest.fixture
def sent(monkeypatch):
    """Live messages sent after commit, as (groups, message): badges and notifications."""
    from core import live as core_live
    from escalation import live as escalation_live

    messages = []
    monkeypatch.setattr(core_live, "send_many", lambda batch: messages.extend(batch))
    monkeypatch.setattr(escalation_live, "send_many", lambda batch: messages.extend(batch))
    return messages


def kinds(messages) -> list[str]:
    return [
        message["type"] if isinstance(message, dict) else message.type for _g, message in messages
    ]
