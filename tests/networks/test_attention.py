"""Attention settings (issue #20): desktop notifications and quiet hours in the
notification settings, on the page and through the API; quiet hours hold back e-mail."""

from __future__ import annotations

import datetime as dt
import email
from pathlib import Path

from kollega.cycle import jobs
from kollega.extensions import db
from kollega.networks.models import NotificationSetting
from kollega.networks.notifications import (
    in_quiet_hours,
    set_notification_settings,
    within_quiet_hours,
)
from tests.conftest import login
from tests.cycle.helpers import utc
from tests.networks.test_api import bearer


def _setting(person):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(NotificationSetting, person.id)


def test_page_saves_desktop_notifications_and_quiet_hours(client, org):
    login(client, org.employee)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Skrivebordsvarsler" in html and "Stilletid (norsk tid)" in html
    r = client.post(
        "/notifications",
        data={
            "form": "attention",
            "desktop_notifications": "on",
            "quiet_from": "22:00",
            "quiet_to": "07:00",
        },
    )
    assert r.status_code == 302
    setting = _setting(org.employee)
    assert setting.desktop_notifications is True
    assert (setting.quiet_from, setting.quiet_to) == (dt.time(22), dt.time(7))
    html = client.get("/notifications").get_data(as_text=True)
    assert 'value="22:00"' in html and 'value="07:00"' in html
    assert 'id="desktop-notifications" name="desktop_notifications"' in html
    # Unchecked and emptied: off, no quiet hours.
    r = client.post("/notifications", data={"form": "attention", "quiet_from": "", "quiet_to": ""})
    assert r.status_code == 302
    setting = _setting(org.employee)
    assert setting.desktop_notifications is False and setting.quiet_from is None


