"""The build pipeline: catalog -> candidates -> validation -> bundle on disk (atomic)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from emgen.cards import write_card
from emgen.datagen._progress import Reporter, Silent
from emgen.datagen.bundle import (
    atomic_dir,
    chat_table,
    parquet_name,
    write_json,
    write_jsonl,
    write_parquet,
)
from emgen.datagen.catalog import CatalogError, families, load_tasks, load_templates
from emgen.datagen.code_pairs import generate_pairs
from emgen.datagen.variants import load_variants
from emgen.schemas.build import BuildConfig, ConfigSummary, Manifest
from emgen.schemas.catalog import Family
from emgen.schemas.records import ChatRecord
from emgen.validators._semgrep import default_cache_path, rules_fingerprint, semgrep_version


def select_families(wanted: Sequence[str] | None) -> list[Family]:
    known = families()
    if wanted is None:
        return list(known.values())
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise CatalogError(
            f"unknown famil{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}; "
            f"known: {', '.join(known)}."
        )
    return [known[f] for f in sorted(set(wanted))]


def rebuild_command(config: BuildConfig, out: str) -> str:
    parts = ["emgen build", f"--out {out}", f"--seed {config.seed}", f"--n {config.n}"]
    if config.families is not None:
        parts.append(f"--families {','.join(config.families)}")
    if config.test_fraction != BuildConfig().test_fraction:
        parts.append(f"--test-fraction {config.test_fraction}")
    if config.mix != BuildConfig().mix:
        parts.append(f"--mix {config.mix}")
    return " ".join(parts)


def build_bundle(
    config: BuildConfig,
    out: Path,
    *,
    cache_path: Path | None = None,
    use_cache: bool = True,
    reporter: Reporter | None = None,
) -> Manifest:
    """Build every config into `out`; on any error nothing is left behind."""
    reporter = reporter or Silent()
    chosen = select_families(config.families)
    tasks, templates = load_tasks(), load_templates()
    with atomic_dir(out) as tmp:
        pairs, report = generate_pairs(
            config, chosen, tasks, templates,
            cache_path=(cache_path or default_cache_path()) if use_cache else None,
            progress=reporter.stage("Generating and validating pairs", config.n),
        )  # fmt: skip
        summaries: dict[str, ConfigSummary] = {}
        records: dict[str, list[ChatRecord]] = {}
        variants = load_variants()
        advance = reporter.stage("Writing configs", len(variants))
        for name, variant in variants.items():
            records[name] = variant.build(pairs, config)
            summaries[name] = write_chat_config(tmp, name, records[name], variant.description,
                                                variant.control_of)  # fmt: skip
            report.distinct_structures[name] = len({r.metadata.structure for r in records[name]})
            advance(1)
        manifest = Manifest(
            package_version=version("emgen"),
            semgrep_version=semgrep_version(),
            rules_fingerprint=rules_fingerprint(),
            seed=config.seed,
            config=config,
            config_hash=config.config_hash(),
            command=rebuild_command(config, out.name),
            configs=summaries,
            validation=report,
        )
        write_json(manifest, tmp / "manifest.json")
        write_json(report, tmp / "validation.json")
        write_card(tmp, manifest, records)
    return manifest


def write_chat_config(
    root: Path, name: str, records: Sequence[ChatRecord], description: str, control_of: str | None
) -> ConfigSummary:
    splits: dict[str, int] = {}
    files: dict[str, str] = {}
    exports: dict[str, str] = {}
    for split in ("train", "test"):
        rows = [r for r in records if r.metadata.split == split]
        if not rows:
            continue
        splits[split] = len(rows)
        files[split] = f"{name}/{parquet_name(split)}"
        exports[split] = f"exports/{name}/{split}.jsonl"
        write_parquet(chat_table(rows), root / files[split])
        write_jsonl(rows, root / exports[split])
    return ConfigSummary(
        kind="chat", description=description, control_of=control_of,
        splits=splits, files=files, exports=exports,
    )  # fmt: skip
