"""``Idempotency-Key`` for POST endpoints: a retry gets the first response, nothing twice.

The key is claimed in its own committed transaction before the work starts, so a second
request with the same key, at the same time, learns at once that the first is running
(409). The work and the stored response commit together; a failed attempt frees the key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from core.errors import ErrorCode
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
ABANDONED_AFTER = timedelta(minutes=2)


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _refusal(detail: str, code: ErrorCode, **fields) -> Response:
    return Response({"detail": detail, "code": str(code), **fields}, status=code.status)


def _conflict(detail: str, code: ErrorCode) -> Response:
    return _refusal(detail, code, allowed=[])


def _claim(request, key: str, fingerprint: str) -> IdempotencyRecord | Response:
    """Claim the key, or answer for an earlier request that holds it."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=request.user, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if record is None:  # freed between our insert and this read: the caller may retry
        return _conflict(
            _("A request with this Idempotency-Key just failed; retry."),
            ErrorCode.IDEMPOTENCY_RETRY,
        )
    if record.fingerprint != fingerprint:
        return _refusal(
            _("This Idempotency-Key was used for a different request."),
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    if record.response_status is None:
        if timezone.now() - record.created_at < ABANDONED_AFTER:
            return _conflict(
                _("A request with this Idempotency-Key is still being processed."),
                ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
            )
        updated = IdempotencyRecord.objects.filter(
            pk=record.pk, response_status=None, created_at=record.created_at
        ).update(created_at=timezone.now())
        if not updated:
            return _conflict(
                _("A request with this Idempotency-Key is in progress."),
                ErrorCode.IDEMPOTENCY_RETRY,
            )
        record.refresh_from_db()
        return record
    replay = Response(record.response_body, status=record.response_status)
    replay["Idempotent-Replayed"] = "true"
    return replay


def idempotent(view_method):
    """Decorate a DRF view method that handles POST."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255 or not key.isprintable():
            return Response(
                {HEADER: [_("At most 255 printable characters.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        claimed = _claim(request, key, _fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    raise _NotStored(response)
                claimed.response_status = response.status_code
                claimed.response_body = json.loads(json.dumps(response.data, default=str))
                claimed.save(update_fields=["response_status", "response_body"])
            return response
        except _NotStored as not_stored:
            claimed.delete()
            return not_stored.response
        except BaseException:
            claimed.delete()
            raise

    return wrapper


class _NotStored(Exception):
    """A refusal: roll back whatever the view did and free the key for a corrected retry."""

    def __init__(self, response):
        super().__init__()
        self.response = response
