"""Forms of the training pages (HR keeps the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

FORMAT_LABELS = {
    "e-learning": _l("E-learning"),
    "course": _l("Course"),
    "workshop": _l("Workshop"),
    "mentoring": _l("Mentoring"),
    "further_education": _l("Further education"),
}
LANGUAGE_LABELS = {"nb": _l("Norwegian"), "en": _l("English")}


class TrainingForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the training a title.")), Length(max=200)]
    )
    provider = StringField(_l("Provider"), validators=[Length(max=200)])
    format = SelectField(
        _l("Format"), choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()]
    )
    hours = FloatField(
        _l("Hours of effort"),
        validators=[
            InputRequired(_l("Enter a number of hours.")),
            NumberRange(0, 10000, _l("Between 0 and 10000.")),
        ],
    )
    cost = IntegerField(
        _l("Cost per participant (NOK)"),
        default=0,
        validators=[Optional(), NumberRange(0, 10_000_000, _l("Cannot be negative."))],
    )
    language = SelectField(
        _l("Language"), choices=[SelectChoice(k, v) for k, v in LANGUAGE_LABELS.items()]
    )
    funding_scheme = StringField(_l("External funding scheme"), validators=[Length(max=200)])
    funding_url = StringField(
        _l("Link to the funding scheme"),
        validators=[Optional(), URL(message=_l("Enter a full web address.")), Length(max=500)],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    competences = TextAreaField(_l("Competences it lifts"), validators=[Length(max=5000)])
    active = BooleanField(_l("Offered in the catalogue"), default=True)
    # Who it is meant for; the choices are set by the view (the jobs and divisions
    # there are), values checked by the service (``training.audience.check``).
    audience_job_codes = SelectMultipleField(
        _l("Meant for these jobs"), choices=[], validate_choice=False
    )
    audience_unit_ids = SelectMultipleField(
        _l("Meant for these divisions"), choices=[], validate_choice=False
    )


class SessionForm(FlaskForm):
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Enter when the session starts."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Enter when the session ends."))],
    )
    place = StringField(_l("Place"), validators=[Length(max=200)])
    seats = IntegerField(
        _l("Seats"),
        validators=[Optional(), NumberRange(0, 100000, _l("Between 0 and 100000."))],
    )


class ProposalForm(FlaskForm):
    level = IntegerField(
        _l("Level"), validators=[Optional(), NumberRange(0, 100, _l("Not a valid level."))]
    )
