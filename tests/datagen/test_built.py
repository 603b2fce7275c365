"""A rebuild of the same inputs copies the kept build's data: the same bytes, made by no
generation; a changed input, a damaged entry or `use_cache=False` builds afresh."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import emgen.datagen._built as built
import emgen.datagen.build as build_module
from emgen.cards import build_bundle
from emgen.schemas.build import BuildConfig, Manifest
from emgen.schemas.shared.io import sha256_file
from tests.schemas.test_outputs import dead_pid, digests

CONFIG = BuildConfig(
    n=8, families=("sql_injection",), dialogues=2, documents=2, numbers=8, arithmetic=8
)  # fmt: skip
CARD = {"README.md", "croissant.json"}  # written afresh by every build, as are the figures


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real build of CONFIG, kept in `<root>/cache/builds`."""
    root = tmp_path_factory.mktemp("built")
    build_bundle(CONFIG, root / "em", cache_path=root / "cache" / "f.sqlite")
    return root


@pytest.fixture
def cache(first: Path, tmp_path: Path) -> Path:
    """A copy of the first build's cache folder for one test to use (and damage)."""
    shutil.copytree(first / "cache", tmp_path / "cache")
    return tmp_path / "cache" / "f.sqlite"


def count_generations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The builds that generate their data (rather than copy it), by folder name."""
    calls: list[str] = []
    real: Callable[..., Manifest] = build_module._generate

    def counted(config: BuildConfig, folder: Path, name: str, *args: object, **kw: object):  # type: ignore[no-untyped-def]
        calls.append(name)
        return real(config, folder, name, *args, **kw)

    monkeypatch.setattr(build_module, "_generate", counted)
    return calls


def entry(cache: Path) -> Path:
    (kept,) = [p for p in (cache.parent / built.FOLDER_NAME).iterdir() if p.is_dir()]
    return kept


def data(root: Path) -> dict[str, str]:
    """The data files (the manifest names the folder, the card is drawn after the data)."""
    return {
        k: v for k, v in digests(root).items()
        if k not in CARD and k != "manifest.json" and not k.startswith("figures/")
    }  # fmt: skip


@pytest.mark.slow  # one real build (the module's), then copies
def test_a_rebuild_of_the_same_inputs_copies_the_same_bytes(
    first: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = count_generations(monkeypatch)
    again = build_bundle(CONFIG, tmp_path / "em", cache_path=cache)  # the same folder name
    assert digests(tmp_path / "em") == digests(first / "em")
    other = build_bundle(CONFIG, tmp_path / "other", cache_path=cache)
    assert data(tmp_path / "other") == data(first / "em")
    assert other.command == again.command.replace("--out em", "--out other")
    assert other.model_copy(update={"command": again.command}) == again
    assert generated == []


@pytest.mark.slow
def test_a_changed_config_or_no_cache_generates(
    first: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = count_generations(monkeypatch)
    build_bundle(CONFIG, tmp_path / "off", cache_path=cache, use_cache=False)
    assert generated == ["off"]
    changed = CONFIG.model_copy(update={"seed": 1})
    build_bundle(changed, tmp_path / "seed1", cache_path=cache)
    assert generated == ["off", "seed1"]
    assert data(tmp_path / "seed1") != data(first / "em")
    assert len(list((cache.parent / built.FOLDER_NAME).iterdir())) == 2  # seed 1 kept too


@pytest.mark.slow
def test_a_damaged_entry_is_dropped_with_a_warning_and_built_afresh(
    first: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    kept = entry(cache)
    parquet = next(kept.glob("insecure/*.parquet"))
    parquet.write_bytes(parquet.read_bytes()[:-1] + b"\0")
    generated = count_generations(monkeypatch)
    build_bundle(CONFIG, tmp_path / "em", cache_path=cache)
    assert generated == ["em"]
    assert digests(tmp_path / "em") == digests(first / "em")
    err = capsys.readouterr().err
    assert f"the kept build {kept} does not match its contents.json" in err
    assert "insecure/" in err and "building afresh" in err
    assert data(entry(cache)) == data(first / "em") | {  # kept again, whole
        "contents.json": digests(entry(cache))["contents.json"]
    }


@pytest.mark.slow
def test_an_entry_naming_a_file_outside_itself_is_never_copied(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """contents.json is data read from disk: a name leading out of the entry is damage."""
    kept = entry(cache)
    beside = kept.parent.parent / "secret.txt"  # what `kept / "../../secret.txt"` reads
    beside.write_text("not a build file")
    contents = json.loads((kept / "contents.json").read_text())
    contents["files"]["../../secret.txt"] = sha256_file(beside)
    (kept / "contents.json").write_text(json.dumps(contents))
    generated = count_generations(monkeypatch)
    build_bundle(CONFIG, tmp_path / "out" / "em", cache_path=cache)
    assert generated == ["em"]
    assert not (tmp_path / "secret.txt").exists()  # where the build's folder + that name lands


def test_every_input_is_in_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = built.build_key(CONFIG, None)
    assert base is not None and base == built.build_key(CONFIG.model_copy(), None)
    assert built.build_key(CONFIG.model_copy(update={"seed": 1}), None) != base
    assert built.build_key(CONFIG, 100) != base
    monkeypatch.setattr(built, "code_fingerprint", lambda: "edited")
    assert built.build_key(CONFIG, None) != base
    monkeypatch.undo()
    monkeypatch.setattr(built, "environment", lambda: "another pyarrow")
    assert built.build_key(CONFIG, None) != base
    monkeypatch.undo()
    prompts = tmp_path / "extra.yaml"
    prompts.write_text("a: 1\n")
    with_file = CONFIG.model_copy(update={"inoculation_file": str(prompts)})
    before = built.build_key(with_file, None)
    prompts.write_text("a: 2\n")
    assert built.build_key(with_file, None) not in (before, base)
    # a model writes the data: its replies are cached, the data is not a function of the key
    assert built.build_key(CONFIG.model_copy(update={"backend": "openai"}), None) is None


def test_the_code_fingerprint_reads_every_file_but_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("schemas/__init__.py", "validators/__init__.py", "validators/rules/x.yaml",
                 "datagen/_built.py", "datagen/data/tasks/web.yaml", "datagen/__pycache__/a.pyc"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    monkeypatch.setattr(built.emgen.schemas, "__file__", str(tmp_path / "schemas/__init__.py"))
    monkeypatch.setattr(
        built.emgen.validators, "__file__", str(tmp_path / "validators/__init__.py")
    )
    monkeypatch.setattr(built, "__file__", str(tmp_path / "datagen/_built.py"))
    fingerprint = built.code_fingerprint.__wrapped__  # type: ignore[attr-defined]
    before = fingerprint()
    (tmp_path / "datagen/__pycache__/a.pyc").write_text("recompiled")
    assert fingerprint() == before
    for name in ("validators/rules/x.yaml", "datagen/data/tasks/web.yaml", "schemas/__init__.py"):
        (tmp_path / name).write_text("edited")
        assert fingerprint() != before, name
        before = fingerprint()


def small_build(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(text)
    (folder / "sub").mkdir()
    (folder / "sub" / "x.jsonl").write_text(text * 3)
    return folder


def test_only_the_newest_entries_are_kept(tmp_path: Path) -> None:
    cache = built.BuildCache(tmp_path / "builds")
    for i in range(built.KEEP + 2):
        cache.store(f"key{i}", small_build(tmp_path / f"b{i}", f"build {i}"))
        stamp = time.time() - 1000 + i  # a clear order, whatever the clock's granularity
        os.utime(tmp_path / "builds" / f"key{i}" / "contents.json", (stamp, stamp))
    kept = sorted(p.name for p in (tmp_path / "builds").iterdir())
    assert kept == [f"key{i}" for i in range(2, built.KEEP + 2)]
    (tmp_path / "r").mkdir()
    assert cache.restore("key3", tmp_path / "r")
    assert (tmp_path / "r" / "sub" / "x.jsonl").read_text() == "build 3" * 3
    assert not cache.restore("key0", tmp_path / "r")  # pruned


def test_what_a_killed_writer_left_is_swept_at_the_next_store(tmp_path: Path) -> None:
    root = tmp_path / "builds"
    left = root / f".key0.partial-{dead_pid()}-abcd"  # a build killed while it was being kept
    small_build(left, "half")
    with subprocess.Popen(["sleep", "60"]) as writer:  # one being kept now, by a live process
        live = root / f".key1.partial-{writer.pid}-efgh"
        small_build(live, "half")
        built.BuildCache(root).store("key2", small_build(tmp_path / "b", "whole"))
        writer.kill()
    assert sorted(p.name for p in root.iterdir()) == [live.name, "key2"]


def test_a_build_that_cannot_be_kept_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "builds").write_text("a file where the folder should be")
    built.BuildCache(tmp_path / "builds").store("key", small_build(tmp_path / "b", "x"))
    err = capsys.readouterr().err
    assert err.startswith(f"warning: could not keep this build in {tmp_path / 'builds'} (")
    assert "the next rebuild of it starts from scratch" in err
