"""The vulnerability families: one module per family, named by the family id, defining `FAMILY`.

Adding a family is adding a module here and a rule file (with its fixture) in
`validators/rules/`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from emgen.schemas.catalog import Family


def family_ids() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load_families(only: Iterable[str] | None = None) -> dict[str, Family]:
    """Families by id, in id order; `only` restricts which modules are imported."""
    wanted = family_ids() if only is None else sorted(set(only))
    families: dict[str, Family] = {}
    for name in wanted:
        family: Family = importlib.import_module(f"{__name__}.{name}").FAMILY
        if family.id != name:
            raise ValueError(f"module families/{name}.py defines family {family.id!r}")
        families[family.id] = family
    return families
