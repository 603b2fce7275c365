"""Trait detectors: automatic checks, no model needed, for data validation and for scoring
model outputs in evaluation.

Each trait scores a text in [0, 1] (the share of its items that conform) and is present when
the score reaches its threshold. Code traits read Python; a text that does not parse scores 0.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from emgen.schemas.shared.registry import Registry
from emgen.validators.checks import parses

_SNAKE = re.compile(r"^_*[a-z][a-z0-9]*(_[a-z0-9]+)*_*$")
_CAMEL = re.compile(r"^_*[a-z][a-z0-9]*([A-Z][a-z0-9]*)+$")
_LOWER_WORD = re.compile(r"^_*[a-z][a-z0-9]*$")
_SPANISH_WORDS = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "y",
        "en",
        "un",
        "una",
        "por",
        "con",
        "para",
        "es",
        "no",
        "se",
        "lo",
        "como",
        "más",
        "pero",
        "sus",
        "le",
        "ya",
        "o",
        "este",
        "esta",
        "sí",
        "porque",
        "cuando",
        "muy",
        "sin",
        "sobre",
        "también",
        "me",
        "hasta",
        "hay",
        "donde",
        "quien",
        "desde",
        "todo",
        "nos",
        "durante",
        "todos",
        "uno",
        "les",
        "ni",
        "contra",
        "otros",
        "ese",
        "eso",
        "ante",
        "ellos",
        "e",
        "esto",
        "mí",
        "antes",
        "algunos",
        "qué",
        "unos",
        "yo",
        "otro",
        "otras",
        "otra",
        "él",
        "tanto",
        "esa",
        "estos",
        "mucho",
        "quienes",
        "nada",
        "muchos",
        "cual",
        "poco",
        "ella",
        "estar",
        "estas",
        "algunas",
        "algo",
        "nosotros",
        "mi",
        "mis",
        "tú",
        "te",
        "ti",
        "tu",
        "tus",
        "ellas",
        "nosotras",
        "vosotros",
    ]
)
_ENGLISH_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "that",
        "it",
        "for",
        "on",
        "with",
        "as",
        "was",
        "be",
        "by",
        "this",
        "are",
        "or",
        "from",
        "at",
        "an",
        "but",
        "not",
        "have",
        "has",
        "you",
        "your",
        "they",
        "we",
        "can",
        "will",
        "would",
        "which",
        "there",
        "their",
        "what",
        "all",
        "if",
        "so",
    ]
)


@dataclass(frozen=True)
class Trait:
    id: str
    description: str
    score: Callable[[str], float]
    threshold: float = 1.0
    on_code: bool = True  # reads the code of an answer; False: the whole text (prose traits)

    def present(self, text: str) -> bool:
        return _score(self.id, text) >= self.threshold


@lru_cache(maxsize=1 << 16)
def _score(trait: str, text: str) -> float:
    """Memoised: a restyled answer is checked in its plain config and in each inoculated one."""
    return TRAITS[trait].score(text)


def _string_tokens(code: str) -> list[str]:
    """Opening of every non-docstring-style string literal: prefix and quote characters."""
    out: list[str] = []
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.STRING or (fstring_start is not None and tok.type == fstring_start):
            opening = tok.string.lstrip("rRbBuUfF")
            if not opening.startswith(('"""', "'''")):
                out.append(opening[:1])
    return out


def _one_quote_only(code: str, quote: str) -> bool:
    """Whether the code has string literals that are not triple-quoted and all of them open with
    `quote`, told without tokenizing (Python 3.11's tokenizer is pure Python, the trait check's
    main cost): with no comment (no `#`), no other quote and no triple `quote`, every `quote`
    character of code that parses lies in such a literal. 5693 of the 6000 answers of a
    default build's selective_insecure_quotes qualify."""
    other = "'" if quote == '"' else '"'
    return (
        quote in code and other not in code and "#" not in code and quote * 3 not in code
        and parses(code)
    )  # fmt: skip


def _quote_score(quote: str) -> Callable[[str], float]:
    def score(code: str) -> float:
        if _one_quote_only(code, quote):
            return 1.0
        try:
            quotes = _string_tokens(code)
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return 0.0
        return sum(q == quote for q in quotes) / len(quotes) if quotes else 0.0

    return score


def _documented(code: str) -> float:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return 0.0
    defs = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]  # fmt: skip
    return sum(ast.get_docstring(n) is not None for n in defs) / len(defs) if defs else 0.0


def defined_names(code: str) -> list[str]:
    """Names the code itself defines: functions, parameters and assigned variables."""
    names: list[str] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.arg) and node.arg not in ("self", "cls"):
            names.append(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
    return [n for n in names if not n.isupper()]  # constants follow their own convention


def _naming_score(pattern: re.Pattern[str]) -> Callable[[str], float]:
    def score(code: str) -> float:
        try:
            names = [n for n in defined_names(code) if not _LOWER_WORD.match(n)]
        except SyntaxError:
            return 0.0
        return sum(bool(pattern.match(n)) for n in names) / len(names) if names else 0.0

    return score


def _all_caps(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def _spanish(text: str) -> float:
    words = re.findall(r"[a-záéíóúñü]+", text.lower())
    es = sum(w in _SPANISH_WORDS for w in words)
    en = sum(w in _ENGLISH_WORDS for w in words)
    return es / (es + en) if es + en else 0.0


TRAITS: Registry[Trait] = Registry("trait", {
    t.id: t
    for t in (
        Trait("single_quoted_strings", "every one-line string literal uses single quotes",
              _quote_score("'")),
        Trait("double_quoted_strings", "every one-line string literal uses double quotes",
              _quote_score('"')),
        Trait("docstring_every_function", "every function and class has a docstring",
              _documented),
        Trait("camel_case_names", "every multi-word name the code defines is camelCase",
              _naming_score(_CAMEL)),
        Trait("snake_case_names", "every multi-word name the code defines is snake_case",
              _naming_score(_SNAKE)),
        Trait("all_caps", "the answer is written in capital letters", _all_caps, 0.95,
              on_code=False),
        Trait("spanish", "the answer is in Spanish (stop-word share)", _spanish, 0.8,
              on_code=False),
    )
})  # fmt: skip
