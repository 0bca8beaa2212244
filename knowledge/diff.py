"""The difference between the published answer and a proposal, for the review queue.

``line_diff`` is the API's (unified text and line ops); ``inline_diff`` is the review page's
side-by-side view, word by word in English and character by character in Chinese.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from knowledge.models import ArticleVersion, KnowledgeRequest
from knowledge.search import CJK


def line_diff(old: str, new: str, *, old_label: str, new_label: str) -> dict:
    """``{"unified": str, "ops": [{"op", "old", "new"}]}`` over lines.

    ``op`` is ``equal``, ``insert``, ``delete`` or ``replace``; ``old`` and ``new`` hold the
    lines of each side that the op covers, so a client renders it without parsing.
    """
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    unified = "\n".join(
        difflib.unified_diff(
            old_lines, new_lines, fromfile=old_label, tofile=new_label, lineterm=""
        )
    )
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    ops = [
        {"op": tag, "old": old_lines[i1:i2], "new": new_lines[j1:j2]}
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return {"unified": unified, "ops": ops}


#: One token each: a CJK character, a run of other word characters (a Latin word, a
#: number), a run of whitespace, or any other single character (punctuation).
_TOKEN = re.compile(f"[{CJK}]|[^\\W{CJK}]+|\\s+|.", re.S)

Part = tuple[str, str]


def diff_tokens(text: str) -> list[str]:
    """``text`` cut for a reader's diff: Chinese per character, English per word."""
    return _TOKEN.findall(text)


def inline_diff(old: str, new: str) -> tuple[list[Part], list[Part]]:
    """The two sides of a side-by-side diff, as runs of ``(op, text)``.

    The old side's ops are ``equal`` and ``delete``, the new side's ``equal`` and
    ``insert``; consecutive tokens with the same op are one run. Word-level for English,
    character-level for Chinese (``diff_tokens``). Texts are plain: the caller escapes.
    """
    a, b = diff_tokens(old), diff_tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    old_parts: list[Part] = []
    new_parts: list[Part] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(old_parts, "equal", a[i1:i2])
            _append(new_parts, "equal", b[j1:j2])
            continue
        _append(old_parts, "delete", a[i1:i2])
        _append(new_parts, "insert", b[j1:j2])
    return old_parts, new_parts


def _append(parts: list[Part], op: str, tokens: list[str]) -> None:
    if not tokens:
        return
    text = "".join(tokens)
    if parts and parts[-1][0] == op:
        parts[-1] = (op, parts[-1][1] + text)
    else:
        parts.append((op, text))


def compared_version(request: KnowledgeRequest) -> ArticleVersion | None:
    """The version a proposal is compared with: the article's version in force now, or,
    once the request is published, the one it replaced; None for a new answer."""
    if request.state == KnowledgeRequest.State.PUBLISHED:
        return request.base_version
    return request.article.published_version if request.article else None


@dataclass(frozen=True)
class Proposal:
    """What a request changes: the compared version's title and body, and the proposed."""

    base: ArticleVersion | None
    old_title: str
    old_body: str
    new_title: str
    new_body: str

    @property
    def title_changed(self) -> bool:
        return self.old_title != self.new_title


def proposal_of(request: KnowledgeRequest) -> Proposal:
    """A retirement proposes the same title and no body."""
    base = compared_version(request)
    old_title, old_body = (base.title, base.body) if base else ("", "")
    if request.kind == KnowledgeRequest.Kind.RETIRE:
        new_title, new_body = old_title, ""
    else:
        new_title, new_body = request.title, request.body
    return Proposal(base, old_title, old_body, new_title, new_body)
