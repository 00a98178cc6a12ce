"""Figures without pyplot, written atomically.

Figures are built on ``matplotlib.figure.Figure`` with an Agg canvas instead of through
``pyplot``: no global figure registry to leak from a long-running driver, no GUI backend
needed on a headless worker, and no ``matplotlib.use()`` that would switch the backend of a
user's notebook behind their back.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, LogLocator, NullFormatter

DPI = 120
SEED_COLOR = "tab:blue"
GROWN_COLOR = "tab:orange"
HULL_COLOR = "black"
BAND_COLOR = "tab:green"
TEST_COLOR = "tab:red"


def new_figure(width: float = 9.0, height: float = 6.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself; gives text extents for label placement
    return fig


def save_atomic(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG to ``path`` via a temp file in the same folder and ``os.replace``,
    so a reader (a browser refreshing the plot mid-run) never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a plot is for anyone who can see the run
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def placeholder(fig: Figure, message: str) -> None:
    """An empty plot that says why it is empty (no data yet), instead of raising."""
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=12)
    ax.set_axis_off()


def log_axis(ax: Axes, which: str, values: np.ndarray) -> None:
    """Log scale on ``ax``'s ``which`` ("x" or "y") axis with ticks people read (``20M``,
    ``1G``) instead of ``2x10^7``: 1-2-5 ticks when the data span at most three decades, so
    a narrow range still gets labels."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    decades = np.log10(values.max() / values.min()) if len(values) else 0.0
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades <= 3 else (1.0,)))
    axis.set_major_formatter(EngFormatter(sep=""))
    axis.set_minor_formatter(NullFormatter())
