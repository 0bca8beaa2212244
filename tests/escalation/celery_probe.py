"""The project's Celery app for a worker a test starts, reporting each task it finishes.

``celery -A tests.escalation.celery_probe worker`` runs the real app; after every task it
pushes ``{"task", "state", "result"}`` as JSON onto the Redis list named by
``CASEHUB_TEST_REPORT_TO``, so the test blocks on that list (``BLPOP``) instead of sleeping.
"""

import json
import os

import redis
from celery.signals import task_postrun

from casehub.celery import app

__all__ = ["app"]

_reports = redis.Redis.from_url(os.environ["REDIS_URL"])


@task_postrun.connect
def _report(sender=None, state=None, retval=None, **kwargs) -> None:
    result = retval if state == "SUCCESS" else repr(retval)
    _reports.rpush(
        os.environ["CASEHUB_TEST_REPORT_TO"],
        json.dumps({"task": sender.name, "state": state, "result": result}),
    )
