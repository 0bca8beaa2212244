"""Queueing Celery jobs from services, by name, once the transaction commits.

Services queue work by the job's registered name, so a service module never imports the
jobs module that calls it back (no import cycle), and a job never sees uncommitted data.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def enqueue(name: str, *args: Any, **options: Any) -> None:
    """Queue job ``name`` now (honours ``CELERY_TASK_ALWAYS_EAGER`` like ``delay``)."""
    current_app.signature(name, args=args, options=options).apply_async()


def enqueue_on_commit(name: str, *args: Any, robust: bool = False, **options: Any) -> None:
    """Queue job ``name`` after the current transaction commits.

    ``robust``: a failure to queue is logged, not raised (for work a periodic sweep redoes).
    """
    transaction.on_commit(lambda: enqueue(name, *args, **options), robust=robust)
