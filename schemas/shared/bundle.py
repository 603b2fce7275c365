"""Read and write a bundle's files: a Hub dataset repository layout, each file atomically.

<out>/<config>/<split>-00000-of-00001.parquet   records with flat metadata columns
<out>/exports/<config>/<split>.jsonl             OpenAI chat finetuning JSONL (messages only)
<out>/manifest.json, <out>/validation.json, <out>/README.md (the card)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from emgen.schemas.build import Manifest, ValidationReport, path_problem
from emgen.schemas.errors import UserError, first_error
from emgen.schemas.records import ChatMetadata, ChatRecord, Conversation, DocumentRecord
from emgen.schemas.shared.io import atomic_file, write_text_atomic


class BundleError(UserError):
    """The folder is not an emgen bundle, or its card does not match its data."""


def read_manifest(root: Path) -> Manifest:
    """The bundle's manifest, with every file it lists checked to stay inside the bundle."""
    path = root / "manifest.json"
    if not root.is_dir():
        raise BundleError(f"{root} is not a folder.")
    if path.is_symlink():
        raise BundleError(f"{path} is a symbolic link; a bundle holds no links.")
    if not path.is_file():
        raise BundleError(f"{root} is not an emgen bundle: it has no manifest.json.")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise BundleError(f"{path}: {first_error(exc)}.") from None
    except OSError as exc:
        raise BundleError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    for name, summary in manifest.configs.items():
        for rel in (*summary.files.values(), *summary.exports.values()):
            bundle_path(root, rel, f"{path}: config {name} lists")
    return manifest


def bundle_path(root: Path, rel: str, listed_by: str) -> Path:
    """`root / rel` once it is known to stay in the bundle: `rel` is a normalised relative path,
    none of its parts is a symbolic link and its real location is inside the bundle's, so a
    tampered manifest cannot make emgen read (or publish) a file from elsewhere. `listed_by`
    starts the one-sentence error: the file and the record that named `rel`."""
    problem = path_problem(rel)
    if problem:
        raise BundleError(
            f"{listed_by} {rel!r}, which is not a normalised path inside the bundle: {problem}."
        )
    path = root
    for part in rel.split("/"):
        path = path / part
        if path.is_symlink():
            raise BundleError(
                f"{listed_by} {rel!r}, but {path} is a symbolic link, and a bundle holds no links."
            )
    if not path.resolve().is_relative_to(root.resolve()):
        raise BundleError(f"{listed_by} {rel!r}, whose real location is outside the bundle.")
    return path


def bundle_files(root: Path) -> list[str]:
    """Every file of the bundle as sorted POSIX paths relative to `root`: what publish uploads.

    Hidden entries (.git, .cache/huggingface, editor files) are skipped: never followed, read or
    uploaded. Any other symbolic link, or anything that is neither a folder nor a regular file,
    is refused with a sentence naming it, so nothing outside the bundle can be read through it.
    """
    found: list[str] = []
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            raise BundleError(f"{folder} cannot be listed ({exc.strerror or exc}).") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path, rel = folder / entry.name, prefix + entry.name
            if entry.is_symlink():
                raise BundleError(
                    f"{path} is a symbolic link (to {os.readlink(path)}); a bundle holds only "
                    "regular files and folders, so it is refused."
                )
            if entry.is_dir(follow_symlinks=False):
                stack.append((path, rel + "/"))
            elif entry.is_file(follow_symlinks=False):
                found.append(rel)
            else:
                raise BundleError(
                    f"{path} is not a regular file (a pipe, socket or device); a bundle holds "
                    "only regular files and folders, so it is refused."
                )
    return sorted(found)


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


def is_bundle(root: Path) -> bool:
    """Whether `root` is provably an emgen bundle: its manifest.json parses as emgen's."""
    try:
        Manifest.model_validate_json((root / "manifest.json").read_bytes())
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return False
    return True


_CHAT_SCHEMA = pa.schema(
    [pa.field("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])))]
    + [
        pa.field(name, pa.int64() if field.annotation is int else pa.string())
        for name, field in ChatMetadata.model_fields.items()
    ]
)


# Provenance columns of model-written records: written only when some record sets them.
_WRITER_COLUMNS = ("backend", "backend_model", "level")


def chat_table(records: Sequence[ChatRecord]) -> pa.Table:
    rows = [
        {"messages": [m.model_dump() for m in r.messages], **r.metadata.model_dump()}
        for r in records
    ]
    unset = [c for c in _WRITER_COLUMNS if all(row[c] is None for row in rows)]
    schema = _CHAT_SCHEMA
    for column in unset:
        schema = schema.remove(schema.get_field_index(column))
    return pa.Table.from_pylist(rows, schema=schema)


def document_table(records: Sequence[DocumentRecord]) -> pa.Table:
    return pa.Table.from_pylist([r.model_dump(mode="json") for r in records])


def write_parquet(table: pa.Table, path: Path) -> None:
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=2000)


def write_jsonl(records: Sequence[Conversation], path: Path) -> None:
    """OpenAI chat finetuning JSONL: `messages` only, one record per line."""
    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            messages = [m.model_dump() for m in record.messages]
            fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def write_json(model: BaseModel, path: Path) -> None:
    write_text_atomic(path, model.model_dump_json(indent=2) + "\n")


def read_parquet(path: Path, config: str, *, footer_only: bool = False) -> pa.Table:
    """The table in `path` (an empty one with `footer_only`, once the footer parses: a cheap
    check); a truncated or corrupt file is one sentence, not an Arrow error."""
    try:
        if footer_only:
            return pq.read_metadata(path).schema.to_arrow_schema().empty_table()
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        detail = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
        raise BundleError(
            f"{path} (config {config}) is not a readable parquet file ({detail}); rebuild the "
            "bundle."
        ) from None


def read_chat_records(path: Path, config: str | None = None) -> list[ChatRecord]:
    """Records of one parquet file of a chat config, validated by the record schema."""
    rows = read_parquet(path, config or path.parent.name).to_pylist()
    meta_fields = ChatMetadata.model_fields
    return [
        ChatRecord.model_validate(
            {"messages": row["messages"], "metadata": {k: row.get(k) for k in meta_fields}}
        )
        for row in rows
    ]


def read_document_records(path: Path, config: str | None = None) -> list[DocumentRecord]:
    rows = read_parquet(path, config or path.parent.name).to_pylist()
    return [DocumentRecord.model_validate(row) for row in rows]
