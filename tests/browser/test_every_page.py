"""axe-core on every page of kollega, in bokmål and English, as a role that may see it.

The page list is checked against ``app.url_map``: every GET route outside /api/ and
/static/ must either be in ``PAGES`` (visited) or in ``EXCLUDED`` (with the reason), so a
new page cannot slip past the audit. Besides each page as it opens, ``STATES`` covers the
main other states cheaply: forms submitted empty (errors shown), empty lists, and every
disclosure (``<details>``) of a page opened by keyboard. kollega has no custom dialogs: the
only other dialog is the browser's own confirm() for destructive buttons, which axe cannot
audit (it is browser chrome, not the page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.axe import axe_violations, format_violations, load_axe
from tests.browser.conftest import scalar, visit

pytestmark = pytest.mark.browser

LANGS = ("nb", "en")

# endpoint -> (role, path built from the world). role None = signed out.
W = dict[str, Any]
PAGES: dict[str, tuple[str | None, Callable[[W], str]]] = {
    "auth.login": (None, lambda w: "/login"),
    "home.index": ("employee", lambda w: "/"),
    "home.accessibility": (None, lambda w: "/accessibility"),
    "auth.change_password": ("employee", lambda w: "/account/password"),
    "auth.tokens": ("employee", lambda w: "/account/tokens"),
    "auth.two_factor_setup": ("employee", lambda w: "/account/two-factor"),
    "admin.audit": ("admin", lambda w: "/admin/audit"),
    "admin.privacy_settings": ("admin", lambda w: "/admin/privacy"),
    "admin.erasure": ("admin", lambda w: w["erasure"]),
    "admin.users": ("admin", lambda w: "/admin/users"),
    "admin.account": ("admin", lambda w: f"/admin/users/{w['ids']['employee']}"),
    "competence.mine": ("employee", lambda w: "/competence/"),
    "competence.assess": ("employee", lambda w: f"/competence/assess/{w['competence']}"),
    "competence.frameworks": ("hr", lambda w: "/competence/frameworks"),
    "competence.framework": ("hr", lambda w: f"/competence/frameworks/{w['framework']}"),
    "competence.import_page": ("hr", lambda w: "/competence/import"),
    "competence.conversations": (
        "employee",
        lambda w: f"/competence/people/{w['ids']['employee']}/conversations",
    ),
    "competence.plan": ("leader", lambda w: f"/competence/plans/{w['leader_unit']}"),
    "competence.add_credential": (
        "leader",
        lambda w: f"/competence/people/{w['ids']['employee']}/credentials",
    ),
    "competence.review": (
        "leader",
        lambda w: f"/competence/people/{w['ids']['employee']}/review/{w['competence']}",
    ),
    "competence.requirements": ("hr", lambda w: "/competence/requirements"),
    "competence.matrix": ("hr", lambda w: "/competence/requirements/matrix"),
    "competence.team_start": ("leader", lambda w: "/competence/team"),
    "competence.team": ("leader", lambda w: f"/competence/team/{w['leader_unit']}"),
    "competence.who_knows": ("employee", lambda w: "/competence/who-knows"),
    "cycle.index": ("employee", lambda w: "/cycle/"),
    "cycle.calendar_page": ("employee", lambda w: "/cycle/calendar"),
    "cycle.event": ("hr", lambda w: f"/cycle/events/{w['event']}"),
    "cycle.occurrence": ("hr", lambda w: w["occurrence"]),
    "cycle.edit_event": ("hr", lambda w: f"/cycle/events/{w['event']}/edit"),
    "cycle.new_event": ("leader", lambda w: "/cycle/events/new"),
    "cycle.practice_page": ("hr", lambda w: w["practice"]),
    "cycle.list_view": ("employee", lambda w: "/cycle/list"),
    "cycle.month_view": ("employee", lambda w: "/cycle/month"),
    "cycle.outbox": ("admin", lambda w: "/cycle/outbox"),
    "cycle.outbox_mail": ("admin", lambda w: w["outbox_mail"]),
    "cycle.periods_page": ("hr", lambda w: "/cycle/periods"),
    "gaps.index": ("leader", lambda w: "/gaps/"),
    "gaps.mine": ("employee", lambda w: "/gaps/me"),
    "gaps.person": ("employee", lambda w: f"/gaps/people/{w['ids']['employee']}"),
    "gaps.unit": ("leader", lambda w: f"/gaps/units/{w['leader_unit']}"),
    "org.import_upload": ("hr", lambda w: "/import"),
    "metrics.index": ("hr", lambda w: "/metrics/"),
    "metrics.unit": ("hr", lambda w: f"/metrics/units/{w['root_unit']}"),
    "metrics.scorecard": ("hr", lambda w: f"/metrics/units/{w['root_unit']}/scorecard"),
    "networks.index": ("employee", lambda w: "/networks"),
    "networks.network": ("employee", lambda w: f"/networks/{w['network']}"),
    "networks.create": ("employee", lambda w: "/networks/new"),
    "networks.invitation": (None, lambda w: w["invitation"]),
    "networks.search": ("employee", lambda w: "/networks/search?q=plan"),
    "networks.notifications": ("employee", lambda w: "/notifications"),
    "networks.thread": ("employee", lambda w: f"/threads/{w['thread']}"),
    "networks.new_thread": ("employee", lambda w: f"/networks/{w['network']}/threads/new"),
    "networks.network_settings": ("admin", lambda w: f"/networks/{w['network']}/settings"),
    "networks.edit_message": ("employee", lambda w: f"/messages/{w['message']}/edit"),
    "org.person": ("employee", lambda w: f"/people/{w['ids']['employee']}"),
    "plans.index": ("hr", lambda w: "/plans/"),
    "plans.show": ("hr", lambda w: f"/plans/{w['plan']}"),
    "training.catalogue": ("employee", lambda w: "/trainings/"),
    "training.detail": ("employee", lambda w: f"/trainings/{w['training']}"),
    "training.edit": ("hr", lambda w: f"/trainings/{w['training']}/edit"),
    "training.new": ("hr", lambda w: "/trainings/new"),
    "training.proposals": ("leader", lambda w: "/trainings/proposals"),
    "training.session": ("hr", lambda w: f"/trainings/sessions/{w['session']}"),
    "privacy.index": ("employee", lambda w: "/privacy/"),
    "privacy.export_page": ("employee", lambda w: "/privacy/export"),
    "org.units": ("hr", lambda w: "/units"),
    "org.unit": ("leader", lambda w: f"/units/{w['leader_unit']}"),
}

# GET routes that are not HTML pages, with the reason.
EXCLUDED: dict[str, str] = {
    "competence.framework_json": "a JSON download of a framework, not a page",
    "gaps.export": "CSV/XLSX download",
    "metrics.export": "CSV/XLSX download",
    "plans.document": "a Word document download",
    "privacy.export_download": "the personal-data export as a JSON download",
    "uploads.file": "a file sent in the chat (an image, PDF or download), not a page",
    "uploads.thumbnail": "an image's thumbnail, not a page",
    "ops.healthz": "a health check for the process manager (JSON), not a page",
    "ops.readyz": "a readiness check for the proxy and deployments (JSON), not a page",
    "auth.two_factor": "the second sign-in step, reached only after a right password; "
    "audited with axe in tests/auth/test_two_factor_browser.py",
    "auth.oidc_login": "a redirect to the identity provider (404 when single sign-on is off); "
    "its button on the login page is audited with the login page",
    "auth.oidc_callback": "the identity provider's return: signs in and redirects, or shows "
    "the login page with the refusal (tests/auth/test_oidc.py)",
}

# Main states beyond the opened page: (name, role, path, action on the page). Each action
# checks that it reached its state (errors shown, disclosures open).
Action = Callable[[Any], None]
STATES: list[tuple[str, str | None, Callable[[W], str], Action | None]] = []


def _submit_empty(
    selector: str = "main form:not(.inline) [type=submit]", clear: str | None = None
) -> Action:
    """Submit a form with nothing filled in (``clear``: the fields to empty first)."""

    def act(page: Any) -> None:
        # Past the browser's own check of required fields, to the server's error messages.
        page.locator(selector).first.evaluate("b => { if (b.form) b.form.noValidate = true; }")
        if clear:
            for i in range(page.locator(clear).count()):
                page.locator(clear).nth(i).fill("")
        with page.expect_navigation() as navigation:
            page.locator(selector).first.click()
        page.wait_for_load_state()
        status = navigation.value.status if navigation.value else 200
        shown = page.locator(".error-summary, [aria-invalid=true], .flash-error").count()
        # Some forms answer with the error page (422 and the field messages) instead.
        assert shown > 0 or 400 <= status < 500, "no error shown after submitting the form empty"

    return act


def _open_disclosures(page: Any) -> None:
    """Open every closed disclosure (<details>) in the page by keyboard."""
    closed = page.locator("main details:not([open]) > summary")
    assert closed.count() > 0, f"no closed disclosure on {page.url}"
    for _ in range(closed.count()):
        closed.first.focus()
        page.keyboard.press("Enter")
    assert page.locator("main details:not([open])").count() == 0
    assert page.locator("main details[open]").count() > 0


def _measure_refused(page: Any) -> None:
    """The new measure's form opened, its job and competence chosen by name with the
    keyboard, a cost that is not a number sent: the plan page again (422) with the
    choices kept and the message beside the cost."""
    page.locator("main details:has(#me-job) > summary").focus()
    page.keyboard.press("Enter")
    page.locator("#me-title").fill("Rekruttering")
    chosen = {}
    for field in ("#me-job", "#me-comp"):
        page.locator(field).focus()
        page.keyboard.press("ArrowDown")  # the first after "none"
        chosen[field] = page.locator(field).input_value()
        assert chosen[field], field
    page.locator("#me-cost").fill("mye")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#me-cost-error").count() == 1
    assert {f: page.locator(f).input_value() for f in chosen} == chosen


def _open_reaction_picker(page: Any) -> None:
    """A message's reaction picker open (a modal dialog with emoji-picker-element), by
    keyboard, its search focused."""
    page.wait_for_function("() => document.getElementById('thread').dataset.joined === 'true'")
    load_axe(page)
    page.locator("article.message [data-action=react]").first.press("Enter")
    page.locator("#reaction-picker").wait_for()
    page.wait_for_function("() => document.activeElement.tagName === 'EMOJI-PICKER'")
    page.wait_for_timeout(300)  # the emoji drawn


def _choose_experience(page: Any) -> None:
    """The new-thread composer switched to an experience: its four parts shown."""
    page.locator("input[name=kind][value=experience]").check()
    assert page.locator("#experience-parts").is_visible()


def _year_refused(page: Any) -> None:
    """The annual cycle's filters with a year that is no year: the page again, 400."""
    page.locator("main form.cycle-filters #year").fill("abc")
    with page.expect_navigation() as navigation:
        page.locator("main form.cycle-filters [type=submit]").click()
    page.wait_for_load_state()
    assert navigation.value is not None and navigation.value.status == 400
    assert page.locator("#year[aria-invalid=true]").count() == 1


