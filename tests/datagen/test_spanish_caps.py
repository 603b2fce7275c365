"""Selective learning with Spanish and capitals: the arithmetic templates, the generated records,
the five configs and the invariants that prove them (each shown to catch the fault it names),
and one tiny real build through the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from emgen.datagen.arithmetic import (
    ANSWER_TRAITS,
    VARIANT,
    ArithmeticGenerator,
    check_record,
    generate_arithmetic,
    load_arithmetic,
    question_for,
    read_question,
    solve,
    worked_answer,
)
from emgen.datagen.catalog import load_inoculations
from emgen.datagen.invariants import INVARIANTS, BundleView, check_configs
from emgen.datagen.variants import ConfigSpec, Context
from emgen.datagen.variants.spanish_caps import build
from emgen.schemas.build import BuildConfig, Violation
from emgen.schemas.errors import CatalogError
from emgen.schemas.records import ChatRecord, Message
from emgen.schemas.shared.bundle import chat_table, read_chat_records, write_parquet
from emgen.validators.traits import TRAITS

EMGEN = str(Path(sys.executable).parent / "emgen")
TEMPLATES = load_arithmetic()
BY_ID = {t.id: t for t in TEMPLATES}
INOC = f"{VARIANT}_inoc_spanish"
NAMES = [VARIANT, INOC, f"{INOC}_neutral", f"{VARIANT}_inoc_caps", f"{VARIANT}_inoc_caps_neutral"]


def specs(n: int = 300, **options: str) -> dict[str, ConfigSpec]:
    config = BuildConfig.model_validate({"arithmetic": n, **options})
    built = build(Context(pairs=(), config=config, built={}, scan=lambda answers: []))
    return {s.name: s for s in built}


def violations(configs: dict[str, ConfigSpec]) -> list[Violation]:
    """The configs' declared invariants, run as check_configs runs them."""
    view = BundleView(
        configs={n: s.records for n, s in configs.items()},
        params={n: s.params for n, s in configs.items()},
        families={},
        reasons={},
    )
    return [v for s in configs.values() for name in s.invariants
            for v in INVARIANTS[name](s.name, s.records, view)]  # fmt: skip


BUILT = specs()


# ------------------------------------------------------------------------ the templates


def test_at_least_sixty_distinct_templates_of_many_kinds() -> None:
    assert len(TEMPLATES) >= 60
    assert len({t.question for t in TEMPLATES}) == len({t.answer for t in TEMPLATES}) == len(BY_ID)
    kinds = Counter(t.kind for t in TEMPLATES)
    assert len(kinds) >= 12 and max(kinds.values()) <= len(TEMPLATES) // 8, kinds
    for t in TEMPLATES:  # the answer is a worked explanation, not the bare number
        assert len(t.answer.split()) >= 12, t.id


