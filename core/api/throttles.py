"""Throttling of password guesses: the login page and the token endpoint share one count.

Failed attempts are counted per username (``CASEHUB_LOGIN_FAILURES_PER_USERNAME``, default
10 a minute) and per client address (``CASEHUB_LOGIN_FAILURES_PER_ADDRESS``, default 50 a
minute: a service centre's officers often share one address). Only failures count, so a
shift signing in at once is never held up. Past either budget every attempt is answered
429 with ``Retry-After`` until the window moves on. The counts live in the cache, shared by
every process where the cache is Redis; if the cache cannot be reached the attempt is let
through (and logged): a throttle must never take sign-in down.
"""

from __future__ import annotations

import hashlib
import logging
import math

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class _FailedLogins(SimpleRateThrottle):
    """A DRF throttle that checks without counting; ``record_failure`` counts."""

    setting = ""
    num_requests: int
    duration: int

    def get_rate(self) -> str:
        return getattr(settings, self.setting)

    def subject(self, request) -> str:
        raise NotImplementedError

    def get_cache_key(self, request, view=None) -> str | None:
        subject = self.subject(request)
        if not subject:
            return None
        # Hashed: a username may hold any character, which not every cache takes in a key.
        ident = hashlib.sha256(subject.encode()).hexdigest()
        return self.cache_format % {"scope": f"login-{self.setting.lower()}", "ident": ident}

    def _history(self, key: str) -> list[float]:
        self.now = self.timer()
        history = [at for at in self.cache.get(key, []) if at > self.now - self.duration]
        self.history = history
        return history

    def allow_request(self, request, view=None) -> bool:
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            return len(self._history(key)) < self.num_requests
        except Exception:  # the cache is down: let people sign in
            logger.warning("login throttle skipped: the cache did not answer", exc_info=True)
            return True

    def record_failure(self, request) -> None:
        key = self.get_cache_key(request)
        if key is None:
            return
        try:
            history = self._history(key)
            history.insert(0, self.now)
            self.cache.set(key, history, self.duration)
        except Exception:
            logger.warning("login failure not counted: the cache did not answer", exc_info=True)


def _username(request) -> str:
    data = getattr(request, "data", None)
    if data is None:  # a Django request (the login page)
        data = request.POST
    try:
        name = data.get("username", "")
    except AttributeError:
        return ""
    return str(name).strip().casefold()[:150]


class FailuresByAddress(_FailedLogins):
    setting = "CASEHUB_LOGIN_FAILURES_PER_ADDRESS"

    def subject(self, request) -> str:
        return self.get_ident(request) or ""


class FailuresByUsername(_FailedLogins):
    setting = "CASEHUB_LOGIN_FAILURES_PER_USERNAME"

    def subject(self, request) -> str:
        return _username(request)


LOGIN_THROTTLES = (FailuresByAddress, FailuresByUsername)


def refused_for(request) -> int | None:
    """Seconds to wait when ``request`` may not try a password now; None when it may."""
    waits = []
    for throttle_class in LOGIN_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request):
            waits.append(throttle.wait() or 1)
    return math.ceil(max(waits)) if waits else None


def record_failure(request) -> None:
    for throttle_class in LOGIN_THROTTLES:
        throttle_class().record_failure(request)
