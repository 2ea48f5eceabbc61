"""Sign-in, sign-out and password change."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from markupsafe import Markup

from kollega import limits, realtime, uow
from kollega.audit.services import record
from kollega.auth import oidc, sessions
from kollega.auth.forms import (
    ChangePasswordForm,
    DisableTwoFactorForm,
    LoginForm,
    TotpSetupForm,
    TwoFactorForm,
)
from kollega.auth.services import (
    authenticate,
    begin_totp,
    confirm_totp,
    disable_totp,
    has_second_factor,
    new_recovery_codes,
    normalise_email,
    provisioning_uri,
    revoke_token,
    set_password,
    tokens_of,
    unused_recovery_codes,
    verify_second_factor,
)
from kollega.auth.sockets import disconnect_person, disconnect_session, disconnect_token
from kollega.current import current_person
from kollega.errors import ValidationError
from kollega.extensions import db, limiter
from kollega.org.models import Person

bp = Blueprint("auth", __name__)
bp.before_app_request(sessions.before_request)

# Password given, second factor owed: kept in the session for a few minutes only.
_PENDING = "_pending_second_factor"
_PENDING_SECONDS = 300


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


def _sign_in(
    person: Any, second_factor: str | None, method: str = "password", next_url: str | None = None
) -> Any:
    """Start a fresh session for the person, audit it and go where they were going."""
    lang = session.get("lang")
    target = _safe_next(
        next_url or request.args.get("next") or session.get(_PENDING, {}).get("next")
    )
    session.clear()  # a fresh session at sign-in
    if lang:
        session["lang"] = lang
    login_user(person)
    sessions.start(second_factor is not None)
    details = {"method": method} if method != "password" else {}
    record("auth.sign_in", actor_id=person.id, second_factor=second_factor or "none", **details)
    if sessions.owes_second_factor(session, person):
        return redirect(url_for("auth.two_factor_setup"))
    return redirect(target)


def _account_limited(email: str) -> int | None:
    """Count a sign-in attempt for the account; the seconds to wait when over the limit."""
    return limits.hit("LOGIN_ACCOUNT_RATE_LIMIT", f"account:{normalise_email(email)[:254]}")


def _too_many(template: str, form: Any, wait: int) -> Any:
    form.form_errors.append(_("Too many attempts. Wait %(n)d seconds and try again.", n=wait))
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data or ""
        wait = _account_limited(email)
        if wait is not None:
            record("auth.sign_in_limited", email_domain=email.rpartition("@")[2][:100])
            uow.keep_on_refusal()
            return _too_many("auth/login.html", form, wait)
        person = authenticate(email, form.password.data or "")
        if person is not None:
            if has_second_factor(person):
                _owe_second_factor(person, request.args.get("next") or "")
                return redirect(url_for("auth.two_factor"))
            return _sign_in(person, None)
        record("auth.sign_in_failed", email_domain=email.rpartition("@")[2][:100])
        uow.keep_on_refusal()
        form.password.errors.append(_("Wrong e-mail or password."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


def _owe_second_factor(person: Any, next_url: str, method: str = "password") -> None:
    """Remember for a few minutes that the person passed the first step."""
    session[_PENDING] = {
        "id": person.id,
        "token": person.session_token,
        "at": int(time.time()),
        "next": next_url,
        "method": method,
    }


_OIDC_NEXT = "_oidc_next"


@bp.route("/login/oidc")
def oidc_login() -> Any:
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    session[_OIDC_NEXT] = request.args.get("next") or ""
    for key in [k for k in session if k.startswith("_state_oidc_")]:
        session.pop(key)  # abandoned attempts' state: keep the cookie small
    try:
        return oidc.client().authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except oidc.FAILURES:
        # The provider's fault, not ours: the audit log must still show it.
        record("auth.sign_in_failed", method="oidc", reason="provider_unreachable")
        uow.keep_on_refusal()
        return _oidc_refused(_("The sign-in service did not answer. Try again in a while."), 502)


def _oidc_refused(message: str, status: int) -> Any:
    return render_template("auth/login.html", form=LoginForm(), oidc_error=message), status


@bp.route("/login/oidc/callback")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def oidc_callback() -> Any:
    if not oidc.enabled():
        abort(404)
    next_url = session.pop(_OIDC_NEXT, "")
    try:
        person = oidc.person_from_callback()
    except oidc.NoMatch as exc:
        record("auth.sign_in_failed", method="oidc", reason=exc.reason)
        uow.keep_on_refusal()
        if exc.reason in oidc.REFUSED:
            return _oidc_refused(
                _(
                    "kollega has no active account for you. Accounts come from the HR "
                    "system: ask your leader or HR if yours is missing."
                ),
                403,
            )
        return _oidc_refused(
            _("Single sign-on did not work. Try again, or sign in with your e-mail and password."),
            401,
        )
    if current_app.config.get("OIDC_TRUSTED_MFA"):
        return _sign_in(person, "oidc", method="oidc", next_url=next_url)
    if has_second_factor(person):
        _owe_second_factor(person, next_url, method="oidc")
        return redirect(url_for("auth.two_factor"))
    return _sign_in(person, None, method="oidc", next_url=next_url)


def _pending_person() -> Any:
    """The person who gave the right password and still owes the second factor, or ``None``."""
    data = session.get(_PENDING)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > _PENDING_SECONDS:
        return None
    person = db.session.get(Person, data.get("id"))
    if person is None or not person.active or person.session_token != data.get("token"):
        return None
    return person


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def two_factor() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    person = _pending_person()
    if person is None:
        session.pop(_PENDING, None)
        flash(_("Sign in with your e-mail and password first."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        wait = _account_limited(person.email)
        if wait is not None:
            record("auth.second_factor_limited", actor_id=person.id)
            uow.keep_on_refusal()
            return _too_many("auth/two_factor.html", form, wait)
        used = verify_second_factor(person, form.code.data or "")
        if used is not None:
            return _sign_in(person, used, method=session[_PENDING].get("method", "password"))
        record("auth.second_factor_failed", actor_id=person.id)
        uow.keep_on_refusal()
        form.code.errors.append(_("The code is not right. Try the code the app shows now."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/two_factor.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        person_id = current_user.id
        record("auth.sign_out", actor_id=person_id)
        # Revoked on the server: the old cookie is refused from now on, everywhere; this
        # session's open sockets close (the person's other devices stay signed in).
        session_id = sessions.revoke(person_id, session)
        sessions.end_session()
        if session_id:
            realtime.on_commit(lambda: disconnect_session(session_id))
    else:
        sessions.end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        person = current_person()
        if authenticate(person.email, form.current.data or "") is None:
            form.current.errors.append(_("The current password is wrong."))
            status = 422
        else:
            try:
                set_password(person, form.new.data or "")
            except ValidationError as exc:
                form.new.errors.append(str(exc.message))
                status = 422
            else:
                record(
                    "auth.password_changed",
                    actor_id=person.id,
                    target_type="person",
                    target_id=person.id,
                )
                # Other sessions' sockets; this page reloads.
                realtime.on_commit(lambda pid=person.id: disconnect_person(pid))
                login_user(person)  # the session token changed; keep this session
                flash(_("Your password is changed. Other sessions are signed out."), "success")
                return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/tokens")
@login_required
def tokens() -> Any:
    person = current_person()
    return render_template("auth/tokens.html", tokens=tokens_of(person))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Any:
    person = current_person()
    digest = revoke_token(person, token_id)  # NotFound for someone else's token: 404
    realtime.on_commit(lambda: disconnect_token(digest))  # its sockets, on every process
    record(
        "auth.token_revoked",
        actor_id=person.id,
        target_type="api_token",
        target_id=token_id,
        via="web",
    )
    flash(_("The token is revoked. Programs using it can no longer sign in with it."), "success")
    return redirect(url_for("auth.tokens"))


def _qr_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (rendered here: no CDN, no script)."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(
        scale=4, svgclass="qr", lineclass=None, light="#fff"
    )
    return Markup(svg)  # noqa: S704 - segno's own SVG: nothing from the user is in it but the URI, which it encodes as modules


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup() -> Any:
    person = current_person()
    if has_second_factor(person):
        return render_template(
            "auth/two_factor_settings.html",
            remaining=unused_recovery_codes(person),
            required=sessions.second_factor_required(person),
            disable_form=DisableTwoFactorForm(),
        )
    cred = begin_totp(person)
    # The secret shown must be the one stored, even when the first code is refused.
    uow.keep_on_refusal()
    form = TotpSetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = confirm_totp(person, form.code.data or "")
        except ValidationError as exc:
            form.code.errors.append(str(exc.message))
            status = 422
        else:
            record("auth.second_factor_enrolled", actor_id=person.id)
            session[sessions.MFA] = True
            return render_template("auth/recovery_codes.html", codes=codes)
    elif request.method == "POST":
        status = 422
    uri = provisioning_uri(person, cred)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=cred.secret,
        uri=uri,
        qr=_qr_svg(uri),
        required=sessions.second_factor_required(person),
    ), status


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def recovery_codes() -> Any:
    person = current_person()
    if not has_second_factor(person):
        return redirect(url_for("auth.two_factor_setup"))
    codes = new_recovery_codes(person)
    record("auth.recovery_codes_renewed", actor_id=person.id)
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable() -> Any:
    person = current_person()
    if not has_second_factor(person):
        return redirect(url_for("auth.two_factor_setup"))
    required = sessions.second_factor_required(person)
    form = DisableTwoFactorForm()
    if required:
        flash(_("Your role requires a second factor, so it cannot be turned off."), "error")
        return render_template(
            "auth/two_factor_settings.html",
            remaining=unused_recovery_codes(person),
            required=True,
            disable_form=form,
        ), 403
    if (
        not form.validate_on_submit()
        or authenticate(person.email, form.password.data or "") is None
    ):
        if form.password.data:
            form.password.errors.append(_("The password is wrong."))
        return render_template(
            "auth/two_factor_settings.html",
            remaining=unused_recovery_codes(person),
            required=False,
            disable_form=form,
        ), 422
    disable_totp(person)
    record("auth.second_factor_disabled", actor_id=person.id)
    session[sessions.MFA] = False
    flash(_("The second factor is turned off."), "success")
    return redirect(url_for("auth.two_factor_setup"))
