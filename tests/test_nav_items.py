"""The main menu (``web.nav_items``): each person's entries are what every entry's check
says of them, read in one statement (roles and led units together, not a lazy load
each), with labels and URLs kept per locale."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import url_for

from kollega import web
from kollega.extensions import db
from kollega.org.models import Person
from tests.networks.test_api import bearer


def _menu(html: str) -> list[str]:
    nav = html[html.index('<ul class="nav">') : html.index("</ul>", html.index('<ul class="nav">'))]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_each_persons_menu_is_what_the_checks_say(app, client, org):
    people = ("employee", "leader", "hr", "admin", "guest")
    for name in people:
        person = getattr(org, name)
        with app.test_request_context("/"):
            fresh = db.session.get(Person, person.id)
            db.session.expire(fresh)
            expected = ["/", *(url_for(e.endpoint) for e in web.NAV if e.visible(fresh))]
        for lang in ("nb", "en"):
            html = client.get(f"/?lang={lang}", headers=bearer(person)).get_data(as_text=True)
            assert _menu(html) == expected, name


def test_the_menu_reads_roles_and_led_units_in_one_statement(app, org):
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with app.test_request_context("/"):
        from flask_login import login_user

        person = db.session.get(Person, org.leader.id)
        db.session.expire(person)
        person.name  # noqa: B018 (loaded as a request's loader loads it)
        login_user(person)
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            items = web.nav_items()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert len(seen) == 1, seen
        assert "person_roles" in seen[0] and "unit_leaders" in seen[0]
        assert [i["url"] for i in items] == [
            url_for(e.endpoint) for e in web.NAV if e.visible(person)
        ]
        assert person.led_units and [u.code for u in person.led_units] == sorted(
            u.code for u in person.led_units
        )
