"""User text to safe HTML: markdown-it-py (``js-default``: raw HTML off) and then nh3.

markdown-it escapes raw HTML and refuses ``javascript:``/``vbscript:``/``data:`` links
itself; nh3 is the second wall: an allow-list of tags and attributes, http(s)/mailto
links only, and ``rel="nofollow noopener"`` on every link.
"""

from __future__ import annotations

import re

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
