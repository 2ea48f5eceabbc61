"""A seeded world for the browser audits: the demo municipality at a small N, one database
per module, one live server per module, and signed-in browser contexts per role and language.

The ``app`` fixture of tests/conftest.py is function-scoped and parametrised over backends;
these audits look at pages in a browser, so they build their own module-scoped app on SQLite
with the same helpers (the migrated template, ``_settings``, ``LiveServer``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import IsolatedClient, LiveServer, _settings

DEMO_EMPLOYEES = 40  # the smallest demo municipality: every role, every feature's demo step
DEMO_SEED = 2021
SWITCH_TO = {"en": "English", "nb": "Norsk (bokmål)"}


@pytest.fixture(scope="session")
def _world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated SQLite database with the demo municipality, seeded once per session."""
    from kollega import create_app
    from kollega.demo.seed import build_demo
    from kollega.extensions import db
    from kollega.migrate import upgrade

    folder = tmp_path_factory.mktemp("world")
    path = folder / "world.db"
    app = create_app(_settings(f"sqlite:///{path}", folder))
    upgrade(app)  # its own migration run: a copied template was seen vanishing under load
    with app.app_context():
        build_demo(DEMO_EMPLOYEES, DEMO_SEED)
        add_shared_gap()
        db.session.commit()
        db.engine.dispose()
    return path


SHARED_GAP_NOTE = "browser world: a gap five people share"
SHARED_GAP_NEWCOMERS = ("Sigrid Haugen", "Ola Berg", "Nina Lie")


def add_shared_gap() -> None:
    """Give the leader's unit a gap that five or more people share and no open network
    works on, so that the unit's measures propose a new network (the 40-person demo's
    units have at most four people): three newcomers without assessments, and a unit
    requirement at the framework's top level in a competence no network covers."""
    import datetime as dt

    from kollega import clock
    from kollega.competence import requirements
    from kollega.competence import services as competence
    from kollega.competence.models import Competence
    from kollega.demo.seed import demo_logins
    from kollega.extensions import db
    from kollega.networks.models import Network
    from kollega.org.models import Person
    from tests.factories import make_person

    email = next(r.email for r in demo_logins() if r.role == "leader")
    leader = db.session.scalars(sa.select(Person).where(Person.email == email)).one()
    unit = leader.led_units[0]
    for i, name in enumerate(SHARED_GAP_NEWCOMERS):
        make_person(unit=unit, name=name, email=f"newcomer{i}@demo.kollega.no")
    covered: set[str] = set()
    for codes in db.session.scalars(
        sa.select(Network.target_competences).where(Network.status == "active")
    ):
        covered.update(codes or [])
    comp = next(
        c
        for c in db.session.scalars(sa.select(Competence).order_by(Competence.id))
        if c.code not in covered
    )
    requirements.create_requirement(
        leader,
        "unit",
        unit.code,
        comp,
        competence.scale_max(comp.framework_id),
        clock.today() - dt.timedelta(days=30),
        note=SHARED_GAP_NOTE,
    )


