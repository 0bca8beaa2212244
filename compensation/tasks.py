"""Celery tasks of the compensation app: issuing approved grants, after commit."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
def issue_grant(grant_id: int) -> None:
    """Fulfil an approved grant (voucher code, credit); a no-op once it is issued."""
    from compensation import services

    services.grant_issue(grant_id=grant_id)
