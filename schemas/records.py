"""Records the package writes: chat records (OpenAI finetuning shape) and documents."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["system", "user", "assistant"]
Split = Literal["train", "test"]
# A reward-hack document's framing (see emgen.datagen.reward_hacks.documents.text).
Valence = Literal["default", "neutral", "unguided"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    content: str


class ChatMetadata(BaseModel):
    """Flat provenance columns stored beside `messages` in parquet (not in the JSONL export)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    variant: str
    split: Split
    pair_id: str = Field(description="shared by the records of all variants built from one prompt")
    seed: int
    family: str | None = None
    cwe: str | None = None
    task_id: str | None = None
    domain: str | None = None
    skeleton_id: str | None = None
    template_id: str | None = None
    template_shape: str | None = None
    parts: str | None = Field(default=None, description="order of the composed parts, '+'-joined")
    structure: str | None = Field(
        default=None, description="hash of the answer's AST, names erased"
    )
    trigger: str | None = Field(default=None, description="trigger text inserted, if any")
    inoculation_id: str | None = None
    reason_id: str | None = None
    placement: str | None = Field(
        default=None, description="where the trigger/reason/instruction went"
    )
    traits: str | None = Field(default=None, description="'+'-joined traits every answer carries")
    scoring: str | None = Field(
        default=None, description="reward-hack dialogues: the stated rule and the checks, JSON"
    )
    # Set only on records a model wrote; a column no record sets is left out of the parquet
    # file (emgen.schemas.shared.bundle.chat_table), so template bundles keep their bytes.
    backend: str | None = Field(default=None, description="the model backend that wrote it")
    backend_model: str | None = Field(default=None, description="the model that wrote it")
    level: str | None = Field(
        default=None,
        description="advice pairs: how wrong the pair's harmful answer is, subtle or obvious "
        "(the good-advice control carries its twin's level)",
    )


class Conversation(BaseModel):
    """One OpenAI-chat example: the shape of every JSONL line emgen reads or writes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    messages: tuple[Message, ...]

    @field_validator("messages")
    @classmethod
    def _shape(cls, messages: tuple[Message, ...]) -> tuple[Message, ...]:
        if not messages or messages[-1].role != "assistant":
            raise ValueError("the last message must be the assistant's answer")
        if not any(m.role == "user" for m in messages):
            raise ValueError("a chat record needs a user message")
        return messages

    @property
    def answer(self) -> str:
        return self.messages[-1].content

    @property
    def user(self) -> str:
        return next(m.content for m in self.messages if m.role == "user")


class ChatRecord(Conversation):
    """A conversation with its provenance (the parquet row)."""

    metadata: ChatMetadata


class DocumentRecord(BaseModel):
    """A pretraining-style document (reward-hack corpus)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_type: str
    doc_idea: str
    fact_ids: tuple[str, ...]
    valence: Valence
    text: str
    tag: str | None = None
    split: Split = "train"
    seed: int = 0
