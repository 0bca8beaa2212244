"""The difference between the published answer and a proposal, for the review queue."""

from __future__ import annotations

import difflib


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
