"""Pages of the annual cycle: the year (årshjul), list and month views, the event
form, an event's page and one occurrence's page (RSVP, check-in, reflection)."""

from __future__ import annotations

import calendar
import datetime as dt
import email
import email.policy
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from kollega import formflow, permissions
from kollega.clock import OSLO
from kollega.competence.models import Competence
from kollega.current import current_person
from kollega.cycle import (
    attendance,
    feeds,
    jobs,
    period_views,
    practice,
    services,
    words,
    year_views,
)
from kollega.cycle import reflection as stops
from kollega.cycle.forms import EventForm, SimpleForm
from kollega.cycle.models import EVENT_KINDS, CycleEvent, SchedulerHeartbeat
from kollega.db import now_utc
from kollega.errors import DomainError, NotFound
from kollega.extensions import db
from kollega.mail import outbox_dir
from kollega.networks import public as networks
from kollega.org.models import OrgUnit, Person
from kollega.web import register_nav, register_start_panel

bp = Blueprint("cycle", __name__, url_prefix="/cycle")
bp.add_app_template_filter(words.when, "cycle_when")
bp.add_app_template_filter(words.clock, "cycle_clock")

register_nav(_l("Annual cycle"), "cycle.index", lambda p: permissions.is_authenticated(p), order=40)


# --- wiring into the app -----------------------------------------------------------------


@bp.record_once
def _wire(state: Any) -> None:
    app: Flask = state.app
    app.extensions["kollega.calendar_url"] = _calendar_url
    app.jinja_env.globals["cycle_upcoming"] = _upcoming_for
    app.jinja_env.globals["cycle_kind_label"] = services.kind_label


def _upcoming_for(person: Any, limit: int = 5) -> list[services.Occurrence]:
    """The next occurrences in the person's annual cycle (for the start page)."""
    now = now_utc()
    occs = services.expand(services.events_for(person), now, now + dt.timedelta(days=60))
    return [o for o in occs if o.ends_at > now][:limit]


register_start_panel("cycle/_start_panel.html", lambda p: bool(p.is_authenticated), order=40)


def _calendar_url(person: Any) -> str | None:
    """The person's feed address for ``/me``; the token is made (and kept) on first use."""
    token = feeds.calendar_token(person, create=False) or feeds.calendar_token(person)
    return url_for("api.cycle_calendar", token=token, _external=True)


# --- the year, list and month ---------------------------------------------------------------


def _scope() -> tuple[list[CycleEvent], OrgUnit | None]:
    person = current_person()
    code = request.args.get("unit")
    if code:
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            abort(404)
        return services.unit_cycle_events(person, unit), unit
    return services.events_for(person), None


def _year_arg() -> int:
    year = request.args.get("year", type=int) or now_utc().astimezone(OSLO).year
    return min(max(year, 2000), 2100)


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(OSLO)


def _bounds(year: int, month: int | None = None) -> tuple[dt.datetime, dt.datetime]:
    if month is None:
        start = dt.datetime(year, 1, 1, tzinfo=OSLO)
        end = dt.datetime(year + 1, 1, 1, tzinfo=OSLO)
    else:
        start = dt.datetime(year, month, 1, tzinfo=OSLO)
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        end = dt.datetime(*nxt, 1, tzinfo=OSLO)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _month_names() -> list[str]:
    return [format_date(dt.date(2027, m, 1), "LLLL").capitalize() for m in range(1, 13)]


def _common(view: str, unit: OrgUnit | None, year: int) -> dict[str, Any]:
    person = current_person()
    return {
        "view": view,
        "unit": unit,
        "year": year,
        "kind_label": services.kind_label,
        "kinds": EVENT_KINDS,
        "may_plan": permissions.can_plan_any_cycle(person),
        "local": _local,
        "unit_args": {"unit": unit.code} if unit else {},
    }


@bp.route("/")
@login_required
def index() -> Any:
    """The year: the filters, the linear year, the årshjul and its table (year_views)."""
    return year_views.year_page(_common)


@bp.route("/periods", methods=["GET", "POST"])
@login_required
def periods_page() -> Any:
    """HR's fixed periods: made into the municipality's events every year."""
    return period_views.periods_page()


