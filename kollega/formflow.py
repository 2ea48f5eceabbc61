"""The create/edit form flow shared by the pages: run the use case for a submitted form;
when it refuses the input, roll back and show its messages on the form's fields (the
request commits a success at its edge, ``kollega.uow``). A refusal for lack of permission (403) is not a form error and
propagates to the error handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kollega.errors import DomainError
from kollega.extensions import db

T = TypeVar("T")


def show_errors(
    form: Any,
    exc: DomainError,
    rename: Mapping[str, str] | None = None,
    unplaced: Callable[[str], None] | None = None,
) -> None:
    """Put each of the refusal's field messages on the form field of that name (after
    ``rename``: service names to form names). A message with no such field, or the
    refusal's own message when it names no field, goes to ``unplaced`` (by default the
    form's own errors, which the error summary lists)."""
    other = unplaced or form.form_errors.append
    if not exc.fields:
        other(str(exc.message))
        return
    for name, message in exc.fields.items():
        target = (rename or {}).get(name, name)
        if target in form:
            form[target].errors = [*list(form[target].errors or []), str(message)]
        else:
            other(str(message))


def attempt(action: Callable[[], T], refused: Callable[[DomainError], None]) -> T | None:
    """``action()``'s result, or None after a refusal: rolled back and handed to
    ``refused`` (which shows it). A 403 propagates. ``action`` must not return None."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        refused(exc)
        return None
    return result


def submit(
    form: Any,
    action: Callable[[], T],
    *,
    rename: Mapping[str, str] | None = None,
    unplaced: Callable[[str], None] | None = None,
) -> T | None:
    """``action()``'s result, or None after a refused input (rolled back, messages on
    the form, see ``show_errors``). ``action`` must not return None itself."""
    return attempt(action, lambda exc: show_errors(form, exc, rename, unplaced))


def placed_errors(exc: DomainError, ids: Mapping[str, str], default: str) -> list[tuple[str, str]]:
    """(input id, message) for each of the refusal's field messages, for forms written as
    plain HTML (no form object): ``ids`` maps the service's field names to input ids; a
    message without a known field goes to ``default``. The ``_forms.html`` macros
    ``plain_error_summary``, ``plain_error`` and ``plain_invalid`` show them."""
    fields = exc.fields or {"": exc.message}
    return [(ids.get(name, default), str(message)) for name, message in fields.items()]


def attempt_placed(
    action: Callable[[], T], ids: Mapping[str, str], default: str
) -> tuple[T | None, list[tuple[str, str]]]:
    """``(action(), [])``, or ``(None, errors)`` after a refused input (rolled
    back; ``errors`` from ``placed_errors``). A 403 or 404 propagates to the error page."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return None, placed_errors(exc, ids, default)
    return result, []
