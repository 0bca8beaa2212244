"""Outbound webhooks: signed JSON posts to a department's own system, logged per delivery."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookDelivery(models.Model):
    """One event for one department's endpoint; delivered at most once successfully."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    department = models.ForeignKey(
        "escalation.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
    )
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    url = models.URLField(_("URL"), max_length=500)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.department.code} ({self.state})"
