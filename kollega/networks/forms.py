"""Forms of the network pages (plain HTML forms that work without JavaScript)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


KIND_CHOICES = [
    ("professional", _l("Professional network")),
    ("cross_unit", _l("Cross-unit network")),
    ("leaders", _l("Leaders' network")),
    ("project", _l("Project network")),
]
VISIBILITY_CHOICES = [
    ("open", _l("Open: every employee can read and join")),
    ("request", _l("On request: members approve who joins")),
    ("invite", _l("Invite only: hidden from others")),
]
THREAD_KIND_CHOICES = [
    ("discussion", _l("Discussion")),
    ("question", _l("Question")),
    ("experience", _l("Experience sharing")),
]


class NetworkForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Give the network a name.")), Length(max=200)],
    )
    purpose = TextAreaField(_l("Purpose"), filters=[_strip], validators=[Length(max=5000)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default="professional")
    visibility = SelectField(_l("Who can take part"), choices=VISIBILITY_CHOICES, default="open")
    target_competences = StringField(
        _l("Target competences"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000)],
    )
    edit_window_minutes = IntegerField(
        _l("Minutes in which a message can be edited"),
        default=60,
        validators=[
            DataRequired(_l("Enter a number of minutes.")),
            NumberRange(0, 60 * 24 * 30),
        ],
    )


class ThreadForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(_l("Give the thread a title.")), Length(max=200)],
    )
    kind = RadioField(
        _l("Kind"),
        choices=THREAD_KIND_CHOICES,
        default="discussion",
        validate_choice=False,  # the use case refuses an unknown kind with its own message
    )
    body = TextAreaField(
        _l("First message"), filters=[_strip], validators=[Optional(), Length(max=10_000)]
    )
    competence_tags = StringField(
        _l("Competence tags"), filters=[_strip], validators=[Optional(), Length(max=2000)]
    )
    # Experience sharing in four parts (shown for the kind "experience"; what was typed
    # in them is kept whatever the kind, see threads.first_message).
    situation = TextAreaField(_l("Situation"), filters=[_strip], validators=[Length(max=2500)])
    what_we_did = TextAreaField(_l("What we did"), filters=[_strip], validators=[Length(max=2500)])
    what_we_learned = TextAreaField(
        _l("What we learned"), filters=[_strip], validators=[Length(max=2500)]
    )
    next_time = TextAreaField(_l("Next time"), filters=[_strip], validators=[Length(max=2500)])
    client_id = HiddenField()


class NetworkSettingsForm(FlaskForm):
    """What the facilitators may change after the network is made (settings page)."""

    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Give the network a name.")), Length(max=200)],
    )
    purpose = TextAreaField(_l("Purpose"), filters=[_strip], validators=[Length(max=5000)])
    visibility = RadioField(
        _l("Who can take part"), choices=VISIBILITY_CHOICES, default="open", validate_choice=False
    )
    target_competences = StringField(
        _l("Target competences"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000)],
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        filters=[_strip],
        validators=[DataRequired(_l("Write a message.")), Length(max=10_000)],
    )
    client_id = HiddenField()
    reply_to = HiddenField()


class EditMessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        filters=[_strip],
        validators=[DataRequired(_l("Write a message.")), Length(max=10_000)],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Name (for guests from outside)"), filters=[_strip], validators=[Length(max=200)]
    )


class GuestPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(_l("Enter a password.")), Length(max=1024)],
    )
    repeat = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )
