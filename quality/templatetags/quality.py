"""Showing quality flags: the flagged terms marked in a text, and the terms listed once."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from quality.models import SensitiveTerm

register = template.Library()


def _label(category: str) -> str:
    try:
        return str(SensitiveTerm.Category(category).label)
    except ValueError:  # a category since removed: its code is still telling
        return category


@register.filter
def qa_terms(flags) -> list[dict]:
    """Each flagged term once, in the order found: ``[{"term", "category", "label"}]``."""
    seen: dict[str, dict] = {}
    for flag in flags or []:
        if isinstance(flag, dict) and flag.get("term") not in seen:
            term, category = str(flag.get("term")), str(flag.get("category", ""))
            seen[term] = {"term": term, "category": category, "label": _label(category)}
    return list(seen.values())


def _spans(flags, length: int) -> list[tuple[int, int, str]]:
    """The flagged ranges inside ``length``, overlaps merged, by position."""
    ranges = sorted(
        (int(flag["start"]), int(flag["end"]), str(flag.get("category", "")))
        for flag in flags or []
        if isinstance(flag, dict) and 0 <= int(flag.get("start", -1)) < int(flag.get("end", -1))
    )
    merged: list[tuple[int, int, str]] = []
    for start, end, category in ranges:
        end = min(end, length)
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2])
        else:
            merged.append((start, end, category))
    return merged


def _lines(text: str) -> str:
    return conditional_escape(text).replace("\r\n", "\n").replace("\n", "<br>")


@register.filter
def qa_marked(text: str, flags) -> SafeString:
    """``text`` escaped, line breaks kept, each flagged term in a ``<mark>``."""
    text = text or ""
    parts, at = [], 0
    for start, end, category in _spans(flags, len(text)):
        parts.append(_lines(text[at:start]))
        parts.append(
            format_html(
                '<mark class="qa-mark" data-qa-category="{}">{}</mark>',
                category,
                mark_safe(_lines(text[start:end])),  # escaped by _lines
            )
        )
        at = end
    parts.append(_lines(text[at:]))
    return mark_safe("".join(parts))  # every part is escaped above
