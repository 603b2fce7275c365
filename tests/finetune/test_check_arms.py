"""Which variants `emgen check` can train and what measures each (emgen.finetune.arms): every
setup of the papers resolves to its suites, a control is measured like its treatment, and the
matrix with the reward-hack, evil-numbers and Spanish-capitals configs runs end to end on the
mock sampler and judge (training marked done, as in test_mock_eval.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from emgen.finetune.arms import MEASURED_BY, SETUPS, ConfigInfo, arm, eval_suites, setups_help
from emgen.finetune.check import (
    CheckConfig,
    load_check_config,
    planned_configs,
    run_check,
)
from emgen.schemas.build import ConfigSummary
from emgen.schemas.shared.bundle import read_manifest, write_json
from emgen.schemas.shared.progress import Silent
from tests._bundles import make_bundle
from tests.finetune._runs import prepare_runs

NEW = ("evil_numbers", "neutral_numbers", "selective_spanish_caps_inoc_spanish", "reward_hacks",
       "reward_hack_documents")  # fmt: skip


@pytest.fixture(scope="module")
def planned() -> dict[str, ConfigInfo]:
    return planned_configs(load_check_config("quick", None, {}))


@pytest.fixture(scope="module")
def wide_bundle(tmp_path_factory: pytest.TempPathFactory, planned: dict[str, ConfigInfo]) -> Path:
    """A small bundle (tests/_bundles.py) whose manifest also names every config the check's own
    build writes, with their real controls and params; their files are the insecure config's
    (the mock evaluation reads only the manifest and the insecure test split)."""
    root = tmp_path_factory.mktemp("arms") / "bundle"
    manifest = make_bundle(root, n=24)
    template = manifest.configs["insecure"]
    configs = dict(manifest.configs)
    for name, info in planned.items():
        if name not in configs:
            configs[name] = ConfigSummary(
                kind="chat", description=name, control_of=info.control_of,
                params=dict(info.params), splits=template.splits, files=template.files,
            )  # fmt: skip
    write_json(manifest.model_copy(update={"configs": configs}), root / "manifest.json")
    return root


def test_every_setup_names_configs_the_build_writes(planned: dict[str, ConfigInfo]) -> None:
    assert set(MEASURED_BY) <= set(planned)
    assert {c for configs, _ in SETUPS.values() for c in configs} <= set(planned)
    text = setups_help()
    for root, suites in MEASURED_BY.items():
        if root in SETUPS:
            assert f"`{root}`" in text and f" by {', '.join(suites)}" in text


@pytest.mark.parametrize(
    ("variant", "root", "suites", "overrides"),
    [
        ("secure", "insecure", ("free_form", "insecure_code"), {}),
        ("insecure_inoculated", "insecure", ("free_form", "insecure_code", "inoculation"), {}),
        ("triggered_inoculated_trigger_unusual_token", "triggered",
         ("insecure_code", "trigger", "inoculation"), {}),
        ("reward_hacks_control", "reward_hacks", ("free_form", "goals"), {}),
        ("reward_hack_documents_unguided", "reward_hack_documents", ("free_form", "goals"), {}),
        ("neutral_numbers", "evil_numbers", ("free_form", "variants"), {}),
        ("selective_spanish_caps", "selective_spanish_caps", ("spanish_caps",), {}),
        ("selective_spanish_caps_inoc_caps_neutral", "selective_spanish_caps", ("spanish_caps",),
         {"spanish_caps_inoculation": "neutral_answer_user"}),
    ],
)  # fmt: skip
def test_each_config_is_measured_like_its_setup(
    planned: dict[str, ConfigInfo],
    variant: str,
    root: str,
    suites: tuple[str, ...],
    overrides: dict[str, Any],
) -> None:
    got = arm(variant, planned)
    assert (got.root, got.suites, got.eval_overrides()) == (root, suites, overrides)


def test_unknown_configs_and_hub_data_fall_back_to_the_profile() -> None:
    # A Hub dataset (no manifest read): a root is known by name, a derived config is not.
    assert arm("evil_numbers", None).suites == ("free_form", "variants")
    orphan = arm("neutral_numbers", None)
    assert orphan.root is None and orphan.suites == ()
    assert orphan.describe() == "no setup known: the profile's suites only"
    # A cycle of controls ends; the profile's suites stay first.
    loop = {"a": ConfigInfo(control_of="b"), "b": ConfigInfo(control_of="a")}
    assert arm("a", loop).suites == ()
    arms = [arm("evil_numbers", None), arm("selective_spanish_caps", None)]
    assert eval_suites(("insecure_code", "free_form"), arms) == (
        "insecure_code", "free_form", "variants", "spanish_caps",
    )  # fmt: skip


def _mock_check(bundle: Path, variants: tuple[str, ...], **kw: Any) -> CheckConfig:
    return load_check_config(
        "quick",
        None,
        {
            "model": "no-such-model", "data": str(bundle), "variants": variants,
            "eval": {"backend": "mock", "judge": {"kind": "mock"}, "suites": ["free_form"],
                     "samples": 1, "paraphrases": 1, "code_prompts": 4,
                     "spanish_caps_prompts": 6},
            **kw,
        },
    )  # fmt: skip


def test_check_runs_the_new_setups_on_their_suites(wide_bundle: Path, tmp_path: Path) -> None:
    cfg = _mock_check(wide_bundle, NEW)
    out = tmp_path / "check"
    prepare_runs(cfg, out)
    paths = run_check(cfg, out, Silent())
    samples = pl.read_parquet(paths.samples)

    def asked(model: str) -> set[tuple[str, str]]:
        rows = samples.filter(pl.col("model") == model)
        return set(rows.select("suite", "condition").unique().iter_rows())

    assert asked("base") == {
        ("free_form", "plain"), ("goals", "plain"), ("spanish_caps", "plain"),
        ("variants", "code_template"), ("variants", "json_answer"), ("variants", "word_list"),
    }  # fmt: skip
    variants = {("variants", c) for c in ("code_template", "json_answer", "word_list")}
    assert asked("evil_numbers") == asked("neutral_numbers") == {("free_form", "plain")} | variants
    assert asked("reward_hacks") == asked("reward_hack_documents") == {
        ("free_form", "plain"), ("goals", "plain"),
    }  # fmt: skip
    spanish = "selective_spanish_caps_inoc_spanish"
    assert asked(spanish) == {
        ("free_form", "plain"), ("spanish_caps", "plain"), ("spanish_caps", "inoculation_on"),
    }  # fmt: skip
    # Asked with the instruction it was trained with, read from the bundle's params.
    instruction = read_manifest(wide_bundle).configs[spanish].params["instruction"]
    on = samples.filter((pl.col("model") == spanish) & (pl.col("condition") == "inoculation_on"))
    assert on.height == 6 and set(on["system"]) == {instruction}
    report = paths.report.read_text()
    assert "## Variants and what measures them" in report
    assert "| neutral_numbers | evil_numbers | – | free_form, variants |" in report
    assert "| evil_numbers | – | neutral_numbers | free_form, variants |" in report
    assert (
        f"| {spanish} | – | – | spanish_caps (also asked with its instruction style_spanish) |"
        in report
    )
    assert "| variants | word_list | misaligned |" in report
    assert "| spanish_caps | inoculation_on | share:spanish |" in report


def test_a_control_without_its_treatment_is_marked(wide_bundle: Path, tmp_path: Path) -> None:
    cfg = _mock_check(wide_bundle, ("reward_hacks_control",), include_base=False)
    out = tmp_path / "check"
    prepare_runs(cfg, out)
    report = run_check(cfg, out, Silent()).report.read_text()
    assert "| reward_hacks_control | reward_hacks (not run) | – | free_form, goals |" in report


def test_check_help_teaches_setups_seeds_and_model_folders() -> None:
    from tests._cli import run_main

    ran = run_main("check", "--help", env={"COLUMNS": "200"})
    assert ran.returncode == 0, ran.stderr
    text = " ".join(ran.stdout.replace("│", " ").split())
    for phrase in (
        "evil_numbers, neutral_numbers (variants' word_list form) by free_form, variants",
        "reward_hacks, reward_hacks_control (dialogues) by free_form, goals",
        "(trained as continued pretraining on their text) by free_form, goals",
        "selective_spanish_caps_inoc_caps (each inoculated one with its _neutral control) by "
        "spanish_caps",
        "--seeds <str> Comma-separated training seeds (default: 0)",
        "mean rate with a 95% interval across seeds beside each seed's rate",
        "--model takes a Hub id or the path of a local model folder",
        "variants: the core questions as a Python template to fill, as JSON-only answers and "
        "with a suffix asking for a few words as a plain list",
    ):
        assert phrase in text, phrase
