"""The corpus store: analyzed documents, spans and per-article aggregates in SQLite or PostgreSQL.

Example::

    from spinlens.store import open_store

    with open_store("corpus.sqlite") as store:          # or "postgresql://user@host/db"
        store.write([analysis])                         # upsert by document id, one transaction
        for hit in store.search('"foreign agent"', technique="Name_Calling-Labeling"):
            print(hit.id, hit.title, hit.snippet)
        for row in store.stats("outlet", technique="Name_Calling-Labeling"):
            print(row)

SQLite is one file in WAL mode with an FTS5 index over titles and texts; PostgreSQL (through
SQLAlchemy Core and psycopg) has the same tables and API and uses its own full-text search. The schema
is versioned and migrated on open; a store written by a newer spinlens is refused.
"""

from spinlens.store._export import EXPORT_FORMATS, SPAN_COLUMNS, export_corpus, span_rows
from spinlens.store._query import STATS_BY, SearchHit, check_since, check_technique, fts5_query
from spinlens.store._schema import STORE_SCHEMA_VERSION
from spinlens.store._store import (
    SQLITE_SUFFIXES,
    Failure,
    Store,
    StoredState,
    open_store,
    store_file,
    store_files,
    store_label,
    store_url,
    text_digest,
)

__all__ = [
    "EXPORT_FORMATS",
    "SPAN_COLUMNS",
    "STATS_BY",
    "SQLITE_SUFFIXES",
    "STORE_SCHEMA_VERSION",
    "Failure",
    "SearchHit",
    "Store",
    "StoredState",
    "check_since",
    "check_technique",
    "export_corpus",
    "fts5_query",
    "open_store",
    "span_rows",
    "store_file",
    "store_files",
    "store_label",
    "store_url",
    "text_digest",
]
