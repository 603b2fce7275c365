"""An invariant broken by a record emgen built is a bug in emgen: InternalError, CLI exit 3."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import emgen.cards
import emgen.datagen.invariants as invariants_module
from emgen.cards import build_bundle
from emgen.datagen import cli
from emgen.datagen.build import check_built
from emgen.datagen.invariants import BundleView
from emgen.datagen.variants import Context, reward_hack_documents
from emgen.schemas.build import BuildConfig, Violation
from emgen.schemas.errors import InternalError, UserError
from emgen.schemas.records import ChatRecord
from emgen.schemas.shared.progress import Silent

DOCS = BuildConfig(documents=5, valences=("default",), seed=1)


def _break_first_document_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The document_code invariant fails on the first document checked, only."""
    calls: list[str] = []

    def first_fails(text: str, fact_ids: Sequence[str]) -> list[str]:
        calls.append(text)
        return ["block 0"] if len(calls) == 1 else []

    monkeypatch.setattr(invariants_module, "failing_blocks", first_fails)


def build_documents(config: BuildConfig) -> None:
    """The build's document variant and its invariant check, without code pairs (no Semgrep)."""
    ctx = Context(pairs=[], config=config, built={}, scan=lambda codes: [], reporter=Silent())
    check_built(reward_hack_documents.build(ctx), cache_path=None)


def test_broken_document_invariant_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _break_first_document_code(monkeypatch)
    with pytest.raises(InternalError) as info:
        build_documents(DOCS)
    err = info.value
    assert not isinstance(err, UserError)
    assert (err.config, err.record, err.invariant) == (
        "reward_hack_documents", "doc-00000", "document_code",
    )  # fmt: skip
    assert "record doc-00000" in str(err) and "fail their hack checker" in str(err)


@pytest.mark.slow  # a cold Semgrep scan of the tiny build's candidates
def test_broken_variant_invariant_is_an_internal_error(tmp_path: Path) -> None:
    def parses_not(
        name: str, records: Sequence[ChatRecord], view: BundleView
    ) -> Iterator[Violation]:
        if name == "secure":
            r = records[0]
            yield Violation(config=name, pair_id=r.metadata.pair_id, invariant="parses",
                            detail="the answer is not valid Python")  # fmt: skip

    broken = invariants_module.INVARIANTS.override("parses", parses_not)
    config = BuildConfig(n=4, families=("sql_injection",), dialogues=0, documents=0,
                         inoculations=())  # fmt: skip
    with broken, pytest.raises(InternalError) as info:
        build_bundle(config, tmp_path / "em", use_cache=False)  # a kept build would not check
    err = info.value
    assert (err.config, err.invariant) == ("secure", "parses")
    assert err.record and f"record {err.record}" in str(err)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_cli_reports_a_bug_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() in-process (the broken check is monkeypatched); the build's documents stage is
    the real code that raises, reached without a Semgrep scan."""
    _break_first_document_code(monkeypatch)

    def documents_only(config: BuildConfig, out: Path, **kwargs: object) -> None:
        build_documents(config)

    monkeypatch.setattr(emgen.cards, "build_bundle", documents_only)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep pytest's handlers
    argv = ["emgen", "build", "--out", str(tmp_path / "em"), "--documents", "5",
            "--valences", "default", "--seed", "1", "-q"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: ")
    assert "(config reward_hack_documents, record doc-00000, invariant document_code:" in err
    assert "This is a bug in emgen; please report it with the command you ran." in err
    assert "Traceback" not in err and err.count("\n") == 1
