"""Forms of the annual cycle's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kollega.cycle.models import EVENT_KINDS
from kollega.cycle.services import KIND_LABELS, PRESETS

REMINDER_CHOICES = [
    ("10080", _l("1 week before")),
    ("1440", _l("1 day before")),
    ("60", _l("1 hour before")),
    ("15", _l("15 minutes before")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EventForm(FlaskForm):
    audience = SelectField(_l("For"), validators=[InputRequired(_l("Choose who it is for."))])
    kind = SelectField(
        _l("Kind"),
        choices=[(k, KIND_LABELS[k]) for k in EVENT_KINDS],
        validators=[InputRequired(_l("Choose a kind."))],
    )
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("Give a title.")), Length(max=200)]
    )
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Give the start date and time."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Give the end date and time."))],
    )
    repeat = SelectField(
        _l("Repeats"),
        choices=[(k, label) for k, (label, _rule) in PRESETS.items()]
        + [("custom", _l("Custom rule (RRULE)"))],
        default="",
    )
    rrule = StringField(_l("Custom rule (RRULE)"), validators=[Optional(), Length(max=400)])
    until = DateField(_l("Repeat until"), validators=[Optional()])
    reminders = MultiCheckboxField(_l("Reminders"), choices=REMINDER_CHOICES, default=["1440"])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    video_url = StringField(_l("Video link"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=10000)])
    competences = StringField(_l("Target competences"), validators=[Optional(), Length(max=1000)])
    prompts = TextAreaField(_l("Reflection prompts"), validators=[Optional(), Length(max=5000)])


class ReflectionForm(FlaskForm):
    """Answers are read from ``answer_<n>`` fields, one per prompt of the stop."""


class SimpleForm(FlaskForm):
    """Only the CSRF token (buttons that post)."""
