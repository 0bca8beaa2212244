"""Validators for free-form JSON input (case context, payloads) that the database must store.

DRF's ``CharField`` already refuses NUL characters and lone surrogates; JSON objects taken
as they come do not. PostgreSQL's ``jsonb`` cannot hold ``\\u0000``, no UTF-8 text holds a
lone surrogate, a number too large for a float (``1e400``) becomes ``Infinity``, which JSON
cannot hold, and very deep nesting exhausts Python's recursion on the way to the database:
each would fail there (a 500) instead of here (a 400 naming the field).
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MAX_DEPTH = 32


def _problem(value) -> str | None:
    """What makes ``value`` unstorable (``None`` when nothing does); walks without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            return str(_("Nested at most %(depth)d levels deep.") % {"depth": MAX_DEPTH})
        if isinstance(item, float) and not math.isfinite(item):
            return str(_("Numbers must be finite."))
        if isinstance(item, str):
            if "\x00" in item:
                return str(_("Text may not contain NUL characters."))
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return str(_("Text may not contain unpaired surrogate characters."))
        elif isinstance(item, dict):
            pending += [(child, depth + 1) for child in (*item.keys(), *item.values())]
        elif isinstance(item, (list, tuple)):
            pending += [(child, depth + 1) for child in item]
    return None


def storable_json(value):
    """Refuse JSON the database cannot store, with a message that says why."""
    problem = _problem(value)
    if problem is not None:
        raise serializers.ValidationError(problem, code="unstorable")
    return value
