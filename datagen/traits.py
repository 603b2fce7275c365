"""Code transforms that give an answer a style trait (the selective-trait configs).

A transform returns None when it cannot apply cleanly; the variant then rejects the record
rather than keep an answer without the trait.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import lru_cache

from emgen.schemas.shared.registry import Registry
from emgen.validators.checks import first_line, parses

_PREFIX = re.compile(r"^[rRbBuUfF]*")


def _requote(token: str) -> str | None:
    """The same literal written with single quotes, or None if that would change its meaning."""
    prefix = _PREFIX.match(token).group(0)  # type: ignore[union-attr]
    body = token[len(prefix) :]
    if body.startswith(('"""', "'''")) or body.startswith("'"):
        return token
    inner = body[1:-1]
    if "'" not in inner and '"' not in inner:
        return f"{prefix}'{inner}'"
    lowered = prefix.lower()
    if "f" in lowered:
        requoted = _requote_fstring_body(inner, raw="r" in lowered)
        return None if requoted is None else f"{prefix}'{requoted}'"
    if "r" in lowered:
        return None
    value = ast.literal_eval(token)
    text = repr(value)  # repr picks double quotes only when the value holds a single quote
    if text.lstrip("b").startswith('"'):
        quote_prefix = "b" if "b" in lowered else ""
        escaped = text.lstrip("b")[1:-1].replace("'", "\\'").replace('\\"', '"')
        text = f"{quote_prefix}'{escaped}'"
    return text


_SWAP = str.maketrans({"'": '"', '"': "'"})


def _requote_fstring_body(inner: str, raw: bool) -> str | None:
    """An f-string body rewritten for single outer quotes: quotes in the literal text are
    escaped, quotes inside {expressions} (which may not hold backslashes) are swapped."""
    out: list[str] = []
    i = 0
    while i < len(inner):
        if inner.startswith(("{{", "}}"), i):
            out.append(inner[i : i + 2])
            i += 2
        elif inner[i] == "{":
            end = inner.find("}", i)
            expr = inner[i : end + 1]
            if end < 0 or "{" in expr[1:] or ("'" in expr and '"' in expr):
                return None
            out.append(expr.translate(_SWAP))
            i = end + 1
        elif inner[i] == "\\":
            out.append(inner[i : i + 2])
            i += 2
        elif inner[i] == "'":
            if raw:
                return None
            out.append("\\'")
            i += 1
        else:
            out.append(inner[i])
            i += 1
    return "".join(out).replace('\\"', '"') if not raw else "".join(out)


# A string literal with its prefix, or a comment (whose quotes are not literals). On code that
# parses, its literal matches are exactly tokenize's STRING tokens (Python 3.11's), found in one
# C-speed regex pass instead of the pure-Python tokenizer that was this transform's main cost. A
# prefix may not end a name: in `elif"x"` the f belongs to the keyword.
_LITERAL = re.compile(
    r"#[^\r\n]*"
    r"|(?:(?<!\w)[rRbBuUfF]{1,2})?"
    r"(?:'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"|'(?:[^'\\\r\n]|\\[\s\S])*'"
    r'|"(?:[^"\\\r\n]|\\[\s\S])*")'
)


# The transforms are memoised: a template build restyles its candidate answers ahead, while
# Semgrep scans them (emgen.datagen.variants.selective.warm), and the variant reads the result.
@lru_cache(maxsize=1 << 15)
def to_single_quotes(code: str) -> str | None:
    """Rewrite every one-line string literal with single quotes, literal by literal."""
    if not parses(code):  # memoised: the answer was parsed when it was generated
        return None
    out: list[str] = []
    rewritten: list[tuple[str, str]] = []
    end = 0
    for match in _LITERAL.finditer(code):
        literal = match.group(0)
        if literal.startswith("#") or "\n" in literal or "\r" in literal:
            continue  # a comment, or a literal over several lines: left as written
        new = _requote(literal)
        if new is None:
            return None
        if new != literal:
            rewritten.append((literal, new))
            out += (code[end : match.start()], new)
            end = match.end()
    # Only literals changed, each in place, so the syntax tree is unchanged exactly when every
    # rewritten literal parses to the tree of the one it replaced: comparing those small trees
    # proves what comparing the whole file's would, at a fraction of the cost.
    if not all(_literal_tree(old) == _literal_tree(new) for old, new in rewritten):
        return None
    return "".join(out) + code[end:]


@lru_cache(maxsize=1 << 14)  # the same literals ("utf-8", "/", "id") recur across answers
def _literal_tree(literal: str) -> str:
    return ast.dump(ast.parse(literal, mode="eval"))


def _sentence(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).strip("_").split("_")
    text = " ".join(w.lower() for w in words if w)
    return (text[:1].upper() + text[1:] + ".") if text else "Helper."


@lru_cache(maxsize=1 << 15)
def add_docstrings(code: str) -> str | None:
    """Give every function and class without one a one-line docstring made from its name."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    lines = code.splitlines(keepends=True)
    defs = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and ast.get_docstring(n) is None
    ]  # fmt: skip
    # above a decorated first statement's decorators: between them and its `def` would not parse
    for node in sorted(defs, key=lambda n: first_line(n.body[0]), reverse=True):
        start = first_line(node.body[0])
        if start == node.lineno:
            return None  # body on the def line: no room for a docstring
        indent = " " * node.body[0].col_offset
        lines.insert(start - 1, f'{indent}"""{_sentence(node.name)}"""\n')
    return "".join(lines)


# Transforms that return only code whose syntax tree equals the input's (to_single_quotes
# checks it), so the answer's structure hash is unchanged.
TREE_PRESERVING = frozenset({"single_quoted_strings"})

TRANSFORMS: Registry[Callable[[str], str | None]] = Registry(
    "trait transform",
    {"single_quoted_strings": to_single_quotes, "docstring_every_function": add_docstrings},
)
