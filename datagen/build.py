"""The build pipeline: catalog -> candidates -> validation -> data, manifest and report on disk.

emgen.cards.build_bundle runs it in a temporary folder, adds the card and moves it into place.
"""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from importlib.metadata import version
from itertools import chain
from pathlib import Path

from emgen.datagen._built import FOLDER_NAME, BuildCache, build_key
from emgen.datagen.arithmetic import load_arithmetic
from emgen.datagen.catalog import CatalogError, families, load_tasks, load_templates
from emgen.datagen.code_pairs import CodePair, generate_pairs
from emgen.datagen.invariants import check_configs, scan_answers
from emgen.datagen.models import CACHE_NAME, MODEL_GENERATORS, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.advice import load_domains
from emgen.datagen.models.code_pairs import generate_model_pairs
from emgen.datagen.variants import (
    ConfigSpec,
    DocumentSpec,
    Spec,
    VariantOutput,
    build_variants,
    build_without_pairs,
    warm_ahead,
)
from emgen.datagen.variants.inoculated import check_inoculations
from emgen.datagen.variants.reward_hack_documents import chosen_facts
from emgen.schemas.build import BuildConfig, ConfigSummary, Manifest, ValidationReport
from emgen.schemas.catalog import Family
from emgen.schemas.errors import InternalError, UserError
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
    Scan,
    default_cache_path,
    generated_families_flagged,
    rules_fingerprint,
    semgrep_version,
    spare_work,
)
from emgen.validators.shapes import records_shape_counts


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
    chosen_facts(config)
    select_families(config.families)
    load_tasks()
    load_templates()
    if config.arithmetic:
        load_arithmetic()
    for name in config.generators:
        MODEL_GENERATORS[name]  # an unknown name is one sentence listing the known ones
    if "advice" in config.generators and config.advice:
        load_domains()


@contextmanager
def model_engine(
    config: BuildConfig,
    options: EngineOptions | None,
    cache_path: Path | None,
    reporter: Reporter | None = None,
) -> Iterator[Engine | None]:
    """The one engine of a model-backed build (None for the template backend), its replies
    cached beside the Semgrep cache so a rerun pays for no request twice; closed (and a local
    server stopped) at the end. Its figures (replies, in flight, tokens, cost) are a status
    line of `reporter`."""
    if config.backend == "template":
        yield None
        return
    if config.model is None:
        raise UserError(f"the {config.backend} backend needs a model name (--model).")
    replies = ReplyCache((cache_path or default_cache_path()).with_name(CACHE_NAME))
    engine = Engine(config.backend, config.model, options or EngineOptions(), replies)
    if reporter is not None:
        engine.watch = reporter.status(f"Model {config.model} at {engine.host}")
    try:
        yield engine
    finally:
        engine.close()
        replies.close()


def write_data(
    config: BuildConfig,
    folder: Path,
    *,
    name: str,
    cache_path: Path | None = None,
    use_cache: bool = True,
    reporter: Reporter | None = None,
    engine: EngineOptions | None = None,
    max_candidates: int | None = None,
) -> Manifest:
    """Build every config into `folder`: the data files, manifest.json and validation.json.

    `engine` says how to reach the model of a model backend (`config.backend`); its replies
    are always cached beside the Semgrep cache, so a rerun pays for no request twice.
    `max_candidates` bounds the candidates each generator run examines, train and test
    together: the code pairs' (template or model), and with a model backend each config a model
    generator writes (the paraphrased pair, each advice domain, each document valence, the
    dialogues). None: the generation loop's default budget per split. The template generators
    of dialogues, documents and numbers keep their own budgets.

    `folder` is the caller's to make atomic (emgen.cards.build_bundle writes it in a temporary
    sibling, adds the card and moves it into place); `name` is the bundle's folder name, which
    the manifest's rebuild command names.

    With `use_cache`, a template build whose every input matches a build kept beside the
    Semgrep cache copies that build's checked data (emgen.datagen._built) instead of making it.
    """
    reporter = reporter or Silent()
    scan_cache = (cache_path or default_cache_path()) if use_cache else None
    builds = BuildCache(scan_cache.with_name(FOLDER_NAME)) if scan_cache else None
    key = build_key(config, max_candidates) if builds else None  # None: never kept
    if builds and key and builds.restore(key, folder):
        reporter.stage("Reused the data of an identical earlier build", 1)(1)
        return _restored_manifest(config, folder, name)
    with ExitStack() as stack:
        if scan_cache is None:
            # No cache kept, but the findings live as long as the build: its invariant check
            # reads the answers the generators scanned minutes before, and scanning them again
            # doubled the Semgrep work of a --no-cache build.
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="emgen-findings-"))
            scan_cache = Path(tmp) / "findings.sqlite"
        manifest = _generate(
            config, folder, name, reporter, cache_path=cache_path, scan_cache=scan_cache,
            engine=engine, max_candidates=max_candidates,
        )  # fmt: skip
    if builds and key:
        builds.store(key, folder)
    return manifest


