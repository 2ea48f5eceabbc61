"""The main menu (``web.nav_items``): each person's entries are what every entry's check
says of them, in each locale (labels and URLs are kept per locale)."""

from __future__ import annotations

import re

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


def test_the_menus_view_of_a_person_answers_as_the_person(app, org):
    """``MenuPerson`` (roles and led units in one statement) says what the person says,
    read afresh, already loaded, and after the request changed the roles."""
    from kollega.org.menu_person import MenuPerson
    from kollega.org.models import PersonRole

    checks = ("stored_roles", "roles", "is_hr", "is_admin", "is_guest", "led_units")
    for name in ("employee", "leader", "hr", "admin", "guest"):
        with app.test_request_context("/"):
            person = db.session.get(Person, getattr(org, name).id)
            db.session.expire(person)
            view = MenuPerson(person)
            db.session.expire(person)
            for check in checks:
                assert getattr(view, check) == getattr(person, check), (name, check)
            assert view.has_role("leader") == person.has_role("leader")
            assert [e.endpoint for e in web.NAV if e.visible(view)] == [
                e.endpoint for e in web.NAV if e.visible(person)
            ], name
            # Loaded and changed in this request (not flushed): the view sees the change.
            person.role_rows.append(PersonRole(role="hr"))
            assert MenuPerson(person).is_hr and person.is_hr
            db.session.rollback()


def _current(html: str) -> list[str]:
    nav = html[html.index('<ul class="nav">') : html.index("</ul>", html.index('<ul class="nav">'))]
    return re.findall(r'<a href="([^"]+)" aria-current="page">', nav)


def test_the_kept_menu_marks_the_page_it_is_on(app, client, org):
    """The menu is rendered once per locale, page and entries (``web.main_menu``): each
    page still marks its own entry, and the start page its own, in either order."""
    for _ in range(2):
        for path, current in (("/", ["/"]), ("/networks", ["/networks"]), ("/cycle/", ["/cycle/"])):
            for lang in ("nb", "en"):
                html = client.get(f"{path}?lang={lang}", headers=bearer(org.hr)).get_data(
                    as_text=True
                )
                assert _current(html) == current, (path, lang)


def test_one_entry_is_current_on_each_page(app, client, org):
    """The entry a page belongs to is the one whose address starts its path the longest
    way, else the first of its blueprint: never two entries at once."""
    pages = {
        "/units": ("admin", "/units"),
        "/import": ("admin", "/import"),
        "/competence/": ("employee", "/competence/"),
        "/competence/who-knows": ("employee", "/competence/who-knows"),
        "/competence/frameworks": ("hr", "/competence/frameworks"),
        "/gaps/me": ("employee", "/gaps/me"),
        "/gaps/units/K": ("hr", "/gaps/"),
        "/cycle/outbox": ("admin", "/cycle/outbox"),
        "/admin/users": ("admin", "/admin/users"),
    }
    for path, (who, current) in pages.items():
        response = client.get(path, headers=bearer(getattr(org, who)))
        assert response.status_code == 200, path
        assert _current(response.get_data(as_text=True)) == [current], path
