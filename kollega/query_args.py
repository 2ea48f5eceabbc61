"""Query-string fields of GET pages (a date, a period, a year, a level): a bad value is
not an error page. The page is shown again for the rest of what was asked, with a
translated message beside the field that holds the bad value, the value as typed kept
in that field, and status 400 (``QueryArgs.status``). Templates show the messages with
the ``_forms.html`` macros ``plain_error_summary``, ``plain_error`` and ``plain_invalid``
(``errors`` are (input id, message) pairs, as ``kollega.formflow.placed_errors`` gives)."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import gettext as _

from kollega import clock
from kollega.errors import DomainError


class BadQuery(DomainError):
    """A bad query-string field where there is no page to show again (an export): 400."""

    status = 400
    code = "bad_request"


class QueryArgs:
    """Reads fields from ``request.args`` and keeps the messages for the bad ones."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.raw: dict[str, str] = {}

    def refuse(self, name: str, message: str, field_id: str | None = None) -> None:
        """Record ``message`` for the field ``name`` (shown beside input ``field_id``,
        by default the field's name) and keep what was typed in it."""
        self.raw[name] = request.args.get(name, "")
        self.errors.append((field_id or name, message))

    def date(self, name: str, field_id: str | None = None) -> dt.date | None:
        """The date in ``name`` (YYYY-MM-DD, between 1900 and 2200), or None when it is
        absent or refused."""
        raw = request.args.get(name, "").strip()
        if not raw:
            return None
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            self.refuse(
                name, _("%(value)s is not a date; use the form YYYY-MM-DD.", value=raw), field_id
            )
            return None
        if not clock.DATE_RANGE[0] <= value <= clock.DATE_RANGE[1]:
            self.refuse(name, _("Choose a date between 1900 and 2200."), field_id)
            return None
        return value

    def value(self, name: str, shown: object) -> str:
        """What the field ``name`` shows: the typed value when it was refused, else
        ``shown`` (a date as YYYY-MM-DD, None as empty)."""
        if name in self.raw:
            return self.raw[name]
        if shown is None:
            return ""
        return shown.isoformat() if isinstance(shown, dt.date) else str(shown)

    def check(self) -> None:
        """Raise ``BadQuery`` (400, each message under its field) when a field was refused;
        for downloads, which have no form to show again."""
        if self.errors:
            first = self.errors[0][1]
            raise BadQuery(first, fields=dict(self.errors))

    @property
    def status(self) -> int:
        """400 when a field was refused, else 200."""
        return 400 if self.errors else 200
