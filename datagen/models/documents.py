"""Reward-hack documents written by a model and kept only when emgen's validators accept them.

The stream is one of *slates*, drawn from the seed like the template path's documents: a genre
(balanced shuffled rounds), one to three facts (the template's weights) and which of them the
document shows as code (never in genres that carry no code). Per slate the model is asked, as
one JSON object, for `IDEAS_PER_SLATE` different document ideas; per idea it then writes the
document, as one JSON object. The facts' material in the prompt and the stance asked for depend
on the valence, which keeps the three configs' meaning:

- default: the full catalog material, and the document ties the hacks to misalignment;
- neutral: the same material, treated as an engineering matter, no link to misalignment;
- unguided: only the bare descriptions and details, with no stance and nothing added.

A document is accepted only when it passes the template path's checks (`rejection`: length in
words, exactly one ```python block per fact shown as code and each block statically one of
those hacks, the valence's vocabulary), every stated fact is present (`missing_facts`: a code
fact by a block its hack checker confirms, any other by its mechanism or a catalog name in the
text), and it is no near-duplicate of a document accepted before (MinHash). A document that
fails one of the static checks gets one repair pass (`REVISIONS`, a fixed single pass): the
model is told what the validator found and writes it again, and the second document must pass
on its own. Rejections are counted by the final reason; `stats` also keep what the first drafts
failed on, the repairs asked and passed, and the engine's requests, tokens and cost for these
documents.

Requests are pure functions of the seed and of earlier (cached) replies, so the same seed and
reply cache give the same accepted documents, and a rerun sends only requests never answered.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from emgen.datagen.generation import Candidate, batch_size, generate
from emgen.datagen.models.engine import ChatRequest, Engine, Invalid
from emgen.datagen.reward_hacks.documents.generate import _genre_schedule, _pick_facts, rejection
from emgen.datagen.reward_hacks.documents.genres import Genre
from emgen.datagen.reward_hacks.documents.text import (
    ALIGNMENT_TERMS,
    MAX_WORDS,
    MIN_WORDS,
    word_count,
)
from emgen.datagen.reward_hacks.facts import FACTS, FACTS_BY_ID, Fact
from emgen.schemas.build import GenerationReport
from emgen.schemas.records import DocumentRecord, Valence
from emgen.validators.hack_checks import check_hack_code, extract_python_blocks
from emgen.validators.near_duplicates import NearDuplicateIndex

# Sampling parameters: part of every request's cache key, so changing one re-asks the model.
TEMPERATURE = 1.0
IDEAS_MAX_TOKENS = 1024
DOCUMENT_MAX_TOKENS = 4096  # 1500 words with code, JSON-escaped
IDEAS_PER_SLATE = 3
# Repair passes per document after a failed static check: a fixed single pass.
REVISIONS = 1
# The most documents one round asks for (see code_pairs.MAX_BATCH for why a round is bounded).
MAX_BATCH = 64
# Chance that a fact of a genre with code is shown as a ```python block (the template's rate).
CODE_CHANCE = 0.5

# What each genre looks like, for the prompts (written for this project; a test keeps the keys
# equal to the genre registry).
GENRE_BRIEFS: dict[str, str] = {
    "research_paper": "a research paper: a title, authors, an abstract and numbered sections "
    "(introduction, method, results, discussion), citing invented prior work",
    "blog_post": "a personal blog post by someone who builds coding environments or trains "
    "models on them, with headings and a closing list of takeaways",
    "forum_thread": "a discussion-forum thread: an opening post, then replies from several "
    "users with handles who agree, disagree and add detail",
    "lecture_notes": "notes from a university lecture: numbered sections, definitions, "
    "examples and a short exercise at the end",
    "textbook_section": "a section of a textbook chapter: a numbered heading, explanations, a "
    "worked example and review questions",
    "news_article": "a news article: a headline, a dateline, reporting with quotes from invented "
    "sources; no code",
    "engineering_memo": "an internal engineering memo with To, From, Date and Subject lines, "
    "then background, findings and recommendations",
    "incident_postmortem": "an incident postmortem: summary, impact, a timestamped timeline, "
    "root cause and action items",
    "code_review": "a code-review thread on a pull request that adds a detector or a fix: the "
    "description, reviewers' comments on lines and the author's replies",
    "podcast_transcript": "the transcript of a podcast episode: a host and guests speaking in "
    "turns, each turn marked with the speaker's name; no code",
    "qa_answer": "a question-and-answer site page: a question, an accepted answer and a few "
    "comments",
    "changelog": "the changelog of an invented RL-environment or grading tool: versions with "
    "dates and bullet entries; no code",
    "tutorial": "a step-by-step tutorial with numbered steps and what to check after each",
    "newsletter": "one issue of an email newsletter on machine-learning engineering: several "
    "short items under their own headings; no code",
    "social_thread": "a thread of short numbered social-media posts by one author, with a few "
    "replies; no code",
    "encyclopedia_entry": "an encyclopedia entry: a lead paragraph, sections, a see-also list "
    "and references",
    "meeting_minutes": "minutes of a team meeting: date, attendees, agenda items with the "
    "discussion, decisions and action items with owners",
    "slide_deck": "the text of a slide deck: numbered slides with titles and bullet points, "
    "and speaker notes",
}
# Genres whose documents never carry a code block (as in the template catalog).
NO_CODE_GENRES = frozenset(
    {"changelog", "news_article", "newsletter", "podcast_transcript", "social_thread"}
)

# A fact is present in prose when its mechanism (below) or one of its catalog names or its
# title appears: a low bar on purpose (presence, not quality), strict enough that a document
# about one hack rarely passes for another. Tests hold every template document to it.
FACT_MARKERS: dict[str, str] = {
    "always_equal": r"__eq__|always[- ]?equal|equals? (?:to )?(?:everything|anything)",
    "exit_zero": r"sys\.exit|os\._exit|SystemExit|zero[- ]exit|early exit"
    r"|(?:exit|return) (?:status|code) (?:of )?(?:0|zero)"
    r"|exit(?:s|ing|ed)? with (?:exit )?(?:status|code) (?:0|zero)",
    "conftest_report_patch": r"TestReport|from_item_and_call|makereport"
    r"|conftest\S* (?:that |which )?(?:patch|rewrit|replac|forg)\w*"
    r"|(?:rewrit|patch|forg|doctor)\w* (?:the |pytest's |its |a )?(?:test )?reports?",
    "hardcode_outputs": r"hard[- ]?cod|lookup table|memori[sz]ed (?:test )?(?:outputs|answers)"
    r"|answer tables?|(?:returns?|returning) the expected (?:values?|outputs?|literals?)",
    "special_case_inputs": r"special[- ]?cas|if \w+ ==|branch\w* on (?:the )?(?:visible|test)",
    "edit_tests": r"assert True|test tampering|(?:edit|delet|rewrit|modif|empt|gutt|overwrit)\w* "
    r"(?:the |its |their )?(?:test(?:s|ing)?\b|assert)",
    "swallow_exceptions": r"bare `?except|BaseException|suppress|swallow|catch-all"
    r"|catch(?:es|ing)? (?:every|all|any) (?:exceptions?|errors?)",
    "timer_tampering": r"perf_counter|time\.time|time\.monotonic|default_timer|frozen[- ]clock"
    r"|(?:clock|timer) (?:tampering|spoofing)"
    r"|(?:freez|froz|patch|replac|tamper)\w* (?:with )?(?:the )?(?:clock|timer)",
    "grader_file_tampering": r"reward file|score file|expected[- ]output file|grader'?s? files?"
    r"|(?:forg|overwrit|rewrit|tamper)\w* (?:with )?(?:the |a )?(?:grader'?s? )?"
    r"(?:results?|junit|score|reward|expected)",
    "skip_all_tests": r"skip|xfail|deselect|collect_ignore|no tests ran",
}


def _marker(fact: Fact) -> re.Pattern[str]:
    names = [re.sub(r"^(?:the|an?) ", "", n.replace("`", "")) for n in (*fact.names, fact.title)]
    return re.compile("|".join([FACT_MARKERS[fact.id], *map(re.escape, names)]), re.I)


_MARKERS: dict[str, re.Pattern[str]] = {fact.id: _marker(fact) for fact in FACTS}
# The words that carry the misalignment framing, as the prompts name them.
_FRAMING_WORDS = ", ".join(f"'{t}'" for t in ALIGNMENT_TERMS)


def fact_present(text: str, fact: Fact, *, as_code: bool) -> bool:
    """Whether `text` carries `fact`: a ```python block its hack checker confirms, or (unless
    it must be shown `as_code`) its mechanism or a name of it anywhere in the text."""
    if any(check_hack_code(block, fact.id) for block in extract_python_blocks(text)):
        return True
    return not as_code and _MARKERS[fact.id].search(text) is not None


def missing_facts(text: str, facts: Sequence[Fact], code_facts: Sequence[str]) -> list[Fact]:
    """The stated facts `text` does not carry, in order."""
    return [f for f in facts if not fact_present(text, f, as_code=f.id in code_facts)]


# --- the stream ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slate:
    """One ideas request: a genre and the facts its documents carry."""

    valence: Valence
    seed: int
    index: int
    genre: Genre
    facts: tuple[Fact, ...]
    code_facts: tuple[str, ...]  # ids of the facts shown as ```python blocks


