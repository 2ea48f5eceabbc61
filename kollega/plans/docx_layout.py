"""Page layout for the plan's Word document (python-docx): A4 pages, the document
language on every style, a table of contents field, page numbers, and tables whose
column widths are measured from their text so that no word breaks inside a cell; a
table too wide for a portrait page goes on a landscape page.

Widths are measured with Liberation Sans (Arial's metrics, the document's font) and
DejaVu Sans (what a reader without Arial falls back to, and wider), taking the larger,
so the widths hold in Word and in LibreOffice."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Arial"
TABLE_PT = 9.0
A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.2)
# Room for a cell's left and right margins (Word's default 0.19 cm each) and rounding.
CELL_PAD_CM = 0.5
PREFERRED_MAX_CM = 7.0
LANGUAGES = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}
_FONT_FILES = {
    False: [
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ],
    True: [
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ],
}


def usable_width_cm(landscape: bool) -> float:
    return (29.7 if landscape else 21.0) - 2 * MARGIN.cm


@functools.cache
def _fonts(bold: bool, size_pt: float) -> list[Any]:
    from matplotlib import get_data_path
    from PIL import ImageFont

    dejavu = (
        Path(get_data_path()) / "fonts/ttf" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    )
    # Measured at 100 × the size in points, then scaled: sub-pixel precision.
    paths = [p for p in _FONT_FILES[bold] if Path(p).exists()][:1] + [str(dejavu)]
    return [ImageFont.truetype(p, int(size_pt * 100)) for p in paths]


def text_cm(text: str, size_pt: float = TABLE_PT, bold: bool = False) -> float:
    """The width of one line of ``text`` in centimetres (the larger of the two fonts)."""
    if not text:
        return 0.0
    widest = max(font.getlength(text) for font in _fonts(bold, size_pt))
    return widest / 100 / 72 * 2.54


def language(doc: Any, locale: str) -> str:
    """Set the document's language (``nb-NO`` for bokmål) and font on its defaults and
    on every style, so spelling and hyphenation follow the reader's language."""
    tag = LANGUAGES.get(locale.split("_")[0], "nb-NO")
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    targets = [defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))] if defaults is not None else []
    for style in styles.findall(qn("w:style")):
        targets.append(style.get_or_add_rPr())
    for rpr in targets:
        if rpr is None:
            continue
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), tag)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:cs"), FONT)
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "TOC Heading"):
        doc.styles[name].font.name = FONT
    return tag


def page(section: Any, landscape: bool = False) -> None:
    """A4, portrait or landscape, with the document's margins."""
    short, long = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def field(paragraph: Any, instruction: str, cached: str = "") -> None:
    """A Word field (PAGE, TOC …) in the paragraph, showing ``cached`` until updated."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run._r.append(sep)
    paragraph.add_run(cached)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def page_numbers(section: Any) -> None:
    """The page number centred in the section's footer (not on the cover)."""
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if not paragraph.runs:
        field(paragraph, "PAGE", "1")


def update_fields_on_open(doc: Any) -> None:
    """Ask Word to fill in the table of contents' page numbers when it opens the file."""
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def toc(doc: Any, heading: str, entries: Sequence[tuple[int, str]]) -> None:
    """A heading and a TOC field over headings 1–2, listing ``entries`` (level, text)
    until Word updates it with page numbers."""
    doc.add_paragraph(heading, style="TOC Heading")
    first = doc.add_paragraph()
    run = first.add_run()
    for kind, text in (("begin", None), (None, ' TOC \\o "1-2" \\h \\z \\u '), ("separate", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    for i, (level, text) in enumerate(entries):
        paragraph = first if i == 0 else doc.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(text).bold = level == 1
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    doc.add_paragraph().add_run()._r.append(end)


@dataclass
class TableLayout:
    """Column widths (cm), the font size and whether the table needs a landscape page."""

    widths: list[float]
    size_pt: float
    landscape: bool


def _longest_word(text: str, size: float, bold: bool) -> float:
    # Split where a line may break: not at a no-break space (``1.\xa0jan.\xa02027``).
    return max((text_cm(w, size, bold) for w in re.split(r"[ \t\n]+", text)), default=0.0)


def layout(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> TableLayout:
    """Widths that keep every word of every cell on one line: each column at least its
    longest word, the rest of the page shared by how much longer its texts are (a column
    of figures wants no more than its widest figure: its heading may wrap)."""
    for size in (TABLE_PT, 8.0, 7.0):
        lows, highs = [], []
        for i, header in enumerate(headers):
            cells = [str(r[i]) for r in rows]
            low = max(
                [_longest_word(header, size, True), *[_longest_word(c, size, False) for c in cells]]
            )
            high = max(
                [0.0 if i in numeric else text_cm(header, size, True)]
                + [text_cm(c, size, False) for c in cells]
            )
            lows.append(low + CELL_PAD_CM)
            highs.append(max(min(high, PREFERRED_MAX_CM), low) + CELL_PAD_CM)
        for landscape in (False, True):
            room = usable_width_cm(landscape)
            if sum(lows) <= room:
                return TableLayout(_share(lows, highs, room), size, landscape)
    return TableLayout(_share(lows, highs, sum(lows)), 7.0, True)


def _share(lows: list[float], highs: list[float], room: float) -> list[float]:
    spare = room - sum(lows)
    wanted = sum(h - lo for lo, h in zip(lows, highs, strict=True))
    if wanted <= 0:
        return lows
    k = min(1.0, spare / wanted)
    return [lo + (h - lo) * k for lo, h in zip(lows, highs, strict=True)]


def table(
    doc: Any,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    shape: TableLayout,
    numeric: Sequence[int] = (),
) -> Any:
    """A table with fixed column widths from ``shape``, a header row repeated on each
    page, rows that do not split across pages and figures aligned right."""
    tbl = doc.add_table(rows=1, cols=len(headers))
    tbl.style = "Table Grid"
    tbl.alignment = WD_TABLE_ALIGNMENT.LEFT
    tbl.autofit = False
    props = tbl._tbl.tblPr
    fixed = OxmlElement("w:tblLayout")
    fixed.set(qn("w:type"), "fixed")
    props.append(fixed)
    for col, width in zip(tbl.columns, shape.widths, strict=True):
        col.width = Cm(width)
    _fill(tbl.rows[0], headers, shape, numeric, bold=True)
    header_props = tbl.rows[0]._tr.get_or_add_trPr()
    header_props.append(OxmlElement("w:tblHeader"))
    for values in rows:
        _fill(tbl.add_row(), values, shape, numeric, bold=False)
    return tbl


def _fill(
    row: Any, values: Sequence[str], shape: TableLayout, numeric: Sequence[int], bold: bool
) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
        cell.width = Cm(shape.widths[i])
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        if i in numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run(str(value))
        run.font.size = Pt(shape.size_pt)
        run.bold = bold


def new_section(doc: Any, landscape: bool) -> Any:
    """A new page in a new section, portrait or landscape, numbered like the rest."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    page(section, landscape)
    section.different_first_page_header_footer = False
    return section
