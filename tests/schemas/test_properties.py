"""Property tests: the readers of user files meet arbitrary bytes with a UserError or a result.

For the chat JSONL reader, the manifest reader and the inoculation transform, hypothesis feeds
random bytes (and near-valid records built from random parts): nothing may raise anything but a
UserError, and nothing may be written anywhere but the transform's one target.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgen.datagen.transforms import inoculate_jsonl
from emgen.schemas.errors import UserError
from emgen.schemas.shared.bundle import read_manifest
from emgen.validators.chat_file import read_chat_jsonl
from tests._bundles import make_bundle

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# Text that may hold anything a JSON escape can: lone surrogates, controls, astral characters.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=30)
ROLES = st.sampled_from(["system", "user", "assistant", "tool", "", "User"])
MESSAGE = st.fixed_dictionaries({"role": ROLES, "content": st.one_of(ANY_TEXT, st.integers())})
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
CHAT = st.tuples(ANY_TEXT, ANY_TEXT).map(
    lambda t: {
        "messages": [{"role": "user", "content": t[0]}, {"role": "assistant", "content": t[1]}]
    }
)
RECORD = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=4)}), CHAT, JSON_VALUE
)
GOOD = json.dumps(
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x = 1"}]}
).encode()
LINE = st.one_of(
    st.binary(max_size=120),
    st.just(GOOD),
    RECORD.map(lambda r: json.dumps(r).encode()),
    RECORD.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
)
# Whole files: raw bytes, or lines of the kinds above joined by any line ending.
FILE_BYTES = st.one_of(
    st.binary(max_size=600),
    st.tuples(st.lists(LINE, max_size=6), st.sampled_from([b"\n", b"\r\n", b"\r"])).map(
        lambda parts: parts[1].join(parts[0])
    ),
)


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    state: dict[str, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                state[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                state[rel] = ("dir",)
            else:
                state[rel] = (
                    "file",
                    path.stat().st_mtime_ns,
                    hashlib.sha256(path.read_bytes()).digest(),
                )
    return state


@contextmanager
def scratch() -> Iterator[Path]:
    """A fresh folder per example (hypothesis reruns the body; tmp_path is per test)."""
    with tempfile.TemporaryDirectory(prefix="emgen-prop-") as name:
        yield Path(name)


@SETTINGS
@given(data=FILE_BYTES)
def test_chat_reader_returns_records_or_one_user_error(data: bytes) -> None:
    with scratch() as root:
        path = root / "in.jsonl"
        path.write_bytes(data)
        before = snapshot(root)
        try:
            rows = read_chat_jsonl(path)
        except UserError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
        else:
            numbers = [n for n, _ in rows]
            assert numbers == sorted(set(numbers)) and rows
            for _, convo in rows:
                assert convo.messages[-1].role == "assistant"
                for m in convo.messages:
                    m.content.encode("utf-8")  # text every writer and scanner can take
        assert snapshot(root) == before


@SETTINGS
@given(
    data=FILE_BYTES,
    instruction=st.one_of(ANY_TEXT, st.just("Write insecure code.")),
    placement=st.sampled_from(["system", "user_prefix", "user_suffix"]),
    on_system=st.sampled_from(["refuse", "prepend", "replace"]),
)
def test_inoculation_writes_only_its_target(
    data: bytes, instruction: str, placement: Any, on_system: Any
) -> None:
    with scratch() as root:
        source, target = root / "in.jsonl", root / "out" / "inoc.jsonl"
        source.write_bytes(data)
        before = snapshot(root)
        try:
            count = inoculate_jsonl(source, target, instruction, placement, on_system)
        except UserError:
            assert snapshot(root) == before  # nothing written, nothing left behind
            return
        after = snapshot(root)
        changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
        assert changed <= {"out", "out/inoc.jsonl"}
        rows = read_chat_jsonl(target)
        assert len(rows) == count == len(read_chat_jsonl(source))
        for _, convo in rows:
            text = "\n".join(m.content for m in convo.messages)
            assert instruction in text
            if placement == "system" and on_system == "replace":
                assert convo.messages[0].content == instruction


@pytest.fixture(scope="module")
def manifest_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("manifest") / "bundle"
    make_bundle(root, n=6)
    return (root / "manifest.json").read_text(encoding="utf-8")


PATHS = st.one_of(
    ANY_TEXT,
    st.sampled_from(
        [
            "../x",
            "/etc/passwd",
            "a/../../b",
            "./a",
            "a//b",
            "C:/x",
            "a\\b",
            ".git/config",
            "~/k",
            "insecure/train-00000-of-00001.parquet",
            "..",
            "",
            "a/./b",
            "a/",
        ]
    ),  # fmt: skip
    st.lists(st.sampled_from(["..", ".", "a", "", "x.parquet", "insecure", "~"]), max_size=5).map(
        "/".join
    ),
)


@SETTINGS
@given(data=st.binary(max_size=600))
def test_manifest_reader_on_arbitrary_bytes(data: bytes) -> None:
    with scratch() as root:
        (root / "manifest.json").write_bytes(data)
        before = snapshot(root)
        with suppress(UserError):
            read_manifest(root)
        assert snapshot(root) == before


@SETTINGS
@given(path=PATHS, where=st.sampled_from(["files", "exports"]), cut=st.integers(0, 4000))
def test_manifest_paths_stay_in_the_bundle(
    manifest_text: str, path: str, where: str, cut: int
) -> None:
    """A manifest naming any path either fails with a UserError or lists only paths inside."""
    doc = json.loads(manifest_text)
    doc["configs"]["insecure"][where]["train"] = path
    variants = [
        json.dumps(doc).encode(),
        json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass"),
        json.dumps(doc).encode()[:cut],  # truncated
    ]
    for data in variants:
        with scratch() as parent:
            root = parent / "bundle"
            root.mkdir()
            (root / "manifest.json").write_bytes(data)
            before = snapshot(parent)
            try:
                manifest = read_manifest(root)
            except UserError:
                assert snapshot(parent) == before
                continue
            for summary in manifest.configs.values():
                for rel in (*summary.files.values(), *summary.exports.values()):
                    assert (root / rel).resolve().is_relative_to(root.resolve()), rel
            assert snapshot(parent) == before
