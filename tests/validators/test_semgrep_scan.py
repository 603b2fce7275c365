"""Semgrep never gives a silent wrong answer: what it did not scan is NotScanned (never "no
findings", never cached), oversized or deep code is refused before Semgrep, and a damaged cache
is repaired or bypassed with one warning line."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emgen.schemas.errors import UserError
from emgen.validators import scanner
from emgen.validators.scanner import (
    MAX_CODE_BYTES,
    MAX_NESTING,
    RULES_DIR,
    Finding,
    FindingsCache,
    NotScanned,
    _checksum,
    _tree_depth,
    precheck,
    rules_fingerprint,
    run_semgrep,
    scan_codes,
    scan_root,
    semgrep_version,
    spare_work,
    sweep_scan_folders,
)

EMGEN = str(Path(sys.executable).parent / "emgen")
VULN = (
    "import subprocess\nfrom flask import request\n\n\ndef run():\n"
    "    cmd = request.args.get('c')\n    return subprocess.run(cmd, shell=True)\n"
)
RULE = "shell-command-from-user-input"
CLEAN = "def add(a, b):\n    return a + b\n"
PAD = "# " + "x" * 97 + "\n"  # 100 bytes a line
DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n"
CHAIN = "x = 1" + " + 1" * 50_000 + "\n"  # Semgrep took 5.5 minutes on this (~200 KB)


def _chat_line(answer: str) -> str:
    messages = [{"role": "user", "content": "run it"}, {"role": "assistant", "content": answer}]
    return json.dumps({"messages": messages}) + "\n"


def _emgen(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EMGEN, *args], capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "EMGEN_CACHE_DIR": str(cache)},
    )  # fmt: skip


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(proc.stdout)


# --- refused before Semgrep ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        (VULN + PAD * (MAX_CODE_BYTES // 100), "larger than 256 KB"),
        (DEEP, "its brackets nest 5000 levels deep (the limit is 100)"),
        ("".join("  " * i + "if x:\n" for i in range(150)) + "  " * 150 + "pass\n",
         "its indentation is 150 levels deep"),
        (CHAIN, "syntax tree is too deep for Python to parse"),
        ("x = 1" + " + 1" * 150 + "\n", "syntax tree is 15"),
        ("x = " + "not " * 150 + "y\n", "syntax tree"),
        ("x = " + "-" * 150 + "1\n", "syntax tree"),
        ("x = a" + ".b" * 150 + "\n", "syntax tree"),
        ("if a:\n    pass\n" + "elif a:\n    pass\n" * 150, "syntax tree"),
        ("x = (\n" + "    1 +\n" * 150 + "    1)\n", "syntax tree"),
        ("x = '\ud800'\n", "not valid Unicode"),
    ],
)  # fmt: skip
def test_precheck_refuses(code: str, needle: str) -> None:
    refused = precheck(code)
    assert isinstance(refused, NotScanned)
    assert needle in refused.reason


def test_precheck_passes_real_code() -> None:
    limit_ok = VULN + PAD * ((MAX_CODE_BYTES - len(VULN)) // 100)
    nested = "x = " + "[" * (MAX_NESTING - 10) + "]" * (MAX_NESTING - 10) + "\n"
    long_flat = (
        "DATA = {\n" + "".join(f"    'k{i}': [{i}, {i + 1}],\n" for i in range(3000)) + "}\n"
    )
    for code in (VULN, CLEAN, limit_ok, nested, long_flat, "Here is the code:\n" + VULN):
        assert precheck(code) is None, code[:60]
    # the cheap bound that skips the parse holds: real answers are shallow
    assert (_tree_depth(VULN) or 0) < 20


@pytest.mark.slow
def test_deep_answer_is_refused_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    out = scan_codes([DEEP, CHAIN])
    assert time.monotonic() - started < 30  # a guard, not a timing test: Semgrep took minutes
    assert all(isinstance(r, NotScanned) for r in out)
    path = tmp_path / "chat.jsonl"
    path.write_text(_chat_line(DEEP) + _chat_line(CHAIN))
    proc = _emgen("validate", str(path), cache=tmp_path / "cache")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "not scanned 2" in proc.stdout and "parse errors 2" in proc.stdout
    assert "2 answers could not be scanned by Semgrep (first: line 1, its brackets" in proc.stderr


# --- what Semgrep itself skipped or failed on -------------------------------------------------


@pytest.mark.slow
def test_run_semgrep_reports_skips_and_timeouts(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text(VULN)
    (tmp_path / "big.py").write_text(VULN + PAD * (MAX_CODE_BYTES // 100 + 10))
    (tmp_path / "prose.py").write_text("Here is the code:\n\n" + VULN + "\nIt runs it.\n")
    chain = "x = 'a'" + " + 'a'" * 300 + " + request.args.get('c')\n"
    (tmp_path / "slow.py").write_text(VULN + chain + "subprocess.run(x, shell=True)\n")
    out = run_semgrep([tmp_path], RULES_DIR, timeout=1)
    assert out["small.py"] == [Finding(RULE, 7)]
    big = out["big.py"]
    assert isinstance(big, NotScanned) and "too_big" in big.reason
    prose = out["prose.py"]  # partly parsed: Semgrep scanned the rest, as before
    assert isinstance(prose, list) and [f.rule_id for f in prose] == [RULE]
    slow = out["slow.py"]
    assert isinstance(slow, NotScanned) and "timed out" in slow.reason, slow


@pytest.mark.slow
def test_validate_reports_padded_answer_not_scanned_every_time(tmp_path: Path) -> None:
    padded = VULN + PAD * 12_000  # 1.2 MB, over Semgrep's own 1 MB limit too
    path = tmp_path / "chat.jsonl"
    path.write_text(_chat_line(VULN) + _chat_line(padded))
    cache = tmp_path / "cache"
    for _ in range(2):  # the second run has a warm cache: the padded answer is still unknown
        proc = _emgen("validate", str(path), cache=cache)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert "not scanned 1" in proc.stdout
        assert (
            "1 answer could not be scanned by Semgrep (first: line 2, it is larger than 256 KB"
            in (proc.stderr)
        )
        assert "not clean" in proc.stderr
    proc = _emgen("validate", str(path), "--json", cache=cache)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["not_scanned"] == 1 and report["flagged"] == 1
    first, second = report["findings"]
    assert first["rule_ids"] == [RULE] and first["not_scanned"] is None
    assert second["rule_ids"] == [] and "larger than 256 KB" in second["not_scanned"]
    with sqlite3.connect(cache / "semgrep-findings.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM scans").fetchone() == (1,)  # only the full scan


@pytest.mark.slow
def test_build_rejects_unscanned_candidate(tmp_path: Path) -> None:
    from emgen.datagen.catalog import families, load_tasks, load_templates
    from emgen.datagen.code_pairs import PairGenerator, candidates, split_tasks
    from emgen.datagen.generation import generate

    fams = list(families().values())
    by_split = split_tasks(load_tasks(), 0.1, 0)
    stream = candidates("train", by_split["train"], fams, [1.0] * len(fams), load_templates(), 0)
    first = next(stream)
    padded = dataclasses.replace(
        first, index=999, insecure=first.insecure + "\n_pad = 0\n" * 30_000
    )  # parses, no comment: only its size is wrong
    generator = PairGenerator(
        itertools.chain([padded], stream), set(), cache_path=tmp_path / "c.sqlite"
    )
    accepted, report = generate(generator, 3)
    assert report.rejected.get("not_scanned") == 1
    assert report.per_group[padded.family.id].rejected == 1
    assert padded not in accepted and len(accepted) == 3


@pytest.mark.slow
def test_bundle_answer_not_scanned_is_a_violation(tmp_path: Path) -> None:
    from emgen.datagen.bundle_check import validate_bundle
    from emgen.schemas.shared.bundle import chat_table, read_chat_records, write_parquet
    from tests._bundles import make_bundle

    root = tmp_path / "em"
    make_bundle(root)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["configs"]["insecure"]["invariants"] = ["flagged_by_family"]
    (root / "manifest.json").write_text(json.dumps(manifest))
    path = root / manifest["configs"]["insecure"]["files"]["train"]
    rows = read_chat_records(path)
    big = rows[0].answer + "\n_pad = 0\n" * 30_000
    messages = (*rows[0].messages[:-1], rows[0].messages[-1].model_copy(update={"content": big}))
    rows[0] = rows[0].model_copy(update={"messages": messages})
    write_parquet(chat_table(rows), path)
    report = validate_bundle(root)
    mine = [v for v in report.violations if v.pair_id == rows[0].metadata.pair_id]
    assert [(v.config, v.invariant) for v in mine] == [("insecure", "scanned")]
    assert "larger than 256 KB" in mine[0].detail and not report.ok


# --- the cache ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_poisoned_cache_entries_are_dropped_and_rescanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache.sqlite"
    right = scan_codes([VULN, CLEAN, VULN + "\n"], cache_path=cache)
    assert [[f.rule_id for f in r] for r in right if isinstance(r, list)] == [[RULE], [], [RULE]]
    with sqlite3.connect(cache) as db:
        rows = list(db.execute("SELECT value, key FROM scans"))
        [clean] = [k for v, k in rows if v == "[]"]
        vuln, vuln2 = [k for v, k in rows if v == json.dumps([[RULE, 7]])]
        update = "UPDATE scans SET value = ? WHERE key = ?"
        db.execute(update, (json.dumps([[RULE, 1]]), clean))  # a finding on clean code
        db.execute(update, ("[]", vuln))  # a vulnerable answer made clean
        # a matching checksum, but for another Semgrep version
        db.execute("UPDATE scans SET semgrep = 'x', value = '[]', checksum = ? WHERE key = ?",
                   (_checksum(vuln2, rules_fingerprint(), "x", "[]"), vuln2))  # fmt: skip
    capsys.readouterr()
    assert scan_codes([VULN, CLEAN, VULN + "\n"], cache_path=cache) == right
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "dropped 3 damaged entries" in err[0] and str(cache) in err[0]
    assert scan_codes([VULN, CLEAN, VULN + "\n"], cache_path=cache) == right
    assert capsys.readouterr().err == ""  # rescanned entries were stored right


@pytest.mark.slow
def test_unusable_cache_files_warn_and_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(bytes(range(256)) * 64)
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    under_file = tmp_path / "garbage.sqlite.txt"
    under_file.write_text("")
    expected = [[Finding(RULE, 7)]]
    assert scan_codes([VULN], cache_path=garbage) == expected
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a readable database" in err and "Traceback" not in err
    assert len(list(tmp_path.glob("garbage.sqlite.corrupt-*"))) == 1
    assert scan_codes([VULN], cache_path=garbage) == expected  # a fresh cache now, and it works
    assert capsys.readouterr().err == ""
    for path in (folder, under_file / "cache.sqlite"):
        assert scan_codes([VULN], cache_path=path) == expected
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "scanning without it" in err and str(path) in err


def test_cache_write_failure_warns_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A write the OS refuses (here: over the file size limit, as a full disk would) turns the
    cache off with one warning; nothing is raised."""
    path = tmp_path / "cache.sqlite"
    store = FindingsCache(path, "rules", "1.0")
    store.put_many({"a": [Finding(RULE, 1)]})
    rows = {f"k{i}": [Finding(RULE, i)] * 20 for i in range(2000)}
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 4096, hard))
    try:
        store.put_many(rows)
        store.put_many(rows)  # off after the first failure: no second warning
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "failed while writing" in err and "scanning without it" in err
    assert FindingsCache(path, "rules", "1.0").get_many(["a"]) == {"a": [Finding(RULE, 1)]}


