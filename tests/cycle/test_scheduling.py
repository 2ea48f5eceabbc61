"""Reminder e-mail through a real SMTP server, the outbox, ``kollega scheduler`` and the
embedded scheduler (started once per process)."""

from __future__ import annotations

import datetime as dt
import email
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from kollega import scheduler
from kollega.cycle import jobs
from kollega.cycle.models import Dispatch, SchedulerHeartbeat
from kollega.extensions import db
from kollega.privacy import jobs as retention_jobs
from tests.conftest import free_port
from tests.cycle.helpers import make_event, utc


@pytest.fixture
def stop(org):  # type: ignore[no-untyped-def]
    return make_event(
        org.leader,
        unit="A1a",
        kind="learning_stop",
        title="Læringsstopp",
        starts_at="2027-01-05T09:00",
        ends_at="2027-01-05T10:00",
        reminders=[60],
        created_at=utc(2026, 12, 1),
    )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_reminder_reaches_a_real_smtp_server(app, org, stop, smtp):
    controller, inbox = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port))
    assert jobs.run_due(utc(2027, 1, 5, 7)) == 1
    recipients = {m["To"] for m in inbox.messages}
    assert recipients == {org.employee.email, org.colleague.email}
    assert "Læringsstopp" in str(
        email.header.make_header(email.header.decode_header(inbox.messages[0]["Subject"]))
    )
    assert jobs.run_due(utc(2027, 1, 5, 7, 1)) == 0
    assert len(inbox.messages) == 2


def test_without_smtp_mail_goes_to_the_outbox(app, org, stop):
    app.config["SMTP_HOST"] = ""
    jobs.run_due(utc(2027, 1, 5, 7, 30))
    files = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 2


def test_scheduler_command_once_and_heartbeat(app, org, stop, runner):
    result = runner("scheduler", "--once")
    assert result.exit_code == 0, result.output
    assert "due action" in result.output
    beat = db.session.get(SchedulerHeartbeat, jobs.HEARTBEAT)
    assert beat is not None and beat.beat_at <= dt.datetime.now(dt.UTC)


def test_embedded_scheduler_starts_once_and_not_when_disabled(app, monkeypatch):
    start = app.extensions["kollega.start_background"]
    app.config["SCHEDULER_ENABLED"] = False
    start(app)
    assert scheduler._embedded is None
    app.config["SCHEDULER_ENABLED"] = True
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "false")  # a reloader's watcher process
    start(app)
    assert scheduler._embedded is None
    monkeypatch.delenv("WERKZEUG_RUN_MAIN")
    try:
        start(app)
        first = scheduler._embedded
        start(app)
        assert first is not None and scheduler._embedded is first
        ids = {j.id for j in first.get_jobs()}
        assert {jobs.JOB_ID, retention_jobs.JOB_ID} <= ids  # every feature's jobs
    finally:
        scheduler.stop_embedded()


def test_scheduler_every_seconds_puts_a_job_on_an_interval(app):
    """``SCHEDULER_EVERY_SECONDS`` (what the running scheduler's test sets) runs the named
    job every so many seconds; the others keep their cron fields; a typo fails at start."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    app.config["SCHEDULER_EVERY_SECONDS"] = f"{jobs.JOB_ID}=1"
    plan = BackgroundScheduler(timezone="UTC")
    scheduler.add_jobs(plan, app)
    every = plan.get_job(jobs.JOB_ID).trigger
    assert isinstance(every, IntervalTrigger) and every.interval == dt.timedelta(seconds=1)
    assert isinstance(plan.get_job(retention_jobs.JOB_ID).trigger, CronTrigger)
    for wrong in ("kollega.no_such_job=1", f"{jobs.JOB_ID}=0", f"{jobs.JOB_ID}"):
        with pytest.raises(ValueError):
            scheduler.intervals(wrong)


def test_a_failing_action_is_retried_not_lost(app, org, stop, monkeypatch):
    from kollega.cycle import dispatch

    real = dispatch._remind

    def broken(*args):  # type: ignore[no-untyped-def]
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(dispatch, "_remind", broken)
    assert jobs.run_due(utc(2027, 1, 5, 7, 30)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispatch)) == 0
    monkeypatch.setattr(dispatch, "_remind", real)
    assert jobs.run_due(utc(2027, 1, 5, 7, 31)) == 1


def test_admin_reads_the_outbox_others_do_not(app, org, stop):
    from tests.conftest import login

    app.config["SMTP_HOST"] = ""
    jobs.run_due(utc(2027, 1, 5, 7, 30))
    admin = app.test_client()
    login(admin, org.admin)
    page = admin.get("/cycle/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert org.employee.email in html and "Læringsstopp" in html
    name = re.search(r'href="/cycle/outbox/(\w+)"', html).group(1)
    assert admin.get(f"/cycle/outbox/{name}").status_code == 200
    assert admin.get("/cycle/outbox/nope").status_code == 404
    hr = app.test_client()
    login(hr, org.hr)
    assert hr.get("/cycle/outbox").status_code == 403
    assert hr.get(f"/cycle/outbox/{name}").status_code == 403


def test_scheduler_process_emits_through_redis(app, redis_url):
    """``kollega scheduler`` publishes as a write-only client of the Redis queue."""
    import json

    import redis

    from kollega.cycle.commands import _emit_through_redis
    from kollega.realtime import person_room, publish

    app.config["REDIS_URL"] = redis_url
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    pubsub.subscribe("flask-socketio")
    pubsub.get_message(timeout=2)  # the subscription confirmation
    from kollega.extensions import socketio

    _emit_through_redis(app)
    try:
        publish(person_room(1), "cycle:reminder", {"title": "Stopp"})
        message = None
        for _ in range(20):
            message = pubsub.get_message(timeout=0.5)
            if message and message["type"] == "message":
                break
    finally:
        pubsub.close()
        # Flask-SocketIO keeps the manager in its options: leave the next app its own.
        socketio.server_options.pop("client_manager", None)
    assert message is not None and message["type"] == "message"
    data = json.loads(message["data"])
    assert data["event"] == "cycle:reminder" and data["room"] == "person:1"


def test_a_registered_job_runs_as_one_unit_of_work(app, caplog):
    """``kollega.scheduler`` runs a job in its own app context and unit of work: what a
    job that returns queued goes out after its commit; a job that raises keeps nothing
    and is logged (the next run tries again)."""
    from kollega.db import now_utc
    from kollega.realtime import on_commit

    after: list[str] = []

    @scheduler.job("tests.ok", minute=0)
    def ok() -> None:
        db.session.add(SchedulerHeartbeat(name="tests.ok", beat_at=now_utc(), pid=1))
        on_commit(lambda: after.append("ok"))

    @scheduler.job("tests.broken", minute=0)
    def broken() -> None:
        db.session.add(SchedulerHeartbeat(name="tests.broken", beat_at=now_utc(), pid=1))
        on_commit(lambda: after.append("broken"))
        raise RuntimeError("disk on fire")

    try:
        scheduler.run(app, "tests.ok")
        scheduler.run(app, "tests.broken")
    finally:
        scheduler._registry.pop("tests.ok")
        scheduler._registry.pop("tests.broken")
    assert after == ["ok"]
    assert db.session.get(SchedulerHeartbeat, "tests.ok") is not None
    assert db.session.get(SchedulerHeartbeat, "tests.broken") is None
    assert "tests.broken failed" in caplog.text