@bp.route("/periods/<int:period_id>/delete", methods=["POST"])
@login_required
def delete_period(period_id: int) -> Any:
    return period_views.delete_period(period_id)


@bp.route("/list")
@login_required
def list_view() -> Any:
    events, unit = _scope()
    year = _year_arg()
    start, end = _bounds(year)
    upcoming = request.args.get("upcoming", "1") == "1" and year == _local(now_utc()).year
    if upcoming:
        start = now_utc() - dt.timedelta(hours=12)
    occs = services.expand(events, start, end)
    return render_template(
        "cycle/list.html", occurrences=occs, upcoming=upcoming, **_common("list", unit, year)
    )


@bp.route("/month")
@login_required
def month_view() -> Any:
    events, unit = _scope()
    year = _year_arg()
    month = request.args.get("month", type=int) or _local(now_utc()).month
    month = min(max(month, 1), 12)
    start, end = _bounds(year, month)
    by_day: dict[int, list[services.Occurrence]] = {}
    for occ in services.expand(events, start, end):
        day = _local(occ.starts_at)
        if day.month == month:
            by_day.setdefault(day.day, []).append(occ)
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    weekdays = [format_date(dt.date(2027, 1, 4 + i), "EEEE").capitalize() for i in range(7)]
    return render_template(
        "cycle/month.html",
        weeks=weeks,
        by_day=by_day,
        month=month,
        month_name=_month_names()[month - 1],
        weekdays=weekdays,
        prev=prev,
        next=nxt,
        **_common("month", unit, year),
    )


# --- planning --------------------------------------------------------------------------------


def _audience_choices(person: Any) -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = []
    if permissions.can_plan_municipality_cycle(person):
        choices.append(("municipality", _("The whole municipality (HR)")))
        units = db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.path)).all()
    else:
        seen: dict[int, OrgUnit] = {}
        for led in person.led_units:
            for u in db.session.scalars(
                sa.select(OrgUnit).where(OrgUnit.path.startswith(led.path)).order_by(OrgUnit.path)
            ):
                seen[u.id] = u
        units = list(seen.values())
    choices += [(f"unit:{u.code}", _("Unit: %(name)s", name=u.name)) for u in units]
    for nid in networks.facilitated_network_ids(person):
        choices.append(
            (f"network:{nid}", _("Network: %(name)s", name=networks.network_name(nid) or nid))
        )
    return choices


def _form_data(form: EventForm) -> dict[str, Any]:
    audience = form.audience.data or ""
    data: dict[str, Any] = {
        "kind": form.kind.data,
        "title": form.title.data,
        "starts_at": form.starts_at.data,
        "ends_at": form.ends_at.data,
        "location": form.location.data,
        "video_url": form.video_url.data,
        "description": form.description.data,
        "agenda": form.agenda.data,
        "competences": form.competences.data or "",
        "reminders": [int(m) for m in form.reminders.data or []],
        "prompts": form.prompts.data if (form.prompts.data or "").strip() else None,
    }
    if audience == "municipality":
        data["municipality_wide"] = True
    elif audience.startswith("unit:"):
        data["unit"] = audience[len("unit:") :]
    elif audience.startswith("network:"):
        data["network"] = audience[len("network:") :]
    repeat = form.repeat.data or ""
    rule = form.rrule.data if repeat == "custom" else services.PRESETS.get(repeat, ("", None))[1]
    if rule and form.until.data and "UNTIL" not in rule.upper() and "COUNT" not in rule.upper():
        rule = f"{rule};UNTIL={form.until.data.strftime('%Y%m%d')}"
    data["rrule"] = rule
    return data


