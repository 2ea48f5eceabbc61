"""The person as the main menu's checks see it (``kollega.web.nav_items``), with their
stored roles and whether they lead a unit read in one Core statement.

Every page's menu asks ``is_guest``, ``is_hr``, ``led_units`` and the like of the signed-in
person; through the ORM that is two lazy loads (``role_rows``, ``led_units``) of about a
millisecond each, most of it the ORM's statement handling (benchmarks/thread_page.py).
Here both come from one statement on the session's connection, unless the request has
loaded them already (then those, with any change the request made to them). Everything
else is the person's own: the roles' meaning is ``Person``'s very properties, run on this
view; ``led_units`` is the person's list (loaded then) for someone who leads a unit, else
empty."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kollega.extensions import db
from kollega.org.models import Person, PersonRole, UnitLeader

# Built once: the person's stored roles, and a NULL row per unit they lead.
_ROLES_AND_LEADS = sa.union_all(
    sa.select(PersonRole.role).where(PersonRole.person_id == sa.bindparam("person_id")),
    sa.select(sa.null())
    .select_from(UnitLeader)
    .where(UnitLeader.person_id == sa.bindparam("person_id")),
)


class MenuPerson:
    """``person`` with ``stored_roles`` and ``led_units`` answered as described above."""

    __slots__ = ("_person", "_roles", "_leads")

    def __init__(self, person: Person) -> None:
        self._person = person
        loaded = person.__dict__
        roles: set[str] | None = None
        leads: bool | None = None
        if "role_rows" in loaded:
            roles = {r.role for r in loaded["role_rows"]}
        if "led_units" in loaded:
            leads = bool(loaded["led_units"])
        if roles is None or leads is None:
            rows = [
                r
                for (r,) in db.session.connection().execute(
                    _ROLES_AND_LEADS, {"person_id": person.id}
                )
            ]
            if roles is None:
                roles = {r for r in rows if r is not None}
            if leads is None:
                leads = None in rows
        self._roles = frozenset(roles)
        self._leads = leads

    def __getattr__(self, name: str) -> Any:
        return getattr(self._person, name)

    @property
    def stored_roles(self) -> set[str]:
        return set(self._roles)

    @property
    def led_units(self) -> list[Any]:
        return self._person.led_units if self._leads else []

    # Person's own definitions, on this view's stored_roles and led_units.
    roles = Person.roles
    has_role = Person.has_role
    is_hr = Person.is_hr
    is_admin = Person.is_admin
    is_guest = Person.is_guest
