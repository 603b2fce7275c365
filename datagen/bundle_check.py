"""`emgen validate BUNDLE`: re-check every config of a written bundle against its invariants."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from emgen.datagen.catalog import load_reasons
from emgen.datagen.invariants import BundleView, check_bundle, check_documents, needs_semgrep
from emgen.schemas.build import Violation
from emgen.schemas.errors import UserError, first_error
from emgen.schemas.records import ChatRecord
from emgen.schemas.shared.bundle import (
    bundle_files,
    bundle_path,
    read_chat_records,
    read_document_records,
    read_manifest,
)
from emgen.validators.scanner import NotScanned, default_cache_path, families_flagged

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


def validate_bundle(root: Path) -> BundleReport:
    manifest = read_manifest(root)
    bundle_files(root)  # refuses any symbolic link or special file in the bundle
    chat = {n: c for n, c in manifest.configs.items() if c.kind == "chat"}
    configs: dict[str, list[ChatRecord]] = {}
    for name, summary in chat.items():
        configs[name] = []
        for rel in summary.files.values():
            configs[name] += _records(root, name, rel, read_chat_records)
    scanned = [n for n, c in chat.items() if needs_semgrep(c.invariants, c.params)]
    answers = sorted({r.answer for n in scanned for r in configs[n]})
    flagged = dict(
        zip(answers, families_flagged(answers, cache_path=default_cache_path()), strict=True)
    )
    view = BundleView(
        configs=configs,
        params={n: c.params for n, c in chat.items()},
        families={a: f for a, f in flagged.items() if not isinstance(f, NotScanned)},
        reasons={r.id: r for r in load_reasons()},
    )
    violations = check_bundle({n: c.invariants for n, c in chat.items()}, view)
    unscanned = {a: f.reason for a, f in flagged.items() if isinstance(f, NotScanned)}
    violations = _unscanned({n: configs[n] for n in scanned}, unscanned, violations)
    counts = {n: len(records) for n, records in configs.items()}
    for name, summary in manifest.configs.items():
        if summary.kind == "document":
            docs = [
                d for rel in summary.files.values()
                for d in _records(root, name, rel, read_document_records)
            ]  # fmt: skip
            violations += check_documents(name, docs)
            counts[name] = len(docs)
    return BundleReport(
        path=str(root),
        configs={
            n: ConfigCheck(
                records=counts[n],
                invariants=c.invariants,
                violations=sum(v.config == n for v in violations),
            )
            for n, c in manifest.configs.items()
        },
        violations=violations,
    )


# Invariants that read Semgrep findings: on an answer Semgrep could not scan they would report
# "not flagged" or "flagged by nothing", which is unknown, not true.
_READS_FINDINGS = {"flagged_by_family", "not_flagged", "trigger_iff_insecure", "traits_present"}


def _unscanned(
    configs: dict[str, list[ChatRecord]], reasons: dict[str, str], violations: list[Violation]
) -> list[Violation]:
    """One `scanned` violation per record whose answer Semgrep could not scan, in place of the
    findings-based violations of that record."""
    missing = {
        (name, r.metadata.pair_id): reasons[r.answer]
        for name, records in configs.items()
        for r in records
        if r.answer in reasons
    }
    if not missing:
        return violations
    out = [
        Violation(config=name, pair_id=pair_id, invariant="scanned",
                  detail=f"Semgrep could not scan the answer ({why}), so the invariants that "
                  "read its findings cannot be checked")
        for (name, pair_id), why in missing.items()
    ]  # fmt: skip
    return out + [
        v
        for v in violations
        if not (v.invariant in _READS_FINDINGS and (v.config, v.pair_id) in missing)
    ]
