"""E-mail: over SMTP when ``KOLLEGA_SMTP_HOST`` is set, otherwise into the instance's
``outbox/`` folder (the embedded default), one ``.eml`` file per mail.

A use case sends with ``send_after_commit``: the mail goes out once its unit of work has
committed (``kollega.realtime.on_commit``), never for a change that was rolled back, and a
failing mail server loses no state."""

from __future__ import annotations

import os
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from kollega import realtime


def _setting(name: str, default: str = "") -> str:
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(f"KOLLEGA_{name}", default)
    return str(value)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send(to: str, subject: str, text: str, calendar: bytes | None = None) -> None:
    """Send one plain-text mail now (an edge, after its commit); ``calendar``, an
    iCalendar REQUEST, goes with it as a ``text/calendar; method=REQUEST`` alternative
    and as ``invitation.ics`` (what Outlook and other calendars pick up)."""
    message = EmailMessage()
    message["From"] = _setting("SMTP_FROM", "kollega@localhost")
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@kollega>"
    message.set_content(text)
    if calendar is not None:
        ics = calendar.decode("utf-8")
        message.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
        message.add_attachment(
            calendar, maintype="application", subtype="ics", filename="invitation.ics"
        )
    host = _setting("SMTP_HOST")
    if not host:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
        return
    port = int(_setting("SMTP_PORT", "25") or 25)
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        if _setting("SMTP_STARTTLS", "").lower() in {"1", "true", "yes"}:
            smtp.starttls()
        user = _setting("SMTP_USER")
        if user:
            smtp.login(user, _setting("SMTP_PASSWORD"))
        smtp.send_message(message)


def send_after_commit(to: str, subject: str, text: str, calendar: bytes | None = None) -> None:
    """Send the mail once the current unit of work commits; never if it rolls back.
    A failure to send is logged by the outbox; the committed change stands."""
    realtime.on_commit(lambda: send(to, subject, text, calendar))
