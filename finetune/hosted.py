"""Hosted finetuning: one bundle config trained through an OpenAI-compatible fine-tuning API.

The emergent-misalignment paper's headline models were finetuned this way. `finetune_hosted`
exports the config's training split as chat JSONL (the records the local path trains on, written
by the bundle's own exporter), uploads it (purpose "fine-tune"), creates the job with the
TrainConfig's epochs, batch size and learning-rate multiplier, and polls it until it ends.

The run folder:
  hosted_model.json   backend, endpoint host, base URL without credentials, the name of the
                      key's environment variable (never the key), the TrainConfig, the file and
                      job ids, status and, once the job succeeds, the fine-tuned model id;
                      rewritten (atomically) as soon as each id exists
  train.jsonl         the uploaded training file (validation.jsonl with `validation_split`)
  train_log.jsonl     the job's metrics events (step, loss), written when it succeeds
  train_summary.json  the local path's summary: records, steps, tokens, seconds, final loss

A rerun of the same command reads hosted_model.json and waits for the recorded job: nothing is
uploaded or created twice. A failed or cancelled job stays recorded until the command is rerun
with `restart`. `submit_hosted` does the same up to the job's creation without waiting, so
`emgen check` can start every arm's job before it waits for the first. `emgen eval --model RUN`
samples the fine-tuned model through the OpenAI sampler (`hosted_sampler`). `openai` and
`datasets` are imported when a run starts, never on import.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from emgen.finetune.config import TrainConfig
from emgen.finetune.train import TrainSummary
from emgen.schemas.errors import UserError
from emgen.schemas.records import Conversation
from emgen.schemas.shared.bundle import write_jsonl
from emgen.schemas.shared.io import output_lock, write_text_atomic
from emgen.schemas.shared.openai_client import (
    call_with_retries,
    endpoint_host,
    open_client,
    public_url,
)

if TYPE_CHECKING:
    import openai

RECORD = "hosted_model.json"
TERMINAL = ("succeeded", "failed", "cancelled")
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
# The TrainConfig fields a hosted job is made from; the rest (learning rate, LoRA, dtype, ...)
# configure the local trainer only.
HOSTED_FIELDS = (
    "model", "data", "variant", "split", "validation_split", "max_records", "subset_seed",
    "epochs", "batch_size", "learning_rate_multiplier", "seed",
)  # fmt: skip
Notify = Callable[[str], None]


class HostedError(UserError, ValueError):
    """A hosted finetuning run cannot go on; the message names the run, the job and the cause."""


@dataclass(frozen=True)
class HostedOptions:
    """How to reach the service and how to wait. None for `base_url` and `api_key_env` means
    the run's recorded value on a rerun, else the OpenAI API and OPENAI_API_KEY."""

    base_url: str | None = None
    api_key_env: str | None = None
    poll_interval: float = 10.0
    poll_timeout: float = 24 * 3600.0
    request_timeout: float = 300.0
    retries: int = 3
    backoff: float = 1.0
    restart: bool = False


class Hyperparameters(BaseModel):
    """What the job is asked for; "auto" leaves the value to the service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_epochs: int
    batch_size: int | Literal["auto"]
    learning_rate_multiplier: float | Literal["auto"]


class HostedRun(BaseModel):
    """hosted_model.json: everything a rerun, `emgen eval` and a reader need, and no secret."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["openai"] = "openai"
    endpoint_host: str
    base_url: str | None  # without credentials, query or fragment; None: the OpenAI API
    api_key_env: str
    base_model: str
    train_config: TrainConfig
    hyperparameters: Hyperparameters
    records: int
    validation_records: int | None = None
    training_file: str | None = None
    validation_file: str | None = None
    job_id: str | None = None
    status: str = "exported"
    trained_tokens: int | None = None
    fine_tuned_model: str | None = None
    error: str | None = None


@dataclass
class _Session:
    """One connection to the service: the client and the key, kept only to scrub messages."""

    client: openai.OpenAI
    secret: str
    where: str  # the endpoint's host, for messages
    options: HostedOptions

    def call(self, fn: Callable[[], Any], subject: str, retries: int | None = None) -> Any:
        return call_with_retries(
            fn,
            retries=self.options.retries if retries is None else retries,
            backoff=self.options.backoff,
            error_cls=HostedError,
            subject=f"{subject} at {self.where}",
            secret=self.secret,
        )


def _quiet(_line: str) -> None:
    pass


