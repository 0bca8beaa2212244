"""Full-text search over articles, for English and Chinese alike.

How it works (PostgreSQL)
-------------------------
PostgreSQL has no Chinese word segmenter here (no zhparser, no pg_bigm), and a trigram
index cannot serve a two-character Chinese query. So the tokens are made in Python, the
same way for documents and queries, and stored in one ``tsvector`` column with a GIN index:

* Latin-script words: case-folded, accents stripped (``Café`` → ``cafe``), one lexeme each;
  the last word of a query matches as a prefix (``instal`` finds ``installation``).
* Chinese (Han, kana, hangul) runs: overlapping character bigrams plus the run's last
  character (``空调安装`` → ``空调 调安 安装 装``). A query of two or more characters must
  contain all of its bigrams (a phrase-like AND); a one-character query matches any bigram
  starting with it (``空:*``), which the run-final unigram makes complete.
* Weights: title A, tags B, body C; ``ts_rank`` ranks (``ts_rank_cd``, cover density,
  measured three times slower over 100,000 articles for little gain), hot answers first.
  Ranking runs on ids only and the page's rows are loaded afterwards
  (``selectors.article_ranking``): sorting thousands of wide rows was the slow part.

The vector is written as a ``tsvector`` literal (``'token':pos<weight>``), so PostgreSQL's
parser never re-splits our tokens; queries are ``tsquery`` literals likewise.

On SQLite (the laptop demo) every query word must occur in ``search_text``
(``icontains``, a title hit counting double), which is enough for a few hundred articles;
``search_text`` is only kept there (``text_value``), keeping PostgreSQL's rows narrow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.db.models import Case as Choose
from django.db.models.expressions import RawSQL

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(r"[^\W_]+")
_SPLIT_CJK = re.compile(f"([{CJK}]+)")
_IS_CJK = re.compile(f"^[{CJK}]+$")
MAX_TOKEN_LENGTH = 60
MAX_POSITION = 16383  # PostgreSQL's limit for positions in a tsvector
WEIGHTS = ("A", "B", "C")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _cjk_tokens(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` in order: folded Latin words, CJK bigrams and run ends."""
    found: list[str] = []
    for match in _WORD.finditer(unicodedata.normalize("NFKC", text)):
        for part in _SPLIT_CJK.split(match.group()):
            if not part:
                continue
            if _IS_CJK.match(part):
                found.extend(_cjk_tokens(part))
            else:
                folded = _fold(part)
                if folded and len(folded) <= MAX_TOKEN_LENGTH:
                    found.append(folded)
    return found


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(*, title: str, tags: Iterable[str], body: str) -> str:
    """A ``tsvector`` literal of the three weighted parts, positions in reading order."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, text in zip(WEIGHTS, (title, " ".join(tags), body), strict=True):
        for token in tokens(text):
            position = min(position + 1, MAX_POSITION)
            positions.setdefault(token, []).append(f"{position}{weight}")
    entries = [
        f"{_quote(token)}:{','.join(dict.fromkeys(spots[:256]))}"
        for token, spots in positions.items()
    ]
    return " ".join(entries)


def query_literal(text: str, *, any_word: bool = False) -> str:
    """A ``tsquery`` literal: every word (or, with ``any_word``, any word) must match."""
    parts: list[str] = []
    words = []
    for match in _WORD.finditer(unicodedata.normalize("NFKC", text)):
        words.extend(p for p in _SPLIT_CJK.split(match.group()) if p)
    for index, word in enumerate(words):
        if _IS_CJK.match(word):
            if len(word) == 1:
                parts.append(f"{_quote(word)}:*")
            else:
                bigrams = [_quote(word[i : i + 2]) for i in range(len(word) - 1)]
                parts.append("(" + " & ".join(dict.fromkeys(bigrams)) + ")")
        else:
            folded = _fold(word)[:MAX_TOKEN_LENGTH]
            if not folded:
                continue
            last = index == len(words) - 1 and not any_word
            parts.append(_quote(folded) + (":*" if last else ""))
    return (" | " if any_word else " & ").join(dict.fromkeys(parts))


def plain_text(*, title: str, tags: Iterable[str], body: str) -> str:
    return "\n".join([title, " ".join(tags), body])


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


class TsQuery(Func):
    """A ``tsquery`` literal, bypassing PostgreSQL's parser (our tokens are final)."""

    template = "(%(expressions)s)::tsquery"
    output_field = TextField()


class Matches(Func):
    """``vector @@ query``."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def text_value(*, title: str, tags: Iterable[str], body: str) -> str:
    """The value to store in ``Article.search_text`` (only the SQLite fallback reads it)."""
    return "" if uses_postgres() else plain_text(title=title, tags=tags, body=body)


def vector_value(*, title: str, tags: Iterable[str], body: str):
    """The value to store in ``Article.search_vector`` (None off PostgreSQL)."""
    if not uses_postgres():
        return None
    literal = vector_literal(title=title, tags=tags, body=body)
    return RawSQL("%s::tsvector", (literal,), output_field=SearchVectorField())


def search(queryset: QuerySet, text: str, *, any_word: bool = False) -> QuerySet:
    """Articles matching ``text``, annotated with ``rank`` (best first is up to the caller).

    Text with no word in it (``!!``, ``-``, ``(``) matches nothing, on either database.
    """
    if uses_postgres():
        literal = query_literal(text, any_word=any_word)
        if not literal:
            return _nothing(queryset)
        query = TsQuery(Value(literal))
        return queryset.filter(Matches(F("search_vector"), query)).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    return _fallback(queryset, text, any_word=any_word)


def _nothing(queryset: QuerySet) -> QuerySet:
    """No articles, still annotated with ``rank`` so callers may order by it."""
    return queryset.annotate(rank=Value(None, output_field=FloatField())).none()


def _fallback(queryset: QuerySet, text: str, *, any_word: bool) -> QuerySet:
    """SQLite: every word (or any word of two letters or more) in the text; a word in the
    title counts twice as much as one in the tags or body."""
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    if any_word:
        words = [w for w in words if len(w) > 1 or _IS_CJK.match(w)]
    if not words or not tokens(text):
        return _nothing(queryset)
    condition = Q()
    rank = Value(0.0)
    for word in words:
        hit = Q(search_text__icontains=word)
        condition = (condition | hit) if any_word else (condition & hit)
        rank = rank + _score(Q(title__icontains=word), 2.0) + _score(hit, 1.0)
    return queryset.filter(condition).annotate(rank=rank)


def _score(condition: Q, points: float) -> Choose:
    return Choose(
        When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField()
    )
