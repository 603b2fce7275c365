"""The OpenAI Batch API as a way to send chat requests: one JSONL file of requests is uploaded,
a batch is created, polled until it ends (within 24 hours, at half the list price), and its
output and error files are read back.

Each line's `custom_id` is the request's cache key, so any batch's results can be stored in the
reply cache whoever submitted it. A submitted batch is written to the journal (a table of the
reply cache) before it is polled, so a build killed while it waits finds the batch again on its
rerun, collects it, and submits nothing twice. A build killed between creating a batch and
journaling it finds it too: each batch carries the digest of its request file in its metadata,
and an unfinished batch of the same requests is adopted instead of created again.

This module knows the wire format only; the engine decides what to send and what a result is
worth (emgen.datagen.models.engine).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from emgen.schemas.errors import UserError
from emgen.schemas.shared.openai_client import call_with_retries, describe_error

if TYPE_CHECKING:
    import openai

ENDPOINT: Final = "/v1/chat/completions"
# Statuses after which a batch changes no more.
ENDED = ("completed", "expired", "failed", "cancelled")
# The batch metadata key that holds the sha256 of the batch's request file.
REQUESTS_KEY: Final = "emgen_requests"
# How many of the endpoint's newest batches are looked through for one to adopt: a killed run's
# batch is among the newest when the rerun comes soon after.
LOOK_BACK: Final = 100


@dataclass(frozen=True)
class LineResult:
    """One request's outcome in a batch: the completion body on success, else why not."""

    body: dict[str, Any] | None
    status: int  # the HTTP status the request would have had; 0 when the batch gave none
    problem: str = ""


class BatchJournal(Protocol):
    """Where submitted batches are remembered until they are collected (the reply cache's
    SQLite file, so the two are moved, kept or deleted together)."""

    def pending_batches(self) -> list[str]: ...
    def record_batch(self, batch_id: str) -> None: ...
    def finish_batch(self, batch_id: str) -> None: ...


class BatchSender:
    """Sends request bodies through the Batch API of `client`'s endpoint."""

    def __init__(
        self,
        client: openai.OpenAI,
        journal: BatchJournal,
        *,
        poll: float,
        retries: int,
        backoff: float,
        secret: str,
        where: str,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.client, self.journal, self.poll = client, journal, poll
        self.retries, self.backoff, self.secret, self.where = retries, backoff, secret, where
        self.say = say or (lambda line: print(line, file=sys.stderr))

    def submit(self, bodies: Mapping[str, dict[str, Any]]) -> str:
        """Upload `bodies` (custom id -> chat request body) as one batch; its id, journaled."""
        lines = [
            json.dumps({"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": body})
            for cid, body in bodies.items()
        ]
        data = ("\n".join(lines) + "\n").encode()
        digest = hashlib.sha256(data).hexdigest()
        running = self._running(digest)
        if running is not None:
            self.journal.record_batch(running)
            self.say(f"Adopted batch {running}: the same {len(bodies)} requests, still running.")
            return running
        upload = self._call(
            lambda: self.client.files.create(file=("emgen-batch.jsonl", data), purpose="batch"),
            "uploading a batch file",
        )
        batch = self._call(
            lambda: self.client.batches.create(
                input_file_id=upload.id,
                endpoint=ENDPOINT,
                completion_window="24h",
                metadata={"made_by": "emgen", REQUESTS_KEY: digest},
            ),
            "creating a batch",
        )
        self.journal.record_batch(batch.id)
        self.say(f"Submitted batch {batch.id}: {len(bodies)} requests to {self.where}.")
        return batch.id

    def _running(self, digest: str) -> str | None:
        """An unfinished batch of exactly these requests (by its request file's digest): one
        created by a run killed before it could journal it."""
        page = self._call(
            lambda: self.client.batches.list(limit=LOOK_BACK), "listing the endpoint's batches"
        )
        for batch in page.data:
            if (batch.metadata or {}).get(REQUESTS_KEY) == digest and batch.status not in ENDED:
                return str(batch.id)
        return None

    def collect(self, batch_id: str) -> dict[str, LineResult]:
        """Wait for batch `batch_id` to end and read its results by custom id; requests it
        never ran (an expired batch) are absent. A failed or cancelled batch is a UserError."""
        last = ""
        while True:
            batch = self._call(
                lambda: self.client.batches.retrieve(batch_id), f"looking at batch {batch_id}"
            )
            counts = batch.request_counts
            done = f", {counts.completed + counts.failed} of {counts.total} done" if counts else ""
            if batch.status + done != last:
                last = batch.status + done
                self.say(f"Batch {batch_id}: {batch.status}{done}.")
            if batch.status in ENDED:
                break
            time.sleep(self.poll)
        if batch.status in ("failed", "cancelled"):
            errors = getattr(getattr(batch, "errors", None), "data", None) or []
            why = "; ".join(
                f"{e.code or 'error'}: {e.message}" + (f" (line {e.line})" if e.line else "")
                for e in errors[:3]
            )
            self.journal.finish_batch(batch_id)
            raise UserError(
                f"batch {batch_id} at {self.where} ended {batch.status}"
                + (f": {why}" if why else "")
                + "; the replies of earlier batches are cached, so a rerun submits only the rest."
            )
        results: dict[str, LineResult] = {}
        for file_id in (batch.error_file_id, batch.output_file_id):
            if file_id:
                results.update(self._read(file_id))
        self.journal.finish_batch(batch_id)
        return results

    def _read(self, file_id: str) -> dict[str, LineResult]:
        content = self._call(
            lambda: self.client.files.content(file_id).read(), f"reading batch file {file_id}"
        )
        results: dict[str, LineResult] = {}
        for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                cid = str(row["custom_id"])
            except (ValueError, KeyError, TypeError):
                raise UserError(
                    f"line {number} of batch file {file_id} from {self.where} is not a batch "
                    "result (no custom_id)."
                ) from None
            response = row.get("response") or {}
            error = row.get("error") or {}
            status = int(response.get("status_code") or 0)
            body = response.get("body")
            if status == 200 and isinstance(body, dict):
                results[cid] = LineResult(body, 200)
            else:
                message = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                problem = " ".join(
                    str(part)
                    for part in (error.get("code"), error.get("message"), message.get("message"))
                    if part
                )
                results[cid] = LineResult(None, status, problem or f"status {status}")
        return results

    def _call(self, fn: Callable[[], Any], subject: str) -> Any:
        return call_with_retries(
            fn,
            retries=self.retries,
            backoff=self.backoff,
            error_cls=UserError,
            subject=f"{subject} at {self.where}",
            secret=self.secret,
        )


def describe_line(result: LineResult, secret: str) -> str:
    """A failed line as one short phrase, without the key."""
    return describe_error(Exception(result.problem), secret).split(": ", 1)[-1]
