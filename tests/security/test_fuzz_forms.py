"""Fuzzing the HTML forms: generated form data to every POST page route of the app.

The routes come from ``app.url_map`` (not the API, not signing in or out); each is sent
by a role that may use it in side A of the matrix world (the first of leader, HR, admin,
facilitator, employee, guest whose policy letter is ``A`` or ``V``), with side A's ids in
the path. The field names are read with lxml from the forms the app itself renders
(every page of the app fetched once as the leader, HR and admin, forms grouped by their
``action``), plus a few likely names when a route has no rendered form. Hypothesis fills
any subset of them with text, numbers, dates, the world's ids, huge strings, unicode and
control characters, and adds unknown fields. Every answer must be below 500, and a
refused request (4xx) must leave every table as it was.

Derandomized and bounded (``EXAMPLES`` per route); ``FUZZ_CASES`` counts what was sent.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from hypothesis import strategies as st

from kollega.extensions import db
from tests.conftest import login
from tests.security import matrix
from tests.security.digest import table_digests
from tests.security.policy import POLICY
from tests.security.test_fuzz_api import _send_each
from tests.security.world import ROLES, build_world

EXAMPLES = 8
FUZZ_CASES: dict[str, int] = {}
# Not fuzzed here: signing in and out (/login..., /logout: their own tests in
# tests/security/test_sessions.py and test_limits.py; fuzzing them signs the caller out or
# locks the account).


def excluded(path: str) -> bool:
    return path.startswith(("/api/", "/login", "/logout"))


# Who sends a route, in order of preference: the first whose policy letter lets it in.
SENDERS = ("leader", "hr", "admin", "facilitator", "employee", "guest")
# Written by any signed-in request (last seen, sign-in records), or by showing a page: a
# refused message re-renders its thread, which marks the thread read.
VOLATILE = {"api_tokens", "login_attempts", "user_sessions", "sessions", "thread_reads"}
LIKELY = [
    "title",
    "body",
    "name",
    "description",
    "level",
    "note",
    "kind",
    "unit",
    "starts_at",
    "ends_at",
    "visibility",
    "email",
    "role",
    "state",
    "action",
    "next",
    "year",
    "competence",
    "capacity",
    "location",
]


def fingerprint() -> dict[str, str]:
    """A digest of every table's committed rows."""
    db.session.rollback()
    with db.engine.connect() as conn:
        return table_digests(conn.execute, VOLATILE)


def values(world: Any) -> st.SearchStrategy[str]:
    ids = [str(v) for v in world.own.values() if isinstance(v, int)]
    words = ["1", "0", "-1", "on", "yes", "open", "request", "invite", "A1", "B1", "csv"]
    words += ["digcomp-2.2:4.2", "2027-03-02", "2027-03-02T09:00", "discussion"]
    return st.one_of(
        st.sampled_from(ids + words),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), max_size=8),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats().map(str),
        st.dates().map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat()),
        st.sampled_from(
            ["x" * 100_000, "æøå🙂" * 2_000, "<script>alert(1)</script>", "nul\x00tegn"]
        ),
    )


def form_data(names: list[str], world: Any) -> st.SearchStrategy[dict[str, str]]:
    """Any subset of the form's fields, plus unknown ones."""
    value = values(world)
    known = st.fixed_dictionaries({}, optional={name: value for name in names})
    extra = st.dictionaries(st.text(min_size=1, max_size=12), value, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


def rendered_forms(client: Any, app: Any, world: Any, caller_id: int) -> dict[str, set[str]]:
    """Field names of every form the app renders on its pages, by the path it posts to."""
    names: dict[str, set[str]] = {}
    for _endpoint, method, rule in matrix.operations(app):
        if method != "GET" or excluded(rule.rule) or rule.endpoint == "static":
            continue
        url = matrix.url_for_rule(rule, world.own, caller_id)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = lxml.html.fromstring(response.data)
        for form in page.forms:
            if (form.method or "GET").upper() != "POST":
                continue
            action = urlsplit(form.action or url).path or url
            fields = names.setdefault(action, set())
            for element in form.inputs:
                if element.name and element.name != "csrf_token":
                    fields.add(element.name)
    return names


def sender(key: str) -> str | None:
    if key not in POLICY:
        return None  # a new route: test_matrix.py asks for its policy first
    letters = POLICY[key]["A"]
    for role in SENDERS:
        if letters[ROLES.index(role)] in "AV":
            return role
    return None


def test_forms_with_generated_data(app: Any, org: Any) -> None:
    from kollega.competence.frameworks import sync_frameworks

    FUZZ_CASES.clear()  # one backend's count
    sync_frameworks()
    db.session.commit()
    world = build_world(org)
    clients: dict[str, Any] = {}
    for role in SENDERS:
        clients[role] = app.test_client()
        login(clients[role], world.people[role])
    started = time.perf_counter()
    forms: dict[str, set[str]] = {}
    for role in ("leader", "hr", "admin"):
        for path, fields in rendered_forms(
            clients[role], app, world, world.people[role].id
        ).items():
            forms.setdefault(path, set()).update(fields)

    print(f"form fuzz: {len(forms)} rendered forms read in {time.perf_counter() - started:.1f} s")
    routes = []
    for endpoint, method, rule in matrix.operations(app):
        if method != "POST" or excluded(rule.rule):
            continue
        role = sender(matrix.op_key(endpoint, method, rule))
        if role is not None:
            routes.append((rule, role))
    assert len(routes) >= 40, [r.rule for r, _ in routes]

    started = time.perf_counter()
    tables = {"now": fingerprint()}
    without_form = []
    for rule, role in routes:
        person = world.people[role]
        url = matrix.url_for_rule(rule, world.own, person.id)
        if url in forms:
            names = sorted(forms[url])
        else:
            without_form.append(rule.rule)
            names = LIKELY
        key = f"POST {rule.rule}"

        def send(data: dict[str, str], url: str = url, key: str = key, role: str = role) -> None:
            FUZZ_CASES[key] = FUZZ_CASES.get(key, 0) + 1
            response = clients[role].post(url, data=data)
            status = response.status_code
            what = f"{key} as {role} data={data!r:.300}"
            assert status < 500, f"{what}: {status} {response.data[:300]!r}"
            after = fingerprint()
            if 400 <= status < 500:
                changed = [t for t in after if after[t] != tables["now"].get(t)]
                assert not changed, f"{what}: refused with {status} but changed {changed}"
            tables["now"] = after

        _send_each(form_data(names, world), send, EXAMPLES)
        # Every field at once with what a database or a parser is most likely to choke on.
        for nasty in ("nul\x00tegn", "x" * 100_000, "\u202e\ud7ff\r\n\t"):
            send(dict.fromkeys(names, nasty))
    print(
        f"form fuzz: {sum(FUZZ_CASES.values())} cases over {len(routes)} routes"
        f" in {time.perf_counter() - started:.1f} s;"
        f" no rendered form (likely names used): {without_form}"
    )
