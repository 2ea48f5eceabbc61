"""Reading the competence pages' forms (plain HTML forms that work without JavaScript).

Each reader turns what the browser sent into the typed values a service takes, with a
422 that names the field when a value is malformed; the services check the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from kollega.competence.credentials import credential_problems
from kollega.competence.models import Competence
from kollega.competence.services import check_level, competence_by_code, parse_date
from kollega.errors import ValidationError
from kollega.extensions import db

T = TypeVar("T")

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

# How many (competence, level) rows the credential and conversation forms offer.
COMPETENCE_ROWS = 3
CREDENTIAL_FIELDS = {
    "kind": "cred-kind",
    "title": "cred-title",
    "issuer": "cred-issuer",
    "issued_on": "cred-issued",
    "expires_on": "cred-expires",
    "evidence_url": "cred-url",
} | {
    name: f"cred-{prefix}-{i}"
    for i in range(1, COMPETENCE_ROWS + 1)
    for name, prefix in ((f"competence_{i}", "comp"), (f"level_{i}", "level"))
}
CONVERSATION_FIELDS = {
    "plan_goals": "c-plan-goals",
    "held_on": "c-held",
    "follow_up_on": "c-follow",
    "agreed_goals": "c-goals",
    "measures": "c-measures",
} | {
    name: f"c-{prefix}-{i}"
    for i in range(1, COMPETENCE_ROWS + 1)
    for name, prefix in ((f"competence_{i}", "comp"), (f"level_{i}", "target"))
}
ASSESS_FIELDS = {"level": "lv-0", "note": "note", "evidence_url": "evidence_url"}
# The unit plan page's two forms: the plan's summary and status, and a new goal.
PLAN_FIELDS = {"summary": "p-summary", "status": "p-status"}
GOAL_FIELDS = {
    "goal": "g-goal",
    "focus_area": "g-focus",
    "requirement_id": "g-req",
    "measure_kind": "g-kind",
    "measure": "g-measure",
    "responsible_id": "g-resp",
    "due_on": "g-due",
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
    form: Mapping[str, str],
    comps: Sequence[Competence],
    columns: Sequence[str],
    fields: dict[str, str],
) -> dict[tuple[str, str], int]:
    """(column code, competence code) -> level for every cell the matrix form sent
    (0 or empty = no requirement). A cell that is not a level on its framework's scale
    is left out, with its message added to ``fields`` under the cell's input name
    (``matrix_cell_name``), so that every bad cell is reported at once."""
    cells: dict[tuple[str, str], int] = {}
    for c in comps:
        for col in columns:
            name = matrix_cell_name(c, col)
            raw = form.get(name)
            if raw is None:
                continue
            text = raw.strip() or "0"
            level = gather(fields, lambda c=c, text=text, name=name: check_level(c, text, name))
            if level is not None:
                cells[(col, c.code)] = level
    return cells


def matrix_cell_name(comp: Competence, column: str) -> str:
    """The matrix form's input name for a competence's cell in a column."""
    return f"cell-{comp.id}-{column}"


def gather(fields: dict[str, str], read: Callable[[], T]) -> T | None:
    """``read()``'s value; or None, with its refusal's messages added to ``fields``, so
    that a form reports every bad field at once."""
    try:
        return read()
    except ValidationError as exc:
        fields.update({k: str(v) for k, v in (exc.fields or {"": exc.message}).items()})
        return None


def competence_field(code: str, field: str = "competence") -> Competence:
    """The competence a form names by code, or a 422 on that field (not a 404: the
    form is shown again with the message beside the input)."""
    code = (code or "").strip()
    comp = db.session.scalar(sa.select(Competence).where(Competence.code == code))
    if comp is None or not comp.active:
        msg = (
            _l("Unknown competence code: %(code)s", code=code[:100])
            if code
            else _l("Choose a competence.")
        )
        raise ValidationError(msg, fields={field: msg})
    return comp


def competence_rows(
    form: MultiDict[str, str], level_field: str, allow_zero: bool, level_required: bool
) -> tuple[list[tuple[Competence, int | None]], dict[str, str]]:
    """The (competence, level) rows of a form repeating ``competence`` and
    ``level_field`` inputs (empty rows skipped), and each bad row's messages under
    ``competence_<n>`` and ``level_<n>`` (n from 1)."""
    rows: list[tuple[Competence, int | None]] = []
    fields: dict[str, str] = {}
    pairs = zip(form.getlist("competence"), form.getlist(level_field), strict=False)
    for n, (code, level) in enumerate(pairs, start=1):
        if not code.strip() and not level.strip():
            continue
        if not code.strip():
            msg = _l("Choose the competence this level is for.")
            fields[f"competence_{n}"] = str(msg)
            continue
        comp = gather(fields, lambda c=code, n=n: competence_field(c, f"competence_{n}"))
        if comp is None:
            continue
        if not level.strip() and not level_required:
            rows.append((comp, None))
            continue
        value = gather(
            fields,
            lambda c=comp, v=level, n=n: check_level(c, v, f"level_{n}", allow_zero=allow_zero),
        )
        if value is not None:
            rows.append((comp, value))
    return rows, fields


def credential_input(form: MultiDict[str, str]) -> dict[str, Any]:
    """The credential form's values for ``credentials.add_credential``, or one 422 with
    every malformed field (dates, competences, levels)."""
    fields: dict[str, str] = {}
    issued = gather(fields, lambda: date_field("issued_on", form=True))
    expires = gather(fields, lambda: date_field("expires_on", form=True))
    rows, row_fields = competence_rows(form, "level", allow_zero=False, level_required=True)
    fields.update(row_fields)
    if fields:
        # The use case's own checks too, so that every message shows at once.
        problems = credential_problems(form.get("kind", ""), form.get("title", ""), issued, expires)
        fields.update({k: str(v) for k, v in problems.items() if k not in fields})
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    return {
        "kind": form.get("kind", ""),
        "title": form.get("title", ""),
        "issuer": form.get("issuer", ""),
        "issued_on": issued,
        "expires_on": expires,
        "competences": rows,
        "evidence_url": form.get("evidence_url", ""),
    }


def conversation_input(form: MultiDict[str, str]) -> dict[str, Any]:
    """The conversation form's values for ``conversations.record_conversation``, or
    one 422 with every malformed field."""
    fields: dict[str, str] = {}
    held = gather(fields, lambda: parse_date(form.get("held_on", ""), "held_on"))
    follow = gather(fields, lambda: date_field("follow_up_on", form=True))
    rows, row_fields = competence_rows(form, "target_level", allow_zero=True, level_required=False)
    fields.update(row_fields)
    if not (form.get("agreed_goals") or "").strip():
        fields["agreed_goals"] = str(_l("Write down what you agreed."))
    goal_ids: list[int] = []
    for raw in form.getlist("plan_goal"):
        if not str(raw).isdigit() or len(str(raw)) > 12:
            fields["plan_goals"] = str(_l("Pick goals from the unit's competence plan."))
            break
        goal_ids.append(int(raw))
    if fields:
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    return {
        "held_on": held,
        "agreed_goals": form.get("agreed_goals", ""),
        "measures": form.get("measures", ""),
        "competences": rows,
        "follow_up_on": follow,
        "goal_ids": goal_ids,
    }
