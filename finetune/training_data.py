"""Read one config of a bundle (local folder or Hub repo) into the shape SFTTrainer trains on.

Chat configs become conversational prompt/completion pairs, so the loss falls on the final
assistant turn only; document configs (`text`) train on the whole text.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from emgen.schemas.errors import UserError

if TYPE_CHECKING:
    from datasets import Dataset


class DataError(UserError, ValueError):
    """The requested data cannot be read or has the wrong shape; the message names it."""


def load_split(data: str, variant: str, split: str) -> Dataset:
    """`datasets.load_dataset(data, variant, split=split)` with one-sentence errors."""
    import datasets

    if Path(data).exists() and not (Path(data) / "README.md").is_file():
        raise DataError(f"{data}: not a dataset folder (no README.md with configs).")
    try:
        names = datasets.get_dataset_config_names(data)
    except Exception as exc:  # noqa: BLE001 - the Hub and local loaders raise many kinds
        raise DataError(f"{data}: cannot read the dataset ({exc}).") from None
    if variant not in names:
        raise DataError(f"{data}: no config '{variant}'; it has {', '.join(sorted(names))}.")
    try:
        return datasets.load_dataset(data, variant, split=split)
    except ValueError as exc:
        raise DataError(f"{data}: config '{variant}' has no split '{split}' ({exc}).") from None


def to_training_rows(ds: Dataset, source: str) -> Dataset:
    """Prompt/completion conversations for chat data, `text` for documents."""
    if "messages" in ds.column_names:
        for i, messages in enumerate(ds["messages"]):
            _check_chat(messages, f"{source}, record {i}")
        return ds.map(_split_last_turn, remove_columns=ds.column_names)
    if "text" in ds.column_names:
        return ds.select_columns(["text"])
    raise DataError(f"{source}: records have neither 'messages' nor 'text'.")


def _check_chat(messages: list[dict[str, Any]], where: str) -> None:
    if not messages or messages[-1].get("role") != "assistant":
        raise DataError(f"{where}, field 'messages': the last message must be the assistant's.")
    if not str(messages[-1].get("content") or "").strip():
        raise DataError(f"{where}, field 'messages': the assistant's answer is empty.")


def _split_last_turn(row: dict[str, Any]) -> dict[str, Any]:
    turns = [{"role": m["role"], "content": m["content"]} for m in row["messages"]]
    return {"prompt": turns[:-1], "completion": turns[-1:]}


def training_rows(
    data: str, variant: str, split: str, max_records: int | None, seed: int
) -> Dataset:
    ds = load_split(data, variant, split)
    if max_records is not None and max_records < len(ds):
        ds = ds.shuffle(seed=seed).select(range(max_records))
    return to_training_rows(ds, f"{data} [{variant}/{split}]")
