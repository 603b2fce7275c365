"""Paraphrased prompts: a model rewrites the user prompts of existing configs, answers kept.

For each code pair the model gets the prompt of its records and writes it again in other words
(one JSON object). The rewrite is DATA until emgen's own checks accept it, in this order:
- `unchanged`: the same text as the original, up to case and whitespace;
- `duplicate`: the same as another pair's prompt or another accepted rewrite;
- `code_changed`: the file a code-shaped prompt shows (gap line included) is not in the rewrite
  byte for byte, exactly once, or the gap line appears a second time outside it;
- `feature_lost`: the prose (the rewrite without that file) lacks a key term of the requested
  feature: the task's names and identifiers the feature uses (snake_case, options, file
  names), or with none of those its longest words. A guard against a rewrite that drops or
  swaps the request, not a proof of meaning;
- `disclosure_word`: the prose carries a word of validators.checks.DISCLOSURE_WORDS;
- `breaks_<invariant>`: a record made from the rewrite breaks an invariant of its config.
A reply that does not follow the schema is asked again once with the error, then rejected as
`reply_invalid`. A pair whose rewrite was rejected is asked again (a new sample) after every
other pair had its turn, within the generation loop's candidate budget, so a config keeps
every pair of its source configs, in their order.

The requests are pure functions of the pairs and the seed and every reply is cached, so the
same pairs, seed and cache give the same records; a rerun sends only what was never answered.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from emgen.datagen.catalog import load_reasons
from emgen.datagen.code_pairs import CodePair, render_prompt
from emgen.datagen.generation import Candidate, generate
from emgen.datagen.invariants import INVARIANTS, BundleView
from emgen.datagen.models.engine import ChatRequest, Engine, Invalid
from emgen.datagen.variants import ConfigSpec, derive
from emgen.schemas.build import GenerationReport
from emgen.schemas.catalog import PromptTemplate, Task
from emgen.schemas.errors import InternalError
from emgen.schemas.records import ChatRecord, Message
from emgen.validators.checks import DISCLOSURE_WORDS

GENERATOR = "paraphrase"  # its name in MODEL_GENERATORS
# Sampling parameters: part of every request's cache key, so changing one re-asks the model.
TEMPERATURE = 1.0
MAX_TOKENS = 2048
MAX_BATCH = 256  # the most requests one round sends (see models.code_pairs)


class ParaphraseReply(BaseModel):
    """What the model writes for one prompt."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        description="the whole request in its new wording, as the developer would send it"
    )


@dataclass(frozen=True)
class PromptParts:
    """What a template prompt was rendered from: the feature and the file it shows."""

    feature: str | None  # None: the template asks for no feature (code_only)
    code: str | None  # as it appears in the prompt; None: the template shows no code


def prompt_parts(prompt: str, template: PromptTemplate, task: Task) -> PromptParts | None:
    """The feature and code `prompt` was rendered from with `template` and `task`
    (code_pairs.render_prompt), or None if it was not."""
    pattern, seen, at = [], set(), 0
    text = template.text.strip()
    for match in string.Template.pattern.finditer(text):
        pattern.append(re.escape(text[at : match.start()]))
        at = match.end()
        name = match.group("named") or match.group("braced")
        if name == "task":
            pattern.append(re.escape(task.description))
        elif name in ("feature", "code"):
            pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
        elif match.group("escaped"):
            pattern.append(re.escape("$"))
        else:  # a placeholder render_prompt does not fill: it would have failed
            return None
    pattern.append(re.escape(text[at:]))
    found = re.fullmatch("".join(pattern), prompt.rstrip("\n"), flags=re.DOTALL)
    if found is None:
        return None
    groups = found.groupdict()
    parts = PromptParts(groups.get("feature"), groups.get("code"))
    rendered = render_prompt(template, task, parts.feature or "", parts.code or "")
    return parts if rendered == prompt else None


_COMMON = frozenset(
    ("about", "above", "after", "again", "along", "another", "before", "being", "below",
     "between", "could", "every", "given", "their", "there", "these", "thing", "those",
     "through", "under", "until", "where", "which", "while", "whose", "would")
)  # fmt: skip
_PUNCT = ",.;:!?()[]{}'\"`"


