"""The plan's Word document as a reader sees it: rendered to PDF by LibreOffice headless
(Debian's libreoffice-writer-nogui) and read back with pdftotext. The cover, the table
of contents and KS's seven chapters are there, no word of a table breaks across lines,
the language is bokmål and the figures are Norwegian."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from docx import Document

from tests.conftest import service_missing
from tests.plans.test_api import STEP_TITLES_NB, _hand_plan


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        service_missing(
            f"{name} is not installed (Debian: libreoffice-writer-nogui, poppler-utils)"
        )
    return str(path)


def render_pdf(docx: bytes, folder: Path) -> str:
    """The document's text as LibreOffice lays it out (pdftotext, reading order)."""
    soffice, pdftotext = _tool("soffice"), _tool("pdftotext")
    source = folder / "plan.docx"
    source.write_bytes(docx)
    profile = folder / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = folder / "plan.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000
    out = subprocess.run(
        [pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    )
    return out.stdout


def _all_text(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    texts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return texts


def test_document_renders_to_pdf_with_cover_contents_chapters_and_whole_words(
    client, org, tmp_path
):
    plan_id, h = _hand_plan(client, org)
    response = client.get(f"/api/v1/plans/{plan_id}/document.docx", headers=h)
    assert response.status_code == 200
    docx = response.data
    doc = Document(io.BytesIO(docx))

    # Bokmål on every style and the defaults; A4 pages; a landscape page for a wide table.
    styles = zipfile.ZipFile(io.BytesIO(docx)).read("word/styles.xml").decode()
    assert 'w:val="nb-NO"' in styles and 'w:val="en-US"' not in styles
    assert {round(s.page_width.cm, 1) for s in doc.sections} <= {21.0, 29.7}
    assert any(s.page_width > s.page_height for s in doc.sections)
    # Norwegian figures: decimal commas and no dot decimals in any table.
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "2,15" in cells and not any(re.search(r"\d\.\d", c) for c in cells)
    assert "10 %" in "".join(cells).replace("\xa0", " ")

    text = render_pdf(docx, tmp_path)
    flat = " ".join(text.split())
    assert "Strategisk kompetanseplan" in flat and "Helse" in flat  # the cover
    assert "Innhold" in flat  # the table of contents
    for title in STEP_TITLES_NB:
        # Each chapter title twice: in the table of contents and as its chapter.
        assert flat.count(title) >= 2, title

    # Every long word in the document's tables is whole in the PDF as often as it is in
    # the document: a word broken inside a cell ("Pensjo nsalde r") would be missing.
    table_words = {
        w
        for t in doc.tables
        for r in t.rows
        for c in r.cells
        for w in re.findall(r"[A-Za-zÆØÅæøå]{9,}", c.text)
    }
    assert {"Pensjonsalder", "Sykepleier", "Kompetanse"} <= table_words
    pdf_words = re.findall(r"[A-Za-zÆØÅæøå]+", text)
    doc_words = re.findall(r"[A-Za-zÆØÅæøå]+", "\n".join(_all_text(doc)))
    for word in sorted(table_words):
        assert pdf_words.count(word) >= doc_words.count(word), word
