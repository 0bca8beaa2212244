"""Queueing Celery jobs from services, by name, once the transaction commits.

Services queue work by the job's registered name, so a service module never imports the
jobs module that calls it back (no import cycle), and a job never sees uncommitted data.

The broker (Redis) is not a single point of failure: a job it cannot take is kept as a
``PendingJob`` row and ``send_pending_jobs`` (on the beat schedule, and runnable by hand)
sends it once the broker answers again, oldest first. The request that queued it answers
as usual: its change is committed either way.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app, shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

#: What publishing raises when the broker does not answer.
BROKER_DOWN = (OperationalError, OSError)
#: How many kept jobs one run of ``send_pending_jobs`` sends at most.
SEND_BATCH = 500


def publish(name: str, args: list | tuple, options: dict) -> None:
    """Hand job ``name`` to the broker now (honours ``CELERY_TASK_ALWAYS_EAGER``)."""
    current_app.signature(name, args=tuple(args), options=options).apply_async()


def enqueue(name: str, *args: Any, **options: Any) -> None:
    """Queue job ``name`` now; kept in the database if the broker does not answer."""
    try:
        publish(name, args, options)
    except BROKER_DOWN as exc:
        from core.models import PendingJob

        PendingJob.objects.create(
            name=name, args=list(args), options=options, last_error=repr(exc)[:2000]
        )
        logger.warning("broker down: job %s kept to send later", name)


def enqueue_on_commit(name: str, *args: Any, robust: bool = False, **options: Any) -> None:
    """Queue job ``name`` after the current transaction commits.

    ``robust``: any other failure to queue is logged, not raised (for work a periodic sweep
    redoes).
    """
    transaction.on_commit(lambda: enqueue(name, *args, **options), robust=robust)


@shared_task(name="core.send_pending_jobs")
def send_pending_jobs(limit: int = SEND_BATCH) -> int:
    """Send the jobs kept while the broker was down, oldest first; stop at the first the
    broker refuses again. Safe to run anywhere, any number of times at once: each row is
    claimed (``SKIP LOCKED``) and deleted in the transaction that sent it."""
    from core.models import PendingJob

    sent = 0
    while sent < limit:
        with transaction.atomic():
            job = PendingJob.objects.select_for_update(skip_locked=True).order_by("id").first()
            if job is None:
                return sent
            try:
                publish(job.name, job.args, job.options)
            except BROKER_DOWN as exc:
                PendingJob.objects.filter(pk=job.pk).update(
                    attempts=job.attempts + 1, last_error=repr(exc)[:2000]
                )
                return sent
            job.delete()
        sent += 1
    return sent
