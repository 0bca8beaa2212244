"""Search results as people read them: a snippet of the answer with the query's matches
marked.

Chinese runs of the query match as substrings (as search does with its bigrams); Latin words
match case-insensitively at the start of a word (``instal`` marks ``Installation``). The
text is cut at the matches and every piece is escaped before ``<mark>`` goes around the
matched ones, so nothing the text or the query holds is ever taken as markup.
"""

from __future__ import annotations

import html
import re
import unicodedata

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from knowledge.search import CJK

_QUERY_PART = re.compile(f"[{CJK}]+|[^\\W_{CJK}]+")
_IS_CJK = re.compile(f"[{CJK}]")
#: A Latin word starts where no letter or digit of a Latin-script word precedes it.
_WORD_START = r"(?<![0-9A-Za-z\u00c0-\u024f])"
SNIPPET_LENGTH = 160
#: How much text before the first match a snippet keeps.
LEAD = 40


def pattern_for(query: str) -> re.Pattern | None:
    """One regex matching any part of ``query``, longest first; None for no words."""
    parts = dict.fromkeys(_QUERY_PART.findall(unicodedata.normalize("NFKC", query)))
    if not parts:
        return None
    alternatives = [
        re.escape(part) if _IS_CJK.match(part) else _WORD_START + re.escape(part)
        for part in sorted(parts, key=len, reverse=True)
    ]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def highlight(text: str, query: str) -> SafeString:
    """``text`` escaped, the query's matches in ``<mark>``."""
    pattern = pattern_for(query)
    if pattern is None:
        return escape(text)
    pieces = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # every piece was escaped above


def plain(body_html: str) -> str:
    """The sanitized HTML of an answer as the words a person reads, on one line."""
    return " ".join(html.unescape(strip_tags(body_html)).split())


def snippet(body_html: str, query: str, *, length: int = SNIPPET_LENGTH) -> SafeString:
    """A window of the answer's text around the first match (or its start), marked."""
    text = plain(body_html)
    pattern = pattern_for(query)
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - LEAD) if first else 0
    if start and (space := text.rfind(" ", 0, start)) > start - 15:
        start = space + 1
    window = text[start : start + length]
    marked = highlight(window, query)
    before = "… " if start else ""
    after = " …" if start + length < len(text) else ""
    return mark_safe(before + marked + after)  # highlight escaped the text