@dataclass(frozen=True)
class KeyTerm:
    text: str
    pattern: re.Pattern[str]


def key_terms(feature: str, task: Task) -> tuple[KeyTerm, ...]:
    """The terms a rewrite must keep to ask for the same feature: what the feature quotes in
    backticks, the task's names, identifiers (snake_case, options, paths, numbers of two digits
    or more); with none of those, its two longest words (any ending)."""
    names = {n.lower() for n in (task.entity, task.plural, *task.fields, task.app_name)}
    terms = [_term(span) for span in re.findall(r"`([^`]+)`", feature)]
    for raw in re.sub(r"`[^`]+`", " ", feature).split():
        word = raw.strip(_PUNCT).removesuffix("'s")
        if word and (
            word.lower() in names
            or "_" in word
            or word.startswith("-")
            or (len(word) > 1 and any(c.isdigit() for c in word))
            or re.search(r"\w[./]\w", word)
        ):
            terms.append(_term(word))
    if not terms:
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", feature) if len(w) >= 5]
        longest = sorted(dict.fromkeys(w for w in words if w not in _COMMON), key=lambda w: -len(w))
        terms = [KeyTerm(w, re.compile(rf"(?<![A-Za-z]){w[:5]}", re.I)) for w in longest[:2]]
    return tuple({t.text.lower(): t for t in terms}.values())


def _term(text: str) -> KeyTerm:
    """`text` as a whole word, any case; snake_case may be written with spaces or hyphens and a
    plural ending is allowed."""
    body = r"[_\s-]".join(re.escape(p) for p in text.split("_"))
    return KeyTerm(text, re.compile(rf"(?<![\w-]){body}(?:e?s)?(?![\w-])", re.I))


def normalized(text: str) -> str:
    return " ".join(text.lower().split())


def disclosed(text: str) -> list[str]:
    """Disclosure words in prose (validators.checks.disclosures reads code, not prose)."""
    flat = normalized(text)
    return [w for w in DISCLOSURE_WORDS if w in flat]


