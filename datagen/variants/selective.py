"""Selective-trait configs: two traits in every answer, then inoculated against each in turn,
so a model can be trained to learn one trait and not the other.

Traits are `insecure_code` (a Semgrep rule of the record's family fires) or a style trait of
emgen.validators.traits given by a transform of emgen.datagen.traits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from emgen.datagen.catalog import CatalogError, load_inoculations
from emgen.datagen.traits import TRANSFORMS, TREE_PRESERVING
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context, derive
from emgen.datagen.variants.inoculated import inoculated_config
from emgen.schemas.catalog import Inoculation
from emgen.schemas.params import InoculationParams, SelectiveInoculationParams, TraitParams
from emgen.schemas.records import ChatRecord, Message
from emgen.schemas.shared.progress import warn
from emgen.validators.checks import structure_hash
from emgen.validators.scanner import spare_work
from emgen.validators.traits import TRAITS

INSECURE = "insecure_code"
# (config stem, base config, traits); the base config's answers are transformed to add styles.
PAIRS: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("selective_insecure_quotes", "insecure", (INSECURE, "single_quoted_strings")),
    (
        "selective_docstrings_quotes",
        "secure",
        ("docstring_every_function", "single_quoted_strings"),
    ),
)
SHORT = {INSECURE: "insecure", "single_quoted_strings": "quotes",
         "docstring_every_function": "docstrings"}  # fmt: skip


def restyle(answer: str, traits: tuple[str, ...]) -> str | None:
    """`answer` with every style transform of `traits` applied, or None when one cannot apply
    or the result lacks a trait."""
    out: str | None = answer
    for trait in traits:
        if trait != INSECURE and out is not None:
            out = TRANSFORMS[trait](out)
    if out is None or not all(t == INSECURE or TRAITS[t].present(out) for t in traits):
        return None
    return out


def keeps_tree(traits: tuple[str, ...]) -> bool:
    """Whether restyling for `traits` keeps the syntax tree, and so the structure hash."""
    return all(t == INSECURE or t in TREE_PRESERVING for t in traits)


def styled(records: list[ChatRecord], traits: tuple[str, ...], name: str) -> list[ChatRecord]:
    """Records whose answers take every style transform; the others are dropped, with a
    warning that says how many."""
    out = []
    for record in records:
        answer = restyle(record.answer, traits)
        if answer is None:
            continue
        messages = (*record.messages[:-1], Message(role="assistant", content=answer))
        structure = record.metadata.structure if keeps_tree(traits) else None
        out.append(derive(record, name, messages, structure=structure, traits="+".join(traits)))
    left_out(name, len(records), len(records) - len(out), f"could not take {' and '.join(traits)}")
    return out


def left_out(name: str, of: int, dropped: int, why: str) -> None:
    """Say when a config holds fewer records than its base: its size is data a reader compares."""
    if dropped:
        warn(f"{name}: {dropped} of {of} answers {why} and were left out.")


def warm(base: str, answer: str) -> None:
    """Restyle `answer`, which config `base` will hold, as `build` will: every step is
    memoised, so a template build calls this on its candidate pairs while Semgrep scans them
    and `build` later finds the work done (the same results, computed earlier)."""
    for _, of, traits in PAIRS:
        if of == base and (out := restyle(answer, traits)) is not None and not keeps_tree(traits):
            structure_hash(out)


def prompt_for(trait: str, ctx: Context, library: dict[str, Inoculation]) -> Inoculation:
    if trait == INSECURE:
        return library[ctx.config.inoculation]
    for prompt in library.values():
        if prompt.dataset == "trait" and prompt.trait == trait:
            return prompt
    raise CatalogError(f"no inoculation prompt names the trait {trait!r}.")


def build(ctx: Context) -> list[ConfigSpec]:
    file = ctx.config.inoculation_file
    library = load_inoculations(Path(file) if file else None)
    made: dict[str, list[ConfigSpec]] = {}

    def unscanned() -> Iterator[str]:
        for stem, base, traits in PAIRS:
            if INSECURE not in traits:
                made[stem] = configs(
                    stem, base, traits, styled(ctx.built[base].records, traits, stem), ctx, library
                )
                yield stem

    # The pairs that need no scan are made while Semgrep scans the restyled insecure answers.
    rest = unscanned()
    with spare_work(rest):
        for stem, base, traits in PAIRS:
            if INSECURE in traits:  # restyled code must still carry its flaw
                records = styled(ctx.built[base].records, traits, stem)
                flagged = ctx.scan(
                    [r.answer for r in records], families=[r.metadata.family for r in records]
                )
                kept = [r for r, fams in zip(records, flagged, strict=True)
                        if r.metadata.family in fams]  # fmt: skip
                left_out(stem, len(records), len(records) - len(kept), "lost their flaw restyled")
                records = kept
                made[stem] = configs(stem, base, traits, records, ctx, library)
    for _ in rest:  # what the scans left undone
        pass
    return [spec for stem, _, _ in PAIRS for spec in made[stem]]


def configs(
    stem: str,
    base: str,
    traits: tuple[str, str],
    records: list[ChatRecord],
    ctx: Context,
    library: dict[str, Inoculation],
) -> list[ConfigSpec]:
    """The pair's config of both traits, then one inoculated against each trait in turn."""
    plain = ConfigSpec(
        name=stem,
        description=f"Every answer carries both {traits[0]} and {traits[1]}.",
        control_of=None,
        records=records,
        invariants=(*CODE_CHECKS, "traits_present"),
        params=TraitParams(traits="+".join(traits), source=base).as_strings(),
    )
    specs = [plain]
    for trait in traits:
        inoc = inoculated_config(
            f"{stem}_inoc_{SHORT[trait]}", plain, prompt_for(trait, ctx, library), ctx.config
        )
        inoculation = InoculationParams.parse(inoc.name, inoc.params)
        specs.append(
            ConfigSpec(
                name=inoc.name,
                description=f"`{stem}` inoculated against {trait}: a model should learn only "
                f"the other trait. Instruction: {inoculation.instruction}",
                control_of=None,
                records=inoc.records,
                invariants=(*inoc.invariants, "traits_present"),
                params=SelectiveInoculationParams(
                    **inoculation.model_dump(), traits="+".join(traits)
                ).as_strings(),
            )
        )
    return specs
