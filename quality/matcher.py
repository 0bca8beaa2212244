"""Find sensitive terms in a text with one Aho-Corasick pass (pyahocorasick).

Offsets are Python ``str`` positions (code points) in the text as written, end exclusive.
To keep them exact the text is folded one character at a time into a text of the same
length: full-width forms to their plain ones (``Ｇ`` → ``g``), upper to lower case, every
space to a plain space. ``str.lower()`` on the whole text would not do: a few characters
lower to two (``İ`` → ``i̇``) and every offset after them would shift.

Latin terms match only as whole words (``ass`` is not found in ``pass``, nor ``refund`` in
``refunded``); Chinese terms match anywhere, since Chinese is written without spaces. Where
one found term lies inside another (``refund`` inside ``refund guaranteed``) only the longer
one is reported; terms that merely overlap are both reported.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache

import ahocorasick


@dataclass(frozen=True)
class Flag:
    """One sensitive term found: ``text[start:end]`` is where, as written."""

    term: str
    category: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=8192)
def fold_character(character: str) -> str:
    """The character as matching sees it: always exactly one character."""
    plain = unicodedata.normalize("NFKC", character)
    if len(plain) != 1:  # "ﬁ" → "fi", "①" → "1" is fine; ligatures stay as they are
        plain = character
    lower = plain.lower()
    if len(lower) > 1 and all(unicodedata.combining(mark) for mark in lower[1:]):
        lower = lower[0]  # "İ" lowers to "i" + a combining dot: keep the "i"
    if len(lower) != 1:
        lower = plain
    return " " if lower.isspace() else lower


def fold(text: str) -> str:
    """``text`` folded character by character: the same length, the same positions."""
    return "".join(map(fold_character, text))


def is_word_character(character: str) -> bool:
    """Letters and digits of scripts written with spaces between words (not CJK)."""
    return (character.isalnum() or character == "_") and unicodedata.east_asian_width(
        character
    ) not in ("W", "F")


@dataclass(frozen=True)
class _Entry:
    length: int
    term: str
    category: str
    word_start: bool  # the term begins with a word character: the text must not before it
    word_end: bool


class Matcher:
    """An automaton over ``(term, category)`` pairs; build once, search many texts."""

    def __init__(self, terms: Iterable[tuple[str, str]]) -> None:
        self._automaton: ahocorasick.Automaton | None = None
        automaton = ahocorasick.Automaton()
        for term, category in terms:
            key = fold(term.strip())
            if not key or key in automaton:  # the first of two spellings that fold alike
                continue
            entry = _Entry(
                len(key),
                term.strip(),
                category,
                is_word_character(key[0]),
                is_word_character(key[-1]),
            )
            automaton.add_word(key, entry)
        if len(automaton):
            automaton.make_automaton()
            self._automaton = automaton
        self.size = len(automaton)

    def find(self, text: str) -> list[Flag]:
        """Every sensitive term in ``text``, in the order they appear."""
        if self._automaton is None or not text:
            return []
        folded = fold(text)
        found = []
        for last, entry in self._automaton.iter(folded):
            start, end = last - entry.length + 1, last + 1
            if entry.word_start and start > 0 and is_word_character(folded[start - 1]):
                continue
            if entry.word_end and end < len(folded) and is_word_character(folded[end]):
                continue
            found.append(Flag(entry.term, entry.category, start, end))
        return _outermost(found)


def _outermost(found: list[Flag]) -> list[Flag]:
    """Drop each match that lies inside a longer one; keep the rest by position."""
    kept: list[Flag] = []
    reach = -1  # the furthest end of the matches kept so far
    for flag in sorted(found, key=lambda flag: (flag.start, -flag.end)):
        if flag.end <= reach:
            continue  # an earlier match starts no later and ends no earlier: it holds this one
        kept.append(flag)
        reach = flag.end
    return kept
