"""A Batch API fake for the scripted server (tests/_openai_server.py): POST /v1/batches, GET
/v1/batches (newest first, one page), GET /v1/batches/ID, POST /v1/batches/ID/cancel.

A batch moves one status per look (validating, in_progress, finalizing, then its end). When it
completes, each line of its input file is answered by the server's chat script, as if sent to
/v1/chat/completions: a 200 goes to the output file, anything else to the error file. The test
decides how a batch ends (`ends`, one per batch in order: "completed", "failed", "expired",
"cancelled") and can hold batches in progress until `release` is set (a build killed while it
waits). `created` counts batches created, so a test can prove nothing was submitted twice.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from tests._openai_server import ScriptedServer

STEPS = ("validating", "in_progress", "finalizing")


@dataclass
class _Batch:
    id: str
    input_file_id: str
    end: str
    metadata: dict[str, str] = field(default_factory=dict)
    looks: int = 0
    status: str = "validating"
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"total": 0, "completed": 0, "failed": 0}
    )

    def info(self) -> dict[str, Any]:
        errors = None
        if self.status == "failed":
            errors = {
                "object": "list",
                "data": [{"code": "invalid_request", "message": "scripted failure", "line": 1}],
            }
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": 0,
            "metadata": self.metadata,
            "request_counts": self.counts,
            "errors": errors,
        }


class BatchAPI:
    def __init__(self, ends: tuple[str, ...] = (), *, hold: bool = False, expire_after: int = 0):
        self.ends = list(ends)  # how the batches end, in order; then "completed"
        self.expire_after = expire_after  # an expired batch ran only this many lines
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.batches: dict[str, _Batch] = {}
        self.created = 0
        self.lines = 0  # request lines received over all batches
        self._lock = threading.Lock()

    def handle(
        self, server: ScriptedServer, method: str, path: str, body: bytes
    ) -> tuple[int, str] | None:
        parts = path.split("?")[0].rstrip("/").split("/")  # ["", "v1", "batches", ID, "cancel"]
        if parts[1:3] != ["v1", "batches"]:
            return None
        if method == "POST" and len(parts) == 3:
            return self._create(server, json.loads(body))
        if method == "GET" and len(parts) == 3:
            newest = [b.info() for b in reversed(self.batches.values())]
            return 200, json.dumps({"object": "list", "data": newest, "has_more": False})
        batch = self.batches.get(parts[3]) if len(parts) > 3 else None
        if batch is None:
            return 404, '{"error": {"message": "no such batch"}}'
        if method == "POST" and parts[4:] == ["cancel"]:
            batch.status = "cancelled"
        elif method == "GET" and len(parts) == 4:
            self._advance(server, batch)
        else:
            return 404, '{"error": {"message": "no such route"}}'
        return 200, json.dumps(batch.info())

    def _create(self, server: ScriptedServer, request: dict[str, Any]) -> tuple[int, str]:
        stored = server.files.get(request.get("input_file_id", ""))
        if stored is None or stored.purpose != "batch":
            return 400, '{"error": {"message": "no batch input file with that id"}}'
        if request.get("endpoint") != "/v1/chat/completions":
            return 400, '{"error": {"message": "unsupported endpoint"}}'
        with self._lock:
            self.created += 1
            end = self.ends.pop(0) if self.ends else "completed"
        batch = _Batch(server.new_id("batch"), stored.id, end, request.get("metadata") or {})
        batch.counts["total"] = len(stored.data.splitlines())
        self.batches[batch.id] = batch
        return 200, json.dumps(batch.info())

    def _advance(self, server: ScriptedServer, batch: _Batch) -> None:
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return
        if batch.status == "in_progress" and not self.release.is_set():
            return
        batch.looks += 1
        if batch.looks < len(STEPS):
            batch.status = STEPS[batch.looks]
            return
        if batch.end in ("failed", "cancelled"):
            batch.status = batch.end
            return
        lines = server.files[batch.input_file_id].data.decode().splitlines()
        if batch.end == "expired":
            lines = lines[: self.expire_after]
        output, errors = [], []
        for line in lines:
            row = json.loads(line)
            assert row["method"] == "POST" and row["url"] == "/v1/chat/completions", row
            with self._lock:
                self.lines += 1
            status, text = server.completion(row["body"])
            result = {
                "id": server.new_id("batch_req"),
                "custom_id": row["custom_id"],
                "response": {"status_code": status, "request_id": "req", "body": json.loads(text)},
                "error": None,
            }
            (output if status == 200 else errors).append(json.dumps(result))
            batch.counts["completed" if status == 200 else "failed"] += 1
        if output:
            batch.output_file_id = server.add_file(
                ("\n".join(output) + "\n").encode(), "batch_output", "output.jsonl"
            ).id
        if errors:
            batch.error_file_id = server.add_file(
                ("\n".join(errors) + "\n").encode(), "batch_output", "errors.jsonl"
            ).id
        batch.status = batch.end
