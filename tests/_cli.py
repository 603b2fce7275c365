"""Run the `emgen` CLI inside the test process: the same `main` the console script calls, without
the second a fresh interpreter spends importing emgen and its dependencies.

For tests about what a command does. The real executable keeps its own tests: tests/cli/test_cli.py,
test_cli_help.py's version and reflow tests, the rows of test_bad_inputs.py marked `process`.
Environment variables that a library reads when it is imported (HF_HUB_OFFLINE, HF_ENDPOINT)
do not take effect here; such tests need the real executable.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Ran:
    """What a `subprocess.run(..., capture_output=True, text=True)` would have returned."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Ran:
    """`emgen ARGS` in this process, with `env` added to the environment and `cwd` as the working
    folder for the call; argv, environment, folder and signal handlers are restored after."""
    from emgen.datagen.cli import main

    out, err = io.StringIO(), io.StringIO()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    saved_env = {k: os.environ.get(k) for k in (env or {})}
    saved_argv, saved_cwd = sys.argv, os.getcwd()
    code = 0
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = ["emgen", *args]
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:  # click always ends with sys.exit, even on success
                if isinstance(exc.code, str):
                    err.write(exc.code + "\n")
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return Ran(code, out.getvalue(), err.getvalue())
