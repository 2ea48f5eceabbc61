"""Languages: bokmål is the default and complete, English is one click away.

Every user-facing string is an English msgid; ``translations/nb/<feature>.po`` must
translate each of them (``python scripts/i18n.py missing`` lists the gaps).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("kollega_i18n_script", ROOT / "scripts" / "i18n.py")
assert _spec and _spec.loader
i18n_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_script)

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def html_lang(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang> on the page"
    return match.group(1)


def test_every_string_has_a_bokmal_translation():
    gaps = i18n_script.missing("nb")
    listing = "\n".join(
        f"  {filename}:{line}: {key!r}" for key, (filename, line) in sorted(gaps.items(), key=str)
    )
    if gaps:
        pytest.fail(
            f"{len(gaps)} user-facing string(s) have no bokmål translation. Add them to your "
            "feature's catalogue with\n  .venv/bin/python scripts/i18n.py missing --write "
            "translations/nb/<feature>.po kollega/<feature> templates/<feature>\n"
            f"and fill in every msgstr:\n{listing}",
            pytrace=False,
        )


def test_translations_keep_their_placeholders():
    """A translation that drops or renames a %(name)s placeholder breaks the page."""
    wrong = []
    for po in sorted((ROOT / "translations").glob("*/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(PLACEHOLDER.findall(ids[0]))
            for string in strings:
                if string and set(PLACEHOLDER.findall(string)) != wanted:
                    wrong.append(f"{po.relative_to(ROOT)}: {ids[0]!r} -> {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_bokmal_is_the_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert html_lang(response) == "nb"
    assert "Logg inn" in response.get_data(as_text=True)


def test_a_browser_in_english_still_gets_bokmal_until_the_person_chooses(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert html_lang(response) == "nb"


def test_english_is_switchable_and_kept(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = client.get("/login")
    assert html_lang(page) == "en"
    assert "Sign in to kollega" in page.get_data(as_text=True)

    client.post("/language", data={"lang": "nb", "next": "/login"})
    assert html_lang(client.get("/login")) == "nb"


def test_an_unknown_language_changes_nothing(client):
    response = client.post("/language", data={"lang": "xx", "next": "/login"})
    assert response.status_code == 302
    assert html_lang(client.get("/login")) == "nb"


def test_the_choice_survives_signing_in(client, org):
    client.post("/language", data={"lang": "en", "next": "/login"})
    login(client, org.employee)
    page = client.get("/")
    assert html_lang(page) == "en"
    assert f"Welcome, {org.employee.name}" in page.get_data(as_text=True)
