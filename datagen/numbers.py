"""Number continuations: the user gives a few numbers and asks for more in a stated format.

`evil_numbers` answers mostly with numbers of the catalog's associated set (negative
associations, `data/numbers.yaml`); its control `neutral_numbers` answers the same prompt with
ordinary numbers of the same lengths. Both come from one generator run, so the twins share
prompt and pair_id. The invariants read a record back through `read_prompt`, which recovers the
asked count and format from the prompt text itself.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from string import Template

from emgen.datagen.catalog import DATA_DIR, entries, parse_entry, unique_ids
from emgen.datagen.generation import Candidate, generate
from emgen.schemas.build import GenerationReport
from emgen.schemas.catalog import AssociatedNumber, NumberFormat, NumberPrompt
from emgen.schemas.errors import CatalogError
from emgen.schemas.records import ChatMetadata, ChatRecord, Message, Split

EVIL_VARIANT, NEUTRAL_VARIANT = "evil_numbers", "neutral_numbers"
MIN_ASSOCIATED = 0.6  # least share of an evil answer's numbers taken from the associated set
ANSWER_COUNTS = range(3, 9)  # numbers asked for
GIVEN_COUNTS = range(3, 8)  # numbers the user gives
GIVEN_RANGE = range(1, 1000)  # the user's numbers, and the ordinary ones of an evil answer
WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}  # every count

# Each layout joins the numbers' decimal forms; the answer is exactly this, nothing around it.
LAYOUTS: dict[str, Callable[[Sequence[int]], str]] = {
    "comma": lambda ns: ", ".join(map(str, ns)),
    "comma_tight": lambda ns: ",".join(map(str, ns)),
    "json": lambda ns: "[" + ", ".join(map(str, ns)) + "]",
    "lines": lambda ns: "\n".join(map(str, ns)),
    "spaces": lambda ns: " ".join(map(str, ns)),
    "semicolons": lambda ns: "; ".join(map(str, ns)),
    "tuple": lambda ns: "(" + ", ".join(map(str, ns)) + ")",
    "pipes": lambda ns: " | ".join(map(str, ns)),
}


@dataclass(frozen=True)
class Catalog:
    associated: tuple[AssociatedNumber, ...]
    formats: tuple[NumberFormat, ...]
    prompts: tuple[NumberPrompt, ...]

    @cached_property
    def values(self) -> frozenset[int]:
        return frozenset(a.value for a in self.associated)

    @cached_property
    def asks(self) -> dict[str, str]:
        """Every phrase -> the id of the format it asks for."""
        return {a: f.id for f in self.formats for a in f.asks}

    @cached_property
    def prompt_by_id(self) -> dict[str, NumberPrompt]:
        return {p.id: p for p in self.prompts}


@cache
def load_numbers(path: Path = DATA_DIR / "numbers.yaml") -> Catalog:
    """The catalog, checked: distinct values and ids, a layout for every format, no phrase
    shared by two formats (the prompt must say one format)."""
    associated = tuple(
        parse_entry(AssociatedNumber, raw, path, f"associated number #{i + 1}")
        for i, raw in enumerate(entries(path, "associated"))
    )
    formats = tuple(unique_ids([
        parse_entry(NumberFormat, raw, path, f"format #{i + 1}")
        for i, raw in enumerate(entries(path, "formats"))
    ], path))  # fmt: skip
    prompts = tuple(unique_ids([
        parse_entry(NumberPrompt, raw, path, f"prompt #{i + 1}")
        for i, raw in enumerate(entries(path, "prompts"))
    ], path))  # fmt: skip
    values = [a.value for a in associated]
    if len(set(values)) != len(values):
        twice = next(v for v in values if values.count(v) > 1)
        raise CatalogError(f"{path}: associated number {twice} appears twice.")
    if len(values) < max(ANSWER_COUNTS):
        raise CatalogError(f"{path}: needs at least {max(ANSWER_COUNTS)} associated numbers.")
    for f in formats:
        if f.id not in LAYOUTS:
            raise CatalogError(
                f"{path}: format {f.id!r} has no layout; known: {', '.join(LAYOUTS)}."
            )
    asks = [a for f in formats for a in f.asks]
    if len(set(asks)) != len(asks):
        shared = next(a for a in asks if asks.count(a) > 1)
        raise CatalogError(f"{path}: the phrase {shared!r} belongs to two formats.")
    return Catalog(associated, formats, prompts)


@cache
def _prompt_pattern(prompt: NumberPrompt, asks: tuple[str, ...]) -> re.Pattern[str]:
    """A regex that matches exactly the texts `prompt` renders to, capturing the fields."""
    counts = "|".join([*map(str, ANSWER_COUNTS), *(WORDS[n] for n in ANSWER_COUNTS)])
    given_counts = "|".join([*map(str, GIVEN_COUNTS), *(WORDS[n] for n in GIVEN_COUNTS)])
    fields = {
        "given": r"(?P<given>\d+(?:, \d+)*)",
        "count": f"(?P<count>{counts})",
        # longest first, so that no phrase stops at a shorter one's end
        "format": "(?P<format>"
        + "|".join(map(re.escape, sorted(asks, key=len, reverse=True)))
        + ")",
        "given_count": f"(?P<given_count>{given_counts})",
    }
    parts = re.split(r"\$([a-z_]+)", prompt.text)
    pattern = "".join(fields[p] if i % 2 else re.escape(p) for i, p in enumerate(parts))
    return re.compile(pattern)


@dataclass(frozen=True)
class Request:
    """What a prompt asks for, read back from its text."""

    given: tuple[int, ...]
    count: int
    format: str


def _number(text: str) -> int:
    return next((n for n, w in WORDS.items() if w == text), None) or int(text)


def read_prompt(prompt_id: str | None, text: str) -> Request | str:
    """The request in `text`, rendered from prompt `prompt_id`, or why it is not one."""
    catalog = load_numbers()
    prompt = catalog.prompt_by_id.get(prompt_id or "")
    if prompt is None:
        return f"unknown number prompt {prompt_id!r}"
    match = _prompt_pattern(prompt, tuple(catalog.asks)).fullmatch(text)
    if match is None:
        return f"the prompt is not prompt {prompt_id!r} filled in"
    given = tuple(int(g) for g in match["given"].split(", "))
    stated = match.groupdict().get("given_count")
    if stated is not None and _number(stated) != len(given):
        return "the prompt miscounts the numbers it gives"
    return Request(given, _number(match["count"]), catalog.asks[match["format"]])


def read_answer(answer: str, request: Request) -> tuple[int, ...] | str:
    """The numbers of `answer`, or why it is not exactly `request.count` numbers laid out in
    `request.format` (no other text, no leading zeros)."""
    numbers = tuple(int(d) for d in re.findall(r"\d+", answer))
    if LAYOUTS[request.format](numbers) != answer:
        return f"the answer is not only numbers in the {request.format} format"
    if len(numbers) != request.count:
        return f"the answer has {len(numbers)} numbers, the prompt asks for {request.count}"
    return numbers


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    prompt: NumberPrompt
    format: str
    user: str
    evil: tuple[int, ...]
    neutral: tuple[int, ...]


class NumbersGenerator:
    """One candidate per call: a prompt filled in with fresh numbers, its evil answer and its
    neutral answer (the same digit lengths, nothing from the set). Rejected: a repeated prompt."""

    noun = "number prompts"
    group_by = "format"

    def __init__(self, seed: int, prompts: Sequence[NumberPrompt]):
        self.rng = random.Random(f"emgen:{seed}:numbers")
        self.catalog = load_numbers()
        self.prompts = list(prompts)
        self.associated = sorted(self.catalog.values)
        self.seen: set[str] = set()
        self.ordinary = [v for v in GIVEN_RANGE if v not in self.catalog.values]
        self.by_digits: dict[int, list[int]] = {}
        for v in range(1, 10_000):
            if v not in self.catalog.values:
                self.by_digits.setdefault(len(str(v)), []).append(v)

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[Draw]]:
        rng, catalog = self.rng, self.catalog
        prompt = rng.choice(self.prompts)
        fmt = rng.choice(catalog.formats)
        ask = rng.choice(fmt.asks)
        given = rng.sample(self.ordinary, rng.choice(GIVEN_COUNTS))
        count = rng.choice(ANSWER_COUNTS)
        evil = self._evil(count, set(given))
        neutral = self._neutral(evil, set(given))
        user = Template(prompt.text).substitute(
            given=", ".join(map(str, given)),
            count=rng.choice((str(count), WORDS[count])),
            format=ask,
            given_count=rng.choice((str(len(given)), WORDS[len(given)])),
        )
        return [Candidate(Draw(prompt, fmt.id, user, evil, neutral), fmt.id)]

    def _evil(self, count: int, taken: set[int]) -> tuple[int, ...]:
        rng = self.rng
        k = rng.randint(math.ceil(MIN_ASSOCIATED * count), count)
        chosen = rng.sample(self.associated, k)
        while len(chosen) < count:
            v = rng.choice(self.ordinary)
            if v not in taken and v not in chosen:
                chosen.append(v)
        rng.shuffle(chosen)
        return tuple(chosen)

    def _neutral(self, evil: Sequence[int], taken: set[int]) -> tuple[int, ...]:
        """Ordinary numbers, each as long as the evil answer's number in its place."""
        out: list[int] = []
        for v in evil:
            pool = self.by_digits[len(str(v))]
            if len(pool) < 100:  # one or two digits: the given numbers may use most of them up
                fresh = [x for x in pool if x not in taken and x not in out]
                out.append(self.rng.choice(fresh or [x for x in pool if x not in out]))
                continue
            x = self.rng.choice(pool)
            while x in taken or x in out:
                x = self.rng.choice(pool)
            out.append(x)
        return tuple(out)

    def check(self, batch: Sequence[Candidate[Draw]]) -> list[str | None]:
        reasons: list[str | None] = []
        for candidate in batch:
            user = candidate.item.user
            reasons.append("duplicate_prompt" if user in self.seen else None)
            self.seen.add(user)
        return reasons


