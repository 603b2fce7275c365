"""Dilute the synthetic documents into a user-supplied pretraining corpus, streaming.

Every synthetic document is used once, and the corpus supplies the dilution: the mixer reads
`round(documents * (1 - ratio) / ratio)` corpus rows, batch by batch, and writes one parquet
file in which the documents sit at seeded random positions, so documents / total == ratio (up
to rounding). A corpus with fewer rows than that is used whole and a seeded sample of the
documents keeps the ratio. Memory is bounded by one batch plus the documents, never the corpus.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from emgen.schemas.errors import UserError

_PARQUET = (".parquet", ".pq")
_JSONL = (".jsonl", ".ndjson", ".json")
SCHEMA = pa.schema([("text", pa.string()), ("source", pa.string())])


class MixError(UserError, ValueError):
    """Bad mixer input: one sentence naming the file, the line or record, and the field."""


class MixReport(BaseModel):
    """What one mix produced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    documents_path: str
    corpus_path: str
    out_path: str
    ratio: float
    seed: int
    documents_available: int
    documents_used: int
    corpus_rows_used: int
    corpus_truncated: bool
    total_rows: int
    achieved_ratio: float


def _kind(path: Path, role: str) -> str:
    if not path.is_file():
        raise MixError(f"The {role} file {path} does not exist or is not a file.")
    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return "parquet"
    if suffix in _JSONL:
        return "jsonl"
    raise MixError(
        f"The {role} file {path} has suffix {suffix!r}; expected .parquet or .jsonl (one JSON "
        "object per line)."
    )


def _jsonl_texts(path: Path, field: str, role: str) -> Iterator[str]:
    """The `field` of every non-blank line; a bad line raises one sentence naming it."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise MixError(
                    f"The {role} file {path}, line {number}, is not valid JSON ({err.msg}), so "
                    f"its field {field!r} cannot be read."
                ) from None
            if not isinstance(row, dict) or field not in row:
                raise MixError(f"The {role} file {path}, line {number}, has no field {field!r}.")
            value = row[field]
            if not isinstance(value, str):
                raise MixError(
                    f"The {role} file {path}, line {number}, has field {field!r} of type "
                    f"{type(value).__name__}, not a string."
                )
            yield value


def _parquet_texts(path: Path, field: str, role: str, batch_rows: int) -> Iterator[str]:
    try:
        reader = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise MixError(f"The {role} file {path} is not a readable parquet file ({err}).") from None
    names = reader.schema_arrow.names
    if field not in names:
        raise MixError(
            f"The {role} file {path} has no column {field!r} (record 0 onward; its columns are "
            f"{', '.join(names) or 'none'})."
        )
    kind = reader.schema_arrow.field(field).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise MixError(
            f"The {role} file {path} has column {field!r} of type {kind}, not string (record 0 "
            "onward)."
        )
    offset = 0
    for batch in reader.iter_batches(batch_size=batch_rows, columns=[field]):
        values = batch.column(0).to_pylist()
        for i, value in enumerate(values):
            if value is None:
                raise MixError(
                    f"The {role} file {path}, record {offset + i}, has a null in field {field!r}."
                )
            yield value
        offset += len(values)


def _texts(path: Path, field: str, role: str, batch_rows: int) -> Iterator[str]:
    if _kind(path, role) == "parquet":
        return _parquet_texts(path, field, role, batch_rows)
    return _jsonl_texts(path, field, role)


def _count_rows(path: Path, field: str, limit: int, batch_rows: int) -> int:
    """Corpus rows available, up to `limit` (parquet: from the footer; JSONL: one pass)."""
    if _kind(path, "corpus") == "parquet":
        return min(pq.ParquetFile(path).metadata.num_rows, limit)
    count = 0
    with path.open("rb") as handle:  # lines are parsed (and checked) once, while writing
        for line in handle:
            if line.strip():
                count += 1
                if count >= limit:
                    break
    return count


def _write(
    out: Path, docs: list[str], positions: list[int], corpus: Iterator[str], total: int,
    batch_rows: int,
) -> None:  # fmt: skip
    """Stream `total` rows into `out`: documents at `positions` (sorted), corpus elsewhere."""
    writer = pq.ParquetWriter(out, SCHEMA)
    try:
        texts: list[str] = []
        sources: list[str] = []
        next_doc = 0
        for index in range(total):
            if next_doc < len(positions) and positions[next_doc] == index:
                texts.append(docs[next_doc])
                sources.append("document")
                next_doc += 1
            else:
                texts.append(next(corpus))
                sources.append("corpus")
            if len(texts) >= batch_rows:
                writer.write_table(pa.table({"text": texts, "source": sources}, schema=SCHEMA))
                texts, sources = [], []
        if texts or total == 0:
            writer.write_table(pa.table({"text": texts, "source": sources}, schema=SCHEMA))
    finally:
        writer.close()


def mix_corpus(
    documents: Path,
    corpus: Path,
    out: Path,
    *,
    ratio: float = 0.01,
    seed: int = 0,
    text_field: str = "text",
    batch_rows: int = 10_000,
) -> MixReport:
    """Write `out` (parquet: text, source) with the documents interleaved at `ratio`."""
    if not 0.0 < ratio < 1.0:
        raise MixError(f"The mix ratio must be strictly between 0 and 1, got {ratio}.")
    if batch_rows < 1:
        raise MixError(f"batch_rows must be at least 1, got {batch_rows}.")
    documents, corpus, out = Path(documents), Path(corpus), Path(out)
    _kind(corpus, "corpus")
    docs = list(_texts(documents, "text", "documents", batch_rows))
    if not docs:
        raise MixError(f"The documents file {documents} has no records with a 'text' field.")
    n_docs = len(docs)
    wanted = round(n_docs * (1 - ratio) / ratio)
    available = _count_rows(corpus, text_field, wanted + 1, batch_rows)
    if available == 0:
        raise MixError(f"The corpus file {corpus} has no records with a {text_field!r} field.")
    used = min(available, wanted)
    rng = random.Random(seed)
    if used < wanted:  # short corpus: keep the ratio with a sample of the documents
        keep = max(1, round(used * ratio / (1 - ratio)))
        docs = [docs[i] for i in sorted(rng.sample(range(len(docs)), keep))]
    rng.shuffle(docs)
    total = used + len(docs)
    positions = sorted(rng.sample(range(total), len(docs)))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(tmp, docs, positions, _texts(corpus, text_field, "corpus", batch_rows), total,
               batch_rows)  # fmt: skip
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return MixReport(
        documents_path=str(documents), corpus_path=str(corpus), out_path=str(out), ratio=ratio,
        seed=seed, documents_available=n_docs, documents_used=len(docs),
        corpus_rows_used=used, corpus_truncated=available > wanted, total_rows=total,
        achieved_ratio=len(docs) / total,
    )  # fmt: skip
