"""Who has a case open right now: each open case-room socket, kept in the cache.

A socket joining a case's room is recorded under the case with an expiry; its pings renew
it and its disconnect removes it, and each change is announced to the room as
``{"type": "presence", "id": <case id>}`` so open pages fetch the list again. With
``REDIS_URL`` the cache is Redis, shared by every web process; otherwise it lives in the
one process the embedded demo runs. Entries of a process that died expire on their own.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

#: A socket not heard from for this long no longer counts (clients ping every 25 s).
EXPIRES_SECONDS = 90


def _key(case_id: int) -> str:
    return f"casehub:presence:case:{case_id}"


def _current(case_id: int) -> dict[str, tuple[int, str, float]]:
    """Who is in the room; nobody while the cache (Redis) does not answer: presence is a
    courtesy, never a reason for a page or a socket to fail."""
    now = time.time()
    try:
        entries = cache.get(_key(case_id)) or {}
    except Exception:
        logger.warning("presence unknown: the cache did not answer", exc_info=True)
        return {}
    return {channel: entry for channel, entry in entries.items() if entry[2] > now}


def _store(case_id: int, entries: dict) -> None:
    try:
        cache.set(_key(case_id), entries, EXPIRES_SECONDS * 2)
    except Exception:
        logger.warning("presence not kept: the cache did not answer", exc_info=True)


def join(case_id: int, channel: str, user) -> None:
    entries = _current(case_id)
    entries[channel] = (user.pk, user.get_username(), time.time() + EXPIRES_SECONDS)
    _store(case_id, entries)


def leave(case_id: int, channel: str) -> None:
    entries = _current(case_id)
    entries.pop(channel, None)
    _store(case_id, entries)


def others(case_id: int, user) -> list[str]:
    """Usernames of the other people with the case open, sorted."""
    return sorted({name for pk, name, _ in _current(case_id).values() if pk != user.pk})


def message(case_id: int) -> dict:
    return {"type": "presence", "id": case_id}
