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

from typing import Any

from kollega.gaps.kept import AssessmentsVersion, KeptCopies, assessments_version, digest

__all__ = ["KEPT", "KEPT_SIZE", "AssessmentsVersion", "assessments_version", "digest"]

KEPT_SIZE = 16
KEPT: KeptCopies[Any] = KeptCopies(KEPT_SIZE)
