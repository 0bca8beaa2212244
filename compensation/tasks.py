"""Celery tasks of the compensation app: issuing approved grants, after commit."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
def issue_grant(grant_id: int) -> None:
    """Fulfil an approved grant (voucher code, credit); a no-op once it is issued."""
    from compensation import services

    services.grant_issue(grant_id=grant_id)


@shared_task
def issue_overdue_grants() -> int:
    """Re-queue approved grants whose issuing never ran (a lost message, a crashed worker)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from compensation.models import Grant, GrantState

    since = timezone.now() - timedelta(seconds=settings.CASEHUB_COMPENSATION_ISSUE_GRACE_SECONDS)
    overdue = list(
        Grant.objects.filter(state=GrantState.APPROVED, decided_at__lt=since).values_list(
            "pk", flat=True
        )
    )
    for grant_id in overdue:
        issue_grant.delay(grant_id)
    return len(overdue)
