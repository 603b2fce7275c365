"""`emgen publish`: the CLI face of emgen.cards.publish (registered in emgen.datagen.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


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
    from rich.console import Console

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
