"""Uploads in real Chromium: an image pasted into the composer reaches the other person as
a thumbnail; a file picked with the attach button goes as a download card; axe-core with
an upload in progress and with a refused one."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.networks.test_live_browser import open_thread, second_page, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

# Draws a PNG on a canvas and pastes it into the composer as a file on the clipboard.
PASTE_PNG = """async (name) => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 400;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#00507a"; ctx.fillRect(0, 0, 640, 400);
  ctx.fillStyle = "#ffbf47"; ctx.fillRect(100, 100, 200, 120);
  const blob = await new Promise((ok) => canvas.toBlob(ok, "image/png"));
  const data = new DataTransfer();
  data.items.add(new File([blob], name, { type: "image/png" }));
  const box = document.querySelector("#composer textarea[name=body]");
  box.focus();
  box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""

PASTE_FILE = """([name, type, text]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, { type }));
  const box = document.querySelector("#composer textarea[name=body]");
  box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


def test_a_pasted_image_reaches_the_other_browser_as_a_thumbnail(
    page: Any,
    second_page: Any,  # noqa: F811
    org: Any,
    nets: Any,
) -> None:
    tid = nets.closed_thread.id
    employee, leader = page, second_page
    sign_in(employee, org.employee)
    sign_in(leader, org.leader)
    open_thread(employee, tid)
    open_thread(leader, tid)

    expect(employee.get_by_role("button", name="Legg ved fil")).to_be_visible()
    employee.evaluate(PASTE_PNG, "tavle.png")
    tray = employee.locator("#upload-tray")
    expect(tray.locator(".upload-item[data-state=done]", has_text="tavle.png")).to_be_visible()
    expect(employee.locator("#upload-status")).to_have_text("tavle.png er lastet opp")
    box = employee.locator("#composer textarea[name=body]")
    box.fill("Tavla fra møtet")
    box.press("Enter")
    expect(tray.locator(".upload-item")).to_have_count(0)

    message = leader.locator("#messages .message", has_text="Tavla fra møtet")
    image = message.locator(".attachments img[alt='tavle.png']")
    expect(image).to_be_visible(timeout=5_000)
    expect(image).to_have_attribute("src", __import__("re").compile(r"^/files/\d+/thumbnail$"))
    # The thumbnail really loaded (the server made it), and links to the full image.
    leader.wait_for_function(
        "img => img.complete && img.naturalWidth > 0 && img.naturalWidth <= 480",
        arg=image.element_handle(),
    )
    href = message.locator("a.attachment-image").get_attribute("href")
    assert href is not None and href.endswith("/tavle.png")
    response = leader.request.get(href)
    assert response.status == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    # An edit by the author updates the message in place: its files stay, once.
    mid = int(message.get_attribute("data-id"))
    employee.evaluate(
        "([id]) => window.kollegaChat.socket.emit('message:edit', {message_id: id, body: 'Tavla fra møtet (rettet)'})",
        [mid],
    )
    edited = leader.locator("#messages .message", has_text="(rettet)")
    expect(edited).to_be_visible()
    expect(edited.locator(".attachments")).to_have_count(1)
    expect(edited.locator(".attachments img[alt='tavle.png']")).to_have_count(1)
    mine = employee.locator("#messages .message", has_text="(rettet)")
    expect(mine.locator(".attachments img")).to_have_count(1)
    # After a reload, the server renders the same thumbnail.
    leader.reload()
    expect(
        leader.locator("#messages .message", has_text="Tavla fra møtet").locator(
            ".attachments img[alt='tavle.png']"
        )
    ).to_be_visible()


def test_a_picked_file_is_a_download_card_and_a_refused_one_says_why(
    page: Any,
    second_page: Any,  # noqa: F811
    org: Any,
    nets: Any,
) -> None:
    tid = nets.closed_thread.id
    employee, leader = page, second_page
    sign_in(employee, org.employee)
    sign_in(leader, org.leader)
    open_thread(employee, tid)
    open_thread(leader, tid)

    with employee.expect_file_chooser() as chooser:
        employee.get_by_role("button", name="Legg ved fil").click()
    chooser.value.set_files(
        files=[
            {
                "name": "liste.csv",
                "mimeType": "text/csv",
                "buffer": "navn;rolle\nÅse;leder\n".encode(),
            }
        ]
    )
    tray = employee.locator("#upload-tray")
    expect(tray.locator(".upload-item[data-state=done]", has_text="liste.csv")).to_be_visible()

    # A refused file: its reason beside it and announced; axe-core on that state.
    employee.evaluate(
        PASTE_FILE, ["tegning.svg", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'/>"]
    )
    refused = tray.locator(".upload-item[data-state=failed]", has_text="tegning.svg")
    expect(refused).to_contain_text("Denne filtypen kan ikke deles")
    expect(employee.locator("#upload-status")).to_contain_text("tegning.svg ble ikke lastet opp")
    assert_no_axe_violations(employee)
    refused.get_by_role("button", name="Fjern tegning.svg").click()
    expect(refused).to_have_count(0)

    # A message of only a file: Enter with an empty box sends it.
    employee.locator("#composer textarea[name=body]").press("Enter")
    card = leader.locator("#messages .message .attachment-card", has_text="liste.csv")
    expect(card).to_contain_text("liste.csv")
    expect(card).to_contain_text("CSV · 22 B")


def test_axe_with_an_upload_in_progress_in_bokmal_and_english(
    page: Any, org: Any, nets: Any
) -> None:
    sign_in(page, org.employee)
    held: list[Any] = []
    page.route("**/api/v1/uploads", lambda route: held.append(route))
    for lang in ("nb", "en"):
        page.goto(f"/threads/{nets.closed_thread.id}?lang={lang}")
        expect(page.locator("#thread[data-joined=true]")).to_have_count(1)
        page.evaluate(PASTE_PNG, "skisse.png")
        busy = page.locator("#upload-tray .upload-item[data-state=uploading]")
        expect(busy).to_have_count(1)
        expect(busy.locator("progress")).to_have_count(1)
        word = "Laster opp skisse.png…" if lang == "nb" else "Uploading skisse.png…"
        expect(page.locator("#upload-status")).to_have_text(word)
        assert_no_axe_violations(page)
    for route in held:
        route.abort()


DROP_FILE = """([name, text]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, { type: "text/plain" }));
  const list = document.getElementById("messages");
  list.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
  list.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


def test_a_file_dropped_on_the_message_list_is_uploaded_and_can_be_removed(
    page: Any, org: Any, nets: Any
) -> None:
    sign_in(page, org.employee)
    open_thread(page, nets.closed_thread.id)
    page.evaluate(DROP_FILE, ["notat.txt", "Husk møtet"])
    item = page.locator("#upload-tray .upload-item[data-state=done]", has_text="notat.txt")
    expect(item).to_be_visible()
    item.get_by_role("button", name="Fjern notat.txt").click()
    expect(page.locator("#upload-tray .upload-item")).to_have_count(0)
    expect(page.locator("#upload-status")).to_have_text("notat.txt er fjernet")
    # Removed on the server too: the owner's own link is gone.
    for _ in range(50):
        if page.request.get("/api/v1/me/export").json()["uploads"] == []:
            break
        page.wait_for_timeout(100)
    assert page.request.get("/api/v1/me/export").json()["uploads"] == []
