"""Models every app builds on: an append-only base, and the stored idempotent responses."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyModel(models.Model):
    """A record written once and never changed or deleted (audit trails, ledgers, versions).

    ``immutable_message`` is what a person reads when something tries to change one.
    """

    immutable_message = _("This record is append-only.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError(self.immutable_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.immutable_message)


class IdempotencyRecord(models.Model):
    """The first response to a POST made with an ``Idempotency-Key``, replayed on retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        # The table predates the core app; keeping its name makes the move free.
        db_table = "escalation_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status or 'in progress'})"


class PendingJob(models.Model):
    """A job the broker could not take when it was queued (Redis down): kept here, in the
    database that committed the change, and sent by ``core.send_pending_jobs`` once the
    broker answers again, so no webhook, mail or issuing is lost."""

    name = models.CharField(_("job"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    options = models.JSONField(_("options"), default=dict)
    created_at = models.DateTimeField(_("queued"), default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("pending job")
        verbose_name_plural = _("pending jobs")

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
