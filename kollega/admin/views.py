"""Admin pages: accounts (roles, leaders, active, password reset) and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from kollega import permissions
from kollega.admin import services
from kollega.admin.forms import AccountForm, PasswordResetForm
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.realtime import disconnect_person
from kollega.web import register_nav

bp = Blueprint("admin", __name__, url_prefix="/admin")

register_nav(_l("Administration"), "admin.users", permissions.can_manage_accounts, order=90)


def _actor() -> Any:
    return current_user._get_current_object()


def _page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/users")
@login_required
def users() -> Any:
    query = request.args.get("q", "")
    result = services.search_people(_actor(), query, _page_arg())
    return render_template("admin/users.html", result=result, query=query)


def _render_account(
    person: Any, form: AccountForm, reset: PasswordResetForm, status: int = 200
) -> Any:
    return render_template("admin/account.html", target=person, form=form, reset=reset), status


@bp.route("/users/<int:person_id>", methods=["GET", "POST"])
@login_required
def account(person_id: int) -> Any:
    actor = _actor()
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
    db.session.commit()
    if ended:
        disconnect_person(person.id)
        flash(_("Saved. %(name)s has been signed out everywhere.", name=person.name), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("admin.account", person_id=person.id))


@bp.route("/users/<int:person_id>/password", methods=["POST"])
@login_required
def reset_password(person_id: int) -> Any:
    actor = _actor()
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
    db.session.commit()
    disconnect_person(person.id)
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
    actor = _actor()
    action = request.args.get("action", "")
    actions = services.audit_actions(actor)
    if action and action not in actions:
        action = ""
    result = services.audit_log(actor, action, _page_arg())
    return render_template("admin/audit.html", result=result, actions=actions, action=action)
