"""Batch Semgrep scanning with a content-hash cache.

Semgrep starts slowly (seconds per invocation), so every scan writes all uncached targets into
one temporary folder outside any git work tree (inside one, Semgrep scans tracked files only)
and scans them in a few large invocations with parallel jobs. Findings are cached by
sha256(rules, semgrep version, code), so a rebuild does not rescan.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from emgen.schemas.errors import UserError

RULES_DIR = Path(__file__).parent / "rules"
_OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


class SemgrepError(UserError):
    """Semgrep is missing or failed; the message is one sentence for the user."""


@dataclass(frozen=True)
class Finding:
    rule_id: str
    line: int


def semgrep_binary() -> str:
    """$EMGEN_SEMGREP if set, else the semgrep next to this interpreter (a venv used without
    activation), else the one on PATH."""
    chosen = os.environ.get("EMGEN_SEMGREP")
    if chosen:
        if not os.access(chosen, os.X_OK):
            raise SemgrepError(
                f"EMGEN_SEMGREP points to {chosen}, which is not an executable file."
            )
        return chosen
    beside = Path(sys.executable).parent / "semgrep"
    if beside.exists():
        return str(beside)
    found = shutil.which("semgrep")
    if found is None:
        raise SemgrepError(
            "semgrep is not installed: install emgen with pip (it depends on semgrep) "
            "or put a semgrep binary on PATH."
        )
    return found


@cache
def semgrep_version() -> str:
    out = subprocess.run(
        [semgrep_binary(), "--version"], capture_output=True, text=True, env=_env(), check=False
    )
    if out.returncode != 0:
        raise SemgrepError(f"semgrep --version failed: {out.stderr.strip()[:200]}")
    return out.stdout.strip()


def rules_fingerprint(rules: Path = RULES_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(rules.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def default_cache_path() -> Path:
    base = os.environ.get("EMGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "emgen"
    )
    return Path(base) / "semgrep-findings.sqlite"


def _env() -> dict[str, str]:
    return {**os.environ, **_OFFLINE_ENV}


class FindingsCache:
    """sqlite map from content key to findings; safe to share between processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS findings (key TEXT PRIMARY KEY, value TEXT)")

    def get_many(self, keys: Sequence[str]) -> dict[str, list[Finding]]:
        found: dict[str, list[Finding]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(
                f"SELECT key, value FROM findings WHERE key IN ({marks})", chunk
            ):
                found[key] = [Finding(rule_id=r, line=n) for r, n in json.loads(value)]
        return found

    def put_many(self, items: dict[str, list[Finding]]) -> None:
        rows = [(k, json.dumps([[f.rule_id, f.line] for f in v])) for k, v in items.items()]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()


@contextmanager
def open_cache(path: Path | None) -> Iterator[FindingsCache | None]:
    if path is None:
        yield None
        return
    store = FindingsCache(path)
    try:
        yield store
    finally:
        store.close()


def run_semgrep(target_dir: Path, rules: Path, jobs: int) -> dict[str, list[Finding]]:
    """One plain invocation over a folder; returns findings by file name."""
    cmd = [
        semgrep_binary(), "scan", "--config", str(rules), "--metrics=off",
        "--disable-version-check", "--json", "--quiet", "--no-git-ignore",
        "--jobs", str(jobs), "--timeout", "30", str(target_dir),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), check=False)
    if proc.returncode not in (0, 1):
        raise SemgrepError(
            f"semgrep exited with status {proc.returncode}: {proc.stderr.strip()[-300:]}"
        )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise SemgrepError(f"semgrep printed no JSON report ({exc})") from exc
    by_file: dict[str, list[Finding]] = {}
    for result in report.get("results", []):
        rule_id = result["check_id"].rsplit(".", 1)[-1]
        by_file.setdefault(Path(result["path"]).name, []).append(
            Finding(rule_id=rule_id, line=result["start"]["line"])
        )
    return by_file


def scan_codes(
    codes: Sequence[str],
    *,
    rules: Path = RULES_DIR,
    cache_path: Path | None = None,
    jobs: int | None = None,
    batch_size: int = 4000,
    progress: Callable[[int], None] | None = None,
) -> list[list[Finding]]:
    """Findings for each code string, in order. Identical strings are scanned once."""
    jobs = jobs or max(1, os.cpu_count() or 1)
    prefix = f"{rules_fingerprint(rules)}:{semgrep_version()}:".encode()
    keys = [hashlib.sha256(prefix + code.encode()).hexdigest() for code in codes]
    unique: dict[str, str] = dict(zip(keys, codes, strict=True))
    with open_cache(cache_path) as store:
        known = store.get_many(list(unique)) if store else {}
        if progress:
            progress(sum(1 for k in keys if k in known))
        todo = [k for k in unique if k not in known]
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            with tempfile.TemporaryDirectory(prefix="emgen-scan-") as tmp:
                for key in batch:
                    Path(tmp, f"{key}.py").write_text(unique[key], encoding="utf-8")
                by_file = run_semgrep(Path(tmp), rules, jobs)
            fresh = {
                key: sorted(by_file.get(f"{key}.py", []), key=lambda f: (f.line, f.rule_id))
                for key in batch
            }
            known.update(fresh)
            if store:
                store.put_many(fresh)
            if progress:
                progress(sum(1 for k in keys if k in fresh))
    return [known[k] for k in keys]


@cache
def rule_families(rules: Path = RULES_DIR) -> dict[str, str]:
    """Rule id -> family id, from each rule's metadata."""
    out: dict[str, str] = {}
    for path in sorted(rules.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            out[rule["id"]] = rule["metadata"]["family"]
    return out


def families_flagged(
    codes: Sequence[str], *, cache_path: Path | None = None
) -> list[frozenset[str]]:
    """For each code string, the families whose rules fire on it."""
    families = rule_families()
    return [
        frozenset(families.get(f.rule_id, "unknown") for f in hits)
        for hits in scan_codes(codes, cache_path=cache_path)
    ]
