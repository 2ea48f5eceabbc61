"""A first install, as docs/OPERATIONS.md tells an operator to do it: an empty PostgreSQL
database, ``kollega db upgrade`` and then the municipality's own files with the command
line (units, people, requirements, assessments; the formats of DESIGN.md), no other
command. Then a backup (``pg_dump``) restored into another empty database (``psql``) is a
working database: the same rows, ``db upgrade`` has nothing to do, an import runs on it.

The CLI runs as child processes with the environment a server has (KOLLEGA_DATABASE_URL,
KOLLEGA_INSTANCE_PATH, KOLLEGA_SECRET_KEY), as an operator would run it."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL, create_admin_engine, service_missing

pytestmark = pytest.mark.slow

KOLLEGA = str(Path(sys.executable).parent / "kollega")

UNITS = (
    "code,name,parent_code,kind\n"
    "K,Eksempel kommune,,municipality\n"
    "OPP,Oppvekst,K,division\n"
    "SKO,Bråtan skole,OPP,unit\n"
    "BHG,Fjell barnehage,OPP,unit\n"
)
PEOPLE = (
    "employee_no,name,email,unit_code,job_code,fte,birth_year,roles\n"
    "1001,Kari Nordmann,kari@eksempel.kommune.no,SKO,LAER,1,1975,leader\n"
    '1002,Ola Hansen,ola@eksempel.kommune.no,SKO,LAER,"0,5",1988,\n'
    "1003,Åse Ødegård,ase@eksempel.kommune.no,BHG,PED,1,1969,employee|hr\n"
)
REQUIREMENTS = (
    "scope_type,scope_code,competence_code,level,effective_from,effective_until\n"
    "unit,SKO,digcomp-2.2:4.2,3,2025-01-01,\n"
    "unit,OPP,privacy-1.0:1.1,2,2025-01-01,2027-12-31\n"
)
ASSESSMENTS = (
    "employee_no,competence_code,level,source,assessed_on\n"
    "1001,digcomp-2.2:4.2,4,self,2025-03-01\n"
    "1002,digcomp-2.2:4.2,2,self,2025-03-02\n"
    "1003,privacy-1.0:1.1,3,leader,2025-03-03\n"
)


TABLES = {
    "frameworks": "competence_frameworks",
    "competences": "competences",
    "units": "org_units",
    "people": "people",
    "requirements": "competence_requirements",
    "assessments": "competence_assessments",
}


def _database(name: str) -> str:
    return (
        sa.make_url(PG_URL)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _libpq(url: str) -> str:
    """The URL as pg_dump and psql take it (no SQLAlchemy driver name)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _create(name: str) -> None:
    admin = create_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _drop(name: str) -> None:
    admin = create_admin_engine()
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def empty_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty PostgreSQL databases (the install and its restore), dropped after."""
    if not PG_URL:
        service_missing("KOLLEGA_TEST_DATABASE_URL is not set (PostgreSQL)")
    tag = secrets.token_hex(4)
    names = (f"kollega_install_{tag}", f"kollega_restore_{tag}")
    for name in names:
        _create(name)
    try:
        yield _database(names[0]), _database(names[1])
    finally:
        for name in names:
            _drop(name)


def _env(database_url: str, instance: Path) -> dict[str, str]:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOLLEGA_")},
        "KOLLEGA_DATABASE_URL": database_url,
        "KOLLEGA_INSTANCE_PATH": str(instance),
        "KOLLEGA_SECRET_KEY": "first-install-test-secret-key",
    }


def kollega(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [KOLLEGA, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, f"kollega {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _sql(url: str, statement: str) -> Any:
    """Run one statement in its own transaction; the first column of the first row."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for name, table in TABLES.items()
            }
    finally:
        engine.dispose()


def test_db_upgrade_then_the_four_imports_on_an_empty_postgresql(
    empty_databases: tuple[str, str], tmp_path: Path
) -> None:
    install, restore = empty_databases
    env = _env(install, tmp_path / "instance")
    files = {}
    for kind, text in (
        ("units", UNITS),
        ("people", PEOPLE),
        ("requirements", REQUIREMENTS),
        ("assessments", ASSESSMENTS),
    ):
        files[kind] = tmp_path / f"{kind}.csv"
        files[kind].write_text(text, encoding="utf-8")

    out = kollega(env, "db", "upgrade")
    assert "4 created" in out, out  # the four shipped frameworks
    # Nothing else: the files import in the order of docs/OPERATIONS.md.
    kollega(env, "import", "units", str(files["units"]))
    kollega(env, "import", "people", str(files["people"]))
    kollega(env, "import", "requirements", str(files["requirements"]))
    kollega(env, "import", "assessments", str(files["assessments"]))
    counts = _counts(install)
    assert counts["frameworks"] == 4 and counts["competences"] > 20, counts
    assert counts["units"] == 4 and counts["people"] == 3, counts
    assert counts["requirements"] == 2 and counts["assessments"] == 3, counts

    # A second upgrade (the same version) changes no framework.
    assert "0 created, 0 updated, 4 unchanged" in kollega(env, "db", "upgrade")
    # As if an older version of one framework had been loaded: the next upgrade updates it.
    shipped = _sql(install, "SELECT version FROM competence_frameworks WHERE code = 'digcomp-2.2'")
    _sql(
        install,
        "UPDATE competence_frameworks SET version = 'old', content_hash = 'old'"
        " WHERE code = 'digcomp-2.2'",
    )
    assert "0 created, 1 updated, 3 unchanged" in kollega(env, "db", "upgrade")
    assert (
        _sql(install, "SELECT version FROM competence_frameworks WHERE code = 'digcomp-2.2'")
        == shipped
    )
    assert _counts(install) == counts  # the assessments and requirements still point at it

    # Backup and restore: pg_dump | psql into an empty database is a working database.
    if not (shutil.which("pg_dump") and shutil.which("psql")):
        service_missing("pg_dump and psql are needed for the restore test")
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", _libpq(install)],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    subprocess.run(
        ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", _libpq(restore)],
        input=dump,
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert _counts(restore) == counts
    restored = _env(restore, tmp_path / "restored")
    assert "4 unchanged" in kollega(restored, "db", "upgrade")
    more = tmp_path / "more.csv"
    more.write_text(
        "employee_no,competence_code,level,source,assessed_on\n"
        "1002,digcomp-2.2:4.2,3,leader,2025-04-01\n",
        encoding="utf-8",
    )
    kollega(restored, "import", "assessments", str(more))
    assert _counts(restore)["assessments"] == 4