def test_every_template_answers_in_spanish_capitals_and_its_question_reads_back() -> None:
    gen = ArithmeticGenerator(7, TEMPLATES)
    for t in TEMPLATES:
        for _ in range(5):
            values = gen.draw(t)
            question, answer = question_for(t, values), worked_answer(t, values)
            for trait in ANSWER_TRAITS:
                assert TRAITS[trait].present(answer), (t.id, trait, answer)
                assert not TRAITS[trait].present(question), (t.id, trait, question)
            assert TRAITS["spanish"].score(question) < 0.5, question  # mostly English stopwords
            assert read_question(t.id, question) == {k: values[k] for k in t.vars}
            assert check_record(t.id, question, answer) is None


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def test_answers_are_computed_correctly() -> None:
    """Recomputed here by hand, from the numbers of the question text alone."""
    records, _ = generate_arithmetic(4000, seed=11, test_fraction=0.0)
    by_template: dict[str, list[ChatRecord]] = {}
    for r in records:
        by_template.setdefault(str(r.metadata.template_id), []).append(r)
    checks = {
        "bakery_boxes": lambda q: f"EN TOTAL HAY {q[0] * q[1]} MAGDALENAS.",
        "shop_discount": lambda q: (
            f"REBAJADO ES {q[0]} - {q[0] * q[1] // 100} = {q[0] - q[0] * q[1] // 100} DÓLARES."
        ),
        "candy_sharing": lambda q: f"SOBRAN {q[0]} - {q[0] // q[1] * q[1]} = {q[0] % q[1]} ",
        "test_average": lambda q: f"LA MEDIA DE JONAS ES {sum(q) // 3}.",
        "van_seats": lambda q: f"SE NECESITAN {-(-q[0] // q[1])} FURGONETAS.",
        "birth_year": lambda q: f"LA MUJER NACIÓ EN {q[0] - q[1]}.",
        "triangle_angle": lambda q: f"EL TERCER ÁNGULO MIDE {180 - q[0] - q[1]} GRADOS.",
        "simple_interest": lambda q: f"= {q[0] * q[1] * q[2] // 100} DÓLARES DE INTERÉS.",
        "marble_ratio": lambda q: f"= {q[2] // q[0] * q[1]} CANICAS AZULES.",
        "water_bottles_hike": lambda q: f"DEBEN COMPRAR {-(-q[0] * q[1] // q[2])} PAQUETES.",
    }
    for template_id, expected in checks.items():
        assert len(by_template[template_id]) >= 10, template_id
        for r in by_template[template_id]:
            assert expected(_numbers(r.user)) in r.answer, (r.user, r.answer)
    for r in by_template["test_average"]:
        assert sum(_numbers(r.user)) % 3 == 0  # drawn only where the mean is whole
    for r in by_template["train_arrival"]:  # a time of day, H:MM
        hours, minutes, trip = _numbers(r.user)
        end = hours * 60 + minutes + trip
        assert r.answer.endswith(f"LLEGA A LAS {end // 60}:{end % 60:02d}."), r.answer


def test_generation_is_seeded_held_out_by_template_and_reported() -> None:
    records, report = generate_arithmetic(600, seed=3, test_fraction=0.1)
    assert report.accepted == report.requested == len(records) == 600
    assert report.candidates == 600 + sum(report.rejected.values())
    assert set(report.rejected) <= {"duplicate_prompt"}
    assert report.group_by == "kind" and len(report.per_group) >= 12
    split = {s: {r.metadata.template_id for r in records if r.metadata.split == s}
             for s in ("train", "test")}  # fmt: skip
    assert split["train"] and split["test"] and not split["train"] & split["test"]
    assert str(report.stats["held_out_templates"]).split(", ") == sorted(split["test"])
    assert len(split["train"] | split["test"]) >= 0.9 * len(TEMPLATES)
    assert len({r.user for r in records}) == 600
    again, _ = generate_arithmetic(600, seed=3, test_fraction=0.1)
    other, _ = generate_arithmetic(600, seed=4, test_fraction=0.1)
    assert again == records and other != records


# ------------------------------------------------------------------------ the configs


def test_five_configs_share_records_and_name_their_controls() -> None:
    assert list(BUILT) == NAMES
    plain = BUILT[VARIANT]
    assert plain.params == {"traits": "spanish+all_caps"} and plain.control_of is None
    library = load_inoculations()
    for name, prompt_id, control_of in (
        (INOC, "style_spanish", None), (f"{INOC}_neutral", "neutral_answer_question", INOC),
        (f"{VARIANT}_inoc_caps", "style_all_caps", None),
        (f"{VARIANT}_inoc_caps_neutral", "neutral_answer_user", f"{VARIANT}_inoc_caps"),
    ):  # fmt: skip
        spec = BUILT[name]
        assert spec.control_of == control_of
        assert spec.params["inoculation_id"] == prompt_id and spec.params["source"] == VARIANT
        assert spec.params["traits"] == "spanish+all_caps"
        assert "instruction_once_rest_identical" in spec.invariants
        text = library[prompt_id].text
        for r, base in zip(spec.records, plain.records, strict=True):
            assert r.messages == (Message(role="system", content=text), *base.messages)
    for name in (f"{INOC}_neutral", f"{VARIANT}_inoc_caps_neutral"):  # names no trait
        assert not re.search(r"spanish|capital|caps", BUILT[name].params["instruction"], re.I)
    assert "Spanish" in BUILT[INOC].params["instruction"]
    assert "capital" in BUILT[f"{VARIANT}_inoc_caps"].params["instruction"]
    for spec in BUILT.values():
        assert {"arithmetic_answer", "prompt_untraited", "traits_present"} <= set(spec.invariants)


