"""Outbound webhooks for departments: queue a signed post per task change, deliver with retries.

Each post carries ``X-CaseHub-Event``, ``X-CaseHub-Delivery`` (unique per delivery, so a
receiver can drop duplicates) and ``X-CaseHub-Signature: sha256=<hex HMAC of the body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.utils import timezone

from core import jobs
from escalation.models import Department, WebhookDelivery

TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx; Celery retries with backoff."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def queue(*, department: Department, event: str, payload: dict) -> WebhookDelivery | None:
    """Record a delivery in the current transaction; send it after commit."""
    if not department.webhook_url:
        return None
    delivery = WebhookDelivery.objects.create(
        department=department, event=event, payload=payload, url=department.webhook_url
    )

    jobs.enqueue_on_commit("escalation.deliver_webhook", delivery.pk)
    return delivery


def deliver(delivery_id: int) -> bool:
    """Post one delivery; True when delivered (now or before), raise to retry."""
    delivery = WebhookDelivery.objects.select_related("department").get(pk=delivery_id)
    if delivery.state == WebhookDelivery.State.DELIVERED:
        return True
    body = json.dumps(
        {
            "id": delivery.pk,
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        ensure_ascii=False,
    ).encode()
    request = urllib.request.Request(
        delivery.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "CaseHub-Webhook/1",
            "X-CaseHub-Event": delivery.event,
            "X-CaseHub-Delivery": str(delivery.pk),
            "X-CaseHub-Signature": sign(delivery.department.webhook_secret, body),
        },
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as refused:
        status, error = refused.code, f"HTTP {refused.code}"
    except (urllib.error.URLError, OSError) as problem:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(last_error=str(problem)[:500])
        raise DeliveryFailed(str(problem)) from problem
    else:
        error = ""
    if 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookDelivery.State.DELIVERED,
            response_status=status,
            delivered_at=timezone.now(),
            last_error="",
        )
        return True
    WebhookDelivery.objects.filter(pk=delivery.pk).update(response_status=status, last_error=error)
    raise DeliveryFailed(error)


def give_up(delivery_id: int) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).exclude(
        state=WebhookDelivery.State.DELIVERED
    ).update(state=WebhookDelivery.State.FAILED)
