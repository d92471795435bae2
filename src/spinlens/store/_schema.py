"""The store's tables (SQLAlchemy Core) and its versioned migrations.

Tables::

    schema_migrations  version, applied_at, spinlens_version         one row per applied migration
    documents          pk, id (Document.id), metadata, text, n_chars  full-text indexed (title + text)
    analyses           document_id, model name/version/sha256, schema_version,
                       data (JSON: the analysis without its document and span texts)
    spans              document_id, seq, start, end, technique, category, score
    article_stats      document_id, doc_pk, outlet, published, n_chars, n_spans, density   per article
    aggregates         document_id, technique, doc_pk, category, outlet, published, n_spans, density
                       per article and technique (doc_pk: documents.pk, the full-text row id)

``article_stats`` and ``aggregates`` repeat the outlet and date of their document so that ``stats``
reads only these narrow tables. Densities are spans per 1,000 characters.
    failures           key, document_id, source, stage, reason, attempts, model_sha256, failed_at

Full-text search is FTS5 (external content, kept in step by triggers) on SQLite and a stored
``tsvector`` column with a GIN index on PostgreSQL. Each migration runs in one transaction; a store
whose version is newer than :data:`STORE_SCHEMA_VERSION` is refused, never guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

__all__ = [
    "STORE_SCHEMA_VERSION",
    "MIGRATIONS",
    "PG_FTS_CHARS",
    "PG_TITLE_CHARS",
    "SQLITE_TOKENIZE",
    "metadata",
    "tables",
]

metadata = sa.MetaData()

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid

migrations_t = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.String(32), nullable=False),
    sa.Column("spinlens_version", sa.String(32), nullable=False),
)

documents_t = sa.Table(
    "documents",
    metadata,
    sa.Column("pk", _PK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(128), nullable=False, unique=True),
    sa.Column("title", sa.Text),
    sa.Column("outlet", sa.String(512)),
    sa.Column("url", sa.Text),
    sa.Column("published", sa.String(64)),
    sa.Column("author", sa.Text),
    sa.Column("language", sa.String(16)),
    sa.Column("source", sa.Text),
    sa.Column("n_chars", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Index("ix_documents_outlet", "outlet"),
    sa.Index("ix_documents_published", "published"),
)

analyses_t = sa.Table(
    "analyses",
    metadata,
    sa.Column("document_id", sa.String(128), primary_key=True),
    sa.Column("model_name", sa.String(256), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("analyzed_at", sa.String(32), nullable=False),
)

spans_t = sa.Table(
    "spans",
    metadata,
    sa.Column("document_id", sa.String(128), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("technique", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sqlite_with_rowid=False,
)

article_stats_t = sa.Table(
    "article_stats",
    metadata,
    sa.Column("document_id", sa.String(128), primary_key=True),
    sa.Column("doc_pk", _PK, nullable=False),
    sa.Column("outlet", sa.String(512)),
    sa.Column("published", sa.String(64)),
    sa.Column("n_chars", sa.Integer, nullable=False),
    sa.Column("n_spans", sa.Integer, nullable=False),
    sa.Column("density", sa.Float, nullable=False),
    sqlite_with_rowid=False,
)

aggregates_t = sa.Table(
    "aggregates",
    metadata,
    sa.Column("document_id", sa.String(128), primary_key=True),
    sa.Column("technique", sa.String(64), primary_key=True),
    sa.Column("doc_pk", _PK, nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("outlet", sa.String(512)),
    sa.Column("published", sa.String(64)),
    sa.Column("n_spans", sa.Integer, nullable=False),
    sa.Column("density", sa.Float, nullable=False),
    sa.Index("ix_aggregates_technique", "technique", "outlet", "published", "n_spans"),
    sa.Index("ix_aggregates_category", "category", "document_id", "n_spans"),
    sa.Index("ix_aggregates_doc_pk", "technique", "doc_pk"),
    sqlite_with_rowid=False,
)

failures_t = sa.Table(
    "failures",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("document_id", sa.String(128)),
    sa.Column("source", sa.Text),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("model_sha256", sa.String(64)),
    sa.Column("failed_at", sa.String(32), nullable=False),
)

tables = {
    t.name: t
    for t in (migrations_t, documents_t, analyses_t, spans_t, article_stats_t, aggregates_t, failures_t)
}

#: the FTS5 tokenizer of the full-text table (search snippets of a text's body are made with it too).
SQLITE_TOKENIZE = "porter unicode61 remove_diacritics 2"
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents', content_rowid='pk', "
    f"tokenize='{SQLITE_TOKENIZE}')",
    "CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN "
    "INSERT INTO documents_fts(rowid, title, text) VALUES (new.pk, new.title, new.text); END",
    "CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, title, text) "
    "VALUES ('delete', old.pk, old.title, old.text); END",
    "CREATE TRIGGER documents_fts_au AFTER UPDATE OF title, text ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, title, text) "
    "VALUES ('delete', old.pk, old.title, old.text); "
    "INSERT INTO documents_fts(rowid, title, text) VALUES (new.pk, new.title, new.text); END",
)

#: PostgreSQL's tsvector is limited to 1 MB, so only the first 200,000 characters of a text are indexed.
PG_FTS_CHARS = 200_000
#: The title is indexed whole; its limit keeps title + text under that 1 MB (200,000 characters of unique
#: tokens make ~0.42 MB; a title of random words 2.3 million characters made 2.3 MB and failed the write).
PG_TITLE_CHARS = 20_000
_PG_FTS = (
    "ALTER TABLE documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector('english', left(text, {PG_FTS_CHARS})), 'B')) STORED",
    "CREATE INDEX ix_documents_tsv ON documents USING GIN (tsv)",
)


def _v1(conn: sa.Connection) -> None:
    """Documents, analyses, spans, per-article aggregates and failures, with full-text search."""
    for name in ("documents", "analyses", "spans", "article_stats", "aggregates", "failures"):
        tables[name].create(conn)
    for ddl in _SQLITE_FTS if conn.dialect.name == "sqlite" else _PG_FTS:
        conn.exec_driver_sql(ddl)


def _v2(conn: sa.Connection) -> None:
    """The per-article tables (read by ``--since``, ``until`` and months) hold a checked ISO date
    (:func:`spinlens.text.iso_date`) instead of the document's raw ``published``."""
    from spinlens.text import iso_date

    docs = tables["documents"]
    last = 0
    while True:  # a page of documents at a time: memory does not grow with the store
        q = (
            sa.select(docs.c.pk, docs.c.id, docs.c.published)
            .where(docs.c.published.is_not(None), docs.c.pk > last)
            .order_by(docs.c.pk)
            .limit(2000)
        )
        rows = conn.execute(q).all()
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for _pk, doc_id, pub in rows:
            day = iso_date(pub)
            if day != pub:
                changed.append({"d": doc_id, "p": day})
        for name in ("article_stats", "aggregates"):
            t = tables[name]
            if changed:
                stmt = (
                    t.update().where(t.c.document_id == sa.bindparam("d")).values(published=sa.bindparam("p"))
                )
                conn.execute(stmt, changed)


#: (version, one-line description, function run inside the migration's transaction), in order.
MIGRATIONS: tuple[tuple[int, str, Callable[[sa.Connection], None]], ...] = (
    (1, "documents, analyses, spans, aggregates, failures and full-text search", _v1),
    (2, "checked ISO dates in the per-article tables", _v2),
)

#: the schema version this spinlens writes; a store with a newer one is refused.
STORE_SCHEMA_VERSION = MIGRATIONS[-1][0]
