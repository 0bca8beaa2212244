"""Prometheus metrics (``/metrics``, text format, series named ``casehub_…``).

What is counted, and where:

* ``casehub_http_requests_total{method, route, status}`` and
  ``casehub_http_request_duration_seconds{method, route}``: every HTTP request
  (``MetricsMiddleware``); ``route`` is the URL pattern (``cases/<int:case_id>/``), never
  the path, so ids do not multiply the series.
* ``casehub_transitions_total{resource, name}``: every state transition people or the
  system fire through ``core.transitions.Machine``, once its transaction commits.
* ``casehub_sla_warnings_total`` and ``casehub_sla_breaches_total``: what SLA sweeps
  committed.
* ``casehub_live_connections{stream}``: open websockets.
* ``casehub_celery_task_queue_seconds{task}`` (from publish to start) and
  ``casehub_celery_task_duration_seconds{task, state}`` (run time), in workers.

Several processes on one host (uvicorn's workers, Celery's) share their figures through
prometheus-client's multiprocess mode: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory for every process of the host, and any web process's ``/metrics`` reports them
all. Without it each process reports its own. ``/metrics`` answers only the addresses in
``METRICS_ALLOWED`` (404 to anyone else, as if it did not exist).
"""

from __future__ import annotations

import ipaddress
import os
import time

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from core.around import AroundRequest

REQUESTS = Counter(
    "casehub_http_requests", "HTTP requests answered.", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "casehub_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TRANSITIONS = Counter("casehub_transitions", "State transitions committed.", ["resource", "name"])
SLA_WARNINGS = Counter("casehub_sla_warnings", "SLA clocks warned by sweeps.")
SLA_BREACHES = Counter("casehub_sla_breaches", "SLA clocks breached by sweeps.")
LIVE_CONNECTIONS = Gauge(
    "casehub_live_connections",
    "Open websocket connections.",
    ["stream"],
    multiprocess_mode="livesum",
)
TASK_QUEUE_SECONDS = Histogram(
    "casehub_celery_task_queue_seconds",
    "Time a Celery task waited between being queued and starting.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
TASK_SECONDS = Histogram(
    "casehub_celery_task_duration_seconds",
    "Time a Celery task ran.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


def count_transition(resource: str, name: str) -> None:
    """Counted when the transaction commits: a refused or rolled-back one never is."""
    transaction.on_commit(lambda: TRANSITIONS.labels(resource, name).inc())


class MetricsMiddleware(AroundRequest):
    """Counts and times every request by its URL pattern."""

    def before(self, request) -> None:
        request.metrics_started = time.perf_counter()

    def after(self, request, response):
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        elapsed = time.perf_counter() - request.metrics_started
        REQUEST_SECONDS.labels(request.method, route).observe(elapsed)
        return response


def _allowed(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED:
        try:
            if peer in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


def metrics(request):
    """The figures in Prometheus' text format, to ``METRICS_ALLOWED`` only."""
    if not _allowed(request.META.get("REMOTE_ADDR", "")):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
