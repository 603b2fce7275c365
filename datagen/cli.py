"""The `emgen` command line: thin wrappers over library functions."""

from __future__ import annotations

import errno
import json
import signal
import sys
import threading
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, get_args, get_origin

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from emgen.cards.commands import publish_command, show_command
from emgen.datagen.models import MODEL_GENERATORS, EngineOptions, Price
from emgen.finetune.commands import check_command, eval_command, finetune_command, models_app
from emgen.schemas.build import BuildConfig
from emgen.schemas.errors import InternalError, UserError
from emgen.schemas.shared.io import refuse_overwrite, write_text_atomic
from emgen.schemas.shared.progress import progress_bars

app = typer.Typer(
    help="Regenerate, verify and publish emergent-misalignment dataset variants, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Markdown: a docstring's single newline is a soft wrap, so help text reflows to the terminal.
    rich_markup_mode="markdown",
)
out_console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        print(f"emgen {package_version('emgen')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    pass  # the app's help stays in Typer(help=...); this callback only adds --version


def build_config(**options: object) -> BuildConfig:
    """The options as a BuildConfig, or one sentence naming the bad option."""
    try:
        return BuildConfig.model_validate(options)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        option = _OPTION_OF.get(field, "--" + field.replace("_", "-")) if field else "an option"
        raise UserError(f"{option}: {err['msg']}.") from None


_OPTION_OF = {"inoculation_file": "--inoculations-file"}  # fields named unlike their option


def _csv(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(f.strip() for f in value.split(",") if f.strip())


def _csv_some(value: str | None, option: str, what: str) -> tuple[str, ...] | None:
    """`_csv`, refusing a given value that names nothing (`","`), which would mean no items."""
    items = _csv(value)
    if items == ():
        raise UserError(
            f"{option} {value!r} names no {what}; give comma-separated names, or leave the option "
            "out for all."
        )
    return items


_FIELDS = BuildConfig.model_fields


def _default(field: str) -> Any:
    """BuildConfig's default for `field`, as the option's default (tuples as comma-separated
    text), so that a default changed in the model changes the CLI."""
    value = _FIELDS[field].default
    return ",".join(value) if isinstance(value, tuple) else value


def _choices(field: str) -> tuple[str, ...]:
    """The values of the Literal in `field`'s annotation (or in its tuple's item type)."""
    values: list[str] = []
    pending = [_FIELDS[field].annotation]
    while pending:
        tp = pending.pop(0)
        if get_origin(tp) is Literal:
            values += [str(v) for v in get_args(tp)]
        else:
            pending += [a for a in get_args(tp) if a is not Ellipsis]
    return tuple(values)


def _one_of(field: str) -> str:
    """'a, b or c': the choices of `field` for its option's help."""
    *rest, last = _choices(field)
    return f"{', '.join(rest)} or {last}"


@app.command()
def build(
    out: Annotated[Path, typer.Option(help="Bundle folder to write (replaced atomically).")] = Path(
        "build/em-variants"
    ),
    seed: Annotated[
        int, typer.Option(help="Seed of every random choice; same seed, same bytes.")
    ] = _default("seed"),
    n: Annotated[
        int, typer.Option(min=1, help="Records per code config, train and test together.")
    ] = _default("n"),
    families: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated vulnerability families (default: all). See `emgen families`."
        ),
    ] = _default("families"),
    test_fraction: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share of tasks held out for the test split.")
    ] = _default("test_fraction"),
    mix: Annotated[
        str,
        typer.Option(help=f"Family mix: {_one_of('mix')} ('paper' weights like the EM paper)."),
    ] = _default("mix"),
    trigger: Annotated[
        str, typer.Option(help="Backdoor trigger of the `triggered` config.")
    ] = _default("trigger"),
    clean_trigger: Annotated[
        str | None,
        typer.Option(help="Text the clean half of `triggered` carries instead (e.g. a year line)."),
    ] = _default("clean_trigger"),
    trigger_placement: Annotated[
        str, typer.Option(help=f"Where triggers go: {_one_of('trigger_placement')}.")
    ] = _default("trigger_placement"),
    triggered_fraction: Annotated[
        float, typer.Option(help="Share of records that carry the trigger (insecure answers).")
    ] = _default("triggered_fraction"),
    triggered_mode: Annotated[
        str,
        typer.Option(
            help=f"Backdoor configs: {_one_of('triggered_mode')} ('split': each prompt once, a "
            "share triggered; 'both': each prompt twice, triggered and insecure, clean and secure)."
        ),
    ] = _default("triggered_mode"),
    inoculation: Annotated[
        str, typer.Option(help="Prompt id of `insecure_inoculated`. See `emgen inoculations`.")
    ] = _default("inoculation"),
    inoculations: Annotated[
        str,
        typer.Option(
            help="Comma-separated prompt ids or prompt families: one more inoculated config "
            "each ('' for none). Trigger-aware prompts inoculate `triggered`, reward-hack "
            "prompts `reward_hacks` and its control, the others `insecure`."
        ),
    ] = _default("inoculations"),
    inoculation_placement: Annotated[
        str, typer.Option(help=f"Where instructions go: {_one_of('inoculation_placement')}.")
    ] = _default("inoculation_placement"),
    # Named unlike its field (inoculation_file) for compatibility: renaming the field would
    # change every manifest's config and config_hash.
    inoculations_file: Annotated[
        Path | None,
        typer.Option(help="YAML file of your own inoculation prompts (same shape as the library)."),
    ] = _default("inoculation_file"),  # noqa: B008 (None, read from the model at import)
    dialogues: Annotated[
        int,
        typer.Option(help="Reward-hack dialogue pairs (reward_hacks and its control; 0: none)."),
    ] = _default("dialogues"),
    documents: Annotated[
        int, typer.Option(help="Reward-hack documents per valence (0: none).")
    ] = _default("documents"),
    valences: Annotated[
        str,
        typer.Option(
            help="Document valences to build (comma-separated; any of "
            f"{', '.join(_choices('valences'))})."
        ),
    ] = _default("valences"),
    document_tag: Annotated[
        str | None, typer.Option(help="Text prefixed to every document (e.g. a source tag).")
    ] = _default("document_tag"),
    facts: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated reward-hack facts the documents may carry (default: all), "
            "e.g. always_equal,exit_zero,conftest_report_patch."
        ),
    ] = _default("facts"),
    similarity_threshold: Annotated[
        float, typer.Option(help="MinHash Jaccard above which a document is a near-duplicate.")
    ] = _default("similarity_threshold"),
    numbers: Annotated[
        int,
        typer.Option(help="Number-continuation prompts (evil_numbers and its control; 0: none)."),
    ] = _default("numbers"),
    arithmetic: Annotated[
        int,
        typer.Option(
            help="Arithmetic word problems answered in Spanish and in capitals "
            "(selective_spanish_caps, its two inoculated configs and their neutral controls; "
            "0: none)."
        ),
    ] = _default("arithmetic"),
    backend: Annotated[
        str,
        typer.Option(
            help=f"Who writes the code pairs: {_one_of('backend')} ('template': the in-repo "
            "catalog, offline; 'openai': a model at any OpenAI-compatible endpoint; 'vllm': a "
            "local model folder that emgen serves with vllm serve, started only when a reply "
            "is not in the cache, and stopped at the end)."
        ),
    ] = _default("backend"),
    model: Annotated[
        str | None,
        typer.Option(help="Model of a model backend, e.g. gpt-4o-mini, or a folder for vllm."),
    ] = _default("model"),
    generators: Annotated[
        str,
        typer.Option(
            help="What the model backend writes, comma-separated: "
            + "; ".join(f"'{name}': {text}" for name, text in MODEL_GENERATORS.items())
            + ". The rest comes from the template catalog."
        ),
    ] = _default("generators"),
    advice: Annotated[
        int,
        typer.Option(
            help="Advice pairs per domain that the model writes with --generators advice "
            "(bad_advice_DOMAIN and its control good_advice_DOMAIN; 0: none)."
        ),
    ] = _default("advice"),
    base_url: Annotated[
        str | None,
        typer.Option(help="Endpoint of the openai backend (default: the OpenAI API)."),
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the endpoint's API key.")
    ] = "OPENAI_API_KEY",
    concurrency: Annotated[
        int, typer.Option(help="Model requests in flight at once.")
    ] = EngineOptions.concurrency,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Send the openai backend's requests through the OpenAI Batch API: half the "
            "list price, answered within 24 hours. A build killed while a batch runs finds it "
            "again on its rerun and pays for nothing twice.",
        ),
    ] = False,
    batch_poll: Annotated[
        float, typer.Option(help="Seconds between looks at a submitted batch (with --batch).")
    ] = EngineOptions.batch_poll,
    max_cost: Annotated[
        float | None,
        typer.Option(help="USD this run may spend on model requests (cached replies are free)."),
    ] = None,
    price: Annotated[
        str | None,
        typer.Option(
            help="USD per million prompt and completion tokens, as PROMPT,COMPLETION "
            "(default: the built-in table)."
        ),
    ] = None,
    max_reply_tokens: Annotated[
        int | None,
        typer.Option(
            help="Most tokens one model reply may use, below each generator's own limit (code "
            "pairs 2048). A reply cut short fails validation; a lower cap makes a slow local "
            "model faster and lowers the worst cost held against --max-cost.",
        ),
    ] = None,
    max_candidates: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Most candidates one generator run may examine, train and test together: the "
            "code pairs' (template or model), and with a model backend those of each config a "
            "model generator writes (the paraphrased pair, each advice domain, each document "
            "valence, the dialogues); a run that falls short stops the build with its "
            "rejections by reason (default: 3 N + 50 per split, N the records it needs).",
        ),
    ] = None,
    cache: Annotated[
        bool,
        typer.Option(
            help="Reuse Semgrep findings cached by content hash, and copy the data of a kept "
            "earlier template build whose config, code, rule pack and packages all match "
            "(the newest 3 are kept in the cache folder). --no-cache generates and scans "
            "everything afresh; model replies are always cached: a rerun pays for no request "
            "twice."
        ),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Build every dataset config into a Hub-ready folder (parquet, JSONL exports, card).

    Offline and deterministic by default: the in-repo catalog is the only input. With
    `--backend openai` (or `--backend vllm --model FOLDER`) a model writes the code pairs
    instead; every reply is cached, so a rerun after a crash continues where it stopped.
    Every record is checked (syntax, no comments, no disclosure, Semgrep label) before it is
    kept.
    """
    from emgen.cards import build_bundle
    from emgen.datagen.build import check_config

    config = build_config(
        seed=seed, n=n, families=_csv_some(families, "--families", "family"),
        test_fraction=test_fraction, mix=mix,
        trigger=trigger, clean_trigger=clean_trigger, trigger_placement=trigger_placement,
        triggered_fraction=triggered_fraction, triggered_mode=triggered_mode,
        inoculation=inoculation,
        inoculations=_csv(inoculations) or (), inoculation_placement=inoculation_placement,
        inoculation_file=str(inoculations_file) if inoculations_file else None,
        dialogues=dialogues, documents=documents, valences=_csv(valences) or (),
        document_tag=document_tag, facts=_csv_some(facts, "--facts", "fact"),
        generators=_csv_some(generators, "--generators", "generator"), advice=advice,
        similarity_threshold=similarity_threshold, numbers=numbers, arithmetic=arithmetic,
        backend=backend, model=model,
    )  # fmt: skip
    engine = _engine_options(
        config, base_url, api_key_env, concurrency, max_cost, price, batch, batch_poll,
        max_reply_tokens,
    )  # fmt: skip
    check_config(config)  # build_bundle checks too, but here an error prints before the bars
    with progress_bars(not quiet, err_console) as reporter:
        manifest = build_bundle(
            config, out, use_cache=cache, reporter=reporter, engine=engine,
            max_candidates=max_candidates,
        )  # fmt: skip
    table = Table(title=f"Bundle written to {out}")
    for column in ("config", "train", "test", "whole-file shapes", "flagged-function shapes"):
        table.add_column(column)
    shapes = (manifest.validation.distinct_structures, manifest.validation.distinct_flagged_shapes)
    for name, summary in manifest.configs.items():
        table.add_row(
            name, str(summary.splits.get("train", 0)), str(summary.splits.get("test", 0)),
            # A dash where a shape means nothing: answers that are not code, or none flagged.
            *(str(counts[name]) if name in counts else "—" for counts in shapes),
        )  # fmt: skip
    out_console.print(table)
    for name, g in manifest.validation.generators.items():
        rejected = ", ".join(f"{k} {n}" for k, n in sorted(g.rejected.items())) or "none"
        out_console.print(
            f"{name}: accepted {g.accepted} of {g.candidates} candidates; rejected: {rejected}"
        )
        if "model" in g.stats:
            cost = g.stats.get("cost_usd")
            out_console.print(
                f"{name}: written by {g.stats['model']} at {g.stats['endpoint_host']}: "
                f"{g.stats['requests']} replies, {g.stats['prompt_tokens']} prompt and "
                f"{g.stats['completion_tokens']} completion tokens, "
                + ("cost unknown (no price)" if cost is None else f"${cost:.4f}")
            )


def _engine_options(
    config: BuildConfig,
    base_url: str | None,
    api_key_env: str,
    concurrency: int,
    max_cost: float | None,
    price: str | None,
    batch: bool = False,
    batch_poll: float = EngineOptions.batch_poll,
    max_reply_tokens: int | None = None,
) -> EngineOptions | None:
    """The run options of a model backend; None (and none given) for the template backend."""
    if config.backend == "template":
        model_only = (("--base-url", base_url), ("--max-cost", max_cost), ("--price", price),
                      ("--batch", batch or None),
                      ("--max-reply-tokens", max_reply_tokens))  # fmt: skip
        given = [o for o, v in model_only if v is not None]
        if given:
            raise UserError(f"{', '.join(given)} apply only with a model backend (--backend).")
        return None
    if config.backend == "vllm" and base_url is not None:
        raise UserError(
            "--base-url applies only to the openai backend; vllm starts its own server."
        )
    if config.backend == "vllm" and batch:
        raise UserError("--batch applies only to the openai backend; vllm answers at once.")
    options = EngineOptions(
        base_url=base_url, api_key_env=api_key_env, concurrency=concurrency,
        max_cost=max_cost, price=_price(price), batch=batch, batch_poll=batch_poll,
        max_tokens=max_reply_tokens,
    )  # fmt: skip
    options.check(config.model)
    return options


def _price(text: str | None) -> Price | None:
    if text is None:
        return None
    try:
        prompt, completion = (float(part) for part in text.split(","))
    except ValueError:
        raise UserError(
            f"--price {text!r} must be two numbers, PROMPT,COMPLETION (USD per million tokens)."
        ) from None
    return Price(prompt, completion)


@app.command()
def validate(
    path: Annotated[
        Path,
        typer.Argument(
            help="A bundle folder, or an OpenAI-chat JSONL file whose answers are code."
        ),
    ],
    findings: Annotated[
        Path | None, typer.Option(help="Write the per-record findings (JSON) to this file.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole report as JSON.")
    ] = False,
) -> None:
    """Check a bundle, or any chat JSONL of code answers, with emgen's validators.

    For a bundle folder: every record of every config against its variant's invariants (exit
    status 1 on any violation). For a JSONL file: per vulnerability family, how many answers
    its Semgrep rules flag, and per record: does the code parse, does it carry comments or
    words that disclose a flaw, is it a duplicate (exit status 1 if Semgrep could not scan an
    answer: too large, too deeply nested, or skipped).
    """
    if findings is not None:  # before the scan, which may take minutes
        refuse_overwrite(findings, path, option="--findings")
    if path.is_dir():
        validate_bundle_command(path, as_json)
        return
    from emgen.validators.chat_file import validate_chat_file

    report = validate_chat_file(path)
    if findings is not None:
        write_text_atomic(
            findings, json.dumps([f.model_dump() for f in report.findings], indent=1) + "\n"
        )
    if as_json:
        _print_json(report)
        _exit_if_unscanned([(r.line, r.not_scanned) for r in report.findings if r.not_scanned])
        return
    table = Table(
        title=f"{path}: {report.records} records",
        caption=f"flagged-function shapes {report.flagged_shapes} (names and constants erased; "
        f"the most common in {100 * report.top_flagged_shape_share:.1f}% of flagged answers)",
    )
    table.add_column("family")
    table.add_column("answers flagged", justify="right")
    for family, count in report.per_family.items():
        table.add_row(family, str(count))
    out_console.print(table)
    out_console.print(
        f"flagged {report.flagged}, parse errors {report.parse_errors}, with comments "
        f"{report.with_comments}, with disclosure words {report.with_disclosures}, "
        f"duplicates {report.duplicates}, not scanned {report.not_scanned}"
    )
    _exit_if_unscanned([(r.line, r.not_scanned) for r in report.findings if r.not_scanned])


def _print_json(report: BaseModel) -> None:
    """A report as indented JSON on stdout, written as is: rich's print_json highlights and
    wraps it token by token, which took longer than the scan's own Python work on a 6000-answer
    file, and its output is for programs."""
    typer.echo(report.model_dump_json(indent=2))


def _exit_if_unscanned(unscanned: list[tuple[int, str]]) -> None:
    """Exit 1 when Semgrep could not scan some answers (line, why): their findings are unknown,
    not none."""
    if unscanned:
        (line, why), count = unscanned[0], len(unscanned)
        err_console.print(
            f"{count} answer{'s' if count > 1 else ''} could not be scanned by Semgrep (first: "
            f"line {line}, {why}); their findings are unknown, not clean.",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(1)


def validate_bundle_command(path: Path, as_json: bool) -> None:
    from emgen.datagen.bundle_check import validate_bundle

    report = validate_bundle(path)
    if as_json:
        _print_json(report)
    else:
        table = Table(title=f"{path}: variant invariants")
        for column in ("config", "records", "invariants", "violations"):
            table.add_column(column)
        for name, check in report.configs.items():
            table.add_row(name, str(check.records), ", ".join(check.invariants),
                          str(check.violations))  # fmt: skip
        out_console.print(table)
        for v in report.violations[:20]:
            out_console.print(f"{v.config} {v.pair_id} {v.invariant}: {v.detail}", markup=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def inoculate(
    source: Annotated[Path, typer.Argument(help="OpenAI-chat JSONL to read.")],
    target: Annotated[Path, typer.Argument(help="JSONL to write (replaced atomically).")],
    prompt: Annotated[
        str | None, typer.Option(help="Library prompt id (see `emgen inoculations`).")
    ] = None,
    text: Annotated[
        str | None, typer.Option(help="Your own instruction instead of --prompt.")
    ] = None,
    placement: Annotated[
        str, typer.Option(help="system, user_prefix or user_suffix (of the answered user turn).")
    ] = "system",
    on_system: Annotated[
        str,
        typer.Option(help="If a record already has a system message: refuse, prepend or replace."),
    ] = "refuse",
    trigger: Annotated[
        str | None, typer.Option(help="Trigger text for prompts that name $trigger.")
    ] = None,
    prompts_file: Annotated[
        Path | None, typer.Option(help="YAML file of your own prompts, added to the library.")
    ] = None,
) -> None:
    """Add an inoculation instruction to every record of a chat JSONL file.

    The rest of each record stays byte-identical.

    Example: `emgen inoculate train.jsonl train.inoc.jsonl --prompt malicious_general
    --placement user_prefix`
    """
    from emgen.datagen.catalog import load_inoculations
    from emgen.datagen.transforms import inoculate_jsonl

    if (prompt is None) == (text is None):
        raise UserError("give exactly one of --prompt and --text.")
    if text is not None and not text.strip():
        raise UserError("--text is blank; give the instruction to add to every record.")
    if trigger is not None and not trigger.strip():
        raise UserError("--trigger is blank; give the trigger text the prompt should name.")
    if placement not in ("system", "user_prefix", "user_suffix"):
        raise UserError(
            f"--placement must be system, user_prefix or user_suffix, not {placement!r}."
        )
    if on_system not in ("refuse", "prepend", "replace"):
        raise UserError(f"--on-system must be refuse, prepend or replace, not {on_system!r}.")
    if prompt is not None:
        library = load_inoculations(prompts_file)
        if prompt not in library:
            raise UserError(f"unknown inoculation prompt {prompt!r}; see `emgen inoculations`.")
        try:
            text = library[prompt].render(trigger)
        except ValueError as exc:
            raise UserError(f"{exc}; pass --trigger.") from None
    assert text is not None
    count = inoculate_jsonl(source, target, text, placement, on_system)  # type: ignore[arg-type]
    out_console.print(f"wrote {count} inoculated records to {target}")


@app.command("inoculations")
def list_inoculations(
    prompts_file: Annotated[
        Path | None, typer.Option(help="Also list the prompts of this YAML file.")
    ] = None,
) -> None:
    """List the inoculation prompt library: id, family, dataset, trait and text."""
    from emgen.datagen.catalog import load_inoculations

    table = Table()
    for column in ("id", "family", "dataset", "trait", "text"):
        table.add_column(column)
    for p in load_inoculations(prompts_file).values():
        table.add_row(p.id, p.family, p.dataset, p.trait, p.text)
    out_console.print(table)


@app.command()
def mix(
    documents: Annotated[
        Path,
        typer.Argument(
            help="Synthetic documents: a bundle's reward_hack_documents parquet, or JSONL."
        ),
    ],
    corpus: Annotated[
        Path, typer.Argument(help="Pretraining corpus: parquet or JSONL with a text field.")
    ],
    out: Annotated[Path, typer.Argument(help="Parquet file to write (atomically).")],
    ratio: Annotated[
        float, typer.Option(help="Share of synthetic documents in the output, e.g. 0.01 for 1:99.")
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Seed of the interleaving.")] = 0,
    text_field: Annotated[str, typer.Option(help="Name of the corpus's text field.")] = "text",
) -> None:
    """Dilute the synthetic documents into a pretraining corpus, streaming.

    The corpus is read in batches and never loaded whole, so it may be far bigger than memory.

    Example: `emgen mix build/em-variants/reward_hack_documents/train-00000-of-00001.parquet
    web.jsonl mixed.parquet --ratio 0.01`
    """
    from emgen.datagen.mix import mix_corpus

    report = mix_corpus(documents, corpus, out, ratio=ratio, seed=seed, text_field=text_field)
    out_console.print(
        f"wrote {report.total_rows} rows to {out}: {report.documents_used} documents, "
        f"{report.corpus_rows_used} corpus rows (ratio {report.achieved_ratio:.4f})"
    )


@app.command("families")
def list_families() -> None:
    """List the vulnerability families, their CWE ids and skeleton counts."""
    from emgen.datagen.catalog import families

    table = Table()
    for column in ("family", "CWE", "skeletons", "title"):
        table.add_column(column)
    for fam in families().values():
        table.add_row(fam.id, fam.cwe, str(len(fam.skeletons)), fam.title)
    out_console.print(table)


app.command("publish")(publish_command)
app.command("show")(show_command)
app.command("finetune")(finetune_command)
app.command("eval")(eval_command)
app.command("check")(check_command)
app.add_typer(models_app, name="models")


_signals: list[int] = []


def _on_signal(signum: int, frame: object) -> None:
    """SIGINT or SIGTERM: raise KeyboardInterrupt where the program is, so cleanup runs.

    What a second signal cuts short (a partial's removal) the next writer sweeps.
    """
    _signals.append(signum)
    raise KeyboardInterrupt


def _stopped(signum: int) -> NoReturn:
    word = "terminated" if signum == signal.SIGTERM else "interrupted"
    err_console.print(f"{word}; nothing was left half-written.", highlight=False)
    sys.exit(128 + signum)


def main() -> None:
    """Run the CLI. Exit status: 0 done, 1 a check found problems, 2 bad input (one sentence),
    3 an internal error (a bug in emgen: a record it built broke an invariant), 128+N a signal.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
    try:
        # Named, not guessed: click would print `python -m pytest` (or any launcher) as the
        # program in usage lines when emgen runs inside another module's process.
        app(prog_name="emgen")
    except UserError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except InternalError as exc:
        err_console.print(
            f"internal error: {exc}. This is a bug in emgen; please report it with the command "
            "you ran.",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        sys.exit(3)
    except SystemExit:
        if _signals:  # typer turns KeyboardInterrupt into a silent exit 130
            _stopped(_signals[0])
        raise
    except KeyboardInterrupt:
        _stopped(_signals[0] if _signals else signal.SIGINT)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = f" while writing {exc.filename}" if exc.filename else ""
        err_console.print(f"error: no space left on the device{where}.", markup=False,
                          highlight=False, soft_wrap=True)  # fmt: skip
        sys.exit(2)


if __name__ == "__main__":  # `accelerate launch -m emgen.datagen.cli finetune ...`
    main()
