"""``Store``: analyzed documents in SQLite (one file, WAL) or PostgreSQL, through SQLAlchemy Core."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event

from spinlens.errors import DataError, InputError, SpinlensError
from spinlens.schema import SCHEMA_VERSION, Analysis, Document, TechniqueSpan
from spinlens.store._schema import (
    MIGRATIONS,
    PG_TITLE_CHARS,
    STORE_SCHEMA_VERSION,
    aggregates_t,
    analyses_t,
    article_stats_t,
    documents_t,
    failures_t,
    migrations_t,
    spans_t,
)
from spinlens.taxonomy import get_technique
from spinlens.text import iso_date

__all__ = ["Store", "Failure", "StoredState", "META_FIELDS", "open_store", "store_url"]

_T = TypeVar("_T")
_PG_LOCK = 0x5370696E  # "Spin": serialises concurrent migrations of one PostgreSQL database
_DOC_FIELDS = ("id", "title", "outlet", "url", "published", "author", "language")
#: a stored document's metadata: what :meth:`Store.update_metadata` may change
META_FIELDS = _DOC_FIELDS[1:]
_READ_PAGE = 500
_WRITE_TRIES = 5
_RETRY_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spinlens")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def store_url(target: str | Path) -> str:
    """The SQLAlchemy URL for a ``--db`` value: a path (SQLite) or a ``sqlite://``/``postgresql://`` URL.

    ``postgresql://`` and ``postgres://`` use the psycopg (3) driver.
    """
    raw = str(target)
    if not raw.strip():
        raise InputError("no store given: --db takes a SQLite file path or postgresql://USER@HOST/DB")
    if "://" not in raw:
        return f"sqlite+pysqlite:///{Path(raw).expanduser()}"
    scheme, rest = raw.split("://", 1)
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+pysqlite://{rest}"
    if scheme.startswith(("postgresql+", "sqlite+")):
        return raw
    raise InputError(
        f"unsupported database URL {raw!r}; give a file path (SQLite) or postgresql://USER@HOST/DB"
    )


#: what SQLite keeps beside a database file: its write-ahead log, shared memory and rollback journal
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def store_files(target: str | Path) -> list[Path]:
    """The SQLite file a ``--db`` value names and the files SQLite keeps beside it (:data:`SQLITE_SUFFIXES`),
    whether they exist now or not; [] for PostgreSQL (or not a database URL)."""
    own = store_file(target)
    return [] if own is None else [Path(f"{own}{suffix}") for suffix in SQLITE_SUFFIXES]


def _parse_url(target: str | Path) -> sa.engine.URL:
    """The SQLAlchemy URL of a ``--db`` value (:func:`store_url`), or InputError. The message never repeats
    the value: a malformed one may hold a password."""
    try:
        url = sa.engine.make_url(store_url(target))
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number, "[::1" unclosed
        url = None
    if url is None or "@" in (url.host or ""):  # "@" in a password read as part of the host
        raise InputError(
            "the database URL is malformed (its host or port cannot be read); write it as "
            "postgresql://USER:PASSWORD@HOST:PORT/DB, with an '@', ':' or '/' in the password as "
            "%40, %3A, %2F"
        )
    return url


def _label(url: sa.engine.URL) -> str:
    """How messages name a database: a SQLite file's path; a URL without the password, in its place or as a
    query parameter."""
    if url.get_backend_name() == "sqlite":
        return url.database or ""
    query = {k: "***" if "password" in k.lower() else v for k, v in url.query.items()}
    return url.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def store_label(target: str | Path) -> str:
    """How messages name the store a ``--db`` value names (as :attr:`Store.label`): a SQLite file's path, a
    database URL without its password.

    Raises:
        InputError: a malformed database URL (the message does not repeat it).
    """
    return _label(_parse_url(target))


def store_file(target: str | Path) -> Path | None:
    """The SQLite file a ``--db`` value names, or None (PostgreSQL, or not a database URL)."""
    try:
        url = _parse_url(target)
    except InputError:
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _foreign_tables(path: Path) -> list[str]:
    """The tables of an existing SQLite file that is not a spinlens store, read without changing the file
    (before any connection that sets WAL mode); [] for a store, an empty database or a file SQLite cannot
    read (those are reported when the store opens it)."""
    import sqlite3

    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    except (sqlite3.Error, ValueError, OSError):
        return []
    try:
        names = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.Error:
        return []
    finally:
        con.close()
    return [] if "schema_migrations" in names else names


@dataclass(frozen=True)
class Failure:
    """Why one document (or a whole source, ``stage="ingest"``) could not be analyzed."""

    key: str
    stage: str
    reason: str
    document_id: str | None = None
    source: str | None = None
    model_sha256: str | None = None
    attempts: int = 1
    failed_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class StoredState:
    """What the store holds for a document id: the analysis provenance and whether it failed."""

    model_sha256: str | None = None
    schema_version: int | None = None
    failed: bool = False
    #: whether the stored analysis has the article-level analysis (``extras["article"]``); None when
    #: :meth:`Store.lookup` was not asked.
    article: bool | None = None
    #: :func:`text_digest` of the stored document's text; None when :meth:`Store.lookup` was not asked
    #: (``with_text``) or no document is stored under the id.
    text_digest: str | None = None
    #: the stored metadata (:data:`META_FIELDS`: title, outlet, url, published, author, language), read
    #: with the text (``with_text``); None otherwise.
    meta: dict[str, str | None] | None = None

    @property
    def analyzed(self) -> bool:
        return self.model_sha256 is not None


def open_store(target: str | Path, *, create: bool = True) -> Store:
    """Open (and create or migrate) a store. See :class:`Store`."""
    return Store(target, create=create)


class Store:
    """Documents, analyses, spans and per-article aggregates in one database.

    Args:
        target: a SQLite file path, ``sqlite:///PATH`` or ``postgresql://USER@HOST:PORT/DB``.
        create: create a missing SQLite file (and the tables of an empty database); when False a
            missing file raises :class:`DataError`.

    Raises:
        DataError: the database cannot be opened, is not a spinlens store, or was written by a newer
            spinlens (its schema version is higher than this one's).
        InputError: the URL names an unsupported database.
    """

    def __init__(self, target: str | Path, *, create: bool = True) -> None:
        url = _parse_url(target)
        self.url = url
        self.dialect = url.get_backend_name()
        self.label = _label(url)
        if self.dialect == "sqlite":
            path = Path(url.database or "")
            if not url.database or url.database == ":memory:":
                raise InputError("an in-memory SQLite store cannot be shared; give a file path")
            if not path.exists():
                if not create:
                    raise DataError(
                        f"no store at {path}; create one with: spinlens batch INPUT... --db {path}"
                    )
                if not path.parent.is_dir():
                    raise DataError(f"cannot create the store {path}: folder {path.parent} does not exist")
            elif path.is_dir():
                raise DataError(
                    f"{path} is a folder; give a file path for the store, e.g. {path / 'corpus.sqlite'}"
                )
            elif path.is_file() and (foreign := _foreign_tables(path)):
                raise DataError(_not_a_store(self.label, foreign))
            self.engine = sa.create_engine(url, connect_args={"timeout": 60})
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.dialect == "postgresql":
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise DataError(
                    "PostgreSQL stores need psycopg: pip install 'spinlens[postgres]' (psycopg[binary])"
                ) from None
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        else:
            raise InputError(f"unsupported database {self.dialect!r}; use SQLite or PostgreSQL")
        try:
            self._migrate()
        except BaseException:
            self.engine.dispose()
            raise

    # -- plumbing ----------------------------------------------------------------------------------------
    def close(self) -> None:
        """Close every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.label!r})"

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn database errors into :class:`DataError` naming the store."""
        try:
            yield
        except SpinlensError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            msg = " ".join(str(orig).split())
            raise DataError(f"store {self.label}: {type(orig).__name__}: {msg}") from exc

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction (SQLite: ``BEGIN IMMEDIATE``, so concurrent writers wait, never fail)."""
        with self._guard(), self.engine.connect() as conn:
            conn = conn.execution_options(spinlens_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._guard(), self.engine.connect() as conn, conn.begin():
            yield conn

    def _migrate(self) -> None:
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
            inspector = sa.inspect(conn)
            if inspector.has_table("schema_migrations"):
                current = conn.execute(sa.select(sa.func.max(migrations_t.c.version))).scalar() or 0
            elif inspector.get_table_names():
                raise DataError(_not_a_store(self.label, sorted(inspector.get_table_names())))
            else:
                migrations_t.create(conn)
                current = 0
            if current > STORE_SCHEMA_VERSION:
                raise DataError(
                    f"store {self.label} has schema version {current}, newer than this spinlens reads "
                    f"({STORE_SCHEMA_VERSION}); upgrade spinlens"
                )
            for version, _desc, step in MIGRATIONS:
                if version > current:
                    step(conn)
                    conn.execute(
                        migrations_t.insert().values(
                            version=version, applied_at=_now(), spinlens_version=_version()
                        )
                    )

    def schema_version(self) -> int:
        """The store's schema version (the highest migration applied)."""
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.max(migrations_t.c.version))).scalar() or 0)

    def _insert(self) -> Any:
        """The dialect's ``insert`` (it has ``on_conflict_do_update``)."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert

    # -- writing -----------------------------------------------------------------------------------------
    def cannot_hold(self, document: Document, source: str | None = None) -> str | None:
        """Why this store cannot hold ``document`` (stored from ``source``), or None when it can.

        PostgreSQL refuses a NUL character (U+0000) in any text column, a value longer than its column in
        the sized ones (id, outlet, published, language) and a full-text index entry over 1 MB (a title
        over :data:`PG_TITLE_CHARS` characters is refused for that); SQLite holds all three. One such
        document would fail the whole transaction it is written in, so a batch asks first and records
        the document as a failure instead.
        """
        values = {name: getattr(document, name) for name in _DOC_FIELDS}
        return self._cannot_hold({**values, "text": document.text, "source": source})

    def _cannot_hold(self, values: Mapping[str, Any]) -> str | None:
        """:meth:`cannot_hold` for the values of columns of the documents table."""
        if self.dialect != "postgresql":
            return None
        for name, value in values.items():
            if isinstance(value, str) and "\x00" in value:
                return (
                    f"the {name} field contains a NUL character (U+0000), which PostgreSQL cannot "
                    "store; remove it from the input"
                )
        for name, value in values.items():
            limit = getattr(documents_t.c[name].type, "length", None)
            if limit is not None and value is not None and len(value) > limit:
                return (
                    f"the {name} field has {len(value):,} characters, more than the {limit} this "
                    "store holds; shorten it in the input"
                )
        title = values.get("title")
        if isinstance(title, str) and len(title) > PG_TITLE_CHARS:
            return (
                f"the title field has {len(title):,} characters, more than the {PG_TITLE_CHARS:,} this "
                "store's full-text index takes; shorten it in the input"
            )
        return None

    def write(
        self,
        analyses: Sequence[Analysis] = (),
        failures: Sequence[Failure] = (),
        resolved: Iterable[str] = (),
    ) -> None:
        """Upsert analyses (with their documents, spans and aggregates) and failures in one transaction.

        A document's earlier analysis, spans and aggregates are replaced; its failure record (key = its
        id) is removed, as are the failure keys in ``resolved``.

        Args:
            analyses: analyses to store; each needs ``model`` provenance.
            failures: failures to record (a repeated key counts one more attempt).
            resolved: further failure keys that no longer apply (e.g. ``source:PATH`` that now reads).

        Raises:
            InputError: an argument is not a list of its kind (one ``Analysis`` given alone, say).
        """
        analyses = _items(analyses, Analysis, "analyses")
        failures = _items(failures, Failure, "failures")
        if isinstance(resolved, (str, bytes)):
            raise InputError(f"resolved takes a list of failure keys, not one string: [{resolved!r}]")
        now = _now()
        docs, rows, spans, totals, aggs = [], [], [], [], []
        for a in analyses:
            if a.model is None:
                raise InputError(
                    f"document {a.document.id}: an analysis needs its model provenance to be stored"
                )
            doc = a.document
            n_chars = len(doc.text)
            docs.append(
                {
                    **{k: getattr(doc, k) for k in _DOC_FIELDS},
                    "source": (a.extras or {}).get("source"),
                    "n_chars": n_chars,
                    "text": doc.text,
                    "updated_at": now,
                }
            )
            data = a.to_dict()
            del data["document"]
            for s in data["spans"]:
                s.pop("text", None)
            rows.append(
                {
                    "document_id": doc.id,
                    "model_name": a.model.name,
                    "model_version": a.model.version,
                    "model_sha256": a.model.sha256,
                    "schema_version": SCHEMA_VERSION,
                    "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                    "analyzed_at": now,
                }
            )
            for seq, s in enumerate(a.spans):
                spans.append(
                    {
                        "document_id": doc.id,
                        "seq": seq,
                        "start": s.start,
                        "end": s.end,
                        "technique": s.technique,
                        "category": get_technique(s.technique).category,
                        "score": float(s.score),
                    }
                )
            # the per-article tables that --since and --by month read hold a checked ISO date (or NULL);
            # the document keeps what it was given
            where = {"document_id": doc.id, "outlet": doc.outlet, "published": iso_date(doc.published)}
            n_spans = len(a.spans)
            totals.append(
                where | {"n_chars": n_chars, "n_spans": n_spans, "density": _density(n_spans, n_chars)}
            )
            for technique, n in sorted(Counter(s.technique for s in a.spans).items()):
                aggs.append(
                    where
                    | {
                        "technique": technique,
                        "category": get_technique(technique).category,
                        "n_spans": n,
                        "density": _density(n, n_chars),
                    }
                )
        ids = list(dict.fromkeys(d["id"] for d in docs))
        if len(ids) != len(docs):
            raise InputError("the same document id appears twice in one write; write it once")
        done = set(ids) | set(resolved)
        self._retrying(lambda: self._write_rows(docs, rows, spans, totals, aggs, ids, done, failures, now))

    def _retrying(self, write: Callable[[], _T]) -> _T:
        """``write()``, run again when PostgreSQL aborted it in a deadlock: two runs writing the same
        documents in another order can deadlock; the database then aborts one transaction, which is safe to
        run again (writes only upsert, replace and set)."""
        for attempt in range(1, _WRITE_TRIES):
            try:
                return write()
            except DataError as exc:
                if not _retryable(exc):
                    raise
                time.sleep(random.uniform(0.05, 0.25) * attempt)
        return write()

    def _write_rows(
        self,
        docs: list[dict[str, Any]],
        rows: list[dict[str, Any]],
        spans: list[dict[str, Any]],
        totals: list[dict[str, Any]],
        aggs: list[dict[str, Any]],
        ids: list[str],
        done: set[str],
        failures: Sequence[Failure],
        now: str,
    ) -> None:
        """:meth:`write`'s one transaction: rows of each table, ``done`` failure keys to remove."""
        insert = self._insert()
        with self._write() as conn:
            if docs:
                stmt = insert(documents_t)
                keep = ("pk", "id")
                stmt = stmt.on_conflict_do_update(
                    index_elements=[documents_t.c.id],
                    set_={c.name: stmt.excluded[c.name] for c in documents_t.columns if c.name not in keep},
                )
                conn.execute(stmt, docs)
                stmt = insert(analyses_t)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[analyses_t.c.document_id],
                    set_={
                        c.name: stmt.excluded[c.name] for c in analyses_t.columns if c.name != "document_id"
                    },
                )
                conn.execute(stmt, rows)
                for keys in _chunks(ids):
                    for t in (spans_t, article_stats_t, aggregates_t):
                        conn.execute(t.delete().where(t.c.document_id.in_(keys)))
                if spans:
                    conn.execute(spans_t.insert(), spans)
                pks: dict[str, int] = {}
                for keys in _chunks(ids):
                    q = sa.select(documents_t.c.id, documents_t.c.pk).where(documents_t.c.id.in_(keys))
                    pks.update((doc_id, pk) for doc_id, pk in conn.execute(q))
                for row in totals + aggs:
                    row["doc_pk"] = pks[row["document_id"]]
                conn.execute(article_stats_t.insert(), totals)
                if aggs:
                    conn.execute(aggregates_t.insert(), aggs)
            for keys in _chunks(sorted(done)):
                conn.execute(failures_t.delete().where(failures_t.c.key.in_(keys)))
            if failures:
                recs = {}
                for f in failures:
                    rec = {**f.to_dict(), "attempts": 1, "failed_at": f.failed_at or now}
                    for name in ("reason", "source"):  # PostgreSQL holds no NUL; these are messages
                        if rec[name] is not None:
                            rec[name] = rec[name].replace("\x00", "\ufffd")
                    recs[f.key] = rec
                stmt = insert(failures_t)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[failures_t.c.key],
                    set_={
                        "document_id": stmt.excluded.document_id,
                        "source": stmt.excluded.source,
                        "stage": stmt.excluded.stage,
                        "reason": stmt.excluded.reason,
                        "model_sha256": stmt.excluded.model_sha256,
                        "failed_at": stmt.excluded.failed_at,
                        "attempts": failures_t.c.attempts + 1,
                    },
                )
                conn.execute(stmt, list(recs.values()))

    def update_metadata(self, changes: Mapping[str, Mapping[str, str | None]]) -> int:
        """Set metadata of stored documents, ``{document id: {field: value}}`` (fields of
        :data:`META_FIELDS`), in one transaction; the per-article statistics follow a new outlet or
        publication date, the search index a new title. Ids the store lacks are ignored.

        Returns:
            How many stored documents were updated.

        Raises:
            InputError: a field that is not metadata, a value that is not a string or None, or one the store
                cannot hold (:meth:`cannot_hold`); nothing is changed then.
        """
        for doc_id, given in changes.items():
            if not isinstance(given, Mapping):  # {"id": "title"}: the set of a string's letters is no field
                raise InputError(
                    f"document {doc_id}: its changes must be a mapping of field to value, such as "
                    f"{{'title': ...}}, not a {type(given).__name__}"
                )
            bad = sorted(set(given) - set(META_FIELDS))
            if bad:
                known = ", ".join(META_FIELDS)
                raise InputError(f"document {doc_id}: {', '.join(bad)} is not metadata ({known})")
            for name, value in given.items():
                if value is not None and not isinstance(value, str):
                    kind = type(value).__name__
                    raise InputError(f"document {doc_id}: {name} must be a string or None, not {kind}")
            # (PostgreSQL: a NUL or an over-long value would fail the whole transaction)
            why = self._cannot_hold(given)
            if why is not None:
                raise InputError(f"document {doc_id}: {why}")
        return self._retrying(lambda: self._update_metadata(changes))

    def _update_metadata(self, changes: Mapping[str, Mapping[str, str | None]]) -> int:
        """:meth:`update_metadata`'s one transaction."""
        now = _now()
        n = 0
        with self._write() as conn:
            # in id order: two updates never deadlock (one beside a write can: it is run again)
            for doc_id in sorted(changes):
                values = dict(changes[doc_id])
                if not values:
                    continue
                res = conn.execute(
                    documents_t.update().where(documents_t.c.id == doc_id).values(**values, updated_at=now)
                )
                n += res.rowcount or 0
                stat: dict[str, Any] = {}
                if "outlet" in values:
                    stat["outlet"] = values["outlet"]
                if "published" in values:
                    stat["published"] = iso_date(values["published"])
                if stat:
                    for t in (article_stats_t, aggregates_t):
                        conn.execute(t.update().where(t.c.document_id == doc_id).values(**stat))
        return n

    def delete(self, document_ids: Iterable[str]) -> int:
        """Remove documents with their analyses, spans, aggregates and failures; returns how many.

        Raises:
            InputError: ``document_ids`` is one string rather than a list of ids.
        """
        ids = _ids(document_ids, "delete")
        if not ids:
            return 0
        with self._write() as conn:
            for t, col in (
                (spans_t, spans_t.c.document_id),
                (article_stats_t, article_stats_t.c.document_id),
                (aggregates_t, aggregates_t.c.document_id),
                (analyses_t, analyses_t.c.document_id),
                (failures_t, failures_t.c.key),
            ):
                conn.execute(t.delete().where(col.in_(ids)))
            return conn.execute(documents_t.delete().where(documents_t.c.id.in_(ids))).rowcount

    # -- reading -----------------------------------------------------------------------------------------
    def lookup(
        self, document_ids: Iterable[str], *, article: bool = False, with_text: bool = False
    ) -> dict[str, StoredState]:
        """The stored state of each given id that the store knows (analyzed or failed).

        Args:
            document_ids: the ids to look up.
            article: also tell whether each stored analysis has the article-level analysis
                (``StoredState.article``; this reads the stored analyses).
            with_text: also give a digest of each stored text (``StoredState.text_digest``; this reads
                the texts), so that a caller can tell a changed text under a known id.

        Raises:
            InputError: ``document_ids`` is one string rather than a list of ids.
        """
        ids = _ids(document_ids, "lookup")
        if not ids:
            return {}
        out: dict[str, StoredState] = {}
        with self._read() as conn:
            cols = [analyses_t.c.document_id, analyses_t.c.model_sha256, analyses_t.c.schema_version]
            q = sa.select(*cols, *([analyses_t.c.data] if article else []))
            for keys in _chunks(ids):
                for row in conn.execute(q.where(analyses_t.c.document_id.in_(keys))):
                    has = _has_article(row[3]) if article else None
                    out[row[0]] = StoredState(row[1], row[2], article=has)
            q = sa.select(failures_t.c.key).where(failures_t.c.stage == "analyze")
            for keys in _chunks(ids):
                for (key,) in conn.execute(q.where(failures_t.c.key.in_(keys))):
                    prev = out.get(key, StoredState())
                    out[key] = replace(prev, failed=True)
            if with_text:
                q = sa.select(documents_t.c.id, documents_t.c.text, *(documents_t.c[k] for k in META_FIELDS))
                for keys in _chunks([i for i in ids if i in out]):
                    for doc_id, text, *meta in conn.execute(q.where(documents_t.c.id.in_(keys))):
                        out[doc_id] = replace(
                            out[doc_id], text_digest=text_digest(text), meta=dict(zip(META_FIELDS, meta))
                        )
        return out

    def get(self, document_id: str) -> Analysis | None:
        """The stored analysis of one document, or None."""
        with self._read() as conn:
            row = conn.execute(self._analysis_query().where(documents_t.c.id == document_id)).first()
        return _analysis(row) if row is not None else None

    def _analysis_query(self) -> sa.Select:
        cols = [documents_t.c[k] for k in _DOC_FIELDS] + [documents_t.c.text, documents_t.c.pk]
        return sa.select(*cols, analyses_t.c.data, analyses_t.c.schema_version).select_from(
            documents_t.join(analyses_t, analyses_t.c.document_id == documents_t.c.id)
        )

    def iter_analyses(self, *, page: int = _READ_PAGE) -> Iterator[Analysis]:
        """Every stored analysis, in insertion order, read ``page`` at a time (never all at once).

        Raises:
            InputError: ``page`` is not a positive integer (0 read nothing, silently).
        """
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise InputError(f"page must be a positive integer, got {page!r}")
        last = 0
        while True:
            with self._read() as conn:
                q = (
                    self._analysis_query()
                    .where(documents_t.c.pk > last)
                    .order_by(documents_t.c.pk)
                    .limit(page)
                )
                rows = conn.execute(q).all()
            if not rows:
                return
            for row in rows:
                yield _analysis(row)
            last = rows[-1].pk

    def spans(self, document_id: str) -> list[TechniqueSpan]:
        """The stored spans of one document, in the one span order."""
        q = (
            sa.select(spans_t.c.start, spans_t.c.end, spans_t.c.technique, spans_t.c.score)
            .where(spans_t.c.document_id == document_id)
            .order_by(spans_t.c.seq)
        )
        with self._read() as conn:
            return [TechniqueSpan(r.start, r.end, r.technique, r.score) for r in conn.execute(q)]

    def counts(self) -> dict[str, int]:
        """Rows per table: documents, analyses, spans, article_stats, aggregates, failures."""
        out = {}
        with self._read() as conn:
            for name, t in (
                ("documents", documents_t),
                ("analyses", analyses_t),
                ("spans", spans_t),
                ("article_stats", article_stats_t),
                ("aggregates", aggregates_t),
                ("failures", failures_t),
            ):
                out[name] = int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
        return out

    def has_failures(self, stage: str | None = None) -> bool:
        """Whether any failure (of ``stage``, if given) is recorded."""
        q = sa.select(failures_t.c.key).limit(1)
        if stage is not None:
            q = q.where(failures_t.c.stage == stage)
        with self._read() as conn:
            return conn.execute(q).first() is not None

    def failures(self, stage: str | None = None) -> list[Failure]:
        """Recorded failures (all, or one ``stage``: ``"ingest"`` or ``"analyze"``), by key."""
        q = sa.select(failures_t).order_by(failures_t.c.key)
        if stage is not None:
            q = q.where(failures_t.c.stage == stage)
        with self._read() as conn:
            return [Failure(**dict(r._mapping)) for r in conn.execute(q)]

    def models(self) -> list[dict[str, Any]]:
        """The models that produced the stored analyses, with how many each."""
        q = (
            sa.select(
                analyses_t.c.model_name,
                analyses_t.c.model_version,
                analyses_t.c.model_sha256,
                sa.func.count().label("analyses"),
            )
            .group_by(analyses_t.c.model_name, analyses_t.c.model_version, analyses_t.c.model_sha256)
            .order_by(sa.func.count().desc())
        )
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- queries -----------------------------------------------------------------------------------------
    def search(
        self,
        query: str = "",
        *,
        technique: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        limit: int = 20,
        marks: tuple[str, str] = ("**", "**"),
        offset: int = 0,
        until: str | None = None,
        category: str | None = None,
    ):
        """Full-text search over titles and texts; see :func:`spinlens.store._query.search`."""
        from spinlens.store._query import search

        with self._read() as conn:
            return search(
                conn,
                query,
                technique=technique,
                outlet=outlet,
                since=since,
                limit=limit,
                marks=marks,
                offset=offset,
                until=until,
                category=category,
            )

    def count(
        self,
        query: str = "",
        *,
        technique: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        category: str | None = None,
    ) -> int:
        """How many documents :meth:`search` finds with no limit (one COUNT query; see
        :func:`spinlens.store._query.count`)."""
        from spinlens.store._query import count

        with self._read() as conn:
            return count(
                conn, query, technique=technique, outlet=outlet, since=since, until=until, category=category
            )

    def stats(
        self,
        by: str,
        *,
        technique: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        no_outlet: bool = False,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """Span counts and densities per technique, category, outlet or month; see ``_query.stats``."""
        from spinlens.store._query import stats

        with self._read() as conn:
            return stats(
                conn, by, technique=technique, outlet=outlet, since=since, no_outlet=no_outlet, until=until
            )


def text_digest(text: str) -> str:
    """A short digest of a document text (to tell a changed text under a known id)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _retryable(exc: DataError) -> bool:
    """Whether a failed write was a deadlock (or serialization failure) that running it again resolves."""
    orig = getattr(exc.__cause__, "orig", None)
    return getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _density(n: int, n_chars: int) -> float:
    """Spans per 1,000 characters."""
    return round(n * 1000.0 / max(n_chars, 1), 6)


def _has_article(data: str) -> bool:
    """Whether a stored analysis (its ``data`` JSON) has the article-level analysis."""
    try:
        extras = json.loads(data).get("extras")
    except (ValueError, AttributeError):  # not an object: it is analyzed again, which rewrites it
        return False
    return isinstance(extras, dict) and bool(extras.get("article"))


def _items(items: Any, cls: type, what: str) -> list[Any]:
    """``items`` as a list of ``cls`` objects, or InputError (a lone object, a string, other types)."""
    if isinstance(items, (cls, str, bytes, dict)) or not isinstance(items, Iterable):
        raise InputError(f"{what} must be a list of {cls.__name__} objects, got one {type(items).__name__}")
    out = list(items)
    bad = next((x for x in out if not isinstance(x, cls)), None)
    if bad is not None:
        kind = type(bad).__name__
        raise InputError(f"{what} must be a list of {cls.__name__} objects; one item is a {kind!r}")
    return out


def _ids(document_ids: Iterable[str], what: str) -> list[str]:
    """The distinct ids of ``document_ids``, in order; a lone string is refused, not read as its characters
    (``delete("ab")`` would delete the documents "a" and "b")."""
    if isinstance(document_ids, (str, bytes)):
        raise InputError(
            f"{what} takes a list of document ids, not one string: write {what}([{document_ids!r}])"
        )
    return list(dict.fromkeys(document_ids))


def _analysis(row: sa.Row[Any]) -> Analysis:
    m = row._mapping
    data = json.loads(m["data"])
    data["document"] = {k: m[k] for k in _DOC_FIELDS} | {"text": m["text"]}
    return Analysis.from_dict(data)


def _not_a_store(label: str | None, tables: list[str]) -> str:
    return (
        f"{label} is not a spinlens store (it has other tables: {', '.join(tables[:5])}); "
        "give a new file or an empty database"
    )


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event below issues BEGIN itself
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=60000",
        "cache_size=-65536",
        "temp_store=MEMORY",
    ):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()
    # SQLite's own lower() folds only A-Z: the outlet filter (lower(outlet) == lower(:outlet)) then missed
    # "über/news" for "Über/News" or "риа новости" for "РИА Новости"; Python's, as PostgreSQL's, folds every
    # letter
    dbapi_conn.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_begin(conn: sa.Connection) -> None:
    write = conn.get_execution_options().get("spinlens_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
