"""A scripted OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, answers from a script.

`script(body, attempt)` gets each POST /v1/chat/completions body (parsed JSON) and how many
times the same request (its messages, sampling parameters and response format) came before,
and returns what to do: `Reply` (a completion), `Status` (an error status with a body and
headers), `Sleep` (stall, then act), `Malformed` (a 200 whose body is not JSON) or `Drop`
(close the connection without an answer). The server counts hits per request and answers per
request, so a test can prove that no answered request was sent twice.

The server also keeps uploaded files (POST /v1/files, GET /v1/files/ID and /content), and
takes `apis`: objects with `handle(server, method, path, body) -> (status, json text) | None`
that answer more routes (the Batch API fake, the fine-tuning fake), each in its own module.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self


@dataclass(frozen=True)
class Reply:
    content: str
    prompt_tokens: int = 100
    completion_tokens: int = 50


@dataclass(frozen=True)
class Status:
    code: int
    body: str = '{"error": {"message": "scripted failure", "type": "server_error"}}'
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    seconds: float
    then: Action


@dataclass(frozen=True)
class Malformed:
    body: str = '{"id": "chatcmpl-1", "choices": [{"message": '


@dataclass(frozen=True)
class Drop:
    pass


@dataclass(frozen=True)
class Hold:
    """Never answer (until the server stops): a request in flight when a client is killed."""


Action = Reply | Status | Sleep | Malformed | Drop | Hold
Script = Callable[[dict[str, Any], int], Action]


@dataclass
class StoredFile:
    id: str
    purpose: str
    filename: str
    data: bytes

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": 0,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


class API(Protocol):
    def handle(
        self, server: ScriptedServer, method: str, path: str, body: bytes
    ) -> tuple[int, str] | None:
        """The status and JSON body for a request this API serves, or None if not its route."""


def request_id(body: dict[str, Any]) -> str:
    material = {k: body.get(k) for k in ("messages", "temperature", "max_tokens", "seed")}
    material["response_format"] = body.get("response_format")
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


class _Quiet(ThreadingHTTPServer):
    """Keeps handler failures for the test instead of printing them; a client that went away
    (killed, timed out) is not a failure."""

    errors: list[BaseException]

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):
            self.errors.append(exc)


class ScriptedServer:
    def __init__(self, script: Script, apis: tuple[API, ...] = ()) -> None:
        self.script = script
        self.apis = apis
        self.files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)
        self.hits: Counter[str] = Counter()  # request id -> times received
        self.answered: Counter[str] = Counter()  # request id -> 200 answers sent
        self.tokens: Counter[str] = Counter()  # "prompt", "completion": summed over answers
        self.log: list[tuple[float, str, str, int]] = []  # (time, request id, action, attempt)
        self.headers: list[dict[str, str]] = []  # per request received, names lowercased
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._script_lock = threading.Lock()
        self.errors: list[BaseException] = []  # script or handler failures, for assertions
        self._httpd = _Quiet(("127.0.0.1", 0), self._handler())
        self._httpd.errors = self.errors
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}-{next(self._ids)}"

    def add_file(self, data: bytes, purpose: str, filename: str) -> StoredFile:
        stored = StoredFile(self.new_id("file"), purpose, filename, data)
        with self._lock:
            self.files[stored.id] = stored
        return stored

    def completion(self, body: dict[str, Any]) -> tuple[int, str]:
        """What the script answers to one chat body, without HTTP (for batch lines): a status
        and a JSON text. Sleeps are slept; Drop, Hold and Malformed become a 500."""
        rid, action = self._decide(body)
        if isinstance(action, Status):
            return action.code, action.body
        if not isinstance(action, Reply):
            return 500, '{"error": {"message": "scripted failure", "type": "server_error"}}'
        self._count(rid, action)
        return 200, json.dumps(_completion(rid, body, action))

    def _count(self, rid: str, action: Reply) -> None:
        with self._lock:
            self.answered[rid] += 1
            self.tokens["prompt"] += action.prompt_tokens
            self.tokens["completion"] += action.completion_tokens

    def _files_route(
        self, method: str, path: str, body: bytes, content_type: str
    ) -> tuple[int, str | bytes] | None:
        parts = path.split("?")[0].rstrip("/").split("/")  # ["", "v1", "files", ID, "content"]
        if parts[1:3] != ["v1", "files"]:
            return None
        if method == "POST" and len(parts) == 3:
            fields = _multipart(body, content_type)
            upload = fields.get("file")
            if upload is None:
                return 400, '{"error": {"message": "no file in the upload"}}'
            stored = self.add_file(
                upload[1], fields.get("purpose", ("", b""))[1].decode(), upload[0]
            )
            return 200, json.dumps(stored.info())
        stored = self.files.get(parts[3]) if len(parts) > 3 else None
        if method == "GET" and stored is not None:
            if len(parts) == 5 and parts[4] == "content":
                return 200, stored.data
            if len(parts) == 4:
                return 200, json.dumps(stored.info())
        return 404, '{"error": {"message": "no such file"}}'

    def _decide(self, body: dict[str, Any]) -> tuple[str, Action]:
        """The request's id and the script's action for it, its sleeps slept and logged."""
        rid, action, attempt = self._act(body)
        while isinstance(action, Sleep):
            time.sleep(action.seconds)
            action = action.then
        with self._lock:
            self.log.append((time.monotonic(), rid, type(action).__name__, attempt))
        return rid, action

    def _act(self, body: dict[str, Any]) -> tuple[str, Action, int]:
        rid = request_id(body)
        with self._lock:
            attempt = self.hits[rid]
            self.hits[rid] += 1
        # One script call at a time: scripts run emgen's own checks, and CPython 3.11
        # (seen on 3.11.7) can corrupt ast.parse's recursion count when two threads parse at once
        # ("AST constructor recursion depth mismatch", gh-106905). The actions it returns
        # (sleeps, holds) still run concurrently.
        with self._script_lock:
            action = self.script(body, attempt)
        return rid, action, attempt

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._other("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with server._lock:
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if not self.path.endswith("/chat/completions"):
                    self._other("POST", raw)
                    return
                try:
                    body = json.loads(raw)
                except ValueError:  # the client died while sending
                    self.close_connection = True
                    return
                rid, action = server._decide(body)
                if isinstance(action, Hold):
                    server.release.wait()
                    self.close_connection = True
                    return
                if isinstance(action, Drop):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(action, Malformed):
                    self._send(200, action.body, {})
                    return
                if isinstance(action, Status):
                    self._send(action.code, action.body, action.headers)
                    return
                if self._send(200, json.dumps(_completion(rid, body, action)), {}):
                    server._count(rid, action)

            def _other(self, method: str, raw: bytes) -> None:
                """Files, then each API in turn; 404 when none serves the route."""
                try:
                    answer = server._files_route(
                        method, self.path, raw, self.headers.get("Content-Type", "")
                    )
                    for api in server.apis:
                        if answer is not None:
                            break
                        answer = api.handle(server, method, self.path, raw)
                except Exception as exc:  # a broken fake is the test's failure, kept for it
                    with server._lock:
                        server.errors.append(exc)
                    answer = (500, '{"error": {"message": "the fake failed"}}')
                if answer is None:
                    answer = (404, '{"error": {"message": "no such route"}}')
                self._send(*answer, {})

            def _send(self, code: int, text: str | bytes, headers: dict[str, str]) -> bool:
                data = text.encode() if isinstance(text, str) else text
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the client went away (timed out, or was killed)
                    return False
                return True

        return Handler


def _completion(rid: str, body: dict[str, Any], action: Reply) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{rid}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": action.content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": action.prompt_tokens,
            "completion_tokens": action.completion_tokens,
            "total_tokens": action.prompt_tokens + action.completion_tokens,
        },
    }


def _multipart(body: bytes, content_type: str) -> dict[str, tuple[str, bytes]]:
    """The fields of a multipart/form-data body: name -> (filename, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = (
                part.get_filename() or "",
                payload if isinstance(payload, bytes) else b"",
            )
    return fields
