"""``/metrics``: Prometheus' text format, to the allowed addresses only, ``casehub_…`` series."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from prometheus_client import REGISTRY

from core.errors import TransitionNotAllowed
from escalation import services
from escalation.sla import clocks
from tests.escalation.test_live import connect, scenario

pytestmark = pytest.mark.django_db


def value(series: str, **labels) -> float:
    return REGISTRY.get_sample_value(series, labels) or 0.0


def test_only_the_allowed_addresses_read_the_metrics(client, settings):
    settings.METRICS_ALLOWED = ["127.0.0.1", "10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 404


def test_requests_are_counted_by_route_not_by_path(client, officer, case_in):
    case = case_in("assigned")
    client.force_login(officer.user)
    before = value(
        "casehub_http_requests_total", method="GET", route="cases/<int:case_id>/", status="200"
    )

    client.get(f"/cases/{case.pk}/")
    body = client.get("/metrics").content.decode()

    assert "# TYPE casehub_http_requests_total counter" in body
    assert "casehub_http_request_duration_seconds_bucket" in body
    after = value(
        "casehub_http_requests_total", method="GET", route="cases/<int:case_id>/", status="200"
    )
    assert after == before + 1
    assert f"/cases/{case.pk}/" not in body


def test_a_transition_counts_when_it_commits_and_a_refused_one_never(
    case_in, officer, django_capture_on_commit_callbacks
):
    case = case_in("assigned")
    before = value("casehub_transitions_total", resource="case", name="start")

    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(case=case, actor=officer.user, name="start")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        services.case_transition(case=case, actor=officer.user, name="start")

    assert value("casehub_transitions_total", resource="case", name="start") == before + 1


def test_sweeps_count_warnings_and_breaches(case_in, sla_policy):
    case = case_in("investigating")
    [clock] = [c for c in clocks.start_case_clocks(case) if c.kind == "resolution"]
    past = timezone.now() - timedelta(minutes=1)
    type(clock).objects.filter(pk=clock.pk).update(due_at=past, warn_at=past)
    warned = value("casehub_sla_warnings_total")
    breached = value("casehub_sla_breaches_total")

    result = services.sla_sweep()

    assert value("casehub_sla_breaches_total") == breached + result.breached == breached + 1
    assert value("casehub_sla_warnings_total") == warned + result.warned


def test_celery_tasks_are_timed(db):
    from compensation import jobs

    before = value(
        "casehub_celery_task_duration_seconds_count",
        task="compensation.issue_overdue_grants",
        state="SUCCESS",
    )

    jobs.issue_overdue_grants.delay()  # eager in tests: the worker's signals still fire

    after = value(
        "casehub_celery_task_duration_seconds_count",
        task="compensation.issue_overdue_grants",
        state="SUCCESS",
    )
    assert after == before + 1


@pytest.mark.django_db(transaction=True)
@scenario
async def test_open_sockets_are_a_gauge(case_in, officer):
    case = await database_sync_to_async(case_in)("assigned")
    before = value("casehub_live_connections", stream="caseroom")

    communicator, connected, _ = await connect(f"/ws/cases/{case.pk}/", officer.user)
    assert connected
    assert value("casehub_live_connections", stream="caseroom") == before + 1
    refused, _, _ = await connect(f"/ws/cases/{case.pk}/")  # anonymous: refused, not counted
    assert value("casehub_live_connections", stream="caseroom") == before + 1

    await communicator.disconnect()
    await refused.disconnect()
    assert value("casehub_live_connections", stream="caseroom") == before
