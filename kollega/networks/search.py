"""Full-text search over message bodies: SQLite FTS5 or PostgreSQL full text.

The objects are made by migration ``0002_networks``: the FTS5 table ``message_fts``
(external content, kept by triggers) on SQLite, a GIN index on
``to_tsvector('simple', body)`` on PostgreSQL. Both give back message ids; the caller
narrows them to what the person may read (``search_messages``).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.extensions import db
from kollega.networks.common import as_int, clean_text
from kollega.networks.models import Message, Network, Thread
from kollega.org.models import Person

_WORD = re.compile(r"\w+", re.UNICODE)
TS_CONFIG = "simple"


def terms(query: str) -> list[str]:
    """The words of a query (at most ten), punctuation and operators dropped."""
    return [w.lower() for w in _WORD.findall(query)][:10]


def matching_ids(query: str) -> sa.Select[tuple[int]] | None:
    """A SELECT of the ids of messages whose body has every word of ``query`` (as a
    prefix), or ``None`` when the query has no words."""
    words = terms(query)
    if not words:
        return None
    if db.engine.dialect.name == "sqlite":
        # Quoted terms with a prefix star: user text never reaches FTS5 syntax.
        match = " ".join(f'"{w}"*' for w in words)
        return (
            sa.select(sa.column("rowid", sa.Integer))
            .select_from(sa.text("message_fts"))
            .where(sa.text("message_fts MATCH :match").bindparams(match=match))
        )
    tsquery = " & ".join(f"{w}:*" for w in words)
    vector = sa.func.to_tsvector(sa.literal_column(f"'{TS_CONFIG}'"), Message.body)
    return sa.select(Message.id).where(
        vector.op("@@")(sa.func.to_tsquery(sa.literal_column(f"'{TS_CONFIG}'"), tsquery))
    )


def search_messages(
    person: Person, query: Any, network_id: Any = None, limit: int = 30
) -> list[Message]:
    """Messages matching every word of ``query`` (as prefixes) in the networks the person
    may read, newest first. SQLite FTS5 or PostgreSQL full text, see ``search``."""
    query = clean_text(query, "q", required=True, max_len=200)
    ids = matching_ids(query)
    if ids is None:
        return []
    stmt = (
        sa.select(Message)
        .join(Thread, Thread.id == Message.thread_id)
        .join(Network, Network.id == Thread.network_id)
        .where(
            Message.id.in_(ids),
            Message.deleted_at.is_(None),
            permissions.readable_networks_filter(person),
        )
        .options(selectinload(Message.author), selectinload(Message.thread))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(max(1, min(limit, 100)))
    )
    if network_id not in (None, ""):
        stmt = stmt.where(Network.id == as_int(network_id, "network"))
    return list(db.session.scalars(stmt))
