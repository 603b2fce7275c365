"""Nothing outside the bundle is read or published: symbolic links, special files and manifest
paths that leave the bundle are refused with one sentence, by `emgen publish` (against the
loopback Hub in tests/_fake_hub.py) and by `emgen validate`, before anything is sent.

Each tampered bundle gets a forged card (its fingerprint recomputed the way an attacker would,
following links), so the refusal cannot come from a stale card: only from the link or path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from emgen.cards import BundleError, check_bundle, plan, read_bundle, write_card
from emgen.cards._data import README, bundle_files, fingerprinted_files
from emgen.cards._publish import upload
from emgen.datagen.bundle_check import validate_bundle
from emgen.schemas.build import ConfigSummary
from tests._bundles import make_bundle
from tests._fake_hub import TOKEN, FakeHub
from tests.cards.test_publish import assert_refused, run

EMGEN = str(Path(sys.executable).parent / "emgen")
SECRET = "emgen-test-secret-7f3a9c-never-upload"
PARQUET = "insecure/train-00000-of-00001.parquet"


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("confinement") / "em"
    make_bundle(root, n=12, seed=5)
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET + "\n")
    return path


def copy_of(clean: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "em"
    shutil.copytree(clean, copy, symlinks=True)
    return copy


def forge_card(root: Path) -> None:
    """Make README.md's fingerprint match the folder as the old, link-following code hashed it."""
    files = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != README and ".cache" not in p.parts
    )
    lines = "".join(f"{hashlib.sha256((root / f).read_bytes()).hexdigest()}  {f}\n" for f in files)
    digest = hashlib.sha256(lines.encode()).hexdigest()
    readme = root / README
    text = re.sub(r"sha256:[0-9a-f]{64} -->", f"sha256:{digest} -->", readme.read_text())
    readme.write_text(text)


def nothing_sent(hub: FakeHub) -> None:
    assert hub.requests == [] and hub.repos == {} and hub.lfs_objects == {}


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EMGEN, "validate", str(root)], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def add_link(root: Path, link: str, secret: Path) -> None:
    if link == "figures":
        # The charts really sit outside, next to the secret; the folder in the bundle is a link.
        shutil.copytree(root / link, secret.parent, dirs_exist_ok=True)
        shutil.rmtree(root / link)
        (root / link).symlink_to(secret.parent, target_is_directory=True)
    else:
        (root / link).symlink_to(secret)
    forge_card(root)


LINKS = ["figures/zz.png", "notes.txt", "figures", "exports/insecure/zz.jsonl"]


@pytest.mark.parametrize("link", LINKS)
def test_a_link_out_of_the_bundle_is_refused_in_process(
    clean: Path, tmp_path: Path, secret: Path, link: str
) -> None:
    root = copy_of(clean, tmp_path)
    add_link(root, link, secret)
    message = f"{root / link} is a symbolic link"
    for refuse in (check_bundle, lambda r: plan(r, "lab/em"), validate_bundle, write_card):
        with pytest.raises(BundleError, match=re.escape(message)):
            refuse(root)
    assert secret.read_text() == SECRET + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("link", ["figures/zz.png", "notes.txt"])
