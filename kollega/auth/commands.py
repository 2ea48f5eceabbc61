"""``kollega token list EMAIL``, ``kollega token revoke ID`` (``token create`` is in cli.py)
and ``kollega users reset-second-factor EMAIL``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kollega.cli import fail_on_domain_error, token_group, users_group
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


@users_group.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def users_reset_second_factor(email: str) -> None:
    """Remove EMAIL's second factor (a lost phone and lost recovery codes) and sign them
    out everywhere; where it is required they set it up again at their next sign-in."""
    from kollega.auth.services import find_by_email, reset_second_factor
    from kollega.auth.sockets import disconnect_person
    from kollega.errors import Conflict

    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"no person with e-mail {email}")
    try:
        reset_second_factor(person, None, "cli")
    except Conflict:
        raise click.ClickException(f"{person.email} has no second factor") from None
    db.session.commit()
    disconnect_person(person.id)
    click.echo(f"second factor of {person.email} removed; they are signed out everywhere")
