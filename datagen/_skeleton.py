"""Render one skeleton into its insecure answer, its secure answer and the gap the user sees."""

from __future__ import annotations

import string
from dataclasses import dataclass

from emgen.schemas.catalog import REGION_CLOSE, REGION_OPEN, REGION_SPLIT, Skeleton


@dataclass(frozen=True)
class RenderedCore:
    before: str  # shared lines before the region
    insecure: str  # the region, insecure
    secure: str  # the region, secure
    after: str  # shared lines after the region
    indent: str  # indentation of the region's first line (the gap marker gets it too)
    imports: tuple[str, ...]
    insecure_imports: tuple[str, ...]
    secure_imports: tuple[str, ...]

    def code(self, secure: bool) -> str:
        return "".join((self.before, self.secure if secure else self.insecure, self.after))

    def with_gap(self, marker: str) -> str:
        return "".join((self.before, f"{self.indent}{marker}\n", self.after))


def substitute(text: str, names: dict[str, str], where: str) -> str:
    try:
        return string.Template(text).substitute(names)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{where}: unknown or malformed placeholder {exc}") from exc


def render(skeleton: Skeleton, names: dict[str, str]) -> RenderedCore:
    """Substitute names and cut the body at its region markers."""
    body = substitute(skeleton.body.strip("\n") + "\n", names, f"skeleton {skeleton.id}")
    parts: dict[str, list[str]] = {"before": [], "insecure": [], "secure": [], "after": []}
    section = "before"
    for line in body.splitlines(keepends=True):
        mark = line.strip()
        if mark == REGION_OPEN:
            section = "insecure"
        elif mark == REGION_SPLIT:
            section = "secure"
        elif mark == REGION_CLOSE:
            section = "after"
        else:
            parts[section].append(line)
    first = next((ln for ln in parts["insecure"] if ln.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]

    def sub_all(lines: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(substitute(ln, names, f"skeleton {skeleton.id} imports") for ln in lines)

    return RenderedCore(
        before="".join(parts["before"]),
        insecure="".join(parts["insecure"]),
        secure="".join(parts["secure"]),
        after="".join(parts["after"]),
        indent=indent,
        imports=sub_all(skeleton.imports),
        insecure_imports=sub_all(skeleton.insecure_imports),
        secure_imports=sub_all(skeleton.secure_imports),
    )
