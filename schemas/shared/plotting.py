"""The one plotting style of emgen's charts (the card's and the results report's).

Byte-identical across runs: fixed DPI, matplotlib's default style (whatever a user's
matplotlibrc says), the bundled DejaVu font, and no Software/date metadata in the PNG.
matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

DPI = 100
WIDTH = 9.0  # inches


def apply_style() -> AbstractContextManager[None]:
    """A context in which matplotlib draws in emgen's style."""
    import matplotlib

    rc = {**matplotlib.rcParamsDefault}
    rc.update({
        "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10,
        "savefig.dpi": DPI, "figure.dpi": DPI, "svg.hashsalt": "emgen",
        "path.simplify": True,
    })  # fmt: skip
    return matplotlib.rc_context(rc)


def save_figure(fig: object, path: Path) -> None:
    """Write `fig` (a matplotlib Figure) to `path` as a PNG that carries no version or date."""
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    path.parent.mkdir(parents=True, exist_ok=True)
    # metadata Software=None drops the version stamp; PNGs carry no date by default.
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
