"""Forms of the HR upload page for unit, people and job name imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired


class ImportUploadForm(FlaskForm):
    kind = SelectField(
        _l("What the file contains"),
        choices=[
            SelectChoice("units", _l("Units")),
            SelectChoice("people", _l("People")),
            SelectChoice("jobs", _l("Job names")),
        ],
        validators=[InputRequired(_l("Choose what the file contains."))],
    )
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ImportConfirmForm(FlaskForm):
    """Only the CSRF token: the file waits on the server, named in the session."""