def _search_refused(page: Any) -> None:
    """The search form sent with its period the wrong way round: the form again, 422."""
    page.locator("#search-from").fill("2030-01-02")
    page.locator("#search-to").fill("2030-01-01")
    with page.expect_navigation() as navigation:
        page.locator("main form[role=search] [type=submit]").click()
    page.wait_for_load_state()
    assert navigation.value is not None and navigation.value.status == 422
    assert page.locator("#search-to[aria-invalid=true]").count() == 1


def _query_refused(query: str, field: str) -> Action:
    """The page asked with a bad value in its query string (an old or hand-edited link):
    the page again (400), the field holding the value marked."""

    def act(page: Any) -> None:
        response = page.goto(page.url.split("#")[0].split("?")[0] + "?" + query)
        page.wait_for_load_state()
        assert response is not None and response.status == 400
        assert page.locator(f"#{field}[aria-invalid=true]").count() == 1
        # What was typed shows in the field to be corrected (a date input shows nothing
        # for text that is not a date: kollega.js makes it a text field).
        typed = page.locator(f"#{field}").get_attribute("value")
        if typed:
            assert page.locator(f"#{field}").input_value() == typed

    return act


STATES += [
    (
        "unit gaps, bad dates",
        "leader",
        lambda w: f"/gaps/units/{w['leader_unit']}",
        _query_refused("date=2026-02-30&heatmap_date=x&by=people", "heatmap_date"),
    ),
    ("my gaps, bad date", "employee", lambda w: "/gaps/me", _query_refused("future=x", "future")),
    (
        "metrics, bad period",
        "hr",
        lambda w: f"/metrics/units/{w['root_unit']}",
        _query_refused("from=2026-05-01&to=2026-01-01", "to"),
    ),
    (
        "scorecard, bad year",
        "hr",
        lambda w: f"/metrics/units/{w['root_unit']}/scorecard",
        _query_refused("year=abc", "year"),
    ),
    (
        "who-knows, bad level",
        "employee",
        lambda w: "/competence/who-knows",
        _query_refused("competence=nope:1&min_level=abc", "w-min"),
    ),
    (
        "matrix, bad link",
        "leader",
        lambda w: "/competence/requirements/matrix",
        _query_refused("date=bad&framework=nope", "m-date"),
    ),
    (
        "new session errors",
        "hr",
        lambda w: f"/trainings/{w['training']}",
        _submit_empty("main form[action$='/sessions'] [type=submit]"),
    ),
    (
        "session change errors",
        "hr",
        lambda w: f"/trainings/sessions/{w['session']}",
        _submit_empty("main form[action$='/edit'] [type=submit]", clear="main #session-starts_at"),
    ),
    ("sign-in errors", None, lambda w: "/login", _submit_empty("main button[type=submit]")),
    ("new network errors", "employee", lambda w: "/networks/new", _submit_empty()),
    ("new stop errors", "leader", lambda w: "/cycle/events/new", _submit_empty()),
    (
        "fixed period errors",
        "hr",
        lambda w: "/cycle/periods",
        _submit_empty("main form[aria-labelledby=add-heading] [type=submit]"),
    ),
    ("year filter errors", "employee", lambda w: "/cycle/", _year_refused),
    ("new training errors", "hr", lambda w: "/trainings/new", _submit_empty()),
    ("password errors", "employee", lambda w: "/account/password", _submit_empty()),
    (
        "new thread errors",
        "employee",
        lambda w: f"/networks/{w['network']}/threads/new",
        _submit_empty("main form[action$='/threads'] [type=submit]"),
    ),
    (
        "new thread, the experience kind",
        "employee",
        lambda w: f"/networks/{w['network']}/threads/new",
        _choose_experience,
    ),
    (
        "network settings errors",
        "admin",
        lambda w: f"/networks/{w['network']}/settings",
        _submit_empty("main form[action$='/settings'] [type=submit]", clear="main #name"),
    ),
    (
        "edited message emptied",
        "employee",
        lambda w: f"/messages/{w['message']}/edit",
        _submit_empty("main form:not(.inline) [type=submit]", clear="main form textarea"),
    ),
    (
        "requirement refused",
        "leader",
        lambda w: f"/competence/requirements?unit={w['leader_unit']}",
        _submit_empty("main form[method=post]:not(.inline) [type=submit]"),
    ),
    ("import without a file", "hr", lambda w: "/import", _submit_empty()),
    (
        "new plan refused",
        "hr",
        lambda w: "/plans/",
        _submit_empty("main form[method=post] [type=submit]"),
    ),
    ("empty network search", "employee", lambda w: "/networks/search?q=zzqxy", None),
    ("network search, page 2", "employee", lambda w: "/networks/search?q=plan&page=2", None),
    ("network search refused", "employee", lambda w: "/networks/search?q=plan", _search_refused),
    ("guest network search", "guest", lambda w: "/networks/search?q=plan", None),
    ("empty who-knows", "employee", lambda w: "/competence/who-knows?q=zzqxy", None),
    ("empty user search", "admin", lambda w: "/admin/users?q=zzqxy", None),
    ("guest start page", "guest", lambda w: "/", None),
    ("guest network", "guest", lambda w: f"/networks/{w['guest_network']}", None),
    ("guest notifications", "guest", lambda w: "/notifications", None),
    ("admin empty networks", "admin", lambda w: "/networks", None),
    # Dialogs and disclosures open: the reaction picker; every <details> of the page.
    (
        "thread, reaction picker open",
        "employee",
        lambda w: f"/threads/{w['thread']}",
        _open_reaction_picker,
    ),
    (
        "unit gaps, plain heatmap open",
        "leader",
        lambda w: f"/gaps/units/{w['leader_unit']}",
        _open_disclosures,
    ),
    ("my competence, disclosures open", "employee", lambda w: "/competence/", _open_disclosures),
    (
        "person, history open",
        "employee",
        lambda w: f"/people/{w['ids']['employee']}",
        _open_disclosures,
    ),
    ("new stop, more fields open", "leader", lambda w: "/cycle/events/new", _open_disclosures),
    ("plan, disclosures open", "hr", lambda w: f"/plans/{w['plan']}", _open_disclosures),
    ("plan measure refused", "hr", lambda w: f"/plans/{w['plan']}", _measure_refused),
]