def _restored_manifest(config: BuildConfig, folder: Path, name: str) -> Manifest:
    """The kept manifest, its rebuild command naming this build's folder."""
    path = folder / "manifest.json"
    kept = Manifest.model_validate_json(path.read_bytes())
    manifest = kept.model_copy(update={"command": rebuild_command(config, name)})
    write_json(manifest, path)
    return manifest


def _generate(
    config: BuildConfig,
    folder: Path,
    name: str,
    reporter: Reporter,
    *,
    cache_path: Path | None,
    scan_cache: Path | None,
    engine: EngineOptions | None,
    max_candidates: int | None,
) -> Manifest:
    chosen = select_families(config.families)
    tasks, templates = load_tasks(), load_templates()
    scan = partial(generated_families_flagged, cache_path=scan_cache)
    with model_engine(config, engine, cache_path, reporter) as model:
        advance = reporter.stage("Generating and validating pairs", config.n)
        # While Semgrep scans the pairs, a template build works in this thread, one step at a
        # time: first it makes the variants that need no code pair (the same records, since
        # each variant draws from its own seeded stream; what the scans leave undone,
        # build_variants builds in its place), then the variants' memoised per-answer work on
        # the candidate pairs (warm_ahead), which they then find done.
        ready: dict[str, VariantOutput] = {}
        proposed: list[CodePair] = []
        ahead: Iterator[object] = iter(())
        if model is None:
            ahead = chain(build_without_pairs(config, scan, ready, reporter), warm_ahead(proposed))
        with spare_work(ahead):
            if model is not None and "code_pairs" in config.generators:
                pairs, pair_report = generate_model_pairs(
                    config, chosen, tasks, templates, model, cache_path=scan_cache,
                    max_candidates=max_candidates, progress=advance,
                )  # fmt: skip
            else:
                pairs, pair_report = generate_pairs(
                    config, chosen, tasks, templates, cache_path=scan_cache,
                    max_candidates=max_candidates, progress=advance, proposed=proposed,
                )  # fmt: skip
        specs, reports = build_variants(
            pairs, config, scan, reporter, engine=model, max_candidates=max_candidates,
            ready=ready,
        )  # fmt: skip
    report = ValidationReport(generators={"code_pairs": pair_report, **reports})
    advance = reporter.stage("Checking variant invariants", len(specs))
    scans = scan_answers(list(specs.values()), cache_path=scan_cache)  # read again for shapes
    check_built(list(specs.values()), cache_path=scan_cache, scans=scans)
    advance(len(specs))
    summaries: dict[str, ConfigSummary] = {}
    advance = reporter.stage("Writing configs", len(specs))
    for config_name, spec in specs.items():
        if isinstance(spec, ConfigSpec):
            summaries[config_name] = write_chat_config(folder, spec)
            structures = {r.metadata.structure for r in spec.records}
            if None not in structures:  # only code answers have a whole-file shape
                report.distinct_structures[config_name] = len(structures)
            shapes = records_shape_counts(spec.records, scans)
            if shapes is not None:
                report.distinct_flagged_shapes[config_name] = shapes.distinct
                report.top_flagged_shape_share[config_name] = shapes.top_share
        else:
            summaries[config_name] = write_document_config(folder, spec)
        advance(1)
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


def check_built(
    specs: Sequence[Spec], *, cache_path: Path | None, scans: Mapping[str, Scan] | None = None
) -> None:
    """The invariant check `emgen validate` runs, on what the build is about to write; any
    violation is a record emgen promises cannot exist, so a bug: InternalError, not data."""
    violations = check_configs(specs, cache_path=cache_path, scans=scans)
    if violations:
        v = violations[0]
        raise InternalError(
            f"{len(violations)} records break their variant's invariants; first",
            config=v.config, record=v.pair_id, invariant=v.invariant, detail=v.detail,
        )  # fmt: skip


def write_document_config(root: Path, spec: DocumentSpec) -> ConfigSummary:
    rel = f"{spec.name}/{parquet_name('train')}"
    write_parquet(document_table(spec.records), root / rel)
    return ConfigSummary(
        kind="document", description=spec.description, control_of=spec.control_of,
        params=spec.params, invariants=list(spec.invariants),
        splits={"train": len(spec.records)}, files={"train": rel},
    )  # fmt: skip


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
