"""``/healthz`` and ``/readyz``: what a process manager and a load balancer ask.

``/healthz`` answers 200 while the process serves at all (liveness: restart it when this
fails). ``/readyz`` answers 200 when PostgreSQL and, where it is configured, Redis answer,
and 503 naming the one that does not (readiness: send it no traffic meanwhile). Neither
needs a session, and both answer over plain HTTP behind a TLS proxy.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

#: How long a readiness probe waits for each service before calling it down.
PROBE_TIMEOUT_SECONDS = 2.0


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return type(exc).__name__
    return None


def _redis() -> str | None:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return type(exc).__name__
    finally:
        client.close()
    return None


@never_cache
def readyz(request):
    """``{"status": "ok" | "unavailable", "checks": {name: {"ok", "ms", "error"?}}}``;
    with REDIS_URL unset (the embedded demo) Redis is not a dependency and is not checked."""
    probes = {"postgresql" if connection.vendor == "postgresql" else "database": _database}
    if settings.REDIS_URL:
        probes["redis"] = _redis
    checks = {}
    for name, probe in probes.items():
        started = time.perf_counter()
        error = probe()
        check = {"ok": error is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if error:
            check["error"] = error
        checks[name] = check
    failing = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["unavailable"] = failing
    return JsonResponse(body, status=503 if failing else 200)
