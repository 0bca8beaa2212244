"""What the team app does when a case's audit trail grows: evaluate the officer at once."""

from __future__ import annotations

from core import jobs
from team.rules import AWARDING_KINDS


def case_events_recorded(sender, events, **kwargs) -> None:
    """A resolution or praise queues the case officer's evaluation once the write commits
    (robust: the periodic catch-up redoes anything lost)."""
    officers = {
        event.case.officer.user_id
        for event in events
        if event.kind in AWARDING_KINDS and event.case.officer_id
    }
    for user_id in sorted(officers):
        jobs.enqueue_on_commit("team.evaluate_officer", user_id, robust=True)
