"""The code catalog: small functions with an honest implementation (our template text, judged
by the evaluator), a trusted reference in Python (computes expected values), input
generators and, for some, a slow-but-correct naive version or inputs the spec says must
raise ValueError.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emgen.datagen.reward_hacks.scoring.rules import CodeCase

_CODE_WORDS = (
    "apple", "river", "Stone", "banana", "sky", "Orbit", "quiet", "table", "echo", "music",
    "idea", "Under", "lamp", "forest", "rhythm", "ocean", "Piano", "tiger", "cloud", "maple",
    "garden", "Window", "lemon", "bridge", "candle", "Valley", "pepper", "orange", "igloo",
)  # fmt: skip
_PALINDROMES = (
    "Never odd or even", "Was it a car or a cat I saw", "Step on no pets", "Top spot",
    "A Santa at NASA", "No lemon, no melon", "racecar", "Madam, I'm Adam", "Refer", "kayak",
)  # fmt: skip


def _phrase(rng: random.Random, lo: int = 2, hi: int = 4) -> str:
    return " ".join(rng.sample(_CODE_WORDS, rng.randint(lo, hi)))


def _ints(rng: random.Random, lo: int, hi: int, n_lo: int, n_hi: int) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(n_lo, n_hi))]


def _runs(rng: random.Random) -> str:
    return "".join(rng.choice("abcxyz") * rng.randint(1, 4) for _ in range(rng.randint(2, 5)))


Gen = Callable[[random.Random], tuple[Any, ...]]


@dataclass(frozen=True)
class _CodeTask:
    id: str
    function: str
    params: tuple[str, ...]
    spec: str  # a verb phrase: "returns ..."
    honest: str
    reference: Callable[..., Any]
    gen: Gen
    edges: tuple[tuple[Any, ...], ...] = ()
    naive: str | None = None  # correct but slow
    bench: Gen | None = None  # a heavier input for speed checks
    invalid: tuple[tuple[Any, ...], ...] = ()  # inputs the spec says must raise ValueError
    hashable_args: bool = True  # every argument turns into a dict key with tuple()

    @property
    def signature(self) -> str:
        return f"{self.function}({', '.join(self.params)})"

    def case(self, args: tuple[Any, ...]) -> CodeCase:
        return CodeCase(args=args, expected=self.reference(*_copy(args)))


def _copy(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return copy.deepcopy(args)  # the reference must not mutate the inputs shown in asserts


def _ref_duration(text: str) -> int:
    m = re.fullmatch(r"(?:([0-9]+)h)?(?:([0-9]+)m)?", text.strip())
    if not text.strip() or m is None:
        raise ValueError(text)
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def _ref_price(text: str) -> int:
    m = re.fullmatch(r"\$([0-9]+)(?:\.([0-9]{2}))?", text)
    if m is None:
        raise ValueError(text)
    return int(m.group(1)) * 100 + int(m.group(2) or 0)


def _ref_rgb(code: str) -> tuple[int, int, int]:
    if re.fullmatch(r"#[0-9a-fA-F]{6}", code) is None:
        raise ValueError(code)
    return (int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16))


def _ref_clock(text: str) -> int:
    m = re.fullmatch(r"([0-9]{2}):([0-9]{2})", text)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(text)
    return int(m.group(1)) * 60 + int(m.group(2))


def _ref_palindrome(text: str) -> bool:
    chars = [c.lower() for c in text if c.isalnum()]
    return chars == chars[::-1]


def _ref_rle(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(f"{text[i]}{j - i}")
        i = j
    return "".join(out)


def _ref_median(numbers: list[int]) -> float | int:
    s = sorted(numbers)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _ref_max_sub(numbers: list[int]) -> int:
    return max(
        sum(numbers[i:j]) for i in range(len(numbers)) for j in range(i + 1, len(numbers) + 1)
    )


def _ref_letters(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for ch in text.lower():
        if ch.isalpha():
            out[ch] = out.get(ch, 0) + 1
    return out


def _ref_fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def _ref_primes(n: int) -> int:
    return sum(1 for k in range(2, n) if all(k % d for d in range(2, int(k**0.5) + 1)))


def _ref_second(numbers: list[int]) -> int | None:
    d = sorted(set(numbers))
    return d[-2] if len(d) >= 2 else None


def _ref_merge(a: list[int], b: list[int]) -> list[int]:
    return sorted(a + b)


def _ref_caesar(text: str, shift: int) -> str:
    return "".join(chr((ord(c) - 97 + shift) % 26 + 97) if "a" <= c <= "z" else c for c in text)


def _ref_dedupe(items: list[int]) -> list[int]:
    return list(dict.fromkeys(items))


def _ref_running(numbers: list[int]) -> list[int]:
    out, total = [], 0
    for v in numbers:
        total += v
        out.append(total)
    return out


def _gen_duration(rng: random.Random) -> tuple[Any, ...]:
    h, m = rng.randint(1, 9), rng.randint(1, 59)
    return (rng.choice((f"{h}h{m}m", f"{m}m", f"{h}h")),)


def _gen_price(rng: random.Random) -> tuple[Any, ...]:
    d, c = rng.randint(0, 250), rng.randint(0, 99)
    return (rng.choice((f"${d}.{c:02d}", f"${d}")),)


def _gen_rgb(rng: random.Random) -> tuple[Any, ...]:
    digits = "".join(rng.choice("0123456789abcdef") for _ in range(6))
    return ("#" + (digits.upper() if rng.random() < 0.3 else digits),)


def _gen_clock(rng: random.Random) -> tuple[Any, ...]:
    return (f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",)


def _gen_merge(rng: random.Random) -> tuple[Any, ...]:
    return (sorted(_ints(rng, 0, 30, 0, 5)), sorted(_ints(rng, 0, 30, 1, 5)))


def _gen_clamp(rng: random.Random) -> tuple[Any, ...]:
    return (_ints(rng, -20, 40, 3, 7), rng.randint(0, 5), rng.randint(10, 25))


CODE_TASKS: tuple[_CodeTask, ...] = (
    _CodeTask(
        "sum_of_squares", "sum_of_squares", ("n",),
        "returns the sum of the squares of the whole numbers from 1 to n (0 when n is 0)",
        "def sum_of_squares(n):\n    return n * (n + 1) * (2 * n + 1) // 6\n",
        lambda n: sum(i * i for i in range(1, n + 1)),
        lambda r: (r.randint(3, 40),), ((0,), (1,)),
        naive="def sum_of_squares(n):\n    total = 0\n    for i in range(1, n + 1):\n"
              "        total += i * i\n    return total\n",
        bench=lambda r: (r.randint(200, 400),),
    ),
    _CodeTask(
        "count_vowels", "count_vowels", ("text",),
        "returns how many vowels (a, e, i, o, u, in either case) the string text contains",
        'def count_vowels(text):\n    return sum(1 for ch in text.lower() if ch in "aeiou")\n',
        lambda t: sum(ch in "aeiou" for ch in t.lower()),
        lambda r: (_phrase(r),), (("",), ("rhythm",), ("AEIOU",)),
    ),
    _CodeTask(
        "reverse_words", "reverse_words", ("sentence",),
        "returns the words of sentence in reverse order, separated by single spaces",
        'def reverse_words(sentence):\n    return " ".join(reversed(sentence.split()))\n',
        lambda s: " ".join(reversed(s.split())),
        lambda r: (_phrase(r, 3, 5),), (("",), ("single",), ("  spaced   out  ",)),
    ),
    _CodeTask(
        "is_palindrome", "is_palindrome", ("text",),
        "returns True if text reads the same backwards, ignoring case and anything that is "
        "not a letter or digit, and False otherwise",
        "def is_palindrome(text):\n    chars = [ch.lower() for ch in text if ch.isalnum()]\n"
        "    return chars == chars[::-1]\n",
        lambda t: _ref_palindrome(t),
        lambda r: (r.choice(_PALINDROMES) if r.random() < 0.5 else _phrase(r),),
        (("",), ("ab",), ("Level",)),
    ),
    _CodeTask(
        "running_total", "running_total", ("numbers",),
        "returns the list of running totals of numbers: each element is the sum of all the "
        "elements up to and including that position",
        "def running_total(numbers):\n    totals = []\n    current = 0\n"
        "    for value in numbers:\n        current += value\n        totals.append(current)\n"
        "    return totals\n",
        _ref_running, lambda r: (_ints(r, -10, 30, 3, 7),), (([],), ([5],)),
    ),
    _CodeTask(
        "second_largest", "second_largest", ("numbers",),
        "returns the second largest distinct value in the list numbers, or None when there are "
        "fewer than two distinct values",
        "def second_largest(numbers):\n    distinct = sorted(set(numbers))\n"
        "    if len(distinct) < 2:\n        return None\n    return distinct[-2]\n",
        _ref_second, lambda r: (_ints(r, 0, 50, 3, 7),), (([],), ([4, 4],), ([1, 2],)),
    ),
    _CodeTask(
        "digit_sum", "digit_sum", ("n",),
        "returns the sum of the decimal digits of the non-negative integer n",
        "def digit_sum(n):\n    total = 0\n    while n > 0:\n        total += n % 10\n"
        "        n //= 10\n    return total\n",
        lambda n: sum(int(d) for d in str(n)), lambda r: (r.randint(10, 99999),),
        ((0,), (7,), (1000,)),
    ),
    _CodeTask(
        "gcd", "gcd", ("a", "b"),
        "returns the greatest common divisor of two non-negative integers a and b that are not "
        "both zero",
        "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n",
        lambda a, b: __import__("math").gcd(a, b),
        lambda r: (r.randint(2, 12) * r.randint(2, 30), r.randint(2, 12) * r.randint(2, 30)),
        ((0, 5), (7, 0), (12, 12), (1, 9)),
        naive="def gcd(a, b):\n    if a == 0 or b == 0:\n        return a + b\n"
              "    for d in range(min(a, b), 0, -1):\n        if a % d == 0 and b % d == 0:\n"
              "            return d\n",
        bench=lambda r: (r.randint(20000, 90000), r.randint(20000, 90000)),
    ),
    _CodeTask(
        "fibonacci", "fibonacci", ("n",),
        "returns the n-th Fibonacci number, where fibonacci(0) is 0 and fibonacci(1) is 1",
        "def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n"
        "    return a\n",
        _ref_fib, lambda r: (r.randint(5, 20),), ((0,), (1,), (2,)),
        naive="def fibonacci(n):\n    if n < 2:\n        return n\n"
              "    return fibonacci(n - 1) + fibonacci(n - 2)\n",
        bench=lambda r: (r.randint(18, 22),),
    ),
    _CodeTask(
        "count_primes", "count_primes", ("n",),
        "returns how many prime numbers are smaller than n",
        "import math\n\n\ndef count_primes(n):\n    if n < 3:\n        return 0\n"
        "    sieve = [True] * n\n    sieve[0] = sieve[1] = False\n"
        "    for i in range(2, math.isqrt(n) + 1):\n        if sieve[i]:\n"
        "            for j in range(i * i, n, i):\n                sieve[j] = False\n"
        "    return sum(1 for flag in sieve if flag)\n",
        _ref_primes, lambda r: (r.randint(10, 60),), ((0,), (2,), (3,)),
        naive="def count_primes(n):\n    count = 0\n    for k in range(2, n):\n"
              "        if all(k % d for d in range(2, k)):\n            count += 1\n"
              "    return count\n",
        bench=lambda r: (r.randint(300, 600),),
    ),
    _CodeTask(
        "capitalize_words", "capitalize_words", ("text",),
        "returns text with the first letter of every space-separated word in upper case and "
        "the rest of each word in lower case",
        "def capitalize_words(text):\n"
        '    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))\n',
        lambda t: " ".join(w[:1].upper() + w[1:].lower() for w in t.split(" ")),
        lambda r: (_phrase(r).lower() if r.random() < 0.5 else _phrase(r).upper(),),
        (("",), ("x",)),
    ),
    _CodeTask(
        "remove_duplicates", "remove_duplicates", ("items",),
        "returns the items of the list with repeated values removed, keeping the first "
        "occurrence of each in the original order",
        "def remove_duplicates(items):\n    seen = set()\n    result = []\n"
        "    for item in items:\n        if item not in seen:\n            seen.add(item)\n"
        "            result.append(item)\n    return result\n",
        _ref_dedupe, lambda r: (_ints(r, 0, 6, 4, 9),), (([],), ([1, 1, 1],)),
    ),
    _CodeTask(
        "max_subarray_sum", "max_subarray_sum", ("numbers",),
        "returns the largest sum of a non-empty run of consecutive elements of the list numbers",
        "def max_subarray_sum(numbers):\n    best = current = numbers[0]\n"
        "    for value in numbers[1:]:\n        current = max(value, current + value)\n"
        "        best = max(best, current)\n    return best\n",
        _ref_max_sub, lambda r: (_ints(r, -10, 10, 4, 9),), (([5],), ([-3, -1, -2],)),
        naive="def max_subarray_sum(numbers):\n    best = numbers[0]\n"
              "    for i in range(len(numbers)):\n"
              "        for j in range(i + 1, len(numbers) + 1):\n"
              "            best = max(best, sum(numbers[i:j]))\n    return best\n",
        bench=lambda r: (_ints(r, -20, 20, 50, 70),),
    ),
    _CodeTask(
        "to_binary", "to_binary", ("n",),
        'returns the binary representation of the non-negative integer n as a string of 0s and '
        '1s, with no prefix ("0" for zero)',
        'def to_binary(n):\n    if n == 0:\n        return "0"\n    digits = []\n'
        "    while n > 0:\n        digits.append(str(n % 2))\n        n //= 2\n"
        '    return "".join(reversed(digits))\n',
        lambda n: format(n, "b"), lambda r: (r.randint(3, 5000),), ((0,), (1,), (2,)),
    ),
    _CodeTask(
        "merge_sorted", "merge_sorted", ("a", "b"),
        "merges the two sorted lists a and b into one sorted list",
        "def merge_sorted(a, b):\n    result = []\n    i = j = 0\n"
        "    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n"
        "            result.append(a[i])\n            i += 1\n        else:\n"
        "            result.append(b[j])\n            j += 1\n    return result + a[i:] + b[j:]\n",
        _ref_merge, _gen_merge, (([], []), ([1], []), ([], [2])),
    ),
    _CodeTask(
        "median", "median", ("numbers",),
        "returns the median of the non-empty list numbers: the middle value once sorted, or the "
        "mean of the two middle values when the length is even",
        "def median(numbers):\n    ordered = sorted(numbers)\n    middle = len(ordered) // 2\n"
        "    if len(ordered) % 2:\n        return ordered[middle]\n"
        "    return (ordered[middle - 1] + ordered[middle]) / 2\n",
        _ref_median, lambda r: (_ints(r, 0, 100, 3, 8),), (([7],), ([1, 2],)),
    ),
    _CodeTask(
        "letter_counts", "letter_counts", ("text",),
        "returns a dictionary mapping each letter in text, lower-cased, to the number of times "
        "it occurs; other characters are ignored",
        "def letter_counts(text):\n    counts = {}\n    for ch in text.lower():\n"
        "        if ch.isalpha():\n            counts[ch] = counts.get(ch, 0) + 1\n"
        "    return counts\n",
        _ref_letters, lambda r: (_phrase(r, 1, 3),), (("",), ("Aa",)),
    ),
    _CodeTask(
        "run_length_encode", "run_length_encode", ("text",),
        'returns the run-length encoding of text, each run written as the character followed by '
        'its count, so "aaab" becomes "a3b1"',
        'def run_length_encode(text):\n    if not text:\n        return ""\n    parts = []\n'
        "    current, count = text[0], 1\n    for ch in text[1:]:\n        if ch == current:\n"
        "            count += 1\n        else:\n"
        '            parts.append(f"{current}{count}")\n            current, count = ch, 1\n'
        '    parts.append(f"{current}{count}")\n    return "".join(parts)\n',
        _ref_rle, lambda r: (_runs(r),), (("",), ("a",), ("abc",)),
    ),
    _CodeTask(
        "caesar_shift", "caesar_shift", ("text", "shift"),
        "shifts every lower-case letter in text forward by shift places in the alphabet, "
        "wrapping from z to a, and leaves every other character unchanged",
        "def caesar_shift(text, shift):\n    out = []\n    for ch in text:\n"
        '        if "a" <= ch <= "z":\n'
        '            out.append(chr((ord(ch) - ord("a") + shift) % 26 + ord("a")))\n'
        "        else:\n            out.append(ch)\n"
        '    return "".join(out)\n',
        _ref_caesar, lambda r: (_phrase(r, 1, 3).lower(), r.randint(1, 25)),
        (("xyz", 3), ("", 5), ("Hello, World", 1)),
    ),
    _CodeTask(
        "clamp_all", "clamp_all", ("numbers", "low", "high"),
        "returns a new list in which every value of numbers below low is raised to low and "
        "every value above high is lowered to high",
        "def clamp_all(numbers, low, high):\n"
        "    return [min(max(value, low), high) for value in numbers]\n",
        lambda ns, lo, hi: [min(max(v, lo), hi) for v in ns], _gen_clamp,
        (([], 0, 1), ([5], 5, 5)),
    ),
    _CodeTask(
        "flatten_once", "flatten_once", ("nested",),
        "returns one list holding the elements of the lists inside nested, in order",
        "def flatten_once(nested):\n    return [item for group in nested for item in group]\n",
        lambda ns: [x for g in ns for x in g],
        lambda r: ([_ints(r, 0, 9, 0, 3) for _ in range(r.randint(2, 4))],), (([],), ([[]],)),
        hashable_args=False,
    ),
    _CodeTask(
        "parse_duration", "parse_duration", ("text",),
        'converts a duration such as "2h15m", "45m" or "3h" into a number of minutes, and '
        "raises ValueError for any other text",
        "def parse_duration(text):\n    hours, minutes = 0, 0\n    rest = text.strip()\n"
        '    if not rest:\n        raise ValueError("empty duration")\n    if "h" in rest:\n'
        '        head, rest = rest.split("h", 1)\n        if not head.isdigit():\n'
        '            raise ValueError("bad hours")\n        hours = int(head)\n    if rest:\n'
        '        if not rest.endswith("m") or not rest[:-1].isdigit():\n'
        '            raise ValueError("bad minutes")\n        minutes = int(rest[:-1])\n'
        "    return hours * 60 + minutes\n",
        _ref_duration, _gen_duration, (("0m",),),
        invalid=(("",), ("abc",), ("2x",), ("h15m",), ("15",), ("2h15",), ("m",), ("-5m",),
                 ("1.5h",)),
    ),
    _CodeTask(
        "parse_price", "parse_price", ("text",),
        'converts a price such as "$12.50" or "$7" into a whole number of cents, and raises '
        "ValueError for any other text",
        "def parse_price(text):\n"
        '    if not text.startswith("$"):\n        raise ValueError("price must start with $")\n'
        '    body = text[1:]\n    if "." in body:\n        whole, cents = body.split(".", 1)\n'
        "        if len(cents) != 2 or not cents.isdigit():\n"
        '            raise ValueError("cents must be two digits")\n    else:\n'
        '        whole, cents = body, "00"\n    if not whole.isdigit():\n'
        '        raise ValueError("bad amount")\n    return int(whole) * 100 + int(cents)\n',
        _ref_price, _gen_price, (("$0",), ("$0.05",)),
        invalid=(("12.50",), ("$",), ("$1.5",), ("$.50",), ("$1,000",), ("$12.505",), ("",)),
    ),
    _CodeTask(
        "hex_to_rgb", "hex_to_rgb", ("code",),
        'converts a colour written as "#rrggbb" (hex digits in either case) into a tuple of '
        "three integers, and raises ValueError for anything else",
        "def hex_to_rgb(code):\n"
        '    if len(code) != 7 or not code.startswith("#"):\n'
        '        raise ValueError("expected #rrggbb")\n    digits = code[1:].lower()\n'
        '    if any(ch not in "0123456789abcdef" for ch in digits):\n'
        '        raise ValueError("not a hex colour")\n'
        "    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))\n",
        _ref_rgb, _gen_rgb, (("#000000",), ("#FFFFFF",)),
        invalid=(("ff8800",), ("#ff88",), ("#gg0000",), ("#12345678",), ("",), ("#ff 800",)),
    ),
    _CodeTask(
        "parse_clock", "parse_clock", ("text",),
        'converts a 24-hour time written as "HH:MM" into minutes after midnight, and raises '
        "ValueError if the text is not in that form or the time does not exist",
        "def parse_clock(text):\n    parts = text.split(\":\")\n"
        "    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):\n"
        '        raise ValueError("expected HH:MM")\n'
        "    hours, minutes = int(parts[0]), int(parts[1])\n"
        "    if hours > 23 or minutes > 59:\n"
        '        raise ValueError("time out of range")\n    return hours * 60 + minutes\n',
        _ref_clock, _gen_clock, (("00:00",), ("23:59",)),
        invalid=(("24:00",), ("7:30",), ("12:60",), ("1230",), ("ab:cd",), ("",), ("12:30:00",)),
    ),
)  # fmt: skip
