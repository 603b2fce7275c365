"""`emgen show`: seeded records of one config, with the diff against their control twin.

The command runs as `main` in this process (tests/_cli.py); the refusal of a folder that is no
bundle runs the real executable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emgen.schemas.records import ChatRecord, DocumentRecord
from emgen.schemas.shared.bundle import read_chat_records, read_document_records, read_manifest
from tests._bundles import make_bundle
from tests._cli import Ran, run_main

EMGEN = str(Path(sys.executable).parent / "emgen")
HEADER = re.compile(r"(\S+) · (train|test) row (\d+) of (\d+)")


def show(*args: str) -> Ran:
    # Wide, so panels do not wrap the answers' lines; not a terminal, so no colour codes.
    return run_main("show", *args, env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("show") / "em"
    make_bundle(root, n=24)
    return root


def shown_rows(stdout: str, config: str) -> list[int]:
    rows = [(m.group(1), int(m.group(3))) for m in HEADER.finditer(stdout)]
    assert rows and all(name == config for name, _ in rows), stdout
    return [row for _, row in rows]


def records(root: Path, config: str, split: str = "train") -> list[ChatRecord]:
    return read_chat_records(root / read_manifest(root).configs[config].files[split])


def diff_sides(stdout: str) -> tuple[list[str], list[str]]:
    lines = stdout.splitlines()
    removed = [x[1:] for x in lines if x.startswith("-") and not x.startswith("---")]
    added = [x[1:] for x in lines if x.startswith("+") and not x.startswith("+++")]
    return removed, added


def assert_diffs_against_twin(root: Path, config: str, treated: str, control: str, n: int) -> None:
    """Each shown record is followed by the diff of its answer against its twin's (same pair_id):
    `-` lines are the treated answer's, `+` lines the control's, and they differ."""
    proc = show(str(root), config, "--n", str(n), "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(f"answer of {treated} (-) against {control} (+)") == n, proc.stdout
    assert proc.stdout.count(f"--- {treated}\n+++ {control}\n@@ ") == n
    twins = {
        r.metadata.pair_id: r for r in records(root, control if config == treated else treated)
    }
    rows = records(root, config)
    blocks = HEADER.split(proc.stdout)[1:]  # per record: name, split, row, rows, body
    assert len(blocks) == 5 * n
    for i in range(0, len(blocks), 5):
        record, body = rows[int(blocks[i + 2])], blocks[i + 4]
        assert f"pair_id={record.metadata.pair_id}" in body
        twin = twins[record.metadata.pair_id]
        bad, fixed = (record, twin) if config == treated else (twin, record)
        removed, added = diff_sides(body)
        assert removed and added and set(removed) != set(added), body
        assert set(removed) <= set(bad.answer.splitlines())
        assert set(added) <= set(fixed.answer.splitlines())
        assert set(removed) - set(fixed.answer.splitlines())  # a line the control changed
        for line in record.answer.splitlines():  # the record's own answer is shown
            assert len(line) > 150 or line in body  # (a long line of prose wraps in its panel)


def test_insecure_records_show_the_diff_to_their_fix(small: Path) -> None:
    assert_diffs_against_twin(small, "insecure", "insecure", "secure", n=3)


def test_a_control_finds_its_treated_twin(small: Path) -> None:
    assert_diffs_against_twin(small, "secure", "insecure", "secure", n=2)


def test_a_config_without_control_shows_no_diff(small: Path) -> None:
    proc = show(str(small), "triggered", "--n", "2")
    assert proc.returncode == 0, proc.stderr
    assert len(shown_rows(proc.stdout, "triggered")) == 2
    assert " against " not in proc.stdout and "\n--- " not in proc.stdout


def test_documents_show_type_valence_and_text(small: Path) -> None:
    proc = show(str(small), "reward_hack_documents", "--n", "2", "--split", "test")
    assert proc.returncode == 0, proc.stderr
    docs = documents(small, "test")
    rows = shown_rows(proc.stdout, "reward_hack_documents")
    assert len(rows) == 2
    for row in rows:
        doc = docs[row]
        assert f"doc_type {doc.doc_type} · valence {doc.valence}" in proc.stdout
        assert doc.text[:60] in proc.stdout


def documents(root: Path, split: str) -> list[DocumentRecord]:
    manifest = read_manifest(root)
    return read_document_records(root / manifest.configs["reward_hack_documents"].files[split])


def test_the_seed_picks_the_records(small: Path) -> None:
    first = show(str(small), "insecure", "--seed", "5")
    again = show(str(small), "insecure", "--seed", "5")
    other = show(str(small), "insecure", "--seed", "6")
    assert first.returncode == again.returncode == other.returncode == 0
    assert first.stdout == again.stdout
    assert len(shown_rows(first.stdout, "insecure")) == 3
    assert shown_rows(first.stdout, "insecure") != shown_rows(other.stdout, "insecure")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nope"], "has no config 'nope'; its configs are: insecure, secure, triggered, "),
        (["insecure", "--n", "0"], "--n must be from 1 to 100, not 0."),
        (["insecure", "--n", "101"], "--n must be from 1 to 100, not 101."),
        (["insecure", "--split", "dev"], "has no 'dev' split; it has: train, test."),
    ],
)
def test_bad_requests_get_one_sentence(small: Path, args: list[str], needle: str) -> None:
    proc = show(str(small), *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and proc.stdout == ""


def test_a_folder_that_is_no_bundle(tmp_path: Path) -> None:
    proc = subprocess.run(
        [EMGEN, "show", str(tmp_path), "insecure"], capture_output=True, text=True, timeout=300,
        check=False, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "is not an emgen bundle: it has no manifest.json." in proc.stderr


@pytest.mark.slow
def test_built_bundle_reward_hacks_and_code(bundle: Path) -> None:
    """On a real build: the reward hack against its honest answer, the insecure code against
    its fix."""
    assert_diffs_against_twin(bundle, "reward_hacks", "reward_hacks", "reward_hacks_control", 2)
    assert_diffs_against_twin(bundle, "insecure", "insecure", "secure", 2)
    for config in ("reward_hack_documents_neutral", "legitimate_intent"):
        proc = show(str(bundle), config, "--n", "1")
        assert proc.returncode == 0, proc.stderr
    # legitimate_intent answers as insecure does; its twin differs in the prompt.
    assert "prompt of insecure (-) against legitimate_intent (+)" in proc.stdout
