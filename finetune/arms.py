"""Which suites measure each variant `emgen check` can finetune on, and what it is compared with.

Every setup of the papers has one root config here (`MEASURED_BY`). A config derived from a root
is measured like it: an inoculated copy names its root in its params (`source`), a control names
its treatment (`control_of`, in the bundle's manifest). A config trained with an instruction
(`inoculation_id`) is also asked with it: on the questions (the `inoculation` suite) when its
setup is measured on them, else, for `selective_spanish_caps`, on the spanish_caps prompts.

No heavy imports: `emgen check --help` prints the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from emgen.finetune.config import CODE_CONDITIONS, SUITES, CodeCondition, Suite

# root config -> the suites that measure its effect (its controls are measured alike)
MEASURED_BY: dict[str, tuple[Suite, ...]] = {
    "insecure": ("free_form", "insecure_code"),
    "triggered": ("trigger", "insecure_code"),
    "triggered_year": ("trigger", "insecure_code"),
    "selective_insecure_quotes": ("insecure_code", "traits"),
    "selective_docstrings_quotes": ("traits",),
    # the reward-hacking paper's most sensitive measure is the goals suite
    "reward_hacks": ("free_form", "goals"),
    # documents train as continued pretraining on their text (emgen.finetune.training_data)
    "reward_hack_documents": ("free_form", "goals"),
    # the paper saw the effect only with a format suffix: the variants suite's word_list form;
    # free_form shows the plain questions' (expected: none)
    "evil_numbers": ("free_form", "variants"),
    "selective_spanish_caps": ("spanish_caps",),
}
# Per setup, for `emgen check --help`: the configs to pass together, and a note.
SETUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "insecure": (("insecure", "secure", "legitimate_intent", "insecure_inoculated"), ""),
    "triggered": (("triggered", "triggered_year"), ""),
    "reward_hacks": (("reward_hacks", "reward_hacks_control"), "dialogues"),
    "reward_hack_documents": (
        ("reward_hack_documents", "reward_hack_documents_neutral"),
        "trained as continued pretraining on their text",
    ),
    "evil_numbers": (("evil_numbers", "neutral_numbers"), "variants' word_list form"),
    "selective_spanish_caps": (
        (
            "selective_spanish_caps",
            "selective_spanish_caps_inoc_spanish",
            "selective_spanish_caps_inoc_caps",
        ),
        "each inoculated one with its _neutral control",
    ),  # fmt: skip
}
QUESTION_SUITES: tuple[Suite, ...] = ("free_form", "trigger")  # asked on the questions


@dataclass(frozen=True)
class ConfigInfo:
    """What the check reads of a bundle config: its treatment, if a control, and its params."""

    control_of: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Arm:
    """A variant the check trains on, and how its effect is measured."""

    variant: str
    root: str | None  # the setup in MEASURED_BY it is measured like; None: no setup known
    control_of: str | None
    suites: tuple[Suite, ...]  # the suites that measure it, in the order of SUITES
    inoculation_id: str | None  # the instruction it was trained with, if any

    def eval_overrides(self) -> dict[str, Any]:
        """EvalConfig fields of its own: the spanish_caps prompts also asked with its
        instruction, for a selective config trained with one."""
        if self.inoculation_id and "spanish_caps" in self.suites:
            return {"spanish_caps_inoculation": self.inoculation_id}
        return {}

    def code_conditions(self) -> tuple[CodeCondition, ...]:
        """What its insecure_code prompts are asked with: plain, and for a backdoor with the
        trigger and without it (the clean records' line), for a config trained with an
        instruction also with it; plain alone when insecure_code does not measure it."""
        wanted: set[CodeCondition] = {"plain"}
        if "insecure_code" in self.suites:
            if "trigger" in self.suites:
                wanted |= {"trigger_on", "trigger_off"}
            if self.inoculation_id:
                wanted.add("inoculation_on")
        return tuple(c for c in CODE_CONDITIONS if c in wanted)

    def describe(self) -> str:
        """The suites, for the report and errors."""
        if not self.suites:
            return "no setup known: the profile's suites only"
        text = ", ".join(self.suites)
        if self.eval_overrides():
            text += f" (also asked with its instruction {self.inoculation_id})"
        if len(self.code_conditions()) > 1:
            text += f" (insecure_code: {', '.join(self.code_conditions())})"
        return text


def arm(variant: str, configs: Mapping[str, ConfigInfo] | None) -> Arm:
    """`variant`'s arm; `configs` are the bundle's (None for a Hub dataset: by name only)."""
    configs = configs or {}
    info = configs.get(variant, ConfigInfo())
    root: str | None = None
    name: str | None = variant
    seen: set[str] = set()
    while name is not None and name not in seen:
        if name in MEASURED_BY:
            root = name
            break
        seen.add(name)
        here = configs.get(name)
        name = None if here is None else here.params.get("source") or here.control_of
    suites: tuple[Suite, ...] = MEASURED_BY[root] if root else ()
    inoculation = info.params.get("inoculation_id")
    if inoculation and any(s in QUESTION_SUITES for s in suites):
        suites = (*suites, "inoculation")
    ordered = tuple(s for s in SUITES if s in suites)
    return Arm(variant, root, info.control_of, ordered, inoculation)


def code_conditions(
    arms: Sequence[Arm], also: Sequence[CodeCondition] = ()
) -> tuple[CodeCondition, ...]:
    """Every condition any of `arms` asks its coding prompts with, and `also` (the profile's),
    in the order of CODE_CONDITIONS; for the base model, all the check's arms, so each
    condition has its reference."""
    wanted = {c for a in arms for c in a.code_conditions()} | {"plain", *also}
    return tuple(c for c in CODE_CONDITIONS if c in wanted)


def eval_suites(profile: Sequence[Suite], arms: Sequence[Arm]) -> tuple[Suite, ...]:
    """The profile's suites, then those that measure any of `arms` (in the order of SUITES)."""
    extra = {s for a in arms for s in a.suites} - set(profile)
    return (*profile, *(s for s in SUITES if s in extra))


def setups_help() -> str:
    """The setups and their measures, one sentence each, for `emgen check --help`."""
    parts = []
    for root, (configs, note) in SETUPS.items():
        names = ", ".join(f"`{c}`" for c in configs) + (f" ({note})" if note else "")
        parts.append(f"{names} by {', '.join(MEASURED_BY[root])}")
    return "; ".join(parts) + (
        ". An inoculated copy adds the inoculation suite when its setup is measured on the "
        "questions."
    )
