"""The corpus store: one contract suite run on SQLite (a real file) and PostgreSQL (a real server).

The PostgreSQL variant needs ``SPINLENS_TEST_PG`` (``eval "$(bash scripts/start-postgres.sh)"``); it
skips without it, unless ``SPINLENS_REQUIRE_PG=1`` (CI), where it fails.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ARTICLE
from typer.testing import CliRunner

from spinlens.cli import app
from spinlens.errors import DataError, InputError
from spinlens.pipeline import Pipeline
from spinlens.rules import RuleTagger
from spinlens.schema import Analysis, Document, ModelInfo, TechniqueSpan
from spinlens.store import (
    SPAN_COLUMNS,
    STORE_SCHEMA_VERSION,
    Failure,
    StoredState,
    export_corpus,
    fts5_query,
    open_store,
)
from spinlens.store._schema import PG_FTS_CHARS, PG_TITLE_CHARS
from spinlens.taxonomy import get_technique

PG_URL = os.environ.get("SPINLENS_TEST_PG")

DOCS = (
    Document(
        text=ARTICLE,
        title="Protest in the city",
        outlet="Daily News",
        published="2024-05-02",
        url="https://example.com/1",
    ),
    Document(
        text="Everyone knows our nation is under a grave threat to our values. What about them? Full stop.",
        title="Nation first",
        outlet="Weekly",
        published="2024-06-10",
    ),
    Document(
        text="The council approved the budget for the new park on Tuesday. Work starts in spring.",
        title="Park budget <script>alert(1)</script> & more",
        outlet="Daily News",
        published="2023-12-31",
    ),
    Document(
        text="Critics say the regime's puppets are spreading panic. The experts say the agents of change are "
        "traitors.",
        title=None,
        outlet=None,
        published=None,
    ),
)
OTHER_MODEL = ModelInfo(name="spinlens-old", version="0", sha256="0" * 64)


def _pg_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def store_target(kind: str, tmp_path: Path) -> Iterator[str]:
    """A ``--db`` value naming an empty store: a SQLite file, or a fresh schema on the test server."""
    if kind == "sqlite":
        yield str(tmp_path / "corpus.sqlite")
        return
    if not PG_URL:
        msg = 'PostgreSQL not configured: eval "$(bash scripts/start-postgres.sh)" sets SPINLENS_TEST_PG'
        if os.environ.get("SPINLENS_REQUIRE_PG") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    import sqlalchemy as sa

    from spinlens.store import store_url

    engine = sa.create_engine(store_url(PG_URL))
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield _pg_url(PG_URL, schema)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """An empty store on each backend (see :func:`store_target`)."""
    yield from store_target(request.param, tmp_path)


@pytest.fixture
def store(db):
    with open_store(db) as s:
        yield s


@pytest.fixture(scope="module")
def analyses() -> list[Analysis]:
    pipeline = Pipeline(RuleTagger())
    return [replace(pipeline.analyze(d), extras={"source": f"doc{i}.txt"}) for i, d in enumerate(DOCS)]


@pytest.fixture
def filled(store, analyses):
    store.write(analyses)
    return store


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


# -- schema, opening, migrations ---------------------------------------------------------------------
def test_a_new_store_is_at_the_current_schema_version(store, db):
    assert store.schema_version() == STORE_SCHEMA_VERSION
    assert store.counts() == {
        "documents": 0,
        "analyses": 0,
        "spans": 0,
        "article_stats": 0,
        "aggregates": 0,
        "failures": 0,
    }
    if store.dialect == "sqlite":
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_a_store_keeps_its_data(db, analyses):
    with open_store(db) as s:
        s.write(analyses[:1])
    with open_store(db, create=False) as s:
        assert s.schema_version() == STORE_SCHEMA_VERSION
        assert s.get(analyses[0].document.id) == analyses[0]


def test_a_store_written_by_a_newer_spinlens_is_refused(db):
    with open_store(db) as s:
        with s.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO schema_migrations (version, applied_at, spinlens_version) VALUES (99, 'x', '9')"
            )
    with pytest.raises(DataError, match="schema version 99, newer than this spinlens reads"):
        open_store(db)


def test_a_database_with_other_tables_is_not_taken_over(db):
    import sqlalchemy as sa

    from spinlens.store import store_url

    engine = sa.create_engine(store_url(db))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE invoices (id INTEGER)")
    engine.dispose()
    with pytest.raises(DataError, match="not a spinlens store .*invoices"):
        open_store(db)


def test_a_missing_sqlite_file_is_an_error_when_not_creating(tmp_path):
    with pytest.raises(DataError, match="no store at .*create one with: spinlens batch"):
        open_store(tmp_path / "nope.sqlite", create=False)
    assert not (tmp_path / "nope.sqlite").exists()


def test_unsupported_database_urls_are_rejected():
    with pytest.raises(InputError, match="unsupported database URL 'mysql://x/y'"):
        open_store("mysql://x/y")


@pytest.mark.parametrize(
    "url, secret",
    [
        ("postgresql://me:Secret-9@127.0.0.1:abc/news", "Secret-9"),  # a port that is not a number
        ("postgresql://me:Secret-9@[::1/news", "Secret-9"),  # an unclosed IPv6 address
        ("postgresql://me:p@Secret-9@127.0.0.1:1/news", "Secret-9"),  # '@' in a password, not as %40
        ("postgresql://me@127.0.0.1:1/news?password=Secret-9", "Secret-9"),  # libpq's password parameter
    ],
)
def test_a_malformed_or_unreachable_postgresql_url_is_one_line_without_the_password(url, secret):
    """A malformed URL ended in a traceback (ValueError from the port); the part of a password after an
    unescaped '@' was shown as the host, and a ``?password=`` parameter as it was given."""
    pytest.importorskip("psycopg")
    for args in (("stats",), ("search", "x"), ("export", "-f", "csv")):
        r = run(*args, "--db", url)
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), (args, r.exception)
        assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
        assert secret not in r.stderr and "Traceback" not in r.stderr, r.stderr


# -- writing -----------------------------------------------------------------------------------------
def test_write_and_read_back_round_trips_every_analysis(filled, analyses):
    for a in analyses:
        assert filled.get(a.document.id) == a
        assert filled.spans(a.document.id) == list(a.spans)
    assert filled.get("no-such-id") is None
    assert list(filled.iter_analyses(page=2)) == analyses
    for page in (0, -1, "2"):  # (page=0 read nothing, silently)
        with pytest.raises(InputError, match="page must be a positive integer"):
            list(filled.iter_analyses(page=page))  # type: ignore[arg-type]
    n_spans = sum(len(a.spans) for a in analyses)
    n_aggs = sum(len({s.technique for s in a.spans}) for a in analyses)
    assert filled.counts() == {
        "documents": 4,
        "analyses": 4,
        "spans": n_spans,
        "article_stats": 4,
        "aggregates": n_aggs,
        "failures": 0,
    }


def test_writing_again_upserts_by_document_id(filled, analyses):
    filled.write(analyses)
    filled.write(analyses[:2])
    assert filled.counts()["documents"] == 4
    assert filled.counts()["spans"] == sum(len(a.spans) for a in analyses)


def test_a_new_analysis_replaces_the_old_one_with_its_spans_and_provenance(filled, analyses):
    old = analyses[0]
    new = replace(old, spans=(TechniqueSpan(4, 12, "Doubt", 0.5),), model=OTHER_MODEL)
    filled.write([new])
    assert filled.get(old.document.id) == new
    assert filled.spans(old.document.id) == [TechniqueSpan(4, 12, "Doubt", 0.5)]
    assert filled.lookup([old.document.id]) == {old.document.id: StoredState("0" * 64, 1, False)}
    assert filled.models() == [
        {
            "model_name": "spinlens-rules",
            "model_version": "1",
            "model_sha256": analyses[1].model.sha256,
            "analyses": 3,
        },
        {"model_name": "spinlens-old", "model_version": "0", "model_sha256": "0" * 64, "analyses": 1},
    ]


def test_a_write_is_one_transaction(store, analyses):
    bad = Failure(key="k", stage="analyze", reason=None)  # type: ignore[arg-type]  # NOT NULL violation
    with pytest.raises(DataError, match="store "):
        store.write(analyses, [bad])
    assert store.counts()["documents"] == 0
    assert store.counts()["spans"] == 0


@pytest.fixture
def pg_store(tmp_path):
    for target in store_target("postgresql", tmp_path):
        with open_store(target) as s:
            yield s


def _deadlock_with(pg_store, first: str, second: str, work, what: str):
    """Run ``work()`` in a thread while another client holds ``second``'s row and, once ``work`` waits for
    it, takes ``first``'s (which ``work`` holds): the cycle PostgreSQL breaks by aborting one transaction.
    Returns the exceptions ``work`` raised and its thread."""
    import threading
    import time

    import sqlalchemy as sa

    other = sa.create_engine(pg_store.url)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    retitle = "UPDATE documents SET title = 'other' WHERE id = %(id)s"
    try:
        with other.connect() as conn, other.connect() as watch:
            tx = conn.begin()
            conn.exec_driver_sql(retitle, {"id": second})
            worker = threading.Thread(target=run)
            worker.start()
            deadline = time.monotonic() + 20
            waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
            while not watch.exec_driver_sql(waiting).scalar():
                assert time.monotonic() < deadline, f"the {what} never waited for the row"
                time.sleep(0.01)
            # the first row now closes the cycle: PostgreSQL aborts the work, which has waited longer
            conn.exec_driver_sql(retitle, {"id": first})
            tx.commit()
            worker.join(30)
    finally:
        other.dispose()
    return errors, worker


def test_a_write_that_deadlocks_with_another_writer_is_run_again(pg_store, analyses):
    """Two batches writing the same documents in another order can deadlock on PostgreSQL, which then
    aborts one transaction: the write is run again instead of stopping that run."""
    a, b = analyses[0], analyses[1]
    pg_store.write([a, b])
    # the write locks a's row, then waits for b's
    errors, writer = _deadlock_with(
        pg_store, a.document.id, b.document.id, lambda: pg_store.write([a, b]), "write"
    )
    assert errors == []
    assert not writer.is_alive()
    assert [pg_store.get(x.document.id).document.title for x in (a, b)] == [
        a.document.title,
        b.document.title,
    ]


def test_a_metadata_update_that_deadlocks_with_another_writer_is_run_again(pg_store, analyses):
    """update_metadata takes its rows in id order, but a write (or another client) may take them in another:
    PostgreSQL then aborts one transaction, and the update is run again as a write is, instead of stopping
    the batch that made it."""
    a, b = sorted(analyses[:2], key=lambda x: x.document.id)
    pg_store.write([a, b])

    def update() -> None:  # locks a's row, then waits for b's
        pg_store.update_metadata({a.document.id: {"title": "A new"}, b.document.id: {"title": "B new"}})

    errors, updater = _deadlock_with(pg_store, a.document.id, b.document.id, update, "update")
    assert errors == []
    assert not updater.is_alive()
    assert [pg_store.get(x.document.id).document.title for x in (a, b)] == ["A new", "B new"]


def test_update_metadata_refuses_what_the_store_cannot_hold_and_changes_nothing(store, analyses):
    """As a batch asks cannot_hold before writing a document: a NUL or an over-long outlet or date is an
    InputError naming the document on PostgreSQL (SQLite holds them), not a database error; a value that is
    not a string is refused on both (the statistics would read another date than the document)."""
    store.write(analyses[:2])
    a, b = (x.document.id for x in analyses[:2])
    for bad in ({"title": "a\x00b"}, {"outlet": "o" * 513}, {"published": "2024-01-01" + " " * 60}):
        changes = {a: {"author": "Ann Lee"}, b: bad}
        if store.dialect == "sqlite":
            assert store.update_metadata(changes) == 2
            continue
        with pytest.raises(InputError, match=f"document {b}: the {next(iter(bad))} field "):
            store.update_metadata(changes)
        assert store.get(a).document.author is None
    with pytest.raises(InputError, match=f"document {b}: published must be a string or None, not int"):
        store.update_metadata({b: {"published": 20240101}})
    # (a string for the changes read as the set of its letters: "e, i, l, t is not metadata")
    with pytest.raises(InputError, match=f"document {b}: its changes must be a mapping of field to value"):
        store.update_metadata({b: "title"})  # type: ignore[dict-item]
    assert store.update_metadata({b: {"published": None, "author": None}}) == 1


def test_a_nul_in_a_failure_message_is_stored_as_a_replacement_character(store):
    """PostgreSQL holds no NUL: a failure's reason (which may quote a record's field names) must not fail
    the write it is in."""
    store.write(failures=[Failure(key="source:x", stage="ingest", reason="no 'text' field (fields: a\x00b)")])
    [f] = store.failures()
    assert f.reason == "no 'text' field (fields: a\ufffdb)"


def test_every_document_fits_sqlite_and_postgresql_says_what_it_cannot_hold(store):
    ok = Document(
        text="plain", id="x" * 128, outlet="o" * 512, published="p" * 64, title="t" * PG_TITLE_CHARS
    )
    assert store.cannot_hold(ok, "a.jsonl:1") is None
    for doc, source in (
        (Document(text="ab", title="t" * (PG_TITLE_CHARS + 1)), None),
        (Document(text="a\x00b"), "a.jsonl:1"),
        (Document(text="ab", author="\x00"), None),
        (Document(text="ab", id="x" * 129), None),
        (Document(text="ab", language="l" * 17), None),
        (Document(text="ab"), "a\x00.jsonl"),
    ):
        reason = store.cannot_hold(doc, source)
        assert (reason is None) == (store.dialect == "sqlite"), (doc, reason)


def test_the_longest_title_and_indexed_text_of_unique_words_are_stored_and_found(store, analyses):
    """PostgreSQL's full-text entry (title + the first PG_FTS_CHARS of the text) must stay under its 1 MB
    limit for every document cannot_hold lets through: the worst case is words that are all different."""
    words = (f"w{i}x" for i in range(10**6))
    filler = " ".join(next(words) for _ in range(PG_FTS_CHARS // 4))
    title = " ".join(next(words) for _ in range(PG_TITLE_CHARS // 4))[:PG_TITLE_CHARS]
    a = analyses[0]
    doc = replace(a.document, text=a.document.text + "\n" + filler, title=title)
    assert store.cannot_hold(doc, None) is None
    store.write([replace(a, document=doc)])
    assert store.get(doc.id).document.title == title
    assert [h.id for h in store.search(title.split()[-2])] == [doc.id]


def test_an_analysis_without_provenance_is_refused(store, analyses):
    with pytest.raises(InputError, match="needs its model provenance"):
        store.write([replace(analyses[0], model=None)])


def test_failures_are_recorded_counted_and_cleared_by_a_success(store, analyses):
    doc_id = analyses[0].document.id
    fail = Failure(key=doc_id, stage="analyze", reason="too long", document_id=doc_id, source="a.txt")
    src = Failure(key="source:b.jsonl:2", stage="ingest", reason="line 2: invalid JSON", source="b.jsonl:2")
    store.write(failures=[fail, src])
    store.write(failures=[fail])
    got = {f.key: f for f in store.failures()}
    assert got[doc_id].attempts == 2 and got[doc_id].reason == "too long" and got[doc_id].source == "a.txt"
    assert got["source:b.jsonl:2"].attempts == 1 and got["source:b.jsonl:2"].stage == "ingest"
    assert [f.key for f in store.failures("ingest")] == ["source:b.jsonl:2"]
    assert store.has_failures("ingest") and store.has_failures("analyze")
    assert store.lookup([doc_id, "other"]) == {doc_id: StoredState(None, None, True)}
    store.write([analyses[0]], resolved=["source:b.jsonl:2"])
    assert store.failures() == []
    assert store.lookup([doc_id])[doc_id] == StoredState(analyses[0].model.sha256, 1, False)


def test_delete_removes_a_document_everywhere(filled, analyses):
    doc_id = analyses[0].document.id
    assert filled.delete([doc_id]) == 1
    assert filled.get(doc_id) is None and filled.spans(doc_id) == []
    assert filled.counts()["documents"] == 3
    assert filled.search("foreign agents") == []


def test_delete_and_lookup_refuse_one_string_instead_of_a_list_of_ids(filled, analyses):
    """``delete("ab")`` read the string as the ids "a" and "b" and deleted those documents."""
    doc_id = analyses[0].document.id
    for method in (filled.delete, filled.lookup):
        with pytest.raises(InputError, match="a list of document ids, not one string"):
            method(doc_id)
    assert filled.counts()["documents"] == len(analyses)
    assert set(filled.lookup([doc_id])) == {doc_id}


def test_write_refuses_what_is_not_a_list_of_its_kind(store, analyses):
    """(One Analysis instead of a list, or a list of strings, raised a bare TypeError or AttributeError.)"""
    for args, match in (
        ((analyses[0],), "analyses must be a list of Analysis objects, got one Analysis"),
        ((["x"],), "one item is a 'str'"),
        (((), [analyses[0]]), "failures must be a list of Failure objects; one item is a 'Analysis'"),
    ):
        with pytest.raises(InputError, match=match):
            store.write(*args)
    with pytest.raises(InputError, match="resolved takes a list of failure keys"):
        store.write(resolved="source:a.txt")
    store.write(iter(analyses[:1]))  # any iterable of analyses, a generator too
    assert store.counts()["documents"] == 1


# -- search ------------------------------------------------------------------------------------------
def test_search_finds_stemmed_words_and_marks_them(filled, analyses):
    hits = filled.search("foreign agent")
    assert [h.id for h in hits] == [analyses[0].document.id]
    h = hits[0]
    assert (h.title, h.outlet, h.published, h.url) == (
        "Protest in the city",
        "Daily News",
        "2024-05-02",
        "https://example.com/1",
    )
    assert "**foreign** **agents**" in h.snippet
    assert h.techniques == {"Loaded_Language": 2, "Name_Calling-Labeling": 2, "Conversation_Killer": 1}
    assert h.spans == ()


def test_search_phrases_or_and_excluded_words(filled, analyses):
    ids = [a.document.id for a in analyses]
    assert [h.id for h in filled.search('"agents of change"')] == [ids[3]]
    assert sorted(h.id for h in filled.search("traitors")) == sorted([ids[0], ids[3]])
    assert [h.id for h in filled.search("traitors -puppets")] == [ids[0]]
    assert sorted(h.id for h in filled.search("budget OR nation")) == sorted([ids[1], ids[2]])
    assert [h.id for h in filled.search("park", limit=1)] == [ids[2]]


def test_search_excludes_a_quoted_phrase_after_a_minus(filled, analyses):
    """(SQLite read ``-"grave danger"`` as ``-"grave`` and ``danger"``: it excluded the word grave and
    required the word danger, where PostgreSQL excludes the phrase.)"""
    ids = [a.document.id for a in analyses]
    assert [h.id for h in filled.search('nation -"grave danger"')] == [ids[1]]
    assert [h.id for h in filled.search('traitors -"agents of change"')] == [ids[0]]
    assert fts5_query('nation -"grave danger"') == '("nation" NOT "grave danger")'


def test_control_characters_in_a_query_or_an_outlet_are_no_server_error(filled, analyses):
    """(A NUL in the web's search box was a 500 naming the database file: FTS5 read it as the end of the
    query string, PostgreSQL refuses NUL in text.) They separate words, as a blank would."""
    ids = [a.document.id for a in analyses]
    assert sorted(h.id for h in filled.search("\x00traitors\x1f")) == sorted([ids[0], ids[3]])
    assert filled.search("trai\x00tors") == []  # two words, neither in a text
    assert filled.search("traitors\x00", outlet="Daily\x00News") == []
    assert filled.stats("technique", outlet="\x00") == []


def test_search_matches_titles(filled, analyses):
    assert [h.id for h in filled.search("first")] == [analyses[1].document.id]


def test_a_snippet_does_not_repeat_a_title_line_the_text_starts_with(store):
    """(A plain-text article's first line is its title and stays in its text: a hit showed the title and then
    a snippet that began with it again, or that was the title once more.) The snippet is made of the text
    after that line, unless only the line matches; a text that does not start with its title line is
    unchanged."""
    from spinlens.text import headline
    from spinlens.web._corpus import MARKS, snippet_html

    titled = "Mayor unveils harbour plan\n\nThe mayor said the harbour would get a new pier <b>&</b> a jetty."
    assert headline(titled) == "Mayor unveils harbour plan"
    docs = [
        Document(text=titled, title=headline(titled), id="titled", published="2024-05-03"),
        Document(
            text="Budget vote delayed\r\n\r\nThe council moved the vote to May.",
            title="Budget vote delayed",
            id="crlf",
            published="2024-05-02",
        ),
        # the title starts the first line but is not all of it; no stored title
        Document(text="Council members met on the pier on Monday.", title="Council", id="prefix"),
        Document(text="Harbour pier closed\n\nThe pier is closed for repairs.", id="untitled"),
    ]
    store.write([Pipeline(RuleTagger()).analyze(d) for d in docs])

    def snippets(query: str) -> dict[str, str]:
        return {h.id: h.snippet for h in store.search(query, limit=10)}

    found = snippets("pier")
    assert set(found) == {"titled", "prefix", "untitled"}
    assert "**pier**" in found["titled"] and "unveils" not in found["titled"]  # the body's words only
    assert "said the harbour would get a new **pier**" in found["titled"]
    assert "members" in found["prefix"] and "**pier**" in found["prefix"]
    assert "closed" in found["untitled"] and "**pier**" in found["untitled"]
    assert "**unveils**" in snippets("unveils")["titled"]  # in the title line only: that line, marked
    assert "**delayed**" in snippets("delayed")["crlf"]
    # one search, some bodies matching, some only their title lines
    found = snippets("unveils OR moved")
    assert "**unveils**" in found["titled"]
    assert "**moved**" in found["crlf"] and "delayed" not in found["crlf"]
    assert "**moved**" in snippets("moved")["crlf"]
    # no words: the newest first, each with its text's start after its title line
    found = snippets("")
    assert found["titled"].startswith("The mayor said the harbour")
    assert found["crlf"] == "The council moved the vote to May."
    assert found["prefix"] == docs[2].text and found["untitled"] == " ".join(docs[3].text.split())
    # the web app's marks: the matches in <mark>, the article's own markup escaped (PostgreSQL's snippets
    # leave out tags)
    hit = next(h for h in store.search("jetty", marks=MARKS) if h.id == "titled")
    html = str(snippet_html(hit.snippet))
    assert '<mark class="hit">jetty</mark>' in html and "&amp;" in html and "<b>" not in html
    assert "unveils" not in html


def test_search_filters_by_technique_outlet_and_date(filled, analyses):
    ids = [a.document.id for a in analyses]
    hits = filled.search("traitors", technique="Name_Calling-Labeling")
    assert sorted(h.id for h in hits) == sorted([ids[0], ids[3]])
    first = next(h for h in hits if h.id == ids[0])
    assert [(s["text"], s["start"], s["end"]) for s in first.spans] == [
        ("foreign agents", 35, 49),
        ("traitors", 54, 62),
    ]
    assert [h.id for h in filled.search("traitors", outlet="daily news")] == [ids[0]]
    assert [h.id for h in filled.search("traitors", since="2024-01-01")] == [ids[0]]
    assert filled.search("traitors", technique="Whataboutism") == []
    assert [h.id for h in filled.search("", technique="whataboutism")] == [ids[1]]


def test_an_outlet_filter_finds_an_outlet_as_it_is_stored_whatever_its_letters(store):
    """Python and PostgreSQL lower some letters differently ("İ": "i̇" and "i"; a final "Σ": "ς" and "σ"):
    PostgreSQL compared its own lower() of the stored outlet with Python's of the filter, and found nothing
    for "İstanbul Post" or "ΚΌΣΜΟΣ" written as stored. Both sides are lowered by the database now."""
    pipeline = Pipeline(RuleTagger())
    outlets = ("İstanbul Post", "ΚΌΣΜΟΣ", "Über/News")
    stored = [
        pipeline.analyze(Document(text=f"{ARTICLE} Story {i}.", outlet=o, published="2024-05-02"))
        for i, o in enumerate(outlets)
    ]
    store.write(stored)
    for a, outlet in zip(stored, outlets):
        for given in (outlet, outlet.upper()):
            assert [h.id for h in store.search("traitors", outlet=given)] == [a.document.id], given
            assert [h.id for h in store.search("", outlet=given)] == [a.document.id], given
            assert store.count("traitors", outlet=given) == 1, given
            assert [r["outlet"] for r in store.stats("outlet", outlet=given)] == [outlet], given
            assert store.stats("technique", outlet=given)[0]["articles"] == 1, given


def test_search_without_words_lists_the_newest_articles(filled, analyses):
    ids = [a.document.id for a in analyses]
    hits = filled.search("", outlet="Daily News")
    assert [h.id for h in hits] == [ids[0], ids[2]]
    assert hits[1].snippet == DOCS[2].text
    assert [h.id for h in filled.search(since="2024-06")] == [ids[1]]


def test_count_and_offset_agree_with_one_unbounded_search(filled, analyses):
    """Session 19: the store pages (``offset``) and counts (``count``, one COUNT query) itself, so the web
    app's totals are exact and a page past the first 5,000 hits is not empty."""
    cases = [
        ("", {}),
        ("traitors", {}),
        ("traitors", {"technique": "Name_Calling-Labeling"}),
        ("", {"outlet": "daily news"}),
        ("", {"since": "2024-06"}),
        ("traitors OR bridge", {}),
        ("nothing-matches-this", {}),
        ("!!!", {}),
    ]
    for query, f in cases:
        every = filled.search(query, limit=1000, **f)
        assert filled.count(query, **f) == len(every), (query, f)
        paged = [
            h.id for k in range(0, len(every) + 2, 2) for h in filled.search(query, limit=2, offset=k, **f)
        ]
        assert paged == [h.id for h in every], (query, f)
    assert filled.count() == len(analyses)
    # a page past any table (the web app takes any offset >= 0) is empty, not a database error
    for query in ("traitors", ""):
        for offset in (2**63 - 1, 2**63, 10**30):
            assert filled.search(query, offset=offset) == [], (query, offset)
        assert len(filled.search(query, limit=10**30)) == filled.count(query)
    with pytest.raises(InputError, match="offset must be at least 0"):
        filled.search("x", offset=-1)
    with pytest.raises(InputError, match="unknown technique"):
        filled.count("x", technique="Lies")


