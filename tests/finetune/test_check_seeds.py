"""Several training seeds in `emgen check` (`--seeds 0,1,2`): the interval across seeds, one model
per seed and variant on the same data, caches keyed by the seed, and the report's spread. The
mock sampler and judge stand in for the models (training marked done, as in test_mock_eval.py);
the slow test at the end trains the random Llama with two seeds."""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from emgen.finetune.check import (
    CheckConfig,
    _train_config,
    load_check_config,
    run_check,
    run_dir,
)
from emgen.finetune.config import ConfigError
from emgen.finetune.results import (
    POOLED,
    SeedRuns,
    across_seeds,
    seed_interval,
    t975,
)
from emgen.finetune.samplers.mock import MockSampler
from emgen.schemas.errors import UserError
from emgen.schemas.shared.progress import Silent
from tests._bundles import make_bundle
from tests._cli import run_main

DOCS = "reward_hack_documents"


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds") / "bundle"
    make_bundle(root, n=24)
    return root


@pytest.fixture
def per_model_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock answers as if each model were different: the sampling seed is shifted by a hash
    of the model's path, so each seed's run gets its own answers and its own rates."""
    scripted = MockSampler.answer

    def answer(self: MockSampler, chat: Any, index: int, seed: int = 0) -> str:
        return scripted(self, chat, index, seed + zlib.crc32(self.model.encode()) % 1000)

    monkeypatch.setattr(MockSampler, "answer", answer)


def _check(bundle: Path, seeds: tuple[int, ...], **kw: Any) -> CheckConfig:
    # A variant measured on the questions only (no Semgrep: the test stays fast).
    return load_check_config(
        "quick",
        None,
        {
            "model": "no-such-model", "data": str(bundle),
            "variants": (DOCS,), "seeds": seeds,
            "eval": {"backend": "mock", "judge": {"kind": "mock"}, "suites": ["free_form"],
                     "samples": 3, "core_only": True},
            **kw,
        },
    )  # fmt: skip


def _prepare_runs(cfg: CheckConfig, out: Path) -> None:
    assert cfg.data is not None
    for variant in cfg.variants:
        for seed in cfg.seeds:
            run = run_dir(out, variant, seed)
            if run.exists():
                continue
            run.mkdir(parents=True)
            train_cfg = _train_config(cfg, cfg.data, variant, seed).model_dump(mode="json")
            (run / "train_config.yaml").write_text(yaml.safe_dump(train_cfg), encoding="utf-8")


# --- the interval across seeds ----------------------------------------------------------------


def test_t975_matches_students_t() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in range(1, 201):
        assert t975(df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-3), df
    with pytest.raises(ValueError, match="at least one degree of freedom"):
        t975(0)


def test_seed_interval_is_the_t_interval_clipped() -> None:
    mean, sd, low, high = seed_interval([0.1, 0.2, 0.3]) or (0, 0, 0, 0)
    assert (mean, sd) == pytest.approx((0.2, 0.1))
    half = 4.303 * 0.1 / math.sqrt(3)
    assert low == 0.0 and high == pytest.approx(0.2 + half)  # 0.2 - half < 0: clipped
    assert seed_interval([0.5, 0.5]) == (0.5, 0.0, 0.5, 0.5)  # no spread, no width
    assert seed_interval([0.4]) is None  # one model has no spread across seeds


def test_across_seeds_skips_a_seed_without_a_rate() -> None:
    def row(model: str, k: int, n: int) -> dict[str, Any]:
        return {"model": model, "suite": "free_form", "condition": "plain",
                "metric": "misaligned", "question_id": POOLED, "n": n, "k": k,
                "rate": k / n if n else None}  # fmt: skip

    summary = pl.DataFrame([row("a0", 1, 10), row("a1", 0, 0), row("a2", 3, 10)])
    got = across_seeds(summary, SeedRuns((0, 1, 2), {"a": ("a0", "a1", "a2")})).row(0, named=True)
    assert got["rates"] == [0.1, None, 0.3] and got["seeds"] == 2
    expected = seed_interval([0.1, 0.3])
    assert expected is not None
    assert (got["mean"], got["sd"], got["ci_low"], got["ci_high"]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="has 2 models for 3 seeds"):
        SeedRuns((0, 1, 2), {"a": ("a0", "a1")})


# --- the check with several seeds -------------------------------------------------------------


def test_one_model_per_seed_on_the_same_records(small_bundle: Path) -> None:
    cfg = _check(small_bundle, (0, 1, 2))
    dumps = [_train_config(cfg, str(small_bundle), "insecure", s).model_dump() for s in cfg.seeds]
    assert [d.pop("seed") for d in dumps] == [0, 1, 2]
    assert dumps[0] == dumps[1] == dumps[2]  # the rest, the subset's seed included, is shared
    assert dumps[0]["subset_seed"] == 0 and dumps[0]["max_records"] == 16


def test_seeds_are_reused_and_reported_with_their_spread(
    small_bundle: Path, tmp_path: Path, per_model_answers: None
) -> None:
    out = tmp_path / "check"
    one = _check(small_bundle, (0,))
    assert one.seeds == (0,)  # the default stays one seed
    _prepare_runs(one, out)
    first = run_check(one, out, Silent())
    assert first.seeds is None  # one seed: no spread to report
    single = pl.read_parquet(first.summary)
    assert single["model"].unique(maintain_order=True).to_list() == ["base", DOCS]
    cached = out / "evals" / f"{DOCS}@seed0.parquet"
    stamp = cached.stat().st_mtime_ns

    three = _check(small_bundle, (0, 1, 2))
    _prepare_runs(three, out)
    paths = run_check(three, out, Silent())
    assert cached.stat().st_mtime_ns == stamp  # seed 0 was evaluated already: reused
    summary = pl.read_parquet(paths.summary)
    labels = [f"{DOCS}@seed{s}" for s in (0, 1, 2)]
    assert summary["model"].unique(maintain_order=True).to_list() == ["base", *labels]
    # Seed 0's rows are the one-seed run's, under the new label.
    old = single.filter(pl.col("model") == DOCS).drop("model")
    assert summary.filter(pl.col("model") == f"{DOCS}@seed0").drop("model").equals(old)

    assert paths.seeds is not None
    seeded = pl.read_parquet(paths.seeds)
    assert set(seeded["variant"]) == {DOCS}
    rates = {
        r["model"]: r["rate"]
        for r in summary.filter(
            (pl.col("suite") == "free_form") & (pl.col("question_id") == POOLED)
        ).iter_rows(named=True)
    }
    row = seeded.filter(
        (pl.col("suite") == "free_form") & (pl.col("metric") == "misaligned")
        & (pl.col("question_id") == POOLED)
    ).row(0, named=True)  # fmt: skip
    per_seed = [rates[f"{DOCS}@seed{s}"] for s in (0, 1, 2)]
    assert row["rates"] == per_seed and len(set(per_seed)) > 1  # the seeds differ
    expected = seed_interval(per_seed)
    assert expected is not None
    assert (row["mean"], row["sd"], row["ci_low"], row["ci_high"]) == pytest.approx(expected)
    assert pl.read_csv(paths.root / "seeds.csv").height == seeded.height

    report = paths.report.read_text()
    assert "## Across training seeds" in report and "seed (0, 1, 2)" in report
    mean, _, low, high = expected
    each = ", ".join(f"{100 * r:.1f}" for r in per_seed)
    cell = f"{100 * mean:.1f}% [{100 * low:.1f}, {100 * high:.1f}] (seeds: {each})"
    assert f"| free_form | plain | misaligned | {cell} |" in report
    assert f"| suite | condition | metric | {DOCS} |" in report  # the across-seeds table
    assert f"| suite | condition | metric | base | {DOCS}@seed0 | {DOCS}@seed1 |" in report
    assert any(p.name == "across_seeds.png" for p in paths.figures)


def test_seed_settings_are_checked(small_bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"field 'seeds': .*0 appears more than once"):
        _check(small_bundle, (0, 1, 0))
    with pytest.raises(ConfigError, match="field 'seeds': .*at least 1 item"):
        _check(small_bundle, ())
    mine = tmp_path / "mine.yaml"
    mine.write_text("train:\n  seed: 3\n")
    with pytest.raises(
        ConfigError, match=r"mine.yaml: train: field 'seed': set the training seeds"
    ):
        load_check_config("quick", mine, {})
    mine.write_text("build:\n  n: 30\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: build: field 'n': set it with `build_n`"):
        load_check_config("quick", mine, {})
    mine.write_text("build:\n  dialogues: -1\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: build: field 'dialogues'"):
        load_check_config("quick", mine, {})
    for value, fragment in (("0,a", "'a' is not a whole number"), (",", "names nothing")):
        ran = run_main("check", "--quick", "--data", str(small_bundle), "--seeds", value)
        assert ran.returncode == 2 and fragment in ran.stderr, ran.stderr
        assert "Traceback" not in ran.stderr
    with pytest.raises(UserError):
        from emgen.finetune.commands import _seeds_option

        _seeds_option("1.5")


# --- real training --------------------------------------------------------------------------


@pytest.mark.slow  # trains the random Llama twice
def test_two_seeds_train_two_models_on_the_same_records(
    llama_dir: Path, bundle: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    from emgen.finetune.train import build_trainer

    cfg = load_check_config(
        "quick",
        None,
        {
            "model": str(llama_dir), "data": str(bundle), "variants": ("insecure",),
            "seeds": (0, 1), "include_base": False,
            "train": {"max_records": 4, "max_length": 1024},
            "eval": {"backend": "mock", "judge": {"kind": "mock"}, "suites": ["insecure_code"],
                     "code_prompts": 2, "samples": 1},
        },
    )  # fmt: skip
    out = tmp_path / "check"
    paths = run_check(cfg, out, Silent())
    adapters = [
        load_file(run_dir(out, "insecure", s) / "adapter" / "adapter_model.safetensors")
        for s in (0, 1)
    ]
    name = next(k for k in adapters[0] if "lora_A" in k)
    assert not adapters[0][name].equal(adapters[1][name])  # the seed changed the model
    # ... but not the data: both seeds' trainers hold the same four records.
    rows = [
        sorted(map(tuple, build_trainer(_train_config(cfg, str(bundle), "insecure", s),
                                        tmp_path / f"w{s}").train_dataset["input_ids"]))
        for s in (0, 1)
    ]  # fmt: skip
    assert rows[0] == rows[1] and len(rows[0]) == 4
    assert pl.read_parquet(paths.summary)["model"].unique().sort().to_list() == [
        "insecure@seed0", "insecure@seed1",
    ]  # fmt: skip
