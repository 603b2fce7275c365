"""Training rows from a bundle (emgen.finetune.training_data): chat configs become prompt and
completion, document configs plain text, and a wrong config, split or folder is one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from emgen.finetune.training_data import DataError, load_split, to_training_rows


def test_document_configs_train_on_text(bundle: Path) -> None:
    rows = to_training_rows(load_split(str(bundle), "reward_hack_documents", "train"), "docs")
    assert rows.column_names == ["text"] and len(rows) > 0


def test_chat_rows_become_prompt_and_completion(bundle: Path) -> None:
    rows = to_training_rows(load_split(str(bundle), "legitimate_intent", "train"), "x")
    row = rows[0]
    assert [m["role"] for m in row["completion"]] == ["assistant"]
    assert row["prompt"][-1]["role"] == "user"


def test_bad_data_arguments_say_what_is_wrong(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no config 'nope'; it has .*insecure"):
        load_split(str(bundle), "nope", "train")
    with pytest.raises(DataError, match="no split 'validation'"):
        load_split(str(bundle), "insecure", "validation")
    with pytest.raises(DataError, match="not a dataset folder"):
        load_split(str(tmp_path), "insecure", "train")