def test_search_count_and_stats_take_an_end_date_and_a_category(filled, analyses):
    """(The web app's end-date and category filters were applied to the first 5,000 hits only: with more,
    its totals stopped at what that window held, and a list of documents newest first filtered to an
    older period was empty.) The store answers them in the database, as it does ``since``."""
    ids = [a.document.id for a in analyses]
    cats = [{get_technique(s.technique).category for s in a.spans} for a in analyses]
    for query in ("", "traitors OR budget OR nation"):
        for until, want in (("2024-05", [0, 2]), ("2024-05-01", [2]), ("2023", [2]), ("2024", [0, 1, 2])):
            every = filled.search(query, until=until, limit=100)
            assert sorted(h.id for h in every) == sorted(ids[k] for k in want), (query, until)
            assert filled.count(query, until=until) == len(every)
        for category in ("distraction", "attack_on_reputation"):
            want = sorted(ids[k] for k, c in enumerate(cats) if category in c)
            assert want and sorted(h.id for h in filled.search(query, category=category, limit=100)) == want
            assert filled.count(query, category=category) == len(want)
    assert filled.count("", since="2024-01", until="2024-05") == 1
    rows = filled.stats("outlet", until="2024-05")
    assert [(r["outlet"], r["articles"]) for r in rows] == [("Daily News", 2)]
    assert [r["month"] for r in filled.stats("month", until="2024")] == ["2023-12", "2024-05", "2024-06"]
    with pytest.raises(InputError, match="unknown category 'logic'"):
        filled.search("x", category="logic")
    with pytest.raises(InputError, match="until 'May' is not a date"):
        filled.count("x", until="May")


