"""Redis is not a single point of failure for the API (real processes on 127.0.0.1).

A Redis of the test's own is started and stopped under a running uvicorn: while it is down,
reads and writes answer, ``/readyz`` names Redis, and the work for Celery is kept in the
database; once Redis is back, ``send_pending_jobs`` hands it to a real worker and nothing
is lost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from rest_framework.authtoken.models import Token

from core import roles
from core.jobs import send_pending_jobs
from core.models import PendingJob
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.escalation.live_server import asgi_server, call, free_port, shared_database_url
from tests.factories import CaseFactory, OfficerFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class PrivateRedis:
    """``redis-server`` on a free port of 127.0.0.1, stopped and started at will."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_with_redis_down_the_api_answers_and_no_job_is_lost(private_redis, tmp_path):
    PolicyFactory(role="level_2")
    coupon = KindFactory(code="coupon")
    frontline = UserFactory(username="frontline", roles=[roles.FRONTLINE])
    officer = OfficerFactory(user__username="officer", level=2)
    case = CaseFactory(officer=officer, state="investigating")
    tokens = {
        user.username: Token.objects.create(user=user).key for user in (frontline, officer.user)
    }

    with asgi_server(tmp_path, redis_url=private_redis.url) as server:
        assert call(server.origin, tokens["officer"], "GET", "/readyz")[0] == 200
        private_redis.stop()

        status, ready = call(server.origin, tokens["officer"], "GET", "/readyz")
        assert (status, ready["unavailable"]) == (503, ["redis"])
        status, created = call(
            server.origin,
            tokens["frontline"],
            "POST",
            "/api/v1/cases/",
            {
                "title": "Washer leaks while Redis is down",
                "channel": "phone",
                "category": "repair",
                "priority": "P3",
                "customer": {"external_id": "C-REDIS-1", "name": "王女士", "tier": "standard"},
            },
        )
        assert status == 201, created
        status, listed = call(server.origin, tokens["officer"], "GET", "/api/v1/cases/")
        assert status == 200 and listed["count"] >= 1
        status, grant = call(
            server.origin,
            tokens["officer"],
            "POST",
            "/api/v1/compensations/",
            {
                "case": case.pk,
                "kind": coupon.code,
                "amount": "50.00",
                "currency": "CNY",
                "reason": "Second missed visit",
            },
        )
        assert status == 201, grant
        assert grant["state"] == "approved"  # issuing waits for the broker
        kept = list(PendingJob.objects.values_list("name", "args"))
        assert kept == [("compensation.issue_grant", [grant["id"]])]

        private_redis.start()
        worker = start_worker(private_redis.url, tmp_path)
        try:
            sent = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import django; django.setup(); "
                    "from core.jobs import send_pending_jobs; print(send_pending_jobs())",
                ],
                cwd=ROOT,
                env=worker_env(private_redis.url, tmp_path),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert sent.returncode == 0, sent.stderr
            assert sent.stdout.strip() == "1"
            assert not PendingJob.objects.exists()
            issued = wait_for_grant(grant["id"], "issued")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        assert issued
        assert call(server.origin, tokens["officer"], "GET", "/readyz")[0] == 200


def worker_env(redis_url: str, workdir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casehub.settings",
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CASEHUB_VAR_DIR": str(workdir),
        "HTTPS": "0",
    }


def start_worker(redis_url: str, workdir: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "casehub", "worker", "--pool", "threads"]
    command += ["--concurrency", "1", "--loglevel", "warning", "--without-gossip"]
    command += ["--without-mingle"]
    log = (workdir / "worker.log").open("w")
    return subprocess.Popen(
        command, cwd=ROOT, env=worker_env(redis_url, workdir), stdout=log, stderr=log
    )


def wait_for_grant(grant_id: int, state: str, seconds: float = 30) -> bool:
    from compensation.models import Grant

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Grant.objects.get(pk=grant_id).state == state:
            return True
        time.sleep(0.2)
    return False


def test_kept_jobs_are_sent_oldest_first_and_only_once(db, django_capture_on_commit_callbacks):
    """On the test's broker (eager): each kept job is handed over once and then deleted."""
    PolicyFactory(role="level_2")
    kind = KindFactory(code="coupon")
    officer = OfficerFactory(user__username="officer", level=2)
    case = CaseFactory(officer=officer, state="investigating")
    from compensation import services

    grant = services.grant_request(
        actor=officer.user,
        case=case,
        kind=kind,
        amount=Decimal("20"),
        currency="CNY",
        reason="Late",
    )
    PendingJob.objects.create(name="compensation.issue_grant", args=[grant.pk])
    PendingJob.objects.create(name="compensation.issue_grant", args=[grant.pk])

    assert send_pending_jobs() == 2
    assert send_pending_jobs() == 0
    grant.refresh_from_db()
    assert grant.state == "issued"
