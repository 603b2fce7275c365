"""Finished builds' data, kept so that a rebuild of the same inputs copies it instead of
generating, scanning and checking it all again.

A template build's data files, manifest and validation report are a function of its inputs
alone: the config (and the inoculation file it names), `max_candidates`, emgen's code and data
below the card (schemas, validators with the rule pack, datagen with the catalog), the Semgrep
version, the Python version and every installed distribution's version (pyarrow's, say, is
written into each parquet file). The key is a hash of all of them, so a kept entry is the bytes
this code would write again; the invariant check ran on them when the entry was built. Any
change to an input is a new key, and the entry of the old one ages out: the newest `KEEP`
entries stay (a default build is about 200 MB).

Each entry is a folder of the files, written atomically like a bundle, with `contents.json`
giving every file's sha256; a restore checks them all before it copies anything, so a damaged
or edited entry is dropped with a warning and the build runs as if it were not there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from functools import cache
from importlib.metadata import distributions
from pathlib import Path, PurePosixPath

import emgen.schemas
import emgen.validators
from emgen.schemas.build import BuildConfig
from emgen.schemas.shared.bundle import is_bundle
from emgen.schemas.shared.io import (
    OutputError,
    atomic_dir,
    output_lock,
    sha256_file,
    sweep_stale,
    write_text_atomic,
)
from emgen.schemas.shared.progress import warn
from emgen.validators.scanner import semgrep_version

FOLDER_NAME = "builds"  # beside the Semgrep findings cache
KEEP = 3
_CONTENTS = "contents.json"
_LEFT = re.compile(r"\.(\w+)\.(?:partial|old)-\d+-.*")  # atomic_dir's temporary siblings


def build_key(config: BuildConfig, max_candidates: int | None) -> str | None:
    """The hash of every input of a template build's data; None where its data is not a
    function of them (a model writes it) or an input cannot be read (the build then reports
    that itself)."""
    if config.backend != "template":
        return None
    digest = hashlib.sha256()
    for part in (config.model_dump_json(), repr(max_candidates), code_fingerprint(),
                 semgrep_version(), environment()):  # fmt: skip
        digest.update(part.encode() + b"\0")
    if config.inoculation_file is not None:
        try:
            digest.update(Path(config.inoculation_file).read_bytes())
        except OSError:
            return None
    return digest.hexdigest()[:32]


@cache
def code_fingerprint() -> str:
    """Every file of the packages a build's data comes from (the card is written afresh)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent  # emgen.datagen, which is importing this module
    for root in (_folder(emgen.schemas.__file__), _folder(emgen.validators.__file__), here):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.relative_to(root.parent).as_posix()
                digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def environment() -> str:
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    return "\n".join([sys.version, *installed])


class BuildCache:
    """Entries named by `build_key`, in folder `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def restore(self, key: str, folder: Path) -> bool:
        """Copy entry `key` into `folder` (empty) after checking every file; False when there
        is none, or it is damaged (then dropped)."""
        entry = self.root / key
        try:
            contents = json.loads((entry / _CONTENTS).read_bytes())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return False  # no entry (or one a prune removed under us): build as usual
        try:
            damaged = [rel for rel, sha in contents.items()
                       if not _inside(rel) or sha256_file(entry / rel) != sha]  # fmt: skip
        except OSError:
            damaged = ["(unreadable)"]
        if damaged:
            warn(f"the kept build {entry} does not match its contents.json (first: "
                 f"{damaged[0]}); building afresh.")  # fmt: skip
            shutil.rmtree(entry, ignore_errors=True)
            return False
        try:
            for rel in contents:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(entry / rel, folder / rel)
        except OSError:
            for child in folder.iterdir():  # the caller's build starts on an empty folder
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
            return False
        os.utime(entry / _CONTENTS)  # the newest use, for the prune
        return True

    def store(self, key: str, folder: Path) -> None:
        """Keep a copy of the finished build in `folder`; a failure to keep it is a warning,
        never a failed build."""
        try:
            with atomic_dir(self.root / key, is_bundle, "a kept emgen build") as tmp:
                files = {}
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        rel = path.relative_to(folder).as_posix()
                        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(path, tmp / rel)
                        files[rel] = sha256_file(tmp / rel)
                write_text_atomic(tmp / _CONTENTS, json.dumps({"files": files}, indent=1))
            self._prune()
        except (OSError, OutputError) as exc:
            warn(f"could not keep this build in {self.root} ({exc}); the next rebuild of it "
                 "starts from scratch.")  # fmt: skip

    def _prune(self) -> None:
        """Drop all but the newest KEEP entries, and what killed writers left of any other."""
        left = {m.group(1) for p in self.root.iterdir() if (m := _LEFT.fullmatch(p.name))}
        for key in left:
            try:
                with output_lock(self.root / key):
                    sweep_stale(self.root / key)
            except OutputError:
                continue  # being written now
        entries = [p for p in self.root.iterdir() if (p / _CONTENTS).is_file()]
        entries.sort(key=lambda p: (p / _CONTENTS).stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            shutil.rmtree(old, ignore_errors=True)
            old.with_name(f".{old.name}.lock").unlink(missing_ok=True)


def _folder(module_file: str | None) -> Path:
    assert module_file is not None  # a regular package, not a namespace one
    return Path(module_file).parent


def _inside(rel: str) -> bool:
    """Whether a name from contents.json stays inside the entry (it is data read from disk)."""
    path = PurePosixPath(rel)
    return not path.is_absolute() and ".." not in path.parts and rel != _CONTENTS
