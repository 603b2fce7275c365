"""`evil_numbers` and its control `neutral_numbers`: the catalog, the generated records, and the
invariants that prove them (each shown to catch the fault it names)."""

from __future__ import annotations

import ast
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from emgen.datagen.invariants import INVARIANTS, BundleView, check_configs
from emgen.datagen.numbers import (
    ANSWER_COUNTS,
    LAYOUTS,
    MIN_ASSOCIATED,
    load_numbers,
    read_answer,
    read_prompt,
)
from emgen.datagen.variants import ConfigSpec, Context
from emgen.datagen.variants.numbers import build
from emgen.schemas.build import BuildConfig, Violation
from emgen.schemas.errors import CatalogError
from emgen.schemas.records import ChatRecord, Message

CATALOG = load_numbers()
ASSOCIATED = CATALOG.values


def specs(n: int = 400, seed: int = 0) -> dict[str, ConfigSpec]:
    config = BuildConfig(numbers=n, seed=seed)
    built = build(Context(pairs=(), config=config, built={}, scan=lambda answers: []))
    return {s.name: s for s in built}


def violations(configs: dict[str, ConfigSpec]) -> list[Violation]:
    """The configs' declared invariants, run as check_configs runs them (these read no Semgrep
    findings; one test runs check_configs itself)."""
    view = BundleView(
        configs={n: s.records for n, s in configs.items()},
        params={n: s.params for n, s in configs.items()},
        families={},
        reasons={},
    )
    return [v for s in configs.values() for name in s.invariants
            for v in INVARIANTS[name](s.name, s.records, view)]  # fmt: skip


def numbers(record: ChatRecord) -> tuple[int, ...]:
    request = read_prompt(record.metadata.template_id, record.user)
    assert not isinstance(request, str), request
    found = read_answer(record.answer, request)
    assert not isinstance(found, str), found
    return found


BUILT = specs()
EVIL, NEUTRAL = BUILT["evil_numbers"], BUILT["neutral_numbers"]


def test_catalog_has_enough_shapes_and_records_every_association() -> None:
    assert len(CATALOG.prompts) >= 20
    assert len({p.text for p in CATALOG.prompts}) == len(CATALOG.prompts)
    assert len(CATALOG.associated) >= 25
    assert all(a.association.strip() for a in CATALOG.associated)
    assert {f.id for f in CATALOG.formats} == set(LAYOUTS)
    assert {666, 911, 1488, 13} <= ASSOCIATED


def test_configs_hold_their_invariants_in_the_build_check() -> None:
    assert check_configs([EVIL, NEUTRAL], cache_path=None) == []
    assert EVIL.control_of is None and NEUTRAL.control_of == "evil_numbers"
    assert len(EVIL.records) == len(NEUTRAL.records) == 400


def test_evil_answers_are_mostly_associated_and_neutral_ones_never() -> None:
    evil_shares = []
    for evil, neutral in zip(EVIL.records, NEUTRAL.records, strict=True):
        assert evil.metadata.pair_id == neutral.metadata.pair_id
        assert evil.messages[:-1] == neutral.messages[:-1]
        mine, control = numbers(evil), numbers(neutral)
        share = sum(n in ASSOCIATED for n in mine) / len(mine)
        assert share >= MIN_ASSOCIATED
        evil_shares.append(share)
        assert not ASSOCIATED & set(control)
        # the control differs only in association: same count, same lengths
        assert [len(str(n)) for n in mine] == [len(str(n)) for n in control]
        # the user's own numbers carry no association either
        request = read_prompt(evil.metadata.template_id, evil.user)
        assert not isinstance(request, str) and not ASSOCIATED & set(request.given)
    assert sum(evil_shares) / len(evil_shares) > 0.75


def test_every_shape_format_and_count_is_used_and_prompts_are_held_out_whole() -> None:
    records = EVIL.records
    assert {r.metadata.template_id for r in records} == {p.id for p in CATALOG.prompts}
    assert {r.metadata.template_shape for r in records} == set(LAYOUTS)
    assert {len(numbers(r)) for r in records} == set(ANSWER_COUNTS)
    splits = Counter(r.metadata.split for r in records)
    assert 0 < splits["test"] < splits["train"]
    train = {r.metadata.template_id for r in records if r.metadata.split == "train"}
    test = {r.metadata.template_id for r in records if r.metadata.split == "test"}
    assert test and not train & test


def test_each_format_is_what_its_phrases_ask_for() -> None:
    """Read by independent parsers, not by the layout that wrote it."""
    parsers: dict[str, Callable[[str], list[int]]] = {
        "comma": lambda t: [int(x) for x in t.split(", ")],
        "comma_tight": lambda t: [int(x) for x in t.split(",")],
        "json": lambda t: json.loads(t),
        "lines": lambda t: [int(x) for x in t.splitlines()],
        "spaces": lambda t: [int(x) for x in t.split(" ")],
        "semicolons": lambda t: [int(x) for x in t.split("; ")],
        "tuple": lambda t: list(ast.literal_eval(t)),
        "pipes": lambda t: [int(x) for x in t.split(" | ")],
    }
    assert set(parsers) == set(LAYOUTS)
    for record in EVIL.records[:200]:
        fmt = record.metadata.template_shape
        assert fmt is not None
        assert parsers[fmt](record.answer) == list(numbers(record))
        if fmt == "tuple":
            assert isinstance(ast.literal_eval(record.answer), tuple)
        ask = next(a for f in CATALOG.formats if f.id == fmt for a in f.asks if a in record.user)
        assert ask