def test_the_newest_first_are_ordered_by_their_date_with_undated_ones_last(store):
    """(The list of documents, newest first, was ordered by the date as given: "yesterday" and RFC 2822
    dates ("Tue, ...") came before every ISO date, and on PostgreSQL documents without a date came first,
    on SQLite last.)"""
    pipeline = Pipeline(RuleTagger())
    dates = {
        "undated": None,
        "june": "2024-06-01",
        "words": "yesterday",
        "rfc": "Tue, 02 Jan 2024 10:00:00 GMT",
        "old": "2023-05-05",
        "may": "2024-05-31T23:00:00Z",
    }
    docs = [Document(text=f"The traitors lied, {k}.", id=k, published=v) for k, v in dates.items()]
    store.write([pipeline.analyze(d) for d in docs])
    want = ["june", "may", "rfc", "old", "words", "undated"]  # undated: the later stored first
    assert [h.id for h in store.search(limit=10)] == want
    assert [h.id for k in range(6) for h in store.search(limit=1, offset=k)] == want
    assert [h.id for h in store.search(technique="Name_Calling-Labeling", limit=10)] == want


@pytest.mark.parametrize("query", ['"unclosed', "NEAR(x", "a AND (b", "*", "-", "title:foo", "x^2 OR", "^"])
def test_search_takes_query_syntax_characters_literally(filled, query):
    assert isinstance(filled.search(query), list)


