"""Dataset cards, Croissant metadata and publishing to the Hugging Face Hub.

`write_card(root)` writes README.md, croissant.json and figures/ for a bundle from its files;
`publish(root, repo_id)` uploads a bundle in one commit after checking it is valid and current.
"""

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
    "card_fingerprint",
    "check_bundle",
    "data_fingerprint",
    "plan",
    "publish",
    "read_bundle",
    "render_card",
    "write_card",
]
