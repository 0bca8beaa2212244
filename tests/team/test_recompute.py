"""The ledger can be rebuilt from the audit trail: the same awards and totals as awarding
incrementally, and a lost ledger comes back."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from escalation import services
from team import awards
from team.models import Badge, BadgeAward, PointsEntry
from team.selectors import badges_and_points
from tests.factories import OfficerFactory
from tests.team.conftest import resolve

pytestmark = pytest.mark.django_db


def snapshot():
    """Awards and ledger as content, without ids: what a recompute must reproduce."""
    award_rows = sorted(
        BadgeAward.objects.values_list(
            "badge__code", "user__username", "key", "case_id", "event_id", "awarded_at"
        )
    )
    ledger = sorted(
        PointsEntry.objects.values_list(
            "user__username", "points", "rule", "award__key", "created_at"
        )
    )
    return award_rows, ledger


@pytest.fixture
def history(officer, other_officer, frontline, supervisor, case_for):
    """Some weeks of work, awarded incrementally as it happened (each commit evaluated)."""
    Badge.objects.filter(code="first_contact_day").update(threshold=2)
    Badge.objects.filter(code="clean_streak").update(threshold=3)
    third = OfficerFactory(user__username="third")

    def step(action):
        action()
        for user in (officer.user, other_officer.user, third.user):
            awards.evaluate_officers([user.pk])

    for person in (officer, other_officer, third):
        for n in range(4):
            case = case_for(person, priority="P1" if n % 2 else "P3")
            step(lambda case=case: resolve(case))
    late = case_for(officer)
    services.sla_sweep(now=timezone.now() + timedelta(hours=9))
    step(lambda: resolve(late, actor=supervisor))
    praised = case_for(other_officer, priority="P2")
    step(lambda: services.case_record_praise(case=praised, actor=frontline, note="Kind"))
    step(lambda: services.case_record_praise(case=praised, actor=supervisor, note="Again"))
    reopened = case_for(third, priority="P3")
    step(lambda: resolve(reopened))
    services.case_transition(case=reopened, actor=third.user, name="reopen", reason="Back")
    services.case_transition(case=reopened, actor=third.user, name="start")
    step(lambda: resolve(reopened))
    return [officer.user, other_officer.user, third.user]


def test_recompute_gives_the_same_awards_and_totals_as_awarding_as_it_happened(history):
    before = snapshot()
    totals = {u: badges_and_points([u.pk])[u.pk]["points"] for u in history}
    assert before[0], "the history earned some badges"
    assert {"p1_within_sla", "praise", "first_contact_day", "clean_streak"} <= {
        row[0] for row in before[0]
    }

    done = awards.recompute()

    assert snapshot() == before
    assert done.awards == len(before[0]) and done.points == sum(totals.values())
    assert {u: badges_and_points([u.pk])[u.pk]["points"] for u in history} == totals


def test_a_deleted_ledger_is_restored_by_the_command(history):
    before = snapshot()
    PointsEntry.objects.all().delete()
    assert all(badges_and_points([u.pk])[u.pk]["points"] == 0 for u in history)

    out = StringIO()
    call_command("recompute_points", stdout=out)

    assert snapshot() == before
    assert f"{len(before[0])} awards" in out.getvalue()


def test_recompute_twice_changes_nothing_and_takes_new_points(history):
    awards.recompute()
    first = snapshot()
    awards.recompute()
    assert snapshot() == first
    Badge.objects.filter(code="p1_within_sla").update(points=50)
    awards.recompute()
    assert set(
        PointsEntry.objects.filter(rule="p1_within_sla").values_list("points", flat=True)
    ) == {50}
