"""Write a bundle: a Hub dataset repository layout, atomically.

<out>/<config>/<split>-00000-of-00001.parquet   records with flat metadata columns
<out>/exports/<config>/<split>.jsonl             OpenAI chat finetuning JSONL (messages only)
<out>/manifest.json, <out>/validation.json, <out>/README.md (the card)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from emgen.schemas.build import Manifest, ValidationReport
from emgen.schemas.errors import UserError, first_error
from emgen.schemas.records import ChatMetadata, ChatRecord, Conversation, DocumentRecord


class OutputError(UserError):
    """The output folder cannot be written (one sentence for the user)."""


class BundleError(UserError):
    """The folder is not an emgen bundle, or its card does not match its data."""


def read_manifest(root: Path) -> Manifest:
    path = root / "manifest.json"
    if not root.is_dir():
        raise BundleError(f"{root} is not a folder.")
    if not path.is_file():
        raise BundleError(f"{root} is not an emgen bundle: it has no manifest.json.")
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise BundleError(f"{path}: {first_error(exc)}.") from None


def read_validation(root: Path) -> ValidationReport:
    path = root / "validation.json"
    if not path.is_file():
        raise BundleError(f"{root} is not an emgen bundle: it has no validation.json.")
    try:
        return ValidationReport.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise BundleError(f"{path}: {first_error(exc)}.") from None


def parquet_name(split: str) -> str:
    return f"{split}-00000-of-00001.parquet"


@contextmanager
def atomic_dir(
    out: Path, marker: str = "manifest.json", kind: str = "an emgen bundle"
) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces `out`, on failure it vanishes.

    An existing non-empty `out` is replaced only when it holds `marker`, the file that shows it
    is an earlier output of the same kind, so a mistyped --out never deletes someone's folder.
    """
    out = out.absolute()
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not (out / marker).exists():
        raise OutputError(f"{out} is not empty and is not {kind}; choose another --out.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"cannot write to {out.parent}: {exc.strerror or exc}.") from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


_CHAT_SCHEMA = pa.schema(
    [pa.field("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])))]
    + [
        pa.field(name, pa.int64() if field.annotation is int else pa.string())
        for name, field in ChatMetadata.model_fields.items()
    ]
)


def chat_table(records: Sequence[ChatRecord]) -> pa.Table:
    rows = [
        {"messages": [m.model_dump() for m in r.messages], **r.metadata.model_dump()}
        for r in records
    ]
    return pa.Table.from_pylist(rows, schema=_CHAT_SCHEMA)


def document_table(records: Sequence[DocumentRecord]) -> pa.Table:
    return pa.Table.from_pylist([r.model_dump(mode="json") for r in records])


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", row_group_size=2000)


def write_jsonl(records: Sequence[Conversation], path: Path) -> None:
    """OpenAI chat finetuning JSONL: `messages` only, one record per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            messages = [m.model_dump() for m in record.messages]
            fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling path that replaces `path` on success and vanishes on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.partial-", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write to {path.parent}: {exc.strerror or exc}.") from None
    tmp = Path(name)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


def write_json(model: BaseModel, path: Path) -> None:
    path.write_text(model.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_chat_records(path: Path) -> list[ChatRecord]:
    """Records of one parquet file of a chat config, validated by the record schema."""
    rows = pq.read_table(path).to_pylist()
    meta_fields = ChatMetadata.model_fields
    return [
        ChatRecord.model_validate(
            {"messages": row["messages"], "metadata": {k: row.get(k) for k in meta_fields}}
        )
        for row in rows
    ]


def read_document_records(path: Path) -> list[DocumentRecord]:
    return [DocumentRecord.model_validate(row) for row in pq.read_table(path).to_pylist()]
