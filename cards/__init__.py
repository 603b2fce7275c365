"""Dataset cards, Croissant metadata and publishing to the Hugging Face Hub.

`build_bundle(config, out)` builds a bundle with its card, atomically; `write_card(root)` writes
README.md, croissant.json and figures/ for a bundle from its files;
`publish(root, repo_id)` uploads a bundle in one commit after checking it is valid and current.
"""

from typing import TYPE_CHECKING, Any

from emgen.cards._card import CardFiles, card_fingerprint, render_card, write_card
from emgen.cards._data import BundleError, data_fingerprint, read_bundle
from emgen.cards._publish import (
    PlannedFile,
    PublishPlan,
    PublishResult,
    check_bundle,
    plan,
    publish,
)

__all__ = [
    "BundleError",
    "CardFiles",
    "PlannedFile",
    "PublishPlan",
    "PublishResult",
    "build_bundle",
    "card_fingerprint",
    "check_bundle",
    "data_fingerprint",
    "plan",
    "publish",
    "read_bundle",
    "render_card",
    "write_card",
]

if TYPE_CHECKING:
    from emgen.cards.build import build_bundle


def __getattr__(name: str) -> Any:
    # build_bundle loads the whole generation pipeline (about 0.35 s): only when it is asked
    # for, so `emgen --help`, `emgen show` and `emgen publish` start without it.
    if name == "build_bundle":
        from emgen.cards.build import build_bundle

        return build_bundle
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
