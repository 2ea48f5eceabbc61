"""Training pages: the catalogue with sessions, enrolment and the waiting list; HR keeps
the catalogue and records completion; leaders confirm the proposed levels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from kollega import formflow, permissions
from kollega.clock import OSLO
from kollega.current import current_person
from kollega.errors import DomainError
from kollega.gaps.queries import competence_info
from kollega.org.models import Person
from kollega.training import audience, services
from kollega.training.forms import (
    FORMAT_LABELS,
    LANGUAGE_LABELS,
    ProposalForm,
    SessionForm,
    TrainingForm,
)
from kollega.training.models import TRAINING_FORMATS, Training, TrainingSession
from kollega.web import register_nav

bp = Blueprint("training", __name__, url_prefix="/trainings")

register_nav(
    _l("Training"),
    "training.catalogue",
    lambda p: permissions.is_authenticated(p) and not p.is_guest,
    50,
)

STATUS_LABELS = {
    "enrolled": _l("enrolled"),
    "waitlisted": _l("on the waiting list"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
}


@bp.app_template_filter("training_format")
def training_format(value: str) -> str:
    return str(FORMAT_LABELS.get(value, value))


@bp.app_template_filter("enrolment_status")
def enrolment_status(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


def _competence_names(trainings: list[Training]) -> dict[str, str]:
    """Competence code -> name in the current language, for the codes on the page."""
    codes = {c.competence_code for t in trainings for c in t.competences}
    info = competence_info(codes)
    column = "name_en" if str(get_locale() or "nb") == "en" else "name_nb"
    return dict(zip(info["competence"], info[column], strict=True))


def _employee() -> Person:
    person = current_person()
    permissions.require(not person.is_guest)
    return person


def _back(default: str) -> Any:
    target = request.form.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return redirect(target)


def _flash_error(exc: DomainError) -> None:
    message = str(exc.message)
    if exc.fields:
        message += " " + " ".join(str(v) for v in exc.fields.values())
    flash(message, "error")


@bp.route("/")
@login_required
def catalogue() -> Any:
    person = _employee()
    fmt = request.args.get("format") or None
    if fmt not in (None, *TRAINING_FORMATS):
        fmt = None
    competence = (request.args.get("competence") or "").strip() or None
    trainings = services.catalogue(
        format=fmt, competence=competence, include_inactive=permissions.is_hr(person)
    )
    return render_template(
        "training/catalogue.html",
        trainings=trainings,
        names=_competence_names(trainings),
        fmt=fmt,
        competence=competence or "",
        formats=FORMAT_LABELS,
        mine=services.enrolments_of(person, ("enrolled", "waitlisted", "completed")),
        upcoming=services.upcoming_sessions,
        seats_free=services.seats_free,
        position=services.waiting_position,
        is_hr=permissions.is_hr(person),
        proposals=len(services.pending_proposals(person)) if person.led_units else 0,
    )


@bp.route("/<int:training_id>")
@login_required
def detail(training_id: int) -> Any:
    person = _employee()
    training = services.get_training(training_id)
    if not training.active and not permissions.is_hr(person):
        abort(404)
    form = SessionForm(prefix="session") if permissions.is_hr(person) else None
    return _detail_page(person, training, form)


def _detail_page(
    person: Person, training: Training, form: SessionForm | None, status: int = 200
) -> Any:
    """The training's page; ``form`` is HR's new-session form (a refused one: 422)."""
    mine = {e.session_id: e for e in services.enrolments_of(person)}
    return render_template(
        "training/detail.html",
        training=training,
        names=_competence_names([training]),
        mine=mine,
        now=dt.datetime.now(dt.UTC),
        seats_free=services.seats_free,
        waiting=lambda s: len(services.waiting_list(s)),
        position=services.waiting_position,
        is_hr=permissions.is_hr(person),
        languages=LANGUAGE_LABELS,
        audience=audience.describe(training),
        session_form=form,
    ), status


@bp.route("/sessions/<int:session_id>/enrol", methods=["POST"])
@login_required
def enrol(session_id: int) -> Any:
    person = _employee()
    session = services.get_session(session_id)
    default = url_for("training.detail", training_id=session.training_id)
    enrolment = formflow.attempt(lambda: services.enrol(person, session), _flash_error)
    if enrolment is None:
        return _back(default)
    if enrolment.status == "enrolled":
        flash(_("You are enrolled in %(title)s.", title=session.training.title), "success")
    else:
        flash(
            _(
                "The session is full. You are number %(n)d on the waiting list and move up when a seat frees.",
                n=services.waiting_position(enrolment) or 1,
            ),
            "success",
        )
    return _back(default)


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["POST"])
@login_required
def cancel(enrolment_id: int) -> Any:
    person = current_person()
    enrolment = services.get_enrolment(enrolment_id)
    default = url_for("training.detail", training_id=enrolment.session.training_id)
    if formflow.attempt(lambda: services.cancel(person, enrolment), _flash_error) is None:
        return _back(default)
    flash(_("The enrolment is cancelled."), "success")
    return _back(default)


# --- HR: the catalogue ---------------------------------------------------------------


def _form_data(form: TrainingForm) -> services.TrainingData:
    return services.TrainingData(
        title=form.title.data or "",
        format=form.format.data or "",
        provider=form.provider.data or "",
        hours=float(form.hours.data or 0),
        cost=int(form.cost.data or 0),
        language=form.language.data or "nb",
        funding_scheme=form.funding_scheme.data,
        funding_url=form.funding_url.data,
        description=form.description.data or "",
        active=bool(form.active.data),
        competences=services.parse_competence_lines(form.competences.data or ""),
        audience_jobs=tuple(form.audience_job_codes.data or ()),
        # A value that is no unit id becomes -1, which the service refuses as unknown.
        audience_units=tuple(
            int(v) if str(v).isdigit() else -1 for v in form.audience_unit_ids.data or ()
        ),
    )


def _audience_choices(form: TrainingForm, training: Training | None) -> None:
    """The jobs (by name) and divisions to choose from, and on a first view the
    training's audience ticked."""
    keep = [a.unit_id for a in training.audience_units] if training else []
    form.audience_job_codes.choices = [SelectChoice(c, n) for c, n in audience.job_choices()]
    form.audience_unit_ids.choices = [
        SelectChoice(str(i), n) for i, n in audience.unit_choices(keep)
    ]
    if request.method == "GET" and training is not None:
        form.audience_job_codes.data = [a.job_code for a in training.audience_jobs]
        form.audience_unit_ids.data = [str(i) for i in keep]


