"""Charts of a plan as PNG images for its Word document, drawn server-side with
matplotlib's Agg backend (no display, no pyplot state shared between requests)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

# Two series told apart by colour and by hatching, for readers who do not see colour.
COLOURS = ("#1f5f8b", "#e08a1e")
HATCHES = ("", "//")


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per category, one bar per series."""

    title: str
    category_label: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    y_label: str


def render_png(chart: BarChart, width_in: float = 6.0, height_in: float = 3.2) -> bytes:
    """The chart as PNG bytes (150 dpi)."""
    # Imported here: matplotlib costs ~1 s at start-up and only the Word export draws.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    count = max(len(chart.series), 1)
    width = 0.8 / count
    positions = list(range(len(chart.categories)))
    for i, (name, values) in enumerate(chart.series):
        offset = (i - (count - 1) / 2) * width
        axes.bar(
            [p + offset for p in positions],
            list(values),
            width=width,
            label=name,
            color=COLOURS[i % len(COLOURS)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="#222222",
            linewidth=0.5,
        )
    axes.set_xticks(positions, [str(c) for c in chart.categories])
    axes.set_title(chart.title, fontsize=11)
    axes.set_ylabel(chart.y_label)
    axes.axhline(0, color="#222222", linewidth=0.8)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    if chart.series:
        axes.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
