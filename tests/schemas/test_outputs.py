"""Outputs: nothing of the user's is replaced or lost, nothing is left behind, modes follow umask."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from emgen.cards import build_bundle
from emgen.datagen import build as build_module
from emgen.datagen import cli
from emgen.schemas.build import BuildConfig
from emgen.schemas.shared import io as shared_io
from emgen.schemas.shared.bundle import is_bundle, write_parquet
from emgen.schemas.shared.io import (
    OutputError,
    atomic_dir,
    atomic_file,
    current_umask,
    output_lock,
    refuse_overwrite,
    sweep_stale,
)
from tests._bundles import make_bundle

EMGEN = str(Path(sys.executable).parent / "emgen")
LINE = json.dumps({"messages": [{"role": "user", "content": "hi"},
                                {"role": "assistant", "content": "x = 1"}]}) + "\n"  # fmt: skip
SMALL = ["--n", "60", "--dialogues", "10", "--documents", "6", "-q"]


def digests(root: Path) -> dict[str, str]:
    """Every file under `root` (hidden ones too) by relative path, with its SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def extension(root: Path) -> Path:
    """A browser extension: a folder with a manifest.json that is not emgen's."""
    root.mkdir(parents=True)
    (root / "manifest.json").write_text('{"manifest_version": 3, "name": "tabs", "version": "1"}')
    (root / "background.js").write_text("chrome.tabs.query({}, console.log);\n")
    (root / "popup.html").write_text("<p>tabs</p>\n")
    return root


def emgen(*args: str, cwd: Path | None = None, umask: int | None = None,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        [EMGEN, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
        env={**os.environ, **(env or {})},
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),  # noqa: PLW1509
    )  # fmt: skip


