"""The format hunt of issue 21 point 5: crawl kollega's pages as a role in one language and
find, in the text a person sees (not in attributes, scripts or styles), what a Norwegian
reader should never meet: raw floats, ISO dates written as text, "-0 %", "1 personer",
dot decimals in bokmål, and job codes shown instead of the job's name.

Used by tests/test_format_hunt.py on the seeded demo (SQLite and PostgreSQL) and runnable
by hand against a demo instance (``python -m tests.format_hunt <instance path>``).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

# Links a crawl never follows: downloads, sign-out, the API, and state-changing GETs.
SKIP = re.compile(
    r"^/(api|static|logout|uploads)\b|/export|/document|/download|format=|/ics\b|\.ics$"
    r"|/calendar\.ics|/files/|/thumb"
)
HIDDEN = ("script", "style", "template", "noscript", "svg")

# Patterns in the visible text, each with the languages it applies to.
PATTERNS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    # 3.200000000000003, 1055.3500000000001, 0,35020000001: no figure is shown with 5+ decimals.
    "raw float": (re.compile(r"(?<![\d.,])\d+[.,]\d{5,}(?![\d.])"), ("nb", "en")),
    "ISO date as text": (re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"), ("nb", "en")),
    "-0 %": (re.compile(r"(?<![\d,.])[-\u2212]0(?:[,.]0+)?[\s\u00a0]?%"), ("nb", "en")),
    "one with a plural": (
        re.compile(
            r"(?<![\d,.])(?<!\d[\s\u00a0])\b1[\s\u00a0](?:personer|ansatte|timer|plasser|"
            r"medlemmer|deltakere|dager|kompetanser|enheter|people|persons|hours|seats|members|"
            r"participants|days|competences|units|employees)\b"
        ),
        ("nb", "en"),
    ),
}


@dataclass
class Finding:
    kind: str
    path: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text!r} on {self.path}"


@dataclass
class Crawl:
    pages: int = 0
    endpoints: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)


def visible_text(html: str) -> str:
    """The page's text as a person sees it: no attributes, scripts, styles or templates;
    one space between elements."""
    tree = lxml.html.fromstring(html)
    for el in tree.iter(*HIDDEN):
        el.drop_tree()
    for el in tree.xpath("//*[@hidden or @aria-hidden='true']"):
        if el.getparent() is not None:
            el.drop_tree()
    body = tree.find("body")
    root = body if body is not None else tree
    return re.sub(r"[ \t\r\n]+", " ", " ".join(root.itertext()))


# A table cell holding only a figure with a dot decimal (bokmål writes 3,2 and 38,5 %).
DOT_CELL = re.compile(r"^[-\u2212]?\d[\d\s\u00a0]*\.\d+[\s\u00a0]?%?$")
# Pages where a job code is the key being explained (the import page's CSV example).
CODE_IS_KEY = re.compile(r"^/import\b")


VERSION_HEADINGS = {"versjon", "version"}
# A figure column's whole number of 10 000 or more without a thousands separator (a
# four-digit one may be a year).
UNGROUPED = re.compile(r"^[-\u2212]?\d{5,}(?:[.,]\d+)?[\s\u00a0]?%?$")


def _text(el: Any) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip()


def dot_decimal_cells(html: str) -> list[str]:
    """Table cells that show only a figure written with a decimal point (a column headed
    Version holds version numbers such as 2.2, not figures), and figure cells of 10 000 or
    more without a thousands separator."""
    found = []
    for table in lxml.html.fromstring(html).iter("table"):
        heads = [_text(th).lower() for th in table.xpath("./thead/tr[1]/th")]
        for row in table.xpath(".//tr"):
            for i, cell in enumerate(row.xpath("./td|./th")):
                column = heads[i] if i < len(heads) else ""
                text = _text(cell)
                dotted = column not in VERSION_HEADINGS and DOT_CELL.match(text)
                figure = "num" in (cell.get("class") or "").split()
                if dotted or (figure and UNGROUPED.match(text)):
                    found.append(text)
    return found


def find_in(text: str, path: str, lang: str, job_codes: Iterable[str] = ()) -> list[Finding]:
    """Every wrong format in one page's visible text."""
    found: list[Finding] = []
    for kind, (pattern, langs) in PATTERNS.items():
        if lang not in langs:
            continue
        for m in pattern.finditer(text):
            found.append(Finding(kind, path, text[max(0, m.start() - 40) : m.end() + 30]))
    for code in () if CODE_IS_KEY.match(path) else job_codes:
        for m in re.finditer(rf"(?<![\w/@.-]){re.escape(code)}(?![\w/@.-])", text):
            found.append(Finding("job code", path, text[max(0, m.start() - 40) : m.end() + 30]))
    return found


