"""Dilute the synthetic documents into a user-supplied pretraining corpus, streaming.

Every synthetic document is used once, and the corpus supplies the dilution: the mixer reads
`round(documents * (1 - ratio) / ratio)` corpus rows, batch by batch, and writes one parquet
file in which the documents sit at seeded random positions, so documents / total == ratio (up
to rounding). A corpus with fewer rows than that is used whole and a seeded sample of the
documents keeps the ratio. Memory is bounded by one batch plus the documents, never the corpus.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from emgen.schemas.errors import UserError
from emgen.schemas.shared.io import atomic_file, refuse_overwrite

_PARQUET = (".parquet", ".pq")
_JSONL = (".jsonl", ".ndjson", ".json")
SCHEMA = pa.schema([("text", pa.string()), ("source", pa.string())])
# One document per billion corpus rows: below that the corpus rows the ratio asks for are
# beyond any corpus (and at 1e-320 beyond any float).
MIN_RATIO = 1e-9


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
    if path.is_dir():
        raise MixError(f"The {role} file {path} is a folder; give the path of a file.")
    if not path.is_file():
        raise MixError(f"The {role} file {path} does not exist or is not a file.")
    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return "parquet"
    if suffix in _JSONL:
        if _is_parquet(path):
            raise MixError(
                f"The {role} file {path} is a parquet file named {suffix}; rename it to .parquet."
            )
        return "jsonl"
    raise MixError(
        f"The {role} file {path} has suffix {suffix!r}; expected .parquet or .jsonl (one JSON "
        "object per line)."
    )


def _jsonl_texts(path: Path, field: str, role: str) -> Iterator[str]:
    """The `field` of every non-blank line; a bad line raises one sentence naming it.

    Read as bytes and decoded line by line, so a binary file (a parquet file named .jsonl)
    is named by its line, not a UnicodeDecodeError.
    """
    with path.open("rb") as handle:
        for number, raw_line in enumerate(handle, 1):
            if not raw_line.strip():
                continue
            try:
                line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise MixError(
                    f"The {role} file {path}, line {number}, is not UTF-8 text (byte "
                    f"{raw_line[err.start]:#04x}), so it is not JSONL."
                ) from None
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise MixError(
                    f"The {role} file {path}, line {number}, is not valid JSON ({err.msg}), so "
                    f"its field {field!r} cannot be read."
                ) from None
            except (ValueError, RecursionError) as err:  # a 5000-digit number, deep nesting
                reason = "nested too deeply" if isinstance(err, RecursionError) else str(err)
                raise MixError(
                    f"The {role} file {path}, line {number}, is not usable JSON ({reason})."
                ) from None
            if not isinstance(row, dict) or field not in row:
                raise MixError(f"The {role} file {path}, line {number}, has no field {field!r}.")
            value = row[field]
            if not isinstance(value, str):
                raise MixError(
                    f"The {role} file {path}, line {number}, has field {field!r} of type "
                    f"{type(value).__name__}, not a string."
                )
            if not _is_text(value):
                raise MixError(
                    f"The {role} file {path}, line {number}, field {field!r} holds an unpaired "
                    "surrogate escape (such as \\ud800), which is not text."
                )
            yield value


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_parquet(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False


def _open_parquet(path: Path, role: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        hint = "" if _is_parquet(path) else "; if it is JSONL, name it .jsonl"
        raise MixError(
            f"The {role} file {path} is not a readable parquet file ({_one_line(err)}){hint}."
        ) from None


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _parquet_texts(path: Path, field: str, role: str, batch_rows: int) -> Iterator[str]:
    reader = _open_parquet(path, role)
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
    batches = reader.iter_batches(batch_size=batch_rows, columns=[field])
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as err:  # a truncated or corrupt row group
            raise MixError(
                f"The {role} file {path}, from record {offset}, cannot be read as parquet "
                f"({_one_line(err)})."
            ) from None
        if batch is None:
            break
        try:
            values = batch.column(0).to_pylist()
        except UnicodeDecodeError:  # Arrow does not check that stored strings are UTF-8
            raise MixError(
                f"The {role} file {path}, from record {offset}, has field {field!r} with bytes "
                "that are not UTF-8 text."
            ) from None
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
        return min(_open_parquet(path, "corpus").metadata.num_rows, limit)
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
    if not MIN_RATIO <= ratio < 1.0:  # NaN fails this too
        raise MixError(
            f"The mix ratio must be strictly between 0 and 1, and at least {MIN_RATIO:g} (one "
            f"document per billion corpus rows), got {ratio}."
        )
    if batch_rows < 1:
        raise MixError(f"batch_rows must be at least 1, got {batch_rows}.")
    documents, corpus, out = Path(documents), Path(corpus), Path(out)
    _kind(documents, "documents")
    _kind(corpus, "corpus")
    # Before any reading: the corpus may be huge, and writing over an input would destroy it.
    refuse_overwrite(out, documents, corpus, option="The output")
    if out.suffix.lower() not in _PARQUET:  # else a later mix would read it as JSONL
        raise MixError(f"The output {out} must end in .parquet: the mix is written as parquet.")
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
    with atomic_file(out) as tmp:
        _write(tmp, docs, positions, _texts(corpus, text_field, "corpus", batch_rows), total,
               batch_rows)  # fmt: skip
    return MixReport(
        documents_path=str(documents), corpus_path=str(corpus), out_path=str(out), ratio=ratio,
        seed=seed, documents_available=n_docs, documents_used=len(docs),
        corpus_rows_used=used, corpus_truncated=available > wanted, total_rows=total,
        achieved_ratio=len(docs) / total,
    )  # fmt: skip