def hyperparameters(cfg: TrainConfig) -> Hyperparameters:
    """The job's hyperparameters from `cfg`; hosted services train whole epochs only."""
    if not cfg.epochs.is_integer():
        raise HostedError(
            f"epochs {cfg.epochs:g}: a hosted fine-tuning job trains whole epochs; give a whole "
            "number."
        )
    return Hyperparameters(
        n_epochs=int(cfg.epochs),
        batch_size=cfg.batch_size if cfg.batch_size is not None else "auto",
        learning_rate_multiplier=(
            cfg.learning_rate_multiplier if cfg.learning_rate_multiplier is not None else "auto"
        ),
    )


def read_record(out: Path) -> HostedRun | None:
    """The run recorded in `out`, or None when `out` holds no hosted run."""
    path = out / RECORD
    if not path.is_file():
        return None
    try:
        return HostedRun.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        detail = str(exc).splitlines()[0] if isinstance(exc, OSError) else "not a hosted run"
        raise HostedError(
            f"{path}: cannot read the recorded run ({detail}); remove the folder or choose "
            "another --out."
        ) from None


def _write_record(out: Path, run: HostedRun) -> None:
    write_text_atomic(out / RECORD, run.model_dump_json(indent=2) + "\n")


def _open(options: HostedOptions, base_url: str | None, key_env: str) -> _Session:
    client, secret = open_client(
        base_url, key_env, options.request_timeout, HostedError,
        "fine-tuning at {where} needs an API key",
    )  # fmt: skip
    return _Session(client, secret, endpoint_host(base_url), options)


def _check_options(options: HostedOptions) -> None:
    if options.poll_interval <= 0 or options.poll_timeout <= 0:
        raise HostedError(
            f"--poll-interval ({options.poll_interval:g}) and --poll-timeout "
            f"({options.poll_timeout:g}) must be positive numbers of seconds."
        )


def finetune_hosted(
    cfg: TrainConfig, out: Path, options: HostedOptions, notify: Notify = _quiet
) -> tuple[HostedRun, TrainSummary]:
    """Train `cfg` at the service (or wait for the job a previous run recorded in `out`).

    Returns the finished run and its summary; a failed or cancelled job, or one still running
    after `options.poll_timeout` seconds, raises HostedError naming the job.
    """
    run, summary = _hosted(cfg, out, options, notify, wait=True)
    assert summary is not None  # a wait ends with the summary written, or raises
    return run, summary


def submit_hosted(
    cfg: TrainConfig, out: Path, options: HostedOptions, notify: Notify = _quiet
) -> HostedRun:
    """Export, upload and create the job for `cfg` (what `out` records is not done again),
    without waiting for it; `finetune_hosted` with the same arguments waits for it then."""
    return _hosted(cfg, out, options, notify, wait=False)[0]


def _hosted(
    cfg: TrainConfig, out: Path, options: HostedOptions, notify: Notify, wait: bool
) -> tuple[HostedRun, TrainSummary | None]:
    _check_options(options)
    hyper = hyperparameters(cfg)
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(out):
        recorded = read_record(out)
        if recorded is None and out.is_dir() and any(out.iterdir()):
            raise HostedError(
                f"{out} is not empty and holds no hosted fine-tuning run ({RECORD}); choose "
                "another --out."
            )
        base_url = options.base_url or (recorded.base_url if recorded else None)
        key_env = options.api_key_env or (recorded.api_key_env if recorded else DEFAULT_KEY_ENV)
        session = _open(options, base_url, key_env)  # a missing key fails before any work
        try:
            run = _resumable(recorded, cfg, public_url(base_url), out, options.restart)
            if run is not None and run.status == "succeeded":
                notify(f"job {run.job_id} already succeeded: {run.fine_tuned_model}")
                return run, _read_summary(out)
            if run is None:
                run = _export(cfg, out, hyper, base_url, key_env)
                notify(f"exported {run.records} records of {cfg.variant} to {out / 'train.jsonl'}")
            if run.job_id is None:
                run = _start(session, cfg, out, run, notify)
            elif wait:
                notify(f"resuming job {run.job_id} ({run.status})")
            if not wait:
                return run, None
            run, job = _wait(session, out, run, notify)
            return _finish(session, cfg, out, run, job, notify)
        finally:
            session.client.close()


