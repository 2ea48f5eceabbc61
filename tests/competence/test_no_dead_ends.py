"""No dead ends: every competence form that fails validation shows itself again (422)
with what was typed and each error beside its field, and stores nothing."""

from __future__ import annotations

import html as htmllib
import re

import sqlalchemy as sa

from kollega.competence.models import (
    Assessment,
    DevelopmentConversation,
    FormalCredential,
    Requirement,
)
from kollega.extensions import db
from tests.conftest import login


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _page(r) -> str:
    assert r.status_code == 422, (r.status_code, r.get_data(as_text=True)[:400])
    page = htmllib.unescape(r.get_data(as_text=True))
    assert 'class="error-summary"' in page
    assert "Gå til startsiden" not in page and "Go to the start page" not in page
    return page


def _error_beside(page: str, input_id: str) -> None:
    assert f'id="{input_id}-error"' in page, input_id
    assert f'href="#{input_id}"' in page, input_id
    tag = page[page.index(f'id="{input_id}"', page.index(f'id="{input_id}-error"')) :]
    assert 'aria-invalid="true"' in tag[: tag.index(">")], input_id


def test_credential_form_keeps_the_input_and_marks_each_field(client, org, frameworks):
    login(client, org.leader)
    r = client.post(
        f"/competence/people/{org.employee.id}/credentials",
        data={
            "kind": "certificate",
            "title": "Førstehjelp og HLR",
            "issuer": "Norsk Førstehjelpsråd",
            "issued_on": "2025-02-01",
            "expires_on": "01.02.2027",
            "competence": ["privacy-1.0:9.9", "privacy-1.0:1.5", ""],
            "level": ["2", "77", ""],
        },
    )
    page = _page(r)
    for typed in ("Førstehjelp og HLR", "Norsk Førstehjelpsråd", "2025-02-01", "01.02.2027"):
        assert f'value="{typed}"' in page, typed
    assert '<option value="privacy-1.0:9.9" selected>' in page
    assert 'value="privacy-1.0:1.5" selected' in page and 'value="77"' in page
    for field in ("cred-expires", "cred-comp-1", "cred-level-2"):
        _error_beside(page, field)
    assert "privacy-1.0:9.9" in page[page.index('id="cred-comp-1-error"') :][:300]
    # The service's own checks land on their fields too.
    r = client.post(
        f"/competence/people/{org.employee.id}/credentials",
        data={
            "kind": "certificate",
            "title": "",
            "issued_on": "2025-02-01",
            "expires_on": "2024-01-01",
            "competence": ["privacy-1.0:1.5"],
            "level": ["9"],
        },
    )
    page = _page(r)
    # Every message at once: the form's own and the use case's.
    for field in ("cred-title", "cred-expires", "cred-level-1"):
        _error_beside(page, field)
    assert _count(FormalCredential) == 0 and _count(Assessment) == 0


def test_conversation_form_keeps_the_input_and_marks_each_field(client, org, frameworks):
    login(client, org.leader)
    r = client.post(
        f"/competence/people/{org.employee.id}/conversations",
        data={
            "held_on": "1. mars",
            "agreed_goals": "Ta kurs i personvern",
            "measures": "E-læring",
            "competence": ["nope:1", "privacy-1.0:1.3"],
            "target_level": ["3", "x"],
        },
    )
    page = _page(r)
    assert 'value="1. mars"' in page and ">Ta kurs i personvern</textarea>" in page
    assert ">E-læring</textarea>" in page
    assert '<option value="nope:1" selected>' in page and 'value="x"' in page
    for field in ("c-held", "c-comp-1", "c-target-2"):
        _error_beside(page, field)
    r = client.post(
        f"/competence/people/{org.employee.id}/conversations",
        data={"held_on": "2025-03-01", "agreed_goals": " ", "measures": "kept"},
    )
    page = _page(r)
    _error_beside(page, "c-goals")
    assert ">kept</textarea>" in page
    assert _count(DevelopmentConversation) == 0


def test_self_assessment_form_keeps_the_input(client, org, frameworks):
    login(client, org.employee)
    r = client.post(
        "/competence/assess/digcomp-2.2:1.1",
        data={"level": "3", "note": "Jeg bruker dette daglig", "evidence_url": "ftp://x"},
    )
    page = _page(r)
    assert ">Jeg bruker dette daglig</textarea>" in page and 'value="ftp://x"' in page
    assert re.search(r'id="lv-3" name="level" value="3"[^>]* checked', page)
    _error_beside(page, "evidence_url")
    assert _count(Assessment) == 0


