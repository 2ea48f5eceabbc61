"""Admin pages: accounts (roles, leaders, active, password reset), the audit log,
retention settings and erasure requests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import permissions, realtime
from kollega.admin import services
from kollega.admin.forms import AccountForm, EraseForm, PasswordResetForm, RetentionForm
from kollega.auth.services import has_second_factor
from kollega.auth.sockets import disconnect_person
from kollega.current import current_person
from kollega.errors import Conflict, ValidationError
from kollega.extensions import db
from kollega.privacy import retention
from kollega.privacy import services as privacy
from kollega.web import register_nav

bp = Blueprint("admin", __name__, url_prefix="/admin")

register_nav(_l("Administration"), "admin.users", permissions.can_manage_accounts, order=90)


def _page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/users")
@login_required
def users() -> Any:
    query = request.args.get("q", "")
    result = services.search_people(current_person(), query, _page_arg())
    return render_template("admin/users.html", result=result, query=query)


def _render_account(
    person: Any, form: AccountForm, reset: PasswordResetForm, status: int = 200
) -> Any:
    return render_template(
        "admin/account.html",
        target=person,
        form=form,
        reset=reset,
        has_second_factor=has_second_factor(person),
    ), status


@bp.route("/users/<int:person_id>", methods=["GET", "POST"])
@login_required
def account(person_id: int) -> Any:
    actor = current_person()
    person = services.get_account(actor, person_id)
    form = AccountForm()
    reset = PasswordResetForm(prefix="reset")
    if request.method == "GET":
        form.roles.data = sorted(person.stored_roles)
        form.leads.data = ", ".join(u.code for u in person.led_units)
        form.active.data = person.active
        return _render_account(person, form, reset)
    if not form.validate_on_submit():
        return _render_account(person, form, reset, 422)
    try:
        ended = services.update_account(
            actor,
            person,
            form.roles.data or [],
            services.parse_unit_codes(form.leads.data or ""),
            bool(form.active.data),
        )
    except ValidationError as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            if name in form:
                form[name].errors = [*form[name].errors, str(message)]
        if not exc.fields:
            flash(str(exc.message), "error")
        return _render_account(person, form, reset, 422)
    if ended:
        realtime.on_commit(lambda pid=person.id: disconnect_person(pid))
        flash(_("Saved. %(name)s has been signed out everywhere.", name=person.name), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("admin.account", person_id=person.id))


@bp.route("/users/<int:person_id>/second-factor", methods=["POST"])
@login_required
def reset_second_factor(person_id: int) -> Any:
    actor = current_person()
    person = services.get_account(actor, person_id)
    try:
        services.reset_second_factor(actor, person)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "info")
        return redirect(url_for("admin.account", person_id=person.id))
    realtime.on_commit(lambda pid=person.id: disconnect_person(pid))
    flash(
        _(
            "The second factor of %(name)s is removed. They have been signed out everywhere.",
            name=person.name,
        ),
        "success",
    )
    return redirect(url_for("admin.account", person_id=person.id))


@bp.route("/users/<int:person_id>/password", methods=["POST"])
@login_required
def reset_password(person_id: int) -> Any:
    actor = current_person()
    person = services.get_account(actor, person_id)
    form = AccountForm(formdata=None)
    form.roles.data = sorted(person.stored_roles)
    form.leads.data = ", ".join(u.code for u in person.led_units)
    form.active.data = person.active
    reset = PasswordResetForm(prefix="reset")
    if not reset.validate_on_submit():
        return _render_account(person, form, reset, 422)
    try:
        services.reset_password(actor, person, reset.password.data or "")
    except ValidationError as exc:
        db.session.rollback()
        reset.password.errors = [*reset.password.errors, str(exc.message)]
        return _render_account(person, form, reset, 422)
    realtime.on_commit(lambda pid=person.id: disconnect_person(pid))
    flash(
        _(
            "The password of %(name)s is set. They have been signed out everywhere.",
            name=person.name,
        ),
        "success",
    )
    return redirect(url_for("admin.account", person_id=person.id))


@bp.route("/audit")
@login_required
def audit() -> Any:
    actor = current_person()
    action = request.args.get("action", "")
    actions = services.audit_actions(actor)
    if action and action not in actions:
        action = ""
    person_q = request.args.get("person", "").strip()[:200]
    result = services.audit_log(actor, action, _page_arg(), person_q)
    return render_template(
        "admin/audit.html", result=result, actions=actions, action=action, person_q=person_q
    )


@bp.route("/privacy", methods=["GET", "POST"])
@login_required
def privacy_settings() -> Any:
    """Retention settings and the list of open erasure requests."""
    actor = current_person()
    requests = privacy.erasure_requests(actor)
    settings = retention.current_settings()
    form = RetentionForm(obj=settings if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                changed = retention.update_settings(
                    actor,
                    form.message_months.data,
                    form.message_scope.data or "",
                    form.deactivate_months.data,
                    form.erase_months.data,
                )
            except ValidationError as exc:
                db.session.rollback()
                for name, message in exc.fields.items():
                    if name in form:
                        form[name].errors = [*form[name].errors, str(message)]
                status = 422
            else:
                flash(_("Retention saved.") if changed else _("Nothing changed."), "success")
                return redirect(url_for("admin.privacy_settings"))
        else:
            status = 422
    return (
        render_template("admin/privacy.html", form=form, settings=settings, requests=requests),
        status,
    )


@bp.route("/privacy/erasure/<int:request_id>", methods=["GET", "POST"])
@login_required
def erasure(request_id: int) -> Any:
    """The confirmation step: what an erasure removes (counts), then carry it out."""
    actor = current_person()
    req = privacy.get_erasure_request(actor, request_id)
    form = EraseForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                name = req.person.name
                person_id = privacy.carry_out_erasure(actor, req)
            except ValidationError as exc:
                db.session.rollback()
                form.confirm.errors = [*form.confirm.errors, str(exc.message)]
                status = 422
            else:
                realtime.on_commit(lambda: disconnect_person(person_id))
                flash(_("%(name)s has been erased.", name=name), "success")
                return redirect(url_for("admin.privacy_settings"))
        else:
            status = 422
    return (
        render_template(
            "admin/erasure.html",
            req=req,
            form=form,
            summary=privacy.erasure_summary(req.person),
        ),
        status,
    )


@bp.route("/privacy/erasure/<int:request_id>/decline", methods=["POST"])
@login_required
def erasure_decline(request_id: int) -> Any:
    actor = current_person()
    req = privacy.get_erasure_request(actor, request_id)
    name = req.person.name
    privacy.decline_erasure(actor, req)
    flash(_("The erasure request of %(name)s is declined.", name=name), "info")
    return redirect(url_for("admin.privacy_settings"))
