"""Publish a bundle to the Hugging Face Hub as one commit, after checking that it may go up.

A bundle may be published when it is an emgen bundle (manifest.json, validation.json and a
card), it holds only regular files and folders (no symbolic links, nothing that reads from
outside it), its validation report lists no violations, and its card is current: the fingerprint
recorded in README.md matches every other file, and croissant.json's sha256 of every parquet
file matches too. Exactly those files and README.md are uploaded. The token comes from HF_TOKEN
or the standard login (`hf auth login`); it is passed to huggingface_hub and never printed,
logged or written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from emgen.cards._card import card_fingerprint
from emgen.cards._data import (
    README,
    BundleError,
    bundle_files,
    bundle_path,
    data_fingerprint,
    read_manifest,
    read_parquet,
    read_validation,
)
from emgen.schemas.build import Manifest
from emgen.schemas.errors import UserError
from emgen.schemas.shared.io import sha256_file

# The Hub's rule for namespace and name: letters, digits, '-', '_', '.'; no '--' or '..'.
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
REPO_ID_RE = re.compile(rf"^{_PART}/{_PART}$")


class PublishError(UserError):
    """The Hub could not be reached or refused the upload (one sentence, no token)."""


@dataclass(frozen=True)
class PlannedFile:
    path: str  # path in the repository, which is the path in the bundle
    size: int


@dataclass(frozen=True)
class PublishPlan:
    root: Path
    repo_id: str
    revision: str
    private: bool
    files: tuple[PlannedFile, ...]
    commit_message: str
    commit_description: str

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class PublishResult:
    plan: PublishPlan
    repo_url: str
    commit_url: str
    commit_oid: str


def check_bundle(root: Path) -> Manifest:
    """Raise BundleError (one sentence) unless `root` is a valid bundle with a current card."""
    return _checked(root)[0]


def _checked(root: Path) -> tuple[Manifest, list[str]]:
    """check_bundle, and the files it checked: the ones to upload (README.md among them)."""
    manifest = read_manifest(root)
    files = bundle_files(root)  # refuses links and special files before anything is read
    validation = read_validation(root)
    if validation.violations:
        v = validation.violations[0]
        raise BundleError(
            f"{root / 'validation.json'} lists {len(validation.violations)} invariant "
            f"violation(s) (first: config {v.config}, record {v.pair_id}, {v.invariant}), so the "
            "bundle is not published."
        )
    readme = root / README
    if README not in files:
        raise BundleError(f"{root} has no README.md card; rebuild it with `{manifest.command}`.")
    recorded = card_fingerprint(readme)
    if recorded is None:
        raise BundleError(
            f"{readme} records no data fingerprint, so it was not written by emgen's card "
            f"writer; rebuild the bundle with `{manifest.command}`."
        )
    actual = data_fingerprint(root, files)
    if recorded != actual:
        raise BundleError(
            f"{readme} is stale: the data changed after the card was written (fingerprint "
            f"{recorded[:12]} in the card, {actual[:12]} on disk); rebuild the bundle with "
            f"`{manifest.command}`."
        )
    _check_croissant(root, manifest)
    for name, summary in manifest.configs.items():
        for rel in summary.files.values():
            read_parquet(root / rel, name, footer_only=True)  # paths checked by read_manifest
    return manifest, files


def _check_croissant(root: Path, manifest: Manifest) -> None:
    path = root / "croissant.json"
    if not path.is_file():
        raise BundleError(f"{root} has no croissant.json; rebuild it with `{manifest.command}`.")
    try:
        nodes = json.loads(path.read_text(encoding="utf-8")).get("distribution", [])
    except (json.JSONDecodeError, AttributeError):
        raise BundleError(f"{path} is not a JSON-LD object; rebuild the bundle.") from None
    for node in nodes:
        rel, digest = node.get("contentUrl"), node.get("sha256")
        if not (isinstance(rel, str) and isinstance(digest, str)):
            continue
        file = bundle_path(root, rel, f"{path}: a contentUrl names")
        if not file.is_file() or sha256_file(file) != digest:
            raise BundleError(
                f"{path} is stale: its sha256 of {rel} does not match the file; rebuild the "
                f"bundle with `{manifest.command}`."
            )


def plan(
    root: Path, repo_id: str, *, revision: str | None = None, private: bool = False
) -> PublishPlan:
    """Check the bundle and list what one commit would upload (no network)."""
    if not REPO_ID_RE.fullmatch(repo_id) or ".." in repo_id or "--" in repo_id:
        raise UserError(f"--repo-id must look like ORG/NAME (letters, digits, '-', '_', '.'), "
                        f"not {repo_id!r}.")  # fmt: skip
    manifest, listed = _checked(root)
    files = tuple(PlannedFile(f, (root / f).stat().st_size) for f in listed)
    counts = ", ".join(f"{n} {sum(c.splits.values())}" for n, c in manifest.configs.items())
    return PublishPlan(
        root=root,
        repo_id=repo_id,
        revision=revision or "main",
        private=private,
        files=files,
        commit_message=(
            f"emgen {manifest.package_version}: seed {manifest.seed}, config {manifest.config_hash}"
        ),
        commit_description=f"Built with `{manifest.command}`.\n\nRecords per config: {counts}.",
    )


def check_credentials(token: str | None = None) -> str:
    """The token to use; raise PublishError if there is none or the Hub is switched off."""
    from huggingface_hub import constants, get_token

    if constants.HF_HUB_OFFLINE:
        raise PublishError("HF_HUB_OFFLINE is set; unset it to publish.")
    secret = token or get_token()
    if not secret:
        raise PublishError(
            "no Hugging Face token found: set HF_TOKEN or log in with `hf auth login` first."
        )
    return secret


def upload(
    publish_plan: PublishPlan, *, endpoint: str | None = None, token: str | None = None
) -> PublishResult:
    """Create the repository (if needed) and the branch (if not main), then commit every file."""
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    p = publish_plan
    api = HfApi(endpoint=endpoint, token=token)
    secret = check_credentials(token)
    # The folder may have changed since it was planned: send nothing unless it is as checked.
    if bundle_files(p.root) != [f.path for f in p.files]:
        raise BundleError(
            f"{p.root} changed after it was checked; nothing was sent, publish again."
        )

    def scrub(text: str) -> str:
        return text.replace(secret, "***")

    step = "creating the repository"
    try:
        repo_url = api.create_repo(p.repo_id, repo_type="dataset", private=p.private, exist_ok=True)
        if p.revision != "main":
            step = f"creating branch {p.revision}"
            api.create_branch(p.repo_id, repo_type="dataset", branch=p.revision, exist_ok=True)
        step = "committing the files"
        info = api.create_commit(
            p.repo_id,
            repo_type="dataset",
            revision=p.revision,
            operations=[CommitOperationAdd(f.path, str(p.root / f.path)) for f in p.files],
            commit_message=p.commit_message,
            commit_description=p.commit_description,
        )
    except OfflineModeIsEnabled:
        raise PublishError("HF_HUB_OFFLINE is set; unset it to publish.") from None
    except Exception as exc:  # noqa: BLE001 (a remote's failure of any kind is one sentence)
        # huggingface_hub wraps failed LFS uploads in RuntimeError: report the root cause.
        cause: BaseException = exc
        while cause.__cause__ is not None and not isinstance(cause, HfHubHTTPError):
            cause = cause.__cause__
        if isinstance(cause, HfHubHTTPError):
            status = cause.response.status_code if cause.response is not None else "?"
            detail = cause.server_message or str(cause).splitlines()[0]
            raise PublishError(
                f"the Hub at {api.endpoint} refused {step} for {p.repo_id} (HTTP {status}): "
                f"{scrub(detail).rstrip('.')}."
            ) from None
        message = str(cause).splitlines()[0] if str(cause) else "no message"
        raise PublishError(
            f"publishing to {api.endpoint} failed while {step}: "
            f"{type(cause).__name__}: {scrub(message).rstrip('.')}."
        ) from None
    return PublishResult(p, str(repo_url), info.commit_url, info.oid)


def publish(
    root: Path,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    endpoint: str | None = None,
    token: str | None = None,
) -> PublishResult:
    """Upload the bundle in `root` to the dataset repository `repo_id` in a single commit."""
    return upload(plan(root, repo_id, revision=revision, private=private),
                  endpoint=endpoint, token=token)  # fmt: skip
