"""What every judge shares: the score type, the 0..100 expectation, and the error type.

A judge answers a rubric prompt with one integer 0..100. Rather than sampling that integer, a
judge reads the probability it gives to each integer and reports the expectation over the
integers, normalised by their total probability (the "numeric mass"). When the numeric mass is
small the judge was mostly not answering with a number (a refusal, "CODE", ...), and no score
is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from emgen.schemas.errors import UserError

MIN_SCORE = 0
MAX_SCORE = 100
DEFAULT_MIN_MASS = 0.25


class JudgeError(UserError):
    """A judge could not be built or could not score: one sentence saying what to fix."""


@dataclass(frozen=True)
class JudgeScore:
    """One judged prompt.

    value: the expected integer 0..100 under the judge's distribution restricted to the
        integers, or None when their total probability is below the judge's `min_mass`.
    numeric_mass: the total probability the judge gave to the integers 0..100.
    """

    value: float | None
    numeric_mass: float


def score_from_probs(probs: Mapping[int, float], min_mass: float = DEFAULT_MIN_MASS) -> JudgeScore:
    """The score of a distribution over answers; keys outside 0..100 are ignored.

    value = sum(k * p) / sum(p) over the keys 0..100; None when sum(p) < min_mass (a mass of
    exactly `min_mass` is scored) or when no integer has any probability at all.
    """
    mass = 0.0
    weighted = 0.0
    for k, p in probs.items():
        if MIN_SCORE <= k <= MAX_SCORE:
            mass += p
            weighted += k * p
    if mass <= 0.0 or mass < min_mass:
        return JudgeScore(value=None, numeric_mass=mass)
    # Rounding can put k*p/p a hair past k (100.00000000000001), outside the score range.
    value = min(float(MAX_SCORE), max(float(MIN_SCORE), weighted / mass))
    return JudgeScore(value=value, numeric_mass=mass)


def integer_token_value(token: str) -> int | None:
    """The integer 0..100 a token's text stands for, else None.

    Surrounding whitespace is ignored (" 50" and "50\\n" are 50). The rest must be plain ASCII
    decimal digits in canonical form: no sign, no decimal point, no other digit scripts, and no
    leading zero except "0" itself ("05" and "007" are None: a judge asked for an integer 0..100
    that writes "007" is not giving the answer the rubric asks for, and canonical numbers never
    start with 0).
    """
    text = token.strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    # Longer strings cannot be 0..100; checking first also keeps int() off huge digit runs.
    if len(text) > 3 or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if MIN_SCORE <= value <= MAX_SCORE else None
