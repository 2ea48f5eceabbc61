"""Journeys in a real Chromium, one per user group, through the demo municipality.

Each journey uses the pages as a person would (links, buttons, forms) in English, and
runs axe-core on the pages it passes that the page crawl does not reach in that state.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import query, scalar, sign_in, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh(chromium, world_server, world):  # type: ignore[no-untyped-def]
    """A new browser context, signed out."""
    context = chromium.new_context(base_url=world_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(60_000)  # metrics pages are heavy on a busy machine

    def as_role(role: str) -> Any:
        sign_in(page, world["emails"][role], world["password"])
        visit(page, "/", "en")
        return page

    yield as_role
    context.close()


def flash(page: Any) -> str:
    return str(page.locator(".flashes").inner_text()) if page.locator(".flashes").count() else ""


def test_employee_journey(fresh, world, world_app):  # type: ignore[no-untyped-def]
    page = fresh("employee")
    me = world["ids"]["employee"]

    # Suggestions: from the start page to "my gaps and suggestions".
    page.get_by_role("link", name="Go to my gaps and suggestions").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Suggestions", exact=True).is_visible()

    # Join an open network they are not in yet.
    network = scalar(
        world_app,
        "SELECT id FROM networks WHERE visibility = 'open' AND status = 'active'"
        " AND archived_at IS NULL AND id NOT IN"
        " (SELECT network_id FROM network_members WHERE person_id = :p) ORDER BY id",
        p=me,
    )
    assert network, "the demo should have an open network the employee is not in"
    visit(page, f"/networks/{network}", "en")
    page.get_by_role("button", name="Join the network").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Leave the network").is_visible()
    assert_no_axe_violations(page)

    # Post in a thread of a network they belong to.
    visit(page, f"/threads/{world['thread']}", "en")
    text = "Vi prøvde sjekklista fra læringsstoppet, og den fungerte godt."
    page.locator("#composer textarea").fill(text)
    page.locator("#composer").get_by_role("button", name="Send").click()
    page.get_by_text(text).first.wait_for()
    assert page.get_by_text(text).count() == 1, "the message is shown once"

    # Answer a learning stop: a stop they are invited to that has begun (the reflection opens).
    stops = [
        r[0]
        for r in query(
            world_app,
            "SELECT id FROM cycle_events WHERE kind IN ('learning_stop', 'evaluation_stop')"
            " ORDER BY id",
        )
    ]
    answered = False
    for event in stops:
        if visit(page, f"/cycle/events/{event}", "en").status != 200:
            continue
        hrefs = page.eval_on_selector_all(
            "main a[href^='/cycle/events/']", "els => els.map(e => e.getAttribute('href'))"
        )
        past = [h for h in hrefs if re.fullmatch(rf"/cycle/events/{event}/[^/]+", h)]
        for href in [h for h in past if not h.endswith("/edit")][-3:]:
            visit(page, href, "en")
            box = page.locator("textarea[name=answer_0]")
            if box.count():
                box.fill("Jeg tar med meg at vi skal dele erfaringer oftere.")
                page.get_by_role("button", name="Save reflection").click()
                page.wait_for_load_state()
                assert page.locator("textarea[name=answer_0]").input_value().startswith("Jeg")
                answered = True
                break
        if answered:
            break
    assert answered, "no learning stop with an open reflection for the demo employee"

    # Self-assess a competence.
    visit(page, f"/competence/assess/{world['competence']}", "en")
    page.locator("input[name=level][value='2']").check()
    page.get_by_role("button", name="Save my assessment").click()
    page.wait_for_load_state()
    assert page.locator(".flash-error").count() == 0, flash(page)
    level = scalar(
        world_app,
        "SELECT a.level FROM competence_assessments a JOIN competences c ON c.id = a.competence_id"
        " WHERE a.person_id = :p AND c.code = :c AND a.source = 'self'"
        " ORDER BY a.id DESC",
        p=me,
        c=world["competence"],
    )
    assert level == 2


def test_leader_journey(fresh, world, world_app):  # type: ignore[no-untyped-def]
    page = fresh("leader")
    unit = world["leader_unit"]

    # Confirm a pending self-assessment of someone in the unit.
    visit(page, f"/competence/team/{unit}", "en")
    confirm = page.get_by_role("button", name="Confirm")
    assert confirm.count() > 0, "no self-assessment waiting for the leader's review"
    before = confirm.count()
    confirm.first.click()
    page.wait_for_load_state()
    assert page.locator(".flash-error").count() == 0, flash(page)
    assert page.get_by_role("button", name="Confirm").count() == before - 1

    # Set a requirement for the unit.
    visit(page, f"/competence/requirements?unit={unit}", "en")
    count = scalar(world_app, "SELECT count(*) FROM competence_requirements")
    # A competence near the end of the list (fewer networks cover it), at a level most
    # people of the unit are below: a shared gap for the measures further on.
    options = page.locator("#n-comp option").count()
    page.locator("#n-comp").select_option(index=options - 1)
    page.locator("#n-level").fill("3")
    page.locator("#n-level").press("Enter")
    page.wait_for_load_state()
    assert page.locator(".flash-error, .error-summary").count() == 0, flash(page)
    assert scalar(world_app, "SELECT count(*) FROM competence_requirements") == count + 1

    # Schedule a learning stop for the unit.
    visit(page, "/cycle/events/new", "en")
    events = scalar(world_app, "SELECT count(*) FROM cycle_events")
    page.locator("select[name=audience]").select_option(index=1)
    page.locator("select[name=kind]").select_option("learning_stop")
    page.locator("input[name=title]").fill("Læringsstopp: dokumentasjon i journal")
    page.locator("input[name=starts_at]").fill("2027-03-02T09:00")
    page.locator("input[name=ends_at]").fill("2027-03-02T10:00")
    page.locator("main form").get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:500]
    assert scalar(world_app, "SELECT count(*) FROM cycle_events") == events + 1

    # Read the unit heatmap: the shared gap of the world is a column with gap points.
    code, level = world["shared_gap"]
    visit(page, f"/gaps/units/{unit}?by=people", "en")
    heatmap = page.locator("table.heatmap")
    assert heatmap.count() == 1, "no heatmap on the unit's gap page"
    columns = heatmap.locator("thead th abbr").all_inner_texts()
    assert code in columns, f"{code} not among the heatmap's competences {columns}"
    column = columns.index(code) + 1  # the first column holds the row names
    cells = heatmap.locator(f"tbody tr td:nth-of-type({column})").all_inner_texts()
    with_gap = [int(c) for c in cells if c.strip().isdigit() and int(c) > 0]
    assert len(with_gap) >= 5, f"the heatmap shows {cells} for {code}"
    # The plain-table alternative opens by keyboard.
    page.get_by_text("Show the heatmap as a plain table").focus()
    page.keyboard.press("Enter")
    assert page.locator("details[open] table").is_visible()
    assert_no_axe_violations(page)

    # Open the suggested network for the shared gap and create it.
    assert page.get_by_role("heading", name="Suggested measures").is_visible()
    measure = page.locator(".suggestions > li").filter(
        has=page.locator(f"input[name=competence][value='{code}']")
    )
    assert measure.count() == 1, "no network proposed for the shared gap"
    measure.get_by_role("heading").scroll_into_view_if_needed()
    reason = measure.locator("p").first.inner_text()
    invited = int(re.search(r"(\d+) people", reason).group(1))  # type: ignore[union-attr]
    assert invited >= 5, reason
    expected = {
        r[0]
        for r in query(
            world_app,
            "SELECT p.id FROM people p JOIN org_units u ON u.id = p.unit_id"
            " WHERE u.code = :u AND p.active AND NOT EXISTS (SELECT 1"
            " FROM competence_assessments a JOIN competences c ON c.id = a.competence_id"
            " WHERE a.person_id = p.id AND c.code = :c AND a.level >= :l)",
            u=unit,
            c=code,
            l=level,
        )
    }
    assert len(expected) == invited, (expected, reason)
    networks = scalar(world_app, "SELECT count(*) FROM networks")
    measure.get_by_role("button", name=re.compile("Start the network and invite")).click()
    page.wait_for_load_state()
    assert "was created" in flash(page), flash(page)
    assert scalar(world_app, "SELECT count(*) FROM networks") == networks + 1
    network = scalar(world_app, "SELECT max(id) FROM networks")
    assert (
        scalar(world_app, "SELECT target_competences FROM networks WHERE id = :n", n=network)
        == f'["{code}"]'
    )
    members = {
        r[0]
        for r in query(
            world_app, "SELECT person_id FROM network_members WHERE network_id = :n", n=network
        )
    }
    leader = world["ids"]["leader"]
    assert members - {leader} == expected - {leader}, (members, expected)
    assert leader in members, "the leader facilitates the new network"
    assert_no_axe_violations(page)


def test_hr_journey(fresh, world, world_app, tmp_path):  # type: ignore[no-untyped-def]
    page = fresh("hr")
    unit = world["employee_unit"]

    # Import people from a CSV file: check, then import.
    csv = tmp_path / "people.csv"
    csv.write_text(
        "employee_no,name,email,unit_code,job_code,fte,birth_year,roles\n"
        f"J9001,Kari Journey,kari.journey@demo.kollega.no,{unit},ADV,1.0,1985,employee\n",
        encoding="utf-8",
    )
    visit(page, "/import", "en")
    page.locator("select[name=kind]").select_option("people")
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:500]
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    assert scalar(world_app, "SELECT count(*) FROM people WHERE employee_no = 'J9001'") == 1

    # Participation and gap closure for the municipality.
    visit(page, f"/metrics/units/{world['root_unit']}", "en")
    main = page.locator("main").inner_text()
    assert "Participation" in main or "participation" in main
    assert "Gap closure" in main

    # Export a table.
    link = page.locator("main a[href*='/export.csv']").first
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".csv")


def test_guest_sees_only_their_network(fresh, world, world_app):  # type: ignore[no-untyped-def]
    page = fresh("guest")
    visit(page, "/networks", "en")
    own = world["guest_network"]
    links = {
        int(m.group(1))
        for h in page.eval_on_selector_all(
            "main a[href^='/networks/']", "els => els.map(e => e.getAttribute('href'))"
        )
        if (m := re.fullmatch(r"/networks/(\d+)", h))
    }
    assert links <= {own}, f"a guest sees other networks: {links}"
    response = visit(page, f"/networks/{own}", "en")
    assert response.status == 200
    other = [
        r[0] for r in query(world_app, "SELECT id FROM networks WHERE id <> :n ORDER BY id", n=own)
    ][:3]
    for network in other:
        assert visit(page, f"/networks/{network}", "en").status in (403, 404)
    for path in ("/gaps/me", "/competence/", "/metrics/", "/units"):
        assert visit(page, path, "en").status in (403, 404), path
