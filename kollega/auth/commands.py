"""``kollega token list EMAIL`` and ``kollega token revoke ID`` (``token create`` is in cli.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kollega.cli import fail_on_domain_error, token_group
from kollega.extensions import db


@token_group.command("list")
@click.argument("email")
@with_appcontext
def token_list(email: str) -> None:
    """List EMAIL's tokens: id, created, state and name (never the token itself)."""
    from kollega.auth.services import find_by_email, tokens_of

    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"no person with e-mail {email}")
    for row in tokens_of(person):
        state = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "active"
        click.echo(f"{row.id}\t{row.created_at.isoformat()}\t{state}\t{row.name}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
@fail_on_domain_error
def token_revoke(token_id: int) -> None:
    """Revoke the token with id TOKEN_ID (see ``kollega token list``)."""
    from kollega.audit.services import record
    from kollega.auth.services import revoke_token_by_id

    row = revoke_token_by_id(token_id)
    record("auth.token_revoked", target_type="api_token", target_id=row.id, via="cli")
    db.session.commit()
    click.echo(f"token {row.id} of {row.person.email} is revoked")
