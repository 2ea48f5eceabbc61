"""What every kind of suggestion shares: the suggestion itself, a person's gap, and the
words for a gap that only comes into force later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _


@dataclass
class Suggestion:
    type: str
    id: int
    title: str
    competences: list[str]
    reason: str
    score: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "title": self.title,
            "competences": self.competences,
            "reason": self.reason,
            "score": round(self.score, 4),
            **self.extra,
        }


@dataclass
class Gap:
    competence: str
    name: str
    focus_area: str | None
    required: int
    level: int
    gap: int
    weight: float
    upcoming: bool = False
    required_from: dt.date | None = None


def names(gaps: list[Gap]) -> str:
    """The gaps' competence names, comma-separated."""
    return ", ".join(g.name for g in gaps)


def entry_level(level: int) -> int:
    """The level a training may start from for a person at ``level``: level 0 (never
    assessed, or none) can take a course that starts at 1."""
    return max(int(level), 1)


def future(gap: Gap) -> str:
    """ "which you will need at level 3 from 1 March 2027", for a gap not yet in force."""
    if gap.required_from is None:
        return _("which you will need at level %(required)d within a year", required=gap.required)
    return _(
        "which you will need at level %(required)d from %(date)s",
        required=gap.required,
        date=format_date(gap.required_from, "long"),
    )
