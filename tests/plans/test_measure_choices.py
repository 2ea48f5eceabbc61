"""A measure's job and competence, and a demand driver's job, are chosen by name (#21):
the forms list the jobs (the ``jobs`` names, and the codes the plan's people have) and
the active competences by framework, by name with the code as the value; what was
chosen is stored, and a refused form shows the choices again as chosen."""

from __future__ import annotations

import re

import sqlalchemy as sa

from kollega.extensions import db
from kollega.org.models import Job
from kollega.plans.models import Measure
from tests.factories import make_person
from tests.gaps import data
from tests.plans.test_pages import _plan_id


def _select(page: str, select_id: str) -> str:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select_id
    return found.group(1)


def setup_choices(org):
    data.competence("pv:1", "privacy", "Personvern i praksis")
    db.session.add(Job(code="SPL", name="Sykepleier"))
    make_person(org.unit_a1, job_code="SPL")
    make_person(org.unit_a1, job_code="LRR")  # a code without a name
    db.session.commit()


def test_the_measure_form_offers_jobs_and_competences_by_name(client, org):
    setup_choices(org)
    plan_id = _plan_id(client, org)
    page = client.get(f"/plans/{plan_id}").text
    jobs = _select(page, "me-job")
    assert '<option value="SPL">Sykepleier</option>' in jobs
    assert '<option value="LRR">LRR</option>' in jobs
    assert jobs.startswith('<option value="">')  # none chosen: no FTE effect
    assert '<label for="me-job">Stilling</label>' in page
    comps = _select(page, "me-comp")
    assert re.search(
        r'<optgroup label="[^"]+"><option value="pv:1">Personvern i praksis</option>',
        comps,
    ), comps
    assert '<label for="me-comp">Kompetanse</label>' in page
    # A demand driver's job too.
    assert '<option value="SPL">Sykepleier</option>' in _select(page, "dr-job")

    created = client.post(
        f"/plans/{plan_id}",
        data={
            "action": "measure",
            "kind": "recruit",
            "title": "Rekruttere sykepleiere",
            "job_code": "SPL",
            "fte_change": "1,5",
            "effect_competence": "pv:1",
            "effect_people": "2",
            "effect_level": "2",
        },
    )
    assert created.status_code == 302, created.text[:2000]
    measure = db.session.scalars(sa.select(Measure)).one()
    assert measure.job_code == "SPL" and measure.fte_change == 1.5
    assert [e.competence_code for e in measure.effects] == ["pv:1"]
    db.session.rollback()


def test_a_refused_measure_keeps_the_job_and_competence_chosen(client, org):
    setup_choices(org)
    plan_id = _plan_id(client, org)
    refused = client.post(
        f"/plans/{plan_id}",
        data={
            "action": "measure",
            "kind": "recruit",
            "title": "Rekruttere sykepleiere",
            "cost": "mye",
            "job_code": "SPL",
            "fte_change": "1",
            "effect_competence": "pv:1",
            "effect_people": "2",
            "effect_level": "2",
        },
    )
    assert refused.status_code == 422
    page = refused.text
    assert 'id="me-cost-error"' in page
    assert '<option value="SPL" selected>Sykepleier</option>' in _select(page, "me-job")
    comps = _select(page, "me-comp")
    assert '<option value="pv:1" selected>Personvern i praksis</option>' in comps
    assert comps.count(" selected") == 1
    assert db.session.scalars(sa.select(Measure)).all() == []
    db.session.rollback()
