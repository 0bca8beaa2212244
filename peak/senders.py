"""Pluggable senders of customer notices, one per channel (``CASEHUB_NOTICE_SENDERS``).

A sender gets the notice, the customer's address on its channel and the notice's ``key``;
it returns the provider's reference, or raises ``SendError``. A provider that deduplicates on
the key never delivers one notice twice, even when CaseHub retries after a lost answer.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

logger = logging.getLogger("casehub.notices")


class SendError(Exception):
    """The notice did not go out. ``retry`` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class Sender(Protocol):
    def send(self, *, key: str, address: str, subject: str, text: str) -> str: ...


class LoggingSender:
    """Writes the notice to the log: the demo's SMS, app push, calls and letters."""

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, *, key: str, address: str, subject: str, text: str) -> str:
        logger.info("notice %s by %s to %s: %s", key, self.channel, address or "-", text)
        return f"log:{key}"


class EmailSender:
    """Sends through Django's e-mail backend; the notice's key is the message id."""

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, *, key: str, address: str, subject: str, text: str) -> str:
        if not address:
            raise SendError("The customer has no e-mail address.", retry=False)
        message_id = f"<{key}@{settings.CASEHUB_NOTICE_MAIL_DOMAIN}>"
        message = EmailMessage(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"Message-ID": message_id},
        )
        try:
            message.send()
        except OSError as error:  # SMTP down, refused, timed out
            raise SendError(str(error)) from error
        return message_id


@cache
def sender_for(channel: str) -> Sender:
    path = settings.CASEHUB_NOTICE_SENDERS.get(channel)
    if not path:
        raise SendError(f"No sender for {channel}.", retry=False)
    return import_string(path)(channel)