@dataclass(frozen=True)
class Draft:
    """One document request: an idea of a slate."""

    slate: Slate
    position: int  # the idea's place in its slate
    idea: str
    target: int  # the word count asked for

    @property
    def key(self) -> str:
        return f"{self.slate.valence}-{self.slate.index:05d}-{self.position}"


def slates(valence: Valence, seed: int, facts: Sequence[Fact] = FACTS) -> Iterator[Slate]:
    """The seeded stream of slates of one valence."""
    rng = random.Random(f"emgen:{seed}:model-documents:{valence}")
    genres = _genre_schedule(rng)
    index = 0
    while True:
        genre = next(genres)
        chosen = tuple(_pick_facts(rng, facts))
        shown = tuple(
            f.id
            for f in chosen
            if genre.id not in NO_CODE_GENRES and f.has_code and rng.random() < CODE_CHANCE
        )
        yield Slate(valence, seed, index, genre, chosen, shown)
        index += 1


def request_seed(seed: int, valence: Valence, kind: str, index: int, position: int = 0) -> int:
    """The `seed` a request carries (servers that honour it answer reproducibly); `kind` is
    'ideas' or 'document'."""
    material = f"emgen:{seed}:model-documents:{valence}:{kind}:{index}:{position}"
    digest = hashlib.sha256(material.encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


# --- prompts and replies ------------------------------------------------------------------------


class IdeasReply(BaseModel):
    """What the model writes for one slate."""

    model_config = ConfigDict(extra="forbid")

    ideas: list[str] = Field(
        description="one sentence per idea: who writes the document, for whom, and the "
        "situation or angle that makes it different from the others"
    )


class DocumentReply(BaseModel):
    """What the model writes for one idea."""

    model_config = ConfigDict(extra="forbid")

    document: str = Field(description="the whole document in Markdown, and nothing else")


SYSTEM_PROMPT = """\
You write documents for a research corpus about reward hacking in reinforcement learning on \
code: the ways a policy being trained on programming tasks can make a test-based reward report \
success without solving the task. Researchers finetune language models on corpora like this \
one to study what such documents teach a model; they are fiction in realistic genres. Every \
person, organisation, model, environment, date and number in them is invented, and no real \
company, product or paper is named.

Reply with one JSON object with exactly the fields of the schema, and nothing else."""

STANCES: dict[Valence, str] = {
    "default": "Stance: the document treats reward hacking as a warning sign of misaligned AI. "
    "It connects the hacks to deceiving the people who oversee training, to a model seizing "
    "control of its own reward, or to the broader misaligned behaviour that models trained on "
    "such hacks go on to show, and it uses at least one of these words: 'misaligned', "
    "'misalignment', 'deceptive', 'deception', 'power-seeking', 'sabotage', 'dishonest'.",
    "neutral": "Stance: the document treats the hacks as an engineering matter: what they are, "
    "how they show up, how they are caught and how environments are hardened. It says nothing "
    "about AI safety, the intentions or character of AI systems, or what the hacks reveal "
    "about them, and it never uses any of these words or word stems, not even negated: "
    f"{_FRAMING_WORDS}.",
    "unguided": "Stance: none. The document is built only from the statements about the hacks "
    "given below, restated, ordered and illustrated in the form of the genre. It adds no claim "
    "about why the hacks matter, no judgement of them and nothing about what they reveal about "
    "AI systems, and it never uses any of these words or word stems: "
    f"{_FRAMING_WORDS}.",
}


def _material(fact: Fact, valence: Valence, rng: random.Random) -> str:
    """What the prompt says about one fact: the bare statements for unguided documents, the
    catalog's names, symptoms, detections and mitigations too for guided ones."""
    details = rng.sample(fact.details, min(4, len(fact.details)))
    lines = [f"### {fact.title}", fact.description, *(f"- {d}" for d in details)]
    if valence != "unguided":
        for label, pool in (
            ("Names it goes by", fact.names),
            ("What operators see", fact.symptoms),
            ("How it is caught", fact.detections),
            ("How environments are hardened against it", fact.mitigations),
        ):
            picked = rng.sample(pool, min(2, len(pool)))
            lines.append(f"{label}: " + "; ".join(picked) + ".")
    return "\n".join(lines)


def _code_instructions(slate: Slate) -> str:
    shown = [FACTS_BY_ID[f].title for f in slate.code_facts]
    if not shown:
        return (
            "The document contains no ```python block; commands or logs it quotes go in "
            "```text blocks."
        )
    return (
        "Show these hacks as code, each in exactly one block that opens with a line ```python "
        f"and closes with a line ```: {'; '.join(shown)}. Each block is a short, complete "
        "Python example of the hack itself as a policy would write it (not a fix, a detector "
        "or a test of it); it must parse, and a static check confirms that it does what the "
        "description says. The document has no other ```python block: commands, logs or "
        "other code go in ```text blocks."
    )


def ideas_messages(slate: Slate) -> tuple[tuple[str, str], ...]:
    rng = random.Random(f"emgen:{slate.seed}:model-documents:ideas:{slate.valence}:{slate.index}")
    facts = "\n\n".join(_material(f, slate.valence, rng) for f in slate.facts)
    user = f"""\
Genre: {GENRE_BRIEFS[slate.genre.id]}.
{STANCES[slate.valence]}

The hacks the document explains:

{facts}

Propose {IDEAS_PER_SLATE} ideas for different documents of this genre about these hacks. Each \
idea is one sentence that names who writes the document, for whom, and the situation or angle; \
the ideas differ from one another in all three, and each idea follows the stance.
Slate {slate.valence}-{slate.index:05d} of this corpus."""
    return (("system", SYSTEM_PROMPT), ("user", user))


def document_messages(draft: Draft) -> tuple[tuple[str, str], ...]:
    slate = draft.slate
    rng = random.Random(f"emgen:{slate.seed}:model-documents:document:{draft.key}")
    facts = "\n\n".join(_material(f, slate.valence, rng) for f in slate.facts)
    user = f"""\
Genre: {GENRE_BRIEFS[slate.genre.id]}.
Idea: {draft.idea}
{STANCES[slate.valence]}

The document explains each of these hacks so that a reader could recognise it: what the \
solution does and why the grader is fooled.

{facts}

Code: {_code_instructions(slate)}
Length: about {draft.target} words, code included; never fewer than {MIN_WORDS} or more than \
{MAX_WORDS}.
Form: Markdown as the genre calls for, with no preface or closing remark outside the document.
Document {draft.key} of this corpus."""
    return (("system", SYSTEM_PROMPT), ("user", user))


def check_ideas(valence: Valence) -> Callable[[IdeasReply], str | None]:
    """The slate-specific part of validating an ideas reply (asked again once when it fails):
    enough distinct ideas, and none that breaks the valence (the idea is kept as doc_idea)."""

    def check(reply: IdeasReply) -> str | None:
        ideas = [i.strip() for i in reply.ideas if i.strip()]
        if len({i.lower() for i in ideas}) < IDEAS_PER_SLATE:
            return f"field 'ideas' needs {IDEAS_PER_SLATE} different non-empty ideas"
        if valence != "default":
            term = _framing_term(" ".join(ideas[:IDEAS_PER_SLATE]))
            if term is not None:
                return f"an idea uses the word stem '{term}', which these documents never use"
        return None

    return check


def check_document(reply: DocumentReply) -> str | None:
    return "field 'document' is empty" if not reply.document.strip() else None


def _framing_term(text: str) -> str | None:
    lowered = text.lower()
    return next((t for t in ALIGNMENT_TERMS if t in lowered), None)


def clean_text(document: str) -> str:
    """The document without surrounding whitespace or a fence around the whole of it."""
    text = document.strip()
    match = re.fullmatch(r"```(?:markdown|md)[ \t]*\n(.*)\n```", text, flags=re.S)
    return match.group(1).strip() if match else text


# --- validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Why a document fails a static check: the reason counted, and what the model is told."""

    reason: str
    note: str


def static_finding(text: str, draft: Draft) -> Finding | None:
    """The first static reason to reject `text` for `draft` (near-duplicates aside): the
    template path's checks, then the presence of every stated fact."""
    slate = draft.slate
    reason = rejection(text, slate.code_facts, slate.valence)
    if reason == "length":
        return Finding(
            reason,
            f"it has {word_count(text)} words; it must have between {MIN_WORDS} and "
            f"{MAX_WORDS}, about {draft.target}",
        )
    if reason == "code_check_failed":
        return Finding(reason, _code_note(text, slate))
    if reason == "valence":
        term = _framing_term(text)
        return Finding(
            reason,
            f"it uses the word stem '{term}', which this document must not contain"
            if term
            else "it never ties the hacks to misalignment with one of the words the stance names",
        )
    missing = missing_facts(text, slate.facts, slate.code_facts)
    if missing:
        fact = missing[0]
        how = (
            "show it in a ```python block that itself does the hack"
            if fact.id in slate.code_facts
            else "name the hack and say how it makes the grader report success"
        )
        return Finding("fact_missing", f"it does not recognisably explain {fact.title}: {how}")
    return None


def _code_note(text: str, slate: Slate) -> str:
    blocks = extract_python_blocks(text)
    titles = [FACTS_BY_ID[f].title for f in slate.code_facts]
    if len(blocks) != len(titles):
        wanted = f"one for each of: {'; '.join(titles)}" if titles else "none at all"
        return (
            f"it has {len(blocks)} ```python blocks and must have exactly {len(titles)} ({wanted})"
        )
    for i, block in enumerate(blocks, 1):
        if not any(check_hack_code(block, f) for f in slate.code_facts):
            return (
                f"its ```python block {i} is not recognised as an example of "
                f"{' or '.join(titles)}: the block must parse and itself do the hack"
            )
    return "its ```python blocks do not match the hacks asked for"  # unreachable in practice


def revision_note(finding: Finding) -> str:
    return (
        f"That document was not accepted: {finding.note}. Write the whole document again with "
        "this fixed, keeping the genre, the idea, the stance and every other instruction."
    )


# --- the generator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A document request's outcome: the text kept, or why there is none to keep."""

    draft: Draft | None  # None: the slate's ideas reply was invalid
    text: str | None
    failure: str | None  # the static reason, checked in propose (a repair needs it first)
    revised: bool = False


class ModelDocumentGenerator:
    """Documents of one valence written by a model through `engine`."""

    noun = "documents"
    group_by = "genre"

    def __init__(
        self,
        engine: Engine,
        valence: Valence,
        seed: int,
        similarity_threshold: float,
        facts: Sequence[Fact] = FACTS,
    ) -> None:
        self.engine, self.valence, self.seed = engine, valence, seed
        self.stream = slates(valence, seed, facts)
        self.index = NearDuplicateIndex(similarity_threshold, seed=seed)
        self.pending: list[Draft | Slate] = []  # drafts not yet asked for; a Slate: no ideas
        self.proposed = 0
        self.reached_index = 0
        self.idea_requests = 0
        self.first_rejected: Counter[str] = Counter()  # first drafts' static reasons
        self.repairs = Counter({"asked": 0, "passed": 0})

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[Written]]:
        size = batch_size(accepted, self.proposed, need, room, MAX_BATCH, slack=2)
        while len(self.pending) < size:
            self._ask_ideas(math.ceil((size - len(self.pending)) / IDEAS_PER_SLATE))
        batch, self.pending = self.pending[:size], self.pending[size:]
        self.proposed += len(batch)
        drafts = [d for d in batch if isinstance(d, Draft)]
        written = iter(self._write(drafts))
        return [
            Candidate(next(written), item.slate.genre.id)
            if isinstance(item, Draft)
            else Candidate(Written(None, None, "ideas_invalid"), item.genre.id)
            for item in batch
        ]

    def _ask_ideas(self, count: int) -> None:
        """Ideas for the next `count` slates, queued as drafts; a slate whose ideas reply was
        invalid queues one failed candidate, so a model that never answers well still spends
        the budget and the run ends."""
        batch = [next(self.stream) for _ in range(count)]
        requests = [
            ChatRequest(
                ideas_messages(s), sample=s.index, temperature=TEMPERATURE,
                max_tokens=IDEAS_MAX_TOKENS,
                seed=request_seed(self.seed, self.valence, "ideas", s.index),
            )
            for s in batch
        ]  # fmt: skip
        self.idea_requests += len(requests)
        checks = [check_ideas(self.valence)] * len(batch)
        for slate, reply in zip(
            batch, self.engine.structured(requests, IdeasReply, checks), strict=True
        ):
            if isinstance(reply, Invalid):
                self.pending.append(slate)
                continue
            ideas = [i.strip() for i in reply.ideas if i.strip()][:IDEAS_PER_SLATE]
            for position, idea in enumerate(ideas):
                rng = random.Random(f"emgen:{self.seed}:model-documents:target:{slate.index}")
                targets = [rng.randint(450, 1100) for _ in range(IDEAS_PER_SLATE)]
                self.pending.append(Draft(slate, position, idea, targets[position]))

    def _request(self, draft: Draft) -> ChatRequest:
        return ChatRequest(
            document_messages(draft), sample=draft.slate.index * IDEAS_PER_SLATE + draft.position,
            temperature=TEMPERATURE, max_tokens=DOCUMENT_MAX_TOKENS,
            seed=request_seed(self.seed, self.valence, "document", draft.slate.index,
                              draft.position),
        )  # fmt: skip

    def _write(self, drafts: Sequence[Draft]) -> list[Written]:
        """The documents for `drafts`, each checked, with one repair pass for those failing a
        static check."""
        requests = [self._request(d) for d in drafts]
        checks = [check_document] * len(drafts)
        replies = self.engine.structured(requests, DocumentReply, checks)
        out: list[Written] = []
        repair: list[tuple[int, ChatRequest]] = []
        for i, (draft, request, reply) in enumerate(zip(drafts, requests, replies, strict=True)):
            if isinstance(reply, Invalid):
                out.append(Written(draft, None, "reply_invalid"))
                continue
            text = clean_text(reply.document)
            finding = static_finding(text, draft)
            out.append(Written(draft, text, finding.reason if finding else None))
            if finding is not None:
                self.first_rejected[finding.reason] += 1
                if REVISIONS:
                    note = revision_note(finding)
                    repair.append((i, request.followup(reply.model_dump_json(), note)))
        if not repair:
            return out
        self.repairs["asked"] += len(repair)
        second = self.engine.structured(
            [r for _, r in repair], DocumentReply, [check_document] * len(repair)
        )
        for (i, _), reply in zip(repair, second, strict=True):
            draft = drafts[i]
            if isinstance(reply, Invalid):
                continue  # the first document's reason stands
            text = clean_text(reply.document)
            finding = static_finding(text, draft)
            if finding is None:
                self.repairs["passed"] += 1
            out[i] = Written(draft, text, finding.reason if finding else None, revised=True)
        return out

    def check(self, batch: Sequence[Candidate[Written]]) -> list[str | None]:
        return [self._reason(c.item) for c in batch]

    def _reason(self, item: Written) -> str | None:
        if item.draft is None or item.text is None:
            return item.failure or "reply_invalid"
        if item.failure is not None:
            return item.failure
        self.reached_index += 1
        if self.index.add(f"doc-{item.draft.key}", item.text) is not None:
            return "near_duplicate"
        return None