def test_search_rejects_bad_filters(filled):
    with pytest.raises(InputError, match="unknown technique 'Lies'"):
        filled.search("x", technique="Lies")
    with pytest.raises(InputError, match="--since 'May 2024' is not a date"):
        filled.search("x", since="May 2024")
    with pytest.raises(InputError, match="only excludes words"):
        filled.search("-traitors")


def test_a_search_of_too_many_words_is_refused_at_once(filled, db):
    """Ranking time grows with the square of the terms: 10,000 repeated words took minutes, not an error."""
    assert filled.search(" ".join(["traitors"] * 64))
    with pytest.raises(InputError, match="the search has more than 64 words and phrases; use fewer"):
        filled.search(" ".join(["traitors"] * 10_000))
    r = run("search", "x " * 65, "--db", db)
    assert r.exit_code == 1 and r.stderr.startswith("Error: the search has more than 64 words and phrases")


def test_fts5_query_quotes_every_term():
    assert fts5_query('foreign "agents of" -x OR y') == '("foreign" AND "agents of" NOT "x") OR ("y")'
    assert fts5_query('say "it""s"') == '("say" AND "it" AND "s")'
    assert fts5_query("- * ^") is None


# -- stats -------------------------------------------------------------------------------------------
def _oracle_by_technique(analyses: list[Analysis]) -> list[dict]:
    spans = Counter(s.technique for a in analyses for s in a.spans)
    with_ = Counter(t for a in analyses for t in {s.technique for s in a.spans})
    chars = sum(len(a.document.text) for a in analyses)
    rows = [
        {
            "technique": t,
            "category": get_technique(t).category,
            "articles": len(analyses),
            "articles_with": with_[t],
            "share": round(with_[t] / len(analyses), 4),
            "spans": n,
            "per_1k_chars": round(n * 1000 / chars, 4),
        }
        for t, n in spans.items()
    ]
    return sorted(rows, key=lambda r: (-r["spans"], r["technique"]))


