"""A loopback stand-in for the part of the Hugging Face Hub API that publishing and downloading
a dataset use, so `emgen publish` can be tested end to end without a network.

It speaks the same HTTP as the Hub, as huggingface_hub's client sends it:
  POST /api/repos/create                                   create a repository (409 if it exists)
  POST /api/validate-yaml                                  check a card's YAML front matter
  POST /api/datasets/{id}/branch/{branch}                  create a branch from main
  POST /api/datasets/{id}/preupload/{rev}                  say which files go through LFS
  POST /datasets/{id}.git/info/lfs/objects/batch           LFS batch API (basic transfer)
  PUT  /lfs/{oid}, POST /lfs/verify                        LFS upload and verify
  POST /api/datasets/{id}/commit/{rev}                     NDJSON commit
  GET  /api/datasets/{id}/revision/{rev}                   repository info (sha, siblings)
  GET  /api/datasets/{id}/tree/{rev}[/{path}]              file listing
  HEAD/GET /datasets/{id}/resolve/{rev}/{path}             file metadata and content
Everything is kept in memory; `requests` records what was called, `commits` what was committed.
The client must send `Authorization: Bearer <token>` on every call but the LFS PUT (a presigned
URL on the real Hub).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

GITATTRIBUTES = (
    b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs diff=lfs merge=lfs -text\n"
)
_REPO = r"(?P<repo>[^/]+/[^/]+?)"

# The only token the loopback Hub accepts (tests check it is never printed).
TOKEN = "hf_fake_token_for_loopback_tests_0123456789"


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(data: bytes) -> bytes:
    sha = hashlib.sha256(data).hexdigest()
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(data)}\n".encode()
    )


@dataclass
class Commit:
    oid: str
    summary: str
    description: str
    files: dict[str, bytes]
    lfs: set[str]  # paths stored through LFS


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool
    branches: dict[str, list[Commit]] = field(default_factory=dict)

    def head(self, rev: str) -> Commit | None:
        if rev in self.branches:
            return self.branches[rev][-1]
        return next((c for cs in self.branches.values() for c in cs if c.oid == rev), None)


@dataclass
class FakeHub:
    token: str
    repos: dict[str, Repo] = field(default_factory=dict)
    lfs_objects: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    validated_yaml: list[dict[str, Any]] = field(default_factory=list)
    seen_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def commits(self, repo_id: str, branch: str = "main") -> list[Commit]:
        return self.repos[repo_id].branches[branch]

    def snapshot(self, repo_id: str, dest: Path, branch: str = "main") -> Path:
        """Write the files at the head of `branch` to `dest` (what the server stored)."""
        for path, data in self.repos[repo_id].branches[branch][-1].files.items():
            (dest / path).parent.mkdir(parents=True, exist_ok=True)
            (dest / path).write_bytes(data)
        return dest

    def new_commit(
        self, parent: Commit | None, summary: str, description: str,
        files: dict[str, bytes], lfs: set[str],
    ) -> Commit:  # fmt: skip
        digest = hashlib.sha1((parent.oid if parent else "").encode() + summary.encode())
        for path in sorted(files):
            digest.update(path.encode() + b"\0" + hashlib.sha1(files[path]).digest())
        return Commit(digest.hexdigest(), summary, description, files, lfs)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub: FakeHub  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        pass  # keep test output clean

    # --- plumbing -----------------------------------------------------------------------------

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(
        self, status: int, payload: object = None, *, raw: bytes | None = None,
        headers: dict[str, str] | None = None, head: bool = False,
    ) -> None:  # fmt: skip
        body = (
            raw if raw is not None else json.dumps(payload).encode() if payload is not None else b""
        )
        self.send_response(status)
        content_type = "application/octet-stream" if raw is not None else "application/json"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": message}, headers={"X-Error-Message": message})

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            self.hub.seen_tokens.add(auth.removeprefix("Bearer "))
        if auth != f"Bearer {self.hub.token}":
            self._error(401, "Invalid credentials in Authorization header")
            return False
        return True

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        with self.hub.lock:
            self.hub.requests.append((method, path))
        # LFS uploads go to a presigned URL on the real Hub (S3), so they carry no token.
        if not (method == "PUT" and path.startswith("/lfs/")) and not self._authorized():
            return
        routes: list[tuple[str, str, Callable[..., None]]] = [
            ("POST", r"/api/repos/create", self._create_repo),
            ("POST", r"/api/validate-yaml", self._validate_yaml),
            ("POST", rf"/api/datasets/{_REPO}/branch/(?P<rev>.+)", self._create_branch),
            ("POST", rf"/api/datasets/{_REPO}/preupload/(?P<rev>.+)", self._preupload),
            ("POST", rf"/datasets/{_REPO}\.git/info/lfs/objects/batch", self._lfs_batch),
            ("PUT", r"/lfs/(?P<oid>[0-9a-f]{64})", self._lfs_put),
            ("POST", r"/lfs/verify", self._lfs_verify),
            ("POST", rf"/api/datasets/{_REPO}/commit/(?P<rev>.+)", self._commit),
            ("GET", rf"/api/datasets/{_REPO}/revision/(?P<rev>[^/]+)", self._repo_info),
            ("GET", rf"/api/datasets/{_REPO}/tree/(?P<rev>[^/]+)(?:/(?P<sub>.*))?", self._tree),
            ("GET", rf"/datasets/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<file>.+)", self._resolve),
            ("HEAD", rf"/datasets/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<file>.+)", self._resolve),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                with self.hub.lock:
                    handler(method=method, query=query, **match.groupdict())
                return
        self._error(404, f"no route for {method} {path}")

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self._route("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._route("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._route("PUT")

    def _repo(self, repo: str) -> Repo | None:
        found = self.hub.repos.get(repo)
        if found is None:
            self._send(404, {"error": "Repository not found"},
                       headers={"X-Error-Code": "RepoNotFound"})  # fmt: skip
        return found

    # --- endpoints ----------------------------------------------------------------------------

    def _create_repo(self, **_: Any) -> None:
        body = json.loads(self._body())
        repo_id = f"{body['organization']}/{body['name']}"
        url = f"{self.hub.url}/datasets/{repo_id}"
        if repo_id in self.hub.repos:
            # The Hub answers a conflict with the URL too; huggingface_hub reads it (exist_ok).
            self._send(409, {"error": "You already created this dataset repo", "url": url})
            return
        repo = Repo(repo_id, body.get("type", "model"), body.get("visibility") == "private"
                    or bool(body.get("private")))  # fmt: skip
        first = self.hub.new_commit(None, "initial commit", "", {".gitattributes": GITATTRIBUTES},
                                    set())  # fmt: skip
        repo.branches["main"] = [first]
        self.hub.repos[repo_id] = repo
        self._send(200, {"url": url, "name": repo_id})

    def _validate_yaml(self, **_: Any) -> None:
        body = json.loads(self._body())
        match = re.match(r"^---\n(.*?)\n---\n", body["content"], re.S)
        data = yaml.safe_load(match.group(1)) if match else None
        if not isinstance(data, dict):
            self._send(400, {"errors": [{"message": "no YAML front matter"}], "warnings": []})
            return
        self.hub.validated_yaml.append(data)
        self._send(200, {"errors": [], "warnings": []})

    def _create_branch(self, repo: str, rev: str, **_: Any) -> None:
        self._body()
        found = self._repo(repo)
        if found is None:
            return
        if rev in found.branches:
            self._error(409, "Reference already exists")
            return
        found.branches[rev] = [found.branches["main"][-1]]
        self._send(200, {})

    def _is_lfs(self, repo: Repo, rev: str, path: str, sample: bytes, size: int) -> bool:
        head = repo.head(rev) or repo.branches["main"][-1]
        patterns = [
            line.split()[0] for line in head.files.get(".gitattributes", b"").decode().splitlines()
            if "filter=lfs" in line
        ]  # fmt: skip
        name = path.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatch(name, p) for p in patterns) or b"\0" in sample or size > 10 << 20

    def _preupload(self, repo: str, rev: str, **_: Any) -> None:
        body = json.loads(self._body())
        found = self._repo(repo)
        if found is None:
            return
        head = found.head(rev)
        files = []
        for f in body["files"]:
            sample = base64.b64decode(f["sample"])
            lfs = self._is_lfs(found, rev, f["path"], sample, f["size"])
            entry = {"path": f["path"], "uploadMode": "lfs" if lfs else "regular",
                     "shouldIgnore": False}  # fmt: skip
            if head is not None and f["path"] in head.files:
                # Like the Hub: the remote file's oid, so the client can skip unchanged files.
                data = head.files[f["path"]]
                lfs_stored = f["path"] in head.lfs
                entry["oid"] = (
                    hashlib.sha256(data).hexdigest() if lfs_stored else git_blob_oid(data)
                )
            files.append(entry)
        self._send(200, {"files": files})

    def _lfs_batch(self, repo: str, **_: Any) -> None:
        body = json.loads(self._body())
        objects = []
        for obj in body["objects"]:
            entry: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.hub.lfs_objects:
                entry["actions"] = {
                    "upload": {"href": f"{self.hub.url}/lfs/{obj['oid']}"},
                    "verify": {"href": f"{self.hub.url}/lfs/verify"},
                }
            objects.append(entry)
        self._send(200, {"transfer": "basic", "objects": objects})

    def _lfs_put(self, oid: str, **_: Any) -> None:
        data = self._body()
        if hashlib.sha256(data).hexdigest() != oid:
            self._error(400, "sha256 mismatch")
            return
        self.hub.lfs_objects[oid] = data
        self._send(200, {})

    def _lfs_verify(self, **_: Any) -> None:
        body = json.loads(self._body())
        data = self.hub.lfs_objects.get(body["oid"])
        if data is None or len(data) != body["size"]:
            self._error(404, "object not uploaded")
            return
        self._send(200, {})

    def _commit(self, repo: str, rev: str, **_: Any) -> None:
        lines = [json.loads(line) for line in self._body().splitlines() if line.strip()]
        found = self._repo(repo)
        if found is None:
            return
        if rev not in found.branches:
            self._error(404, f"Invalid rev id: {rev}")
            return
        parent = found.branches[rev][-1]
        files, lfs = dict(parent.files), set(parent.lfs)
        header: dict[str, Any] = {}
        for line in lines:
            key, value = line["key"], line["value"]
            if key == "header":
                header = value
            elif key == "file":
                files[value["path"]] = base64.b64decode(value["content"])
                lfs.discard(value["path"])
            elif key == "lfsFile":
                data = self.hub.lfs_objects.get(value["oid"])
                if data is None:
                    self._error(422, f"LFS object {value['oid']} was never uploaded")
                    return
                files[value["path"]] = data
                lfs.add(value["path"])
            elif key == "deletedFile":
                files.pop(value["path"], None)
            else:
                self._error(400, f"unsupported commit operation {key}")
                return
        commit = self.hub.new_commit(parent, header.get("summary", ""),
                                     header.get("description", ""), files, lfs)  # fmt: skip
        found.branches[rev].append(commit)
        self._send(200, {"commitUrl": f"{self.hub.url}/datasets/{repo}/commit/{commit.oid}",
                         "commitOid": commit.oid, "success": True})  # fmt: skip

    def _repo_info(self, repo: str, rev: str, **_: Any) -> None:
        found = self._repo(repo)
        if found is None:
            return
        head = found.head(rev)
        if head is None:
            self._send(404, {"error": f"Invalid rev id: {rev}"},
                       headers={"X-Error-Code": "RevisionNotFound"})  # fmt: skip
            return
        self._send(200, {
            "id": repo, "_id": repo, "sha": head.oid, "private": found.private,
            "siblings": [{"rfilename": p} for p in sorted(head.files)],
        })  # fmt: skip

    def _tree_entry(self, commit: Commit, path: str) -> dict[str, Any]:
        data = commit.files[path]
        if path in commit.lfs:
            pointer = lfs_pointer(data)
            return {"type": "file", "path": path, "size": len(data), "oid": git_blob_oid(pointer),
                    "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data),
                            "pointerSize": len(pointer)}}  # fmt: skip
        return {"type": "file", "path": path, "size": len(data), "oid": git_blob_oid(data)}

    def _tree(self, repo: str, rev: str, sub: str | None, query: dict[str, list[str]],
              **_: Any) -> None:  # fmt: skip
        found = self._repo(repo)
        if found is None:
            return
        head = found.head(rev)
        if head is None:
            self._error(404, f"Invalid rev id: {rev}")
            return
        prefix = f"{sub.strip('/')}/" if sub else ""
        entries = [self._tree_entry(head, p) for p in sorted(head.files) if p.startswith(prefix)]
        if query.get("recursive", ["false"])[0].lower() not in ("1", "true"):
            # Non-recursive: direct children, folders collapsed.
            seen: dict[str, dict[str, Any]] = {}
            for e in entries:
                rest = e["path"][len(prefix) :]
                if "/" in rest:
                    folder = prefix + rest.split("/", 1)[0]
                    seen.setdefault(
                        folder,
                        {
                            "type": "directory",
                            "path": folder,
                            "size": 0,
                            "oid": hashlib.sha1(folder.encode()).hexdigest(),
                        },
                    )
                else:
                    seen[e["path"]] = e
            entries = list(seen.values())
        self._send(200, entries)

    def _resolve(self, repo: str, rev: str, file: str, method: str, **_: Any) -> None:
        found = self._repo(repo)
        if found is None:
            return
        head = found.head(rev)
        if head is None or file not in head.files:
            self._send(404, {"error": "Entry not found"}, headers={"X-Error-Code": "EntryNotFound"})
            return
        data = head.files[file]
        headers = {"X-Repo-Commit": head.oid, "ETag": f'"{git_blob_oid(data)}"'}
        if file in head.lfs:
            headers.update({"X-Linked-Etag": f'"{hashlib.sha256(data).hexdigest()}"',
                            "X-Linked-Size": str(len(data)),
                            "ETag": f'"{git_blob_oid(lfs_pointer(data))}"'})  # fmt: skip
        self._send(200, raw=data, headers=headers, head=method == "HEAD")


def serve(token: str) -> tuple[FakeHub, ThreadingHTTPServer]:
    """Start a FakeHub on 127.0.0.1 (a free port) in a daemon thread; stop with .shutdown()."""
    hub = FakeHub(token=token)
    handler = type("Handler", (_Handler,), {"hub": hub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return hub, server
