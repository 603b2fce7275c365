"""The reward-hack catalog files under `data/`, read with the catalog's YAML helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emgen.datagen.catalog import entries

DATA_DIR = Path(__file__).parent / "data"


def data_entries(name: str) -> list[dict[str, Any]]:
    """The top-level `name:` list of `data/<name>.yaml`, in file order."""
    return entries(DATA_DIR / f"{name}.yaml", name)
