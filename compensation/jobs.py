"""Celery jobs of the compensation app: issuing approved grants, after commit."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from compensation import services
from compensation.models import Grant, GrantState


@shared_task(
    name="compensation.issue_grant", autoretry_for=(Exception,), max_retries=5, retry_backoff=True
)
def issue_grant(grant_id: int) -> None:
    """Fulfil an approved grant (voucher code, credit); a no-op once it is issued."""
    services.grant_issue(grant_id=grant_id)


@shared_task(name="compensation.issue_overdue_grants")
def issue_overdue_grants() -> int:
    """Re-queue approved grants whose issuing never ran (a lost message, a crashed worker)."""
    since = timezone.now() - timedelta(seconds=settings.CASEHUB_COMPENSATION_ISSUE_GRACE_SECONDS)
    overdue = list(
        Grant.objects.filter(state=GrantState.APPROVED, decided_at__lt=since).values_list(
            "pk", flat=True
        )
    )
    for grant_id in overdue:
        issue_grant.delay(grant_id)
    return len(overdue)
