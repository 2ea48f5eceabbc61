"""The thread page shows a message's files, read only for the messages that have any
(``page_messages`` asks whether each has files in its own statement)."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.send import send_message
from kollega.uploads.services import create_upload
from tests.networks.test_api import bearer
from tests.uploads.conftest import png_bytes


def _page_and_statements(client, app, tid, headers):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        html = client.get(f"/threads/{tid}", headers=headers).get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return html, [s for s in seen if "FROM uploads" in s and "EXISTS" not in s]


def test_files_shown_and_read_only_when_a_message_has_some(client, app, org, nets):
    tid = nets.closed_thread.id
    h = bearer(org.employee)
    send_message(org.employee, tid, "f-0", "Uten vedlegg")
    db.session.commit()
    html, reads = _page_and_statements(client, app, tid, h)
    assert "attachment-image" not in html and reads == []

    upload = create_upload(org.employee, "tavle.png", png_bytes())
    send_message(org.employee, tid, "f-1", "Tavla", attachments=[upload.id])
    db.session.commit()
    html, reads = _page_and_statements(client, app, tid, h)
    assert len(reads) == 1
    assert 'class="attachment-image"' in html and 'alt="tavle.png"' in html
    # Only the message with the file shows one.
    assert html.count('class="attachments"') == 1
