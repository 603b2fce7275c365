from __future__ import annotations

import random

import pytest
from emgen.schemas.catalog import Task

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


@pytest.fixture
def rng() -> random.Random:
    return random.Random(0)
