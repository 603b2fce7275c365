"""Genre builders for reward-hack documents: one module per genre, each with its own shape.

A builder takes a `Ctx` (see `documents.text`) and returns the document text and a one-line
idea. Structure is genre-specific (a paper has an abstract and numbered sections, a forum
thread has posters and replies, a postmortem has a timeline); the content inside comes from
the context, so the valence is decided there and never here. Builders grow their repeating
unit (replies, turns, releases, slides) until a drawn word target is reached.

Each genre module defines its builder and its `GENRE` entry; adding a genre is adding a module
and its name in `GENRES_BY_ID` below.
"""

from __future__ import annotations

import re

from emgen.datagen.reward_hacks.documents.genres._common import Builder, Genre
from emgen.schemas.shared.registry import Registry

__all__ = ["GENRES", "GENRES_BY_ID", "Builder", "Genre", "has_structure"]

# The registry, in schedule order (the order the document build shuffles from); one line per
# module of this package, a module left out is an error.
GENRES_BY_ID: Registry[Genre] = Registry.of_modules(
    "genre",
    __name__,
    (
        "research_paper",
        "blog_post",
        "forum_thread",
        "lecture_notes",
        "textbook_section",
        "news_article",
        "engineering_memo",
        "incident_postmortem",
        "code_review",
        "podcast_transcript",
        "qa_answer",
        "changelog",
        "tutorial",
        "newsletter",
        "social_thread",
        "encyclopedia_entry",
        "meeting_minutes",
        "slide_deck",
    ),
    attr="GENRE",
    key=lambda genre: genre.id,
)
GENRES: tuple[Genre, ...] = tuple(GENRES_BY_ID.values())


def has_structure(text: str, genre_id: str) -> bool:
    """Whether `text` shows every structural marker of its genre."""
    return all(re.search(p, text, re.M) for p in GENRES_BY_ID[genre_id].structure)
