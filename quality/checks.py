"""The quality check other apps call: the flags of a text against the current term list.

Each process keeps one ``Matcher`` and the term list's signature it was built from: how
many terms there are and when the last one changed. Every check reads that signature (one
small aggregate query) and rebuilds only when it differs, so an edit in the admin is seen by
every web process and worker on the next check, whatever the cache backend.
"""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from quality.matcher import Flag, Matcher
from quality.models import SensitiveTerm

#: The longest text one check takes (a thread message or a resolution fits).
MAX_TEXT = 10_000

_lock = threading.Lock()
_built: tuple[tuple, Matcher] | None = None


def _signature() -> tuple:
    row = SensitiveTerm.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return (row["count"], row["latest"])


def current_matcher() -> Matcher:
    """The matcher of the term list as it is now (rebuilt here when the list changed)."""
    global _built
    signature = _signature()  # read before the terms: a change in between rebuilds again
    built = _built
    if built is not None and built[0] == signature:
        return built[1]
    with _lock:
        if _built is not None and _built[0] == signature:
            return _built[1]
        terms = SensitiveTerm.objects.filter(active=True).order_by("pk")
        matcher = Matcher(terms.values_list("term", "category"))
        _built = (signature, matcher)
        return matcher


def find(text: str) -> list[Flag]:
    """The sensitive terms in ``text`` (the part past ``MAX_TEXT`` is not read)."""
    return current_matcher().find(text[:MAX_TEXT]) if text else []


def flags_for(text: str) -> list[dict]:
    """``[{"term", "category", "start", "end"}]`` as stored in ``qa_flags`` and answered by
    ``POST /api/v1/qa/check/``. A warning, never a refusal: the text is kept as written."""
    return [flag.as_dict() for flag in find(text)]
