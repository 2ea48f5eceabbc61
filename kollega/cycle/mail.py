"""Reminder e-mail: over SMTP when ``KOLLEGA_SMTP_HOST`` is set, otherwise into the
instance's ``outbox/`` folder (the embedded default), one ``.eml`` file per mail."""

from __future__ import annotations

import os
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def _setting(name: str, default: str = "") -> str:
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(f"KOLLEGA_{name}", default)
    return str(value)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send(to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = _setting("SMTP_FROM", "kollega@localhost")
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@kollega>"
    message.set_content(text)
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
