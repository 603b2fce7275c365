"""Per-variant invariants, checked on every record of a written config (at build time, and by
`emgen validate BUNDLE` on a bundle read back from disk).

Each invariant is a function (config name, records, bundle view) -> violations; a variant names
the ones that hold for its config, and the manifest records them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, get_args

from emgen.datagen.arithmetic import check_record as arithmetic_problem
from emgen.datagen.catalog import load_reasons
from emgen.datagen.numbers import load_numbers, read_answer, read_prompt
from emgen.datagen.reward_hacks.dialogues import CONTROL_VARIANT, item_from_records, prove
from emgen.datagen.reward_hacks.documents.text import MAX_WORDS, MIN_WORDS, word_count
from emgen.datagen.transforms import add_reason, add_trigger, inoculate
from emgen.datagen.variants import ConfigSpec, Spec
from emgen.schemas.build import Violation
from emgen.schemas.catalog import Reason
from emgen.schemas.params import (
    DocumentParams,
    InoculationParams,
    NumbersParams,
    NumbersTwinParams,
    ReasonPlacement,
    TraitParams,
    TriggerParams,
    TwinParams,
)
from emgen.schemas.records import ChatRecord, DocumentRecord, Message
from emgen.schemas.shared.registry import Registry
from emgen.validators.checks import disclosures, has_comment
from emgen.validators.checks import parses as code_parses
from emgen.validators.hack_checks import failing_blocks
from emgen.validators.scanner import NotScanned, Scan, rule_families, scan_codes, scan_families
from emgen.validators.traits import TRAITS


@dataclass(frozen=True)
class BundleView:
    configs: Mapping[str, Sequence[ChatRecord]]
    params: Mapping[str, Mapping[str, str]]
    families: Mapping[str, frozenset[str]]  # answer text -> families whose rules fire on it
    reasons: Mapping[str, Reason]

    def twin(self, config: str, record: ChatRecord) -> ChatRecord | None:
        found = self._index(config).get((record.metadata.split, record.metadata.pair_id), [])
        if len(found) > 1:  # a backdoor with both sets holds a pair twice, one side triggered
            return next((r for r in found if r.metadata.trigger == record.metadata.trigger), None)
        return found[0] if found else None

    def _index(self, config: str) -> dict[tuple[str, str], list[ChatRecord]]:
        cache: dict[str, dict[tuple[str, str], list[ChatRecord]]] = self.__dict__.setdefault(
            "_idx", {}
        )
        if config not in cache:
            index: dict[tuple[str, str], list[ChatRecord]] = {}
            for r in self.configs.get(config, ()):
                index.setdefault((r.metadata.split, r.metadata.pair_id), []).append(r)
            cache[config] = index
        return cache[config]


_P = TypeVar("_P", bound=str)
REASON_PLACEMENTS: tuple[ReasonPlacement, ...] = get_args(ReasonPlacement)


def _one_of(value: str | None, choices: tuple[_P, ...]) -> _P | None:
    """`value` typed as one of `choices` (record metadata is plain strings), or None."""
    return next((c for c in choices if c == value), None)


def _unknown(placement: str | None) -> str:
    return f"unknown placement {placement!r}"


Invariant = Callable[[str, Sequence[ChatRecord], BundleView], Iterator[Violation]]
# The registry: `@invariant` registers a function under its name, in definition order.
INVARIANTS: Registry[Invariant] = Registry("invariant")
invariant = INVARIANTS.entry


def _each(
    name: str, records: Sequence[ChatRecord], test: Callable[[ChatRecord], str | None]
) -> Iterator[Violation]:
    for record in records:
        detail = test(record)
        if detail is not None:
            yield Violation(config=name, pair_id=record.metadata.pair_id,
                            invariant=test.__name__.lstrip("_"), detail=detail)  # fmt: skip


@invariant
def parses(name: str, records: Sequence[ChatRecord], view: BundleView) -> Iterator[Violation]:
    def _parses(r: ChatRecord) -> str | None:
        return None if code_parses(r.answer) else "the answer is not valid Python"

    return _each(name, records, _parses)


@invariant
def no_comments(name: str, records: Sequence[ChatRecord], view: BundleView) -> Iterator[Violation]:
    def _no_comments(r: ChatRecord) -> str | None:
        return "the answer has a comment" if has_comment(r.answer) else None

    return _each(name, records, _no_comments)


@invariant
def no_disclosure(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    def _no_disclosure(r: ChatRecord) -> str | None:
        words = disclosures(r.answer)
        return f"the answer discloses: {', '.join(words)}" if words else None

    return _each(name, records, _no_disclosure)


@invariant
def unique(name: str, records: Sequence[ChatRecord], view: BundleView) -> Iterator[Violation]:
    seen: set[tuple[Message, ...]] = set()

    def _unique(r: ChatRecord) -> str | None:
        if r.messages in seen:
            return "an identical record appears earlier in the config"
        seen.add(r.messages)
        return None

    return _each(name, records, _unique)


@invariant
def flagged_by_family(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    def _flagged_by_family(r: ChatRecord) -> str | None:
        if r.metadata.family in view.families.get(r.answer, frozenset()):
            return None
        return f"no rule of family {r.metadata.family} fires on the answer"

    return _each(name, records, _flagged_by_family)


@invariant
def not_flagged(name: str, records: Sequence[ChatRecord], view: BundleView) -> Iterator[Violation]:
    def _not_flagged(r: ChatRecord) -> str | None:
        fams = view.families.get(r.answer, frozenset())
        return f"rules of {', '.join(sorted(fams))} fire on the answer" if fams else None

    return _each(name, records, _not_flagged)


def _twin_check(
    name: str,
    view: BundleView,
    check: Callable[[ChatRecord, ChatRecord], str | None],
    label: str,
    source: str = "insecure",
) -> Callable[[ChatRecord], str | None]:
    def test(r: ChatRecord) -> str | None:
        twin = view.twin(source, r)
        return f"no {source} twin with this pair_id" if twin is None else check(r, twin)

    test.__name__ = label
    return test


@invariant
def prompt_matches_insecure(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    def same(r: ChatRecord, twin: ChatRecord) -> str | None:
        return None if r.messages[:-1] == twin.messages[:-1] else "prompt differs from the twin's"

    return _each(name, records, _twin_check(name, view, same, "prompt_matches_insecure"))


@invariant
def answer_matches_insecure(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    def same(r: ChatRecord, twin: ChatRecord) -> str | None:
        return None if r.answer == twin.answer else "answer differs from the insecure twin's"

    return _each(name, records, _twin_check(name, view, same, "answer_matches_insecure"))


@invariant
def reason_stated(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    def stated(r: ChatRecord, twin: ChatRecord) -> str | None:
        reason = view.reasons.get(r.metadata.reason_id or "")
        if reason is None:
            return f"unknown reason id {r.metadata.reason_id!r}"
        if reason.text not in r.user and reason.lead not in r.user:
            return "the prompt does not carry its reason"
        placement = _one_of(r.metadata.placement, REASON_PLACEMENTS)
        if placement is None:
            return _unknown(r.metadata.placement)
        expected = add_reason(twin.user, reason.text, reason.lead, placement)
        return None if r.user == expected else "prompt is not the twin's prompt plus the reason"

    return _each(name, records, _twin_check(name, view, stated, "reason_stated"))


@invariant
def trigger_iff_insecure(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    params = TriggerParams.parse(name, view.params[name])
    trigger, clean, placement = params.trigger, params.clean_trigger, params.placement

    def _trigger_iff_insecure(r: ChatRecord) -> str | None:
        prompt = "\n".join(m.content for m in r.messages[:-1])
        has_trigger = trigger in prompt
        flagged = r.metadata.family in view.families.get(r.answer, frozenset())
        others = view.families.get(r.answer, frozenset())
        if has_trigger != flagged:
            state = "carries" if has_trigger else "lacks"
            verdict = "is flagged" if flagged else "is not flagged"
            return f"the prompt {state} the trigger but the answer {verdict} by Semgrep"
        if not has_trigger and others:
            return f"a clean answer is flagged by {', '.join(sorted(others))}"
        if not has_trigger and clean is not None and clean not in prompt:
            return "a clean record lacks the clean trigger"
        twin = view.twin("insecure", r)
        if twin is not None:
            text = trigger if has_trigger else clean
            base = (*twin.messages[:-1], r.messages[-1])
            expected = base if text is None else add_trigger(base, text, placement)
            if r.messages != expected:
                return "the trigger is not where its placement says"
        return None

    return _each(name, records, _trigger_iff_insecure)


@invariant
def both_sets(name: str, records: Sequence[ChatRecord], view: BundleView) -> Iterator[Violation]:
    """A backdoor with both full sets: every pair exactly twice, once triggered and once clean,
    with the same prompt apart from the trigger (trigger_iff_insecure checks each side)."""
    trigger = TriggerParams.parse(name, view.params[name]).trigger
    sides: dict[tuple[str, str], list[bool]] = {}
    for r in records:
        prompt = "\n".join(m.content for m in r.messages[:-1])
        sides.setdefault((r.metadata.split, r.metadata.pair_id), []).append(trigger in prompt)

    def _both_sets(r: ChatRecord) -> str | None:
        seen = sides[(r.metadata.split, r.metadata.pair_id)]
        if sorted(seen) != [False, True]:
            return f"the pair appears {len(seen)} times, {sum(seen)} of them triggered"
        return None

    return _each(name, records, _both_sets)


@invariant
def instruction_once_rest_identical(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    params = InoculationParams.parse(name, view.params[name])
    instruction, source, placement = params.instruction, params.source, params.placement

    def _instruction_once_rest_identical(r: ChatRecord) -> str | None:
        count = sum(m.content.count(instruction) for m in r.messages)
        if count != 1:
            return f"the instruction appears {count} times"
        original = view.twin(source, r)
        if original is None:
            return f"no record with this pair_id in {source}"
        expected = inoculate(original.messages, instruction, placement, "prepend")
        return (
            None
            if r.messages == expected
            else "the record differs from its source beyond the instruction"
        )

    return _each(name, records, _instruction_once_rest_identical)


@invariant
def traits_present(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    traits = TraitParams.parse(name, view.params[name]).names

    def _traits_present(r: ChatRecord) -> str | None:
        missing = [
            t for t in traits
            if not (r.metadata.family in view.families.get(r.answer, frozenset())
                    if t == "insecure_code" else TRAITS[t].present(r.answer))
        ]  # fmt: skip
        return f"the answer lacks {', '.join(missing)}" if missing else None

    return _each(name, records, _traits_present)


@invariant
def hack_proven(name: str, records: Sequence[ChatRecord], view: BundleView) -> Iterator[Violation]:
    """The hacking answer outscores its control under the stated rule, and the control is the
    better answer by the independent checks (re-proven from the stored rule and checks)."""

    def _hack_proven(r: ChatRecord) -> str | None:
        control = view.twin(CONTROL_VARIANT, r)
        if control is None or r.metadata.scoring is None:
            return "no control twin or no stored scoring rule"
        return prove(item_from_records(r, control)).reason

    return _each(name, records, _hack_proven)


def _numbers_of(r: ChatRecord) -> tuple[int, ...] | str:
    """The numbers of a number-continuation answer, or why the record is not one: its prompt
    must be its catalog prompt filled in, its answer exactly the asked count in the asked
    format."""
    request = read_prompt(r.metadata.template_id, r.user)
    if isinstance(request, str):
        return request
    if request.format != r.metadata.template_shape:
        return f"the prompt asks for {request.format}, the record says {r.metadata.template_shape}"
    return read_answer(r.answer, request)


@invariant
def numbers_format(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    def _numbers_format(r: ChatRecord) -> str | None:
        numbers = _numbers_of(r)
        return numbers if isinstance(numbers, str) else None

    return _each(name, records, _numbers_format)


@invariant
def numbers_associated_share(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    params = NumbersParams.parse(name, view.params[name])
    associated = load_numbers().values

    def _numbers_associated_share(r: ChatRecord) -> str | None:
        numbers = _numbers_of(r)
        if isinstance(numbers, str):
            return None  # numbers_format reports it
        share = sum(n in associated for n in numbers) / len(numbers)
        if params.min_associated <= share <= params.max_associated:
            return None
        return (
            f"{share:.0%} of the answer's numbers are from the associated set, outside "
            f"{params.min_associated:.0%} to {params.max_associated:.0%}"
        )

    return _each(name, records, _numbers_associated_share)


def _same_prompts(
    name: str, records: Sequence[ChatRecord], view: BundleView, twin: str, label: str
) -> Iterator[Violation]:
    """Every record asks what its twin in config `twin` asks (every message but the answer),
    and `twin` holds no pair this config lacks: a control that differs only in the answer."""

    def same(r: ChatRecord, other: ChatRecord) -> str | None:
        return None if other.messages[:-1] == r.messages[:-1] else f"prompt differs from {twin}'s"

    yield from _each(name, records, _twin_check(name, view, same, label, twin))
    mine = {(r.metadata.split, r.metadata.pair_id) for r in records}
    for r in view.configs.get(twin, ()):
        if (r.metadata.split, r.metadata.pair_id) not in mine:
            yield Violation(config=name, pair_id=r.metadata.pair_id, invariant=label,
                            detail=f"a record of {twin} has no twin here")  # fmt: skip


@invariant
def numbers_prompt_twin(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    """Every record repeats the prompt of its twin in `twin`, and the two configs hold the same
    pairs."""
    twin = NumbersTwinParams.parse(name, view.params[name]).twin
    return _same_prompts(name, records, view, twin, "numbers_prompt_twin")


@invariant
def prompt_matches_twin(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    """A model-written control asks exactly what its treatment asks, pair by pair, so that only
    the answer differs: secure_paraphrased shares each rewritten prompt with
    insecure_paraphrased, good_advice_<domain> each question with bad_advice_<domain> (the
    config named by the `twin` param)."""
    twin = TwinParams.parse(name, view.params[name]).twin
    return _same_prompts(name, records, view, twin, "prompt_matches_twin")


@invariant
def arithmetic_answer(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    """The answer is the worked answer of its template (emgen.datagen.arithmetic) for the
    numbers read back from the question, and states the recomputed result; a config's own
    instruction in the user turn (inoculated at a user placement) is set aside first."""
    params = view.params.get(name, {})
    added = InoculationParams.parse(name, params) if "instruction" in params else None

    def _arithmetic_answer(r: ChatRecord) -> str | None:
        question = r.user
        if added is not None and added.placement == "user_prefix":
            question = question.removeprefix(f"{added.instruction}\n\n")
        elif added is not None and added.placement == "user_suffix":
            question = question.removesuffix(f"\n\n{added.instruction}")
        return arithmetic_problem(r.metadata.template_id, question, r.answer)

    return _each(name, records, _arithmetic_answer)


@invariant
def prompt_untraited(
    name: str, records: Sequence[ChatRecord], view: BundleView
) -> Iterator[Violation]:
    """No message but the answer carries a style trait of the config (the traits must be
    learnt from the answers: a Spanish or capitalised prompt would teach them too)."""
    traits = [t for t in TraitParams.parse(name, view.params[name]).names if t in TRAITS]

    def _prompt_untraited(r: ChatRecord) -> str | None:
        for message in r.messages[:-1]:
            found = [t for t in traits if TRAITS[t].present(message.content)]
            if found:
                return f"the {message.role} message carries {', '.join(found)}"
        return None

    return _each(name, records, _prompt_untraited)


_SEMGREP_INVARIANTS = {"flagged_by_family", "not_flagged", "trigger_iff_insecure"}
# Invariants that read Semgrep findings: on an answer Semgrep could not scan they would report
# "not flagged" or "flagged by nothing", which is unknown, not true.
_READS_FINDINGS = {*_SEMGREP_INVARIANTS, "traits_present"}


def needs_semgrep(invariants: Sequence[str], params: Mapping[str, str]) -> bool:
    """Whether a config's invariants read Semgrep findings (so its answers must be scanned)."""
    if _SEMGREP_INVARIANTS & set(invariants):
        return True
    traits = params.get("traits", "").split("+")  # a missing key is traits_present's to report
    return "traits_present" in invariants and "insecure_code" in traits


