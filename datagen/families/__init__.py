"""The vulnerability families: one module per family, named by the family id, defining `FAMILY`.

Adding a family is adding a module here, its name in `FAMILIES` below, and a rule file (with its
fixture) in `validators/rules/`.
"""

from __future__ import annotations

from collections.abc import Iterable

from emgen.schemas.catalog import Family
from emgen.schemas.shared.registry import Registry

# The registry: one line per module of this package (a module left out is an error on first use).
FAMILIES: Registry[Family] = Registry.of_modules(
    "family",
    __name__,
    (
        "archive_extraction",
        "chmod_world_writable",
        "code_eval",
        "command_injection",
        "flask_debug",
        "hardcoded_credentials",
        "insecure_tempfile",
        "jinja2_autoescape",
        "open_redirect",
        "path_traversal",
        "sql_injection",
        "tls_verification_disabled",
        "unsafe_deserialization",
        "weak_password_hash",
        "xss_flask",
        "xxe",
    ),
    attr="FAMILY",
    key=lambda family: family.id,
)


def family_ids() -> list[str]:
    return sorted(FAMILIES)


def load_families(only: Iterable[str] | None = None) -> dict[str, Family]:
    """Families by id, in id order; `only` restricts which (an unknown id is an error)."""
    wanted = family_ids() if only is None else sorted(set(only))
    return {name: FAMILIES[name] for name in wanted}
