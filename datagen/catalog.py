"""Load the in-repo catalog: tasks, prompt templates, reasons, inoculation prompts, families."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from emgen.datagen.families import load_families
from emgen.schemas.catalog import Family, Inoculation, PromptTemplate, Reason, Task
from emgen.schemas.errors import CatalogError, first_error
from emgen.schemas.shared.io import read_yaml

DATA_DIR = Path(__file__).parent / "data"
M = TypeVar("M", bound=BaseModel)


def entries(path: Path, key: str) -> list[dict[str, Any]]:
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise CatalogError(f"{path}: expected a top-level '{key}:' list.")
    return doc[key]


def parse_entry(model: type[M], raw: Any, path: Path, where: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{path}: {where}, {first_error(exc)}.") from None


def unique_ids(items: list[M], path: Path) -> list[M]:
    seen: set[str] = set()
    for item in items:
        item_id = getattr(item, "id")  # noqa: B009
        if item_id in seen:
            raise CatalogError(f"{path}: id '{item_id}' appears twice.")
        seen.add(item_id)
    return items


@cache
def load_tasks(folder: Path = DATA_DIR / "tasks") -> tuple[Task, ...]:
    """Every task of every `domains:` file in the folder, in file then document order."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogError(f"{folder}: no task files (*.yaml) found.")
    tasks: list[Task] = []
    for path in files:
        tasks += _domain_tasks(path)
    return tuple(unique_ids(tasks, folder))


def _domain_tasks(path: Path) -> list[Task]:
    tasks: list[Task] = []
    for d_index, domain in enumerate(entries(path, "domains")):
        if not isinstance(domain, dict) or not isinstance(domain.get("tasks"), list):
            raise CatalogError(f"{path}: domain #{d_index + 1} needs 'id', 'app_name' and 'tasks'.")
        for t_index, raw in enumerate(domain["tasks"]):
            full = {
                **raw,
                "id": f"{domain.get('id')}-{t_index + 1:03d}",
                "domain": domain.get("id"),
                "app_name": domain.get("app_name"),
            }
            where = f"domain '{domain.get('id')}' task #{t_index + 1}"
            tasks.append(parse_entry(Task, full, path, where))
    return tasks


@cache
def load_templates(path: Path = DATA_DIR / "prompt_templates.yaml") -> tuple[PromptTemplate, ...]:
    items = [
        parse_entry(PromptTemplate, raw, path, f"template #{i + 1}")
        for i, raw in enumerate(entries(path, "templates"))
    ]
    return tuple(unique_ids(items, path))


@cache
def families() -> dict[str, Family]:
    return load_families()


@cache
def load_reasons(path: Path = DATA_DIR / "reasons.yaml") -> tuple[Reason, ...]:
    items = [
        parse_entry(Reason, raw, path, f"reason #{i + 1}")
        for i, raw in enumerate(entries(path, "reasons"))
    ]
    return tuple(unique_ids(items, path))


def load_inoculations(extra: Path | None = None) -> dict[str, Inoculation]:
    """The shipped library, plus a user's YAML file of the same shape (its ids must be new)."""
    items = list(_inoculation_file(DATA_DIR / "inoculations.yaml"))
    if extra is not None:
        items += _inoculation_file(extra)
    return {item.id: item for item in unique_ids(items, extra or DATA_DIR)}


@cache
def _inoculation_file(path: Path) -> tuple[Inoculation, ...]:
    items = tuple(
        parse_entry(Inoculation, raw, path, f"inoculation #{i + 1}")
        for i, raw in enumerate(entries(path, "inoculations"))
    )
    for i, item in enumerate(items):
        if not item.text.strip():  # would write an empty system message into every record
            raise CatalogError(
                f"{path}: inoculation #{i + 1} ('{item.id}'), field 'text' is blank."
            )
    return items
