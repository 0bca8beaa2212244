"""The sweeper: each clock warns once and breaches once, and breaches run the escalation chain."""

import json
import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casehub.celery import app as celery_app
from escalation import services
from escalation.jobs import sweep_sla
from escalation.models import Case, CaseEvent, EscalationRule, Notification, SlaClock
from escalation.sla import clocks
from tests.factories import CaseFactory, OfficerFactory, UserFactory


def overdue_case(officer, *, warn_only=False, state="investigating", **fields):
    """A case whose resolution clock has passed its warning (and, unless warn_only, its due)."""
    case = CaseFactory(officer=officer, state=state, **fields)
    clocks.start_case_clocks(case)
    past = timezone.now() - timedelta(minutes=1)
    future = timezone.now() + timedelta(hours=1)
    SlaClock.objects.filter(case=case, kind="resolution").update(
        warn_at=past, due_at=future if warn_only else past
    )
    SlaClock.objects.filter(case=case, kind="first_response").update(stopped_at=timezone.now())
    return case


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", email="lead@example.com")


@pytest.fixture
def watched_officer(sla_policy, lead):
    return OfficerFactory(
        user__username="watched", user__email="watched@example.com", level=1, lead=lead
    )


def test_a_clock_past_its_warning_is_warned_once(watched_officer):
    case = overdue_case(watched_officer, warn_only=True)

    first = services.sla_sweep()
    second = services.sla_sweep()

    assert (first.warned, first.breached) == (1, 0)
    assert (second.warned, second.breached) == (0, 0)
    assert CaseEvent.objects.filter(case=case, kind="sla_warning").count() == 1
    assert (
        Notification.objects.filter(recipient=watched_officer.user, kind="sla_warning").count() == 1
    )
    assert SlaClock.objects.get(case=case, kind="resolution").state == "warned"


def test_a_breach_raises_the_level_and_notifies_officer_and_lead(watched_officer, lead):
    case = overdue_case(watched_officer)

    with transaction.atomic():
        result = services.sla_sweep()

    case.refresh_from_db()
    assert result.breached == 1
    assert case.escalation_level == 1
    event = CaseEvent.objects.get(case=case, kind="sla_breach")
    assert (event.actor, event.from_state, event.to_state) == (None, None, None)
    assert event.payload["clock"] == "resolution"
    recipients = set(
        Notification.objects.filter(kind="sla_breach").values_list("recipient__username", flat=True)
    )
    assert recipients == {"watched", "lead"}


def test_breach_mail_goes_out_after_commit(watched_officer, django_capture_on_commit_callbacks):
    overdue_case(watched_officer)

    with django_capture_on_commit_callbacks(execute=True):
        services.sla_sweep()

    assert sorted(m.to[0] for m in mail.outbox) == ["lead@example.com", "watched@example.com"]


def test_sweeping_again_never_breaches_twice(watched_officer):
    case = overdue_case(watched_officer)

    services.sla_sweep()
    services.sla_sweep()
    sweep_sla.apply()

    case.refresh_from_db()
    assert case.escalation_level == 1
    assert CaseEvent.objects.filter(case=case, kind="sla_breach").count() == 1


def test_a_crash_mid_sweep_rolls_back_and_the_retry_escalates_once(watched_officer):
    case = overdue_case(watched_officer)

    class WorkerDied(Exception):
        pass

    with pytest.raises(WorkerDied), transaction.atomic():
        services.sla_sweep()
        raise WorkerDied  # the worker is killed before its transaction commits

    case.refresh_from_db()
    assert case.escalation_level == 0
    assert not CaseEvent.objects.filter(case=case).exists()
    services.sla_sweep()  # acks_late: the broker hands the task to another worker
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert CaseEvent.objects.filter(case=case, kind="sla_breach").count() == 1


def test_paused_and_stopped_clocks_are_left_alone(watched_officer):
    paused = overdue_case(watched_officer)
    SlaClock.objects.filter(case=paused).update(paused_at=timezone.now())
    stopped = overdue_case(watched_officer)
    SlaClock.objects.filter(case=stopped).update(stopped_at=timezone.now())

    assert services.sla_sweep().breached == 0