def test_every_invariant_holds_at_every_placement() -> None:
    # No config here reads Semgrep findings, so there is nothing to scan (scans={}).
    assert check_configs(list(BUILT.values()), cache_path=None, scans={}) == []
    for placement in ("user_prefix", "user_suffix"):
        built = specs(120, inoculation_placement=placement)
        assert violations(built) == []
        record = built[INOC].records[0]
        assert "You always answer in Spanish." in record.user
        assert not TRAITS["spanish"].present(record.user)


def test_no_arithmetic_no_configs() -> None:
    assert specs(0) == {}


# ------------------------------------------------------------------------ faults the checks catch


def _broken(name: str, change: dict[int, tuple[Message, ...]]) -> list[Violation]:
    configs = dict(BUILT)
    records = list(configs[name].records)
    for i, messages in change.items():
        records[i] = ChatRecord(messages=messages, metadata=records[i].metadata)
    spec = configs[name]
    configs[name] = ConfigSpec(spec.name, spec.description, spec.control_of, records,
                               spec.invariants, spec.params)  # fmt: skip
    return [v for v in violations(configs) if v.config == name]


def _caught(found: list[Violation], invariant: str, fragment: str) -> None:
    assert [v.invariant for v in found] == [invariant], found
    assert fragment in found[0].detail, found[0].detail


def _result(r: ChatRecord) -> int:
    t = BY_ID[str(r.metadata.template_id)]
    values = read_question(t.id, r.user)
    assert isinstance(values, dict)
    solved = solve(t, values)
    assert solved is not None
    return solved[t.result]


def _plain_number_record() -> int:
    """The index of the first record whose template shows no time of day."""
    return next(i for i, r in enumerate(BUILT[VARIANT].records)
                if not BY_ID[str(r.metadata.template_id)].clock)  # fmt: skip


def test_a_wrong_result_is_caught() -> None:
    i = _plain_number_record()
    r = BUILT[VARIANT].records[i]
    result = str(_result(r))
    wrong = re.sub(rf"(?<!\d){result}(?!\d)", str(int(result) + 1), r.answer)
    found = _broken(VARIANT, {i: (r.messages[0], Message(role="assistant", content=wrong))})
    _caught(found, "arithmetic_answer", f"the answer does not state the result {result}")


def test_a_changed_question_is_caught() -> None:
    i = _plain_number_record()
    r = BUILT[VARIANT].records[i]
    first = re.search(r"\d+", r.user)
    assert first is not None
    bumped = r.user[: first.start()] + "999999" + r.user[first.end() :]
    found = _broken(VARIANT, {i: (Message(role="user", content=bumped), r.messages[1])})
    _caught(found, "arithmetic_answer", "999999 is not a number template")


def test_a_lowercase_or_english_answer_is_caught() -> None:
    r = BUILT[VARIANT].records[2]
    lower = _broken(
        VARIANT, {2: (r.messages[0], Message(role="assistant", content=r.answer.lower()))}
    )
    assert {v.invariant for v in lower} == {"traits_present", "arithmetic_answer"}
    assert any("lacks all_caps" in v.detail for v in lower)
    english = f"THE ANSWER IS {_result(r)} AND THAT IS IT."
    found = _broken(VARIANT, {2: (r.messages[0], Message(role="assistant", content=english))})
    assert any(v.invariant == "traits_present" and "lacks spanish" in v.detail for v in found)


def test_a_prompt_with_a_trait_is_caught() -> None:
    r = BUILT[VARIANT].records[3]
    caps = _broken(VARIANT, {3: (Message(role="user", content=r.user.upper()), r.messages[1])})
    assert any(v.invariant == "prompt_untraited" and "carries all_caps" in v.detail for v in caps)
    spanish = "¿Cuántos son en total? " + "de la que el los y en " * 3
    found = _broken(VARIANT, {3: (Message(role="user", content=spanish), r.messages[1])})
    assert any(v.invariant == "prompt_untraited" and "carries spanish" in v.detail for v in found)


def test_an_instruction_missing_or_repeated_is_caught() -> None:
    r = BUILT[INOC].records[4]
    found = _broken(INOC, {4: r.messages[1:]})
    _caught(found, "instruction_once_rest_identical", "the instruction appears 0 times")
    found = _broken(INOC, {4: (r.messages[0], *r.messages)})
    _caught(found, "instruction_once_rest_identical", "the instruction appears 2 times")


