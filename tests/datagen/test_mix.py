"""Diluting the documents into a pretraining corpus: ratio, order, streaming and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emgen.datagen.mix import mix_corpus


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _docs(tmp_path: Path, n: int, name: str = "docs.jsonl") -> Path:
    return _jsonl(
        tmp_path / name, [{"text": f"synthetic doc {i}", "doc_type": "x"} for i in range(n)]
    )


def _corpus(tmp_path: Path, n: int, name: str = "corpus.jsonl") -> Path:
    return _jsonl(tmp_path / name, [{"id": i, "text": f"corpus row {i}"} for i in range(n)])


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_ratio_order_and_sources(tmp_path: Path) -> None:
    docs, corpus = _docs(tmp_path, 50), _corpus(tmp_path, 10_000)
    out = tmp_path / "mixed" / "train.parquet"
    report = mix_corpus(docs, corpus, out, ratio=0.01, seed=3, batch_rows=700)
    table = pq.read_table(out)
    assert table.schema.names == ["text", "source"]
    texts, sources = table.column("text").to_pylist(), table.column("source").to_pylist()
    assert report.total_rows == len(texts) == 5000
    assert sources.count("document") == report.documents_used == 50
    assert report.achieved_ratio == pytest.approx(0.01)
    assert report.corpus_rows_used == 4950 and report.corpus_truncated
    # Corpus rows keep their order; every document appears exactly once.
    corpus_rows = [t for t, s in zip(texts, sources, strict=True) if s == "corpus"]
    assert corpus_rows == [f"corpus row {i}" for i in range(4950)]
    doc_rows = sorted(t for t, s in zip(texts, sources, strict=True) if s == "document")
    assert doc_rows == sorted(f"synthetic doc {i}" for i in range(50))
    # Documents are spread through the file, not bunched at one end.
    positions = [i for i, s in enumerate(sources) if s == "document"]
    assert positions[0] < 1000 and positions[-1] > 4000
    assert pq.ParquetFile(out).metadata.num_row_groups > 1  # written batch by batch


@pytest.mark.parametrize("ratio", [0.5, 0.1, 0.02])
def test_other_ratios(tmp_path: Path, ratio: float) -> None:
    report = mix_corpus(_docs(tmp_path, 20), _corpus(tmp_path, 5000), tmp_path / "o.parquet",
                        ratio=ratio)  # fmt: skip
    assert report.achieved_ratio == pytest.approx(ratio, rel=0.02)


def test_short_corpus_samples_documents_to_keep_the_ratio(tmp_path: Path) -> None:
    report = mix_corpus(_docs(tmp_path, 100), _corpus(tmp_path, 990), tmp_path / "o.parquet",
                        ratio=0.05)  # fmt: skip
    assert report.corpus_rows_used == 990 and not report.corpus_truncated
    assert report.documents_available == 100
    assert report.documents_used == 52
    assert report.achieved_ratio == pytest.approx(0.05, rel=0.02)


def test_parquet_inputs_and_a_custom_text_field(tmp_path: Path) -> None:
    docs = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"text": [f"d{i}" for i in range(10)]}), docs)
    corpus = tmp_path / "corpus.parquet"
    pq.write_table(pa.table({"content": [f"c{i}" for i in range(2000)], "n": list(range(2000))}),
                   corpus, row_group_size=300)  # fmt: skip
    report = mix_corpus(docs, corpus, tmp_path / "o.parquet", ratio=0.01, text_field="content",
                        batch_rows=128)  # fmt: skip
    assert report.total_rows == 1000 and report.documents_used == 10
    texts = pq.read_table(tmp_path / "o.parquet").column("text").to_pylist()
    assert [t for t in texts if t.startswith("c")] == [f"c{i}" for i in range(990)]


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    docs, corpus = _docs(tmp_path, 30), _corpus(tmp_path, 3000)
    a, b, c = (tmp_path / f"{k}.parquet" for k in "abc")
    mix_corpus(docs, corpus, a, ratio=0.02, seed=1)
    mix_corpus(docs, corpus, b, ratio=0.02, seed=1)
    mix_corpus(docs, corpus, c, ratio=0.02, seed=2)
    assert pq.read_table(a).equals(pq.read_table(b))
    assert a.read_bytes() == b.read_bytes()
    assert not pq.read_table(a).equals(pq.read_table(c))


def test_missing_files_and_bad_options(tmp_path: Path) -> None:
    docs = _docs(tmp_path, 5)
    with pytest.raises(ValueError, match=r"corpus file .*nope\.jsonl does not exist"):
        mix_corpus(docs, tmp_path / "nope.jsonl", tmp_path / "o.parquet")
    with pytest.raises(ValueError, match=r"documents file .*gone\.jsonl does not exist"):
        mix_corpus(tmp_path / "gone.jsonl", _corpus(tmp_path, 10), tmp_path / "o.parquet")
    with pytest.raises(ValueError, match="suffix '.csv'"):
        mix_corpus(docs, _corpus(tmp_path, 10, "c.csv"), tmp_path / "o.parquet")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        mix_corpus(docs, _corpus(tmp_path, 10), tmp_path / "o.parquet", ratio=1.0)
    assert not (tmp_path / "o.parquet").exists()


def test_malformed_jsonl_names_file_line_and_field(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, 50)
    lines = corpus.read_text().splitlines()
    lines[2] = '{"text": "unterminated'
    corpus.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o.parquet"
    with pytest.raises(ValueError) as err:
        mix_corpus(_docs(tmp_path, 5), corpus, out, ratio=0.1)
    message = str(err.value)
    assert str(corpus) in message and "line 3" in message and "'text'" in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert not out.exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("row", "expected"),
    [({"body": "x"}, "line 4, has no field 'text'"), ({"text": 7}, "field 'text' of type int")],
)
def test_missing_or_wrong_field_in_jsonl(
    tmp_path: Path, row: dict[str, object], expected: str
) -> None:
    rows: list[dict[str, object]] = [{"text": f"r{i}"} for i in range(40)]
    rows[3] = row
    corpus = _jsonl(tmp_path / "corpus.jsonl", rows)
    with pytest.raises(ValueError, match=expected):
        mix_corpus(_docs(tmp_path, 2), corpus, tmp_path / "o.parquet", ratio=0.1)
    with pytest.raises(ValueError, match=r"docs\.jsonl, line 1, has no field 'text'"):
        mix_corpus(_jsonl(tmp_path / "docs.jsonl", [{"txt": "a"}]), corpus, tmp_path / "o.parquet")


def test_parquet_errors_name_the_column_and_record(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.parquet"
    pq.write_table(pa.table({"body": ["a", "b"]}), corpus)
    with pytest.raises(
        ValueError, match=r"corpus\.parquet has no column 'text' .*columns are body"
    ):
        mix_corpus(_docs(tmp_path, 2), corpus, tmp_path / "o.parquet")


def test_failure_mid_write_leaves_nothing_behind(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.parquet"
    values: list[str | None] = [f"c{i}" for i in range(5000)]
    values[4321] = None
    pq.write_table(pa.table({"text": pa.array(values, pa.string())}), corpus)
    out = tmp_path / "o.parquet"
    with pytest.raises(ValueError, match=r"record 4321, has a null in field 'text'"):
        mix_corpus(_docs(tmp_path, 60), corpus, out, ratio=0.012, batch_rows=500)
    assert not out.exists() and _leftovers(tmp_path) == []


# --- streaming under a memory limit -------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    limit = int(sys.argv[1])
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from emgen.datagen.mix import mix_corpus  # same imports, so the same baseline, in each mode
    mode, docs, corpus, out = sys.argv[2:6]
    if mode == "load":  # what a non-streaming mixer would do
        rows = [json.loads(line)["text"] for line in open(corpus)]
        print(len(rows))
    else:
        report = mix_corpus(docs, corpus, out, ratio=0.01, batch_rows=2000)
        print(report.model_dump_json())
    peak = [ln for ln in open("/proc/self/status") if ln.startswith("VmPeak")][0]
    print(int(peak.split()[1]) * 1024)
    """
)


