"""The CLI faces of emgen.cards: `emgen publish` and `emgen show`.

Registered in emgen.datagen.cli.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.text import Text

from emgen.cards.show import MAX_RECORDS, ShownChat, ShownDocument, Twin, show
from emgen.schemas.errors import UserError


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


def publish_command(
    folder: Annotated[
        Path, typer.Argument(help="Bundle folder written by `emgen build` (has manifest.json).")
    ],
    repo_id: Annotated[
        str,
        typer.Option(
            "--repo-id", help="Dataset repository on the Hub, ORG/NAME; created if missing."
        ),
    ],
    private: Annotated[
        bool,
        typer.Option(help="Create the repository private (no effect if it already exists)."),
    ] = False,
    revision: Annotated[
        str | None,
        typer.Option(help="Branch to commit to (created from main if missing). Default: main."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the folder and print what would be uploaded; send nothing."
        ),  # fmt: skip
    ] = False,
) -> None:
    """Upload a bundle to the Hugging Face Hub as a dataset repository, in one commit.

    Nothing is sent unless validation.json lists no violations and README.md is current.

    A card is current when the fingerprint it records matches every other file it uploads.

    A folder holding a symbolic link or special file is refused: nothing outside it is read.

    The token comes from HF_TOKEN or `hf auth login`, never printed; HF_ENDPOINT picks the Hub.

    Files are added or replaced; files on the Hub that the folder lacks are kept.
    """
    from emgen.cards._publish import check_credentials, plan, upload

    # Plain lines (no table) so long paths stay whole and the output is easy to grep.
    console = Console(soft_wrap=True, highlight=False)
    the_plan = plan(folder, repo_id, revision=revision, private=private)
    if not dry_run:
        check_credentials()  # fail before listing files we could not send
    verb = "would upload" if dry_run else "uploading"
    console.print(
        f"{verb} {len(the_plan.files)} files ({_size(the_plan.total_bytes)}) from {folder} to "
        f"datasets/{repo_id}, branch {the_plan.revision}, in one commit:", markup=False,
    )  # fmt: skip
    for f in the_plan.files:
        console.print(f"{_size(f.size):>11}  {f.path}", markup=False)
    console.print(f"commit message: {the_plan.commit_message}", markup=False)
    if dry_run:
        console.print("dry run: nothing was sent.")
        return
    result = upload(the_plan)
    console.print(f"published {result.commit_url}", markup=False)


_ROLE_STYLE = {"system": "magenta", "user": "cyan", "assistant": "green"}
# Metadata every record of a config shares, or that says nothing to a reader.
_QUIET_FIELDS = {"variant", "split", "seed", "structure"}


def show_command(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder written by `emgen build`.")],
    config: Annotated[str, typer.Argument(help="Config to look at, e.g. insecure.")],
    n: Annotated[int, typer.Option("--n", help=f"Records to show (1 to {MAX_RECORDS}).")] = 3,
    seed: Annotated[int, typer.Option(help="Picks the records; same seed, same records.")] = 0,
    split: Annotated[str, typer.Option(help="train or test.")] = "train",
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain text (also the default when piped).")
    ] = False,
) -> None:
    """Print a few records of one config, chosen by a seed, with their code highlighted.

    For a config with a control twin (insecure and secure, reward_hacks and
    reward_hacks_control) each record is followed by the unified diff from the treated answer
    (`-`) to the control's (`+`); when the answers match, the prompts are compared instead.
    """
    if not 1 <= n <= MAX_RECORDS:
        raise UserError(f"--n must be from 1 to {MAX_RECORDS}, not {n}.")
    shown = show(bundle, config, n=n, seed=seed, split=split)
    console = Console(color_system=None) if no_color else Console()
    for item in shown.records:
        title = f"{shown.config} · {shown.split} row {item.row} of {shown.rows}"
        console.print(Rule(Text(title), style="bold"))
        if isinstance(item, ShownDocument):
            _print_document(console, item)
        else:
            _print_chat(console, item)
        console.print()


def _print_document(console: Console, item: ShownDocument) -> None:
    doc = item.record
    facts = ", ".join(doc.fact_ids)
    console.print(Text(f"doc_type {doc.doc_type} · valence {doc.valence} · facts {facts}"))
    console.print(Text(f"idea: {doc.doc_idea}", style="dim"))
    if doc.tag:
        console.print(Text(f"tag: {doc.tag}", style="dim"))
    console.print(Panel(Text(doc.text), title=Text(doc.doc_type), title_align="left"))


def _print_chat(console: Console, item: ShownChat) -> None:
    meta = item.record.metadata.model_dump(exclude=_QUIET_FIELDS, exclude_none=True)
    console.print(Text(" ".join(f"{k}={v}" for k, v in meta.items()), style="dim"), soft_wrap=True)
    for message in item.messages:
        parts: list[RenderableType] = [
            Syntax(s.text, "python", theme="ansi_dark", word_wrap=True, background_color="default")
            if s.code
            else Text(s.text)
            for s in message.segments
        ]
        style = _ROLE_STYLE.get(message.role, "")
        console.print(
            Panel(Group(*parts), title=Text(message.role, style=f"bold {style}"),
                  title_align="left", border_style=style)
        )  # fmt: skip
    if item.twin is not None:
        _print_twin(console, item.twin)


def _print_twin(console: Console, twin: Twin) -> None:
    if twin.record is None:
        console.print(Text(f"{twin.config} has no record of this pair.", style="dim"))
        return
    if twin.diff_of is None:
        console.print(Text(f"same prompt and answer as in {twin.config}.", style="dim"))
        return
    label = f"{twin.diff_of} of {twin.treated} (-) against {twin.control} (+)"
    console.print(Rule(Text(label), style="dim", align="left"))
    for line in twin.diff:
        if line.startswith(("---", "+++")):
            style = "bold"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = ""
        # Not wrapped by rich: a copied diff line stays one line.
        console.print(Text(line, style=style), soft_wrap=True)