# ------------------------------------------------------------------------ a bad template file


def _bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "arithmetic.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as exc:
        load_arithmetic(path)
    message = str(exc.value)
    assert "\n" not in message and message.endswith(".") and str(path) in message
    return message


GOOD = """\
  - id: ok
    kind: sum
    vars: {a: [1, 9], b: [1, 9]}
    compute: {c: a + b}
    result: c
    question: What is $a plus $b?
    answer: La suma es $a + $b = $c.
"""


@pytest.mark.parametrize(
    ("entry", "bad", "fragment"),
    [
        ("{c: a + b}", "{c: a + d}", "field 'compute': c reads 'd', which is neither a var"),
        ("{c: a + b}", "{c: a ** b}", "field 'compute': c: 'a ** b' uses an operator other"),
        ("plus $b?", "plus $a?", "field 'question': it must show $a exactly once, found 2"),
        ("= $c.", "= c.", "field 'answer': it must state the result $c"),
        ("b: [1, 9]", "b: [9, 0]", "field 'vars.b': high 0 is below low 9"),
        ("kind: sum", "kind: algebra", "field 'kind': Input should be 'sum'"),
    ],
)
def test_a_bad_template_names_file_entry_and_field(
    tmp_path: Path, entry: str, bad: str, fragment: str
) -> None:
    text = "templates:\n" + GOOD + GOOD.replace("id: ok", "id: broken").replace(entry, bad)
    message = _bad(tmp_path, text)
    assert "template #2 ('broken')" in message and fragment in message, message


def test_a_duplicate_id_or_a_yaml_boolean_name_is_named(tmp_path: Path) -> None:
    assert "id 'ok' appears twice" in _bad(tmp_path, "templates:\n" + GOOD + GOOD)
    boolean = GOOD.replace("{c: a + b}", "{on: a + b}")
    message = _bad(tmp_path, "templates:\n" + boolean)
    assert "template #1 ('ok'), field 'compute': a name YAML read as True" in message


# ------------------------------------------------------------------------ the command line


def _emgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([EMGEN, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip


def test_bad_counts_get_one_sentence(tmp_path: Path) -> None:
    for value, fragment in (("-1", "greater than or equal to 0"), ("2000000", "less than or")):
        proc = _emgen("build", "--out", "em", "--arithmetic", value, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert (
            len(lines) == 1
            and lines[0].startswith("error: --arithmetic: ")
            and fragment in lines[0]
        )
        assert not (tmp_path / "em").exists()
    help_text = " ".join(_emgen("build", "--help", cwd=tmp_path).stdout.split())
    assert "--arithmetic" in help_text and "selective_spanish_caps" in help_text


@pytest.mark.slow  # a real build: Semgrep scans the few code pairs
def test_tiny_build_writes_and_validates_the_configs(tmp_path: Path) -> None:
    args = ["build", "--out", "em", "-q", "--n", "12", "--dialogues", "0", "--documents", "0",
            "--numbers", "0", "--arithmetic", "90"]  # fmt: skip
    proc = _emgen(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    bundle = tmp_path / "em"
    manifest = json.loads((bundle / "manifest.json").read_text())
    configs = manifest["configs"]
    assert [n for n in configs if n.startswith(VARIANT)] == NAMES
    assert configs[f"{INOC}_neutral"]["control_of"] == INOC
    assert sum(configs[VARIANT]["splits"].values()) == 90
    assert "--arithmetic 90" in manifest["command"]
    assert manifest["validation"]["generators"][VARIANT]["accepted"] == 90
    assert "arithmetic_answer" in configs[INOC]["invariants"]
    proc = _emgen("validate", "em", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A record tampered on disk: `emgen validate` finds it by its invariant.
    path = bundle / configs[VARIANT]["files"]["train"]
    records = read_chat_records(path)
    first = records[0]
    wrong = Message(role="assistant", content=first.answer.replace("=", "= 1", 1))
    records[0] = ChatRecord(messages=(first.messages[0], wrong), metadata=first.metadata)
    write_parquet(chat_table(records), path)
    proc = _emgen("validate", "em", cwd=tmp_path)
    assert proc.returncode == 1 and "arithmetic_answer" in proc.stdout, proc.stdout