def _save(form: TrainingForm, training: Training | None) -> Training | None:
    return formflow.submit(
        form,
        lambda: services.save_training(current_person(), _form_data(form), training),
        unplaced=lambda message: flash(message, "error"),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    permissions.require(permissions.can_manage_training(current_person()))
    form = TrainingForm()
    _audience_choices(form, None)
    if form.validate_on_submit():
        saved = _save(form, None)
        if saved is not None:
            flash(_("The training was added to the catalogue."), "success")
            return redirect(url_for("training.detail", training_id=saved.id))
    status = 422 if request.method == "POST" else 200  # a refused form is shown again
    return render_template("training/edit.html", form=form, training=None), status


@bp.route("/<int:training_id>/edit", methods=["GET", "POST"])
@login_required
def edit(training_id: int) -> Any:
    permissions.require(permissions.can_manage_training(current_person()))
    training = services.get_training(training_id)
    form = TrainingForm(obj=training)
    _audience_choices(form, training)
    if request.method == "GET":
        form.competences.data = "\n".join(
            f"{c.competence_code} {c.level_from} {c.level_to}" for c in training.competences
        )
    if form.validate_on_submit():
        saved = _save(form, training)
        if saved is not None:
            flash(_("The training was saved."), "success")
            return redirect(url_for("training.detail", training_id=saved.id))
    status = 422 if request.method == "POST" else 200  # a refused form is shown again
    return render_template("training/edit.html", form=form, training=training), status


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=OSLO).astimezone(dt.UTC)


def _session_times(form: SessionForm) -> tuple[dt.datetime, dt.datetime] | None:
    """The submitted session's start and end in UTC, or None with the reasons on the
    form's fields: a field the form refuses, or a time outside the years 1900 to 2200."""
    if not form.validate_on_submit():
        return None
    outside = [f for f in (form.starts_at, form.ends_at) if not 1900 <= f.data.year <= 2200]
    for f in outside:
        f.errors = [*f.errors, _("Choose times between the years 1900 and 2200.")]
    if outside:
        return None
    return _utc(form.starts_at.data), _utc(form.ends_at.data)


