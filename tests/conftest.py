from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small bundle of every config, built once for the whole test session."""
    from emgen.cards import build_bundle
    from emgen.schemas.build import BuildConfig

    root = tmp_path_factory.mktemp("bundle")
    out = root / "em"
    config = BuildConfig(
        n=BUNDLE_N, seed=BUNDLE_SEED, dialogues=BUNDLE_DIALOGUES, documents=BUNDLE_DOCUMENTS
    )
    build_bundle(config, out, cache_path=root / "cache.sqlite")
    return out


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """A loopback Hub (tests/_fake_hub.py) that accepts TOKEN, for the publish tests."""
    fake, server = serve(TOKEN)
    yield fake
    server.shutdown()
    server.server_close()
