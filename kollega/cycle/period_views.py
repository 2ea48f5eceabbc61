"""HR's page of fixed periods: the list (with their dates this year and next) and the
form that adds one. ``views`` routes ``/cycle/periods`` here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from kollega import formflow, permissions
from kollega.clock import OSLO
from kollega.current import current_person
from kollega.cycle import periods, services, wheel
from kollega.cycle.forms import SimpleForm
from kollega.cycle.models import EVENT_KINDS, FixedPeriod
from kollega.db import now_utc

FIELDS = (
    "title",
    "kind",
    "rule",
    "week",
    "start_month",
    "start_day",
    "days",
    "start_time",
    "end_time",
    "location",
    "description",
)
IDS = {name: f"p-{name}" for name in FIELDS}


def _month_names() -> list[str]:
    return [format_date(dt.date(2027, m, 1), "MMMM") for m in range(1, 13)]


def _rule_text(period: FixedPeriod) -> str:
    if period.rule == "week":
        return _("Week %(week)s, Monday to Friday", week=period.week)
    names = _month_names()
    start = f"{period.start_day}. {names[(period.start_month or 1) - 1]}"
    if period.days == 1:
        return _("%(date)s (a weekday)", date=start)
    return _("From %(date)s, %(n)s working days", date=start, n=period.days)


def _dates(period: FixedPeriod, year: int) -> str:
    span = periods.span_in(period, year)
    if span is None:
        return _("not this year")
    return wheel.date_range(span.first, span.last, _month_names())


def _time(minute: int) -> str:
    return f"{minute // 60:02d}.{minute % 60:02d}"


def periods_page() -> Any:
    """GET: the list and an empty form; POST: add a period (HR only, 403 for others)."""
    person = current_person()
    permissions.require(permissions.can_plan_municipality_cycle(person))
    form = SimpleForm()
    errors: list[tuple[str, str]] = []
    values: dict[str, str] = {"rule": "week", "start_time": "08:00", "end_time": "16:00"}
    status = 200
    editing = _editing()
    if editing is not None and request.method == "GET":
        values = _values_of(editing)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = {name: request.form.get(name, "") for name in FIELDS}
        if editing is not None:
            target = editing
            done, errors = formflow.attempt_placed(
                lambda: periods.update_period(person, target, dict(values)) + 1, IDS, "p-title"
            )
            message = _("The fixed period was saved; its coming events moved with it.")
        else:
            done, errors = formflow.attempt_placed(
                lambda: periods.create_period(person, dict(values)), IDS, "p-title"
            )
            message = _("The fixed period is in the annual cycle this year and next year.")
        if done is not None:
            flash(message, "success")
            return redirect(url_for("cycle.periods_page"))
        status = 422
    year = now_utc().astimezone(OSLO).year
    rows = [
        {
            "period": p,
            "rule": _rule_text(p),
            "times": f"{_time(p.start_minute)}–{_time(p.end_minute)}",
            "this": _dates(p, year),
            "next": _dates(p, year + 1),
        }
        for p in periods.periods()
    ]
    return render_template(
        "cycle/periods.html",
        editing=editing,
        rows=rows,
        year=year,
        form=form,
        errors=errors,
        values=values,
        kinds=EVENT_KINDS,
        kind_label=services.kind_label,
        months=_month_names(),
        ids=IDS,
    ), status


def _editing() -> FixedPeriod | None:
    """The period named by ``?edit=`` (GET) or the form's ``period_id`` (POST); 404 if none."""
    raw = request.form.get("period_id") if request.method == "POST" else request.args.get("edit")
    if not raw:
        return None
    if not raw.isdigit():
        abort(404)
    return periods.get_period(int(raw))


def _values_of(period: FixedPeriod) -> dict[str, str]:
    return {
        "title": period.title,
        "kind": period.kind,
        "rule": period.rule,
        "week": str(period.week or ""),
        "start_month": str(period.start_month or ""),
        "start_day": str(period.start_day or ""),
        "days": str(period.days or 1),
        "start_time": _time(period.start_minute).replace(".", ":"),
        "end_time": _time(period.end_minute).replace(".", ":"),
        "location": period.location or "",
        "description": period.description or "",
    }


def delete_period(period_id: int) -> Any:
    """HR removes a fixed period; its events that have not begun go with it."""
    person = current_person()
    permissions.require(permissions.can_plan_municipality_cycle(person))
    if not SimpleForm().validate_on_submit():
        abort(400)
    period = periods.get_period(period_id)
    removed = periods.delete_period(person, period)
    flash(_("The fixed period was removed, with %(n)s coming events.", n=removed), "success")
    return redirect(url_for("cycle.periods_page"))
