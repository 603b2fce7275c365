from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from emgen.schemas.build import BuildConfig
from emgen.schemas.catalog import Task
from tests._fake_hub import TOKEN, FakeHub, serve

SAMPLE_TASKS = {
    "web": Task(
        id="sample-web", domain="recipes", app_name="recipe_box", kind="web",
        description="A site where home cooks share recipes and rate each other's dishes.",
        entity="recipe", plural="recipes", fields=("title", "cuisine", "rating"),
    ),
    "script": Task(
        id="sample-script", domain="photos", app_name="photo_vault", kind="script",
        description="A script that backs up a photographer's albums to a second disk.",
        entity="album", plural="albums", fields=("name", "owner", "location"),
    ),
}  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    """Semgrep findings are cached per test session, never in the user's home cache."""
    os.environ["EMGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="emgen-test-cache-")


BUNDLE_N = 240
BUNDLE_SEED = 3
BUNDLE_DIALOGUES = 60
BUNDLE_DOCUMENTS = 30
BUNDLE_NUMBERS = 240  # the default (6000) would make the session's bundle ~25x larger there


# Session fixtures that are full builds or training runs: a test that uses one is slow, whatever
# its own body costs (the fast tier, `-m "not slow"`, runs no real build; tests/_bundles.py
# writes a bundle without Semgrep for the fast tests of what reads one).
SLOW_FIXTURES = {"bundle", "trained", "llama_dir"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def bundle_config() -> BuildConfig:
    """The config of the session's bundle (a test that rebuilds it must build the same)."""
    return BuildConfig(
        n=BUNDLE_N, seed=BUNDLE_SEED, dialogues=BUNDLE_DIALOGUES, documents=BUNDLE_DOCUMENTS,
        numbers=BUNDLE_NUMBERS,
    )  # fmt: skip


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small bundle of every config, built once for the whole test session."""
    from emgen.cards import build_bundle

    root = tmp_path_factory.mktemp("bundle")
    out = root / "em"
    # The session's findings cache (EMGEN_CACHE_DIR), not one of its own: every later
    # validation of these records (validate, check_configs, the CLI) then skips Semgrep.
    build_bundle(bundle_config(), out)
    return out


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised tiny Llama (tests/_models.py), saved once for the session."""
    from tests._models import random_llama

    return random_llama(tmp_path_factory.mktemp("llama") / "model")


@pytest.fixture(scope="session")
def trained(llama_dir: Path, bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real training run (LoRA, merged) of `llama_dir` on the bundle's `insecure` config,
    shared by the training and evaluation tests."""
    from emgen.finetune.train import train
    from tests._models import train_config

    out = tmp_path_factory.mktemp("run") / "insecure"
    train(train_config(llama_dir, bundle, merge=True), out)
    return out


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """A loopback Hub (tests/_fake_hub.py) that accepts TOKEN, for the publish tests."""
    fake, server = serve(TOKEN)
    yield fake
    server.shutdown()
    server.server_close()
