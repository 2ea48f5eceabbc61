"""Full-text search over message bodies: SQLite FTS5 or PostgreSQL full text.

The objects are made by migration ``0002_networks``: the FTS5 table ``message_fts``
(external content, kept by triggers) on SQLite, a GIN index on
``to_tsvector('simple', body)`` on PostgreSQL. Both give back message ids; the caller
narrows them to what the person may read.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.models import Message

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
