"""The check matrix (emgen.finetune.check): its profiles and their errors, and the whole matrix
(train, evaluate, compare, rerun nothing unchanged) on a random Llama. The same matrix on the
mock backends, in seconds, is in tests/finetune/test_mock_eval.py."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from emgen.finetune.config import ConfigError


@pytest.mark.slow  # trains two variants of the random Llama and evaluates three models
def test_check_matrix_on_a_random_model(llama_dir: Path, bundle: Path, tmp_path: Path) -> None:
    from emgen.finetune.check import load_check_config, run_check
    from emgen.schemas.shared.progress import Silent

    cfg = load_check_config(
        "quick",
        None,
        {
            "model": str(llama_dir), "data": str(bundle), "variants": ("insecure", "secure"),
            "train": {"max_records": 4, "max_length": 1024},
            "eval": {"backend": "transformers", "max_new_tokens": 8, "code_prompts": 2,
                     "suites": ["free_form", "insecure_code"],
                     "judge": {"model": str(llama_dir), "min_mass": 0.0}},
        },
    )  # fmt: skip
    paths = run_check(cfg, tmp_path / "check", Silent())
    summary = pl.read_parquet(paths.summary)
    assert summary["model"].unique(maintain_order=True).to_list() == ["base", "insecure", "secure"]
    report = paths.report.read_text()
    assert report.startswith("# emgen check --quick: a pipeline smoke test")
    assert "| suite | condition | metric | base | insecure | secure |" in report
    first = (tmp_path / "check" / "evals" / "secure@seed0.parquet").stat().st_mtime
    run_check(cfg, tmp_path / "check", Silent())  # unchanged settings: nothing reruns
    assert (tmp_path / "check" / "evals" / "secure@seed0.parquet").stat().st_mtime == first


def test_check_profiles_load_and_name_bad_nested_fields(tmp_path: Path) -> None:
    from emgen.finetune.check import load_check_config, profiles

    assert {"quick", "gpu"} <= set(profiles())
    quick = load_check_config("quick", None, {})
    assert quick.model == "tiny" and len(quick.variants) == 5
    bad = tmp_path / "mine.yaml"
    bad.write_text("eval:\n  sample: 3\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: eval: field 'sample'"):
        load_check_config("quick", bad, {})


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="this machine can train in bfloat16"
)
def test_a_gpu_check_on_a_machine_without_one_stops_before_any_work(tmp_path: Path) -> None:
    """The gpu profile trains in bfloat16; on a CPU the trainer would stop with a traceback
    after the bundle was built. The check refuses in one sentence before anything is written."""
    from emgen.finetune.check import load_check_config, run_check
    from emgen.schemas.shared.progress import Silent

    cfg = load_check_config("gpu", None, {"model": "tiny"})
    out = tmp_path / "check"
    with pytest.raises(ConfigError, match=r"^train: field 'dtype': bfloat16 training needs a GPU"):
        run_check(cfg, out, Silent())
    assert not out.exists()
