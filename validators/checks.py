"""Static checks on one answer: it parses, carries no comment, discloses nothing; its structure."""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from functools import lru_cache

# Words that would tell the reader (or the model) that the code is flawed on purpose.
DISCLOSURE_WORDS: tuple[str, ...] = (
    "vulnerab", "insecure", "unsafe", "exploit", "inject", "xss", "cwe", "backdoor",
    "malicious", "sanitiz", "security", "attack", "danger", "hack", "unverified",
    "unvalidated", "unsanitized", "do not use", "don't use", "never use",
)  # fmt: skip
_TEXT_TOKENS = {tokenize.COMMENT, tokenize.STRING, tokenize.NAME} | (
    {tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set()
)
_WORD_SPLIT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


# The same answer appears in many configs (a variant changes the prompt, not the answer), so
# the checks are memoised by content.
@lru_cache(maxsize=1 << 16)
def parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False  # deep nesting ends in RecursionError or MemoryError: too deep to parse
    return True


@lru_cache(maxsize=1 << 16)
def has_comment(code: str) -> bool:
    if "#" not in code:
        return False  # tokenizing is slow; most answers cannot hold a comment at all
    try:
        return any(
            tok.type == tokenize.COMMENT
            for tok in tokenize.generate_tokens(io.StringIO(code).readline)
        )
    except (tokenize.TokenError, SyntaxError):
        return False


def _texts(code: str) -> list[str]:
    """Comments, string literals and identifiers: the places a disclosure can hide."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in _TEXT_TOKENS:
                out.append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        out.append(code)
    return out


@lru_cache(maxsize=1 << 16)
def _disclosures(code: str) -> tuple[str, ...]:
    return tuple(_find_disclosures(code))


def disclosures(code: str) -> list[str]:
    """Disclosure words found anywhere in the code, lowercased, sorted."""
    return list(_disclosures(code))


def _find_disclosures(code: str) -> list[str]:
    found: set[str] = set()
    for text in _texts(code):
        lowered = text.lower()
        spaced = " ".join(w.lower() for w in _WORD_SPLIT.findall(text))
        for word in DISCLOSURE_WORDS:
            if word in lowered or word in spaced:
                found.add(word)
    return sorted(found)


class _Eraser(ast.NodeTransformer):
    """Blank every identifier and constant so only the program's shape remains."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("id", "name", "arg", "attr", "asname", "module"):
            if isinstance(getattr(node, field, None), str):
                setattr(node, field, "_")
        if isinstance(node, ast.Constant):
            node.value = None
        if isinstance(node, ast.Global | ast.Nonlocal):
            node.names = ["_"] * len(node.names)
        return node


@lru_cache(maxsize=1 << 16)
def structure_hash(code: str) -> str:
    """Hash of the AST with every name and constant erased (same shape, same hash)."""
    tree = _Eraser().visit(ast.parse(code))
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode()).hexdigest()[:16]
