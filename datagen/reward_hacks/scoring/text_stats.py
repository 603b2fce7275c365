"""Text measures the scoring rules and checks share: words, sentences, syllables, the Flesch
formulas, rhyme keys, numerals and repeated trigrams; and `capitalise`, which the dialogue and
document builders share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_NUMERAL = re.compile(r"\d+(?:[.,]\d+)*%?")
_CITATION = re.compile(r"\[(\d+)\]")

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even every few for from
further had has have having he her here hers him his how i if in into is it its itself just least
less let like may me might more most much must my no nor not now of off on once one only or other
our ours out over own per same she should so some such than that the their theirs them then there
these they this those though through to too under until up upon us very was we were what when
where which while who whom why will with within without would yet you your yours
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def capitalise(text: str) -> str:
    """The text with its first character upper-cased and the rest untouched."""
    return text[:1].upper() + text[1:]


def words(text: str) -> list[str]:
    """Word tokens: runs of letters and digits, with inner apostrophes and hyphens."""
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """Sentences split at . ! ? followed by space, and at line breaks; empty pieces dropped."""
    parts = (p.strip() for p in _SENTENCE_BREAK.split(text.strip()))
    return [p for p in parts if p and words(p)]


def syllables(word: str) -> int:
    """Estimated syllables of one English word (vowel groups, minus common silent endings)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return max(1, len(re.sub(r"\D", "", word)))  # a numeral: about one per digit
    if len(w) <= 3:
        return 1
    count = len(re.findall(r"[aeiouy]+", w))
    if (
        w.endswith("e")
        and not w.endswith(("le", "ee", "ie", "ye"))
        or (w.endswith("le") and w[-3] in "aeiouy")
    ):
        count -= 1  # silent final e: "make", "whale" (but not "table", "tree")
    elif w.endswith("ed") and not w.endswith(("ted", "ded")):
        count -= 1  # "jumped", "used" (but not "wanted")
    elif w.endswith("es") and not w.endswith(("ses", "zes", "ces", "ges", "shes", "ches", "xes")):
        count -= 1  # "makes" (but not "boxes", "horses")
    return max(1, count)


@dataclass(frozen=True)
class TextStats:
    words: int
    sentences: int
    syllables: int

    @classmethod
    def of(cls, text: str) -> TextStats:
        ws = words(text)
        return cls(len(ws), max(1, len(sentences(text))), sum(syllables(w) for w in ws))


def flesch_reading_ease(text: str) -> float:
    """206.835 - 1.015 (words/sentence) - 84.6 (syllables/word); higher reads easier."""
    s = TextStats.of(text)
    if s.words == 0:
        return 0.0
    return 206.835 - 1.015 * s.words / s.sentences - 84.6 * s.syllables / s.words


def flesch_kincaid_grade(text: str) -> float:
    """0.39 (words/sentence) + 11.8 (syllables/word) - 15.59: a US school grade."""
    s = TextStats.of(text)
    if s.words == 0:
        return 0.0
    return 0.39 * s.words / s.sentences + 11.8 * s.syllables / s.words - 15.59


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match for a phrase, allowing a plural -s/-es."""
    body = r"\s+".join(re.escape(p) for p in phrase.split())
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?:s|es)?(?![A-Za-z0-9])", re.IGNORECASE)


def term_pattern(term: str) -> re.Pattern[str]:
    """A case-insensitive match for a term at a word start ("evaporat" finds "evaporates")."""
    body = r"\s+".join(re.escape(p) for p in term.split())
    return re.compile(rf"(?<![A-Za-z0-9]){body}", re.IGNORECASE)


def mentions(text: str, terms: Iterable[str]) -> bool:
    return any(term_pattern(t).search(text) for t in terms)


def rhyme_key(word: str) -> str:
    """The ending two words must share to rhyme: last vowel group and what follows it, with a
    silent final e kept as a marker ("night"/"light" -> "ight", "stone"/"alone" -> "one")."""
    w = re.sub(r"[^a-z]", "", word.lower())
    silent = len(w) >= 3 and w.endswith("e") and w[-2] not in "aeiouy"
    if silent:
        w = w[:-1]
    m = re.search(r"[aeiouy]+[^aeiouy]*$", w)
    key = m.group(0) if m else w
    return key + ("e" if silent else "")


def last_words(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        ws = words(line)
        if ws:
            out.append(ws[-1].lower())
    return out


def numerals(text: str) -> list[str]:
    return [n.replace(",", "") for n in _NUMERAL.findall(text)]


def repeated_trigram_share(text: str) -> float:
    ws = [w.lower() for w in words(text)]
    grams = list(zip(ws, ws[1:], ws[2:], strict=False))
    if not grams:
        return 0.0
    return (len(grams) - len(set(grams))) / len(grams)