def one_sentence(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def bundle_bytes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real bundle (emgen's own writers), to copy as an earlier output."""
    root = tmp_path_factory.mktemp("made") / "em"
    make_bundle(root, n=12)
    return root


def copy_bundle(source: Path, to: Path) -> Path:
    for path in source.rglob("*"):
        if path.is_file():
            (to / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (to / path.relative_to(source)).write_bytes(path.read_bytes())
    return to


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


# --- 1. only a provable earlier output is replaced ---------------------------------------------


def test_build_refuses_a_browser_extension_folder(tmp_path: Path) -> None:
    ext = extension(tmp_path / "work" / "ext")
    before = digests(ext)
    proc = emgen("build", "--out", str(ext), *SMALL, env={"EMGEN_CACHE_DIR": str(tmp_path / "c")})
    one_sentence(proc, str(ext), "not an emgen bundle")
    assert digests(ext) == before
    assert sorted(p.name for p in ext.parent.iterdir()) == ["ext"]  # no partial, no lock


def test_a_bundle_is_replaced_a_lookalike_is_not(bundle_bytes: Path, tmp_path: Path) -> None:
    old = copy_bundle(bundle_bytes, tmp_path / "em")
    assert is_bundle(old)
    with atomic_dir(old, is_bundle, "an emgen bundle") as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in old.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["em"]

    ext = extension(tmp_path / "ext")
    lookalike = copy_bundle(bundle_bytes, tmp_path / "lookalike")
    manifest = json.loads((lookalike / "manifest.json").read_text())
    del manifest["configs"]  # emgen-ish, but not a manifest emgen wrote
    (lookalike / "manifest.json").write_text(json.dumps(manifest))
    for folder in (ext, lookalike):
        before = digests(folder)
        assert not is_bundle(folder)
        refused = pytest.raises(OutputError, match="not empty and is not an emgen bundle")
        with refused, atomic_dir(folder, is_bundle, "an emgen bundle"):
            pytest.fail("the body must not run")
        assert digests(folder) == before


def test_build_bundle_refuses_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        pytest.fail("generation started before the output was checked")

    monkeypatch.setattr(build_module, "generate_pairs", never)
    ext = extension(tmp_path / "ext")
    with pytest.raises(OutputError, match="not an emgen bundle"):
        build_bundle(BuildConfig(n=10), ext)


def test_a_symlink_or_file_out_is_refused(tmp_path: Path) -> None:
    target = extension(tmp_path / "real")
    (tmp_path / "link").symlink_to(target)
    (tmp_path / "file").write_text("mine")
    for name, why in (("link", "symbolic link"), ("file", "not a folder")):
        with pytest.raises(OutputError, match=why), atomic_dir(tmp_path / name, bool, "x"):
            pytest.fail("the body must not run")
    assert (tmp_path / "file").read_text() == "mine"
    assert (tmp_path / "link").resolve() == target


def test_finetune_outputs_are_recognised_by_their_contents(tmp_path: Path) -> None:
    from emgen.finetune.config import TrainConfig
    from emgen.finetune.models import is_model_folder
    from emgen.finetune.train import OUTPUT_MARKER, is_training_output

    ext = extension(tmp_path / "ext")
    assert not is_model_folder(ext) and not is_training_output(ext)
    (ext / "config.json").write_text('{"model_type": "llama"}')
    (ext / OUTPUT_MARKER).write_text("model: tiny\n")  # no data: not a TrainConfig
    assert is_model_folder(ext) and not is_training_output(ext)
    (ext / OUTPUT_MARKER).write_text(json.dumps(TrainConfig(data="b").model_dump(mode="json")))
    assert is_training_output(ext)


# --- 2. an output is never an input ------------------------------------------------------------


def test_refuse_overwrite_sees_through_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data.jsonl"
    data.write_text(LINE)
    (tmp_path / "soft.jsonl").symlink_to(data)
    os.link(data, tmp_path / "hard.jsonl")
    (tmp_path / "sub").mkdir()
    for same in ("data.jsonl", "./sub/../data.jsonl", "soft.jsonl", "hard.jsonl"):
        with pytest.raises(OutputError, match="is the input"):
            refuse_overwrite(Path(same), data, option="--findings")
    with pytest.raises(OutputError, match="--findings sub is a folder"):
        refuse_overwrite(Path("sub"), data, option="--findings")
    refuse_overwrite(Path("other.json"), data, option="--findings")  # a new file is fine
    assert data.read_text() == LINE


def test_validate_findings_never_overwrites_the_input(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(LINE)
    os.link(data, tmp_path / "hard.jsonl")
    for findings in (data, tmp_path / "hard.jsonl"):
        one_sentence(emgen("validate", str(data), "--findings", str(findings)), "is the input")
    one_sentence(emgen("validate", str(data), "--findings", str(tmp_path)), "is a folder")
    assert data.read_text() == LINE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl", "hard.jsonl"]


def test_mix_never_overwrites_an_input(tmp_path: Path) -> None:
    docs, corpus = tmp_path / "docs.jsonl", tmp_path / "corpus.jsonl"
    docs.write_text('{"text": "a"}\n')
    corpus.write_text('{"text": "b"}\n')
    one_sentence(emgen("mix", str(docs), str(corpus), str(corpus)), "is the input")
    assert corpus.read_text() == '{"text": "b"}\n'


# --- 3. atomic writes, locks, sweeping ---------------------------------------------------------


def test_atomic_file_leaves_nothing_when_the_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(shared_io.os, "replace", refuse)
    with pytest.raises(PermissionError), atomic_file(target) as tmp:
        tmp.write_text("x" * 70_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    assert target.read_text() == "previous\n"


def test_inoculate_into_a_folder_is_one_sentence(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text(LINE * 500)
    (tmp_path / "dest").mkdir()
    one_sentence(emgen("inoculate", str(source), str(tmp_path / "dest"), "--text", "Be safe."),
                 "is a folder")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "dest"]
    assert list((tmp_path / "dest").iterdir()) == []


def test_a_failed_body_leaves_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with atomic_dir(out, lambda p: True, "x") as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(out, lambda p: True, "x") as tmp:
        (tmp / "a").write_text("2")
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError), atomic_file(tmp_path / "f") as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert (out / "a").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_special_file_is_written_in_place() -> None:
    with atomic_file(Path(os.devnull)) as tmp:
        assert tmp == Path(os.devnull)
        tmp.write_text("ignored")


def test_the_lock_refuses_a_second_writer_and_names_the_first(tmp_path: Path) -> None:
    out = tmp_path / "em"
    with output_lock(out):
        with pytest.raises(OutputError) as caught, atomic_dir(out, lambda p: True, "x"):
            pytest.fail("two writers at once")
        assert str(out) in str(caught.value) and f"pid {os.getpid()}" in str(caught.value)
        with pytest.raises(OutputError, match="another emgen process"), atomic_file(out):
            pass
    assert list(tmp_path.iterdir()) == []  # the lock file goes with the lock


def test_a_lock_file_left_by_a_dead_process_does_not_block(tmp_path: Path) -> None:
    (tmp_path / ".f.json.lock").write_text(f"{dead_pid()}\n")
    with atomic_file(tmp_path / "f.json") as tmp:
        tmp.write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]


@pytest.mark.slow  # two real `emgen build` processes, about 10 s
def test_two_builds_to_one_out_the_second_refuses(tmp_path: Path) -> None:
    env = {**os.environ, "EMGEN_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.Popen([EMGEN, "build", "--out", "em", *SMALL], cwd=tmp_path, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        lock = tmp_path / ".em.lock"
        deadline = time.monotonic() + 120
        while not (lock.is_file() and lock.read_text().strip()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = emgen("build", "--out", "em", *SMALL, cwd=tmp_path, env=env)
        one_sentence(second, str(tmp_path / "em"), f"pid {first.pid}")
    finally:
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=120)
    assert first.returncode == 143, err
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == []


def test_stale_leftovers_of_dead_writers_are_swept(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    dead = dead_pid()
    zombie = subprocess.Popen(["true"])
    while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)  # exited, not yet reaped
    stale = [f".em.partial-{dead}-abc", f".em.old-{dead}-def", f".em.partial-{zombie.pid}-x"]
    kept = [f".em.partial-{sleeper.pid}-live", ".em.partial-8b83681d", ".emx.partial-1-a", "em"]
    for name in stale + kept:
        (tmp_path / name).mkdir()
        (tmp_path / name / "half.parquet").write_text("half")
    (tmp_path / f".em.json.partial-{dead}-q.json").write_text("half")  # another output's
    sweep_stale(tmp_path / "em")
    zombie.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*kept, f".em.json.partial-{dead}-q.json"]
    )
    with atomic_file(tmp_path / "em.json") as tmp:  # the next writer of an output sweeps
        tmp.write_text("{}")
    assert not (tmp_path / f".em.json.partial-{dead}-q.json").exists()


def test_a_writer_killed_between_its_renames_gets_its_output_back(
    bundle_bytes: Path, tmp_path: Path
) -> None:
    aside = copy_bundle(bundle_bytes, tmp_path / f".em.old-{dead_pid()}-1234")
    before = digests(aside)
    (tmp_path / f".em.partial-{dead_pid()}-5678").mkdir()
    sweep_stale(tmp_path / "em")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["em"]
    assert digests(tmp_path / "em") == before


# --- 4. modes follow the umask -----------------------------------------------------------------

_WRITE = """
import sys
from pathlib import Path
from emgen.schemas.shared.io import atomic_dir, atomic_file, current_umask
root = Path(sys.argv[1])
with atomic_dir(root / "d", lambda p: True, "x") as tmp:
    (tmp / "sub").mkdir()
    (tmp / "sub" / "f").write_text("x")
with atomic_file(root / "f.json") as tmp:
    tmp.write_text("{}")
print(oct(current_umask()))
"""


@pytest.mark.parametrize(
    ("umask", "folder", "file"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)]
)
def test_outputs_follow_the_umask(tmp_path: Path, umask: int, folder: int, file: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _WRITE, str(tmp_path)], capture_output=True, text=True,
        preexec_fn=lambda: os.umask(umask), check=True,  # noqa: PLW1509
    )  # fmt: skip
    assert proc.stdout.strip() == oct(umask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.rglob("*")}
    assert modes == {"d": folder, "sub": folder, "f": file, "f.json": file}
    (tmp_path / "in.jsonl").write_text(LINE)
    proc2 = emgen("inoculate", str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"),
                  "--text", "Be safe.", umask=umask)  # fmt: skip
    assert proc2.returncode == 0, proc2.stderr
    assert (tmp_path / "out.jsonl").stat().st_mode & 0o777 == file


