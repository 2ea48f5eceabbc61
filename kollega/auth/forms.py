from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)]
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password."))])
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new", _l("The two new passwords differ.")),
        ],
    )


class TwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the code from your authenticator app or a recovery code.")),
            Length(max=64),
        ],
    )


class TotpSetupForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the 6 digits the app shows.")), Length(max=16)],
    )


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)]
    )