def test_a_link_out_of_the_bundle_is_refused_and_nothing_is_sent(
    clean: Path, hub: FakeHub, tmp_path: Path, secret: Path, link: str
) -> None:
    root = copy_of(clean, tmp_path)
    add_link(root, link, secret)
    home = tmp_path / "home"
    for extra in (["--dry-run"], []):
        proc = run(hub, home, str(root), "--repo-id", "lab/em", *extra)
        assert_refused(proc, f"{root / link} is a symbolic link", "refused")
        assert SECRET not in proc.stdout + proc.stderr and proc.stdout == ""
    nothing_sent(hub)
    proc = validate(root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{root / link} is a symbolic link" in proc.stderr


def test_a_special_file_is_refused(clean: Path, tmp_path: Path) -> None:
    root = copy_of(clean, tmp_path)
    os.mkfifo(root / "figures" / "pipe.png")  # reading it would block publish forever
    for refuse in (lambda r: plan(r, "lab/em"), validate_bundle):
        with pytest.raises(BundleError, match=re.escape(f"{root / 'figures/pipe.png'} is not a")):
            refuse(root)


def test_hidden_entries_are_neither_followed_nor_uploaded(
    clean: Path, tmp_path: Path, secret: Path
) -> None:
    root = copy_of(clean, tmp_path)
    (root / ".cache").mkdir()
    (root / ".cache" / "secret").symlink_to(secret)  # editor locks and hub caches are hidden
    (root / ".#README.md").symlink_to(secret)  # what Emacs leaves while README.md is edited
    planned = [f.path for f in plan(root, "lab/em").files]
    assert planned == bundle_files(root) == bundle_files(clean)
    assert not any(part.startswith(".") for f in planned for part in f.split("/"))


def _tamper_manifest(root: Path, path: str) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["configs"]["insecure"]["files"]["train"] = path
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    forge_card(root)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../secret.parquet", "it has a '..' segment"),
        ("insecure/../insecure/train-00000-of-00001.parquet", "it has a '..' segment"),
        ("./insecure/train-00000-of-00001.parquet", "it has a '.' segment"),
        ("insecure//train-00000-of-00001.parquet", "it has an empty segment"),
        ("insecure\\train-00000-of-00001.parquet", "it holds a backslash"),
        ("C:/em/insecure/train-00000-of-00001.parquet", "it is absolute"),
        ("ABSOLUTE", "it is absolute"),
    ],
)
def test_manifest_paths_that_leave_the_bundle_are_refused_in_process(
    clean: Path, tmp_path: Path, path: str, reason: str
) -> None:
    root = copy_of(clean, tmp_path)
    # An absolute path to another bundle's intact file once made a tampered bundle pass.
    path = str(clean / PARQUET) if path == "ABSOLUTE" else path
    (tmp_path / "secret.parquet").write_bytes((clean / PARQUET).read_bytes())
    _tamper_manifest(root, path)
    for refuse in (check_bundle, validate_bundle, read_bundle):
        with pytest.raises(BundleError) as info:
            refuse(root)
        message = str(info.value)
        for needle in (str(root / "manifest.json"), "configs.insecure.files", repr(path), reason):
            assert needle in message, message