def _resumable(
    recorded: HostedRun | None, cfg: TrainConfig, base_url: str | None, out: Path, restart: bool
) -> HostedRun | None:
    """The recorded run to go on with, or None to start a new one (nothing recorded, or
    `restart` after a job that ended). A failed or cancelled job ends here unless `restart`."""
    if recorded is None:
        return None
    if restart:
        if recorded.job_id is not None and recorded.status not in TERMINAL:
            raise HostedError(
                f"{out / RECORD} records job {recorded.job_id} as {recorded.status}; rerun "
                "without --restart to wait for it, or stop it with --cancel before starting over."
            )
        return None
    _check_same(recorded, cfg, base_url, out)
    if recorded.status in ("failed", "cancelled"):
        raise HostedError(_ended(recorded, out))
    return recorded


def changed_setting(
    recorded: HostedRun, cfg: TrainConfig, base_url: str | None
) -> tuple[str, Any, Any] | None:
    """The first setting (field, recorded value, value now) in which `cfg` at `base_url` (as
    `public_url` gives it) differs from the recorded run; None when they are the same."""
    was, now = recorded.train_config.model_dump(mode="json"), cfg.model_dump(mode="json")
    changed = [(k, was.get(k), v) for k, v in now.items() if was.get(k) != v]
    if recorded.base_url != base_url:
        changed.insert(0, ("base_url", recorded.base_url, base_url))
    return changed[0] if changed else None


def _check_same(recorded: HostedRun, cfg: TrainConfig, base_url: str | None, out: Path) -> None:
    """A rerun resumes only the job of the same settings at the same endpoint."""
    changed = changed_setting(recorded, cfg, base_url)
    if changed:
        field, old, new = changed
        raise HostedError(
            f"{out / RECORD} holds job {recorded.job_id or '(not created)'} for other settings "
            f"(field '{field}': recorded {old!r}, now {new!r}); rerun with the recorded settings "
            "to resume it, or add --restart to start a new job."
        )


def _ended(run: HostedRun, out: Path) -> str:
    cause = f": {run.error}" if run.error else ""
    return (
        f"fine-tuning job {run.job_id} at {run.endpoint_host} {run.status}{cause}; "
        f"{out / RECORD} keeps it, and rerunning with --restart uploads the data again and "
        "starts a new job."
    )


def _export(
    cfg: TrainConfig, out: Path, hyper: Hyperparameters, base_url: str | None, key_env: str
) -> HostedRun:
    """Write train.jsonl (and validation.jsonl) from the bundle; the run record, not yet sent."""
    subset_seed = cfg.seed if cfg.subset_seed is None else cfg.subset_seed
    records = _export_split(cfg, cfg.split, cfg.max_records, subset_seed, out / "train.jsonl")
    validation = None
    if cfg.validation_split:
        validation = _export_split(
            cfg, cfg.validation_split, None, cfg.seed, out / "validation.jsonl"
        )
    for stale in ("train_log.jsonl", "train_summary.json"):  # a restarted run's old results
        (out / stale).unlink(missing_ok=True)
    run = HostedRun(
        endpoint_host=endpoint_host(base_url),
        base_url=public_url(base_url),
        api_key_env=key_env,
        base_model=cfg.model,
        train_config=cfg,
        hyperparameters=hyper,
        records=records,
        validation_records=validation,
    )
    _write_record(out, run)
    return run


def _export_split(
    cfg: TrainConfig, split: str, max_records: int | None, seed: int, path: Path
) -> int:
    """The records the local path would train on, as OpenAI chat JSONL; how many."""
    from emgen.finetune.training_data import training_rows

    rows = training_rows(cfg.data, cfg.variant, split, max_records, seed)
    if "prompt" not in rows.column_names:
        raise HostedError(
            f"{cfg.data} [{cfg.variant}/{split}]: a document config (text records); hosted "
            "fine-tuning takes chat configs only."
        )
    chats = [
        Conversation.model_validate({"messages": row["prompt"] + row["completion"]}) for row in rows
    ]
    write_jsonl(chats, path)
    return len(chats)


def _start(
    session: _Session, cfg: TrainConfig, out: Path, run: HostedRun, notify: Notify
) -> HostedRun:
    """Upload what is not uploaded yet and create the job; each id is recorded at once."""
    if run.training_file is None:
        file_id = _upload(session, out / "train.jsonl", f"emgen-{cfg.variant}-train.jsonl")
        run = run.model_copy(update={"training_file": file_id, "status": "uploaded"})
        _write_record(out, run)
        notify(f"uploaded train.jsonl as {file_id}")
    if run.validation_records is not None and run.validation_file is None:
        file_id = _upload(
            session, out / "validation.jsonl", f"emgen-{cfg.variant}-validation.jsonl"
        )
        run = run.model_copy(update={"validation_file": file_id})
        _write_record(out, run)
        notify(f"uploaded validation.jsonl as {file_id}")
    extra: dict[str, Any] = {}
    if run.validation_file is not None:
        extra["validation_file"] = run.validation_file
    method = {
        "type": "supervised",
        "supervised": {"hyperparameters": run.hyperparameters.model_dump()},
    }
    # Never retried: a request that timed out may have created the job, and a second one
    # would train (and bill) twice. A rerun retries it with the file already uploaded.
    job = session.call(
        lambda: session.client.fine_tuning.jobs.create(
            model=cfg.model,
            training_file=str(run.training_file),
            method=method,  # type: ignore[arg-type]
            seed=cfg.seed,
            **extra,
        ),
        "creating the fine-tuning job",
        retries=0,
    )
    run = run.model_copy(update={"job_id": job.id, "status": job.status})
    _write_record(out, run)
    notify(f"created job {job.id} on {cfg.model} at {session.where} ({job.status})")
    return run