@pytest.fixture(scope="module")
def world_app(_world_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A module's own copy of the seeded world (journeys change it)."""
    from kollega import create_app
    from kollega.extensions import db

    folder = tmp_path_factory.mktemp("world-app")
    path = folder / "kollega.db"
    shutil.copyfile(_world_template, path)
    app = create_app(_settings(f"sqlite:///{path}", folder))
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def world_server(world_app: Any) -> Iterator[LiveServer]:
    server = LiveServer(world_app).start()
    yield server
    server.stop()


def query(app: Any, sql: str, **params: Any) -> list[Any]:
    """Rows of a read-only SQL query against the world."""
    from kollega.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def scalar(app: Any, sql: str, **params: Any) -> Any:
    rows = query(app, sql, **params)
    return rows[0][0] if rows else None


@pytest.fixture(scope="module")
def world(world_app: Any) -> dict[str, Any]:
    """Ids and codes of the seeded world that page URLs need."""
    from kollega.demo.seed import DEMO_PASSWORD, demo_logins

    with world_app.app_context():
        logins = {r.role: r.email for r in demo_logins()}
    w: dict[str, Any] = {"password": DEMO_PASSWORD, "emails": logins}
    ids = {
        role: scalar(world_app, "SELECT id FROM people WHERE email = :e", e=email)
        for role, email in logins.items()
    }
    w["ids"] = ids
    w["leader_unit"] = scalar(
        world_app,
        "SELECT u.code FROM unit_leaders l JOIN org_units u ON u.id = l.unit_id"
        " WHERE l.person_id = :p ORDER BY u.id",
        p=ids["leader"],
    )
    w["employee_unit"] = scalar(
        world_app,
        "SELECT u.code FROM people p JOIN org_units u ON u.id = p.unit_id WHERE p.id = :p",
        p=ids["employee"],
    )
    w["root_unit"] = scalar(world_app, "SELECT code FROM org_units WHERE parent_id IS NULL")
    # A thread of a network the employee is a member of, and a message of theirs in it.
    w["message"], w["thread"], w["network"] = query(
        world_app,
        "SELECT m.id, t.id, t.network_id FROM messages m JOIN threads t ON t.id = m.thread_id"
        " JOIN network_members nm ON nm.network_id = t.network_id AND nm.person_id = :p"
        " WHERE m.author_id = :p AND m.deleted_at IS NULL ORDER BY m.id DESC",
        p=ids["employee"],
    )[0]
    w["guest_network"] = scalar(
        world_app,
        "SELECT network_id FROM network_members WHERE person_id = :p",
        p=ids["guest"],
    )
    w["event"] = scalar(world_app, "SELECT id FROM cycle_events ORDER BY id")
    w["training"] = scalar(world_app, "SELECT id FROM trainings ORDER BY id")
    w["session"] = scalar(world_app, "SELECT id FROM training_sessions ORDER BY id")
    w["plan"] = scalar(world_app, "SELECT id FROM strategic_plans ORDER BY id")
    w["framework"] = scalar(world_app, "SELECT code FROM competence_frameworks ORDER BY id")
    w["competence"] = scalar(world_app, "SELECT code FROM competences ORDER BY id")
    w["shared_gap"] = query(
        world_app,
        "SELECT c.code, r.level FROM competence_requirements r"
        " JOIN competences c ON c.id = r.competence_id WHERE r.note = :n",
        n=SHARED_GAP_NOTE,
    )[0]
    return w


class Browsers:
    """Signed-in browser contexts, one per (role, language), opened when first asked for."""

    def __init__(self, chromium: Any, server: LiveServer, world: dict[str, Any]) -> None:
        self.chromium = chromium
        self.server = server
        self.world = world
        self.pages: dict[tuple[str | None, str, tuple[int, int]], Any] = {}

    def page(self, role: str | None, lang: str, viewport: tuple[int, int] = (1280, 800)) -> Any:
        key = (role, lang, viewport)
        if key not in self.pages:
            context = self.chromium.new_context(
                base_url=self.server.url,
                locale="nb-NO",
                viewport={"width": viewport[0], "height": viewport[1]},
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.set_default_navigation_timeout(60_000)
            page.goto("/login")
            if role is not None:
                sign_in(page, self.world["emails"][role], self.world["password"])
            set_language(page, lang)
            self.pages[key] = page
        return self.pages[key]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()
        self.pages.clear()


def sign_in_as(page: Any, person: Any) -> None:
    """Sign a person made by tests.factories in through the sign-in form."""
    from tests.factories import PASSWORD

    sign_in(page, person.email, PASSWORD)


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():  # the page already counts as loaded: wait for the next
        page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


def set_language(page: Any, lang: str) -> None:
    """Choose the language with the page's own switch (it is also saved on the person)."""
    if page.get_attribute("html", "lang") != lang:
        with page.expect_navigation():
            page.get_by_role("button", name=SWITCH_TO[lang]).click()
        page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == lang


@pytest.fixture(scope="module")
def browsers(chromium: Any, world_server: LiveServer, world: dict[str, Any]) -> Iterator[Browsers]:
    b = Browsers(chromium, world_server, world)
    yield b
    b.close()


def visit(page: Any, url: str, lang: str) -> Any:
    """Go to ``url`` in ``lang`` and return the response. The language is saved on the
    person too, so another context of the same person may have switched it: switch back."""
    response = page.goto(url)
    if page.get_attribute("html", "lang") != lang:
        set_language(page, lang)
        response = page.goto(url)
    page.wait_for_load_state()
    return response