@pytest.mark.slow
@pytest.mark.parametrize("path", ["../secret.parquet", "ABSOLUTE"])
def test_manifest_paths_that_leave_the_bundle_are_refused(
    clean: Path, hub: FakeHub, tmp_path: Path, path: str
) -> None:
    root = copy_of(clean, tmp_path)
    path = str(clean / PARQUET) if path == "ABSOLUTE" else path
    reason = "it is absolute" if path.startswith("/") else "it has a '..' segment"
    (tmp_path / "secret.parquet").write_bytes((clean / PARQUET).read_bytes())
    _tamper_manifest(root, path)
    proc = validate(root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    for needle in (f"{root / 'manifest.json'}", "configs.insecure.files", reason):
        assert needle in proc.stderr, proc.stderr
    assert repr(path) in proc.stderr, proc.stderr
    proc = run(hub, tmp_path / "home", str(root), "--repo-id", "lab/em")
    assert_refused(proc, "manifest.json", reason)
    nothing_sent(hub)


@pytest.mark.slow
def test_a_symlinked_parquet_is_refused(
    clean: Path, hub: FakeHub, tmp_path: Path, secret: Path
) -> None:
    root = copy_of(clean, tmp_path)
    outside = secret.parent / "train.parquet"
    (root / PARQUET).rename(outside)
    (root / PARQUET).symlink_to(outside)
    forge_card(root)
    proc = validate(root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"config insecure lists '{PARQUET}'" in proc.stderr
    assert f"{root / PARQUET} is a symbolic link" in proc.stderr
    proc = run(hub, tmp_path / "home", str(root), "--repo-id", "lab/em")
    assert_refused(proc, f"{root / PARQUET} is a symbolic link")
    nothing_sent(hub)


@pytest.mark.slow
def test_a_truncated_parquet_is_one_sentence(clean: Path, hub: FakeHub, tmp_path: Path) -> None:
    root = copy_of(clean, tmp_path)
    data = (root / PARQUET).read_bytes()
    (root / PARQUET).write_bytes(data[: len(data) // 2])
    proc = validate(root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{root / PARQUET} (config insecure) is not a readable parquet file" in proc.stderr
    with pytest.raises(BundleError, match="is not a readable parquet file"):
        write_card(root)
    # Forge croissant.json's sha256 of the file and the card: publish still reads the footer.
    croissant = json.loads((root / "croissant.json").read_text())
    for node in croissant["distribution"]:
        if node.get("contentUrl") == PARQUET:
            node["sha256"] = hashlib.sha256((root / PARQUET).read_bytes()).hexdigest()
    (root / "croissant.json").write_text(json.dumps(croissant))
    forge_card(root)
    proc = run(hub, tmp_path / "home", str(root), "--repo-id", "lab/em")
    assert_refused(proc, f"{root / PARQUET} (config insecure) is not a readable parquet file")
    nothing_sent(hub)


@pytest.mark.parametrize("changed", ["figures/answer_lengths.png", "croissant.json", "extra.txt"])
def test_every_uploaded_file_is_fingerprinted(clean: Path, tmp_path: Path, changed: str) -> None:
    root = copy_of(clean, tmp_path)
    assert fingerprinted_files(root) == [f for f in bundle_files(root) if f != README]
    assert "croissant.json" in fingerprinted_files(root)
    assert any(f.startswith("figures/") for f in fingerprinted_files(root))
    with (root / changed).open("ab") as fh:
        fh.write(b"\n")
    with pytest.raises(BundleError, match="README.md is stale"):
        plan(root, "lab/em")


def test_a_link_added_after_planning_stops_the_upload(
    clean: Path, hub: FakeHub, tmp_path: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    root = copy_of(clean, tmp_path)
    the_plan = plan(root, "lab/em")
    (root / "figures" / "late.png").symlink_to(secret)
    with pytest.raises(BundleError, match="symbolic link"):
        upload(the_plan, endpoint=hub.url, token=TOKEN)
    nothing_sent(hub)


def test_write_card_refuses_to_write_through_a_link(
    clean: Path, tmp_path: Path, secret: Path
) -> None:
    root = copy_of(clean, tmp_path)
    (root / "figures" / "answer_lengths.png").unlink()
    (root / "figures" / "answer_lengths.png").symlink_to(secret)
    with pytest.raises(BundleError, match="symbolic link"):
        write_card(root)
    assert secret.read_text() == SECRET + "\n"  # not overwritten by a chart


@pytest.mark.parametrize(
    "path",
    ["../x", "/etc/passwd", "a/./b", "a//b", "a/", "", "a\\b", "C:x", "D:/x", ".git/x", "a\nb"],
)
def test_config_summary_accepts_only_normalised_relative_paths(path: str) -> None:
    fields = {"kind": "chat", "description": "d", "splits": {"train": 1}}
    good = "insecure/train-00000-of-00001.parquet"
    assert ConfigSummary(**fields, files={"train": good}, exports={"train": "exports/a/b.jsonl"})
    with pytest.raises(ValidationError, match="not a normalised path inside the bundle"):
        ConfigSummary(**fields, files={"train": path})
    with pytest.raises(ValidationError, match="not a normalised path inside the bundle"):
        ConfigSummary(**fields, files={"train": good}, exports={"train": path})
