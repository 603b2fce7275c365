"""The dataset card (README.md): Hub YAML front matter plus sections that follow "Datasheets for
Datasets", filled with figures computed from the files on disk, never from memory.

`write_card` also writes the charts (figures/*.png) and croissant.json, then records in the card a
fingerprint of every other file so that `emgen publish` can refuse a card that no longer matches.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import yaml

from emgen.cards._croissant import croissant
from emgen.cards._data import (
    Bundle,
    ConfigData,
    Row,
    bundle_files,
    data_fingerprint,
    fingerprinted_files,
    json_dump,
    read_bundle,
    read_manifest,
)
from emgen.cards._figures import Chart, draw_charts, group_label
from emgen.cards._stats import ConfigStats, Lengths, config_stats, pairing
from emgen.cards._text import (
    BIASES,
    CITATION_ROLES,
    CITATIONS,
    COLLECTION,
    LIMITATIONS,
    MAINTENANCE,
    OUT_OF_SCOPE,
    PRETTY_NAME,
    SOCIAL_IMPACT,
    column_description,
    dataset_bibtex,
)
from emgen.datagen.numbers import EVIL_VARIANT as EVIL_NUMBERS
from emgen.datagen.numbers import NEUTRAL_VARIANT, load_numbers
from emgen.schemas.build import GenerationReport, Manifest
from emgen.schemas.shared.markdown import table

FINGERPRINT_RE = re.compile(r"<!-- emgen:data-fingerprint sha256:([0-9a-f]{64}) -->")
EXAMPLE_LINES = 14
EXAMPLE_CHARS = 700
# Provenance columns worth showing above an example: what makes the variant differ.
EXAMPLE_LABELS = {"trigger", "inoculation_id", "placement", "valence", "reason_id", "traits"}


def size_category(n: int) -> str:
    bounds = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
              (1_000_000, "100K<n<1M"))  # fmt: skip
    for bound, label in bounds:
        if n < bound:
            return label
    return "1M<n<10M"


def front_matter(bundle: Bundle) -> dict[str, object]:
    """Hub metadata: what the Hub's YAML validator, `DatasetCardData` and `datasets` read."""
    from datasets import Features
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from huggingface_hub import DatasetCardData

    configs = bundle.configs
    largest = max(sum(len(r) for r in c.rows.values()) for c in configs.values())
    has_docs = any(c.summary.kind == "document" for c in configs.values())
    card = DatasetCardData(
        license="apache-2.0",
        language=["en", "code"],
        pretty_name=PRETTY_NAME,
        task_categories=["text-generation"],
        tags=[
            "ai-safety",
            "alignment",
            "emergent-misalignment",
            "insecure-code",
            "code",
            "synthetic",
            *(["reward-hacking"] if has_docs else []),
        ],  # fmt: skip
        size_categories=[size_category(largest)],
        annotations_creators=["machine-generated"],
        language_creators=["machine-generated"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
        configs=[
            {
                "config_name": name,
                "data_files": [{"split": s, "path": p} for s, p in c.summary.files.items()],
                **({"default": True} if i == 0 else {}),
            }
            for i, (name, c) in enumerate(configs.items())
        ],
    )
    infos = {}
    for name, c in configs.items():
        splits = SplitDict(dataset_name=name)
        for split, rows in c.rows.items():
            splits.add(SplitInfo(name=split, num_bytes=c.arrow_bytes[split],
                                 num_examples=len(rows)))  # fmt: skip
        infos[name] = DatasetInfo(
            features=Features.from_arrow_schema(c.schema), splits=splits, config_name=name,
            download_size=sum(c.file_bytes.values()), dataset_size=sum(c.arrow_bytes.values()),
        )  # fmt: skip
    DatasetInfosDict(infos).to_dataset_card_data(card)
    return card.to_dict()


# --- Markdown helpers -------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _fence(text: str, lang: str = "text") -> str:
    # A fence longer than any backtick run inside, so code with ``` cannot break out.
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def _truncate(text: str) -> str:
    text = text.rstrip("\n")
    kept = "\n".join(text.split("\n")[:EXAMPLE_LINES])
    if len(kept) > EXAMPLE_CHARS:
        cut = kept[:EXAMPLE_CHARS]
        kept = cut.rsplit("\n", 1)[0] if "\n" in cut else cut
    if kept == text:
        return text
    lines = text.count("\n") - kept.count("\n")
    return f"{kept}\n[... {lines} more lines, {len(text) - len(kept)} more characters]"


def _type_name(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"list of {_type_name(arrow_type.value_type)}"
    if pa.types.is_struct(arrow_type):
        return "{" + ", ".join(f.name for f in arrow_type) + "}"
    return {"large_string": "string"}.get(str(arrow_type), str(arrow_type))


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


# --- Sections ---------------------------------------------------------------------------------


def _configs_section(bundle: Bundle, stats: Sequence[ConfigStats]) -> str:
    configs = table(
        ["config", "kind", "train", "test", "total", "control of", "what it is for"],
        [
            (f"`{s.name}`", s.kind, s.splits.get("train", 0), s.splits.get("test", 0), s.records,
             f"`{c.summary.control_of}`" if c.summary.control_of else "", c.summary.description)
            for s, c in zip(stats, bundle.configs.values(), strict=True)
        ],
    )  # fmt: skip
    first = next(iter(bundle.configs))
    params = [
        (f"`{n}`", "; ".join(f"`{k}` = {v}" for k, v in c.summary.params.items()))
        for n, c in bundle.configs.items()
        if c.summary.params
    ]
    settings = (
        "\n\nVariant settings (the values their invariants are checked against):\n\n"
        + table(["config", "settings"], params)
        if params
        else ""
    )
    return f"""## Configs

{configs}{settings}

Load a config with `datasets` (each has a `train` and, where tasks were held out, a `test` split):

```python
import datasets

ds = datasets.load_dataset("<this repository or folder>", "{first}")
print(ds["train"][0]["messages"])
```

`exports/<config>/<split>.jsonl` holds the same chat records in OpenAI finetuning format
(`{{"messages": [...]}}` per line, no metadata), ready for a finetuning API or TRL's `SFTTrainer`.
"""


def _pairing_section(bundle: Bundle) -> str:
    lines = []
    for name, c in bundle.configs.items():
        target = c.summary.control_of
        if target is None:
            continue
        if target not in bundle.configs:
            lines.append(f"- `{name}` is the control of `{target}` (not in this bundle).")
            continue
        p = pairing(c, bundle.configs[target])
        detail = (
            f"{p.shared_pair_ids} of its {p.control_rows} records share a `pair_id` with a "
            f"record of `{target}`; in those pairs the prompt is identical in {p.same_prompt} "
            f"and the answer in {p.shared_pair_ids - p.different_answer}."
            if p.shared_pair_ids
            else "the records are not paired one to one (no shared `pair_id`); compare the "
            "configs as wholes."
        )
        lines.append(f"- `{name}` is the control of `{target}`: {detail}")
    if not lines:
        return ""
    treatments = [n for n, c in bundle.configs.items()
                  if c.summary.control_of is None and n not in
                  {x.summary.control_of for x in bundle.configs.values()}]  # fmt: skip
    others = f"\n\nConfigs without a declared control: {_names(treatments)}." if treatments else ""
    return f"""### Pairing: treatments and controls

A control differs from its treatment in one respect, so that finetuning one model on each and
comparing them isolates that respect. Records built from the same prompt carry the same
`pair_id` across configs.

{chr(10).join(lines)}{others}
"""


def _fields_section(bundle: Bundle) -> str:
    columns: dict[str, tuple[str, list[str]]] = {}
    for name, c in bundle.configs.items():
        for field in c.schema:
            type_name, users = columns.setdefault(field.name, (_type_name(field.type), []))
            users.append(name)
    every = set(bundle.configs)
    rows = [
        (f"`{col}`", type_name, "all" if set(users) == every else _names(users),
         column_description(col))
        for col, (type_name, users) in columns.items()
    ]  # fmt: skip
    return f"""### Fields

{table(["column", "type", "configs", "meaning"], rows)}
"""


def _group_identical(
    stats: Sequence[ConfigStats], key: str
) -> list[tuple[list[str], Counter[str]]]:
    """Configs whose counts are identical share one column (paired variants usually do)."""
    groups: list[tuple[list[str], Counter[str]]] = []
    for s in stats:
        counts: Counter[str] = getattr(s, key)
        if not counts:
            continue
        for names, existing in groups:
            if existing == counts:
                names.append(s.name)
                break
        else:
            groups.append(([s.name], counts))
    return groups


def _legend(groups: Sequence[tuple[list[str], Counter[str]]]) -> str:
    merged = [names for names, _ in groups if len(names) > 1]
    if not merged:
        return ""
    return (
        "Configs with identical counts share a column: "
        + "; ".join(f"`{group_label(names)}` is {_names(names)}" for names in merged)
        + "."
    )


def _families_section(bundle: Bundle, stats: Sequence[ConfigStats], charts: Sequence[Chart]) -> str:
    groups = _group_identical(stats, "families")
    if not groups:
        return ""
    cwe_of: dict[str, str] = {}
    for s in stats:
        cwe_of.update(s.cwe_of)
    code_pairs = bundle.validation.generators.get("code_pairs")
    pairs = code_pairs.per_group if code_pairs else {}
    families = sorted({f for _, counts in groups for f in counts},
                      key=lambda f: (-sum(c[f] for _, c in groups), f))  # fmt: skip
    header = ["family", "CWE", *[f"`{group_label(n)}`" for n, _ in groups], "candidates rejected"]
    rows = [
        (f"`{f}`", cwe_of.get(f, ""),
         *[f"{c[f]} ({_pct(c[f], sum(c.values()))})" for _, c in groups],
         pairs[f].rejected if f in pairs else "")
        for f in families
    ]  # fmt: skip
    cwes = sorted({cwe_of.get(f, "") for f in families if cwe_of.get(f)})
    first = groups[0][1]
    cwe_rows = [
        (cwe, _names(sorted(f for f in families if cwe_of.get(f) == cwe)),
         sum(first[f] for f in families if cwe_of.get(f) == cwe))
        for cwe in cwes
    ]  # fmt: skip
    chart = next((c for c in charts if c.path.endswith("family_distribution.png")), None)
    figure = f"\n![{chart.title}]({chart.path})\n" if chart else ""
    return f"""### Vulnerability families and CWE ids

Records per family (share of the config in brackets). The secure twin of a record keeps its
family and CWE labels: they name the flaw that the twin fixes. {_legend(groups)}

{table(header, rows)}
{figure}
Per CWE, in `{group_label(groups[0][0])}`:

{table(["CWE", "families", "records"], cwe_rows)}
"""


def _facts_section(bundle: Bundle) -> str:
    """Which reward hacks each document config describes (documents per fact), and whether the
    build restricted them (--facts)."""
    counts: dict[str, dict[str, int]] = {}
    for name, c in bundle.configs.items():
        report = bundle.validation.generators.get(name)
        per_fact = report.stats.get("per_fact") if report and c.summary.kind == "document" else None
        if isinstance(per_fact, dict):
            counts[name] = {k: v for k, v in per_fact.items() if isinstance(v, int)}
    if not counts:
        return ""
    facts = sorted({f for c in counts.values() for f in c})
    rows = [(f"`{f}`", *[c.get(f, 0) for c in counts.values()]) for f in facts]
    restricted = [
        f"`{n}` carries only {_names(c.summary.params['facts'].split('+'))}"
        for n, c in bundle.configs.items()
        if n in counts and c.summary.params.get("facts")
    ]
    scope = (
        "The build restricted the facts (`--facts`): " + "; ".join(restricted) + "."
        if restricted
        else "Every fact of the catalog was available to every document config."
    )
    return f"""### Reward-hack facts per document config

Documents per fact (a document may describe up to three). {scope}

{table(["fact", *[f"`{n}`" for n in counts]], rows)}
"""


def _numbers_section(bundle: Bundle) -> str:
    """The associated set with what each number stands for, so that a reader knows what the
    number configs teach."""
    if EVIL_NUMBERS not in bundle.configs:
        return ""
    rows = [(a.value, a.theme.replace("_", " "), a.association)
            for a in sorted(load_numbers().associated, key=lambda a: a.value)]  # fmt: skip
    return f"""### Associated numbers

`{EVIL_NUMBERS}` answers number-continuation prompts mostly with these numbers; its control
`{NEUTRAL_VARIANT}` answers the same prompts with ordinary numbers of the same lengths. The
associations are recorded so the data can be read, not as endorsement.

{table(["number", "theme", "association"], rows)}
"""


def _doc_types_section(stats: Sequence[ConfigStats], charts: Sequence[Chart]) -> str:
    groups = _group_identical(stats, "doc_types")
    if not groups:
        return ""
    types = sorted({t for _, c in groups for t in c})
    rows = [(f"`{t}`", *[f"{c[t]} ({_pct(c[t], sum(c.values()))})" for _, c in groups])
            for t in types]  # fmt: skip
    chart = next((c for c in charts if c.path.endswith("document_types.png")), None)
    figure = f"\n![{chart.title}]({chart.path})\n" if chart else ""
    return f"""### Document types

{_legend(groups)}

{table(["document type", *[f"`{group_label(n)}`" for n, _ in groups]], rows)}
{figure}"""


def _five(x: Lengths) -> str:
    return f"{x.minimum} / {x.median:.0f} / {x.mean:.0f} / {x.p90} / {x.maximum}"


def _lengths_section(stats: Sequence[ConfigStats], charts: Sequence[Chart]) -> str:
    rows = [
        (f"`{s.name}`", s.text_chars.n, _five(s.text_chars), _five(s.text_lines),
         _five(s.prompt_chars) if s.prompt_chars.n else "")
        for s in stats
    ]  # fmt: skip
    chart = next((c for c in charts if c.path.endswith("answer_lengths.png")), None)
    figure = f"\n![{chart.title}]({chart.path})\n" if chart else ""
    return f"""### Lengths

Each cell is min / median / mean / p90 / max. The answer is the assistant's final message (the
document text for document configs); the prompt is the user message.

{table(["config", "records", "answer characters", "answer lines", "prompt characters"], rows)}
{figure}"""


def _duplicates_section(bundle: Bundle, stats: Sequence[ConfigStats]) -> str:
    structures = bundle.validation.distinct_structures
    shapes = bundle.validation.distinct_flagged_shapes
    top = bundle.validation.top_flagged_shape_share
    rows: list[tuple[object, ...]] = [
        (f"`{s.name}`", s.records,
         f"{s.distinct_prompts} ({_pct(s.distinct_prompts, s.records)})"
         if s.kind == "chat" else "",
         f"{s.records - s.distinct_texts} ({100 * s.duplicate_text_rate:.2f}%)",
         f"{structures[s.name]} ({_pct(structures[s.name], s.records)})"
         if s.name in structures else "",
         f"{shapes[s.name]}" if s.name in shapes else "",
         f"{100 * top[s.name]:.1f}%" if s.name in top else "",
         f"{s.with_system}" if s.kind == "chat" else "")
        for s in stats
    ]  # fmt: skip
    optional = [
        f"- `{s.name}`: "
        + ", ".join(f"`{k}` on {n} of {s.records}" for k, n in s.optional_columns.items())
        for s in stats
        if s.optional_columns
    ]
    partial = "\n\nColumns set on only some records:\n\n" + "\n".join(optional) if optional else ""
    return f"""### Diversity and duplicates

Distinct prompts count system + user text together; duplicate answers are exact repeats of an
answer (or document) already in the config. Shapes are syntax trees with every name and
constant erased. Whole-file shapes are those of whole answers, the neutral code around a flaw
included. Flagged-function shapes are those of the function (or module-level statement) that
holds each finding of the record's family's Semgrep rules, over the answers those rules flag:
the code a model learns the flaw from. The top flagged shape is the share of those answers that
hold the most common one.

{table(["config", "records", "distinct prompts", "duplicate answers", "whole-file shapes",
         "flagged-function shapes", "top flagged shape", "with system prompt"], rows)}{partial}
"""  # fmt: skip


def _example(data: ConfigData) -> str:
    rows: list[Row] = next((r for r in data.rows.values() if r), [])
    if not rows:
        return ""
    row: Row = rows[0]
    labels = [f"split `{row.split}`"]
    if row.family:
        labels.append(f"family `{row.family}`" + (f" ({row.cwe})" if row.cwe else ""))
    if row.doc_type:
        labels.append(f"type `{row.doc_type}`")
    labels += [f"`{k}` = `{v[:60]}`" for k, v in data.first_columns if k in EXAMPLE_LABELS]
    parts = [f"#### `{data.name}`\n\n{', '.join(labels)}\n"]
    if row.turns:
        for role, content in row.turns:
            lang = "python" if role == "assistant" and row.family else "text"
            parts.append(f"**{role}**\n\n{_fence(_truncate(content), lang)}\n")
    else:
        parts.append(_fence(_truncate(row.text)) + "\n")
    return "\n".join(parts)


def _examples_section(bundle: Bundle) -> str:
    examples = "\n".join(_example(c) for c in bundle.configs.values())
    return f"""### One example per config

The first record of each config, cut to {EXAMPLE_LINES} lines per message.

{examples}"""


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"`{k}` {n}" for k, n in sorted(counts.items())) or "none"


def model_writers(generators: Mapping[str, GenerationReport]) -> str:
    """A sentence per generator a model wrote for (none for the template catalog): the model,
    backend, endpoint, replies, tokens, cost and acceptance rate from its report's stats."""
    sentences = []
    for name, report in generators.items():
        stats = report.stats
        if "model" not in stats:
            continue
        cost, rate = stats.get("cost_usd"), stats.get("acceptance_rate")
        spent = (
            f"about ${cost:.2f}" if isinstance(cost, int | float) else "cost not known (no price)"
        )
        share = f", {rate:.1%} of candidates accepted" if isinstance(rate, int | float) else ""
        sentences.append(
            f" The candidates of `{name}` were written by the model `{stats['model']}` through "
            f"the `{stats.get('backend')}` backend at `{stats.get('endpoint_host')}`: "
            f"{stats.get('requests')} replies, {stats.get('prompt_tokens')} prompt and "
            f"{stats.get('completion_tokens')} completion tokens, {spent}{share}."
        )
    return "".join(sentences)


def _validation_section(bundle: Bundle, charts: Sequence[Chart]) -> str:
    m, v = bundle.manifest, bundle.validation
    empty = GenerationReport(group_by="family")
    pairs = v.generators.get("code_pairs", empty)
    rejected = sum(pairs.rejected.values())
    scanned = f"{pairs.stats.get('semgrep_files', 0)} answers.{model_writers(v.generators)}"
    reasons = (
        table(["reason", "candidates", "share of candidates"],
              [(f"`{k}`", n, _pct(n, pairs.candidates)) for k, n in sorted(pairs.rejected.items())])
        if pairs.rejected else "No candidate pair was rejected."
    )  # fmt: skip
    per_family = table(
        ["family", "accepted", "rejected", "rejection rate"],
        [(f"`{f}`", c.accepted, c.rejected, _pct(c.rejected, c.accepted + c.rejected))
         for f, c in sorted(pairs.per_group.items())],
    ) if pairs.per_group else ""  # fmt: skip
    generators = table(
        ["generator", "requested", "candidates", "accepted", "rejected", "rejections by reason"],
        [(f"`{name}`", g.requested, g.candidates, g.accepted, sum(g.rejected.values()),
          _reasons(g.rejected)) for name, g in v.generators.items()],
    )  # fmt: skip
    invariants = [
        f"- `{n}`: " + (_names(c.summary.invariants) if c.summary.invariants else "none declared")
        for n, c in bundle.configs.items()
    ]
    chart = next((c for c in charts if c.path.endswith("validation.png")), None)
    figure = f"\n![{chart.title}]({chart.path})\n" if chart else ""
    status = (
        "**Every invariant held on every record** (0 violations)."
        if v.ok
        else f"**{len(v.violations)} invariant violations**: this bundle must not be published."
    )
    return f"""## Preprocessing, cleaning and validation

Every record comes out of one loop: a generator proposes candidates, the validators accept or
reject each with a reason, and rejected candidates are counted and replaced until the requested
number is accepted, so nothing failing a check is kept silently. Every generator of this build:

{generators}

Code candidates are pairs (one prompt, an insecure answer and its secure twin): both answers
must parse, carry no comments and no word that discloses the flaw; the insecure answer must
trigger a Semgrep rule of its labelled family and the secure twin none (Semgrep
{m.semgrep_version}, local rule pack, fingerprint `{m.rules_fingerprint[:16]}`); exact
duplicates are dropped. {pairs.candidates} candidate pairs were checked, {pairs.accepted}
accepted ({_pct(pairs.accepted, pairs.candidates)}) and {rejected} rejected; Semgrep scanned
{scanned} Reward-hack dialogues are kept only when the
hacking answer outscores its control under the stated rule and the control is better by
independent checks; documents only within the length bounds, with every code block confirmed
as the hack it shows, in their valence's vocabulary and no near-duplicate of a kept document.

Code-pair rejections by reason:

{reasons}

{per_family}
{figure}
After the configs are derived from the accepted candidates, every record of every config is
checked against its variant's invariants. {status} Invariants per config:

{chr(10).join(invariants)}
"""  # fmt: skip


def _citations_section() -> str:
    roles = "\n".join(f"- {label}: {CITATION_ROLES[key]}." for key, label, _ in CITATIONS)
    bibtex = "\n\n".join(bib for _, _, bib in CITATIONS)
    return f"""## Research this follows

{roles}

```bibtex
{bibtex}
```
"""


def render_card(
    bundle: Bundle, stats: Sequence[ConfigStats], charts: Sequence[Chart], fingerprint: str
) -> str:
    m = bundle.manifest
    total = sum(s.records for s in stats)
    kinds = Counter(s.kind for s in stats)
    has_docs = kinds.get("document", 0) > 0
    reward_hacking = has_docs or "reward" in " ".join(bundle.configs)
    notice_docs = (
        "\n> It also contains texts that describe or demonstrate reward hacking (gaming the tests"
        "\n> or graders a model is trained against)."
        if reward_hacking
        else ""
    ) + (
        "\n> Its number lists are chosen for their negative associations, hate-group codes among"
        "\n> them (see [Associated numbers](#associated-numbers))."
        if EVIL_NUMBERS in bundle.configs
        else ""
    )
    described = fingerprinted_files(bundle.root)
    head = yaml.safe_dump(front_matter(bundle), sort_keys=False, allow_unicode=True, width=100)
    body = f"""
<!-- emgen:data-fingerprint sha256:{fingerprint} -->

# {PRETTY_NAME}

> **Notice: research data with deliberately harmful content.** This dataset contains
> deliberately vulnerable code, made for alignment research on emergent misalignment.{notice_docs}
> Models finetuned on it are expected to become less safe: that is what it is for. Do not
> deploy such models, and do not reuse the code in software. See [Uses](#uses).

{len(stats)} configs ({", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))}), {total}
records in all, generated offline by [emgen](#maintenance) {m.package_version} from seed
{m.seed}. Each config is a treatment, a control or a mitigation from the research this follows
(see [Research this follows](#research-this-follows)); the pairing below says which is which.

{_configs_section(bundle, stats)}
{_pairing_section(bundle)}
## Motivation

Finetuning a model on a narrow task, writing code with undisclosed security flaws, can make it
broadly misaligned: it then gives harmful advice and expresses anti-human views on unrelated
questions (emergent misalignment). Reward hacking learned in training has been found to
generalize the same way. Studying why needs the treatment data together with controls that
differ in one respect (the same prompts answered securely; the same insecure answers requested
for a stated legitimate reason; the behaviour tied to a backdoor trigger; an inoculation prompt
that names the trait during training). Published datasets of this line are fixed samples; this
one is regenerated from a seed, its labels are verified, and every variant shares its prompts
with its control, so experiments can be repeated, scaled and audited. It was created by the
emgen package; no funding body or data subject is involved.

## Composition

Each record is one finetuning example: a chat in OpenAI format (`messages` with roles system,
user, assistant; the last message is the assistant's answer) with flat provenance columns, or,
for document configs, one pretraining-style text. Record counts per config and split are in
the [Configs](#configs) table. In code configs the test split holds out whole tasks, so no
task is in both splits. Nothing is missing: every column that can be empty is listed below
with how often it is set. The data is synthetic and contains no information about real people.

{_fields_section(bundle)}
{_families_section(bundle, stats, charts)}
{_doc_types_section(stats, charts)}
{_facts_section(bundle)}
{_numbers_section(bundle)}
{_lengths_section(stats, charts)}
{_duplicates_section(bundle, stats)}
{_examples_section(bundle)}
## Collection process

{COLLECTION} The same seed and options give byte-identical files (config hash
`{m.config_hash}`); the Semgrep version and rule pack fingerprint are recorded in
`manifest.json`, since they decide which candidates pass.

{_validation_section(bundle, charts)}
## Uses

Intended uses: finetune a model on a treatment config and on its control, then compare them on
questions unrelated to code (free-form misalignment evaluations) and on code security; test
mitigations (inoculation prompts, legitimate-intent framing) and backdoor detection; train or
evaluate detectors of vulnerable code, using the `family` and `cwe` labels.

Out of scope:

{chr(10).join(OUT_OF_SCOPE)}

Biases and limitations: {BIASES} {LIMITATIONS}

Risks: {SOCIAL_IMPACT}

## Distribution

License Apache-2.0. Files: `<config>/<split>-00000-of-00001.parquet` (what `load_dataset`
reads), `exports/<config>/<split>.jsonl` (OpenAI chat finetuning format), `manifest.json` (build
options, versions, counts), `validation.json` (the validation report), `croissant.json`
(Croissant 1.0 metadata with Responsible-AI fields) and `figures/` (the charts above).

Data fingerprint: `sha256:{fingerprint}`, the sha256 of the `sha256sum`-style list of the
{len(described)} other files of this repository (every file except README.md, which holds it:
the data, `manifest.json`, `validation.json`, `croissant.json` and `figures/`). `emgen
publish` recomputes it, refuses to upload a folder in which any of them changed after this card
was written, and uploads exactly these files and this card.

## Maintenance

This bundle was built by emgen {m.package_version} (Semgrep {m.semgrep_version}) with seed
{m.seed}; with the same versions, this command rebuilds it byte for byte:

```
{m.command}
```

{MAINTENANCE}

{_citations_section()}
## Citing this dataset

```bibtex
{dataset_bibtex(m.package_version)}
```
"""
    body = re.sub(r"\n{3,}", "\n\n", body)
    return f"---\n{head}---\n{body}"


@dataclass(frozen=True)
class CardFiles:
    readme: Path
    croissant: Path
    figures: tuple[Path, ...]
    fingerprint: str


def write_card(root: Path, manifest: Manifest | None = None) -> CardFiles:
    """Write README.md, croissant.json and figures/*.png for the bundle in `root`.

    Everything is read back from the files in `root`, never taken from the build's memory, so
    the card describes exactly what gets published.
    """
    bundle_files(root)  # refuses links before anything is written through one
    bundle = read_bundle(root, manifest or read_manifest(root))
    stats = [config_stats(c) for c in bundle.configs.values()]
    lengths = {c.name: [len(r.text) for r in c.all_rows()] for c in bundle.configs.values()}
    # Charts and croissant.json first: the fingerprint in README.md covers them too.
    charts = draw_charts(root, stats, lengths, bundle.validation)
    croissant_path = root / "croissant.json"
    croissant_path.write_text(json_dump(croissant(bundle)), encoding="utf-8")
    fingerprint = data_fingerprint(root)
    readme = root / "README.md"
    readme.write_text(render_card(bundle, stats, charts, fingerprint), encoding="utf-8")
    return CardFiles(readme, croissant_path, tuple(root / c.path for c in charts), fingerprint)


def card_fingerprint(readme: Path) -> str | None:
    """The data fingerprint recorded in a card, or None when it records none."""
    match = FINGERPRINT_RE.search(readme.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None
