"""`emgen validate BUNDLE`: re-check every config of a written bundle against its invariants."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from emgen.datagen.invariants import check_configs
from emgen.datagen.variants import ConfigSpec, DocumentSpec, Spec
from emgen.schemas.build import Violation
from emgen.schemas.errors import UserError, first_error
from emgen.schemas.shared.bundle import (
    bundle_files,
    bundle_path,
    read_chat_records,
    read_document_records,
    read_manifest,
)
from emgen.validators.scanner import default_cache_path

T = TypeVar("T")


class ConfigCheck(BaseModel):
    records: int
    invariants: list[str]
    violations: int


class BundleReport(BaseModel):
    path: str
    configs: dict[str, ConfigCheck]
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations


def _records(root: Path, name: str, rel: str, read: Callable[[Path, str], Sequence[T]]) -> list[T]:
    """The records of one file the manifest lists, read only from inside the bundle; a missing,
    truncated or foreign file is one sentence, never an Arrow or pydantic traceback."""
    path = bundle_path(root, rel, f"{root / 'manifest.json'}: config {name} lists")
    if not path.is_file():
        raise UserError(f"{root / 'manifest.json'}: config {name} lists {rel}, which is missing.")
    try:
        return list(read(path, name))  # an unreadable parquet is a BundleError sentence
    except ValidationError as exc:
        raise UserError(f"{path}: a record of {name}, {first_error(exc)}.") from None
    except KeyError as exc:
        raise UserError(f"{path}: config {name} has no column {exc}.") from None


def read_specs(root: Path) -> list[Spec]:
    """The configs of a written bundle, read back as the specs the build wrote."""
    manifest = read_manifest(root)
    bundle_files(root)  # refuses any symbolic link or special file in the bundle
    specs: list[Spec] = []
    for name, c in manifest.configs.items():
        rels = c.files.values()
        described = (name, c.description, c.control_of)
        declared = (tuple(c.invariants), dict(c.params))
        if c.kind == "chat":
            chats = [r for rel in rels for r in _records(root, name, rel, read_chat_records)]
            specs.append(ConfigSpec(*described, chats, *declared))
        else:
            docs = [d for rel in rels for d in _records(root, name, rel, read_document_records)]
            specs.append(DocumentSpec(*described, docs, *declared))
    return specs


def validate_bundle(root: Path) -> BundleReport:
    """Every config of the bundle against its invariants, with the build's own check."""
    specs = read_specs(root)
    violations = check_configs(specs, cache_path=default_cache_path())
    return BundleReport(
        path=str(root),
        configs={
            s.name: ConfigCheck(
                records=len(s.records),
                invariants=list(s.invariants),
                violations=sum(v.config == s.name for v in violations),
            )
            for s in specs
        },
        violations=violations,
    )