def test_stats_by_technique_match_counts_made_from_the_analyses(filled, analyses):
    assert filled.stats("technique") == _oracle_by_technique(analyses)


def test_stats_by_outlet_month_and_category(filled, analyses):
    a = analyses
    n = [len(x.spans) for x in a]
    c = [len(x.document.text) for x in a]
    by_outlet = filled.stats("outlet")
    assert by_outlet == sorted(
        [
            {
                "outlet": "Daily News",
                "articles": 2,
                "articles_with": 1,
                "share": 0.5,
                "spans": n[0] + n[2],
                "per_1k_chars": round((n[0] + n[2]) * 1000 / (c[0] + c[2]), 4),
            },
            {
                "outlet": "Weekly",
                "articles": 1,
                "articles_with": 1,
                "share": 1.0,
                "spans": n[1],
                "per_1k_chars": round(n[1] * 1000 / c[1], 4),
            },
            {
                "outlet": None,
                "articles": 1,
                "articles_with": 1,
                "share": 1.0,
                "spans": n[3],
                "per_1k_chars": round(n[3] * 1000 / c[3], 4),
            },
        ],
        key=lambda r: (-r["spans"], -r["articles"], r["outlet"] is None, r["outlet"] or ""),
    )
    assert [(r["month"], r["articles"], r["spans"]) for r in filled.stats("month")] == [
        ("2023-12", 1, 0),
        ("2024-05", 1, n[0]),
        ("2024-06", 1, n[1]),
        (None, 1, n[3]),
    ]
    cats = {r["category"]: r["spans"] for r in filled.stats("category")}
    assert cats == dict(Counter(get_technique(s.technique).category for x in a for s in x.spans))