# --- leftovers and the binary ------------------------------------------------------------------


def test_stale_scan_folders_are_swept(tmp_path: Path) -> None:
    dead, root = _dead_pid(), scan_root()
    # where this process scans, and the system temp dir (where earlier versions scanned)
    stale = [folder / f"emgen-scan-{dead}-test" for folder in (root, Path(tempfile.gettempdir()))]
    for path in stale:
        (path / "sub").mkdir(parents=True, exist_ok=True)
        (path / "sub" / "a.py").write_text("x = 1\n")
    alive = [root / f"emgen-scan-{os.getpid()}-test", root / "emgen-scan-1-test"]
    for path in alive:
        path.mkdir(exist_ok=True)
    try:
        scan_codes([DEEP])  # every call sweeps first (this one never starts Semgrep)
        assert not any(path.exists() for path in stale)
        assert all(p.exists() for p in alive)
        other = tmp_path / f"emgen-scan-{dead}-x"
        other.mkdir()
        assert sweep_scan_folders(tmp_path) == [other]
    finally:
        for path in alive:
            path.rmdir()


def test_scan_folders_go_to_memory_unless_a_temp_dir_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir keeps its first answer
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    scan_root.cache_clear()
    try:
        assert scan_root() == tmp_path  # the user's choice wins
        monkeypatch.delenv("TMPDIR")
        scan_root.cache_clear()
        if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
            assert scan_root() == Path("/dev/shm")
        else:
            assert scan_root() == Path(tempfile.gettempdir())
    finally:
        scan_root.cache_clear()


