"""Gap closure figures kept per process, keyed on everything they are worked out from.

A metrics page's closure reads every assessment of the subtree that can be the latest
at any of its 13 dates (a sort of all of them in the database for the municipality)
and works out every (person, competence) pair at each date: about half of the page.
The same period's page, exports and API calls ask for the same figures, so each process
keeps the last few, keyed on their inputs: the frames read for them (people,
ancestors, requirements, competences, sub-units, memberships) by their content, the
dates, today and the language, and the assessments by a version read in one
aggregate (``gaps.kept.assessments_version``) instead of the rows themselves. Nothing is ever
stale: a changed input is a new key.
"""

from __future__ import annotations

import copy
from typing import Any

from kollega.gaps.kept import assessments_version, digest

__all__ = ["KEPT", "assessments_version", "digest", "get", "put"]

KEPT = 16
_KEPT: dict[tuple[Any, ...], Any] = {}


def get(key: tuple[Any, ...]) -> Any | None:
    """A copy of the figures kept for ``key`` (the caller may change it), or None."""
    found = _KEPT.get(key)
    return copy.deepcopy(found) if found is not None else None


def put(key: tuple[Any, ...], value: Any) -> None:
    _KEPT[key] = copy.deepcopy(value)
    while len(_KEPT) > KEPT:
        try:  # another thread may be trimming too
            _KEPT.pop(next(iter(_KEPT)))
        except (KeyError, RuntimeError, StopIteration):
            break
