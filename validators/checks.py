"""Static checks on one answer: it parses, carries no comment, discloses nothing; its structure."""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections.abc import Iterator
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
    return _parsed(code) is not None


# The last few trees, shared by the checks that read one: a caller that runs several checks on
# one answer in a row parses it once. Few, because a tree weighs about a hundred times its text.
# Read-only: no check may change a tree it is given.
@lru_cache(maxsize=16)
def _parsed(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # deep nesting ends in RecursionError or MemoryError: too deep to parse


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


def _spaced(text: str) -> str:
    """The words of `text` lowercased and joined by spaces: `doNotUse` reads `do not use`."""
    return " ".join(w.lower() for w in _WORD_SPLIT.findall(text))


def _may_disclose(code: str) -> bool:
    """Whether any disclosure word could be in any text of the code, by one look at the whole
    of it: a token is a substring of the code and its words a run of the code's words, so a
    word no token can hold is not here. True for few answers, which then pay for tokenizing."""
    lowered, spaced = code.lower(), _spaced(code)
    return any(word in lowered or word in spaced for word in DISCLOSURE_WORDS)


def _find_disclosures(code: str) -> list[str]:
    if not _may_disclose(code):
        return []
    found: set[str] = set()
    for text in _texts(code):
        lowered, spaced = text.lower(), _spaced(text)
        for word in DISCLOSURE_WORDS:
            if word in lowered or word in spaced:
                found.add(word)
    return sorted(found)


_ERASED_FIELDS = frozenset(("id", "name", "arg", "attr", "asname", "module"))


def _erased_dump(node: ast.AST) -> str:
    """`ast.dump(node, annotate_fields=False)` of `node` with every identifier and constant
    blanked ("_" and None), written directly: building an erased copy and dumping it with the
    standard library cost a third of a warm build. Same text, so the same hashes."""
    cls = type(node)
    args: list[str] = []
    keywords = False  # as in ast.dump: once a field is skipped, the rest are named
    for name in node._fields:
        try:
            value = getattr(node, name)
        except AttributeError:
            keywords = True
            continue
        if name in _ERASED_FIELDS and isinstance(value, str):
            value = "_"
        elif name == "value" and isinstance(node, ast.Constant):
            value = None
        elif name == "names" and isinstance(node, ast.Global | ast.Nonlocal):
            value = ["_"] * len(value)
        if value is None and getattr(cls, name, ...) is None:
            keywords = True  # an optional field left empty
            continue
        if isinstance(value, ast.AST):
            text = _erased_dump(value)
        elif isinstance(value, list):
            text = "[" + ", ".join(
                _erased_dump(x) if isinstance(x, ast.AST) else repr(x) for x in value
            ) + "]"  # fmt: skip
        else:
            text = repr(value)
        args.append(f"{name}={text}" if keywords else text)
    return f"{cls.__name__}({', '.join(args)})"


def _erased_hash(node: ast.AST) -> str:
    """Hash of `node` with every name and constant erased (`node` is left unchanged)."""
    return hashlib.sha256(_erased_dump(node).encode()).hexdigest()[:16]


@lru_cache(maxsize=1 << 16)
def structure_hash(code: str) -> str:
    """Hash of the AST with every name and constant erased (same shape, same hash)."""
    tree = _parsed(code)
    return _erased_hash(ast.parse(code) if tree is None else tree)  # a bad one raises its error


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def first_line(node: ast.stmt) -> int:
    """The line a statement starts on: a decorated def or class starts at its first decorator
    (its own lineno is the `def` line)."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _holds(node: ast.stmt, line: int) -> bool:
    """Whether `line` lies in the statement, its decorators included."""
    return first_line(node) <= line <= (node.end_lineno or node.lineno)


def _scopes_holding(
    tree: ast.Module, line: int
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """The functions and classes whose lines hold `line`. Only statements that hold the line
    are entered, and no expression (no function or class is defined inside one): ast.walk over
    every node was half of the time of a 6000-answer file's shapes."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr) or (
                isinstance(child, ast.stmt) and not _holds(child, line)
            ):
                continue
            if isinstance(child, _SCOPES):
                yield child
            stack.append(child)


@lru_cache(maxsize=1 << 16)
def flagged_shape(code: str, line: int) -> str | None:
    """Hash of the code around a finding at `line`, names and constants erased (as in
    `structure_hash`): what a model trained on the answer learns the flaw from, without the
    neutral code of the rest of the file. None when the code does not parse or no statement
    holds the line.

    The shape is that of the innermost function (async too; the method, not its class, for a
    finding in a method; the nested function for a finding in one; the enclosing function for
    one in a lambda) whose lines hold the finding's line. A function's lines start at its
    first decorator, and its decorators are part of its shape: a route decorator says how the
    input arrives, and a finding on a decorator belongs to the function it decorates. A finding
    outside any function (at module level, or in a class body outside its methods: a class
    attribute) has the shape of the one statement of that module or class body that holds the
    line (a whole `if __name__ == "__main__":` block, say), not the whole class, whose methods
    are neutral code; a finding in a class's header (decorators, bases) has the shape of the
    whole class.
    """
    tree = _parsed(code)
    if tree is None:
        return None
    # Scopes that hold one line are nested in one another: the innermost starts last.
    scope = max(_scopes_holding(tree, line), key=lambda n: n.lineno, default=None)
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        node: ast.stmt | None = scope
    else:
        body = tree.body if scope is None else scope.body
        node = next((s for s in body if _holds(s, line)), scope)
    if node is None:
        return None
    try:
        return _erased_hash(node)
    except RecursionError:
        return None