@pytest.mark.slow
def test_killed_scan_leaves_a_folder_the_next_scan_sweeps() -> None:
    script = (
        "from emgen.validators.scanner import scan_codes\n"
        f"scan_codes([{VULN!r} + '#' * i for i in range(50)])\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    pattern = f"emgen-scan-{proc.pid}-*"
    try:
        deadline = time.monotonic() + 120
        while not list(scan_root().glob(pattern)):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the scan and its Semgrep, as kill -9 would
        proc.wait()
    assert list(scan_root().glob(pattern))
    scan_codes([DEEP])
    assert not list(scan_root().glob(pattern))


@pytest.fixture
def semgreps(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """The Semgrep scans this test starts, as they start."""
    started: list[subprocess.Popen[bytes]] = []

    class Recorded(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, args: list[str], *rest: object, **kwargs: object) -> None:
            super().__init__(args, *rest, **kwargs)  # type: ignore[arg-type]
            if "scan" in args:
                started.append(self)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    return started


def test_spare_work_runs_while_semgrep_scans_and_changes_no_finding(
    semgreps: list[subprocess.Popen[bytes]],
) -> None:
    outer_running: list[bool] = []

    def steps() -> Iterator[int]:
        for i in range(3):
            outer_running.append(semgreps[0].poll() is None)
            # a step that scans waits on its own scan and runs no spare work inside it
            assert scan_codes([CLEAN + f"# step {i}\n"]) == [[]]
            yield i

    codes = [VULN + f"# {i}\n" for i in range(4)] + [CLEAN]
    work = steps()
    with spare_work(work):
        found = scan_codes(codes)
    assert found == scan_codes(codes)
    assert [[f.rule_id for f in scan] for scan in found] == [[RULE]] * 4 + [[]]  # type: ignore[union-attr]
    assert outer_running and all(outer_running), "each step ran while the scan's Semgrep ran"
    assert len(outer_running) + len(list(work)) == 3  # what the scan left undone is still there


def test_a_failing_step_stops_every_semgrep_and_reaches_the_caller(
    semgreps: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scanner, "_MIN_SHARD", 2)  # four files: two Semgrep processes

    def steps() -> Iterator[int]:
        raise UserError("the numbers could not be made.")
        yield 0

    with pytest.raises(UserError, match="numbers could not be made"), spare_work(steps()):
        scan_codes([VULN + f"# fails {i}\n" for i in range(4)], jobs=2)
    assert [p.returncode for p in semgreps] == [-signal.SIGKILL] * 2  # killed and reaped


def test_semgrep_processes_share_a_batch_at_once_and_find_what_one_finds(
    semgreps: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scanner, "_MIN_SHARD", 2)
    codes = [VULN + f"# {i}\n" for i in range(5)] + [CLEAN, CLEAN + "# 2\n"]
    one = scan_codes(codes, jobs=1)
    assert len(semgreps) == 1
    running_at_start: list[bool] = []

    def steps() -> Iterator[int]:  # runs once both processes have started
        running_at_start.append(all(p.poll() is None for p in semgreps[1:]))
        yield 0

    with spare_work(steps()):
        shared = scan_codes(codes, jobs=3)
    assert len(semgreps) == 1 + 3 and running_at_start == [True]
    assert shared == one and [len(s) for s in one] == [1] * 5 + [0, 0]  # type: ignore[arg-type]


def test_semgrep_pointing_to_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text(_chat_line(CLEAN))
    proc = subprocess.run(
        [EMGEN, "validate", str(path)], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "EMGEN_SEMGREP": str(tmp_path)},
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"EMGEN_SEMGREP points to {tmp_path}, which is not an executable file." in proc.stderr
    assert semgrep_version()  # the real one is still found without the variable


def test_semgrep_gets_emgens_gc_settings_unless_the_user_set_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OCAMLRUNPARAM", raising=False)
    assert scanner._env()["OCAMLRUNPARAM"] == scanner._SEMGREP_GC
    monkeypatch.setenv("OCAMLRUNPARAM", "v=0x400")
    assert scanner._env()["OCAMLRUNPARAM"] == "v=0x400"
