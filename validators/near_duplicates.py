"""Near-duplicate detection for documents: shingled MinHash with LSH banding.

Texts become sets of word 5-gram shingles. Each word gets a stable hash (blake2b, not Python's
salted `hash()`), a shingle's hash is a polynomial of its five word hashes, and 128 seeded
multiply-shift universal hashes `((a*x + b) mod 2**64) >> 32` turn the set into a signature
whose per-position agreement estimates Jaccard similarity. Banding the signature puts
likely-similar documents in a shared bucket, so each insertion compares against a handful of
candidates instead of every earlier document: O(n) overall for a corpus of dissimilar texts.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re

import numpy as np
import numpy.typing as npt

_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier that spreads word hashes across 64 bits
_SHIFT = np.uint64(32)
_WORD = re.compile(r"\w+")

Signature = npt.NDArray[np.uint64]


def shingles(text: str, size: int = 5) -> set[str]:
    """Lower-cased word n-grams; a text shorter than `size` words is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def exact_jaccard(a: str, b: str, size: int = 5) -> float:
    sa, sb = shingles(a, size), shingles(b, size)
    return len(sa & sb) / len(sa | sb)


@functools.lru_cache(maxsize=1 << 16)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def shingle_hashes(text: str, size: int = 5) -> npt.NDArray[np.uint64]:
    """Distinct 32-bit hashes of the text's word n-grams (the shingles of `shingles`)."""
    words = _WORD.findall(text.lower()) or [""]
    hashes = np.array([_word_hash(w) for w in words], dtype=np.uint64)
    count = max(len(words) - size + 1, 1)
    acc = np.zeros(count, dtype=np.uint64)
    for j in range(min(size, len(words))):
        acc = acc * _MIX + hashes[j : j + count]  # uint64 arithmetic wraps modulo 2**64
    return np.unique(acc >> _SHIFT)


class MinHasher:
    """Signatures of `num_perm` seeded universal hashes over stable shingle hashes."""

    def __init__(self, num_perm: int = 128, seed: int = 0, shingle_size: int = 5) -> None:
        rng = random.Random(seed)
        # Multiply-shift (Dietzfelbinger): odd a, any b, arithmetic modulo 2**64, top 32 bits.
        self.a = np.array([rng.getrandbits(64) | 1 for _ in range(num_perm)], dtype=np.uint64)
        self.b = np.array([rng.getrandbits(64) for _ in range(num_perm)], dtype=np.uint64)
        self.num_perm = num_perm
        self.shingle_size = shingle_size

    def signature(self, text: str) -> Signature:
        x = shingle_hashes(text, self.shingle_size)
        values: Signature = np.multiply.outer(x, self.a)
        values += self.b  # in place: a signature is the hot loop of a build
        values >>= _SHIFT
        return values.min(axis=0)


def signature_similarity(a: Signature, b: Signature) -> float:
    """The share of signature positions that agree: an unbiased Jaccard estimate."""
    return float(np.count_nonzero(a == b)) / len(a)


def estimate_jaccard(
    a: str, b: str, *, num_perm: int = 128, seed: int = 0, shingle_size: int = 5
) -> float:
    """MinHash estimate of the Jaccard similarity of two texts' shingle sets."""
    hasher = MinHasher(num_perm, seed, shingle_size)
    return signature_similarity(hasher.signature(a), hasher.signature(b))


def choose_bands(threshold: float, num_perm: int, recall: float = 0.95) -> tuple[int, int]:
    """(bands, rows): the most rows per band that still find a pair at `threshold` with
    probability `recall`.

    A pair with similarity s shares at least one bucket with probability
    1 - (1 - s**rows)**bands. More rows mean fewer spurious candidates; the recall floor keeps
    true near-duplicates from slipping past, and every candidate is verified on the signature.
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


class NearDuplicateIndex:
    """Documents added so far, queryable for an earlier one at or above `threshold`."""

    def __init__(
        self, threshold: float = 0.5, *, num_perm: int = 128, seed: int = 0, shingle_size: int = 5
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.hasher = MinHasher(num_perm, seed, shingle_size)
        self.bands, self.rows = choose_bands(threshold, num_perm)
        self._buckets: dict[tuple[int, bytes], list[str]] = {}
        self._signatures: dict[str, Signature] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def _keys(self, sig: Signature) -> list[tuple[int, bytes]]:
        r = self.rows
        return [(i, sig[i * r : (i + 1) * r].tobytes()) for i in range(self.bands)]

    def _best(self, sig: Signature) -> tuple[str, float] | None:
        candidates = {doc for key in self._keys(sig) for doc in self._buckets.get(key, ())}
        best: tuple[str, float] | None = None
        for doc in sorted(candidates):  # sorted: ties resolve the same way on every run
            score = signature_similarity(sig, self._signatures[doc])
            if score >= self.threshold and (best is None or score > best[1]):
                best = (doc, score)
        return best

    def query(self, text: str) -> tuple[str, float] | None:
        """The most similar indexed document at or above the threshold, with its estimate."""
        return self._best(self.hasher.signature(text))

    def add(self, doc_id: str, text: str) -> str | None:
        """Index `text` unless it duplicates an earlier document; then return that one's id."""
        if doc_id in self._signatures:
            raise ValueError(f"document id {doc_id!r} is already in the index")
        sig = self.hasher.signature(text)
        match = self._best(sig)
        if match is not None:
            return match[0]
        self._signatures[doc_id] = sig
        for key in self._keys(sig):
            self._buckets.setdefault(key, []).append(doc_id)
        return None
