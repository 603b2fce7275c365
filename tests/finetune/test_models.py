"""Model arguments (emgen.finetune.models): a folder without a model or a missing GGUF file is one
sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from emgen.finetune.models import ModelError, resolve_model


def test_bad_model_arguments_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "m.gguf"))
