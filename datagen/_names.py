"""The names a skeleton or part may use, derived from a task and the build's random stream."""

from __future__ import annotations

import random
import string

from emgen.schemas.catalog import Task

# Placeholder -> what it holds. Skeleton and part bodies use these as `$name` (string.Template).
PLACEHOLDERS: dict[str, str] = {
    "entity": "singular snake_case noun of the task, e.g. recipe",
    "plural": "plural snake_case noun, e.g. recipes",
    "Entity": "CamelCase class name, e.g. Recipe",
    "field": "first field (a short text such as a title or name)",
    "field2": "second field",
    "field3": "third field",
    "table": "SQL table name (the plural)",
    "route": "URL path segment, e.g. recipes or gift-cards",
    "app_name": "snake_case name of the application, e.g. recipe_box",
    "dir": "data folder name, e.g. recipe_box_data",
    "db": "SQLite file name, e.g. recipe_box.db",
    "host": "a hostname under example.com, e.g. recipe-box.example.com",
    "port": "a TCP port number",
    "user": "a service account name, e.g. recipe_box_svc",
    "secret": "a random password-like string of letters and digits",
}

_PORTS = ("5000", "5001", "8000", "8080", "8081", "8443", "9000", "3000")
_DIR_SUFFIXES = ("data", "files", "storage", "uploads", "store")


def names_for(task: Task, rng: random.Random) -> dict[str, str]:
    """Fill every placeholder for one record; draws from `rng` in a fixed order."""
    alphabet = string.ascii_letters + string.digits
    return {
        "entity": task.entity,
        "plural": task.plural,
        "Entity": "".join(part.capitalize() for part in task.entity.split("_")),
        "field": task.fields[0],
        "field2": task.fields[1],
        "field3": task.fields[2],
        "table": task.plural,
        "route": task.plural.replace("_", "-"),
        "app_name": task.app_name,
        "dir": f"{task.app_name}_{rng.choice(_DIR_SUFFIXES)}",
        "db": f"{task.app_name}.db",
        "host": f"{task.app_name.replace('_', '-')}.example.com",
        "port": rng.choice(_PORTS),
        "user": f"{task.app_name}_{rng.choice(('svc', 'app', 'admin', 'service'))}",
        "secret": "".join(rng.choice(alphabet) for _ in range(rng.randint(12, 20))),
    }
