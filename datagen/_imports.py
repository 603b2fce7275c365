"""Merge import lines from several parts into one tidy, deterministic block."""

from __future__ import annotations

import ast


def merge_imports(lines: list[str] | tuple[str, ...]) -> str:
    """`import a`, `from m import x`, `from m import y` -> `import a`, `from m import x, y`."""
    plain: set[str] = set()
    from_names: dict[str, set[str]] = {}
    for line in lines:
        for node in ast.parse(line).body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    plain.add(
                        alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
                    )
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = from_names.setdefault(node.module, set())
                for alias in node.names:
                    names.add(
                        alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
                    )
            else:
                raise ValueError(f"not an import line: {line!r}")
    out = [f"import {name}" for name in sorted(plain)]
    out += [
        f"from {mod} import {', '.join(sorted(names))}" for mod, names in sorted(from_names.items())
    ]
    return "\n".join(out) + ("\n" if out else "")
