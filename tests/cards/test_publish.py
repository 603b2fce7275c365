"""`emgen publish` against a loopback Hub (tests/_fake_hub.py): one commit with every file, the
committed files load with `datasets`, and folders that must not go up are refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from emgen.cards._data import bundle_files, fingerprinted_files
from emgen.schemas.build import Manifest
from tests._bundles import make_bundle
from tests._fake_hub import TOKEN, FakeHub

EMGEN = str(Path(sys.executable).parent / "emgen")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publish") / "em"
    make_bundle(root, n=24, seed=2)
    return root


def run(
    hub: FakeHub, home: Path, *args: str, token: str | None = TOKEN, offline: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update({
        "HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "1" if offline else "0", "HF_HOME": str(home),
        "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        # hf_xet would move LFS bytes to a Xet CAS server, which the fake does not speak; without
        # it huggingface_hub uses the plain LFS batch + PUT protocol the fake implements.
        "HF_HUB_DISABLE_XET": "1",
    })  # fmt: skip
    if token is not None:
        env["HF_TOKEN"] = token
    return subprocess.run([EMGEN, "publish", *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)  # fmt: skip


def assert_refused(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") <= 2, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_publish_commits_every_file_once_and_the_commit_loads(
    bundle: Path, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = run(hub, tmp_path / "home", str(bundle), "--repo-id", "alignment-lab/em-variants")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert hub.seen_tokens == {TOKEN}
    repo = hub.repos["alignment-lab/em-variants"]
    assert repo.repo_type == "dataset" and not repo.private
    initial, commit = hub.commits("alignment-lab/em-variants")  # exactly one commit of ours
    assert commit.oid in proc.stdout
    manifest = Manifest.model_validate_json((bundle / "manifest.json").read_text())
    assert commit.summary.startswith(f"emgen {manifest.package_version}: seed 2")
    assert set(commit.files) == {*bundle_files(bundle), ".gitattributes"}
    # Exactly the files the card's fingerprint covers, and the card itself.
    assert set(bundle_files(bundle)) == {*fingerprinted_files(bundle), "README.md"}
    for path in bundle_files(bundle):
        assert commit.files[path] == (bundle / path).read_bytes(), path
    assert {p for p in commit.lfs} == {p for p in commit.files if p.endswith((".parquet", ".png"))}
    assert [m for m, p in hub.requests if p.endswith("/commit/main")] == ["POST"]
    assert hub.validated_yaml[0]["configs"][0]["config_name"] == "insecure"

    # Download what the server stored, as a user would, and load every config from it.
    from huggingface_hub import constants, snapshot_download

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    local = snapshot_download(
        "alignment-lab/em-variants", repo_type="dataset", endpoint=hub.url, token=TOKEN,
        local_dir=tmp_path / "snapshot", cache_dir=tmp_path / "hub-cache",
    )  # fmt: skip
    for name, summary in manifest.configs.items():
        ds = datasets.load_dataset(local, name, cache_dir=str(tmp_path / "ds-cache"))
        assert {s: len(ds[s]) for s in ds} == summary.splits
    chat = datasets.load_dataset(local, "secure", split="train", cache_dir=str(tmp_path / "ds"))
    assert chat[0]["messages"][-1]["role"] == "assistant"


def test_publish_to_a_new_branch_of_an_existing_private_repo(
    bundle: Path, hub: FakeHub, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = run(hub, home, str(bundle), "--repo-id", "lab/em", "--private")
    assert first.returncode == 0, first.stderr
    again = run(hub, home, str(bundle), "--repo-id", "lab/em", "--revision", "v2", "--private")
    assert again.returncode == 0, again.stderr
    repo = hub.repos["lab/em"]
    assert repo.private
    main, v2 = repo.branches["main"], repo.branches["v2"]
    assert len(main) == 2  # initial + the first publish, untouched by the second
    # The branch starts at main's head; the same files again make no new commit.
    assert [c.oid for c in v2] == [main[-1].oid]
    assert main[-1].oid in again.stdout
    # Changed data (rebuilt with its card) goes up as one new commit on the branch.
    changed = tmp_path / "changed"
    make_bundle(changed, n=18, seed=2)
    third = run(hub, home, str(changed), "--repo-id", "lab/em", "--revision", "v2")
    assert third.returncode == 0, third.stderr
    assert len(repo.branches["v2"]) == 2 and len(repo.branches["main"]) == 2
    assert repo.branches["v2"][-1].files["README.md"] == (changed / "README.md").read_bytes()


def test_dry_run_prints_the_plan_and_sends_nothing(
    bundle: Path, hub: FakeHub, tmp_path: Path
) -> None:
    proc = run(hub, tmp_path / "home", str(bundle), "--repo-id", "lab/em", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert hub.requests == []
    files = bundle_files(bundle)
    assert f"would upload {len(files)} files" in proc.stdout
    for path in files:
        assert f"  {path}\n" in proc.stdout
    assert "dry run: nothing was sent." in proc.stdout


def test_stale_card_is_refused(bundle: Path, hub: FakeHub, tmp_path: Path) -> None:
    copy = tmp_path / "em"
    shutil.copytree(bundle, copy)
    with (copy / "exports/secure/train.jsonl").open("a") as fh:
        fh.write('{"messages": []}\n')
    proc = run(hub, tmp_path / "home", str(copy), "--repo-id", "lab/em")
    assert_refused(proc, "README.md is stale", "emgen build --out em")
    proc = run(hub, tmp_path / "home", str(copy), "--repo-id", "lab/em", "--dry-run")
    assert_refused(proc, "stale")
    assert hub.requests == []


def test_failed_validation_is_refused(bundle: Path, hub: FakeHub, tmp_path: Path) -> None:
    copy = tmp_path / "em"
    shutil.copytree(bundle, copy)
    report = json.loads((copy / "validation.json").read_text())
    report["violations"] = [
        {
            "config": "secure",
            "pair_id": "train-00003",
            "invariant": "not_flagged",
            "detail": "flagged sql_injection",
        }
    ]
    (copy / "validation.json").write_text(json.dumps(report))  # fmt: skip
    proc = run(hub, tmp_path / "home", str(copy), "--repo-id", "lab/em")
    assert_refused(proc, "1 invariant violation", "config secure", "not_flagged")
    assert hub.requests == []


@pytest.mark.parametrize(
    ("setup", "repo_id", "needle"),
    [
        ("empty", "lab/em", "not an emgen bundle"),
        ("no-card", "lab/em", "has no README.md"),
        ("bundle", "not-a-repo-id", "--repo-id must look like ORG/NAME"),
    ],
)
def test_other_refusals(
    bundle: Path, hub: FakeHub, tmp_path: Path, setup: str, repo_id: str, needle: str
) -> None:
    folder = tmp_path / "em"
    if setup == "empty":
        folder.mkdir()
    else:
        shutil.copytree(bundle, folder)
        if setup == "no-card":
            (folder / "README.md").unlink()
    assert_refused(run(hub, tmp_path / "home", str(folder), "--repo-id", repo_id), needle)
    assert hub.requests == []


def test_missing_or_wrong_token_or_offline(bundle: Path, hub: FakeHub, tmp_path: Path) -> None:
    proc = run(hub, tmp_path / "home", str(bundle), "--repo-id", "lab/em", token=None)
    assert_refused(proc, "no Hugging Face token found")
    proc = run(hub, tmp_path / "home", str(bundle), "--repo-id", "lab/em", offline=True)
    assert_refused(proc, "HF_HUB_OFFLINE is set")
    assert proc.stdout == ""  # refused before listing the files
    assert hub.requests == []
    wrong = "hf_wrong_token_that_must_not_be_printed"
    proc = run(hub, tmp_path / "home", str(bundle), "--repo-id", "lab/em", token=wrong)
    assert_refused(proc, "refused creating the repository", "HTTP 401")
    assert wrong not in proc.stdout + proc.stderr
    assert hub.repos == {}
