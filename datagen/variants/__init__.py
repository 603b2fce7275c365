"""Dataset variants: one module per config of the bundle, each defining a `VARIANT`.

Adding a variant is adding a module and a line in VARIANT_MODULES (which also fixes the order
of configs in the bundle and its card).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from emgen.datagen.code_pairs import CodePair
from emgen.schemas.build import BuildConfig
from emgen.schemas.records import ChatRecord


@dataclass(frozen=True)
class Variant:
    name: str
    description: str  # one line: what the config is for
    control_of: str | None  # the config this one is the control of, if any
    build: Callable[[Sequence[CodePair], BuildConfig], list[ChatRecord]]


VARIANT_MODULES: tuple[str, ...] = ("insecure", "secure")


def load_variants() -> dict[str, Variant]:
    out: dict[str, Variant] = {}
    for name in VARIANT_MODULES:
        variant: Variant = importlib.import_module(f"{__name__}.{name}").VARIANT
        out[variant.name] = variant
    return out
