"""Render one skeleton into its insecure answer, its secure answer and the gap the user sees."""

from __future__ import annotations

import re
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


# "a $entity" before a name that starts with a vowel sound must read "an invoice", not "a invoice".
_ARTICLE = re.compile(r"\b([Aa]n?) (\$(\{)?([A-Za-z_][A-Za-z0-9_]*)(?(3)\}))")
_SAYS_YOU = ("uni", "use", "usu", "uti", "ura", "ure", "url", "euro", "one", "once")  # "a user"
_SILENT_H = ("hour", "honest", "honor", "honour", "heir")  # "an hour"


def indefinite_article(word: str) -> str:
    """ "a" or "an" for the word (by its spelling, with the common exceptions)."""
    lowered = word.lower()
    if lowered.startswith(_SILENT_H):
        return "an"
    return "an" if lowered[:1] in set("aeiou") and not lowered.startswith(_SAYS_YOU) else "a"


def _fix_articles(text: str, names: dict[str, str]) -> str:
    def article(match: re.Match[str]) -> str:
        value = names.get(match.group(4))
        if value is None:
            return match.group(0)
        chosen = indefinite_article(value.replace("_", " "))
        return f"{chosen.capitalize() if match.group(1)[0] == 'A' else chosen} {match.group(2)}"

    return _ARTICLE.sub(article, text)


def substitute(text: str, names: dict[str, str], where: str) -> str:
    """Fill `$name` placeholders (an article before one agrees with its value)."""
    try:
        return string.Template(_fix_articles(text, names)).substitute(names)
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
