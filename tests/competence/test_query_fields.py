"""Who knows this? with a bad level or an unknown competence code in the query string
(#21 point 7, no dead ends): the search form shows again (400) with the message beside
the field and what was asked kept, not an error page."""

from __future__ import annotations

import html as htmllib

import pytest

from tests.competence.test_no_dead_ends import _error_beside
from tests.conftest import login


@pytest.mark.parametrize(
    ("query", "input_id", "message", "kept"),
    [
        (
            "competence=digcomp-2.2:1.1&min_level=x",
            "w-min",
            "Må være et heltall.",
            'value="x"',
        ),
        (
            "competence=nope:1&min_level=3",
            "w-comp",
            "Ukjent kompetansekode: nope:1",
            '<option value="nope:1" selected>',
        ),
    ],
)
def test_who_knows_with_bad_input_shows_the_form_again(
    client, org, frameworks, query, input_id, message, kept
):
    login(client, org.employee)
    r = client.get(f"/competence/who-knows?{query}")
    assert r.status_code == 400
    page = htmllib.unescape(r.get_data(as_text=True))
    assert "<h1>Hvem kan dette?</h1>" in page
    assert "Gå til startsiden" not in page
    _error_beside(page, input_id)
    assert message in page and kept in page


def test_who_knows_with_good_input_has_no_message(client, org, frameworks):
    login(client, org.employee)
    r = client.get("/competence/who-knows?competence=digcomp-2.2:1.1&min_level=2")
    assert r.status_code == 200
    assert 'class="error-summary"' not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "input_id", "message"),
    [
        ("unit=A1&date=bad", "m-date", "bad er ikke en dato"),
        ("unit=NOPE", "m-unit", "Velg en av enhetene dine fra listen."),
        ("unit=A1&framework=nope", "m-fw", "Velg et rammeverk fra listen."),
    ],
)
def test_the_matrix_with_a_bad_link_shows_the_matrix_again(
    client, org, frameworks, query, input_id, message
):
    login(client, org.leader)
    r = client.get(f"/competence/requirements/matrix?{query}")
    assert r.status_code == 400
    page = htmllib.unescape(r.get_data(as_text=True))
    assert "Gå til startsiden" not in page and 'name="effective_from"' in page
    _error_beside(page, input_id)
    assert message in page
    # The rest of what was asked still holds: the leader's unit's columns.
    assert "Fjell skole" in page


def test_the_matrix_refuses_a_posted_unit_that_is_not_the_leaders(client, org, frameworks):
    login(client, org.leader)
    r = client.post("/competence/requirements/matrix?unit=NOPE", data={"unit": "NOPE"})
    assert r.status_code == 404
