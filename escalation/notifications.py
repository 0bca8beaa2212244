"""Notifications: a stored record per person, sent live to the workbench and by e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from core import jobs
from escalation import live
from escalation.models import Notification


@dataclass(frozen=True)
class NotificationMessage:
    id: int
    kind: str
    text: str
    case: int | None
    at: str
    type: str = "notification"


def notify_many(items: list[dict], *, email: bool = False) -> list[Notification]:
    """Store ``[{"recipient", "kind", "text", "case"}]``; after commit, push and mail them."""
    if not items:
        return []
    created = Notification.objects.bulk_create([Notification(**item) for item in items])
    messages = [
        (
            [live.user_group(n.recipient_id)],
            NotificationMessage(
                id=n.pk, kind=n.kind, text=n.text, case=n.case_id, at=n.created_at.isoformat()
            ),
        )
        for n in created
    ]
    mailed = [n.pk for n in created if email and n.recipient.email]

    def deliver() -> None:
        live.send_many(messages)
        if mailed:
            jobs.enqueue("escalation.mail_notifications", mailed)

    transaction.on_commit(deliver)
    return created


def mail(notification_ids: list[int]) -> int:
    """E-mail copies of the notifications through Django's e-mail backend."""
    notes = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    mails = [
        (f"[CaseHub] {n.text[:80]}", n.text, settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
        for n in notes
        if n.recipient.email
    ]
    return send_mass_mail(mails, fail_silently=False) if mails else 0


def notify(*, recipient, kind: str, text: str, case=None, email: bool = False) -> Notification:
    return notify_many(
        [{"recipient": recipient, "kind": kind, "text": text, "case": case}], email=email
    )[0]
