"""Read a written bundle back from disk: its manifest, the rows of every config, its file hashes.

The card, the charts and the Croissant file are made from what this module reads, never from
the objects the build held in memory, so they describe exactly the bytes that get published.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from emgen.schemas.build import ConfigSummary, Manifest, ValidationReport
from emgen.schemas.shared.bundle import (
    BundleError,
    bundle_files,
    bundle_path,
    read_manifest,
    read_parquet,
    read_validation,
)
from emgen.schemas.shared.io import sha256_file

# The card itself, which records the fingerprint of every other file of the bundle.
README = "README.md"


@dataclass(frozen=True)
class Row:
    """One parquet row, reduced to what the card reports on (chat records and documents alike)."""

    split: str
    system: str | None  # the first system message (chat), if any
    prompt: str | None  # the first user message (chat); None for documents
    text: str  # the assistant's final answer (chat) or the document text
    family: str | None
    cwe: str | None
    pair_id: str | None
    doc_type: str | None
    turns: tuple[tuple[str, str], ...]  # (role, content) of every message; () for documents


@dataclass(frozen=True)
class ConfigData:
    name: str
    summary: ConfigSummary
    schema: pa.Schema
    rows: dict[str, list[Row]]  # split -> rows, in file order
    arrow_bytes: dict[str, int]  # split -> in-memory Arrow size (the Hub's `num_bytes`)
    file_bytes: dict[str, int]  # split -> parquet file size
    set_counts: dict[str, int]  # column -> rows where it is neither null nor empty
    first_columns: tuple[tuple[str, str], ...]  # the first row's other set columns, as text

    def all_rows(self) -> list[Row]:
        return [row for rows in self.rows.values() for row in rows]


@dataclass(frozen=True)
class Bundle:
    root: Path
    manifest: Manifest
    validation: ValidationReport
    configs: dict[str, ConfigData]


def fingerprinted_files(root: Path, files: list[str] | None = None) -> list[str]:
    """Every file of the bundle but README.md, which records their fingerprint: the data,
    manifest.json, validation.json, croissant.json and figures/, so everything publish uploads
    is covered. `files` is a listing from `bundle_files` (made here when not given)."""
    return [f for f in (bundle_files(root) if files is None else files) if f != README]


def data_fingerprint(root: Path, files: list[str] | None = None) -> str:
    """sha256 over `sha256sum`-style lines of every fingerprinted file: any change to any file
    that gets published (but README.md) changes it. Refuses links like `bundle_files`."""
    lines = "".join(f"{sha256_file(root / f)}  {f}\n" for f in fingerprinted_files(root, files))
    return hashlib.sha256(lines.encode()).hexdigest()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _messages(value: object) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        return []
    return [
        (str(m.get("role", "")), str(m.get("content", ""))) for m in value if isinstance(m, Mapping)
    ]


# The columns a Row is made of; only these are converted to Python objects.
_ROW_FIELDS = ("messages", "text", "family", "cwe", "pair_id", "doc_type")


def _row(record: Mapping[str, object], split: str) -> Row:
    turns = _messages(record.get("messages"))
    answers = [c for r, c in turns if r == "assistant"]
    return Row(
        split=split,
        system=next((c for r, c in turns if r == "system"), None),
        prompt=next((c for r, c in turns if r == "user"), None),
        text=answers[-1] if answers else str(record.get("text") or ""),
        family=_str(record.get("family")),
        cwe=_str(record.get("cwe")),
        pair_id=_str(record.get("pair_id")),
        doc_type=_str(record.get("doc_type")),
        turns=tuple(turns),
    )


def _set_count(column: pa.ChunkedArray) -> int:
    """Rows where the column holds a value: not null, and not "" or [] (counted in Arrow)."""
    valid = pc.is_valid(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        valid = pc.and_(valid, pc.not_equal(pc.fill_null(column, ""), ""))
    elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        valid = pc.and_(valid, pc.greater(pc.fill_null(pc.list_value_length(column), 0), 0))
    return int(pc.sum(pc.cast(valid, pa.int64())).as_py() or 0)


def _text(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def read_config(root: Path, name: str, summary: ConfigSummary) -> ConfigData:
    rows: dict[str, list[Row]] = {}
    arrow_bytes: dict[str, int] = {}
    file_bytes: dict[str, int] = {}
    set_counts: dict[str, int] = {}
    first: tuple[tuple[str, str], ...] | None = None
    schema: pa.Schema | None = None
    for split, rel in summary.files.items():
        path = bundle_path(root, rel, f"{root / 'manifest.json'}: config {name} lists")
        if not path.is_file():
            raise BundleError(f"{root}/manifest.json: config {name} lists {rel}, which is missing.")
        table = read_parquet(path, name)
        schema = schema or table.schema
        wanted = table.select([c for c in _ROW_FIELDS if c in table.column_names])
        rows[split] = [_row(r, split) for r in wanted.to_pylist()]
        arrow_bytes[split] = table.nbytes
        file_bytes[split] = path.stat().st_size
        for column in table.column_names:
            set_counts[column] = set_counts.get(column, 0) + _set_count(table.column(column))
        if first is None and table.num_rows:
            head = table.slice(0, 1).to_pylist()[0]
            first = tuple(
                (k, _text(v)) for k, v in head.items()
                if k not in _ROW_FIELDS and k != "split" and v not in (None, "", [])
            )  # fmt: skip
    if schema is None:
        raise BundleError(f"{root}/manifest.json: config {name} lists no parquet files.")
    return ConfigData(name, summary, schema, rows, arrow_bytes, file_bytes, set_counts, first or ())


def read_bundle(root: Path, manifest: Manifest | None = None) -> Bundle:
    manifest = manifest or read_manifest(root)
    validation = read_validation(root)
    configs = {n: read_config(root, n, s) for n, s in manifest.configs.items()}
    return Bundle(root, manifest, validation, configs)


def json_dump(data: object) -> str:
    """Stable JSON text: fixed key order as built, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