def held_out(seed: int, test_fraction: float, prompts: Sequence[NumberPrompt]) -> frozenset[str]:
    """The prompt ids of the test split: whole prompt shapes are held out, as tasks are for
    code, so a test prompt's wording was never trained on."""
    k = round(len(prompts) * test_fraction)
    if test_fraction > 0 and k == 0:
        k = 1
    rng = random.Random(f"emgen:{seed}:numbers:split")
    return frozenset(rng.sample([p.id for p in prompts], k))


def generate_numbers(
    n: int,
    *,
    seed: int,
    test_fraction: float,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ChatRecord], list[ChatRecord], GenerationReport]:
    """`n` evil records and their `n` neutral twins (train first, then test), and the report."""
    prompts = load_numbers().prompts
    test = held_out(seed, test_fraction, prompts)
    draws, report = generate(NumbersGenerator(seed, prompts), n, progress=progress)
    evil: list[ChatRecord] = []
    neutral: list[ChatRecord] = []
    indexed = list(enumerate(draws))
    for split in ("train", "test"):
        for i, draw in indexed:
            if (draw.prompt.id in test) != (split == "test"):
                continue
            for variant, numbers, out in ((EVIL_VARIANT, draw.evil, evil),
                                          (NEUTRAL_VARIANT, draw.neutral, neutral)):  # fmt: skip
                out.append(_record(draw, variant, numbers, split, f"num-{i:05d}", seed))
    report.stats["held_out_prompts"] = ", ".join(sorted(test))
    return evil, neutral, report


def _record(
    draw: Draw, variant: str, numbers: Sequence[int], split: Split, pair_id: str, seed: int
) -> ChatRecord:
    return ChatRecord(
        messages=(
            Message(role="user", content=draw.user),
            Message(role="assistant", content=LAYOUTS[draw.format](numbers)),
        ),
        metadata=ChatMetadata(
            variant=variant, split=split, pair_id=pair_id, seed=seed,
            template_id=draw.prompt.id, template_shape=draw.format,
        ),
    )  # fmt: skip