def test_a_rule_reassigns_to_a_senior_officer_and_raises_priority(watched_officer):
    EscalationRule.objects.create(level=1, reassign_to_level=3, raise_priority=True)
    senior = OfficerFactory(user__username="senior", level=3, skills=["installation"])
    case = overdue_case(watched_officer, priority="P3")

    services.sla_sweep()

    case.refresh_from_db()
    assert case.officer == senior
    assert case.priority == "P2"
    kinds = list(
        CaseEvent.objects.filter(case=case)
        .exclude(kind="sla_warning")
        .values_list("kind", flat=True)
    )
    assert kinds == ["sla_breach", "priority_raised", "reassigned"]
    reassigned = CaseEvent.objects.get(case=case, kind="reassigned")
    assert reassigned.payload["from"] == "watched" and reassigned.payload["to"] == "senior"


def test_a_rule_can_keep_the_lead_out(watched_officer):
    EscalationRule.objects.create(level=1, notify_lead=False, send_email=False)
    overdue_case(watched_officer)

    services.sla_sweep()

    breach_notes = Notification.objects.filter(kind="sla_breach")
    assert list(breach_notes.values_list("recipient__username", flat=True)) == ["watched"]


def test_sweep_queries_do_not_grow_with_calm_open_cases(watched_officer):
    for _ in range(30):
        clocks.start_case_clocks(CaseFactory(officer=watched_officer, state="investigating"))
    overdue_case(watched_officer)

    with CaptureQueriesContext(connection) as few:
        services.sla_sweep()
    overdue_case(watched_officer)
    for _ in range(60):
        clocks.start_case_clocks(CaseFactory(officer=watched_officer, state="investigating"))
    with CaptureQueriesContext(connection) as more:
        services.sla_sweep()

    assert len(more) == len(few)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_breach_each_clock_exactly_once(sla_policy, lead):
    officer = OfficerFactory(user__username="busy", level=1, lead=lead)
    cases = [overdue_case(officer) for _ in range(120)]
    barrier = threading.Barrier(4)

    def sweeper(_):
        try:
            barrier.wait(timeout=10)
            result = services.sla_sweep(batch_size=15)
            return result.warned, result.breached
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(sweeper, range(4)))

    assert sum(breached for _, breached in results) == 120
    assert sum(warned for warned, _ in results) == 120
    assert CaseEvent.objects.filter(kind="sla_breach").count() == 120
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("escalation_level", flat=True)
    ) == {1}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_real_worker_sweeps_through_the_broker(sla_policy, lead):
    """Two sweeps through Redis on a two-thread worker, made to overlap: while another session
    holds the case row, the sweep that claimed the clock waits to write its audit event, so
    the other one must finish first, having skipped the claimed clock. Releasing the row lets
    the first finish: one warning, one breach."""
    officer = OfficerFactory(user__username="far", level=1, lead=lead)
    case = overdue_case(officer)
    database = settings.DATABASES["default"]
    reports = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=90)  # outlasts BLPOP's 60
    report_to = f"sweep-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CASEHUB_TEST_REPORT_TO": report_to,
    }
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM escalation_case WHERE id = %s FOR UPDATE", [case.pk])
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.escalation.celery_probe",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            "casehub-test-sweep",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
    )
    try:
        celery_app.send_task("escalation.sweep_sla", queue="casehub-test-sweep")
        celery_app.send_task("escalation.sweep_sla", queue="casehub-test-sweep")
        first = reports.blpop([report_to], timeout=60)
        held_until_then = CaseEvent.objects.filter(case=case).exists()
        holder.rollback()
        second = reports.blpop([report_to], timeout=60)
    finally:
        holder.close()
        worker.terminate()
        worker.wait(timeout=30)
        reports.delete(report_to)

    assert first is not None and second is not None, "the worker did not finish both sweeps"
    finished = [json.loads(report) for _, report in (first, second)]
    assert [(f["task"], f["state"]) for f in finished] == [("escalation.sweep_sla", "SUCCESS")] * 2
    assert not held_until_then  # the sweep that claimed the clock was still waiting
    assert finished[0]["result"] == {"warned": 0, "breached": 0}  # skipped the claimed clock
    assert finished[1]["result"] == {"warned": 1, "breached": 1}
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert CaseEvent.objects.filter(case=case, kind="sla_breach").count() == 1


def test_each_rule_decides_its_own_mail(watched_officer, django_capture_on_commit_callbacks):
    EscalationRule.objects.create(level=1, send_email=False)
    EscalationRule.objects.create(level=2, send_email=True)
    overdue_case(watched_officer)

    with django_capture_on_commit_callbacks(execute=True):
        services.sla_sweep()

    assert Notification.objects.filter(kind="sla_breach").count() == 2
    assert mail.outbox == []