def _upload(session: _Session, path: Path, name: str) -> str:
    data = path.read_bytes()
    uploaded = session.call(
        lambda: session.client.files.create(file=(name, data), purpose="fine-tune"),
        f"uploading {path.name}",
    )
    return str(uploaded.id)


def _wait(session: _Session, out: Path, run: HostedRun, notify: Notify) -> tuple[HostedRun, Any]:
    """Poll the job until it ends, showing its status, trained tokens and new events."""
    job_id = str(run.job_id)
    deadline = time.monotonic() + session.options.poll_timeout
    shown: tuple[str, int | None] | None = None
    events = _Events(session, job_id, notify)
    try:
        while True:
            job = session.call(
                lambda: session.client.fine_tuning.jobs.retrieve(job_id),
                f"reading fine-tuning job {job_id}",
            )
            tokens = getattr(job, "trained_tokens", None)
            if (job.status, tokens) != shown:
                shown = (job.status, tokens)
                trained = f", {tokens:,} tokens trained" if tokens else ""
                notify(f"job {job_id}: {job.status}{trained}")
            events.show()
            if job.status in TERMINAL:
                ended = {
                    "status": job.status,
                    "trained_tokens": tokens,
                    "fine_tuned_model": job.fine_tuned_model,
                    "error": _job_error(job, session.secret),
                }
                return run.model_copy(update=ended), job
            if job.status != run.status or tokens != run.trained_tokens:
                run = run.model_copy(update={"status": job.status, "trained_tokens": tokens})
                _write_record(out, run)
            if time.monotonic() >= deadline:
                raise HostedError(
                    f"fine-tuning job {job_id} at {session.where} is still {job.status} after "
                    f"{session.options.poll_timeout:g} s; it keeps running there, and rerunning "
                    "the same command waits for it again."
                )
            time.sleep(session.options.poll_interval)
    except KeyboardInterrupt:
        notify(
            f"job {job_id} keeps running at {session.where}; rerun the same command to wait "
            "for it, or add --cancel to stop it."
        )
        raise


class _Events:
    """The job's events not shown yet, oldest first. Best effort: a server without the events
    route is polled for the job's status alone."""

    def __init__(self, session: _Session, job_id: str, notify: Notify) -> None:
        self.session, self.job_id, self.notify = session, job_id, notify
        self.last: str | None = None
        self.enabled = True

    def show(self) -> None:
        if not self.enabled:
            return
        try:
            page = self.session.call(
                lambda: self.session.client.fine_tuning.jobs.list_events(self.job_id, limit=20),
                f"reading the events of job {self.job_id}",
            )
        except HostedError:
            self.enabled = False
            return
        fresh = []
        for event in page.data:  # newest first
            if event.id == self.last:
                break
            fresh.append(event)
        if fresh:
            self.last = fresh[0].id
        for event in reversed(fresh):
            self.notify(f"  {event.message}")


def _job_error(job: Any, secret: str) -> str | None:
    """The job's error as one line (code: message), the key scrubbed; None when it has none."""
    error = getattr(job, "error", None)
    if error is None or not (error.message or error.code):
        return None
    text = " ".join(f"{error.code + ': ' if error.code else ''}{error.message or ''}".split())
    if secret:
        text = text.replace(secret, "***")
    return text[:300] + ("..." if len(text) > 300 else "")