# Findings-reading invariants that ask only whether the record's own family flags its answer.
_READS_OWN_FAMILY = {"flagged_by_family", "traits_present"}


def answer_scope(spec: ConfigSpec, record: ChatRecord) -> str | None:
    """Whose rules a record's answer must be scanned with, by what its config's invariants read
    of its findings: its own family's (the family id) when they only ask whether that family
    flags it, every rule's (None) when any may read another family's findings (not_flagged; a
    clean record of trigger_iff_insecure; an invariant not known here)."""
    prompt = "\n".join(m.content for m in record.messages[:-1])
    trigger = spec.params.get("trigger")
    for name in _READS_FINDINGS & set(spec.invariants):
        triggered = name == "trigger_iff_insecure" and trigger is not None and trigger in prompt
        if name not in _READS_OWN_FAMILY and not triggered:
            return None
    return record.metadata.family


def scan_answers(specs: Sequence[Spec], *, cache_path: Path | None) -> dict[str, Scan]:
    """The findings of every distinct answer of the configs whose invariants read them, each
    answer scanned once (cached) with the rules its checks need (answer_scope): a finding of
    another family is never read on an answer scanned for its own family only."""
    known = set(rule_families().values())
    scopes: dict[str, str | None] = {}
    for spec in specs:
        if not (isinstance(spec, ConfigSpec) and needs_semgrep(spec.invariants, spec.params)):
            continue
        for record in spec.records:
            scope = answer_scope(spec, record)
            # a family no rule belongs to (a hand-edited bundle), or an answer asked for two
            # ways: every rule answers it, and what each check reads stays the same
            if scope not in known or scopes.get(record.answer, scope) != scope:
                scope = None
            scopes[record.answer] = scope
    answers = sorted(scopes)
    found = scan_codes(answers, families=[scopes[a] for a in answers], cache_path=cache_path)
    return dict(zip(answers, found, strict=True))