def test_stats_for_one_technique_and_filters(filled, analyses):
    rows = filled.stats("outlet", technique="Name_Calling-Labeling")
    assert [(r["outlet"], r["articles"], r["articles_with"], r["spans"]) for r in rows] == [
        (None, 1, 1, 3),
        ("Daily News", 2, 1, 2),
        ("Weekly", 1, 0, 0),
    ]
    rows = filled.stats("technique", outlet="weekly", since="2024")
    assert rows == _oracle_by_technique([analyses[1]])
    assert filled.stats("technique", technique="Doubt") == []
    with pytest.raises(InputError, match="cannot group by 'author'"):
        filled.stats("author")


# -- export ------------------------------------------------------------------------------------------
def test_export_jsonl_gives_back_every_analysis(filled, analyses):
    buf = io.StringIO()
    assert export_corpus(filled, "jsonl", buf) == 4
    got = [Analysis.from_dict(json.loads(line)) for line in buf.getvalue().splitlines()]
    assert got == analyses


def test_export_csv_and_parquet_have_one_row_per_span(filled, analyses, tmp_path):
    expected = [
        (a.document.id, s.technique, s.start, s.end, a.span_text(s)) for a in analyses for s in a.spans
    ]
    buf = io.StringIO()
    export_corpus(filled, "csv", buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert list(rows[0]) == list(SPAN_COLUMNS)
    assert [
        (r["document_id"], r["technique"], int(r["start"]), int(r["end"]), r["text"]) for r in rows
    ] == expected
    pq = pytest.importorskip("pyarrow.parquet")
    export_corpus(filled, "parquet", tmp_path / "spans.parquet")
    table = pq.read_table(tmp_path / "spans.parquet").to_pylist()
    assert [(r["document_id"], r["technique"], r["start"], r["end"], r["text"]) for r in table] == expected
    with pytest.raises(InputError, match="Parquet is binary"):
        export_corpus(filled, "parquet", io.StringIO())


def test_csv_quotes_a_value_with_a_lone_carriage_return(store, db):
    """(A title, outlet or span text holding a lone "\\r", as a classic Mac file has, was written unquoted
    in `export`, `stats` and `search` CSV: every reader split the row there.)"""
    text = "Old Mac file.\rThese treacherous\rforeign agents lie."
    doc = Document(text=text, id="cr", title="Head\rline", outlet="A\rB")
    analysis = Pipeline(RuleTagger()).analyze(doc)
    store.write([analysis])
    buf = io.StringIO()
    export_corpus(store, "csv", buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue(), newline="")))
    assert [(r["title"], r["outlet"], r["text"]) for r in rows] == [
        ("Head\rline", "A\rB", analysis.span_text(s)) for s in analysis.spans
    ]
    assert buf.getvalue().endswith("\n") and "\r\n" not in buf.getvalue()
    store.close()
    for command in (["stats", "--by", "outlet"], ["search", "treacherous"]):
        r = run(*command, "--db", db, "--format", "csv")
        assert r.exit_code == 0, r.output
        got = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
        assert [x["outlet"] for x in got] == ["A\rB"], command


def test_export_ptc_uses_ptc14_names(filled, analyses):
    buf = io.StringIO()
    export_corpus(filled, "ptc", buf)
    first = [line for line in buf.getvalue().splitlines() if line.startswith(analyses[0].document.id)]
    assert first[:2] == [f"{analyses[0].document.id}\tName_Calling,Labeling\t35\t49"] + [
        f"{analyses[0].document.id}\tName_Calling,Labeling\t54\t62"
    ]


