"""User text to safe HTML: markdown-it-py (``js-default``: raw HTML off) and then nh3.

markdown-it escapes raw HTML and refuses ``javascript:``/``vbscript:``/``data:`` links
itself; nh3 is the second wall: an allow-list of tags and attributes, http(s)/mailto
links only, and ``rel="nofollow noopener"`` on every link.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("js-default")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}

MAX_BODY = 10_000


def render_markdown(body: str) -> str:
    """Markdown to HTML that is safe to put into a page as it is."""
    html = _md.render(body)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    ).strip()


_QUOTE_LINES = re.compile(r"^", re.MULTILINE)


def quote_markdown(author_name: str, body: str) -> str:
    """A Markdown block quote of another message, to start a reply with."""
    quoted = _QUOTE_LINES.sub("> ", body.strip())
    return f"> **{author_name}**:\n{quoted}\n\n"


def plain_excerpt(body: str, length: int = 120) -> str:
    """A short one-line plain-text excerpt (for notifications and reply previews)."""
    text = re.sub(r"[`*_>#\[\]()~|]", "", body)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class FragmentCache:
    """A bounded, thread-safe LRU of rendered HTML fragments (process-local).

    Callers key a fragment on everything it shows, so an entry is never stale: an edit,
    a deletion or a reaction makes a new key and the old entry ages out. Bounded both in
    entries and in characters held (a 10,000-character message renders to much more
    than a short one)."""

    def __init__(self, max_entries: int = 4096, max_chars: int = 16_000_000) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self._items: OrderedDict[Hashable, tuple[str, ...]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> tuple[str, ...] | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: tuple[str, ...]) -> None:
        size = sum(map(len, value))
        if size > self.max_chars:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._chars -= sum(map(len, old))
            self._items[key] = value
            self._chars += size
            while len(self._items) > self.max_entries or self._chars > self.max_chars:
                _, dropped = self._items.popitem(last=False)
                self._chars -= sum(map(len, dropped))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._items)