def test_review_form_keeps_the_input(client, org, frameworks):
    login(client, org.leader)
    path = f"/competence/people/{org.employee.id}/review/digcomp-2.2:1.1"
    r = client.post(
        path, data={"action": "adjust", "level": "99", "note": "for høyt", "next": "/x"}
    )
    page = _page(r)
    assert 'value="99"' in page and ">for høyt</textarea>" in page
    _error_beside(page, "r-level")
    r = client.post(path, data={"action": "adjust", "level": "", "note": "tomt"})
    _error_beside(_page(r), "r-level")
    assert _count(Assessment) == 0
    assert client.get(path).status_code == 200


def test_requirement_form_with_an_unknown_code_keeps_the_input(client, org, frameworks):
    login(client, org.leader)
    r = client.post(
        "/competence/requirements",
        data={
            "scope_type": "unit",
            "scope_code": "A1",
            "competence": "privacy-1.0:9.9",
            "level": "3",
            "effective_from": "2025-13-01",
            "note": "kept",
        },
    )
    page = _page(r)
    assert '<option value="privacy-1.0:9.9" selected>' in page
    assert 'value="kept"' in page and 'value="2025-13-01"' in page
    _error_beside(page, "n-comp")
    _error_beside(page, "n-from")
    assert _count(Requirement) == 0


def test_matrix_keeps_the_input_and_marks_each_cell(client, org, frameworks):
    from kollega.competence.services import competence_by_code

    login(client, org.leader)
    a = competence_by_code("digcomp-2.2:4.2")
    b = competence_by_code("digcomp-2.2:1.1")
    form = {
        "scope": "unit",
        "framework": "digcomp-2.2",
        "unit": "A1",
        "effective_from": "1. januar",
        f"cell-{a.id}-A1": "4",
        f"cell-{a.id}-A1a": "99",
        f"cell-{b.id}-A1": "x",
    }
    page = _page(client.post("/competence/requirements/matrix", data=form))
    assert 'value="1. januar"' in page and 'value="99"' in page and 'value="x"' in page
    assert 'value="4"' in page  # a good cell is kept too, to send again
    _error_beside(page, "m-from")
    # The cells are numbered by column: A1 first, then its sub-unit A1a.
    _error_beside(page, f"m-{a.id}-2")
    _error_beside(page, f"m-{b.id}-1")
    assert f'id="m-{a.id}-1-error"' not in page
    # The summary says which cell a message is about.
    summary = page[page.index('class="error-summary"') :][:2000]
    assert f"{a.local_code} " in summary and f"{b.local_code} " in summary
    assert _count(Requirement) == 0
    # A good date with one bad cell stores none of the good cells either.
    page = _page(
        client.post("/competence/requirements/matrix", data=form | {"effective_from": "2025-01-01"})
    )
    assert 'id="m-from-error"' not in page and 'value="2025-01-01"' in page
    assert _count(Requirement) == 0


def test_plan_goal_form_keeps_the_input_and_marks_each_field(client, org, frameworks):
    from kollega.competence.models import CompetencePlan, CompetencePlanGoal

    login(client, org.leader)
    base = "/competence/plans/A1/2026"
    r = client.post(
        base,
        data={
            "action": "goal",
            "goal": "Alle på nivå 3",
            "focus_area": "cooking",
            "measure_kind": "develop",
            "measure": "Kurs i personvern",
            "responsible_id": str(org.other_employee.id),
            "due_on": "31.12.2026",
        },
    )
    page = _page(r)
    assert ">Alle på nivå 3</textarea>" in page and 'value="Kurs i personvern"' in page
    assert 'value="31.12.2026"' in page and '<option value="cooking" selected>' in page
    for field in ("g-focus", "g-resp", "g-due"):
        _error_beside(page, field)
    assert 'id="g-goal-error"' not in page
    r = client.post(base, data={"action": "plan", "summary": "Personvern først", "status": "x"})
    page = _page(r)
    assert ">Personvern først</textarea>" in page
    _error_beside(page, "p-status")
    assert _count(CompetencePlanGoal) == 0 and _count(CompetencePlan) == 0
