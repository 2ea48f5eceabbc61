"""The plan's Word document carries its charts as images, each with alt text and the
same figures in a table."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from tests.plans.test_api import _hand_plan

PNG = b"\x89PNG\r\n\x1a\n"


def test_document_has_charts_with_alt_text_and_tables(client, org):
    plan_id, h = _hand_plan(client, org)
    response = client.get(f"/api/v1/plans/{plan_id}/document.docx", headers=h)
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.data))
    assert len(doc.inline_shapes) == 2
    alts = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    staffing, scenarios = alts
    assert staffing.startswith("Stolpediagram: Bemanningsgap per år, alle stillinger.")
    assert "2027: Gap (årsverk) 2,15, Gap etter tiltak (årsverk) 1,15" in staffing
    assert scenarios.startswith("Stolpediagram: Kompetansegap per scenario på måldatoen.")
    assert (
        "forutsetninger: Gappoeng 8, Gappoeng etter tiltak 2; Høy: Gappoeng 8, Gappoeng etter tiltak 8"
        in scenarios
    )
    # SPL 1.95 + ADV 0.20 in 2027 (tests/plans/test_api.py computes them by hand).
    # The images are real PNGs in the package.
    blobs = [
        doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        for s in doc.inline_shapes
    ]
    assert all(blob.startswith(PNG) and len(blob) > 2000 for blob in blobs)
    # Each image is followed by its caption (title, unit and period), then its data table.
    body = list(doc.element.body.iterchildren())
    captions = []
    for shape in doc.inline_shapes:
        paragraph = shape._inline.getparent().getparent().getparent()
        caption, following = body[body.index(paragraph) + 1 : body.index(paragraph) + 3]
        captions.append("".join(t.text for t in caption.iter(qn("w:t"))))
        assert following.tag == qn("w:tbl")
    assert captions[0] == "Bemanningsgap per år, alle stillinger (årsverk, 2026–2028)"
    assert captions[1] == "Kompetansegap per scenario på måldatoen (gappoeng, 31. des. 2028)"
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["År", "Gap (årsverk)", "Gap etter tiltak (årsverk)"] in heads
    assert ["Scenario", "Gappoeng", "Gappoeng etter tiltak"] in heads
    rows = {t.rows[0].cells[0].text: t for t in doc.tables}
    year_rows = [[c.text for c in r.cells] for r in rows["År"].rows[1:]]
    assert year_rows[1] == ["2027", "2,15", "1,15"]
    assert year_rows[0] == ["2026", "0,50", "0,50"]