def shown_codes(names: dict[str, str]) -> list[str]:
    """The job codes a page must never show as text: those not simply the name in lower
    case (``laerer`` for Lærer, ``barne_ungdomsarbeider``; not ``sykepleier``)."""
    return [code for code, name in names.items() if code.lower() != (name or "").lower()]


def start_paths() -> list[str]:
    """The home page and the figure pages no link of the crawl reaches by itself (reached
    through a unit chooser): gaps and metrics of the municipality, a division, a unit and a
    department, and the municipality's scorecard. A page the role may not see is skipped."""
    import sqlalchemy as sa

    from kollega.extensions import db
    from kollega.org.models import OrgUnit

    paths = ["/"]
    for kind in ("municipality", "division", "unit", "department"):
        unit = db.session.scalar(
            sa.select(OrgUnit.code).where(OrgUnit.kind == kind).order_by(OrgUnit.id).limit(1)
        )
        if unit is not None:
            paths += [f"/gaps/units/{unit}", f"/metrics/units/{unit}"]
            if kind == "municipality":
                paths.append(f"/metrics/units/{unit}/scorecard")
    return paths


def crawl(
    client: Any,
    app: Any,
    lang: str,
    job_codes: Iterable[str],
    start: Iterable[str] = ("/",),
    per_endpoint: int = 2,
    limit: int = 400,
) -> Crawl:
    """Breadth-first over the pages the signed-in client reaches by links, at most
    ``per_endpoint`` pages per endpoint (people, networks and threads look alike)."""
    adapter = app.url_map.bind("localhost")
    codes = [c for c in job_codes if c]
    queue = list(start)
    seen: set[str] = set(queue)
    result = Crawl()
    while queue and result.pages < limit:
        path = queue.pop(0)
        sep = "&" if "?" in path else "?"
        response = client.get(f"{path}{sep}lang={lang}")
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        result.pages += 1
        html = response.get_data(as_text=True)
        result.findings += find_in(visible_text(html), path, lang, codes)
        if lang == "nb":
            result.findings += [Finding("dot decimal", path, c) for c in dot_decimal_cells(html)]
        for href in lxml.html.fromstring(html).xpath("//a/@href"):
            url = urlsplit(urljoin(path, href))
            if url.netloc or url.scheme not in ("", "http", "https"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            query = "&".join(p for p in url.query.split("&") if not p.startswith("lang="))
            target = url.path + (f"?{query}" if query else "")
            if target in seen or SKIP.search(target):
                continue
            try:
                endpoint, _ = adapter.match(url.path, method="GET")
            except Exception:  # noqa: BLE001 - not a page of kollega
                continue
            seen.add(target)
            if result.endpoints[endpoint] >= per_endpoint:
                continue
            result.endpoints[endpoint] += 1
            queue.append(target)
    return result


def main(instance: str) -> None:  # pragma: no cover - by hand on a demo instance
    import sqlalchemy as sa

    from config import TestConfig
    from kollega import create_app
    from kollega.extensions import db

    app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "DATABASE_URL": f"sqlite:///{instance}/kollega.db",
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "format-hunt",
        }
    )
    with app.app_context():
        codes = shown_codes(dict(db.session.execute(sa.text("SELECT code, name FROM jobs")).all()))
    for who in ("hr", "leder", "ansatt"):
        for lang in ("nb", "en"):
            client = app.test_client()
            r = client.post(
                "/login",
                data={"email": f"{who}@demo.kollega.no", "password": "kollega-demo-2021"},
            )
            assert r.status_code == 302, r.status_code
            with app.app_context():
                result = crawl(client, app, lang, codes, start_paths())
            print(f"== {who} {lang}: {result.pages} pages, {len(result.findings)} findings")
            print("   endpoints:", " ".join(sorted(result.endpoints)))
            seen = set()
            for f in result.findings:
                key = (f.kind, f.text)
                if key not in seen:
                    seen.add(key)
                    print("  ", f)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
