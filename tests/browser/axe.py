"""axe-core in the browser tests: ``assert_no_axe_violations(page)`` on any page.

Every page must pass the WCAG 2.1 A and AA rules with no violations (see DESIGN.md,
"Quality bars"). Use it in a browser test after the page has settled::

    from tests.browser.axe import assert_no_axe_violations

    page.goto("/networks")
    assert_no_axe_violations(page)

axe-core comes from npm (``package.json``) and is copied to ``static/vendor/axe.min.js``
by ``make`` (scripts/build_assets.mjs). It is injected as a same-origin ``<script src>``
answered by Playwright from that file: the site's CSP forbids inline script, and the test
keeps the CSP on (``add_script_tag(path=...)`` would inject an inline script and be blocked).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "static" / "vendor" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"  # never served by kollega; answered by Playwright
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}
"""


def load_axe(page: Any) -> None:
    """Put axe-core into the page (once). Playwright's add_script_tag fails on any CSP
    report while it loads, so a page whose widgets are refused an inline style (the
    reaction picker's) loads axe before they open."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `make assets` (npm ci + build)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        origin = page.evaluate("() => window.location.origin")
        url = f"{origin}{AXE_URL}"
        page.route(url, lambda route: route.fulfill(path=str(AXE_JS)))
        page.add_script_tag(url=url)


def axe_violations(page: Any, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations."""
    load_axe(page)
    return list(page.evaluate(_RUN, list(tags)))


def format_violations(violations: list[dict[str, Any]], where: str = "") -> str:
    """The violations as readable text, one rule and its elements after another."""
    lines = [f"{len(violations)} axe-core violation(s){' on ' + where if where else ''}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}")
            for line in node["summary"].splitlines():
                lines.append(f"      {line}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any, tags: tuple[str, ...] = WCAG_TAGS) -> None:
    """Fail with a readable list when axe-core finds any WCAG 2.1 A/AA violation."""
    violations = axe_violations(page, tags)
    assert not violations, format_violations(violations, page.url)
