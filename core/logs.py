"""Log lines that can be followed across processes and never carry a secret.

* Every HTTP request gets an id: the ``X-Request-ID`` a proxy in front sent (when it looks
  like one), else a new one. The response carries it back and every line logged while the
  request runs has it as ``request_id`` (``RequestIdFilter``).
* ``LOG_FORMAT=json`` writes one JSON object per line (python-json-logger), for a log
  shipper; otherwise plain text. ``settings.LOGGING`` wires both.
* ``RedactSecrets`` masks what must never reach a log: API tokens, passwords, session and
  CSRF cookies, signed socket tickets, ``Authorization`` headers, wherever they appear in
  the message or its arguments.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver

from core.around import AroundRequest

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

MASK = "[redacted]"
SECRETS = [
    # Authorization: Token <key> / Bearer <jwt> / Basic <b64>
    re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(token|bearer|basic)\s+[^\s\"',;]+"),
    re.compile(r"(?i)\b(token|bearer)\s+[A-Za-z0-9._~+/=-]{20,}"),
    # key=value pairs in query strings, form bodies, dict reprs and cookies
    re.compile(
        r"(?i)([\"']?\b(?:password|passwd|secret|api[_-]?key|token|access[_-]?token|"
        r"sessionid|csrftoken|csrfmiddlewaretoken|ticket)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\s\"'&,;}]+"
    ),
]


def current_request_id() -> str:
    return _request_id.get()


def redact(text: str) -> str:
    for pattern in SECRETS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + MASK, text)
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RedactSecrets(logging.Filter):
    """Renders the message once, masked; exception text is masked by the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))


def _json_formatter_class():
    from pythonjsonlogger.json import JsonFormatter

    class RedactingJsonFormatter(JsonFormatter):
        def formatException(self, ei) -> str:
            formatted = super().formatException(ei)
            return redact(formatted if isinstance(formatted, str) else "\n".join(formatted))

    return RedactingJsonFormatter


def json_formatter(**options):
    """The ``()`` factory ``settings.LOGGING`` names for ``LOG_FORMAT=json``."""
    return _json_formatter_class()(**options)


class RequestIdMiddleware(AroundRequest):
    """Sets the request id for the request's log lines and answers it in a header."""

    def before(self, request) -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        _request_id.set(request.request_id)

    def after(self, request, response):
        response[REQUEST_ID_HEADER] = request.request_id
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs) -> None:
    # Kept until the response is closed: Django logs a 4xx/5xx after the middleware returns.
    _request_id.set("-")