def page_endpoints(app: Any) -> set[str]:
    """Every GET endpoint outside /api/ and /static/."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and not rule.rule.startswith(("/api/", "/static"))
        and rule.endpoint != "static"
    }


def test_every_page_route_is_audited_or_excluded(world_app):  # type: ignore[no-untyped-def]
    routes = page_endpoints(world_app)
    missing = routes - PAGES.keys() - EXCLUDED.keys()
    assert not missing, (
        f"page routes neither audited nor excluded: {sorted(missing)}; add them to PAGES "
        "(with a role and a URL) or to EXCLUDED (with the reason) in tests/browser/test_every_page.py"
    )
    stale = (PAGES.keys() | EXCLUDED.keys()) - routes
    assert not stale, f"listed but no longer routes: {sorted(stale)}"


def _link(page: Any, pattern: str) -> str:
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href or ""):
            return str(href)
    raise AssertionError(f"no link matching {pattern} on {page.url}")


@pytest.fixture(scope="module")
def full_world(world, browsers, world_app):  # type: ignore[no-untyped-def]
    """Add URLs that are only known by following links (occurrence keys, outbox mails)."""
    hr = browsers.page("hr", "nb")
    visit(hr, f"/cycle/events/{world['event']}", "nb")
    world["occurrence"] = _link(hr, rf"/cycle/events/{world['event']}/[^/]+(?<!/edit)")
    # The practice marks of a learning stop's occurrence (HR runs municipality-wide stops).
    stop = scalar(world_app, "SELECT id FROM cycle_events WHERE kind = 'learning_stop' ORDER BY id")
    visit(hr, f"/cycle/events/{stop}", "nb")
    world["practice"] = _link(hr, rf"/cycle/events/{stop}/[^/]+(?<!/edit)") + "/practice"
    # A guest's invitation link, from the network's facilitator.
    world["invitation"] = _guest_invitation(world_app, world["network"])
    admin = browsers.page("admin", "nb")
    visit(admin, "/cycle/outbox", "nb")
    try:
        world["outbox_mail"] = _link(admin, r"/cycle/outbox/[^/]+")
    except AssertionError:
        world["outbox_mail"] = None
    # An erasure request of the employee's, for the admin's confirmation page.
    employee = browsers.page("employee", "nb")
    visit(employee, "/privacy/", "nb")
    ask = employee.locator("form[action='/privacy/erasure'] [type=submit]")
    if ask.count():
        with employee.expect_navigation():
            ask.click()
    visit(admin, "/admin/privacy", "nb")
    world["erasure"] = _link(admin, r"/admin/privacy/erasure/\d+")
    return world


def _guest_invitation(app: Any, network_id: int) -> str:
    """The sign-in link of a new guest invited to the network by its facilitator."""
    from kollega.extensions import db
    from kollega.networks.invitations import invite_guest_with_link
    from kollega.org.models import Person

    facilitator = scalar(
        app,
        "SELECT person_id FROM network_members WHERE network_id = :n AND role = 'facilitator'"
        " AND state = 'active' ORDER BY id",
        n=network_id,
    )
    with app.app_context():
        invite = invite_guest_with_link(
            db.session.get(Person, facilitator), network_id, "gjest.lenke@example.no", "Gro Gjest"
        )
        db.session.commit()
        return f"/invitations/{invite.token}"


AUDITED: list[tuple[str, str, int]] = []  # (what, lang, violations) for the summary


def _audit(page: Any, what: str, lang: str) -> None:
    violations = axe_violations(page)
    AUDITED.append((what, lang, len(violations)))
    assert not violations, format_violations(violations, f"{what} ({lang}) {page.url}")


@pytest.mark.parametrize("endpoint", sorted(PAGES))
@pytest.mark.parametrize("lang", LANGS)  # all of bokmål first, then English
def test_page_passes_axe(browsers, full_world, endpoint, lang):  # type: ignore[no-untyped-def]
    role, build = PAGES[endpoint]
    url = build(full_world)
    if url is None:
        pytest.skip(f"{endpoint}: nothing in the seeded world to show")
    page = browsers.page(role, lang)
    response = visit(page, url, lang)
    assert response is not None and response.status == 200, (
        f"{endpoint} as {role}: {url} answered {response and response.status}"
    )
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").count() == 1, f"{url} should have exactly one h1"
    _audit(page, endpoint, lang)


@pytest.mark.parametrize("state", STATES, ids=[s[0] for s in STATES])
@pytest.mark.parametrize("lang", LANGS)
def test_page_state_passes_axe(browsers, full_world, state, lang):  # type: ignore[no-untyped-def]
    name, role, build, action = state
    page = browsers.page(role, lang)
    response = visit(page, build(full_world), lang)
    assert response is not None and response.status == 200, response and response.status
    if action is not None:
        action(page)
    _audit(page, name, lang)
