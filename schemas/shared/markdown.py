"""Markdown tables for the documents emgen writes (the data card, the results report)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def escape(value: object) -> str:
    """`value` as text that stays inside one table cell: backslashes and pipes escaped (so a
    cell's `\\|` is not read as an escaped pipe), newlines turned into spaces."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; every header and cell is escaped."""
    lines = [
        "| " + " | ".join(escape(h) for h in header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(escape(c) for c in row) + " |" for row in rows),
    ]
    return "\n".join(lines)
