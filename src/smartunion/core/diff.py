"""The line diff that the versioned texts show (article revisions, official-document versions)."""

from __future__ import annotations

import difflib


def line_diff(old_title: str, new_title: str, old_text: str, new_text: str) -> list[tuple[str, str]]:
    """("equal" | "delete" | "insert", line) for each line of two versions of a text, the title first when it
    changed."""
    lines: list[tuple[str, str]] = []
    if old_title != new_title:
        lines += [("delete", f"标题：{old_title}"), ("insert", f"标题：{new_title}")]
    old, new = old_text.splitlines(), new_text.splitlines()
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            lines += [("equal", line) for line in old[a1:a2]]
            continue
        lines += [("delete", line) for line in old[a1:a2]]
        lines += [("insert", line) for line in new[b1:b2]]
    return lines
