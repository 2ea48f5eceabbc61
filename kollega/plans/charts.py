"""Charts of a plan as PNG images for its Word document, drawn server-side with
matplotlib's Agg backend (no display, no pyplot state shared between requests).

Each chart carries its title, the unit of its figures and its period; figures are
written in the reader's locale (``format_value``). Long category names (scenarios) turn
the chart into horizontal bars with wrapped labels, so no label overlaps another."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Two series told apart by colour and by hatching, for readers who do not see colour.
COLOURS = ("#1f5f8b", "#e08a1e")
HATCHES = ("", "//")
# Category labels longer than this (characters) are drawn as horizontal bars.
SHORT_LABEL = 8
WRAP = 22


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per category, one bar per series. ``title`` names what
    is shown, ``subtitle`` the unit and period (``FTE, 2026–2029``)."""

    title: str
    category_label: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    y_label: str
    subtitle: str = ""
    format_value: Callable[[float], str] = str
    # The value axis's ticks (80, not 80,00); the bars' own labels use ``format_value``.
    format_axis: Callable[[float], str] | None = None


def horizontal(chart: BarChart) -> bool:
    """Whether the categories' labels are too long to stand side by side."""
    return any(len(str(c)) > SHORT_LABEL for c in chart.categories)


def render_png(chart: BarChart, width_in: float = 6.3) -> bytes:
    """The chart as PNG bytes (150 dpi)."""
    # Imported here: matplotlib costs ~1 s at start-up and only the Word export draws.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    flat = horizontal(chart)
    labels = ["\n".join(textwrap.wrap(str(c), WRAP)) or " " for c in chart.categories]
    count = max(len(chart.series), 1)
    height_in = (
        max(2.6, 1.3 + 0.32 * count * len(labels) + 0.15 * sum(lb.count("\n") for lb in labels))
        if flat
        else 3.4
    )
    figure = Figure(figsize=(width_in, height_in), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / count
    positions = list(range(len(labels)))
    draw = axes.barh if flat else axes.bar
    for i, (name, values) in enumerate(chart.series):
        offset = (i - (count - 1) / 2) * width
        # Inverted below for horizontal bars: the first series reads above the second.
        bars = draw(
            [p + offset for p in positions],
            list(values),
            width,
            label=name,
            color=COLOURS[i % len(COLOURS)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="#222222",
            linewidth=0.5,
        )
        axes.bar_label(bars, labels=[chart.format_value(v) for v in values], fontsize=7, padding=2)
    value_axis = axes.xaxis if flat else axes.yaxis
    tick = chart.format_axis or chart.format_value
    value_axis.set_major_formatter(FuncFormatter(lambda v, _pos: tick(v)))
    if flat:
        axes.set_yticks(positions, labels, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlabel(chart.y_label)
        axes.axvline(0, color="#222222", linewidth=0.8)
        axes.grid(axis="x", alpha=0.3)
        axes.margins(x=0.12)
    else:
        axes.set_xticks(positions, labels, fontsize=8)
        axes.set_xlabel(chart.category_label)
        axes.set_ylabel(chart.y_label)
        axes.axhline(0, color="#222222", linewidth=0.8)
        axes.grid(axis="y", alpha=0.3)
        axes.margins(y=0.12)
    axes.set_axisbelow(True)
    figure.suptitle(chart.title, fontsize=11, fontweight="bold")
    if chart.subtitle:
        axes.set_title(chart.subtitle, fontsize=8, color="#444444")
    legend_room = 0.0
    if chart.series:
        # Below the plot, never over the bars.
        figure.legend(frameon=False, fontsize=8, loc="lower center", ncol=len(chart.series))
        legend_room = 0.32 / height_in
    figure.tight_layout(rect=(0, legend_room, 1, 1))
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
