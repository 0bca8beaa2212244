"""The Celery app: configured from Django settings (``CELERY_*``), tasks found per app."""

import os
import time

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casehub.settings")

app = Celery("casehub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")

#: A message header: when the task was queued, for the queue-time metric.
SENT_AT = "casehub_sent_at"


@before_task_publish.connect
def _stamp(headers=None, **kwargs) -> None:
    if headers is not None:
        headers[SENT_AT] = time.time()


@task_prerun.connect
def _started(task=None, **kwargs) -> None:
    from core import metrics

    task.request.casehub_started = time.perf_counter()
    sent_at = getattr(task.request, SENT_AT, None)
    if sent_at:
        metrics.TASK_QUEUE_SECONDS.labels(task.name).observe(max(0.0, time.time() - sent_at))


@task_postrun.connect
def _finished(task=None, state=None, **kwargs) -> None:
    from core import metrics

    started = getattr(task.request, "casehub_started", None)
    if started is not None:
        metrics.TASK_SECONDS.labels(task.name, state or "UNKNOWN").observe(
            time.perf_counter() - started
        )
