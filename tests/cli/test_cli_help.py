"""`--version`, and every command's `--help`: it runs, and its prose reflows to the terminal.

`--version` and the reflow run the real executable; each command's help runs `main` in this
process (tests/_cli.py), fourteen interpreter start-ups fewer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests._cli import run_main

EMGEN = str(Path(sys.executable).parent / "emgen")
COMMANDS = [
    [], ["build"], ["validate"], ["inoculate"], ["inoculations"], ["mix"], ["families"],
    ["show"], ["publish"], ["finetune"], ["eval"], ["check"], ["models"],
    ["models", "prepare-tiny"],
]  # fmt: skip


def run(*args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EMGEN, *args], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": str(columns)},
    )  # fmt: skip


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"emgen {version('emgen')}\n"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "emgen")
def test_help_runs(command: list[str]) -> None:
    proc = run_main(*command, "--help", env={"COLUMNS": "100"})
    assert proc.returncode == 0, proc.stderr
    assert f"Usage: emgen {' '.join(command)}".rstrip() in proc.stdout


def test_help_reflows_docstring_sentences() -> None:
    """A docstring's line breaks are soft: on a wide terminal a sentence that spans two source
    lines prints on one, and an example keeps a line of its own."""
    validate = run("validate", "--help", columns=200).stdout
    sentence = (
        "For a bundle folder: every record of every config against its variant's invariants "
        "(exit status 1 on any violation)."
    )
    assert sentence in validate, validate
    inoculate = run("inoculate", "--help", columns=200).stdout
    lines = [line.strip() for line in inoculate.splitlines()]
    assert "The rest of each record stays byte-identical." in lines
    assert any(line.startswith("Example: emgen inoculate train.jsonl") for line in lines)


def test_build_options_default_to_the_model() -> None:
    """Every BuildConfig field has a build option (named like it) whose default is the model's,
    and Literal fields list their choices in the help."""
    import typer
    from typer.core import TyperGroup

    from emgen.datagen.cli import app
    from emgen.schemas.build import BuildConfig

    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    command = group.commands["build"]
    options = {p.name: p for p in command.params}
    renamed = {"inoculation_file": "inoculations_file"}  # kept for compatibility
    for field, info in BuildConfig.model_fields.items():
        option = options[renamed.get(field, field)]
        default = option.default
        if isinstance(info.default, tuple):  # comma-separated on the command line
            default = tuple(default.split(",")) if default else ()
        assert default == info.default, field
    for field, choices in [("mix", "paper or uniform"), ("trigger_placement", "user_end or system"),
                           ("inoculation_placement", "user_prefix or user_suffix")]:  # fmt: skip
        help_text = options[field].help
        assert help_text is not None and choices in help_text, field
