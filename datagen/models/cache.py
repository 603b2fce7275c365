"""The append-only store of model replies: one row per answered request.

A request's key is a hash of everything that changes its answer (backend, model, messages,
sampling parameters, response format, sample index), never of where it was sent or with which
key. Rows are only ever inserted, each in its own SQLite transaction, so a build killed at any
moment leaves every reply it received before, and nothing half-written; a rerun finds them and
sends only the requests that were never answered. A row whose checksum does not match is
ignored (and the request answered again, appended as a new row).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emgen.schemas.errors import UserError
from emgen.schemas.shared.io import why

CACHE_NAME = "model-replies.sqlite"


@dataclass(frozen=True)
class CachedReply:
    """What a request's answer is remembered as: its text and the tokens it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int


def request_key(material: Mapping[str, Any]) -> str:
    """The cache key of a request: a hash of its canonical JSON."""
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _checksum(key: str, value: str) -> str:
    return hashlib.sha256(f"{key}\0{value}".encode()).hexdigest()


class ReplyCache:
    """Model replies by request key, in an SQLite file shared safely between threads and
    processes. Unlike the Semgrep cache it never turns itself off: every miss costs money, so
    a cache that cannot be used is an error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            if path.exists() and not path.is_file():
                raise IsADirectoryError(f"{path} is not a file")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db: sqlite3.Connection | None = sqlite3.connect(
                path, timeout=60, check_same_thread=False
            )
            with self._db:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS replies (key TEXT NOT NULL, value TEXT NOT NULL, "
                    "checksum TEXT NOT NULL)"
                )
                self._db.execute("CREATE INDEX IF NOT EXISTS replies_key ON replies (key)")
                # Batch API jobs submitted and not yet collected (emgen.datagen.models.batch).
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, done INTEGER NOT "
                    "NULL DEFAULT 0)"
                )
        except (sqlite3.Error, OSError) as exc:
            raise UserError(
                f"the model reply cache {path} cannot be used ({why(exc)}); move it aside or "
                "set EMGEN_CACHE_DIR to another folder."
            ) from None

    def get(self, key: str) -> CachedReply | None:
        """The first intact reply stored for `key`, or None."""
        with self._lock:
            rows = (
                self._connection()
                .execute("SELECT value, checksum FROM replies WHERE key = ? ORDER BY rowid", (key,))
                .fetchall()
            )
        for value, checksum in rows:
            if checksum != _checksum(key, value):
                continue
            try:
                data = json.loads(value)
                return CachedReply(
                    text=str(data["text"]),
                    prompt_tokens=int(data["prompt_tokens"]),
                    completion_tokens=int(data["completion_tokens"]),
                )
            except (ValueError, KeyError, TypeError):
                continue
        return None

    def put(self, key: str, reply: CachedReply) -> None:
        """Append `reply` for `key`, committed before this returns."""
        value = json.dumps(
            {
                "text": reply.text,
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
            },
            ensure_ascii=False,
        )
        self._write(
            "INSERT INTO replies (key, value, checksum) VALUES (?, ?, ?)",
            (key, value, _checksum(key, value)),
        )

    def pending_batches(self) -> list[str]:
        """Batches submitted and not yet collected, oldest first."""
        with self._lock:
            rows = (
                self._connection()
                .execute("SELECT id FROM batches WHERE done = 0 ORDER BY rowid")
                .fetchall()
            )
        return [str(row[0]) for row in rows]

    def record_batch(self, batch_id: str) -> None:
        self._write("INSERT OR IGNORE INTO batches (id) VALUES (?)", (batch_id,))

    def finish_batch(self, batch_id: str) -> None:
        self._write("UPDATE batches SET done = 1 WHERE id = ?", (batch_id,))

    def _write(self, sql: str, params: tuple[str, ...]) -> None:
        try:
            with self._lock, self._connection() as db:
                db.execute(sql, params)
        except sqlite3.Error as exc:
            raise UserError(
                f"cannot write to the model reply cache {self.path} ({why(exc)}); the answers "
                "received so far are kept there."
            ) from None

    def __len__(self) -> int:
        with self._lock:
            row = self._connection().execute("SELECT COUNT(*) FROM replies").fetchone()
        return int(row[0])

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise UserError(f"the model reply cache {self.path} was already closed.")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
