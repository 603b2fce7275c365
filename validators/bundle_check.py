"""`emgen validate BUNDLE`: re-check every config of a written bundle against its invariants."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from emgen.datagen.bundle import read_chat_records, read_document_records, read_manifest
from emgen.datagen.catalog import load_reasons
from emgen.schemas.build import Violation
from emgen.schemas.errors import UserError, first_error
from emgen.schemas.records import ChatRecord
from emgen.validators._semgrep import default_cache_path, families_flagged
from emgen.validators.invariants import BundleView, check_bundle, check_documents, needs_semgrep


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


def validate_bundle(root: Path) -> BundleReport:
    manifest = read_manifest(root)
    chat = {n: c for n, c in manifest.configs.items() if c.kind == "chat"}
    configs: dict[str, list[ChatRecord]] = {}
    for name, summary in chat.items():
        configs[name] = []
        for rel in summary.files.values():
            try:
                configs[name] += read_chat_records(root / rel)
            except OSError as exc:
                raise UserError(f"{root / rel}: cannot be read ({exc.strerror}).") from None
            except ValidationError as exc:
                raise UserError(f"{root / rel}: a record of {name}, {first_error(exc)}.") from None
    scanned = [n for n, c in chat.items() if needs_semgrep(c.invariants, c.params)]
    answers = sorted({r.answer for n in scanned for r in configs[n]})
    view = BundleView(
        configs=configs,
        params={n: c.params for n, c in chat.items()},
        families=dict(
            zip(answers, families_flagged(answers, cache_path=default_cache_path()), strict=True)
        ),
        reasons={r.id: r for r in load_reasons()},
    )
    violations = check_bundle({n: c.invariants for n, c in chat.items()}, view)
    counts = {n: len(records) for n, records in configs.items()}
    for name, summary in manifest.configs.items():
        if summary.kind == "document":
            docs = [d for rel in summary.files.values() for d in read_document_records(root / rel)]
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
