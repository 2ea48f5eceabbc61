"""Words for full-text search, stemmed for bokmål (and nynorsk's common words).

PostgreSQL indexes ``to_tsvector('norwegian', …)``: the Snowball Norwegian stemmer with
the ``norwegian`` stop words. SQLite has no Norwegian stemmer, so the same Snowball
algorithm (the ``snowballstemmer`` package) stems the text here and FTS5 indexes the
stems (``index_text``, called by the search tables' triggers as the SQLite function
``kollega_search_terms``, registered on every SQLite connection below).

A query word matches by its *stem as a prefix*: Snowball stems "sykepleier" to
"sykeplei" and "sykepleiere" to "sykepleier", so neither stem equals the other; the
query word is stemmed until it stems no further ("sykepleiere" → "sykepleier" →
"sykeplei") and looked for as a prefix of the indexed stems, which finds both forms
either way, and a prefix typed half-way ("sykefrav") still finds its words.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import event
from sqlalchemy.engine import Engine

# Letters and digits; "_" splits words as PostgreSQL's parser does.
WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 10
# PostgreSQL's tsearch_data/norwegian.stop (Snowball's list): never in the index there,
# so a query keeps none of them (or "sykepleier på natt" would find nothing).
_STOP = """og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg
    men ett har om vi min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man
    kan hans hvor eller hva skal selv sjøl her alle vil bli ble blei blitt kunne inn når
    være kom noen noe ville dere deres kun ja etter ned skulle denne for deg si sine sitt
    mot å meget hvorfor dette disse uten hvordan ingen din ditt blir samme hvilken hvilke
    sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange også slik vært
    båe begge siden dykk dykkar dei deira deires deim di då eg ein eit eitt elles honom
    hjå ho hoe henne hennar hennes hoss hossen ingi inkje korleis korso kva kvar kvarhelst
    kven kvi kvifor me medan mi mine mykje no nokon noka nokor noko nokre sia sidan so
    somt somme um upp vere vore verte vort varte vart"""
STOP_WORDS = frozenset(_STOP.split())
# A stemmer object keeps its word while it works: one per thread (gthread workers, SQLite
# triggers run in the writing thread).
_local = threading.local()


def words(text: str | None) -> list[str]:
    """The lower-cased words of a text, in order."""
    return [w.lower() for w in WORD.findall(text or "")]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball Norwegian stem of one lower-case word (as PostgreSQL's ``norwegian``)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("norwegian")
    return stemmer.stemWord(word)


@lru_cache(maxsize=4096)
def root(word: str) -> str:
    """The word stemmed until it stems no further, never shorter than two letters; what a
    query looks for as the prefix of the indexed stems."""
    current = word
    for _ in range(4):
        shorter = stem(current)
        if shorter == current or len(shorter) < 2:
            break
        current = shorter
    # "rommet" stems to "romm", "rom" to "rom": a doubled last consonant is undone so
    # that both meet (only in longer words, so "takk" does not become "tak").
    if len(current) >= 5 and current[-1] == current[-2] and current[-1] not in "aeiouyæøå":
        current = current[:-1]
    return current


def query_terms(query: str) -> list[str]:
    """The roots of a query's words to look for as prefixes (at most ten, stop words
    dropped, each once), in the query's order."""
    out: list[str] = []
    for word in words(query):
        if word in STOP_WORDS:
            continue
        term = root(word)
        if term not in out:
            out.append(term)
    return out[:MAX_TERMS]


def index_text(text: str | None) -> str:
    """What SQLite's FTS5 tables index for a text: its words' stems, stop words kept out."""
    return " ".join(stem(w) for w in words(text) if w not in STOP_WORDS)


def matches(word: str, terms: list[str]) -> bool:
    """Whether a word of a text is one the query's terms find (for highlighting)."""
    lower = word.lower()
    if lower in STOP_WORDS:
        return False
    stemmed = stem(lower)
    return any(stemmed.startswith(t) or lower.startswith(t) for t in terms)


def _index_text_sql(*parts: Any) -> str:
    try:
        return " ".join(index_text(p) for p in parts if isinstance(p, str))
    except Exception:  # noqa: BLE001 - a trigger must never refuse a write over search
        return ""


@event.listens_for(Engine, "connect")
def _sqlite_functions(dbapi_connection: Any, connection_record: Any) -> None:
    # The search tables' triggers (migration 0015) call this on every write of a message
    # body or thread text.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(
            "kollega_search_terms", -1, _index_text_sql, deterministic=True
        )
