"""The search page (``networks.search`` in ``views.py`` calls ``search_page``): the form,
the true total, one page of results and the pager; bad filters shown on the form (422)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l

from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.formflow import placed_errors
from kollega.networks.forms import THREAD_KIND_CHOICES
from kollega.networks.search import SearchPage, parse_query, search, searchable_networks
from kollega.org.models import Person

FIELDS = ("q", "network", "author", "from", "to", "kind")
# The service's field names → the form's input ids.
INPUT_IDS = {name: f"search-{name}" for name in (*FIELDS, "page")}
KIND_CHOICES = [
    ("", _l("Everything")),
    ("thread", _l("Thread titles and experience posts")),
    ("message", _l("Messages")),
    *THREAD_KIND_CHOICES,
    ("learning_stop", _l("Learning stop")),
]


def search_page(person: Person, args: Mapping[str, Any]) -> Any:
    """Render the search page for ``args`` (the query string): results when there are
    words, the form again with each error beside its input when a filter is bad (422)."""
    values = {name: str(args.get(name) or "") for name in FIELDS}
    found: SearchPage | None = None
    errors: list[tuple[str, str]] = []
    status = 200
    if any(values.values()) or args.get("page"):
        try:
            found = search(person, parse_query(args))
        except ValidationError as exc:
            db.session.rollback()
            errors, status = placed_errors(exc, INPUT_IDS, "search-q"), 422
    pager_args = {k: v for k, v in values.items() if v}
    html = render_template(
        "networks/search.html",
        values=values,
        found=found,
        errors=errors,
        networks=searchable_networks(person),
        kind_choices=KIND_CHOICES,
        pager_args=pager_args,
    )
    return html, status
