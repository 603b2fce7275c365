"""A fake fine-tuning jobs API for the scripted server (tests/_openai_server.py), real HTTP:

  POST /v1/fine_tuning/jobs              create a job from an uploaded file
  GET  /v1/fine_tuning/jobs/ID           the job; every GET moves it one state along its script
  GET  /v1/fine_tuning/jobs/ID/events    its events, newest first (`limit`, `after` cursor)
  POST /v1/fine_tuning/jobs/ID/cancel    cancel a job that has not ended

The n-th job created follows the n-th `JobScript` (the last one repeats). On create it checks
what the service checks before training: the model is named, the training (and validation)
file was uploaded with purpose "fine-tune", and each of its lines is a chat record ending
with the assistant's answer; anything else is a 400, as the service answers. `created` keeps
each create body and `calls` counts the requests by kind, so a test can prove that a rerun
created nothing twice. While `hold` is set, jobs stop short of their last state (a long job).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from tests._openai_server import ScriptedServer

TERMINAL = ("succeeded", "failed", "cancelled")
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class JobScript:
    """The states a job passes through, one per GET, and how it ends."""

    states: tuple[str, ...] = ("validating_files", "queued", "running", "running", "succeeded")
    error: dict[str, str] | None = None  # the job's error once it reaches a `failed` state
    trained_tokens: int = 4321


@dataclass
class _Job:
    id: str
    body: dict[str, Any]
    script: JobScript
    number: int
    at: int = 0  # index into script.states
    status: str = ""
    created_at: int = field(default_factory=lambda: int(time.time()))
    finished_at: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # oldest first

    def hyperparameters(self) -> dict[str, Any]:
        method = self.body.get("method") or {}
        given = (method.get("supervised") or {}).get("hyperparameters")
        return dict(given or self.body.get("hyperparameters") or {})

    def view(self) -> dict[str, Any]:
        done = self.status == "succeeded"
        model = f"ft:{self.body['model']}:emgen::job{self.number}"
        return {
            "id": self.id,
            "object": "fine_tuning.job",
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "model": self.body["model"],
            "fine_tuned_model": model if done else None,
            "organization_id": "org-emgen-test",
            "status": self.status,
            "training_file": self.body["training_file"],
            "validation_file": self.body.get("validation_file"),
            "result_files": [],
            "trained_tokens": self.script.trained_tokens if done else None,
            "error": self.script.error if self.status == "failed" else None,
            "seed": self.body.get("seed", 0),
            "hyperparameters": self.hyperparameters(),
            "method": self.body.get("method"),
            "estimated_finish": None,
            "integrations": None,
            "metadata": None,
        }


class FineTuningAPI:
    def __init__(self, *scripts: JobScript, hold: bool = False) -> None:
        self.scripts = list(scripts) or [JobScript()]
        self.hold = hold
        self.jobs: dict[str, _Job] = {}
        self.created: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()  # create, retrieve, events, cancel
        self._lock = threading.Lock()
        self._event_ids = itertools.count(1)

    def handle(
        self, server: ScriptedServer, method: str, path: str, body: bytes
    ) -> tuple[int, str] | None:
        url = urlsplit(path)
        parts = url.path.rstrip("/").split("/")  # ["", "v1", "fine_tuning", "jobs", ID, ...]
        if parts[1:4] != ["v1", "fine_tuning", "jobs"]:
            return None
        with self._lock:
            if method == "POST" and len(parts) == 4:
                self.calls["create"] += 1
                return self._create(server, json.loads(body))
            job = self.jobs.get(parts[4]) if len(parts) > 4 else None
            if job is None:
                return _error(404, f"no fine-tuning job {parts[4] if len(parts) > 4 else ''}")
            if method == "GET" and len(parts) == 5:
                self.calls["retrieve"] += 1
                self._advance(job)
                return 200, json.dumps(job.view())
            if method == "GET" and parts[5:] == ["events"]:
                self.calls["events"] += 1
                return 200, json.dumps(_page(job.events, parse_qs(url.query)))
            if method == "POST" and parts[5:] == ["cancel"]:
                self.calls["cancel"] += 1
                if job.status in TERMINAL:
                    return _error(400, f"job {job.id} has already ended ({job.status})")
                self._enter(job, "cancelled")
                return 200, json.dumps(job.view())
        return _error(404, "no such route")

    def training_records(self, server: ScriptedServer, job_id: str) -> list[dict[str, Any]]:
        """The records of the training file job `job_id` was created with, in file order."""
        stored = server.files[self.jobs[job_id].body["training_file"]]
        return [json.loads(line) for line in stored.data.decode("utf-8").splitlines()]

    def fine_tuned_model(self, job_id: str) -> str:
        """The model id job `job_id` gives once it has succeeded."""
        return str(self.jobs[job_id].view()["fine_tuned_model"] or "")

    def _create(self, server: ScriptedServer, body: dict[str, Any]) -> tuple[int, str]:
        if not body.get("model"):
            return _error(400, "model is required", "model")
        for name in ("training_file", "validation_file"):
            if name == "training_file" or body.get(name):
                problem = _check_file(server, body.get(name))
                if problem:
                    return _error(400, f"{name}: {problem}", name, "invalid_file")
        self.created.append(body)
        number = len(self.jobs) + 1
        script = self.scripts[min(number - 1, len(self.scripts) - 1)]
        job = _Job(f"ftjob-{number}", body, script, number)
        self._enter(job, script.states[0])
        self.jobs[job.id] = job
        return 200, json.dumps(job.view())

    def _advance(self, job: _Job) -> None:
        last = len(job.script.states) - 1
        if job.status in TERMINAL or job.at >= last or (self.hold and job.at + 1 >= last):
            return
        job.at += 1
        self._enter(job, job.script.states[job.at])

    def _enter(self, job: _Job, state: str) -> None:
        job.status = state
        if state in TERMINAL:
            job.finished_at = job.created_at + 42
        self._event(job, f"Status: {state.replace('_', ' ')}.")
        if state == "running":
            total = job.script.states.count("running")
            step = sum(1 for e in job.events if e["type"] == "metrics") + 1
            loss = round(2.0 / step, 4)
            self._event(
                job,
                f"Step {step}/{total}: training loss={loss}",
                "metrics",
                {"step": step, "train_loss": loss, "total_steps": total},
            )
        if state == "failed" and job.script.error:
            self._event(job, job.script.error.get("message", "failed"), level="error")

    def _event(
        self,
        job: _Job,
        message: str,
        kind: str = "message",
        data: dict[str, Any] | None = None,
        level: str = "info",
    ) -> None:
        job.events.append(
            {
                "id": f"ftevent-{next(self._event_ids)}",
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": level,
                "message": message,
                "type": kind,
                "data": data,
            }
        )


def _check_file(server: ScriptedServer, file_id: Any) -> str | None:
    """What the service would reject in an uploaded training file, or None."""
    stored = server.files.get(str(file_id))
    if stored is None:
        return f"no uploaded file {file_id!r}"
    if stored.purpose != "fine-tune":
        return f"file {file_id} has purpose {stored.purpose!r}, not 'fine-tune'"
    lines = stored.data.decode("utf-8").splitlines()
    if not lines:
        return f"file {file_id} is empty"
    for i, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            return f"line {i} is not JSON"
        messages = record.get("messages") if isinstance(record, dict) else None
        if set(record) != {"messages"} or not isinstance(messages, list) or not messages:
            return f"line {i} is not a record with only a list of messages"
        for m in messages:
            if set(m) != {"role", "content"} or m["role"] not in ROLES:
                return f"line {i} has a message that is not a role and a content"
            if not isinstance(m["content"], str):
                return f"line {i} has a message whose content is not text"
        if messages[-1]["role"] != "assistant":
            return f"line {i} does not end with the assistant's answer"
    return None


def _page(events: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    """Events newest first, after the `after` cursor (older than that event), `limit` of them."""
    newest = list(reversed(events))
    after = query.get("after", [None])[0]
    if after is not None:
        ids = [e["id"] for e in newest]
        newest = newest[ids.index(after) + 1 :] if after in ids else []
    limit = int(query.get("limit", ["20"])[0])
    return {"object": "list", "data": newest[:limit], "has_more": len(newest) > limit}


def _error(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> tuple[int, str]:
    kind = "invalid_request_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return status, json.dumps(body)