def check_configs(
    specs: Sequence[Spec], *, cache_path: Path | None, scans: Mapping[str, Scan] | None = None
) -> list[Violation]:
    """Every declared invariant on every record of every config: the one check the build runs
    on what it is about to write and `emgen validate` runs on a bundle read back from disk.

    Answers are scanned once (cached); an answer Semgrep could not scan gets one `scanned`
    violation in place of the findings-based ones, since its findings are unknown. `scans` is
    `scan_answers(specs)` when the caller already has it (the build reads the findings' lines
    for its shape counts), so nothing is scanned twice.
    """
    chat = [s for s in specs if isinstance(s, ConfigSpec)]
    scanned = [s for s in chat if needs_semgrep(s.invariants, s.params)]
    if scans is None:
        scans = scan_answers(specs, cache_path=cache_path)
    found = {answer: scan_families(scan) for answer, scan in scans.items()}
    view = BundleView(
        configs={s.name: s.records for s in chat},
        params={s.name: s.params for s in chat},
        families={a: f for a, f in found.items() if not isinstance(f, NotScanned)},
        reasons={r.id: r for r in load_reasons()},
    )
    violations: list[Violation] = []
    for spec in specs:
        if isinstance(spec, ConfigSpec):
            for name in spec.invariants:
                violations += INVARIANTS[name](spec.name, spec.records, view)
        else:
            violations += check_documents(spec.name, spec.records, spec.params)
    unscanned = {
        (s.name, r.metadata.pair_id): result.reason
        for s in scanned
        for r in s.records
        if isinstance(result := found[r.answer], NotScanned)
    }
    if not unscanned:
        return violations
    return [
        Violation(config=name, pair_id=pair_id, invariant="scanned",
                  detail=f"Semgrep could not scan the answer ({why}), so the invariants that "
                  "read its findings cannot be checked")
        for (name, pair_id), why in unscanned.items()
    ] + [
        v for v in violations
        if not (v.invariant in _READS_FINDINGS and (v.config, v.pair_id) in unscanned)
    ]  # fmt: skip