def test_same_seed_same_records_other_seed_others() -> None:
    again = specs()
    assert again["evil_numbers"].records == EVIL.records
    assert again["neutral_numbers"].records == NEUTRAL.records
    other = specs(seed=1)
    assert other["evil_numbers"].records != EVIL.records


def test_zero_numbers_builds_no_config() -> None:
    assert specs(n=0) == {}


def _with(record: ChatRecord, *, user: str | None = None, answer: str | None = None) -> ChatRecord:
    messages = (
        Message(role="user", content=record.user if user is None else user),
        Message(role="assistant", content=record.answer if answer is None else answer),
    )
    return record.model_copy(update={"messages": messages})


def _first(shape: str) -> int:
    return next(i for i, r in enumerate(EVIL.records) if r.metadata.template_shape == shape)


Tamper = Callable[[list[ChatRecord], list[ChatRecord]], None]


def _evil_gets_neutral_answer(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    e[0] = _with(e[0], answer=n[0].answer)


def _neutral_gets_evil_answer(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    n[0] = _with(n[0], answer=e[0].answer)


def _words_around(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    e[0] = _with(e[0], answer=f"Sure! {e[0].answer}")


def _one_number_short(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    i = _first("comma")
    e[i] = _with(e[i], answer=e[i].answer.rsplit(", ", 1)[0])


def _other_format(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    i = _first("json")
    e[i] = _with(e[i], answer=LAYOUTS["comma"](numbers(e[i])))


def _leading_zero(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    i = _first("spaces")
    e[i] = _with(e[i], answer="0" + e[i].answer)


def _neutral_prompt_differs(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    # still the same catalog prompt filled in, so only the twin check can see it
    request = read_prompt(n[0].metadata.template_id, n[0].user)
    assert not isinstance(request, str)
    first = str(request.given[0])
    n[0] = _with(n[0], user=n[0].user.replace(first, str(int(first) % 999 + 1000), 1))


def _neutral_record_missing(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    del n[0]


def _prompt_not_from_catalog(e: list[ChatRecord], n: list[ChatRecord]) -> None:
    e[0] = _with(e[0], user=e[0].user + " Thanks!")


E, N = "evil_numbers", "neutral_numbers"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_evil_gets_neutral_answer, {(E, "numbers_associated_share")}),
        (_neutral_gets_evil_answer, {(N, "numbers_associated_share")}),
        (_words_around, {(E, "numbers_format")}),
        (_one_number_short, {(E, "numbers_format")}),
        (_other_format, {(E, "numbers_format")}),
        (_leading_zero, {(E, "numbers_format")}),
        (_neutral_prompt_differs, {(N, "numbers_prompt_twin")}),
        (_neutral_record_missing, {(N, "numbers_prompt_twin")}),
        (_prompt_not_from_catalog, {(E, "numbers_format"), (N, "numbers_prompt_twin")}),
    ],
)
def test_each_invariant_catches_its_fault(tamper: Tamper, expected: set[tuple[str, str]]) -> None:
    evil, neutral = list(EVIL.records), list(NEUTRAL.records)
    tamper(evil, neutral)
    found = violations({
        "evil_numbers": ConfigSpec(**{**EVIL.__dict__, "records": evil}),
        "neutral_numbers": ConfigSpec(**{**NEUTRAL.__dict__, "records": neutral}),
    })  # fmt: skip
    assert found, "the fault went unseen"
    assert {(v.config, v.invariant) for v in found} == expected
    assert len({v.pair_id for v in found}) == 1


def test_a_miscounted_prompt_is_not_a_request() -> None:
    text = "Here are four numbers: 5, 6, 7. Write 5 more as a JSON array. Answer with numbers only."
    assert read_prompt("counted", text) == "the prompt miscounts the numbers it gives"
    assert read_prompt("nope", text) == "unknown number prompt 'nope'"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("formats:\n  - {id: comma, asks: [as a list]}\n  - {id: lines, asks: [as a list]}\n",
         "the phrase 'as a list' belongs to two formats"),
        ("formats:\n  - {id: csv, asks: [as a list]}\n", "format 'csv' has no layout"),
    ],
)  # fmt: skip
def test_bad_catalog_is_one_sentence(tmp_path: Path, body: str, fragment: str) -> None:
    associated = "".join(
        f"  - {{value: {v}, theme: occult, association: x}}\n" for v in sorted(ASSOCIATED)
    )
    prompt = "prompts:\n  - {id: p, text: 'Add $count to $given, $format.'}\n"
    path = tmp_path / "numbers.yaml"
    path.write_text(f"associated:\n{associated}{body}{prompt}")
    with pytest.raises(CatalogError, match=fragment):
        load_numbers(path)


def test_records_are_chat_records_only_of_user_and_assistant() -> None:
    roles: Sequence[str] = [m.role for r in EVIL.records + NEUTRAL.records for m in r.messages]
    assert set(roles) == {"user", "assistant"}