@bp.route("/<int:training_id>/sessions", methods=["POST"])
@login_required
def add_session(training_id: int) -> Any:
    person = current_person()
    permissions.require(permissions.can_manage_training(person))
    training = services.get_training(training_id)
    form = SessionForm(prefix="session")
    times = _session_times(form)
    added = None
    if times is not None:
        added = formflow.submit(
            form,
            lambda: services.add_session(
                person, training, *times, form.place.data or "", form.seats.data
            ),
        )
    if added is None:  # shown again with what was typed and each message beside its field
        return _detail_page(person, training, form, 422)
    flash(_("The session was added."), "success")
    return redirect(url_for("training.detail", training_id=training.id))


@bp.route("/sessions/<int:session_id>")
@login_required
def session(session_id: int) -> Any:
    """Participants and the waiting list of a session (HR)."""
    permissions.require(permissions.can_manage_training(current_person()))
    s = services.get_session(session_id)
    form = SessionForm(prefix="session", formdata=None)
    form.starts_at.data = s.starts_at.astimezone(OSLO).replace(tzinfo=None)
    form.ends_at.data = s.ends_at.astimezone(OSLO).replace(tzinfo=None)
    form.place.data = s.place
    form.seats.data = s.seats
    return _session_page(s, form)


def _session_page(s: TrainingSession, form: SessionForm, status: int = 200) -> Any:
    """A session's page with its edit form (a refused one: 422)."""
    return render_template(
        "training/session.html",
        s=s,
        form=form,
        enrolments=[e for e in s.enrolments if e.status != "cancelled"],
        position=services.waiting_position,
        seats_free=services.seats_free,
    ), status


@bp.route("/sessions/<int:session_id>/edit", methods=["POST"])
@login_required
def edit_session(session_id: int) -> Any:
    """Change a session's time, place or seats (HR); more seats move people up."""
    person = current_person()
    permissions.require(permissions.can_manage_training(person))
    s = services.get_session(session_id)
    back = url_for("training.session", session_id=s.id)
    form = SessionForm(prefix="session")
    times = _session_times(form)
    moved = None
    if times is not None:
        moved = formflow.submit(
            form,
            lambda: services.update_session(
                person, s, *times, form.place.data or "", form.seats.data
            ),
        )
    if moved is None:  # shown again with what was typed and each message beside its field
        return _session_page(s, form, 422)
    flash(
        ngettext(
            "The session was saved; %(num)d person moved up from the waiting list.",
            "The session was saved; %(num)d people moved up from the waiting list.",
            len(moved),
        )
        if moved
        else _("The session was saved."),
        "success",
    )
    return redirect(back)


@bp.route("/enrolments/<int:enrolment_id>/complete", methods=["POST"])
@login_required
def complete(enrolment_id: int) -> Any:
    person = current_person()
    enrolment = services.get_enrolment(enrolment_id)
    default = url_for("training.session", session_id=enrolment.session_id)
    proposals = formflow.attempt(lambda: services.complete(person, enrolment), _flash_error)
    if proposals is None:
        return _back(default)
    flash(
        _(
            "Completion recorded as formal evidence; %(n)d levels proposed to the leader.",
            n=len(proposals),
        ),
        "success",
    )
    return _back(default)


# --- leaders: confirm proposed levels -------------------------------------------------


@bp.route("/proposals")
@login_required
def proposals() -> Any:
    person = current_person()
    permissions.require(bool(person.led_units))
    return render_template(
        "training/proposals.html",
        proposals=services.pending_proposals(person),
        form=ProposalForm(),
    )


@bp.route("/proposals/<int:proposal_id>", methods=["POST"])
@login_required
def decide(proposal_id: int) -> Any:
    person = current_person()
    proposal = services.get_proposal(proposal_id)
    form = ProposalForm()
    if not form.validate_on_submit():
        flash(_("Not a valid level."), "error")
        return redirect(url_for("training.proposals"))
    confirm = request.form.get("decision") == "confirm"
    decided = formflow.attempt(
        lambda: services.decide_proposal(person, proposal, confirm, form.level.data),
        _flash_error,
    )
    if decided is None:
        return redirect(url_for("training.proposals"))
    flash(_("The level was confirmed.") if confirm else _("The proposal was rejected."), "success")
    return redirect(url_for("training.proposals"))
