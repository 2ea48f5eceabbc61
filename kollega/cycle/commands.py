"""``kollega scheduler``: the production scheduler process (exactly one per site) that
runs every registered job (``kollega.scheduler``)."""

from __future__ import annotations

import contextlib

import click
import socketio as python_socketio
from flask import current_app
from flask.cli import with_appcontext

from kollega import scheduler
from kollega.cli import main
from kollega.cycle import jobs
from kollega.extensions import socketio


def _emit_through_redis(app) -> None:  # type: ignore[no-untyped-def]
    """Socket.IO as a write-only client of the Redis message queue: the web
    processes deliver what this process publishes."""
    url = app.config.get("REDIS_URL")
    if not url:
        return
    socketio.init_app(
        app,
        async_mode="threading",
        # The channel the web processes' Flask-SocketIO listens on.
        client_manager=python_socketio.RedisManager(
            url, channel=app.config["SOCKETIO_CHANNEL"], write_only=True
        ),
    )


@main.command("scheduler")
@click.option("--once", is_flag=True, help="do what is due now, then exit")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the scheduler: every feature's jobs (the annual cycle's reminders and stops,
    retention, ...)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _emit_through_redis(app)
    done = jobs.run_due()  # catch up at start
    if once:
        click.echo(f"{done} due action(s) done")
        return
    click.echo("kollega scheduler is running (Ctrl+C to stop)")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.run_blocking(app)
