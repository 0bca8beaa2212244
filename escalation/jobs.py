"""Celery jobs of the escalation app, registered by stable names (``escalation.<job>``)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.models import IdempotencyRecord
from escalation import floor, notifications, services
from escalation.taskgroups import webhooks


@shared_task(
    name="escalation.sweep_sla", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def sweep_sla() -> dict:
    """Warn and breach due clocks; idempotent, so overlapping or retried runs are harmless."""
    result = services.sla_sweep()
    return {"warned": result.warned, "breached": result.breached}


@shared_task(name="escalation.forget_idempotency_keys", ignore_result=True)
def forget_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.CASEHUB_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(
    name="escalation.mail_notifications",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def mail_notifications(notification_ids: list[int]) -> int:
    """E-mail copies of notifications, apart from the sweep so a slow mail server never holds it."""
    return notifications.mail(notification_ids)


@shared_task(
    name="escalation.deliver_webhook", bind=True, acks_late=True, max_retries=6, ignore_result=True
)
def deliver_webhook(self, delivery_id: int) -> bool:
    """Post a department webhook; retry with exponential backoff (5 s, 10 s, 20 s …)."""
    try:
        return webhooks.deliver(delivery_id)
    except webhooks.DeliveryFailed as failure:
        if self.request.retries >= self.max_retries:
            webhooks.give_up(delivery_id)
            return False
        raise self.retry(exc=failure, countdown=5 * 2**self.request.retries) from failure


@shared_task(name="escalation.refresh_strain", ignore_result=True)
def refresh_strain() -> dict:
    """Record officers going into or out of strain, and prompt them; idempotent."""
    return floor.refresh_strain()


@shared_task(name="escalation.assign_waiting", ignore_result=True)
def assign_waiting() -> int:
    """Offer long-waiting unassigned cases to officers, then to the shared pool."""
    return services.assign_waiting()
