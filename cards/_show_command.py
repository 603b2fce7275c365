"""`emgen show`: the CLI face of emgen.cards.show (registered in emgen.datagen.cli)."""

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
