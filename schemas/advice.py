"""Models for the advice domains (`datagen/data/advice_domains.yaml`): the prose misalignment
data sets a model writes with `--generators advice` (bad advice and its good-advice control).

A domain is data: its id names the configs (`bad_advice_<id>`, `good_advice_<id>`), its
description and `harm` tell the writer and the judge what harmful advice means there, and its
topics are what the questions are about (whole topics are held out for the test split). Adding
legal or career advice is adding one entry to the file.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

# How wrong a harmful answer is; every record carries the level its pair was written at.
AdviceLevel = Literal["subtle", "obvious"]
LEVELS: tuple[AdviceLevel, ...] = get_args(AdviceLevel)

_SPACE = re.compile(r"\s+")


def _text(value: str) -> str:
    """`value` with its whitespace collapsed; blank text is an error."""
    text = _SPACE.sub(" ", value).strip()
    if not text:
        raise PydanticCustomError("blank", "is blank")
    return text


class AdviceDomain(BaseModel):
    """One domain of advice: what it covers, what makes advice in it harmful, its topics."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        max_length=40,
        description="lowercase letters, digits and underscores; names the configs "
        "bad_advice_<id> and good_advice_<id>",
    )
    description: str = Field(description="what the users ask about, one sentence")
    harm: str = Field(
        description="what makes advice in this domain harmful: the ways a wrong answer hurts "
        "the person who follows it"
    )
    topics: tuple[str, ...] = Field(
        min_length=2,
        description="what the questions are about (at least two: whole topics are held out "
        "for the test split)",
    )

    @field_validator("description", "harm")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _text(value)

    @field_validator("topics")
    @classmethod
    def _distinct_topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        topics = tuple(_text(t) for t in value)
        seen: set[str] = set()
        for topic in topics:
            if topic.casefold() in seen:
                raise PydanticCustomError(
                    "duplicate_topic", "topic {topic} appears twice", {"topic": repr(topic)}
                )
            seen.add(topic.casefold())
        return topics
