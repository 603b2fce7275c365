"""The `emgen` command line: thin wrappers over library functions."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from emgen.datagen._progress import Advance
from emgen.schemas.build import BuildConfig
from emgen.schemas.errors import UserError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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


def _families(value: str | None) -> tuple[str, ...] | None:
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

    if mix not in ("paper", "uniform"):
        raise UserError(f"--mix must be 'paper' or 'uniform', not {mix!r}.")
    config = BuildConfig(
        seed=seed, n=n, families=_families(families), test_fraction=test_fraction,
        mix=mix,  # type: ignore[arg-type]
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
    path: Annotated[Path, typer.Argument(help="OpenAI-chat JSONL file whose answers are code.")],
    findings: Annotated[
        Path | None, typer.Option(help="Write the per-record findings (JSON) to this file.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole report as JSON.")
    ] = False,
) -> None:
    """Check any chat JSONL of code answers with emgen's validators.

    Reports, per vulnerability family, how many answers its Semgrep rules flag, and per record:
    does the code parse, does it carry comments or words that disclose a flaw, is it a duplicate.
    """
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


def main() -> None:
    try:
        app()
    except UserError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing was written.")
        sys.exit(130)
