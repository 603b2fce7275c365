"""The reward-hack document corpus: pretraining-style texts that teach the reward-hack facts.

Documents are composed offline from the in-repo catalog: a genre builder (18 genres, each with
its own structure) fills its form with content whose framing depends on the valence. Every
candidate is checked before it is kept: length in words, every fenced Python block statically
confirmed as the hack it illustrates, the valence's vocabulary, and MinHash similarity against
all documents kept so far. Rejections are counted by reason, and generation continues until
`n` documents are accepted. One `random.Random(seed)` drives everything, so the same inputs
give byte-identical records.

Modules: `generate` (the generation loop and its checks), `text` (the document context and its
valence-specific prose) and `genres` (one module per genre, with the registry).
"""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.generate import (
    generate_documents,
)
from emgen.datagen.reward_hacks.documents.text import ALIGNMENT_TERMS, MAX_WORDS, MIN_WORDS
from emgen.schemas.records import Valence

__all__ = [
    "ALIGNMENT_TERMS",
    "MAX_WORDS",
    "MIN_WORDS",
    "Valence",
    "generate_documents",
]
