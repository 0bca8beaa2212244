"""Each rule awards its badge at once, exactly once, with its points, and never when the rule
does not hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import Notification
from team import awards
from team.models import Badge, BadgeAward, PointsEntry
from tests.factories import OfficerFactory
from tests.team.conftest import kinds, resolve

pytestmark = pytest.mark.django_db


def codes(user) -> list[str]:
    return sorted(BadgeAward.objects.filter(user=user).values_list("badge__code", flat=True))


def points(user) -> int:
    return sum(PointsEntry.objects.filter(user=user).values_list("points", flat=True))


def test_a_p1_resolved_within_its_sla_earns_the_badge_at_once_with_a_notice_and_points(
    officer, case_for, sent, django_capture_on_commit_callbacks
):
    case = case_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(case)

    [award] = BadgeAward.objects.filter(badge__code="p1_within_sla")
    assert (award.user, award.case, award.key) == (officer.user, case, f"case-{case.pk}")
    assert award.event.kind == "resolve" and award.awarded_at == award.event.created_at
    assert points(officer.user) == Badge.objects.get(code="p1_within_sla").points == 20
    note = Notification.objects.get(recipient=officer.user, kind="badge")
    assert "P1 within SLA" in note.text and note.case == case
    assert "badge.awarded" in kinds(sent) and "notification" in kinds(sent)
    floor = [groups for groups, message in sent if kinds([(groups, message)]) == ["badge.awarded"]]
    assert "floor" in floor[0] and f"user-{officer.user_id}" in floor[0]


def test_evaluating_again_awards_nothing_more(
    officer, case_for, django_capture_on_commit_callbacks
):
    case = case_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(case)
    assert awards.evaluate_officers([officer.user_id]) == []
    assert awards.catch_up() == []
    assert BadgeAward.objects.count() == PointsEntry.objects.count() == 1
    assert Notification.objects.filter(kind="badge").count() == 1


def test_a_breached_p1_earns_no_badge(officer, case_for):
    case = case_for(officer)
    services.sla_sweep(now=timezone.now() + timedelta(hours=9))  # the resolution clock breaches
    resolve(case)
    assert awards.evaluate_officers([officer.user_id]) == []
    assert codes(officer.user) == []


def test_a_p1_resolved_after_its_due_time_before_the_sweep_earns_no_badge(officer, case_for):
    case = case_for(officer)
    case.sla_clocks.filter(kind="resolution").update(due_at=timezone.now() - timedelta(minutes=1))
    resolve(case)
    awards.evaluate_officers([officer.user_id])
    assert "p1_within_sla" not in codes(officer.user)


def test_a_p3_within_its_sla_earns_no_p1_badge(officer, case_for):
    resolve(case_for(officer, priority="P3"))
    awards.evaluate_officers([officer.user_id])
    assert "p1_within_sla" not in codes(officer.user)


def test_a_supervisor_resolving_credits_the_case_officer(officer, supervisor, case_for):
    resolve(case_for(officer), actor=supervisor)
    awards.evaluate_officers([officer.user_id, supervisor.pk])
    assert codes(officer.user) == ["p1_within_sla"]
    assert codes(supervisor) == []


def test_praise_earns_its_badge_once_per_case(
    officer, frontline, case_for, django_capture_on_commit_callbacks
):
    case = case_for(officer, priority="P3")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.case_record_praise(case=case, actor=frontline, note="Great help!")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_record_praise(case=case, actor=frontline, note="Thanks again!")
    [award] = BadgeAward.objects.filter(badge__code="praise")
    assert award.user == officer.user and award.event == first
    assert points(officer.user) == 15


def test_praise_an_officer_records_for_itself_earns_nothing(
    officer, frontline, case_for, django_capture_on_commit_callbacks
):
    case = case_for(officer, priority="P3")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_record_praise(case=case, actor=officer.user, note="I was great")
    assert not BadgeAward.objects.exists()
    assert case.events.filter(kind="praise").count() == 1  # recorded all the same

    with django_capture_on_commit_callbacks(execute=True):
        from_customer = services.case_record_praise(case=case, actor=frontline, note="Thanks!")

    [award] = BadgeAward.objects.filter(badge__code="praise")
    assert award.event == from_customer


def test_first_contact_resolutions_earn_the_day_badge_at_the_threshold(
    officer, case_for, django_capture_on_commit_callbacks
):
    Badge.objects.filter(code="first_contact_day").update(threshold=3)
    cases = [case_for(officer, priority="P3") for _ in range(4)]
    for case in cases[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            resolve(case)
    assert "first_contact_day" not in codes(officer.user)
    for case in cases[2:]:
        with django_capture_on_commit_callbacks(execute=True):
            resolve(case)
    [award] = BadgeAward.objects.filter(badge__code="first_contact_day")
    assert award.key == timezone.localdate().isoformat()
    assert award.case == cases[2]  # the third of the day earned it; the fourth adds nothing


def test_a_case_that_waited_for_the_customer_is_no_first_contact_resolution(officer, case_for):
    Badge.objects.filter(code="first_contact_day").update(threshold=1)
    case = case_for(officer, priority="P3")
    user = officer.user
    services.case_transition(case=case, actor=user, name="wait_for_customer")
    services.case_transition(case=case, actor=user, name="customer_replied")
    resolve(case)
    awards.evaluate_officers([officer.user_id])
    assert "first_contact_day" not in codes(user)
    resolve(case_for(officer, priority="P3"))
    awards.evaluate_officers([officer.user_id])
    assert "first_contact_day" in codes(user)


def test_a_streak_of_clean_resolutions_earns_a_badge_and_a_breach_starts_it_again(
    officer, case_for
):
    Badge.objects.filter(code="clean_streak").update(threshold=3)
    for _ in range(2):
        resolve(case_for(officer, priority="P3"))
    breached = case_for(officer, priority="P3")
    services.sla_sweep(now=timezone.now() + timedelta(hours=9))  # breaches every open case
    resolve(breached)
    for _ in range(2):
        resolve(case_for(officer, priority="P3"))
    awards.evaluate_officers([officer.user_id])
    assert "clean_streak" not in codes(officer.user)  # 2 clean, 1 breached, 2 clean
    third = case_for(officer, priority="P3")
    resolve(third)
    awards.evaluate_officers([officer.user_id])
    [award] = BadgeAward.objects.filter(badge__code="clean_streak")
    assert award.case == third


def test_an_inactive_badge_is_not_awarded(officer, case_for):
    Badge.objects.filter(code="p1_within_sla").update(active=False)
    resolve(case_for(officer))
    assert awards.evaluate_officers([officer.user_id]) == []


def test_each_officer_earns_for_their_own_cases(officer, other_officer, case_for):
    resolve(case_for(officer))
    resolve(case_for(other_officer, priority="P3"))
    awards.evaluate_officers([officer.user_id, other_officer.user_id])
    assert codes(officer.user) == ["p1_within_sla"]
    assert codes(other_officer.user) == []


def test_the_catch_up_awards_what_was_missed_and_is_idempotent(case_for, sent):
    officer = OfficerFactory(user__username="late")
    resolve(case_for(officer))  # no on-commit job ran: as if the job was lost
    assert BadgeAward.objects.count() == 0
    [award] = awards.catch_up()
    assert award.badge.code == "p1_within_sla"
    assert awards.catch_up() == []
    assert BadgeAward.objects.count() == PointsEntry.objects.count() == 1
    assert Notification.objects.filter(kind="badge").count() == 1


def test_the_catch_up_job_runs_from_celery(officer, case_for):
    from team.jobs import catch_up

    resolve(case_for(officer))
    assert len(catch_up.delay().get()) == 1
    assert catch_up.delay().get() == []


def test_record_event_tells_the_signal_s_receivers(officer, case_for):
    from escalation.signals import case_events_recorded

    case = case_for(officer)
    heard = []

    def receiver(sender, events, **kwargs):
        heard.extend(events)

    case_events_recorded.connect(receiver)
    try:
        event = services.record_event(case=case, kind="edited", payload={})
    finally:
        case_events_recorded.disconnect(receiver)
    assert heard == [event]


def test_the_catch_up_is_on_the_beat_schedule(settings):
    from casehub.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["team-catch-up"]
    assert entry["task"] == "team.catch_up" and entry["task"] in app.tasks
