"""What the gap figures mean, in plain words (DESIGN.md, Definitions): the notes of the
exports that show them. The pages say the same in ``templates/gaps/_definitions.html``
(the same messages, so one translation serves both)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

TERMS = ("gap_points", "coverage", "closure", "new_gap")

DEFINITIONS = {
    "gap_points": (
        _l("Gap points"),
        _l(
            "A person's gap in a competence is how many levels they are below the level required of them (0 when they meet it). Gap points are the sum of everyone's gaps: two people one level short and one person two levels short both make 2 gap points."
        ),
    ),
    "coverage": (
        _l("Coverage"),
        _l(
            "The share of requirements that are met: of every person and competence with a requirement, the share where the person is at or above the required level. It counts requirements, not people, so most people can have some gap while many of their requirements are met."
        ),
    ),
    "closure": (
        _l("Closure"),
        _l(
            "How much of the gap at the start of the period was closed by its end: gap points at the start minus gap points at the end, divided by gap points at the start. Both use the requirements in force at the start and the people in the unit now; empty when there was no gap at the start."
        ),
    ),
    "new_gap": (
        _l("New gap"),
        _l(
            "Gap points from requirements added or raised after the start of the period. They are shown apart and never mixed into closure, so a new requirement does not read as lost progress."
        ),
    ),
}


def definition_notes(terms: Iterable[str] = TERMS) -> list[str]:
    """``Term: definition`` for each of ``terms``, in the user's language."""
    return [f"{DEFINITIONS[t][0]}: {DEFINITIONS[t][1]}" for t in terms]