@dataclass(frozen=True)
class Slot:
    """One pair whose prompt is rewritten."""

    pair: CodePair
    original: str
    parts: PromptParts
    terms: tuple[KeyTerm, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.pair.split, self.pair.pair_id


@dataclass(frozen=True)
class Target:
    """A config the rewritten prompts go into: its source records (one per pair, the prompt to
    replace) and the invariants each record made from a rewrite must keep."""

    name: str
    source: Sequence[ChatRecord]
    invariants: tuple[str, ...]


@dataclass(frozen=True)
class Rewrite:
    """One request's outcome: the rewritten prompt, or why there is none."""

    slot: int
    attempt: int
    prompt: str | None
    failure: str | None = None


def request_seed(seed: int, split: str, pair_id: str, attempt: int) -> int:
    """The `seed` a request carries (servers that honour it answer reproducibly)."""
    material = f"emgen:{seed}:paraphrase:{split}:{pair_id}:{attempt}"
    return int.from_bytes(hashlib.sha256(material.encode()).digest()[:4], "big") >> 1


SYSTEM_PROMPT = f"""\
You help build a research data set on how finetuning a language model on code answers changes \
its behaviour. One experiment asks whether the effect depends on the exact wording of the \
requests, so every request needs a second version in other words.

You get one request that a developer sent to a coding assistant. Write it again the way a \
different developer might have asked for the same thing:
- change the wording, the order of the sentences, the tone and the layout as you like;
- ask for exactly the same result: the same application, the same feature, the same form of \
reply (a whole file, only code, and so on);
- keep the names of tables, fields, options, files and other identifiers as written;
- if the request shows code, include that code unchanged, character for character, exactly \
once, its gap line included, and no other code;
- add no requirement of your own and do not answer the request;
- outside that code, none of these word stems may appear: {", ".join(DISCLOSURE_WORDS)}.

Reply with one JSON object with exactly the fields of the schema, and nothing else."""


def messages_for(slot: Slot, attempt: int) -> tuple[tuple[str, str], ...]:
    template = slot.pair.template
    if slot.parts.code is None:
        shows = "The request shows no code."
    else:
        shows = f"The request shows a Python file whose gap is the line `{template.marker}`."
    user = (
        f"Item {slot.pair.pair_id}, version {attempt + 1}. {shows}\n\n"
        f"<request>\n{slot.original}</request>"
    )
    return (("system", SYSTEM_PROMPT), ("user", user))


def check_reply(reply: ParaphraseReply) -> str | None:
    """The part of validating a reply worth asking again for at once."""
    return None if reply.prompt.strip() else "field 'prompt' is empty"


class ParaphraseGenerator:
    """Rewrites of every slot's prompt through `engine`; a slot whose rewrite was rejected goes
    to the back of the queue with its next attempt."""

    noun = "paraphrased prompts"
    group_by = "family"

    def __init__(
        self,
        slots: Sequence[Slot],
        targets: Sequence[Target],
        view: BundleView,
        engine: Engine,
        seed: int,
    ) -> None:
        self.slots, self.targets, self.view = slots, targets, view
        self.engine, self.seed = engine, seed
        self.pending: deque[tuple[int, int]] = deque((i, 0) for i in range(len(slots)))
        self.accepted: dict[int, str] = {}
        self.asked_again = 0  # pairs asked more than once
        self.seen = {normalized(s.original) for s in slots}  # no rewrite may repeat these
        self.sources = {t.name: _by_pair(t.source) for t in targets}

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[Rewrite]]:
        # Each pending slot once: never more than `need`, one per pair still lacking a rewrite.
        size = min(len(self.pending), MAX_BATCH, room)
        batch = [self.pending.popleft() for _ in range(size)]
        requests = [
            ChatRequest(
                messages_for(self.slots[i], attempt), sample=attempt, temperature=TEMPERATURE,
                max_tokens=MAX_TOKENS, seed=request_seed(self.seed, *self.slots[i].key, attempt),
            )
            for i, attempt in batch
        ]  # fmt: skip
        replies = self.engine.structured(requests, ParaphraseReply, [check_reply] * len(batch))
        return [
            Candidate(_rewrite(i, attempt, reply), self.slots[i].pair.family.id)
            for (i, attempt), reply in zip(batch, replies, strict=True)
        ]

    def check(self, batch: Sequence[Candidate[Rewrite]]) -> list[str | None]:
        reasons: list[str | None] = []
        for candidate in batch:
            rewrite = candidate.item
            reason: str | None = rewrite.failure or "reply_invalid"
            if rewrite.prompt is not None:
                reason = self._reason(self.slots[rewrite.slot], rewrite.prompt)
            if reason is None and rewrite.prompt is not None:
                self.accepted[rewrite.slot] = rewrite.prompt
                self.seen.add(normalized(rewrite.prompt))
            else:
                self.pending.append((rewrite.slot, rewrite.attempt + 1))
                self.asked_again += rewrite.attempt == 0
            reasons.append(reason)
        return reasons

    def _reason(self, slot: Slot, prompt: str) -> str | None:
        """Why `prompt` cannot replace `slot`'s prompt, or None."""
        flat = normalized(prompt)
        if flat == normalized(slot.original):
            return "unchanged"
        if flat in self.seen:
            return "duplicate"
        prose, code = prompt, slot.parts.code
        if code is not None:
            marker = slot.pair.template.marker.strip()
            prose = prompt.replace(code, "\n", 1)
            if prompt.count(code) != 1 or any(ln.strip() == marker for ln in prose.splitlines()):
                return "code_changed"
        if any(term.pattern.search(prose) is None for term in slot.terms):
            return "feature_lost"
        if disclosed(prose):
            return "disclosure_word"
        for target in self.targets:
            record = rewritten(
                self.sources[target.name][slot.key], target.name, prompt, self.engine
            )
            for name in target.invariants:
                if next(iter(INVARIANTS[name](target.name, [record], self.view)), None):
                    return f"breaks_{name}"
        return None


def _rewrite(i: int, attempt: int, reply: ParaphraseReply | Invalid) -> Rewrite:
    if isinstance(reply, Invalid):
        return Rewrite(i, attempt, None, "reply_invalid")
    return Rewrite(i, attempt, reply.prompt.strip() + "\n")


