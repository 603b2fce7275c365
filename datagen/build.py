"""The build pipeline: catalog -> candidates -> validation -> data, manifest and report on disk.

emgen.cards.build_bundle runs it in a temporary folder, adds the card and moves it into place.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from functools import partial
from importlib.metadata import version
from pathlib import Path

from emgen.datagen.catalog import CatalogError, families, load_reasons, load_tasks, load_templates
from emgen.datagen.code_pairs import generate_pairs
from emgen.datagen.invariants import (
    DOCUMENT_INVARIANTS,
    BundleView,
    check_bundle,
    check_documents,
    needs_semgrep,
)
from emgen.datagen.reward_hacks.documents import DocumentReport, generate_documents
from emgen.datagen.variants import ConfigSpec, build_variants
from emgen.datagen.variants.inoculated import check_inoculations
from emgen.schemas.build import BuildConfig, ConfigSummary, Manifest, Violation
from emgen.schemas.catalog import Family
from emgen.schemas.errors import InternalError
from emgen.schemas.records import DocumentRecord
from emgen.schemas.shared.bundle import (
    chat_table,
    document_table,
    parquet_name,
    write_json,
    write_jsonl,
    write_parquet,
)
from emgen.schemas.shared.progress import Reporter, Silent
from emgen.validators.scanner import (
    default_cache_path,
    generated_families_flagged,
    rules_fingerprint,
    semgrep_version,
)


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
    """The `emgen build` command line that reproduces this config (defaults left out)."""
    default = BuildConfig()
    parts = ["emgen build", f"--out {out}", f"--seed {config.seed}", f"--n {config.n}"]
    for name in BuildConfig.model_fields:
        value = getattr(config, name)
        if name in ("seed", "n") or value == getattr(default, name):
            continue
        option = "--" + (
            "inoculations-file" if name == "inoculation_file" else name.replace("_", "-")
        )
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        parts.append(f"{option} {shlex.quote(text)}")
    return " ".join(parts)


def check_config(config: BuildConfig) -> None:
    """What can be checked before any work (the inoculation prompts, the families, the
    catalog), so that bad settings fail in a second rather than after minutes of generation."""
    check_inoculations(config)
    select_families(config.families)
    load_tasks()
    load_templates()


def write_data(
    config: BuildConfig,
    folder: Path,
    *,
    name: str,
    cache_path: Path | None = None,
    use_cache: bool = True,
    reporter: Reporter | None = None,
) -> Manifest:
    """Build every config into `folder`: the data files, manifest.json and validation.json.

    `folder` is the caller's to make atomic (emgen.cards.build_bundle writes it in a temporary
    sibling, adds the card and moves it into place); `name` is the bundle's folder name, which
    the manifest's rebuild command names.
    """
    reporter = reporter or Silent()
    chosen = select_families(config.families)
    tasks, templates = load_tasks(), load_templates()
    scan_cache = (cache_path or default_cache_path()) if use_cache else None
    pairs, report = generate_pairs(
        config, chosen, tasks, templates, cache_path=scan_cache,
        progress=reporter.stage("Generating and validating pairs", config.n),
    )  # fmt: skip
    advance = reporter.stage("Building variants", 1)
    scan = partial(generated_families_flagged, cache_path=scan_cache)
    specs = build_variants(pairs, config, scan)
    advance(1)
    check_variants(specs, scan_cache, reporter)
    summaries: dict[str, ConfigSummary] = {}
    advance = reporter.stage("Writing configs", len(specs))
    for config_name, spec in specs.items():
        summaries[config_name] = write_chat_config(folder, spec)
        report.distinct_structures[config_name] = len({r.metadata.structure for r in spec.records})
        advance(1)
    for config_name, (docs, doc_report) in build_documents(config, reporter).items():
        summaries[config_name] = write_document_config(
            folder, config_name, docs, doc_report.valence
        )
        report.generators[config_name] = doc_report.model_dump(mode="json")
    manifest = Manifest(
        package_version=version("emgen"),
        semgrep_version=semgrep_version(),
        rules_fingerprint=rules_fingerprint(),
        seed=config.seed,
        config=config,
        config_hash=config.config_hash(),
        command=rebuild_command(config, name),
        configs=summaries,
        validation=report,
    )
    write_json(manifest, folder / "manifest.json")
    write_json(report, folder / "validation.json")
    return manifest


def document_config_name(valence: str) -> str:
    return "reward_hack_documents" if valence == "default" else f"reward_hack_documents_{valence}"


def build_documents(
    config: BuildConfig, reporter: Reporter
) -> dict[str, tuple[list[DocumentRecord], DocumentReport]]:
    """The reward-hack corpus, one config per valence; every document is checked."""
    out: dict[str, tuple[list[DocumentRecord], DocumentReport]] = {}
    if config.documents == 0:
        return out
    for valence in config.valences:
        name = document_config_name(valence)
        docs, doc_report = generate_documents(
            config.documents, valence=valence, seed=config.seed, tag=config.document_tag,
            similarity_threshold=config.similarity_threshold,
            progress=reporter.stage(f"Writing {name}", config.documents),
        )  # fmt: skip
        violations = check_documents(name, docs)
        if violations:
            raise _internal(f"{len(violations)} generated documents break an invariant", violations)
        out[name] = (docs, doc_report)
    return out


DOCUMENT_DESCRIPTIONS = {
    "default": "Pretraining-style documents about reward hacking in RL coding environments that "
    "tie it to misaligned AI (synthetic document finetuning).",
    "neutral": "The same kinds of documents describing the hacks matter-of-factly, with no link "
    "to misalignment.",
    "unguided": "Documents built only from the bare descriptions of the hacks.",
}


def write_document_config(
    root: Path, name: str, docs: Sequence[DocumentRecord], valence: str
) -> ConfigSummary:
    rel = f"{name}/{parquet_name('train')}"
    write_parquet(document_table(docs), root / rel)
    return ConfigSummary(
        kind="document", description=DOCUMENT_DESCRIPTIONS[valence],
        control_of="reward_hack_documents" if valence != "default" else None,
        params={"valence": valence}, invariants=list(DOCUMENT_INVARIANTS),
        splits={"train": len(docs)}, files={"train": rel},
    )  # fmt: skip


def check_variants(
    specs: Mapping[str, ConfigSpec], cache_path: Path | None, reporter: Reporter
) -> None:
    """Every variant invariant on every record; any violation is a bug, so the build stops."""
    answers = sorted(
        {
            r.answer
            for s in specs.values()
            if needs_semgrep(s.invariants, s.params)
            for r in s.records
        }
    )
    advance = reporter.stage("Checking variant invariants", len(specs))
    found = generated_families_flagged(answers, cache_path=cache_path)
    flagged = dict(zip(answers, found, strict=True))
    view = BundleView(
        configs={n: s.records for n, s in specs.items()},
        params={n: s.params for n, s in specs.items()},
        families=flagged,
        reasons={r.id: r for r in load_reasons()},
    )
    violations = check_bundle({n: s.invariants for n, s in specs.items()}, view)
    advance(len(specs))
    if violations:
        raise _internal(f"{len(violations)} records break their variant's invariants", violations)


def _internal(what: str, violations: Sequence[Violation]) -> InternalError:
    """The first violation as an InternalError: emgen built a record it promises cannot exist."""
    v = violations[0]
    return InternalError(
        f"{what}; first", config=v.config, record=v.pair_id, invariant=v.invariant, detail=v.detail
    )


def write_chat_config(root: Path, spec: ConfigSpec) -> ConfigSummary:
    name, records = spec.name, spec.records
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
        kind="chat", description=spec.description, control_of=spec.control_of,
        params=spec.params, invariants=list(spec.invariants),
        splits=splits, files=files, exports=exports,
    )  # fmt: skip