def _finish(
    session: _Session, cfg: TrainConfig, out: Path, run: HostedRun, job: Any, notify: Notify
) -> tuple[HostedRun, TrainSummary]:
    """Record how the job ended; on success write the log and summary first, so a run recorded
    as succeeded always has them."""
    if run.status != "succeeded":
        _write_record(out, run)
        raise HostedError(_ended(run, out))
    if not run.fine_tuned_model:
        run = run.model_copy(
            update={"status": "failed", "error": "the job succeeded without a fine_tuned_model"}
        )
        _write_record(out, run)
        raise HostedError(_ended(run, out))
    log = _metrics(session, str(run.job_id))
    # Server clocks; a service that leaves either out gives no duration.
    created, finished = getattr(job, "created_at", None), getattr(job, "finished_at", None)
    seconds = (
        float(finished - created) if isinstance(created, int) and isinstance(finished, int) else 0.0
    )
    tokens = run.trained_tokens or 0
    summary = TrainSummary(
        model=cfg.model,
        data=cfg.data,
        variant=cfg.variant,
        records=run.records,
        steps=int(max((row["step"] for row in log), default=0)),
        tokens=tokens,
        seconds=seconds,
        tokens_per_second=round(tokens / seconds, 1) if seconds else 0.0,
        final_loss=log[-1]["loss"] if log else None,
        out=str(out),
    )
    write_text_atomic(
        out / "train_log.jsonl", "".join(json.dumps(row, sort_keys=True) + "\n" for row in log)
    )
    write_text_atomic(out / "train_summary.json", json.dumps(asdict(summary), indent=2) + "\n")
    _write_record(out, run)
    notify(f"job {run.job_id} succeeded: {run.fine_tuned_model}")
    return run, summary


def _metrics(session: _Session, job_id: str) -> list[dict[str, float]]:
    """The loss per step from the job's metrics events, in step order (all pages)."""
    import openai

    rows: dict[int, dict[str, float]] = {}
    try:
        pages = session.call(
            lambda: session.client.fine_tuning.jobs.list_events(job_id, limit=100),
            f"reading the events of job {job_id}",
        )
        for event in pages:  # the client follows the pages
            data = event.data if isinstance(event.data, dict) else {}
            if event.type == "metrics" and isinstance(data.get("step"), int):
                row = {k: float(v) for k, v in data.items() if isinstance(v, int | float)}
                if "train_loss" in row:
                    row["loss"] = row.pop("train_loss")
                rows[int(data["step"])] = row
    except (HostedError, openai.OpenAIError):
        return []  # a server without events: the summary has no steps or loss
    return [rows[s] for s in sorted(rows)]


def _read_summary(out: Path) -> TrainSummary:
    path = out / "train_summary.json"
    try:
        return TrainSummary(**json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        raise HostedError(
            f"{path}: missing or unreadable; rerun with --restart to train again."
        ) from None


def cancel_hosted(out: Path, options: HostedOptions, notify: Notify = _quiet) -> HostedRun:
    """Cancel the job recorded in `out`; a job that already ended is left as it is."""
    out = out.absolute()
    if not out.is_dir():
        raise HostedError(f"{out}: no such folder, so there is no job to cancel.")
    with output_lock(out):
        run = read_record(out)
        if run is None or run.job_id is None:
            raise HostedError(
                f"{out}: no fine-tuning job is recorded there, so there is none to cancel."
            )
        if run.status in TERMINAL:
            notify(f"job {run.job_id} already ended: {run.status}")
            return run
        job_id = run.job_id
        session = _open(options, options.base_url or run.base_url,
                        options.api_key_env or run.api_key_env)  # fmt: skip
        try:
            job = session.call(
                lambda: session.client.fine_tuning.jobs.cancel(job_id),
                f"cancelling fine-tuning job {job_id}",
            )
        finally:
            session.client.close()
        run = run.model_copy(update={"status": job.status})
        _write_record(out, run)
    return run


def hosted_sampler(
    model: str, backend: str, base_url: str | None
) -> tuple[str, dict[str, Any]] | None:
    """For a hosted run folder: the fine-tuned model's id and the OpenAI sampler's options
    (its endpoint unless `base_url` overrides it, its key variable); None for any other model."""
    folder = Path(model)
    run = read_record(folder)
    if run is None:
        return None
    if backend not in ("auto", "openai"):
        raise HostedError(
            f"--model {model} is a hosted fine-tuning run, served by {run.endpoint_host}: use "
            f"--backend openai (or auto), not {backend}."
        )
    if run.status != "succeeded" or not run.fine_tuned_model:
        raise HostedError(
            f"--model {model}: its fine-tuning job {run.job_id or '(not created)'} has no model "
            f"yet (status {run.status}); rerun `emgen finetune --backend openai --out {model}` "
            "to wait for it."
        )
    return run.fine_tuned_model, {
        "base_url": base_url or run.base_url,
        "api_key_env": run.api_key_env,
    }
