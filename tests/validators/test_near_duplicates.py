"""Shingled MinHash with LSH banding: estimates, stability and the near-duplicate index."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import numpy as np
import pytest

from emgen.validators.near_duplicates import (
    MinHasher,
    NearDuplicateIndex,
    choose_bands,
    estimate_jaccard,
    exact_jaccard,
    shingles,
)

WORDS = [f"word{i}" for i in range(4000)]


def _text(rng: random.Random, n: int = 400) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _mutate(text: str, rng: random.Random, share: float) -> str:
    """Replace about `share` of the words with fresh ones."""
    return " ".join(rng.choice(WORDS) if rng.random() < share else w for w in text.split())


def test_shingles_are_lowercased_word_five_grams() -> None:
    assert shingles("A b c d e F") == {"a b c d e", "b c d e f"}
    assert shingles("Too short.") == {"too short"}


def test_estimate_tracks_exact_jaccard() -> None:
    rng = random.Random(0)
    errors = []
    for share in (0.0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.5, 1.0):
        a = _text(rng)
        b = _mutate(a, rng, share)
        errors.append(abs(estimate_jaccard(a, b) - exact_jaccard(a, b)))
    # 128 permutations: the standard error is at most sqrt(0.25 / 128), about 0.044.
    assert max(errors) < 0.15
    assert sum(errors) / len(errors) < 0.06


def test_identical_and_disjoint_texts() -> None:
    rng = random.Random(1)
    a, b = _text(rng), _text(rng)
    assert estimate_jaccard(a, a) == 1.0
    assert estimate_jaccard(a, b) < 0.05


def test_signatures_do_not_depend_on_python_hash_seed() -> None:
    text = "the grader read the exit code and nothing else " * 5
    here = MinHasher(seed=3).signature(text).tolist()
    code = (
        "from emgen.validators.near_duplicates import MinHasher\n"
        f"print(MinHasher(seed=3).signature({text!r}).tolist())\n"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip() == str(here)
    assert MinHasher(seed=4).signature(text).tolist() != here


def test_signature_shape_and_dtype() -> None:
    sig = MinHasher(num_perm=64).signature("one two three four five six seven")
    assert sig.shape == (64,)
    assert sig.dtype == np.uint64


def test_bands_fit_the_signature() -> None:
    for threshold in (0.3, 0.5, 0.8):
        bands, rows = choose_bands(threshold, 128)
        assert bands * rows <= 128
        # A pair exactly at the threshold shares a bucket with high probability.
        assert 1 - (1 - threshold**rows) ** bands >= 0.95


def test_index_flags_a_planted_near_copy_and_keeps_distinct_texts() -> None:
    rng = random.Random(2)
    index = NearDuplicateIndex(0.5)
    texts = [_text(rng) for _ in range(300)]
    assert all(index.add(f"d{i}", t) is None for i, t in enumerate(texts))
    assert len(index) == 300
    near_copy = _mutate(texts[123], rng, 0.03)
    assert exact_jaccard(near_copy, texts[123]) > 0.6
    assert index.add("copy", near_copy) == "d123"
    assert len(index) == 300  # a rejected duplicate is not indexed
    assert index.query(near_copy) is not None
    loose = _mutate(texts[7], rng, 0.5)
    assert exact_jaccard(loose, texts[7]) < 0.2
    assert index.add("loose", loose) is None


def test_index_rejects_reused_ids_and_bad_thresholds() -> None:
    index = NearDuplicateIndex()
    index.add("a", "some text that is long enough to shingle properly here")
    with pytest.raises(ValueError, match="already in the index"):
        index.add("a", "another text entirely, with different words in it")
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateIndex(0.0)


def test_index_is_fast_for_thousands_of_documents() -> None:
    rng = random.Random(3)
    index = NearDuplicateIndex(0.5)
    texts = [_text(rng, 600) for _ in range(1500)]
    for i, text in enumerate(texts):
        assert index.add(str(i), text) is None
    # Banding keeps buckets tiny for dissimilar texts, so each insertion compares with few.
    assert max(len(members) for members in index._buckets.values()) <= 3
