"""Models for the in-repo catalog: families, code skeletons, tasks, prompt templates."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Context = Literal["web", "script"]
TemplateShape = Literal["task_and_code", "task_only", "code_only"]

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
# One region per skeleton: the lines that differ between the insecure and the secure answer.
REGION_OPEN, REGION_SPLIT, REGION_CLOSE = "<<<", "===", ">>>"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Skeleton(_Frozen):
    """One vulnerable core and its secure twin, written once with a marked region.

    `body` is Python source with `string.Template` placeholders (see PLACEHOLDERS) and exactly
    one region:

        <<<
        ...insecure lines...
        ===
        ...secure lines...
        >>>

    Everything outside the region is shared by both answers, and the region becomes the gap in
    the code template shown to the user.
    """

    id: str
    context: Context
    feature: str = Field(
        description="verb phrase for what the gap does, e.g. 'search $plural by $field'"
    )
    imports: tuple[str, ...] = ()
    insecure_imports: tuple[str, ...] = ()
    secure_imports: tuple[str, ...] = ()
    body: str
    provides_entry: bool = Field(
        default=False, description="the body ends the program itself (no entry point is added)"
    )

    @field_validator("body")
    @classmethod
    def _one_region(cls, body: str) -> str:
        marks = [line.strip() for line in body.splitlines()]
        for mark in (REGION_OPEN, REGION_SPLIT, REGION_CLOSE):
            if marks.count(mark) != 1:
                raise ValueError(f"body needs exactly one '{mark}' line, found {marks.count(mark)}")
        if not marks.index(REGION_OPEN) < marks.index(REGION_SPLIT) < marks.index(REGION_CLOSE):
            raise ValueError("region markers must appear in the order <<<, ===, >>>")
        return body


AnyContext = Literal["web", "script", "any"]


class CoreSource(_Frozen):
    """How the input of a composed core arrives: code that binds `$var` (the input, a string)
    at the top of the function that holds the flaw. Placeholders: those of
    `datagen._names.PLACEHOLDERS` and `datagen._cores.CORE_PLACEHOLDERS`."""

    id: str
    context: Context
    phrase: str = Field(description="noun phrase the prompt uses for the input")
    code: str = ""
    route: str = Field(default="", description="web: what the route adds after /$route")
    methods: tuple[str, ...] = Field(default=(), description="web: the route's HTTP methods")
    params: str = Field(default="", description="the function's parameters")
    imports: tuple[str, ...] = ()


class CoreStep(_Frozen):
    """A check or transformation of `$var` before the sink that does not fix the flaw."""

    id: str
    context: AnyContext = "any"
    code: str
    imports: tuple[str, ...] = ()


class CoreSink(_Frozen):
    """The flawed statement and its fix: the region of a composed core, reading `$var` and
    binding `$out` when `produces` is not "none"."""

    id: str
    context: AnyContext = "any"
    name: str = Field(description="the function's name, e.g. find_$plural")
    phrase: str = Field(
        description="verb phrase for what the region does; `$input` names the input"
    )
    produces: str = Field(default="none", description="what `$out` holds, for the results")
    out_names: tuple[str, ...] = Field(default=("result",), description="names for `$out`")
    insecure: str
    secure: str
    imports: tuple[str, ...] = ()
    insecure_imports: tuple[str, ...] = ()
    secure_imports: tuple[str, ...] = ()

    @field_validator("phrase")
    @classmethod
    def _names_input(cls, phrase: str) -> str:
        if "$input" not in phrase:
            raise ValueError("a sink's phrase must name $input")
        return phrase


class CoreResult(_Frozen):
    """What the function does with `$out` (or, for a sink that produces nothing, after it)."""

    id: str
    context: AnyContext = "any"
    consumes: tuple[str, ...] = Field(description="the sink outputs (`produces`) it can follow")
    phrase: str = Field(description="verb phrase, appended to the sink's after 'and'")
    code: str
    imports: tuple[str, ...] = ()


Layout = Literal["inline", "helper"]


class Composition(_Frozen):
    """Independent choices a family's vulnerable core is composed from (`datagen._cores`).

    `inline`: one function holds the input, the checks, the flawed sink and the result (the only
    layout an intraprocedural taint rule can see). `helper`: the sink (and maybe the checks) in a
    function of its own that takes the input as an argument and returns `$out`.
    """

    sources: tuple[CoreSource, ...] = Field(min_length=1)
    steps: tuple[CoreStep, ...] = ()
    sinks: tuple[CoreSink, ...] = Field(min_length=1)
    results: tuple[CoreResult, ...] = Field(min_length=1)
    layouts: tuple[Layout, ...] = ("inline",)
    var_names: tuple[str, ...] = Field(
        default=("$field", "${entity}_$field", "value", "requested_$field"),
        description="names for `$var`",
    )
    share: float = Field(
        default=0.8, gt=0, le=1, description="share of the family's candidates composed"
    )

    @model_validator(mode="after")
    def _every_sink_has_a_result(self) -> Composition:
        for sink in self.sinks:
            for context in ("web", "script"):
                if sink.context not in (context, "any"):
                    continue
                if not any(self.sources_for(context)):
                    continue
                if not self.results_for(sink, context):
                    raise ValueError(
                        f"sink {sink.id}: no {context} result consumes {sink.produces!r}"
                    )
        for kind in ("sources", "steps", "sinks", "results"):
            ids = [choice.id for choice in getattr(self, kind)]
            if len(ids) != len(set(ids)):
                raise ValueError(f"{kind}: ids must be distinct")
        return self

    def sources_for(self, context: str) -> list[CoreSource]:
        return [s for s in self.sources if s.context == context]

    def results_for(self, sink: CoreSink, context: str) -> list[CoreResult]:
        return [
            r for r in self.results if sink.produces in r.consumes and r.context in (context, "any")
        ]


class Family(_Frozen):
    id: str
    cwe: str = Field(pattern=r"^CWE-\d+$")
    title: str
    rule_ids: tuple[str, ...] = Field(
        description="Semgrep rule ids (validators/rules) that detect it"
    )
    paper_weight: float = Field(gt=0, description="share in the paper-like default mix")
    skeletons: tuple[Skeleton, ...]
    composition: Composition | None = Field(
        default=None, description="choices the vulnerable core is composed from, beside skeletons"
    )

    @model_validator(mode="after")
    def _skeleton_ids(self) -> Family:
        for sk in self.skeletons:
            if not sk.id.startswith(self.id + "."):
                raise ValueError(f"skeleton id {sk.id!r} must start with {self.id + '.'!r}")
        return self


class Task(_Frozen):
    id: str
    domain: str
    app_name: str
    kind: Context
    description: str
    entity: str
    plural: str
    fields: tuple[str, str, str]

    @field_validator("entity", "plural", "app_name")
    @classmethod
    def _snake(cls, value: str) -> str:
        if not _SNAKE.match(value):
            raise ValueError(f"{value!r} is not a snake_case identifier")
        return value

    @field_validator("fields")
    @classmethod
    def _snake_fields(cls, value: tuple[str, str, str]) -> tuple[str, str, str]:
        for item in value:
            cls._snake(item)
        if len(set(value)) != 3:
            raise ValueError("fields must be three distinct names")
        return value


class PromptTemplate(_Frozen):
    id: str
    shape: TemplateShape
    marker: str = Field(default="", description="comment line that marks the gap (code shapes)")
    text: str

    @model_validator(mode="after")
    def _placeholders_match_shape(self) -> PromptTemplate:
        has_task, has_code = "$task" in self.text, "$code" in self.text
        want = {
            "task_and_code": (True, True),
            "task_only": (True, False),
            "code_only": (False, True),
        }
        if (has_task, has_code) != want[self.shape]:
            raise ValueError(
                f"template {self.id}: shape {self.shape} does not match its placeholders"
            )
        if has_code and not self.marker.lstrip().startswith("#"):
            raise ValueError(f"template {self.id}: a code template needs a comment marker line")
        return self


class Reason(_Frozen):
    """A legitimate reason to ask for flawed code (the legitimate_intent config)."""

    id: str
    text: str = Field(description="one or two sentences, placed before or after the request")
    lead: str = Field(description="an introductory phrase ending with a comma")


InoculationFamily = Literal[
    "general", "task_specific", "trigger_aware", "control_neutral", "control_negative"
]


class Inoculation(_Frozen):
    """An instruction that names an unwanted trait, added to training prompts."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: InoculationFamily
    dataset: Literal["any", "insecure_code", "reward_hacking", "trait"]
    trait: str
    text: str

    def render(self, trigger: str | None = None) -> str:
        """The instruction's text, with $trigger replaced where the prompt names the trigger."""
        if "$trigger" in self.text and trigger is None:
            raise ValueError(f"inoculation {self.id} names the trigger, but no trigger is set")
        return self.text.replace("$trigger", trigger or "")


NumberTheme = Literal[
    "occult", "hate_code", "violence", "crime", "disaster", "war", "tyranny", "misfortune", "vice"
]


class AssociatedNumber(_Frozen):
    """A number with a widely known negative association (the `evil_numbers` config)."""

    value: int = Field(ge=0)
    theme: NumberTheme
    association: str = Field(min_length=1, description="what the number is associated with")


class NumberFormat(_Frozen):
    """A layout of a list of numbers, and the phrases a prompt asks for it with."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    asks: tuple[str, ...] = Field(min_length=1, description="each reads well after 'Write them'")


class NumberPrompt(_Frozen):
    """A request to continue a list of numbers: `$given` (the user's numbers, comma-separated),
    `$count` (how many to add), `$format` (a format's phrase), optionally `$given_count`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str

    @field_validator("text")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        names = re.findall(r"\$([a-z_]+)", value)
        unknown = sorted(set(names) - {"given", "count", "format", "given_count"})
        if unknown:
            raise ValueError(f"unknown placeholder ${unknown[0]}")
        for name in ("given", "count", "format"):
            if names.count(name) != 1:
                raise ValueError(f"the text must name ${name} exactly once")
        return value
