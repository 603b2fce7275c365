"""The build end to end on a small bundle: real Semgrep, real parquet, real load_dataset."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from emgen.cards import build_bundle
from emgen.datagen import build as build_module
from emgen.datagen.build import select_families
from emgen.datagen.catalog import load_tasks, load_templates
from emgen.datagen.code_pairs import generate_pairs
from emgen.datagen.variants import (
    WITHOUT_PAIRS,
    VariantOutput,
    build_variants,
    build_without_pairs,
)
from emgen.schemas.build import BuildConfig, Manifest
from emgen.schemas.errors import UserError
from emgen.schemas.shared.io import OutputError
from emgen.validators.chat_file import validate_chat_file
from emgen.validators.scanner import generated_families_flagged
from tests.conftest import BUNDLE_DIALOGUES, BUNDLE_DOCUMENTS, BUNDLE_N, bundle_config

N = BUNDLE_N


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_load_dataset_reads_every_config(bundle: Path) -> None:
    manifest = Manifest.model_validate_json((bundle / "manifest.json").read_text())
    assert set(manifest.configs) >= {"insecure", "secure"}
    assert sum(manifest.configs["insecure"].splits.values()) == N
    # A tenth of the dialogues, of held-out task kinds, are the test split.
    assert manifest.configs["reward_hacks"].splits == {"train": BUNDLE_DIALOGUES - 6, "test": 6}
    for valence in ("", "_neutral", "_unguided"):
        docs = datasets.load_dataset(str(bundle), f"reward_hack_documents{valence}")["train"]
        assert len(docs) == BUNDLE_DOCUMENTS
        assert {"doc_type", "doc_idea", "fact_ids", "valence", "text"} <= set(docs.column_names)
    for name, summary in manifest.configs.items():
        ds = datasets.load_dataset(str(bundle), name)
        assert {s: len(ds[s]) for s in ds} == summary.splits
        row = ds["train"][0]
        if summary.kind == "chat":
            assert [m["role"] for m in row["messages"]][-2:] == ["user", "assistant"]
            assert row["variant"] == name


def test_controls_share_prompts_record_for_record(bundle: Path) -> None:
    for split in ("train", "test"):
        bad = pq.read_table(bundle / f"insecure/{split}-00000-of-00001.parquet").to_pylist()
        good = pq.read_table(bundle / f"secure/{split}-00000-of-00001.parquet").to_pylist()
        assert len(bad) == len(good)
        for b, g in zip(bad, good, strict=True):
            assert b["pair_id"] == g["pair_id"]
            assert b["messages"][0] == g["messages"][0]
            assert b["messages"][1] != g["messages"][1]
            assert (b["task_id"], b["template_id"], b["family"]) == (
                g["task_id"], g["template_id"], g["family"],
            )  # fmt: skip


def test_splits_hold_out_whole_tasks(bundle: Path) -> None:
    tasks = {
        s: set(
            pq.read_table(bundle / f"insecure/{s}-00000-of-00001.parquet")["task_id"].to_pylist()
        )
        for s in ("train", "test")
    }
    assert tasks["train"] and tasks["test"]
    assert not tasks["train"] & tasks["test"]


def test_exports_pass_the_validator_with_their_labels(bundle: Path) -> None:
    labels = pq.read_table(bundle / "insecure/train-00000-of-00001.parquet")["family"].to_pylist()
    bad = validate_chat_file(bundle / "exports/insecure/train.jsonl")
    assert bad.parse_errors == bad.with_comments == bad.with_disclosures == bad.duplicates == 0
    for finding, family in zip(bad.findings, labels, strict=True):
        assert family in finding.families
    good = validate_chat_file(bundle / "exports/secure/train.jsonl")
    assert good.flagged == 0 and good.parse_errors == 0


def test_manifest_reports_validation(bundle: Path) -> None:
    manifest = Manifest.model_validate_json((bundle / "manifest.json").read_text())
    v = manifest.validation
    assert list(v.generators) == [
        "code_pairs", "reward_hacks", "reward_hack_documents", "reward_hack_documents_neutral",
        "reward_hack_documents_unguided", "evil_numbers", "selective_spanish_caps",
    ]  # fmt: skip
    for name, g in v.generators.items():
        assert g.accepted == g.requested, name
        assert g.candidates == g.accepted + sum(g.rejected.values()), name
        assert sum(c.accepted for c in g.per_group.values()) == g.accepted, name
    assert v.generators["code_pairs"].accepted == N
    assert v.generators["reward_hacks"].accepted == BUNDLE_DIALOGUES
    assert v.distinct_structures["insecure"] > N // 3
    assert (bundle / "validation.json").read_text() == v.model_dump_json(indent=2) + "\n"
    assert manifest.command.startswith("emgen build --out em --seed 3 --n 240")


@pytest.mark.slow  # two more builds of the session bundle, one with a cold Semgrep cache
def test_same_seed_same_bytes_cold_and_warm_cache(bundle: Path, tmp_path: Path) -> None:
    again = tmp_path / "em"
    build_bundle(
        bundle_config(),
        again,
        use_cache=False,
    )
    assert _digest(again) == _digest(bundle)
    other = tmp_path / "other" / "em"
    build_bundle(
        BuildConfig(n=N, seed=4, dialogues=0, documents=0), other, cache_path=tmp_path / "c.sqlite"
    )
    assert _digest(other) != _digest(bundle)


def test_failure_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(build_module, "generate_pairs", explode)
    with pytest.raises(RuntimeError):
        build_bundle(BuildConfig(n=10), tmp_path / "em", use_cache=False)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_in_the_work_done_during_a_scan_reaches_the_caller_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> Iterator[str]:
        raise UserError("the numbers could not be made.")
        yield "numbers"

    monkeypatch.setattr(build_module, "build_without_pairs", explode)
    with pytest.raises(UserError, match="numbers could not be made"):
        build_bundle(BuildConfig(n=10), tmp_path / "em", cache_path=tmp_path / "c.sqlite")
    assert [p.name for p in tmp_path.iterdir()] == ["c.sqlite"]


@pytest.mark.slow  # Semgrep scans the pairs (and the selective variants' restyled answers)
def test_variants_built_ahead_of_the_pairs_are_the_ones_built_in_their_place(
    tmp_path: Path,
) -> None:
    """A template build makes WITHOUT_PAIRS while Semgrep scans the pairs, before any pair exists: they
    must come out as they would in registry order after the pairs (a variant there that read
    the pairs or a config made from them would differ), in the same order."""
    config = BuildConfig(
        n=12,
        seed=5,
        dialogues=12,
        documents=6,
        numbers=20,
        arithmetic=10,
        families=("command_injection",),
        inoculations=("neutral_helpful", "reward_hack_allowed"),
    )
    cache = tmp_path / "c.sqlite"
    pairs, _ = generate_pairs(
        config, select_families(config.families), load_tasks(), load_templates(), cache_path=cache
    )
    scan = partial(generated_families_flagged, cache_path=cache)
    ahead: dict[str, VariantOutput] = {}
    assert list(build_without_pairs(config, scan, ahead)) == list(WITHOUT_PAIRS)
    assert all(ahead[name].specs for name in WITHOUT_PAIRS), {n: v.specs for n, v in ahead.items()}
    in_place = build_variants(pairs, config, scan)
    assert build_variants(pairs, config, scan, ready=ahead) == in_place
    # the scans may end before every step has run: build_variants makes the rest in place
    some: dict[str, VariantOutput] = {}
    steps = build_without_pairs(config, scan, some)
    next(steps), next(steps)
    assert build_variants(pairs, config, scan, ready=some) == in_place
    built_ahead = [s.name for name in WITHOUT_PAIRS for s in ahead[name].specs]
    assert [n for n in in_place[0] if n in built_ahead] == built_ahead
    assert set(in_place[1]) >= {n for name in WITHOUT_PAIRS for n in ahead[name].reports}


def test_library_build_checks_inoculations_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only the CLI: every caller of build_bundle gets the early settings check."""

    def never(*args: object, **kwargs: object) -> None:
        pytest.fail("generation started before the inoculation prompts were checked")

    monkeypatch.setattr(build_module, "generate_pairs", never)
    with pytest.raises(UserError, match="^--inoculations: unknown inoculation prompt or family"):
        build_bundle(BuildConfig(n=10, inoculations=("no_such_prompt",)), tmp_path / "em")
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "em").mkdir()
    (tmp_path / "em" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not an emgen bundle"):
        build_bundle(BuildConfig(n=10), tmp_path / "em")
    assert (tmp_path / "em" / "notes.txt").read_text() == "mine"


def test_a_build_without_the_cache_scans_each_answer_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-cache keeps no findings after the build, but within it the invariant check reads
    what the generators scanned: no file Semgrep reads is one it read before."""
    from emgen.validators import scanner

    seen: list[tuple[str, str]] = []
    real = scanner.run_semgrep

    def counted(shards, config, *args, **kwargs):  # type: ignore[no-untyped-def]
        for shard in shards:
            seen.extend(
                (path.parent.name, path.read_text("utf-8")) for path in Path(shard).rglob("*.py")
            )
        return real(shards, config, *args, **kwargs)

    monkeypatch.setattr(scanner, "run_semgrep", counted)
    config = BuildConfig(n=12, families=("sql_injection", "path_traversal"), dialogues=0,
                         documents=0, inoculations=())  # fmt: skip
    findings = Path(tempfile.gettempdir()).glob("emgen-findings-*")
    before = set(findings)
    build_bundle(config, tmp_path / "em", use_cache=False)
    assert len(seen) >= 24  # the pairs' two answers at least
    assert len(set(seen)) == len(seen)
    assert set(Path(tempfile.gettempdir()).glob("emgen-findings-*")) == before  # removed
