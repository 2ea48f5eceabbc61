"""Forms of the admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kollega.org.models import STORED_ROLES
from kollega.web import ROLE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccountForm(FlaskForm):
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in STORED_ROLES],
        validate_choice=True,
    )
    leads = StringField(
        _l("Leader of units"),
        validators=[Length(max=2000, message=_l("Too long."))],
    )
    active = BooleanField(_l("The account is active (the person can sign in)"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=1024)],
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("password", _l("The two new passwords differ.")),
        ],
    )


class RetentionForm(FlaskForm):
    message_months = IntegerField(
        _l("Delete messages older than (months)"),
        validators=[
            Optional(),
            NumberRange(1, 240, _l("Between 1 and 240 months, or empty to keep.")),
        ],
    )
    message_scope = SelectField(
        _l("Where"),
        choices=[
            SelectChoice("archived", _l("Only in archived networks")),
            SelectChoice("all", _l("In every network")),
        ],
    )
    deactivate_months = IntegerField(
        _l("Deactivate accounts unused for (months)"),
        validators=[
            Optional(),
            NumberRange(1, 240, _l("Between 1 and 240 months, or empty to keep.")),
        ],
    )
    erase_months = IntegerField(
        _l("Erase deactivated accounts unused for (months)"),
        validators=[
            Optional(),
            NumberRange(1, 240, _l("Between 1 and 240 months, or empty to keep.")),
        ],
    )


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that the erasure cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))],
    )
