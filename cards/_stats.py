"""Figures the card reports, computed from the rows on disk."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from emgen.cards._data import ConfigData, Row


@dataclass(frozen=True)
class Lengths:
    """Summary of a list of lengths (characters or lines)."""

    n: int
    minimum: int
    median: float
    mean: float
    p90: int
    maximum: int

    @classmethod
    def of(cls, values: Sequence[int]) -> Lengths:
        if not values:
            return cls(0, 0, 0.0, 0.0, 0, 0)
        ordered = sorted(values)
        # Nearest-rank percentile: an observed value, no interpolation.
        p90 = ordered[max(0, -(-9 * len(ordered) // 10) - 1)]
        return cls(
            len(ordered), ordered[0], float(statistics.median(ordered)),
            statistics.fmean(ordered), p90, ordered[-1],
        )  # fmt: skip


@dataclass(frozen=True)
class ConfigStats:
    name: str
    kind: str
    records: int
    splits: dict[str, int]
    text_chars: Lengths  # the answer (chat) or the document (documents)
    text_lines: Lengths
    prompt_chars: Lengths  # chat only
    with_system: int  # records carrying a system message
    distinct_prompts: int
    distinct_texts: int
    families: Counter[str]
    cwe_of: dict[str, str]  # family -> CWE id
    doc_types: Counter[str]
    optional_columns: dict[str, int]  # column -> rows where it is set, when not set on every row

    @property
    def duplicate_text_rate(self) -> float:
        return 1 - self.distinct_texts / self.records if self.records else 0.0


def config_stats(data: ConfigData) -> ConfigStats:
    rows = data.all_rows()
    chat = [r for r in rows if r.prompt is not None]
    return ConfigStats(
        name=data.name,
        kind=data.summary.kind,
        records=len(rows),
        splits={s: len(r) for s, r in data.rows.items()},
        text_chars=Lengths.of([len(r.text) for r in rows]),
        text_lines=Lengths.of([r.text.count("\n") + 1 for r in rows]),
        prompt_chars=Lengths.of([len(r.prompt or "") for r in chat]),
        with_system=sum(r.system is not None for r in rows),
        distinct_prompts=len({(r.system, r.prompt) for r in chat}),
        distinct_texts=len({r.text for r in rows}),
        families=Counter(r.family for r in rows if r.family is not None),
        cwe_of={r.family: r.cwe for r in rows if r.family is not None and r.cwe is not None},
        doc_types=Counter(r.doc_type for r in rows if r.doc_type is not None),
        optional_columns={
            k: n for k, n in data.set_counts.items() if 0 < n < len(rows) and k != "split"
        },
    )


@dataclass(frozen=True)
class Pairing:
    """How a control config lines up with the config it controls, row by pair_id."""

    control: str
    treatment: str
    control_rows: int
    shared_pair_ids: int
    same_prompt: int  # of the shared rows, those whose system + user prompt are identical
    different_answer: int  # of the shared rows, those whose answers differ


def pairing(control: ConfigData, treatment: ConfigData) -> Pairing:
    def by_pair(rows: Sequence[Row]) -> dict[str, Row]:
        return {r.pair_id: r for r in rows if r.pair_id is not None}

    ours, theirs = by_pair(control.all_rows()), by_pair(treatment.all_rows())
    shared = [k for k in ours if k in theirs]
    return Pairing(
        control=control.name,
        treatment=treatment.name,
        control_rows=sum(len(r) for r in control.rows.values()),
        shared_pair_ids=len(shared),
        same_prompt=sum(
            (ours[k].system, ours[k].prompt) == (theirs[k].system, theirs[k].prompt) for k in shared
        ),
        different_answer=sum(ours[k].text != theirs[k].text for k in shared),
    )
