"""The plan pages' forms, written as plain HTML (the plan page has one form per part,
told apart by its ``action`` field): their fields read into what the use cases take. A
field that cannot be read is refused as a service refuses input, a ``ValidationError``
naming the field."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from kollega.competence.models import Competence, Framework
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import job_names
from kollega.plans import labels
from kollega.plans.services import MeasureInput

Form = MultiDict[str, str]
T = TypeVar("T")


def date_field(form: Form, name: str, required: bool = False) -> dt.date | None:
    """The field's ISO date, None when empty (refused when ``required``)."""
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationError(_l("Required."), fields={name: _l("Required.")})
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        msg = _l("Give a date as YYYY-MM-DD.")
        raise ValidationError(msg, fields={name: msg}) from None


def int_field(form: Form, name: str, default: int | None = None) -> int | None:
    """The field's whole number, ``default`` when empty."""
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        msg = _l("Must be a whole number.")
        raise ValidationError(msg, fields={name: msg}) from None


def float_field(form: Form, name: str, default: float = 0.0) -> float:
    """The field's number (a decimal comma allowed), ``default`` when empty."""
    raw = form.get(name, "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        msg = _l("Must be a number.")
        raise ValidationError(msg, fields={name: msg}) from None


def step_details(form: Form, number: int) -> dict[str, str]:
    """The step's detail fields (``detail_<key>``) that its form shows."""
    return {key: form.get(f"detail_{key}", "") for key in labels.STEP_DETAILS.get(number, [])}


def driver_values(form: Form, years: Iterable[int]) -> dict[int, float]:
    """The driver's demand for each of the plan's years that was filled in."""
    return {
        year: float_field(form, f"value_{year}")
        for year in years
        if form.get(f"value_{year}", "").strip()
    }


def driver_ratios(form: Form) -> dict[str, float]:
    """The FTE per unit of demand of the one job code the form asks for, if given."""
    job = form.get("job_code", "").strip()
    return {job: float_field(form, "fte_per_unit")} if job else {}


def job_choices(codes_in_use: Iterable[str | None]) -> list[tuple[str, str]]:
    """The jobs a measure's FTE effect may be for, as (code, name) by name: every named
    job (the ``jobs`` kind) and every job code the plan's people have (by its code when
    it has no name)."""
    names = job_names()
    for code in codes_in_use:
        if code and code not in names:
            names[code] = code
    return sorted(names.items(), key=lambda pair: (pair[1].casefold(), pair[0]))


def competence_choices(locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The active competences a measure's effect may be on, by framework: (framework's
    name, [(code, name)]), one query. The code is only the key; a name given twice in a
    framework is told apart by its code."""
    rows = db.session.execute(
        sa.select(
            Framework.name_nb,
            Framework.name_en,
            Competence.code,
            Competence.name_nb,
            Competence.name_en,
        )
        .join(Framework, Framework.id == Competence.framework_id)
        .where(Framework.active.is_(True), Competence.active.is_(True))
        .order_by(Framework.code, Competence.position, Competence.code)
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for fw_nb, fw_en, code, name_nb, name_en in rows:
        framework = fw_en if locale == "en" else fw_nb
        name = name_en if locale == "en" else name_nb
        groups.setdefault(framework, []).append((code, name))
    for framework, options in groups.items():
        seen = Counter(name for _code, name in options)
        groups[framework] = [
            (code, name if seen[name] == 1 else f"{name} ({code})") for code, name in options
        ]
    return list(groups.items())


def measure_input(form: Form) -> MeasureInput:
    """A new measure with its one expected effect on a competence, if given. Every field
    that cannot be read is refused at once, each under its own name."""
    refused: dict[str, object] = {}

    def read(parse: Callable[[], T], default: T) -> T:
        try:
            return parse()
        except ValidationError as exc:
            refused.update(exc.fields)
            return default

    effects = []
    if form.get("effect_competence", "").strip():
        effects.append(
            (
                form.get("effect_competence", "").strip(),
                read(lambda: int_field(form, "effect_people", 0) or 0, 0),
                read(lambda: int_field(form, "effect_level", 0) or 0, 0),
            )
        )
    data = MeasureInput(
        kind=form.get("kind", ""),
        title=form.get("title", ""),
        description=form.get("description", ""),
        network_id=read(lambda: int_field(form, "network_id"), None),
        training_id=read(lambda: int_field(form, "training_id"), None),
        recruitment=form.get("recruitment", ""),
        cost=read(lambda: int_field(form, "cost", 0) or 0, 0),
        starts_on=read(lambda: date_field(form, "starts_on"), None),
        ends_on=read(lambda: date_field(form, "ends_on"), None),
        job_code=form.get("job_code", "").strip() or None,
        fte_change=read(lambda: float_field(form, "fte_change"), 0.0),
        effects=effects,
    )
    if refused:
        raise ValidationError(next(iter(refused.values())), fields=refused)
    return data


def driver_multipliers(form: Form, driver_ids: Iterable[int]) -> dict[int, float]:
    """The scenario's factor on each driver that was filled in."""
    return {
        driver_id: float_field(form, f"multiplier_{driver_id}")
        for driver_id in driver_ids
        if form.get(f"multiplier_{driver_id}", "").strip()
    }


def chosen_measures(form: Form) -> list[int] | None:
    """The measures the scenario counts: None for all, else the ticked ones."""
    if form.get("measure_set") != "chosen":
        return None
    return [int(m) for m in form.getlist("measure_ids") if m.isdigit()]