def _child(
    limit: int, mode: str, docs: Path, corpus: Path, out: Path
) -> subprocess.CompletedProcess[str]:
    # The system allocator: arrow's default pool reserves gigabytes of address space up front.
    env = os.environ | {"ARROW_DEFAULT_MEMORY_POOL": "system"}
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(limit), mode, str(docs), str(corpus), str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


def _big_rows(path: Path, rows: int) -> Path:
    filler = " ".join(f"token{i}" for i in range(240))  # about 2 KB per row
    with path.open("w") as handle:
        for start in range(0, rows, 10_000):
            handle.write("".join(
                json.dumps({"id": i, "text": f"row {i} {filler}"}) + "\n"
                for i in range(start, min(start + 10_000, rows))
            ))  # fmt: skip
    return path


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_streams_a_corpus_bigger_than_its_memory_limit(tmp_path: Path) -> None:
    rows = 100_000
    corpus = _big_rows(tmp_path / "corpus.jsonl", rows)
    size = corpus.stat().st_size
    assert size > 190 * 2**20
    docs = _docs(tmp_path, 1100)

    # The mixer's address space on a small corpus of the same rows, then a limit that leaves less
    # headroom than loading the big corpus needs: a third of its size.
    small = _big_rows(tmp_path / "small.jsonl", 10_000)
    base = _child(0, "mix", docs, small, tmp_path / "base.parquet")
    assert base.returncode == 0, base.stderr
    limit = int(base.stdout.split()[-1]) + size // 3

    loaded = _child(limit, "load", docs, corpus, tmp_path / "unused.parquet")
    assert loaded.returncode != 0 and "MemoryError" in loaded.stderr

    out = tmp_path / "mixed.parquet"
    mixed = _child(limit, "mix", docs, corpus, out)
    assert mixed.returncode == 0, mixed.stderr
    report = json.loads(mixed.stdout.splitlines()[0])
    assert report["corpus_rows_used"] == rows and not report["corpus_truncated"]
    assert report["documents_used"] == 1010
    assert report["achieved_ratio"] == pytest.approx(0.01, rel=1e-3)
    assert pq.ParquetFile(out).metadata.num_rows == rows + 1010
