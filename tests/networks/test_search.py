"""Search (issue #20 point 7): stemmed for bokmål on SQLite (Snowball + FTS5) and
PostgreSQL (``norwegian``), only what the caller may read, true totals, pages, filters,
escaped snippets with <mark>, the API and the page. Runs on every backend of ``app``."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.networks.members import remove_member
from kollega.networks.messages import delete_message, edit_message
from kollega.networks.models import Message, Network, Thread
from kollega.networks.networks import archive_network
from kollega.networks.search import SearchQuery, highlight, parse_query, search
from kollega.networks.search_text import index_text, query_terms, root
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread
from tests.conftest import login


def found(person, q, **filters):
    return search(person, SearchQuery(q=q, **filters))


def keys(page):
    return {(h.kind, h.title if h.kind == "thread" else h.id) for h in page.results}


def test_stems_meet_either_way():
    # Snowball stems the two forms differently; the query's root is a prefix of both.
    assert root("sykepleiere") == root("sykepleier") == "sykeplei"
    assert query_terms("Sykepleier på natt") == ["sykeplei", "natt"]  # "på" is a stop word
    assert query_terms("\"' OR 1=1 -- NEAR(") == ["or", "1", "near"]
    assert query_terms("*** ... ---") == []
    assert index_text("Sykepleierne i turnusen") == "sykepleiern turnus"


def test_sykepleier_finds_sykepleiere_and_back(org, nets):
    plural = send_message(org.leader, nets.open_thread.id, "p", "Vi trenger flere sykepleiere")
    single = send_message(org.leader, nets.open_thread.id, "s", "En sykepleier på natt")
    db.session.commit()
    ids = {plural.message.id, single.message.id}
    assert {h.id for h in found(org.employee, "sykepleier").results} == ids
    assert {h.id for h in found(org.employee, "sykepleiere").results} == ids
    assert {h.id for h in found(org.employee, "Sykepleier natt").results} == {single.message.id}
    assert {h.id for h in found(org.employee, "sykefrav").results} == set()  # no such word


def test_titles_and_experience_parts_are_found(org, nets):
    thread, _ = open_thread(
        org.leader,
        nets.open.id,
        "Ny turnusordning i hjemmetjenesten",
        kind="experience",
        parts={"situation": "Mange ubesatte vakter", "what_we_learned": "Langvakter virker"},
    )
    db.session.commit()
    by_title = found(org.employee, "turnusordningen", kind="thread")
    assert [(h.kind, h.id, h.thread_id) for h in by_title.results] == [
        ("thread", thread.id, thread.id)
    ]
    by_part = found(org.employee, "langvakt", kind="thread")
    assert [h.id for h in by_part.results] == [thread.id]
    assert "<mark>Langvakter</mark>" in by_part.results[0].snippet_html
    assert found(org.employee, "langvakt", kind="experience").total >= 1
    assert found(org.employee, "langvakt", kind="question").total == 0


def test_only_what_the_caller_may_read(org, nets):
    send_message(org.leader, nets.open_thread.id, "o", "Sykefravær og turnus i hjemmetjenesten")
    send_message(org.leader, nets.closed_thread.id, "c", "Sykefravær i skolen er hemmelig")
    send_message(org.leader, nets.invite_thread.id, "i", "Sykefravær blant ledere")
    db.session.commit()
    net_of = {h.network_id for h in found(org.leader, "sykefravær").results}
    assert net_of == {nets.open.id, nets.request.id, nets.invite.id}
    expect = {
        "employee": {nets.open.id, nets.request.id},
        "colleague": {nets.open.id, nets.invite.id},
        "hr": {nets.open.id},
        "admin": {nets.open.id},
        "other_leader": {nets.open.id},
        "other_employee": {nets.open.id},
        "guest": {nets.request.id},
    }
    for who, networks in expect.items():
        page = found(getattr(org, who), "sykefravær")
        assert {h.network_id for h in page.results} == networks, who
        assert page.total == len(networks), who
        # Asking for a network one may not read gives nothing, not an error.
        assert found(getattr(org, who), "sykefravær", network_id=nets.invite.id).total == (
            1 if nets.invite.id in networks else 0
        )
    # A member removed from a closed network no longer finds its content; the guest too.
    remove_member(org.leader, nets.request.id, org.employee.id)
    remove_member(org.leader, nets.request.id, org.guest.id)
    db.session.commit()
    assert {h.network_id for h in found(org.employee, "sykefravær").results} == {nets.open.id}
    assert found(org.guest, "sykefravær").total == 0


def test_deleted_edited_and_archived_are_not_found(org, nets):
    gone = send_message(org.leader, nets.open_thread.id, "d", "Legemiddelhåndtering feil")
    kept = send_message(org.leader, nets.open_thread.id, "e", "Legemiddelhåndtering rutiner")
    db.session.commit()
    assert found(org.employee, "legemiddelhåndtering").total == 2
    delete_message(org.leader, gone.message.id)
    edit_message(org.leader, kept.message.id, "Medisinrom og rutiner")
    db.session.commit()
    assert found(org.employee, "legemiddelhåndtering").total == 0
    assert [h.id for h in found(org.employee, "medisinrommet").results] == [kept.message.id]
    if db.engine.dialect.name == "sqlite":  # no words of a removed text stay in the index
        terms = db.session.execute(
            sa.text("SELECT rowid, terms FROM search_fts_messages WHERE rowid IN (:a, :b)"),
            {"a": gone.message.id, "b": kept.message.id},
        ).all()
        assert dict(terms) == {gone.message.id: "", kept.message.id: "medisinrom rutin"}
    archive_network(org.leader, nets.open.id)
    db.session.commit()
    assert found(org.employee, "medisinrom").total == 0
    assert found(org.leader, "velkommen").total == 0  # the archived network's title too


def test_true_totals_and_pages(org, nets):
    for i in range(45):
        send_message(org.leader, nets.open_thread.id, f"n{i}", f"Nattevakt nummer {i}")
    db.session.commit()
    first = found(org.employee, "nattevakter")
    assert (first.total, first.pages, len(first.results)) == (45, 3, 20)
    third = found(org.employee, "nattevakter", page=3)
    assert len(third.results) == 5
    seen = [h.id for p in (1, 2, 3) for h in found(org.employee, "nattevakt", page=p).results]
    assert len(set(seen)) == 45  # every one once, newest first
    assert seen == sorted(seen, reverse=True)
    beyond = found(org.employee, "nattevakt", page=9)
    assert (beyond.total, beyond.results) == (45, [])


def test_filters_author_and_period(org, nets):
    a = send_message(org.leader, nets.closed_thread.id, "a1", "Velferdsteknologi i praksis")
    b = send_message(org.employee, nets.closed_thread.id, "b1", "Velferdsteknologien virker")
    old = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on 2 March in Norway
    db.session.execute(sa.update(Message).where(Message.id == a.message.id).values(created_at=old))
    db.session.commit()
    q = "velferdsteknologi"
    assert {h.id for h in found(org.employee, q).results} == {a.message.id, b.message.id}
    assert [h.id for h in found(org.employee, q, author_id=org.employee.id).results] == [
        b.message.id
    ]
    name = org.leader.name.split()[0].upper()
    assert [h.id for h in found(org.employee, q, author_name=name).results] == [a.message.id]
    march = {"date_from": dt.date(2024, 3, 2), "date_to": dt.date(2024, 3, 2)}
    assert [h.id for h in found(org.employee, q, **march).results] == [a.message.id]
    assert found(org.employee, q, date_to=dt.date(2024, 3, 1)).total == 0
    assert found(org.employee, q, network_id=nets.open.id).total == 0
    assert found(org.employee, q, kind="message").total == 2
    assert found(org.employee, q, kind="thread").total == 0


def test_snippets_are_escaped_with_only_mark():
    html = str(highlight('<script>alert(1)</script> & "sykepleiere" <b>', ["sykeplei"]))
    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;<mark>sykepleiere</mark>&#34; &lt;b&gt;"
    )
    long = " ".join(["ord"] * 40 + ["turnus"] + ["ord"] * 40)
    cut = str(highlight(long, ["turnus"]))
    assert cut.startswith("… ") and cut.endswith(" …") and "<mark>turnus</mark>" in cut


def test_stored_markup_never_reaches_the_snippet(org, nets):
    send_message(org.leader, nets.open_thread.id, "x", "**Turnus** <img src=x onerror=alert(1)>")
    db.session.commit()
    (hit,) = found(org.employee, "turnus").results
    assert re.sub(r"</?mark>", "", hit.snippet_html).count("<") == 0
    assert "<mark>Turnus</mark>" in hit.snippet_html and "**" not in hit.snippet_html


@pytest.mark.parametrize(
    "args, field",
    [
        ({"q": "turnus", "from": "2024-05-02", "to": "2024-05-01"}, "to"),
        ({"q": "turnus", "from": "2. mai"}, "from"),
        ({"q": "turnus", "page": "0"}, "page"),
        ({"q": "turnus", "page": "x"}, "page"),
        ({"q": "turnus", "kind": "poll"}, "kind"),
        ({"q": "turnus", "network": "abc"}, "network"),
        ({"q": "og på"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "turnus", "network": "99999999999999999999"}, "network"),
        ({"q": "turnus", "page": "1" * 5000}, "page"),
    ],
)
def test_bad_input_is_refused(app, args, field):
    with pytest.raises(ValidationError) as refused:
        parse_query(args)
    assert field in refused.value.fields


def test_odd_input_finds_nothing_rather_than_failing(client, org, nets):
    login(client, org.employee)
    for query in (
        "q=turnus%00natt&author=Eva%00",
        "q=turnus&author=99999999999999999999",
        "q=NEAR(turnus&kind=message",
        "q=%22%27%20OR%201%3D1%20--",
        "q=%E2%80%8B%F0%9F%98%80&author=%25%5C_",
    ):
        r = client.get(f"/api/v1/search?{query}")
        assert r.status_code in (200, 422), (query, r.status_code)
    assert client.get("/api/v1/search?q=turnus&author=99999999999999999999").status_code == 200


def test_api(client, org, nets):
    send_message(org.leader, nets.closed_thread.id, "a", "Sykepleiere og <b>vakter</b>")
    db.session.commit()
    assert client.get("/api/v1/search?q=sykepleier").status_code == 401
    login(client, org.employee)
    r = client.get("/api/v1/search?q=sykepleier")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
    (hit,) = body["results"]
    assert hit["kind"] == "message" and hit["thread_id"] == nets.closed_thread.id
    assert hit["network_id"] == nets.request.id and hit["title"] == "Samtykke"
    assert hit["author"] == {"id": org.leader.id, "name": org.leader.name}
    # Shown as the thread page shows it: typed markup is text there, and here.
    assert hit["snippet_html"] == "<mark>Sykepleiere</mark> og &lt;b&gt;vakter&lt;/b&gt;"
    r = client.get("/api/v1/search?q=samtykke&kind=thread")
    assert [h["id"] for h in r.get_json()["results"]] == [nets.closed_thread.id]
    r = client.get("/api/v1/search?q=turnus&from=2024-05-02&to=2024-05-01&page=0")
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) >= {"to", "page"}
    assert client.get("/api/v1/search").status_code == 422
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    params = {p["name"] for p in paths["/search"]["get"]["parameters"]}
    assert params >= {"q", "network", "author", "from", "to", "kind", "page"}


def test_page(client, org, nets):
    for i in range(25):
        send_message(org.leader, nets.closed_thread.id, f"p{i}", f"Hjemmesykepleien dag {i}")
    for i in range(60):  # later talk: the matches are older than the thread's latest 50
        send_message(org.employee, nets.closed_thread.id, f"later{i}", f"Prat {i}")
    db.session.commit()
    login(client, org.employee)
    html = client.get("/networks/search").get_data(as_text=True)
    assert 'role="search"' in html and "treff" not in html
    r = client.get("/networks/search?q=hjemmesykepleie")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "25 treff" in html
    assert html.count("<mark>Hjemmesykepleien</mark>") == 20
    assert 'aria-current="page"' in html and 'aria-label="Neste side"' in html
    assert f'<option value="{nets.request.id}"' in html  # the caller's networks
    assert f'<option value="{nets.invite.id}"' not in html
    html = client.get("/networks/search?q=hjemmesykepleie&page=2").get_data(as_text=True)
    assert html.count("<mark>") == 5 and 'aria-label="Forrige side"' in html
    # A message's link opens its thread at the page that holds it, at the message.
    link = re.search(r'<h3><a href="([^"#]+)#m(\d+)"', html)
    assert link and int(link.group(2)) < 10
    thread_page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f'id="m{link.group(2)}"' in thread_page
    r = client.get("/networks/search?q=hjemmesykepleie&from=2024-05-02&to=2024-05-01")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "error-summary" in html
    assert 'id="search-to-error"' in html and 'value="hjemmesykepleie"' in html
    r = client.get("/networks/search?q=hjemmesykepleie&page=0")
    assert r.status_code == 422 and "treff" not in r.get_data(as_text=True)
    r = client.get("/networks/search?q=hjemmesykepleie&from=morgen")
    assert r.status_code == 422 and 'id="search-from-error"' in r.get_data(as_text=True)


def test_indexes_exist(app):
    if db.engine.dialect.name == "sqlite":
        names = set(
            db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type='trigger'"))
        )
        assert {"search_fts_messages_ai", "search_fts_threads_au"} <= names
    else:
        names = set(db.session.scalars(sa.text("SELECT indexname FROM pg_indexes")))
        assert {"ix_messages_norwegian_fts", "ix_threads_norwegian_fts"} <= names
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Network)) == 0
