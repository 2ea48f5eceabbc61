"""``kollega privacy retention``: apply the retention rules now (the daily job's pass)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kollega.cli import main
from kollega.privacy import jobs, retention


@main.group("privacy")
def privacy_group() -> None:
    """Privacy: retention."""


@privacy_group.command("retention")
@with_appcontext
def retention_command() -> None:
    """Delete old messages, deactivate and erase idle accounts as the settings say."""
    settings = retention.current_settings()
    result = jobs.run_retention()
    click.echo(
        f"messages deleted: {result.messages_deleted}"
        f" (older than {settings.message_months or '-'} months, scope {settings.message_scope})"
    )
    click.echo(
        f"accounts deactivated: {len(result.deactivated)}"
        f" (idle {settings.deactivate_months or '-'} months)"
    )
    click.echo(
        f"accounts erased: {len(result.erased)} (idle {settings.erase_months or '-'} months)"
    )
