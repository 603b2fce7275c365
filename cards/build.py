"""`build_bundle`: the data pipeline of emgen.datagen plus the card, written atomically.

The card is made from the files on disk, so it is written after the data, inside the same
temporary folder: the bundle appears whole (data, manifest, validation, card) or not at all.
"""

from __future__ import annotations

from pathlib import Path

from emgen.cards._card import write_card
from emgen.datagen.build import check_config, write_data
from emgen.datagen.models import EngineOptions
from emgen.schemas.build import BuildConfig, Manifest
from emgen.schemas.shared.bundle import is_bundle
from emgen.schemas.shared.io import atomic_dir
from emgen.schemas.shared.progress import Reporter


def build_bundle(
    config: BuildConfig,
    out: Path,
    *,
    cache_path: Path | None = None,
    use_cache: bool = True,
    reporter: Reporter | None = None,
    engine: EngineOptions | None = None,
    max_candidates: int | None = None,
) -> Manifest:
    """Build every config into `out`, with its card; on any error nothing is left behind."""
    check_config(config)  # bad settings fail before the output is touched
    with atomic_dir(out, is_bundle, "an emgen bundle") as tmp:
        manifest = write_data(
            config, tmp, name=out.name, cache_path=cache_path, use_cache=use_cache,
            reporter=reporter, engine=engine, max_candidates=max_candidates,
        )  # fmt: skip
        write_card(tmp, manifest)
    return manifest
