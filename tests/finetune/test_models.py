"""Model arguments (emgen.finetune.models): a folder without a model or a missing GGUF file is one
sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from emgen.finetune.models import ModelError, native_bf16, resolve_model


def test_bad_model_arguments_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "m.gguf"))


def test_bf16_counts_as_native_only_with_its_cpu_flags(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU makes bfloat16 native whatever the CPU")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu sse2 avx2 fma avx512f\n", encoding="utf-8")
    assert not native_bf16(cpuinfo)  # AVX-512 alone has no bf16 products
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n", encoding="utf-8")
    assert native_bf16(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu avx2 amx_bf16 amx_tile\n", encoding="utf-8")
    assert native_bf16(cpuinfo)
    assert not native_bf16(tmp_path / "missing")
