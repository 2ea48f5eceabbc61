"""A requirement scoped to a job code reads as the job's name on the competence pages
(the requirements list and the matrix by job code), the code itself when it has none (#21)."""

from __future__ import annotations

import datetime as dt
import html as htmllib

from kollega.competence.models import Requirement
from kollega.competence.services import competence_by_code
from kollega.extensions import db
from kollega.org.imports import store_job_names
from tests.conftest import login
from tests.factories import make_person


def test_job_scoped_requirements_show_the_job_name(client, org, frameworks):
    make_person(org.dept_a1a, job_code="SPL")  # a job code without a name
    store_job_names({"ADV": "Rådgiver i personvern"})
    c = competence_by_code("privacy-1.0:1.3")
    for job in ("ADV", "SPL"):
        db.session.add(
            Requirement(
                scope_type="job",
                job_code=job,
                competence_id=c.id,
                level=2,
                effective_from=dt.date(2025, 1, 1),
            )
        )
    db.session.commit()
    login(client, org.hr)
    page = htmllib.unescape(client.get("/competence/requirements").get_data(as_text=True))
    assert "<td>Rådgiver i personvern</td>" in page and "<td>ADV</td>" not in page
    assert "<td>SPL</td>" in page
    r = client.get("/competence/requirements/matrix?scope=job&framework=privacy-1.0")
    page = htmllib.unescape(r.get_data(as_text=True))
    assert r.status_code == 200
    assert '">Rådgiver i personvern</th>' in page and '">SPL</th>' in page
    assert f"{c.local_code} {c.name('nb')} – Rådgiver i personvern" in page
