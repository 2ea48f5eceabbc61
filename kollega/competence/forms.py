"""Reading the competence pages' forms (plain HTML forms that work without JavaScript).

Each reader turns what the browser sent into the typed values a service takes, with a
422 that names the field when a value is malformed; the services check the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from kollega.competence.models import Competence
from kollega.competence.services import competence_by_code, parse_date
from kollega.errors import ValidationError

# The requirement service's field names and the ids of the add-requirement form's inputs,
# so that a refusal is shown next to the input it is about.
REQUIREMENT_FIELDS = {
    "scope_type": "n-scope",
    "scope_code": "n-code",
    "scope": "n-code",
    "competence": "n-comp",
    "competence_id": "n-comp",
    "level": "n-level",
    "required_level": "n-level",
    "effective_from": "n-from",
    "effective_until": "n-until",
    "note": "n-note",
}


def date_field(name: str, default: dt.date | None = None, form: bool = False) -> dt.date | None:
    """An ISO date from the form (or the query string), ``default`` when left empty."""
    raw = (request.form if form else request.args).get(name, "").strip()
    if not raw:
        return default
    return parse_date(raw, name)


def int_field(value: Any, name: str) -> int | None:
    """A whole number, None when left empty."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        msg = _l("Must be a whole number.")
        raise ValidationError(msg, fields={name: msg}) from None


def texts(form: Mapping[str, str], prefix: str) -> dict[str, str]:
    """A text in both languages from the inputs ``<prefix>_nb`` and ``<prefix>_en``."""
    return {"nb": form.get(f"{prefix}_nb", ""), "en": form.get(f"{prefix}_en", "")}


def competence_links(form: MultiDict[str, str], level_field: str) -> list[tuple[Competence, Any]]:
    """The (competence, level) rows of a form that repeats ``competence`` and
    ``level_field`` inputs; rows without a competence are skipped."""
    return [
        (competence_by_code(code), level)
        for code, level in zip(form.getlist("competence"), form.getlist(level_field), strict=False)
        if code
    ]


def matrix_cells(
    form: Mapping[str, str], comps: Sequence[Competence], columns: Sequence[str]
) -> dict[tuple[str, str], int]:
    """(column code, competence code) -> level for every cell the matrix form sent
    (0 = no requirement)."""
    cells: dict[tuple[str, str], int] = {}
    for c in comps:
        for col in columns:
            raw = form.get(f"cell-{c.id}-{col}")
            if raw is None:
                continue
            cells[(col, c.code)] = int_field(raw, f"cell-{c.id}-{col}") or 0
    return cells
