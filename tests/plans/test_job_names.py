"""Job names in plans (#21 point 5): where the plan page, its analysis and the Word
document show a job, they show its name from the ``jobs`` table; a code without a name
shows as the code."""

from __future__ import annotations

import io
import re

from docx import Document

from kollega.extensions import db
from kollega.org.models import Job
from tests.conftest import login
from tests.plans.test_api import _hand_plan

NAME = "Spesialsykepleier i hjemmetjenesten"


def cells_of(page: str, caption: str) -> list[str]:
    """The row headers and cells of the table with this (visually hidden) caption."""
    start = page.index(f'<caption class="visually-hidden">{caption}</caption>')
    table = page[start : page.index("</table>", start)]
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table)
    ]


def test_the_plan_page_and_document_show_job_names(client, org):
    plan_id, h = _hand_plan(client, org)
    db.session.merge(Job(code="SPL", name=NAME))
    db.session.commit()
    login(client, org.other_leader)
    page = client.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)

    now = cells_of(text, "Årsverk i dag per stilling")
    assert NAME in now and "SPL" not in now
    assert "Stilling" in now  # the column is the job, not its code
    # The advisers' code has no name in the jobs table: the code is shown.
    assert "ADV" in now
    gap = cells_of(text, "Bemanningsgap per år og stilling")
    assert gap.count(NAME) == 3 and "SPL" not in gap  # 2026, 2027, 2028
    drivers = cells_of(text, "Behovsdrivere")
    assert any(c.startswith(f"{NAME}:") for c in drivers)
    # The recruitment measure's effect names the job.
    assert f"for {NAME}" in text

    docx = client.get(f"/api/v1/plans/{plan_id}/document.docx", headers=h)
    assert docx.status_code == 200
    doc = Document(io.BytesIO(docx.data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert NAME in cells and "SPL" not in cells
    assert "ADV" in cells