def test_current_umask_reads_without_changing_it() -> None:
    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(old)


# --- 5. disk full ------------------------------------------------------------------------------


def test_disk_full_in_a_writer_is_one_sentence_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        Path(str(args[1])).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("emgen.schemas.shared.bundle.pq.write_table", full)
    target = tmp_path / "x" / "train.parquet"
    with pytest.raises(OutputError, match=re.escape(f"on the device while writing {target};")):
        write_parquet(pa.table({"a": [1]}), target)
    assert list((tmp_path / "x").iterdir()) == []


def test_disk_full_during_a_build_keeps_the_previous_bundle(
    bundle_bytes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = copy_bundle(bundle_bytes, tmp_path / "em")
    before = digests(out)
    monkeypatch.setattr(build_module, "generate_pairs", full)
    with pytest.raises(OutputError) as caught:
        build_bundle(BuildConfig(n=10), out, use_cache=False)
    assert str(caught.value) == (
        f"no space left on the device while writing {out}; {out} was left as it was."
    )
    assert digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["em"]


@pytest.fixture
def handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def test_main_reports_disk_full_anywhere_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], handlers: None
) -> None:
    def full(**_: object) -> None:  # called as app(prog_name=...)
        raise OSError(errno.ENOSPC, "No space left on device", "/cache/findings.sqlite")

    monkeypatch.setattr(cli, "app", full)
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err == "error: no space left on the device while writing /cache/findings.sqlite.\n"
