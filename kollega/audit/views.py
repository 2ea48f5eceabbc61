"""No pages: commits the read events the request logged (``record_read``).

A GET page or API read does not commit, and a person-page panel logs while the template
renders, so the commit waits until the response is ready. A refused or failed request
(status 400 and above) commits nothing; its session is rolled back at teardown.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g

from kollega.extensions import db

bp = Blueprint("audit", __name__)


@bp.after_app_request
def commit_read_events(response: Response) -> Response:
    if g.pop("kollega_audit_pending", False) and response.status_code < 400:
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("audit: the read events could not be stored")
    return response
