"""``GET /api/v1/search``: threads and messages the caller may read (DESIGN.md: contracts).

Imported by ``kollega.networks.api`` so that the operation joins the API blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from kollega.api import route
from kollega.current import current_person
from kollega.networks.search import KINDS, PAGE_SIZE, hit_json, parse_query, search

_PERSON = {
    "type": ["object", "null"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
HIT_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["thread", "message"]},
        "id": {"type": "integer"},
        "thread_id": {"type": "integer"},
        "network_id": {"type": "integer"},
        "seq": {"type": ["integer", "null"], "description": "the message's number in its thread"},
        "title": {"type": "string", "description": "the thread's title"},
        "snippet_html": {
            "type": "string",
            "description": "escaped text around the first match; <mark> is its only markup",
        },
        "created_at": {"type": "string", "format": "date-time"},
        "author": _PERSON,
    },
    "required": ["kind", "id", "thread_id", "network_id", "title", "snippet_html"],
}
SEARCH_SCHEMA = {
    "type": "object",
    "properties": {
        "total": {"type": "integer", "description": "all matches the caller may read"},
        "page": {"type": "integer"},
        "pages": {"type": "integer"},
        "page_size": {"type": "integer"},
        "results": {"type": "array", "items": HIT_SCHEMA},
    },
    "required": ["total", "page", "pages", "results"],
}


@route(
    "/search",
    summary=(
        "Search thread titles, experience parts and messages (stemmed for bokmål) in the "
        "networks the caller may read, newest first, 20 a page"
    ),
    query={
        "q": "words; each must match (as a word stem's beginning)",
        "network": "only this network id",
        "author": "a person id, or part of the author's name",
        "from": "first day, YYYY-MM-DD (Norwegian time)",
        "to": "last day, YYYY-MM-DD, not before from",
        "kind": "thread or message, or a thread kind: " + ", ".join(KINDS[2:]),
        "page": "page number from 1",
    },
    response=SEARCH_SCHEMA,
)
def search_api() -> Any:
    found = search(current_person(), parse_query(request.args))
    return jsonify(
        {
            "total": found.total,
            "page": found.page,
            "pages": found.pages,
            "page_size": PAGE_SIZE,
            "results": [hit_json(h) for h in found.results],
        }
    )