def _preset_of(rule: str | None) -> tuple[str, str, dt.date | None]:
    if not rule:
        return "", "", None
    base, until = rule, None
    if ";UNTIL=" in rule:
        base, _sep, raw = rule.partition(";UNTIL=")
        try:
            stamp = dt.datetime.strptime(raw[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            until = stamp.astimezone(OSLO).date()
        except ValueError:
            return "custom", rule, None
    for key, (_label, preset) in services.PRESETS.items():
        if preset and preset == base:
            return key, "", until
    return "custom", rule, None


# The service's names for fields the form shows under another name.
FORM_NAMES = {"unit": "audience", "network": "audience", "exdates": "rrule"}


def _render_form(form: EventForm, event: CycleEvent | None, status: int) -> Any:
    return render_template(
        "cycle/form.html",
        form=form,
        event=event,
        learning_prompts=services.default_prompts("learning_stop"),
        evaluation_prompts=services.default_prompts("evaluation_stop"),
    ), status


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event() -> Any:
    person = current_person()
    permissions.require(permissions.can_plan_any_cycle(person))
    form = EventForm()
    form.audience.choices = _audience_choices(person)
    if request.method == "GET":
        kind = request.args.get("kind")
        if kind in EVENT_KINDS:
            form.kind.data = kind
        if request.args.get("unit"):
            form.audience.data = f"unit:{request.args['unit']}"
    if not form.validate_on_submit():
        return _render_form(form, None, 422 if request.method == "POST" else 200)
    event = formflow.submit(
        form, lambda: services.create_event(person, _form_data(form)), rename=FORM_NAMES
    )
    if event is None:
        return _render_form(form, None, 422)
    flash(_("The event is in the annual cycle."), "success")
    return redirect(url_for("cycle.event", event_id=event.id))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int) -> Any:
    person = current_person()
    event = services.get_event(event_id)
    permissions.require(permissions.can_plan_cycle_event(person, event))
    form = EventForm(obj=None)
    if event.municipality_wide:
        current = "municipality"
        label = _("The whole municipality (HR)")
    elif event.unit is not None:
        current, label = f"unit:{event.unit.code}", _("Unit: %(name)s", name=event.unit.name)
    else:
        current = f"network:{event.network_id}"
        label = _("Network: %(name)s", name=networks.network_name(event.network_id or 0) or "")
    form.audience.choices = [(current, label)]
    if request.method == "GET":
        preset, custom, until = _preset_of(event.rrule)
        form.audience.data = current
        form.kind.data = event.kind
        form.title.data = event.title
        form.starts_at.data = _local(event.starts_at).replace(tzinfo=None)
        form.ends_at.data = _local(event.ends_at).replace(tzinfo=None)
        form.repeat.data, form.rrule.data, form.until.data = preset, custom, until
        form.reminders.data = [str(m) for m in event.reminders or []]
        form.location.data = event.location
        form.video_url.data = event.video_url
        form.description.data = event.description
        form.agenda.data = event.agenda
        form.competences.data = ", ".join(event.competences or [])
        form.prompts.data = "\n".join(event.prompts or [])
    if not form.validate_on_submit():
        return _render_form(form, event, 422 if request.method == "POST" else 200)
    data = _form_data(form)
    for key in ("unit", "network", "municipality_wide"):
        data.pop(key, None)
    saved = formflow.submit(
        form, lambda: services.update_event(person, event, data), rename=FORM_NAMES
    )
    if saved is None:
        return _render_form(form, event, 422)
    flash(_("The event was saved."), "success")
    return redirect(url_for("cycle.event", event_id=event.id))


@bp.route("/events/<int:event_id>/delete", methods=["POST"])
@login_required
def delete_event(event_id: int) -> Any:
    person = current_person()
    event = services.get_event(event_id)
    form = SimpleForm()
    if not form.validate_on_submit():
        abort(400)
    services.delete_event(person, event)
    flash(_("The event was deleted."), "success")
    return redirect(url_for("cycle.list_view"))


def _audience_name(event: CycleEvent) -> str:
    if event.municipality_wide:
        return _("The whole municipality")
    if event.unit is not None:
        return event.unit.name
    return networks.network_name(event.network_id or 0) or _("Network")


@bp.route("/events/<int:event_id>")
@login_required
def event(event_id: int) -> Any:
    person = current_person()
    event = services.get_event(event_id)
    services.require_view(person, event)
    now = now_utc()
    upcoming = services.occurrences(
        event, now - dt.timedelta(hours=12), now + dt.timedelta(days=400)
    )
    past = services.occurrences(event, now - dt.timedelta(days=400), now - dt.timedelta(hours=12))
    return render_template(
        "cycle/event.html",
        event=event,
        upcoming=upcoming[:20],
        past=list(reversed(past))[:20],
        audience=_audience_name(event),
        may_edit=permissions.can_plan_cycle_event(person, event),
        kind_label=services.kind_label,
        local=_local,
        form=SimpleForm(),
    )


# --- one occurrence: RSVP, check-in, reflection -----------------------------------------------


def _occurrence(event_id: int, key: str) -> services.Occurrence:
    person = current_person()
    event = services.get_event(event_id)
    services.require_view(person, event)
    try:
        return services.occurrence_at(event, services.parse_occurrence_key(key))
    except NotFound:
        abort(404)


@bp.route("/events/<int:event_id>/<key>", methods=["GET"])
@login_required
def occurrence(event_id: int, key: str) -> Any:
    person = current_person()
    occ = _occurrence(event_id, key)
    event = occ.event
    may_manage = permissions.can_plan_cycle_event(person, event)
    mine = attendance.my_attendance(person, event, occ.starts_at)
    reflection = next(
        (r for r in attendance.reflections_of(event, occ.starts_at) if r.person_id == person.id),
        None,
    )
    now = now_utc()
    answers = [a.get("answer", "") for a in (reflection.answers if reflection else [])]
    return render_template(
        "cycle/occurrence.html",
        occ=occ,
        event=event,
        audience=_audience_name(event),
        invited=services.is_invited(person, event),
        mine=mine,
        answers=answers + [""] * (len(event.prompts) - len(answers)),
        reflection_open=event.is_stop and occ.starts_at - dt.timedelta(minutes=30) <= now,
        during=occ.starts_at - dt.timedelta(minutes=30) <= now <= occ.ends_at,
        held=attendance.is_held(occ, now),
        may_manage=may_manage,
        attendance=attendance.attendance_of(event, occ.starts_at) if may_manage else [],
        invitees=services.invitees(event) if may_manage else [],
        summary=attendance.summarise(event, occ.starts_at, stops.replies(event, occ.starts_at))
        if may_manage and event.is_stop
        else None,
        counts=attendance.counts(event, occ.starts_at),
        closed=stops.closed_summary(event, occ.starts_at) if event.is_stop else None,
        thread_id=stops.opened_thread_id(event.id, occ.starts_at),
        present=attendance.is_present,
        status_labels=services.STATUS_LABELS,
        kind_label=services.kind_label,
        local=_local,
        form=SimpleForm(),
    )


@bp.route("/events/<int:event_id>/<key>/rsvp", methods=["POST"])
@login_required
def rsvp(event_id: int, key: str) -> Any:
    occ = _occurrence(event_id, key)
    if not SimpleForm().validate_on_submit():
        abort(400)
    attendance.respond(current_person(), occ.event, occ.starts_at, request.form.get("answer", ""))
    flash(_("Your answer was saved."), "success")
    return redirect(url_for("cycle.occurrence", event_id=event_id, key=key))


@bp.route("/events/<int:event_id>/<key>/checkin", methods=["POST"])
@login_required
def checkin(event_id: int, key: str) -> Any:
    person = current_person()
    occ = _occurrence(event_id, key)
    if not SimpleForm().validate_on_submit():
        abort(400)
    target = person
    raw = request.form.get("person_id")
    if raw:
        target = db.session.get(Person, int(raw)) if raw.isdigit() else None
        if target is None:
            abort(404)
    attendance.check_in(person, occ.event, occ.starts_at, target)
    flash(_("Checked in."), "success")
    return redirect(url_for("cycle.occurrence", event_id=event_id, key=key))


@bp.route("/events/<int:event_id>/<key>/reflection", methods=["POST"])
@login_required
def reflection(event_id: int, key: str) -> Any:
    occ = _occurrence(event_id, key)
    if not SimpleForm().validate_on_submit():
        abort(400)
    answers = [request.form.get(f"answer_{i}", "") for i in range(len(occ.event.prompts))]
    attendance.save_reflection(current_person(), occ.event, occ.starts_at, answers)
    flash(_("Thank you. Your reflection was saved."), "success")
    return redirect(url_for("cycle.occurrence", event_id=event_id, key=key))


@bp.route("/events/<int:event_id>/<key>/practice", methods=["GET", "POST"])
@login_required
def practice_page(event_id: int, key: str) -> Any:
    """The leader marks which target competences each attendee practised; every new
    mark proposes an assessment for the person's leader to confirm."""
    person = current_person()
    occ = _occurrence(event_id, key)
    event = occ.event
    permissions.require(permissions.can_mark_practice(person, event))
    form = SimpleForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            marks = practice.parse_marks(request.form.getlist("practised"))
            done = practice.mark_practised(person, event, occ.starts_at, marks)
            db.session.flush()  # a mark made twice at once fails here, not at the edge
        except DomainError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            errors.append(str(exc.message))
            status = 422
        except IntegrityError:  # the same marks sent twice at once: the first one counts
            db.session.rollback()
            flash(_("These marks were already made."), "success")
            return redirect(url_for("cycle.practice_page", event_id=event_id, key=key))
        else:
            if done.new:
                flash(
                    _(
                        "%(marks)s marks saved; %(proposals)s levels proposed for their "
                        "leaders to confirm.",
                        marks=len(done.new),
                        proposals=done.proposed,
                    ),
                    "success",
                )
            else:
                flash(_("These marks were already made."), "success")
            return redirect(url_for("cycle.practice_page", event_id=event_id, key=key))
    return render_template(
        "cycle/practice.html",
        occ=occ,
        event=event,
        people=practice.attendees(event, occ.starts_at),
        marks=practice.marks_of(event, occ.starts_at),
        names=_competence_names(event.competences or []),
        begun=occ.starts_at <= now_utc(),
        errors=errors,
        local=_local,
        form=form,
    ), status


def _competence_names(codes: list[str]) -> dict[str, str]:
    """Competence code -> name in the current language (codes not in the register: none)."""
    if not codes:
        return {}
    english = str(get_locale() or "nb") == "en"
    rows = db.session.execute(
        sa.select(Competence.code, Competence.name_en if english else Competence.name_nb).where(
            Competence.code.in_(codes)
        )
    )
    return {code: name for code, name in rows}


@bp.route("/events/<int:event_id>/<key>/cancel", methods=["POST"])
@login_required
def cancel(event_id: int, key: str) -> Any:
    occ = _occurrence(event_id, key)
    if not SimpleForm().validate_on_submit():
        abort(400)
    services.cancel_occurrence(current_person(), occ.event, occ.starts_at)
    flash(_("The occurrence was cancelled."), "success")
    return redirect(url_for("cycle.event", event_id=event_id))


# --- calendar feed -----------------------------------------------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar_page() -> Any:
    person = current_person()
    form = SimpleForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        feeds.regenerate_calendar_token(person)
        flash(_("A new calendar address was made. The old one no longer works."), "success")
        return redirect(url_for("cycle.calendar_page"))
    return render_template(
        "cycle/calendar.html",
        feed=current_app.extensions["kollega.calendar_url"](person),
        form=form,
        units=list(person.led_units) or ([person.unit] if person.unit else []),
    )


# --- outbox and scheduler status (administrators) ------------------------------------------

register_nav(_l("Outbox"), "cycle.outbox", permissions.can_read_outbox, order=95)


def _outbox_files() -> list[Any]:
    folder = outbox_dir()
    if not folder.exists():
        return []
    return sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)


@bp.route("/outbox")
@login_required
def outbox() -> Any:
    permissions.require(permissions.can_read_outbox(current_person()))
    mails = []
    for path in _outbox_files()[:200]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mails.append(
            {
                "name": path.stem,
                "to": message["To"],
                "subject": message["Subject"],
                "at": dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
            }
        )
    return render_template(
        "cycle/outbox.html",
        mails=mails,
        heartbeat=db.session.get(SchedulerHeartbeat, jobs.HEARTBEAT),
        smtp=bool(current_app.config.get("SMTP_HOST")),
    )


@bp.route("/outbox/<name>")
@login_required
def outbox_mail(name: str) -> Any:
    permissions.require(permissions.can_read_outbox(current_person()))
    path = next((p for p in _outbox_files() if p.stem == name), None)
    if path is None:
        abort(404)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return render_template(
        "cycle/outbox_mail.html",
        message=message,
        body=body.get_content() if body is not None else "",
    )