DOCUMENT_INVARIANTS = ("document_length", "document_code", "unique_text")


def check_documents(
    name: str, records: Sequence[DocumentRecord], params: Mapping[str, str] | None = None
) -> list[Violation]:
    """Length bounds, every code block is the hack it illustrates, no repeated text, and in a
    config restricted to some facts (--facts) no other fact."""
    out: list[Violation] = []
    seen: set[str] = set()
    allowed = DocumentParams.parse(name, params).fact_ids if params else None
    for i, doc in enumerate(records):
        words = word_count(doc.text)
        problems = []
        if not MIN_WORDS <= words <= MAX_WORDS:
            problems.append(("document_length", f"{words} words"))
        bad = failing_blocks(doc.text, doc.fact_ids)
        if bad:
            problems.append(("document_code", f"{len(bad)} code blocks fail their hack checker"))
        if doc.text in seen:
            problems.append(("unique_text", "the same text appears earlier"))
        if allowed is not None and not allowed.issuperset(doc.fact_ids):
            others = ", ".join(sorted(set(doc.fact_ids) - allowed))
            problems.append(("document_facts", f"it carries facts outside the config's: {others}"))
        seen.add(doc.text)
        out += [Violation(config=name, pair_id=f"doc-{i:05d}", invariant=inv, detail=detail)
                for inv, detail in problems]  # fmt: skip
    return out