def test_page_refuses_a_bad_time_and_stores_nothing(client, org):
    login(client, org.employee)
    r = client.post(
        "/notifications",
        data={
            "form": "attention",
            "desktop_notifications": "on",
            "quiet_from": "25:00",
            "quiet_to": "07:00",
        },
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Skriv klokkeslettet som TT:MM, fra 00:00 til 23:59." in html
    assert 'id="quiet-from-error"' in html and 'aria-invalid="true"' in html
    assert 'value="25:00"' in html  # what was typed is kept
    assert _setting(org.employee) is None  # nothing stored
    # Only one end of the quiet hours: refused too, beside the empty one.
    r = client.post("/notifications", data={"form": "attention", "quiet_from": "22:00"})
    assert r.status_code == 422
    assert "Fyll inn både start og slutt på stilletiden" in r.get_data(as_text=True)
    assert _setting(org.employee) is None


def test_page_error_in_english(client, org):
    org.employee.locale = "en"
    db.session.commit()
    login(client, org.employee)
    r = client.post(
        "/notifications", data={"form": "attention", "quiet_from": "7pm", "quiet_to": "08:00"}
    )
    assert r.status_code == 422
    assert "Give a time as HH:MM, from 00:00 to 23:59." in r.get_data(as_text=True)


def test_api_reads_and_changes_the_settings(client, org):
    h = bearer(org.employee)
    url = "/api/v1/me/notification-settings"
    r = client.put(
        url,
        json={"desktop_notifications": True, "quiet_from": "21:30", "quiet_to": "06:45"},
        headers=h,
    )
    assert r.status_code == 200
    assert r.get_json() == {
        "email_digest": "weekly",
        "desktop_notifications": True,
        "quiet_from": "21:30",
        "quiet_to": "06:45",
        "timezone": "Europe/Oslo",
    }
    # What was read may be sent back as it is (timezone is read only).
    assert client.put(url, json=r.get_json(), headers=h).status_code == 200
    for body, field in [
        ({"quiet_from": "25:00"}, "quiet_from"),
        ({"quiet_to": "12"}, "quiet_to"),
        ({"quiet_from": None}, "quiet_from"),  # one end only: the empty one
        ({"quiet_from": "06:45"}, "quiet_to"),  # ends when it starts
        ({"desktop_notifications": "maybe"}, "desktop_notifications"),
        ({"email_digest": "hourly"}, "email_digest"),
        ({"volume": 11}, "volume"),
    ]:
        r = client.put(url, json=body, headers=h)
        assert r.status_code == 422, body
        assert field in r.get_json()["error"]["fields"], body
    assert client.put(url, json=["x"], headers=h).status_code == 400
    assert client.get(url, headers=h).get_json()["quiet_from"] == "21:30"  # unchanged
    spec = client.get("/api/v1/openapi.json").get_json()
    props = spec["paths"]["/me/notification-settings"]["get"]
    assert "quiet_from" in str(props)


def test_quiet_hours_span_midnight_in_oslo_time(app, org):
    assert within_quiet_hours(dt.time(22), dt.time(7), utc(2027, 1, 5, 22, 30))  # 23:30
    assert within_quiet_hours(dt.time(22), dt.time(7), utc(2027, 1, 5, 5, 59))  # 06:59
    assert not within_quiet_hours(dt.time(22), dt.time(7), utc(2027, 1, 5, 6, 0))  # 07:00
    assert within_quiet_hours(dt.time(12), dt.time(13), utc(2027, 7, 5, 10, 30))  # 12:30 CEST
    assert not within_quiet_hours(dt.time(12), dt.time(13), utc(2027, 7, 5, 11, 0))
    assert not in_quiet_hours(org.employee, utc(2027, 1, 5, 3))
    set_notification_settings(org.employee, {"quiet_from": "01:00", "quiet_to": "05:00"})
    assert in_quiet_hours(org.employee, utc(2027, 1, 5, 3))


def _outbox(app) -> list[email.message.Message]:  # type: ignore[no-untyped-def]
    folder = Path(app.instance_path) / "outbox"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def test_quiet_hours_hold_the_mention_digest_until_they_end(app, org):
    """A mention reaches e-mail through the digest; in quiet hours it waits (held, not
    skipped), and goes out once, when they are over."""
    from kollega.networks.members import join_network
    from kollega.networks.networks import create_network
    from kollega.networks.send import send_message
    from kollega.networks.threads import open_thread

    app.config["SMTP_HOST"] = ""
    network = create_network(org.leader, "Lesing", "", visibility="open")
    join_network(org.colleague, network.id)
    join_network(org.employee, network.id)
    set_notification_settings(
        org.colleague, {"email_digest": "daily", "quiet_from": "06:00", "quiet_to": "09:00"}
    )
    set_notification_settings(org.employee, {"email_digest": "daily"})
    opened = open_thread(org.leader, network.id, "Hei", "discussion", "Velkommen alle")
    thread = opened[0] if isinstance(opened, tuple) else opened
    send_message(org.leader, thread.id, "m1", f"Hva mener du, @{org.colleague.name}?")
    db.session.commit()
    # 07:05 Oslo (2027-01-05, winter: UTC+1): the employee's digest goes, the
    # colleague's is held by the quiet hours.
    assert jobs.send_digests(utc(2027, 1, 5, 6, 5)) == 1
    assert [m["To"] for m in _outbox(app)] == [org.employee.email]
    assert jobs.send_digests(utc(2027, 1, 5, 7, 30)) == 0  # 08:30: still quiet
    # 09:00 Oslo: the quiet hours are over and the held digest goes, with the mention.
    assert jobs.send_digests(utc(2027, 1, 5, 8, 0)) == 1
    mails = _outbox(app)
    assert sorted(m["To"] for m in mails) == sorted([org.employee.email, org.colleague.email])
    held = next(m for m in mails if m["To"] == org.colleague.email)
    assert "nevnte deg" in held.get_payload(decode=True).decode()
    # Once only.
    assert jobs.send_digests(utc(2027, 1, 5, 8, 1)) == 0
    assert len(_outbox(app)) == 2
