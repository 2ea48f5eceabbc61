"""The unit of work: one commit at each edge, and nowhere else.

- A **request** is one unit: it commits when its response is ready and good (status below
  400) and rolls back otherwise, so a refused form, API body or CSV changes nothing. A
  request whose refusal must still be recorded (a failed sign-in counted against the
  account) says so with ``keep_on_refusal()``.
- A **socket event**, a **scheduled job's action** and a **command** run inside
  ``unit_of_work()`` (a context manager and a decorator): committed when the block ends
  normally, rolled back when it raises.

Services flush, never commit; what a change means for live clients goes to the outbox
(``kollega.realtime.queue``) and is published by the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g

from kollega.extensions import db


def keep_on_refusal() -> None:
    """Commit this request's writes even though it answers with an error status (a failed
    sign-in attempt counted, a lockout stamped, an unreachable provider logged). An
    unhandled exception still commits nothing: its error handler rolls back first."""
    g.kollega_keep_on_refusal = True


def commit_or_roll_back(response: Response) -> Response:
    """The request's edge: commit when the answer is good, else roll back."""
    keep = g.pop("kollega_keep_on_refusal", False)
    if response.status_code >= 400 and not keep:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("the request's changes could not be committed")
        raise
    return response


def init_app(app: Flask) -> None:
    # Registered first, so it runs last of the after-request hooks: the others may still
    # add to the unit (read audit events logged while a template rendered).
    app.after_request_funcs.setdefault(None, []).insert(0, commit_or_roll_back)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """``with unit_of_work():`` or ``@unit_of_work()``: commit when the block ends
    normally (publishing the outbox), roll back when it raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
