"""``kollega seed demo [--employees N] [--seed S] [--if-empty]``: the demo municipality."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from kollega.cli import fail_on_domain_error, seed_group
from kollega.demo.seed import (
    DEFAULT_EMPLOYEES,
    DEFAULT_SEED,
    build_demo,
    check_employees,
    demo_logins,
    has_people,
)
from kollega.extensions import db
from kollega.uow import unit_of_work


def _whole_number(option: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise click.ClickException(f"{option} must be a whole number, not {raw!r}") from None


def _print_logins() -> None:
    rows = demo_logins()
    if not rows:
        click.echo("No demo sign-ins in this database.")
        return
    table = [("role", "name", "e-mail", "password")] + [
        (r.role, r.name, r.email, r.password or "(changed since seeding)") for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    click.echo("")
    click.echo("Demo sign-ins:")
    for n, row in enumerate(table):
        click.echo(
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            click.echo("  " + "  ".join("-" * w for w in widths))


@seed_group.command("demo")
@click.option(
    "--employees",
    default=str(DEFAULT_EMPLOYEES),
    show_default=True,
    metavar="N",
    help="number of employees (Drammen has about 6500)",
)
@click.option(
    "--seed",
    "seed_value",
    default=str(DEFAULT_SEED),
    show_default=True,
    metavar="S",
    help="random seed: the same N and S give the same data",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="only seed when the database has no people; print the sign-ins either way",
)
@with_appcontext
@fail_on_domain_error
def seed_demo(employees: str, seed_value: str, if_empty: bool) -> None:
    """Build a deterministic demo municipality and print one sign-in per role."""
    n = _whole_number("--employees", employees)
    seed = _whole_number("--seed", seed_value)
    check_employees(n)
    try:
        occupied = has_people()
    except sa.exc.DBAPIError:
        db.session.rollback()
        raise click.ClickException(
            "the database has no tables yet: run `kollega db upgrade` first"
        ) from None
    if occupied:
        if not if_empty:
            raise click.ClickException(
                "the database already has people: seed demo data into an empty database "
                "(--if-empty only prints the sign-ins)"
            )
        click.echo("The database already has people: no demo data added.")
    else:
        click.echo(f"Building the demo municipality: {n} employees, seed {seed} …")
        with unit_of_work():
            build_demo(n, seed, progress=lambda msg: click.echo(f"  {msg}"))
    _print_logins()