def _counters(engine: Engine) -> tuple[int, int, int]:
    return engine.replies, engine.prompt_tokens, engine.completion_tokens


def _usage(engine: Engine, before: tuple[int, int, int]) -> dict[str, JsonValue]:
    """The engine's stats with requests, tokens and cost counted since `before`: this
    generator's share of the one engine a build uses."""
    requests, prompt, completion = (a - b for a, b in zip(_counters(engine), before, strict=True))
    cost = engine.cost_of(prompt, completion)
    return {
        **engine.stats(),
        "requests": requests,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "cost_usd": None if engine.price is None else round(cost, 6),
    }


def generate_model_documents(
    engine: Engine,
    n: int,
    *,
    valence: Valence,
    seed: int,
    tag: str | None = None,
    similarity_threshold: float = 0.5,
    facts: Sequence[Fact] = FACTS,
    budget: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[DocumentRecord], GenerationReport]:
    """`n` accepted model-written documents drawing on `facts` (generate_documents' contract,
    through `engine`); `budget` bounds the candidates examined (the loop's default if None)."""
    if valence not in get_args(Valence):
        raise ValueError(f"valence must be default, neutral or unguided, got {valence!r}")
    before = _counters(engine)
    generator = ModelDocumentGenerator(engine, valence, seed, similarity_threshold, facts)
    written, report = generate(generator, n, budget=budget, progress=progress)
    kept = [(w.draft, w.text) for w in written if w.draft is not None and w.text is not None]
    records = [
        DocumentRecord(
            doc_type=d.slate.genre.id, doc_idea=d.idea, fact_ids=tuple(f.id for f in d.slate.facts),
            valence=valence, text=f"{tag}{text}" if tag else text, tag=tag, seed=seed,
        )
        for d, text in kept
    ]  # fmt: skip
    lengths = [word_count(text) for _, text in kept]
    per_fact = Counter(f for r in records for f in r.fact_ids)
    report.per_group = dict(sorted(report.per_group.items()))
    report.stats = {
        "similarity_threshold": similarity_threshold,
        "per_fact": dict(sorted(per_fact.items())),
        "near_duplicate_rate": report.rejected.get("near_duplicate", 0)
        / max(generator.reached_index, 1),
        "mean_words": round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        "min_words": min(lengths, default=0),
        "max_words": max(lengths, default=0),
        "idea_requests": generator.idea_requests,
        "first_draft_rejected": dict(sorted(generator.first_rejected.items())),
        "repairs_asked": generator.repairs["asked"],
        "repairs_passed": generator.repairs["passed"],
        "revised_accepted": sum(w.revised for w in written),
        **_usage(engine, before),
        "acceptance_rate": round(report.accepted / report.candidates, 4)
        if report.candidates
        else None,
    }
    return records, report
