"""Sign-in, sign-out and password change."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from kollega.audit.services import record
from kollega.auth.forms import ChangePasswordForm, LoginForm
from kollega.auth.services import authenticate, revoke_token, set_password, tokens_of
from kollega.errors import ValidationError
from kollega.extensions import db, limiter
from kollega.realtime import disconnect_person

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        person = authenticate(form.email.data or "", form.password.data or "")
        if person is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in
            if lang:
                session["lang"] = lang
            login_user(person)
            record("auth.sign_in", actor_id=person.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        record("auth.sign_in_failed", email_domain=(form.email.data or "").rpartition("@")[2][:100])
        db.session.commit()
        form.password.errors.append(_("Wrong e-mail or password."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        person_id = current_user.id
        record("auth.sign_out", actor_id=person_id)
        db.session.commit()
        logout_user()
        disconnect_person(person_id)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        person = current_user._get_current_object()
        if authenticate(person.email, form.current.data or "") is None:
            form.current.errors.append(_("The current password is wrong."))
            status = 422
        else:
            try:
                set_password(person, form.new.data or "")
            except ValidationError as exc:
                db.session.rollback()
                form.new.errors.append(str(exc.message))
                status = 422
            else:
                record(
                    "auth.password_changed",
                    actor_id=person.id,
                    target_type="person",
                    target_id=person.id,
                )
                db.session.commit()
                login_user(person)  # the session token changed; keep this session
                flash(_("Your password is changed. Other sessions are signed out."), "success")
                return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/tokens")
@login_required
def tokens() -> Any:
    person = current_user._get_current_object()
    return render_template("auth/tokens.html", tokens=tokens_of(person))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Any:
    person = current_user._get_current_object()
    revoke_token(person, token_id)  # NotFound for someone else's token: 404
    record(
        "auth.token_revoked",
        actor_id=person.id,
        target_type="api_token",
        target_id=token_id,
        via="web",
    )
    db.session.commit()
    flash(_("The token is revoked. Programs using it can no longer sign in with it."), "success")
    return redirect(url_for("auth.tokens"))