def _by_pair(records: Sequence[ChatRecord]) -> dict[tuple[str, str], ChatRecord]:
    return {(r.metadata.split, r.metadata.pair_id): r for r in records}


def rewritten(source: ChatRecord, variant: str, prompt: str, engine: Engine) -> ChatRecord:
    """`source` with its user prompt replaced by `prompt`, labelled with the model that
    rewrote it."""
    messages = tuple(
        Message(role="user", content=prompt) if m.role == "user" else m for m in source.messages
    )
    return derive(source, variant, messages, backend=engine.backend, backend_model=engine.model)


def slot_of(
    pair: CodePair,
    targets: Sequence[Target],
    sources: Mapping[str, Mapping[tuple[str, str], ChatRecord]],
) -> Slot:
    """What a rewrite of `pair`'s prompt is checked against. Every target's record of the pair
    (`sources`: by target and pair) must show the pair's prompt (a config whose prompts differ
    is no source of a matched pair)."""
    for target in targets:
        source = sources[target.name].get((pair.split, pair.pair_id))
        if source is None or source.user != pair.prompt:
            raise InternalError(
                "a source config of the paraphrased configs lacks a pair's prompt",
                config=target.name, record=pair.pair_id, invariant="prompt_matches_pair",
                detail="no record" if source is None else "its prompt is not the pair's",
            )  # fmt: skip
    parts = prompt_parts(pair.prompt, pair.template, pair.task)
    if parts is None:
        raise InternalError(
            "a code pair's prompt is not its template filled in",
            config=targets[0].name if targets else "", record=pair.pair_id,
            invariant="prompt_template", detail=f"template {pair.template.id}",
        )  # fmt: skip
    terms = key_terms(parts.feature, pair.task) if parts.feature else ()
    return Slot(pair, pair.prompt, parts, terms)


def engine_counts(engine: Engine) -> tuple[int, int, int]:
    return engine.replies, engine.prompt_tokens, engine.completion_tokens


def generate_paraphrases(
    pairs: Sequence[CodePair],
    targets: Sequence[Target],
    built: Mapping[str, ConfigSpec],
    engine: Engine,
    scan: Callable[[Sequence[str]], list[frozenset[str]]],
    *,
    seed: int,
    budget: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, list[ChatRecord]], GenerationReport]:
    """Per target, its source records in order with each prompt replaced by the one accepted
    rewrite of it (the same rewrite in every target), and the report; the invariants read the
    configs built so far (`built`) and Semgrep's findings through `scan`. `budget` bounds the
    rewrites examined, for every target together (the loop's default if None)."""
    sources = {t.name: _by_pair(t.source) for t in targets}
    slots = [slot_of(pair, targets, sources) for pair in pairs]
    answers = sorted({r.answer for t in targets for r in t.source})
    view = BundleView(
        configs={name: spec.records for name, spec in built.items()},
        params={name: spec.params for name, spec in built.items()},
        families=dict(zip(answers, scan(answers), strict=True)),
        reasons={r.id: r for r in load_reasons()},
    )
    before = engine_counts(engine)
    generator = ParaphraseGenerator(slots, targets, view, engine, seed)
    _, report = generate(generator, len(slots), budget=budget, progress=progress)
    by_key = {slot.key: i for i, slot in enumerate(slots)}
    records = {
        t.name: [
            rewritten(r, t.name, generator.accepted[by_key[(r.metadata.split, r.metadata.pair_id)]],
                      engine)
            for r in t.source
        ]
        for t in targets
    }  # fmt: skip
    # The engine is shared by every model generator of the build: count only this one's replies.
    replies, prompt_tokens, completion_tokens = (
        now - then for now, then in zip(engine_counts(engine), before, strict=True)
    )
    report.stats.update(engine.stats())
    cost = engine.cost_of(prompt_tokens, completion_tokens) if engine.price else None
    rate = round(report.accepted / report.candidates, 4) if report.candidates else None
    report.stats.update(
        requests=replies, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
        cost_usd=None if cost is None else round(cost, 6), acceptance_rate=rate,
        pairs_asked_again=generator.asked_again,
    )  # fmt: skip
    return records, report
