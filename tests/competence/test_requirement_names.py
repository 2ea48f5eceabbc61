"""Requirements name their scope (#21 point 5: the code only where it is the key): a
unit-scoped requirement shows the unit's name on the requirements page and in the
unit plan's goal form, a job-scoped one the job's name; the new requirement's scope
field offers the units and jobs by name."""

from __future__ import annotations

import datetime as dt
import re

from kollega.competence import requirements, services
from kollega.extensions import db
from kollega.org.models import Job
from tests.conftest import login


def _requirements(org) -> None:
    comp = services.competence_by_code("privacy-1.0:1.2")
    start = dt.date(2025, 1, 1)
    requirements.create_requirement(org.hr, "unit", "A1", comp, 3, start)
    db.session.add(Job(code="laerer", name="Lærer"))
    org.employee.job_code = "laerer"
    requirements.create_requirement(org.hr, "job", "laerer", comp, 2, start)
    db.session.commit()


def _scope_cells(html: str) -> list[str]:
    rows = re.findall(r"<tr>\s*<th scope=\"row\">[^<]*</th>\s*<td>([^<]*)</td>", html)
    return [cell.strip() for cell in rows]


def test_the_requirements_page_names_the_unit_and_the_job(client, org, frameworks):
    _requirements(org)
    login(client, org.hr)
    html = client.get("/competence/requirements?unit=A1").get_data(as_text=True)
    cells = _scope_cells(html)
    assert "Fjell skole" in cells and "Lærer" in cells
    assert "A1" not in cells and "laerer" not in cells
    # The scope field is still keyed by code, chosen by name from a list.
    assert '<option value="A1">Fjell skole</option>' in html
    assert '<option value="laerer">Lærer</option>' in html
    assert 'list="n-code-list"' in html


def test_the_leader_is_offered_their_units_by_name_and_no_jobs(client, org, frameworks):
    _requirements(org)
    login(client, org.leader)
    html = client.get("/competence/requirements?unit=A1").get_data(as_text=True)
    assert "Fjell skole" in _scope_cells(html)
    assert '<option value="A1">Fjell skole</option>' in html
    assert '<option value="laerer">' not in html


def test_the_unit_plan_goal_form_names_the_requirement_unit(client, org, frameworks):
    _requirements(org)
    login(client, org.leader)
    html = client.get("/competence/plans/A1").get_data(as_text=True)
    option = re.search(r'<select id="g-req".*?</select>', html, re.S).group(0)
    assert "(Fjell skole, " in option and "(A1, " not in option
