"""Accounts and API tokens from the command line: ``kollega users create|set-password|
reset-second-factor`` and ``kollega token create|list|revoke``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kollega import realtime
from kollega.audit.services import record
from kollega.auth.services import (
    create_token,
    find_by_email,
    normalise_email,
    reset_second_factor,
    revoke_token_by_id,
    set_password,
    tokens_of,
)
from kollega.auth.sockets import disconnect_person
from kollega.cli import fail_on_domain_error, read_password, token_group, users_group
from kollega.errors import Conflict
from kollega.extensions import db
from kollega.org.models import Person
from kollega.org.services import set_leader, set_roles, unit_by_code
from kollega.uow import unit_of_work


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--unit", "unit_code", default=None, help="unit code")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["employee", "leader", "hr", "admin", "guest"]),
)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
@fail_on_domain_error
def users_create(
    email: str, name: str, unit_code: str | None, roles: tuple[str, ...], password_stdin: bool
) -> None:
    """Create an account (roles default to employee)."""
    if find_by_email(email) is not None:
        raise click.ClickException(f"a person with e-mail {email} exists already")
    if "@" not in email:
        raise click.ClickException(f"not an e-mail address: {email}")
    unit = unit_by_code(unit_code) if unit_code else None
    if "leader" in roles and unit is None:
        raise click.ClickException("--role leader needs --unit")
    password = read_password(password_stdin)
    with unit_of_work():
        person = Person(email=normalise_email(email), name=name.strip(), unit=unit)
        db.session.add(person)
        db.session.flush()
        set_roles(person, [r for r in roles if r != "leader"] or ["employee"])
        if "leader" in roles and unit is not None:
            set_leader(person, unit)
        set_password(person, password)
    click.echo(f"created {person.email} (id {person.id})")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
@fail_on_domain_error
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a person's password."""
    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"no person with e-mail {email}")
    with unit_of_work():
        set_password(person, read_password(password_stdin))
    click.echo(f"password set for {person.email}")


@users_group.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def users_reset_second_factor(email: str) -> None:
    """Remove EMAIL's second factor (a lost phone and lost recovery codes) and sign them
    out everywhere; where it is required they set it up again at their next sign-in."""
    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"no person with e-mail {email}")
    try:
        with unit_of_work():
            reset_second_factor(person, None, "cli")
            realtime.on_commit(lambda pid=person.id: disconnect_person(pid))
    except Conflict:
        raise click.ClickException(f"{person.email} has no second factor") from None
    click.echo(f"second factor of {person.email} removed; they are signed out everywhere")


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="a label for the token")
@with_appcontext
def token_create(email: str, name: str) -> None:
    """Print a new bearer token for EMAIL on standard output (and nothing else)."""
    person = find_by_email(email)
    if person is None or not person.active:
        raise click.ClickException(f"no active person with e-mail {email}")
    with unit_of_work():
        token = create_token(person, name)
    click.echo(token)


@token_group.command("list")
@click.argument("email")
@with_appcontext
def token_list(email: str) -> None:
    """List EMAIL's tokens: id, created, state and name (never the token itself)."""
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
    with unit_of_work():
        row = revoke_token_by_id(token_id)
        record("auth.token_revoked", target_type="api_token", target_id=row.id, via="cli")
    click.echo(f"token {row.id} of {row.person.email} is revoked")
