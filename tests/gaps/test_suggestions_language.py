"""The API speaks the caller's language (#21): a client with a bearer token asks with
``Accept-Language``, or gets the language its person chose; a browser's header is not
followed (its pages and their API calls speak the language chosen in kollega).
Suggestions' reasons, the metrics' reasons for hidden groups and search's messages
follow it."""

from __future__ import annotations

import datetime as dt

from kollega.extensions import db
from kollega.metrics import analysis
from tests.conftest import login
from tests.gaps import data
from tests.gaps.test_suggestions import course, network
from tests.metrics import data as metrics_data

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()
EN = "en-GB,en;q=0.9,nb;q=0.5"


def _reasons(client, person, headers):
    r = client.get(f"/api/v1/people/{person.id}/suggestions", headers=headers)
    assert r.status_code == 200, r.get_json()
    return {(s["type"], s["id"]): s["reason"] for s in r.get_json()["suggestions"]}


def test_suggestion_reasons_in_the_callers_language(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 2, unit=org.unit_b1, since=SINCE)
    t, _s = course(org.hr, "Personvern grunnkurs", "pv:1", 1, 2, 3)
    n = network("Personvern i helse", ["pv:1"])
    db.session.commit()
    me = org.other_employee
    token = data.bearer(me)
    nb = _reasons(client, me, token)
    assert nb[("network", n.id)].startswith("Et lærende nettverk")
    assert "timer" in nb[("training", t.id)]
    en = _reasons(client, me, {**token, "Accept-Language": EN})
    assert en[("network", n.id)].startswith("A learning network working on Personvern")
    assert "hours" in en[("training", t.id)]
    # Norwegian asked for in general, or a language kollega does not speak: bokmål.
    for header in ("no", "nn-NO", "de-DE,fr;q=0.8", "en;q=0, nb;q=0.5"):
        got = _reasons(client, me, {**token, "Accept-Language": header})
        assert got[("network", n.id)].startswith("Et lærende"), header
    # The person chose English: the token's answers are in English without the header,
    # and a client asking for bokmål gets bokmål.
    me.locale = "en"
    db.session.commit()
    assert _reasons(client, me, token) == en
    assert _reasons(client, me, {**token, "Accept-Language": "nb-NO"}) == nb
    # ?lang= wins over both.
    r = client.get(
        f"/api/v1/people/{me.id}/suggestions?lang=nb", headers={**token, "Accept-Language": EN}
    )
    assert r.get_json()["suggestions"][0]["reason"] in nb.values()


def test_a_browser_session_keeps_the_chosen_language(client, org):
    """The page's own scripts call the API with the session cookie and the browser's
    header: they get the language the person chose in kollega (bokmål by default)."""
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 2, unit=org.unit_b1, since=SINCE)
    n = network("Personvern i helse", ["pv:1"])
    db.session.commit()
    me = org.other_employee
    login(client, me)
    got = _reasons(client, me, {"Accept-Language": EN})
    assert got[("network", n.id)].startswith("Et lærende")
    client.post("/language", data={"lang": "en", "next": "/"})
    got = _reasons(client, me, {"Accept-Language": "nb"})
    assert got[("network", n.id)].startswith("A learning network")


def test_metrics_reasons_and_search_messages_in_the_callers_language(client, org):
    metrics_data.build(org)
    period = f"from={metrics_data.START}&to={metrics_data.END}"
    url = f"/api/v1/metrics/participation?unit=B1&{period}"
    token = data.bearer(org.hr)
    nb = client.get(url, headers=token).get_json()
    en = client.get(url, headers={**token, "Accept-Language": EN}).get_json()
    assert nb["suppressed"] is True and nb["suppressed_reason"] == analysis.SMALL_GROUP
    assert nb["suppressed_note"] == "skjult: under 5 medlemmer"
    assert en["suppressed_note"] == "hidden: under 5 members"
    # Search: a refused query's messages.
    r = client.get("/api/v1/search?q=", headers={**token, "Accept-Language": EN})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["q"] == "Type one or more words to search for."
    r = client.get("/api/v1/search?q=", headers=token)
    assert r.get_json()["error"]["fields"]["q"] == "Skriv ett eller flere ord å søke etter."


def test_the_openapi_document_says_how_the_language_is_chosen(client):
    info = client.get("/api/v1/openapi.json").get_json()["info"]
    assert "Accept-Language" in info["description"] and "?lang=" in info["description"]
