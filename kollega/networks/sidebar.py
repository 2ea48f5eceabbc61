"""The chat sidebar (thread and network pages): one statement for its data
(``reads.sidebar_rows``) and its HTML kept in a fragment cache keyed on that data.

The key holds everything the fragment shows (the rows themselves: networks, threads,
titles and unread counts; the current network and thread; the locale and the script
root), so an entry is never stale and never shown to someone it was not made for: a new
message, a read, a rename, a join or a leave changes the rows and so the key. Only the
rendering is saved, never the read."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from kollega.networks import reads
from kollega.networks.render import FragmentCache

# A sidebar is a few kB; people with the same networks, counts and page share an entry.
SIDEBAR_FRAGMENTS = FragmentCache(max_entries=2048, max_chars=8_000_000)


def sidebar_html(
    person: Any, network_id: int | None = None, thread_id: int | None = None
) -> Markup:
    """The sidebar of ``person`` on the page of ``network_id`` (and ``thread_id``):
    networks/_chat_sidebar.html rendered, or kept from an earlier page with the same
    rows."""
    rows = reads.sidebar_rows(person)
    key = (rows, network_id, thread_id, str(get_locale()), request.script_root)
    kept = SIDEBAR_FRAGMENTS.get(key)
    if kept is not None:
        return Markup(kept[0])
    html = render_template(
        "networks/_chat_sidebar.html",
        rows=rows,
        current_network=network_id,
        current_thread=thread_id,
    )
    SIDEBAR_FRAGMENTS.put(key, (html,))
    return Markup(html)
