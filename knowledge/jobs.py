"""Periodic knowledge jobs (Celery beat; schedule in settings' knowledge block)."""

from celery import shared_task

from knowledge import services


@shared_task(name="knowledge.expire_hot_answers")
def expire_hot_answers() -> int:
    """Unpin answers whose hot flag has lapsed; workstations hear of each one."""
    return services.expire_hot_flags()