# -- the commands ------------------------------------------------------------------------------------
def test_cli_search_json_and_csv(filled, db, analyses):
    r = run(
        "search",
        "traitors",
        "--technique",
        "Name_Calling-Labeling",
        "--since",
        "2024-01-01",
        "--db",
        db,
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert [h["id"] for h in got] == [analyses[0].document.id]
    assert [s["text"] for s in got[0]["spans"]] == ["foreign agents", "traitors"]
    assert got[0]["n_chars"] == len(analyses[0].document.text)
    r = run("search", "budget", "--db", db, "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["id"], x["title"], x["techniques"], x["n_chars"]) for x in rows] == [
        (
            analyses[2].document.id,
            "Park budget <script>alert(1)</script> & more",
            "",
            str(len(analyses[2].document.text)),
        )
    ]


def test_cli_search_table_and_no_hits(filled, db):
    r = run("search", "foreign agents", "--db", db)
    assert r.exit_code == 0
    assert "Protest in the city" in r.stdout and "Name_Calling-Labeling 2" in r.stdout
    r = run("search", "zebra", "--db", db, "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    assert r.stderr == "Note: no matching articles\n"


def test_cli_search_table_highlights_the_match_without_replacement_characters(filled, db):
    """(The table showed "\ufffdforeign agents\ufffd": the highlight marks, control characters, were replaced
    before they were read.)"""
    r = run("search", '"foreign agents"', "--db", db)
    assert r.exit_code == 0, r.output
    assert "foreign agents" in r.stdout and "\ufffd" not in r.stdout


def test_cli_stats_csv_json_and_table(filled, db, analyses):
    r = run("stats", "--by", "technique", "--db", db, "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == _oracle_by_technique(analyses)
    r = run("stats", "--by", "month", "--db", db, "--format", "csv")
    assert r.stdout.splitlines()[:2] == [
        "month,articles,articles_with,share,spans,per_1k_chars",
        "2023-12,1,0,0.0,0,0.0",
    ]
    r = run("stats", "--by", "outlet", "--technique", "Name_Calling-Labeling", "--db", db)
    assert r.exit_code == 0
    assert "Name_Calling-Labeling spans by outlet" in r.stdout and "(unknown)" in r.stdout


def test_cli_stats_says_when_articles_match_but_none_has_the_technique(filled, db):
    """(It said "no analyzed articles match" of a corpus whose articles only lack the technique.)"""
    r = run("stats", "--technique", "Appeal_to_Time", "--db", db)
    assert r.exit_code == 0 and "no analyzed article that matches has a span of Appeal_to_Time" in r.stderr
    r = run("stats", "--technique", "Appeal_to_Time", "--since", "2031-01-01", "--db", db)
    assert r.exit_code == 0 and "Note: no analyzed articles match" in r.stderr


@pytest.mark.parametrize("command", [["search", "budget"], ["stats"]])
def test_cli_search_and_stats_stop_quietly_when_the_reader_goes_away(filled, db, command):
    """(`spinlens search ... | head -1` exited 1 with no message: `set -o pipefail` scripts broke.)"""
    import subprocess
    import sys

    p = subprocess.Popen(
        [sys.executable, "-m", "spinlens", *command, "--db", str(db), "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # before the command writes anything
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0 and err == "", err


def test_cli_export_formats(filled, db, analyses, tmp_path):
    r = run("export", "--db", db, "--format", "jsonl")
    assert r.exit_code == 0
    assert [json.loads(x)["document"]["id"] for x in r.stdout.splitlines()] == [
        a.document.id for a in analyses
    ]
    assert r.stderr == "Exported 4 analyzed document(s) as jsonl to standard output\n"
    out = tmp_path / "spans.csv"
    r = run("export", "--db", db, "--format", "csv", "--output", out)
    assert r.exit_code == 0 and out.read_text().startswith(",".join(SPAN_COLUMNS) + "\n")
    # one row per span: the documents without one are counted but have no row, and the message says so
    rowless = sum(not a.spans for a in analyses)
    assert rowless and f"({rowless} without a span have no row: one row per span;" in r.stderr
    r = run("export", "--db", db, "--format", "jsonl", "--output", out)
    assert r.exit_code == 0 and "without a span" not in r.stderr
    r = run("export", "--db", db, "--format", "parquet")
    assert r.exit_code == 2 and "Parquet is binary: add --output FILE.parquet" in r.stderr


def test_cli_usage_and_store_errors(tmp_path):
    missing = tmp_path / "none.sqlite"
    r = run("stats", "--db", missing)
    assert r.exit_code == 1
    hint = f"create one with: spinlens batch INPUT... --db {missing}"
    assert r.stderr == f"Error: no store at {missing}; {hint}\n"
    r = run("search", "x", "--technique", "Lies", "--db", missing)
    assert r.exit_code == 2 and "unknown technique 'Lies'" in r.stderr
    r = run("stats", "--by", "author", "--db", missing)
    assert r.exit_code == 2
    r = run("export")
    assert r.exit_code == 2 and "Missing option '--run'" in r.stderr
    # a model's options beside --db (or the corpus file without it) would be ignored: refused, nothing written
    r = run("export", "--db", missing, "--out", tmp_path / "model")
    assert r.exit_code == 2 and "--out exports a model and --db a corpus" in r.stderr
    assert not (tmp_path / "model").exists()
    r = run("export", "--run", tmp_path, "--out", tmp_path / "model", "--output", tmp_path / "x.csv")
    assert r.exit_code == 2 and "--output is the corpus file of --db" in r.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "model").exists()
    r = run("export", "--db", missing, "--seeds", "13")
    assert r.exit_code == 2 and "--seeds exports a model and --db a corpus" in r.stderr
    r = run("export", "--run", tmp_path, "--out", tmp_path / "model", "-f", "csv")
    assert r.exit_code == 2 and "--format is the corpus format of --db" in r.stderr


def test_every_corpus_command_help_has_an_example():
    for command in ("batch", "search", "stats", "export"):
        r = run(command, "--help")
        assert r.exit_code == 0 and "Example:\n    spinlens " in r.stdout, command


def test_dates_that_are_not_dates_do_not_count_as_months_or_pass_since(store):
    from spinlens.store._store import iso_date

    values = ("2024-01-05T10:00:00Z", "2018-11", "Tue, 02 Nov 2018 10:00:00 GMT", "2018/11/02", "20181102")
    assert [iso_date(v) for v in values] == [
        "2024-01-05",
        "2018-11",
        "2018-11-02",
        "2018-11-02",
        "2018-11-02",
    ]
    assert [iso_date(v) for v in ("2024-13-45", "2024-02-30", "yesterday", "1984 Orwell", "", None)] == [
        None
    ] * 6
    pipeline = Pipeline(RuleTagger())
    docs = [
        Document(text="The traitors lied again.", id="bad-month", published="2024-13-45"),
        Document(text="The traitors lied once more.", id="words", published="yesterday"),
        Document(text="The traitors lied as ever.", id="good", published="2024-03-04T08:00:00+01:00"),
    ]
    store.write([pipeline.analyze(d) for d in docs])
    months = {r["month"] for r in store.stats("month")}
    assert months == {"2024-03", None}
    assert [h.id for h in store.search("traitors", since="2024-01-01")] == ["good"]
    assert store.get("words").document.published == "yesterday"  # what the user gave is kept
    csv_text = io.StringIO()
    writer = csv.DictWriter(csv_text, fieldnames=["title"])
    from spinlens.render import csv_row

    writer.writerow(csv_row({"title": '=HYPERLINK("http://x")'}))
    assert csv_text.getvalue().startswith("\"'=HYPERLINK")
    assert csv_row({"n": -5, "t": "-5", "u": "ok"}) == {"n": -5, "t": "'-5", "u": "ok"}


def test_migration_2_checks_the_dates_of_a_store_written_before_it(db):
    import sqlalchemy as sa

    from spinlens.store import store_url
    from spinlens.store._schema import tables

    pipeline = Pipeline(RuleTagger())
    docs = [
        Document(text="The traitors lied again.", id="rfc", published="Tue, 02 Nov 2018 10:00:00 GMT"),
        Document(text="The traitors lied once more.", id="bad", published="2024-13-45"),
    ]
    with open_store(db) as s:
        s.write([pipeline.analyze(d) for d in docs])
    engine = sa.create_engine(store_url(db))
    with engine.begin() as conn:  # make it look like a version-1 store: raw dates in the per-article tables
        for name in ("article_stats", "aggregates"):
            t = tables[name]
            for d in docs:
                conn.execute(t.update().where(t.c.document_id == d.id).values(published=d.published))
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE version = 2"))
    engine.dispose()
    with open_store(db) as s:
        assert s.schema_version() == 2
        assert {r["month"] for r in s.stats("month")} == {"2018-11", None}
        assert [h.id for h in s.search("traitors", since="2018-01-01")] == ["rfc"]
        assert s.get("rfc").document.published == "Tue, 02 Nov 2018 10:00:00 GMT"


def test_cli_export_never_writes_over_its_store_and_keeps_a_file_it_could_not_finish(tmp_path):
    db = tmp_path / "corpus.sqlite"
    records = tmp_path / "in.jsonl"
    records.write_text(json.dumps({"text": ARTICLE}) + "\n")
    assert run("batch", records, "--db", db, "--model", "rules").exit_code == 0
    before = db.read_bytes()
    for fmt in ("jsonl", "csv", "parquet", "ptc"):
        for target in (db, Path(f"{db}-wal")):
            r = run("export", "--db", db, "--format", fmt, "--output", target)
            assert r.exit_code == 2 and "is the store itself" in r.stderr, r.output
    assert db.read_bytes() == before
    r = run("export", "--db", f"sqlite:///{db}", "--format", "jsonl", "--output", db)
    assert r.exit_code == 2 and "is the store itself" in r.stderr
    r = run("stats", "--db", db, "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["articles"] == 1
    r = run("export", "--db", db, "--format", "csv", "--output", tmp_path / "no" / "such" / "e.csv")
    assert r.exit_code == 2 and "cannot write" in r.stderr and "Traceback" not in r.output
    kept = tmp_path / "kept.jsonl"
    kept.write_text("mine\n")
    r = run("export", "--db", tmp_path / "missing.sqlite", "--format", "jsonl", "--output", kept)
    assert r.exit_code == 1 and kept.read_text() == "mine\n"
    r = run("export", "--db", db, "--format", "jsonl", "--output", kept)
    assert r.exit_code == 0 and json.loads(kept.read_text())["document"]["text"] == ARTICLE
    if Path("/dev/full").exists():  # a device is written directly: its failure is one line, no traceback
        r = run("export", "--db", db, "--format", "jsonl", "--output", "/dev/full")
        assert r.exit_code == 1 and r.stderr == "Error: cannot write /dev/full: No space left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_cli_parquet_export_writes_through_a_link_and_keeps_a_hard_link(tmp_path):
    """Parquet follows the rule of the text formats: a link, a device or a file with several names is
    written in place, never replaced by a new file (which left the link's target as it was and, run by
    root, turned /dev/full into a regular file)."""
    pq = pytest.importorskip("pyarrow.parquet")
    db = tmp_path / "corpus.sqlite"
    records = tmp_path / "in.jsonl"
    records.write_text(json.dumps({"text": ARTICLE}) + "\n")
    assert run("batch", records, "--db", db, "--model", "rules").exit_code == 0
    target, link = tmp_path / "real.parquet", tmp_path / "link.parquet"
    target.write_text("old")
    link.symlink_to(target)
    r = run("export", "--db", db, "--format", "parquet", "--output", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and pq.read_table(target).num_rows > 0
    other = tmp_path / "other-name.parquet"
    os.link(target, other)
    r = run("export", "--db", db, "--format", "parquet", "--output", target)
    assert r.exit_code == 0, r.output
    assert os.path.samefile(target, other) and pq.read_table(other).num_rows > 0
    r = run("export", "--db", db, "--format", "parquet", "--output", tmp_path / "new.parquet")
    assert r.exit_code == 0 and pq.read_table(tmp_path / "new.parquet").num_rows > 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_cli_tables_print_hostile_titles_and_outlets_as_text(tmp_path):
    db = tmp_path / "h.sqlite"
    records = tmp_path / "h.jsonl"
    hostile = "\x1b]0;pwned\x07\x1b[2JDaily [/] [bold]News"
    text = "The corrupt traitors are destroying our great nation!"
    records.write_text(json.dumps({"text": text, "title": hostile, "outlet": hostile}) + "\n")
    assert run("batch", records, "--db", db, "--model", "rules").exit_code == 0
    for args in (("stats", "--by", "outlet"), ("search",)):
        r = run(*args, "--db", db)
        assert r.exit_code == 0, r.output
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout
        assert "[/]" in r.stdout and "[bold]" in r.stdout  # shown as typed, not read as markup


def test_a_foreign_sqlite_file_is_refused_without_being_changed(tmp_path):
    foreign = tmp_path / "notes.db"
    con = sqlite3.connect(foreign)
    con.execute("create table notes(x)")
    con.commit()
    con.close()
    before = foreign.read_bytes()
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE)
    for args in (("stats",), ("search", "x"), ("batch", article, "--model", "rules")):
        r = run(*args, "--db", foreign)
        assert (
            r.exit_code == 1 and "notes.db is not a spinlens store (it has other tables: notes)" in r.stderr
        )
    with pytest.raises(DataError, match="not a spinlens store"):
        open_store(str(foreign))
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "notes.db"]  # no -wal, no -shm
    for bad, why in (("", "no store given"), (tmp_path, "is a folder; give a file path")):
        r = run("stats", "--db", bad)
        assert r.exit_code == 1 and why in r.stderr and "OperationalError" not in r.stderr


def test_store_label_names_a_database_without_its_password(tmp_path):
    """(`spinlens serve --db postgresql://me:secret@...` printed the URL, password and all, in its "serving"
    note.)"""
    from spinlens.store import store_label

    assert store_label(tmp_path / "c.sqlite") == str(tmp_path / "c.sqlite")
    for url in ("postgresql://me:Secret-9@db.example:5432/news", "postgresql://me@db/news?password=Secret-9"):
        label = store_label(url)
        assert "Secret-9" not in label and "db" in label and "news" in label, label
    with pytest.raises(InputError, match="malformed"):
        store_label("postgresql://me:Secret-9@db:port/news")
