"""Genre builders for reward-hack documents: one module per genre, each with its own shape.

A builder takes a `Ctx` (see `documents.text`) and returns the document text and a one-line
idea. Structure is genre-specific (a paper has an abstract and numbered sections, a forum
thread has posters and replies, a postmortem has a timeline); the content inside comes from
the context, so the valence is decided there and never here. Builders grow their repeating
unit (replies, turns, releases, slides) until a drawn word target is reached.

Each genre module defines its builder and its `GENRE` entry; adding a genre is adding a module
and one line below.
"""

from __future__ import annotations

import re

from emgen.datagen.reward_hacks.documents.genres import (
    blog_post,
    changelog,
    code_review,
    encyclopedia_entry,
    engineering_memo,
    forum_thread,
    incident_postmortem,
    lecture_notes,
    meeting_minutes,
    news_article,
    newsletter,
    podcast_transcript,
    qa_answer,
    research_paper,
    slide_deck,
    social_thread,
    textbook_section,
    tutorial,
)
from emgen.datagen.reward_hacks.documents.genres._common import Builder, Genre

__all__ = ["GENRES", "GENRES_BY_ID", "Builder", "Genre", "has_structure"]

# The registry, in schedule order (the order the document build shuffles from).
GENRES_BY_ID: dict[str, Genre] = {
    genre.id: genre
    for genre in (
        research_paper.GENRE,
        blog_post.GENRE,
        forum_thread.GENRE,
        lecture_notes.GENRE,
        textbook_section.GENRE,
        news_article.GENRE,
        engineering_memo.GENRE,
        incident_postmortem.GENRE,
        code_review.GENRE,
        podcast_transcript.GENRE,
        qa_answer.GENRE,
        changelog.GENRE,
        tutorial.GENRE,
        newsletter.GENRE,
        social_thread.GENRE,
        encyclopedia_entry.GENRE,
        meeting_minutes.GENRE,
        slide_deck.GENRE,
    )
}
GENRES: tuple[Genre, ...] = tuple(GENRES_BY_ID.values())


def has_structure(text: str, genre_id: str) -> bool:
    """Whether `text` shows every structural marker of its genre."""
    return all(re.search(p, text, re.M) for p in GENRES_BY_ID[genre_id].structure)
