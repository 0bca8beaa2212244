"""``/healthz``, ``/readyz``, request ids and log lines that never carry a secret."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import logs

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(captured) == 0


def test_readyz_checks_the_database_and_redis_when_configured(client, db, settings):
    settings.REDIS_URL = ""
    body = client.get("/readyz").json()

    assert body["status"] == "ok"
    assert set(body["checks"]) == {
        "postgresql" if connection.vendor == "postgresql" else "database"
    }


def test_readyz_is_503_naming_redis_when_redis_does_not_answer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["unavailable"] == ["redis"]
    assert body["checks"]["redis"]["ok"] is False
    assert "Error" in body["checks"]["redis"]["error"]
    assert all(check["ok"] for name, check in body["checks"].items() if name != "redis")


@pytest.mark.redis
def test_readyz_is_200_with_the_real_redis(client, db, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]

    body = client.get("/readyz").json()

    assert body["status"] == "ok"
    assert body["checks"]["redis"]["ok"] is True


def test_every_response_carries_a_request_id(client, db):
    made = client.get("/healthz")["X-Request-ID"]
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="edge-1234abcd")["X-Request-ID"]
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]

    assert len(made) == 32
    assert kept == "edge-1234abcd"
    assert replaced != "<script>" and len(replaced) == 32


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Token 0123456789abcdef0123456789abcdef01234567", "0123456789abcdef"),
        ("header Token 0123456789abcdef0123456789abcdef01234567 seen", "0123456789abcdef"),
        ("POST username=officer1&password=casehub-demo&next=/", "casehub-demo"),
        ("GET /ws/workbench/?ticket=eyJ1c2VyIjoxfQ:1rX:abc", "eyJ1c2VyIjoxfQ"),
        ("Cookie: sessionid=abc123secret; csrftoken=xyz789secret", "secret"),
        ("{'token': 'd41d8cd98f00b204e9800998ecf8427e'}", "d41d8cd98f00"),
    ],
)
def test_secrets_are_masked_in_log_lines(line, secret):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "seen: %s", (line,), None)

    logs.RedactSecrets().filter(record)

    assert secret not in record.getMessage()
    assert logs.MASK in record.getMessage()


def test_json_logs_carry_the_request_id_and_no_secret(tmp_path):
    """A process configured as production (LOG_FORMAT=json) logs one JSON object per line."""
    script = """
import django, logging
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
Client().get("/no-such-page/", HTTP_X_REQUEST_ID="edge-42424242")
logging.getLogger("casehub").warning("login with password=%s", "casehub-demo")
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casehub.settings",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "HTTPS": "0",
        "CASEHUB_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == "edge-42424242"
    assert not_found["level"] == "WARNING"
    assert "casehub-demo" not in result.stderr
    assert any(logs.MASK in line["message"] for line in lines)
