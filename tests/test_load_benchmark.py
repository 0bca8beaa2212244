"""``manage.py benchmark load --short``: the mixed load on two web processes, a worker,
PostgreSQL and a Redis of the test's own, with open sockets. CI checks only that nothing
fails (no request error, every socket opened and kept); the figures go in the README."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.escalation.live_server import redis_server, shared_database_url

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_short_load_run_has_no_errors(tmp_path):
    with redis_server(tmp_path) as redis:
        env = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "REDIS_URL": redis.url,
            "CASEHUB_VAR_DIR": str(tmp_path),
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
        run = subprocess.run(
            [sys.executable, "manage.py", "benchmark", "load", "--short"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = run.stdout
    assert re.search(r"offered 20 requests/s: [\d.]+ answered, 0 errors;", figures), figures
    assert "sockets: 50 of 50 opened, 0 refused, 0 dropped" in figures
    delivered = re.search(r"sockets: (\d+) case events delivered", figures)
    assert delivered and int(delivered[1]) > 0, figures
