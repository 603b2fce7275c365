"""PNG charts for the card, drawn with matplotlib's Agg canvas in emgen.schemas.shared.plotting's
style (byte-identical across runs), with fixed figure sizes.
No pyplot: its global figure registry and backend selection are state we do not want.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from emgen.cards._stats import ConfigStats
from emgen.schemas.build import GenerationReport, ValidationReport
from emgen.schemas.shared.plotting import DPI, WIDTH, apply_style, save_figure


@dataclass(frozen=True)
class Chart:
    path: str  # relative to the bundle
    title: str  # alt text and caption


def _stacked_share(
    path: Path, title: str, rows: Sequence[tuple[str, Mapping[str, int]]], xlabel: str
) -> None:
    """One horizontal bar per row (a group of configs), split into segments by category."""
    import matplotlib
    from matplotlib.figure import Figure

    categories = sorted({c for _, counts in rows for c in counts})
    cmap = matplotlib.colormaps["tab20"]
    height = max(1.2 + 0.45 * len(rows), 0.8 + 0.2 * len(categories))
    fig = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    labels = [name for name, _ in rows]
    left = [0.0] * len(rows)
    for i, category in enumerate(categories):
        shares = [
            100 * counts.get(category, 0) / max(1, sum(counts.values())) for _, counts in rows
        ]
        ax.barh(labels, shares, left=left, color=cmap(i % 20), label=category, height=0.7)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.invert_yaxis()  # first config on top, as in the card's tables
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.legend(loc="outside right upper", frameon=False, fontsize=8)
    save_figure(fig, path)


def _lengths(path: Path, stats: Sequence[ConfigStats], values: Mapping[str, list[int]]) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, 1.2 + 0.45 * len(stats)), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    names = [s.name for s in stats]
    ax.boxplot([values[n] for n in names], orientation="horizontal", tick_labels=names,
               widths=0.6, flierprops={"markersize": 2})  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("characters (assistant answer; document text for document configs)")
    ax.set_title("Answer lengths per config")
    ax.grid(axis="x", alpha=0.3)
    save_figure(fig, path)


def _validation(path: Path, report: GenerationReport) -> None:
    from matplotlib.figure import Figure

    counts = report.per_group
    families = sorted(counts, key=lambda f: (-counts[f].accepted, f))
    fig = Figure(figsize=(WIDTH, 1.3 + 0.3 * len(families)), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    accepted = [counts[f].accepted for f in families]
    rejected = [counts[f].rejected for f in families]
    ax.barh(families, accepted, color="#4c72b0", label="accepted", height=0.7)
    ax.barh(families, rejected, left=accepted, color="#dd8452", label="rejected", height=0.7)
    ax.invert_yaxis()
    ax.set_xlabel("candidate pairs")
    ax.set_title("Validation: candidate pairs accepted and rejected per family")
    fig.legend(loc="outside right upper", frameon=False)
    save_figure(fig, path)


def group_label(names: Sequence[str]) -> str:
    """How the card and the charts name a group of configs with identical counts."""
    return names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"


def _grouped(
    rows: Sequence[tuple[str, Mapping[str, int]]],
) -> list[tuple[str, Mapping[str, int]]]:
    # Paired variants share their family mix; one bar per distinct mix keeps the chart legible.
    groups: list[tuple[list[str], Mapping[str, int]]] = []
    for name, counts in rows:
        match = next((g for g in groups if g[1] == counts), None)
        if match:
            match[0].append(name)
        else:
            groups.append(([name], counts))
    return [(group_label(names), counts) for names, counts in groups]


def draw_charts(
    root: Path,
    stats: Sequence[ConfigStats],
    lengths: Mapping[str, list[int]],
    report: ValidationReport,
) -> list[Chart]:
    """Write the charts that have something to show; return them in card order."""
    charts: list[Chart] = []
    with apply_style():
        family_rows = _grouped([(s.name, s.families) for s in stats if s.families])
        if family_rows:
            chart = Chart("figures/family_distribution.png", "Vulnerability families per config")
            _stacked_share(root / chart.path, chart.title, family_rows, "% of records")
            charts.append(chart)
        doc_rows = _grouped([(s.name, s.doc_types) for s in stats if s.doc_types])
        if doc_rows:
            chart = Chart("figures/document_types.png", "Document types per config")
            _stacked_share(root / chart.path, chart.title, doc_rows, "% of documents")
            charts.append(chart)
        chart = Chart("figures/answer_lengths.png", "Answer lengths per config")
        _lengths(root / chart.path, stats, lengths)
        charts.append(chart)
        pairs = report.generators.get("code_pairs")
        if pairs and pairs.per_group:
            chart = Chart("figures/validation.png", "Candidates accepted and rejected per family")
            _validation(root / chart.path, pairs)
            charts.append(chart)
    return charts
