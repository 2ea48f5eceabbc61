"""The four input frames of ``analysis`` for one group of people, with what is worked
out from them kept beside them (a page shows the same gap as a table, a heatmap, by
focus area and in its proposals; the gap page's frames are kept per process too, see
``gaps.kept``). Callers read the frames and what they give and must not change them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from kollega.gaps import analysis
from kollega.gaps.pairs import History

T = TypeVar("T")


@dataclass
class Frames:
    """The four input frames of ``analysis`` for one group of people."""

    people: pd.DataFrame
    ancestors: pd.DataFrame
    requirements: pd.DataFrame
    assessments: pd.DataFrame
    gap_frames: dict[tuple[dt.date, dt.date], pd.DataFrame] = field(
        default_factory=dict, repr=False, compare=False
    )
    closures: dict[tuple[dt.date, dt.date], dict[str, Any]] = field(
        default_factory=dict, repr=False, compare=False
    )
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def history(self) -> History:
        """The frames' requirements and assessment history by pair key, built once:
        every date's gap and closure below is a cut of it (``gaps.pairs``)."""
        return self.once(
            "history",
            lambda: analysis.history(
                self.people, self.ancestors, self.requirements, self.assessments
            ),
        )

    def gap_at(self, requirements_at: dt.date, levels_at: dt.date) -> pd.DataFrame:
        """``analysis.gap_at`` of these frames, worked out once per pair of dates.
        Callers read the frame and must not change it."""
        key = (requirements_at, levels_at)
        if key not in self.gap_frames:
            self.gap_frames[key] = self.history.gap_frame(requirements_at, levels_at)
        return self.gap_frames[key]

    def closure(self, start: dt.date, end: dt.date) -> dict[str, Any]:
        """``analysis.closure`` of these frames from ``start`` to ``end``, worked out once
        (a copy: its values are plain numbers)."""
        key = (start, end)
        if key not in self.closures:
            self.closures[key] = self.history.closure_and_start(start, end)[0]
        return dict(self.closures[key])

    def once(self, name: str, make: Callable[[], T]) -> T:
        """What ``make`` works out from these frames alone, worked out once (callers
        read it and must not change it)."""
        if name not in self.derived:
            self.derived[name] = make()
        return self.derived[name]  # type: ignore[no-any-return]
