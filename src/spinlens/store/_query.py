"""Corpus queries: full-text search and statistics, the same on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from spinlens.errors import InputError
from spinlens.store._schema import (
    PG_FTS_CHARS,
    SQLITE_TOKENIZE,
    aggregates_t,
    article_stats_t,
    documents_t,
    spans_t,
)
from spinlens.taxonomy import CATEGORIES, TECHNIQUE_IDS, get_technique, is_technique
from spinlens.text import check_since

__all__ = [
    "STATS_BY",
    "SearchHit",
    "search",
    "count",
    "stats",
    "fts5_query",
    "query_groups",
    "check_since",
    "check_technique",
    "check_category",
]

#: the groupings ``stats`` accepts.
STATS_BY: tuple[str, ...] = ("technique", "category", "outlet", "month")

_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')  # -"a phrase" excludes the phrase, as on PostgreSQL
# control characters in a query or an outlet filter: no stored text has them where a search could find
# them (SQLite's FTS5 stops a query string at a NUL, "unterminated string"; PostgreSQL refuses NUL in text)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(s: str | None, by: str = " ") -> str | None:
    return None if s is None else _CONTROL.sub(by, s)


_WORDISH = re.compile(r"\w")
_SNIPPET_TOKENS = 16
#: the most words and phrases in one search: ranking time grows with their square (2,000 took a minute)
_MAX_TERMS = 64
_PLAIN_SNIPPET_CHARS = 200
#: the largest LIMIT / OFFSET both databases take (a 64-bit integer); no table has that many rows
_MAX_ROWS = 2**63 - 1


@dataclass(frozen=True)
class SearchHit:
    """One matching document: metadata, a snippet with the matches marked, and its technique counts.

    ``spans`` holds the spans of the ``technique`` searched for (with their text), if one was given;
    ``lead`` the first characters of the text of a hit without a title (what a list shows in its place).
    """

    id: str
    title: str | None
    outlet: str | None
    published: str | None
    url: str | None
    score: float
    snippet: str
    techniques: dict[str, int] = field(default_factory=dict)
    spans: tuple[dict[str, Any], ...] = ()
    n_chars: int | None = None
    lead: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
            "url": self.url,
            "score": self.score,
            "snippet": self.snippet,
            "techniques": dict(self.techniques),
            "spans": [dict(s) for s in self.spans],
            "n_chars": self.n_chars,
        }


#: characters of an untitled hit's text read for its ``lead`` (a title line is at most 200): as many as the
#: listing without a query reads for its snippet, which then serves as the lead too
_LEAD_CHARS = _PLAIN_SNIPPET_CHARS


def check_technique(technique: str | None) -> str | None:
    """The canonical id for ``technique`` (exact, or a case-insensitive match), or InputError."""
    if technique is None:
        return None
    if is_technique(technique):
        return technique
    for tid in TECHNIQUE_IDS:
        if tid.lower() == technique.lower():
            return tid
    raise InputError(
        f"unknown technique {technique!r}; use an id from `spinlens techniques`, "
        f"e.g. {', '.join(TECHNIQUE_IDS[:3])}"
    )


def check_category(category: str | None) -> str | None:
    """``category`` if it is a category id (see :data:`spinlens.taxonomy.CATEGORIES`), or InputError."""
    if category is None or category in CATEGORIES:
        return category
    raise InputError(f"unknown category {category!r}; choose one of: {', '.join(CATEGORIES)}")


def _before(published: Any, until: str) -> Any:
    """``published`` (a checked ISO date, or NULL) on or before ``until`` (YYYY, YYYY-MM or YYYY-MM-DD):
    its first ``len(until)`` characters are not later; a NULL date is never before."""
    return sa.func.substr(published, 1, len(until)) <= until


def query_groups(text: str) -> list[tuple[list[str], list[str]]]:
    """Web-search style input parsed: alternatives (split by OR), each ``(terms to find, terms to exclude)``;
    a term is a word or a quoted phrase, excluded after a ``-``. Terms without a word character are dropped,
    and so are alternatives left empty.

    Raises:
        InputError: an alternative only excludes words, or more than 64 words and phrases were given.
    """
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    n_terms = 0
    for m in _TERM.finditer(text):
        phrase, word = m.group(2), m.group(3)
        if word == "OR":
            if groups[-1][0]:
                groups.append(([], []))
            continue
        negate = phrase is not None and m.group(1) == "-"
        term = phrase if phrase is not None else word
        if phrase is None and term.startswith("-") and len(term) > 1:
            negate, term = True, term[1:]
        if not _WORDISH.search(term):
            continue
        n_terms += 1
        if n_terms > _MAX_TERMS:
            raise InputError(
                f"the search has more than {_MAX_TERMS} words and phrases; use fewer (or split it)"
            )
        groups[-1][1 if negate else 0].append(term)
    out = []
    for pos, neg in groups:
        if not pos:
            if neg:
                raise InputError(f"the search {text!r} only excludes words; add a word to find")
            continue
        out.append((pos, neg))
    return out


def fts5_query(text: str) -> str | None:
    """An FTS5 query for web-search style input: words, "quoted phrases", OR, and -excluded words
    (:func:`query_groups`).

    Every term is quoted, so FTS5's own syntax characters in the input are taken literally. Returns None
    for input without any word to find.

    Raises:
        InputError: only excluded words were given, or more than 64 words and phrases.
    """

    def quoted(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    parts = [
        "(" + " AND ".join(map(quoted, pos)) + "".join(f" NOT {quoted(n)}" for n in neg) + ")"
        for pos, neg in query_groups(text)
    ]
    return " OR ".join(parts) or None


def _filters(
    technique: str | None,
    outlet: str | None,
    since: str | None,
    pk: Any,
    until: str | None = None,
    category: str | None = None,
) -> list[Any]:
    """Search conditions on a document's ``pk`` (the full-text row id), answered from the narrow
    per-article tables, so ranking never reads the wide documents table."""
    conds: list[Any] = []
    ag = aggregates_t
    if technique is not None:
        conds.append(pk.in_(sa.select(ag.c.doc_pk).where(ag.c.technique == technique)))
    if category is not None:
        conds.append(pk.in_(sa.select(ag.c.doc_pk).where(ag.c.category == category)))
    if outlet is not None or since is not None or until is not None:
        st = article_stats_t
        q = sa.select(st.c.doc_pk)
        if outlet is not None:
            # lowered by the database on both sides: Python's lower() and PostgreSQL's differ on some
            # letters ("İ", a final "Σ"), and an outlet given as stored was not found
            q = q.where(sa.func.lower(st.c.outlet) == sa.func.lower(outlet))
        if since is not None:
            q = q.where(st.c.published >= since)
        if until is not None:
            q = q.where(_before(st.c.published, until))
        conds.append(pk.in_(q))
    return conds


@dataclass(frozen=True)
class _Asked:
    """A search's checked arguments: the query (stripped, control characters made blanks), its FTS5 form
    (None without words), and the filters, canonical and checked."""

    query: str
    fts: str | None
    technique: str | None
    outlet: str | None
    since: str | None
    until: str | None
    category: str | None

    @classmethod
    def of(
        cls,
        query: str,
        technique: str | None,
        outlet: str | None,
        since: str | None,
        until: str | None,
        category: str | None,
    ) -> _Asked:
        """Raises InputError as :func:`search` does."""
        technique = check_technique(technique)
        since = check_since(since)
        until = check_since(until, "until")
        category = check_category(category)
        query = (_no_control(query) or "").strip()
        fts = fts5_query(query) if query else None  # also checks the query on PostgreSQL
        return cls(query, fts, technique, _no_control(outlet, "\ufffd"), since, until, category)

    @property
    def nothing(self) -> bool:
        """Words were asked but none is searchable (punctuation only): no document matches."""
        return bool(self.query) and self.fts is None

    def conds(self, pk: Any) -> list[Any]:
        """The filters as conditions on a document's ``pk`` (see :func:`_filters`)."""
        return _filters(self.technique, self.outlet, self.since, pk, self.until, self.category)

    def pg_match(self) -> tuple[Any, Any]:
        """PostgreSQL: ``(tsvector column, tsquery)`` of the words."""
        tsq = sa.func.websearch_to_tsquery(sa.text("'english'::regconfig"), self.query)
        return sa.literal_column("documents.tsv"), tsq

    def fts5_match(self) -> Any:
        """SQLite: the FTS5 MATCH condition of the words."""
        return sa.text("documents_fts MATCH :fts").bindparams(fts=self.fts)


_FTS = sa.table("documents_fts", sa.column("rowid"))
#: SQLite: a connection's own (temporary) full-text table of texts after their title line, filled for one
#: search's hits and emptied after it (FTS5 makes snippets of an indexed column only; the store's holds the
#: whole text)
_BODIES = sa.table("spinlens_bodies", sa.column("rowid"), sa.column("body"), schema="temp")


def _title_end() -> Any:
    """SQL: the length of a document's title when its text starts with exactly that title and a line break
    (a plain-text article's first line, kept in its text: :func:`spinlens.text.headline`), else 0. Snippets
    are made of the text after it, so that a hit does not show its title twice."""
    d = documents_t
    n = sa.func.length(d.c.title)
    starts = sa.and_(
        n > 0,
        sa.func.substr(d.c.text, 1, n) == d.c.title,
        sa.func.substr(d.c.text, n + 1, 1).in_(("\n", "\r")),
    )
    return sa.case((starts, n), else_=0)


def _body() -> Any:
    """SQL: a document's text after its title line (:func:`_title_end`; from the line break on), else all."""
    return sa.func.substr(documents_t.c.text, _title_end() + 1)


def _fts5_snippet(table: str, column: int, marks: tuple[str, str]) -> Any:
    return sa.func.snippet(sa.literal_column(table), column, marks[0], marks[1], "…", _SNIPPET_TOKENS)


def _fts5_body_snippets(
    conn: sa.Connection, pks: list[int], fts: str, marks: tuple[str, str]
) -> dict[int, str]:
    """SQLite: snippets of these documents' texts after their title line, for those whose body matches the
    FTS5 query ``fts`` (made in :data:`_BODIES`, with the store's tokenizer)."""
    if not pks:
        return {}
    conn.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.spinlens_bodies "
        f"USING fts5(body, tokenize='{SQLITE_TOKENIZE}')"
    )
    bodies = sa.select(documents_t.c.pk, _body()).where(documents_t.c.pk.in_(pks))
    try:
        conn.execute(sa.delete(_BODIES))
        conn.execute(sa.insert(_BODIES).from_select(["rowid", "body"], bodies))
        match = sa.text("spinlens_bodies MATCH :fts").bindparams(fts=fts)
        q = sa.select(_BODIES.c.rowid, _fts5_snippet("spinlens_bodies", 0, marks)).where(match)
        return {int(pk): snippet for pk, snippet in conn.execute(q)}
    finally:
        conn.execute(sa.delete(_BODIES))


def search(
    conn: sa.Connection,
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
) -> list[SearchHit]:
    """Analyzed documents matching ``query`` (best first), optionally with a technique, outlet, date.

    Args:
        conn: an open connection to the store.
        query: words, "quoted phrases", OR and -excluded words (stemmed English); empty lists the
            newest documents that pass the filters.
        technique: only documents with at least one span of this technique (canonical id).
        outlet: only documents from this outlet (case-insensitive).
        since: only documents published on or after this ISO date (YYYY, YYYY-MM or YYYY-MM-DD).
        limit: the most hits returned.
        marks: the strings put before and after each match in the snippet. A text that starts with its title
            line (a plain-text article's) has its snippet made of the rest, unless only that line matches.
        offset: hits skipped first (a later page); snippets are made for the hits returned only.
        until: only documents published on or before this ISO date (YYYY, YYYY-MM or YYYY-MM-DD: a
            month or year includes its last day).
        category: only documents with at least one span of this category (a category id).

    Raises:
        InputError: an unknown technique or category, a malformed date, or a query that only excludes
            words.
    """
    asked = _Asked.of(query, technique, outlet, since, until, category)
    technique = asked.technique
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    if offset < 0:
        raise InputError(f"offset must be at least 0, got {offset}")
    limit = min(limit, _MAX_ROWS)
    d = documents_t
    cols = [d.c.id, d.c.title, d.c.outlet, d.c.published, d.c.url, d.c.n_chars]
    if asked.nothing or offset > _MAX_ROWS:  # no searchable word; a page past any table
        return []
    if asked.fts is not None and conn.dialect.name == "postgresql":
        tsv, tsq = asked.pg_match()
        rank = sa.func.ts_rank(tsv, tsq)
        inner = (
            sa.select(d.c.pk, rank.label("score"))
            .where(tsv.op("@@")(tsq), *asked.conds(d.c.pk))
            .order_by(rank.desc(), d.c.pk)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        english = sa.text("'english'::regconfig")

        def headline(text: Any) -> Any:
            return sa.func.ts_headline(english, sa.func.left(text, PG_FTS_CHARS), tsq, _pg_options(marks))

        # the text after its title line when that matches (a match in the title line only: all of it)
        body_matches = sa.and_(
            _title_end() > 0, sa.func.to_tsvector(english, sa.func.left(_body(), PG_FTS_CHARS)).op("@@")(tsq)
        )
        snippet = sa.case((body_matches, headline(_body())), else_=headline(d.c.text))
        stmt = (
            sa.select(*cols, inner.c.score, snippet.label("snippet"))
            .select_from(d.join(inner, inner.c.pk == d.c.pk))
            .order_by(inner.c.score.desc(), d.c.pk)
        )
    elif asked.fts is not None:
        # rank first (no snippets: SQLite would make one for every match before sorting), then
        # make snippets for the top ``limit`` only
        ft = _FTS
        bm25: sa.ColumnClause[Any] = sa.literal_column("bm25(documents_fts, 2.0, 1.0)")
        match = asked.fts5_match()
        # ``rowid + 0``: an IN on the bare rowid would be handed to FTS5, which then runs the whole
        # full-text query once per listed row (seconds); as an expression it filters the matches
        top = sa.select(ft.c.rowid, bm25).where(match, *asked.conds(ft.c.rowid + 0))
        ranked = conn.execute(top.order_by(bm25, ft.c.rowid).limit(limit).offset(offset)).all()
        if not ranked:
            return []
        order = {pk: (k, -float(rank)) for k, (pk, rank) in enumerate(ranked)}
        # the snippet of the whole text; for a text that starts with its title line, that of the rest
        # instead where the rest matches (where only the title line matches, the whole text's)
        stmt = (
            sa.select(
                *cols,
                d.c.pk,
                _title_end().label("title_end"),
                _fts5_snippet("documents_fts", -1, marks).label("snippet"),
            )
            .select_from(ft.join(d, d.c.pk == ft.c.rowid))
            .where(match, ft.c.rowid.in_(list(order)))
        )
        found = [dict(r._mapping) for r in conn.execute(stmt)]
        snippets = _fts5_body_snippets(conn, [r["pk"] for r in found if r["title_end"]], asked.fts, marks)
        found.sort(key=lambda r: order[r["pk"]][0])
        for r in found:
            r.update(score=order[r["pk"]][1], snippet=snippets.get(r["pk"], r["snippet"]))
        return _hits(conn, found, technique)
    else:
        # newest first by the checked ISO date (the raw ``published`` may be "yesterday" or RFC 2822),
        # undated last on both databases (PostgreSQL puts NULL first in a descending order); the page is
        # chosen in the narrow per-article table, then only its rows are read from the documents
        st = article_stats_t
        page = (
            sa.select(st.c.doc_pk, st.c.published)
            .where(*asked.conds(st.c.doc_pk))
            .order_by(st.c.published.is_(None), st.c.published.desc(), st.c.doc_pk.desc())
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        title_end = _title_end()
        stmt = (
            sa.select(
                *cols,
                sa.literal(0.0).label("score"),
                title_end.label("title_end"),
                # the text's start after its title line (kept below unless that is blank)
                sa.func.substr(d.c.text, 1, title_end + _PLAIN_SNIPPET_CHARS).label("snippet"),
            )
            .select_from(d.join(page, page.c.doc_pk == d.c.pk))
            .order_by(page.c.published.is_(None), page.c.published.desc(), d.c.pk.desc())
        )
        rows = []
        for rec in conn.execute(stmt):
            row = dict(rec._mapping)
            text = row["snippet"] or ""
            after = text[row["title_end"] :]
            row["snippet"] = after if after.strip() else text[:_PLAIN_SNIPPET_CHARS]
            if not row["title"]:  # the text's start, read already: no second read in _hits
                row["lead"] = text[:_LEAD_CHARS]
            rows.append(row)
        return _hits(conn, rows, technique)
    return _hits(conn, [dict(r._mapping) for r in conn.execute(stmt)], technique)


def count(
    conn: sa.Connection,
    query: str = "",
    *,
    technique: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
    category: str | None = None,
) -> int:
    """How many documents :func:`search` with the same arguments finds when its ``limit`` is no bound: one
    COUNT in the database (the full-text index and the narrow per-article tables), no hit is read.

    Raises:
        InputError: as :func:`search`.
    """
    asked = _Asked.of(query, technique, outlet, since, until, category)
    if asked.nothing:
        return 0
    d = documents_t
    if asked.fts is not None and conn.dialect.name == "postgresql":
        tsv, tsq = asked.pg_match()
        stmt = sa.select(sa.func.count()).select_from(d).where(tsv.op("@@")(tsq), *asked.conds(d.c.pk))
    elif asked.fts is not None:
        where = [asked.fts5_match(), *asked.conds(_FTS.c.rowid + 0)]
        stmt = sa.select(sa.func.count()).select_from(_FTS).where(*where)
    else:
        stmt = sa.select(sa.func.count()).select_from(d).where(*asked.conds(d.c.pk))
    return int(conn.execute(stmt).scalar_one())


def _hits(conn: sa.Connection, rows: list[dict[str, Any]], technique: str | None) -> list[SearchHit]:
    """Search hits for result rows, with each document's technique counts (and spans of ``technique``)."""
    if not rows:
        return []
    d = documents_t
    ids = [r["id"] for r in rows]
    counts: dict[str, dict[str, int]] = {i: {} for i in ids}
    q = (
        sa.select(aggregates_t.c.document_id, aggregates_t.c.technique, aggregates_t.c.n_spans)
        .where(aggregates_t.c.document_id.in_(ids))
        .order_by(aggregates_t.c.document_id, aggregates_t.c.n_spans.desc(), aggregates_t.c.technique)
    )
    for doc_id, tech, n in conn.execute(q):
        counts[doc_id][tech] = int(n)
    spans: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if technique is not None:
        s = spans_t
        q = (
            sa.select(
                s.c.document_id,
                s.c.start,
                s.c.end,
                s.c.score,
                sa.func.substr(d.c.text, s.c.start + 1, s.c.end - s.c.start).label("text"),
            )
            .select_from(s.join(d, d.c.id == s.c.document_id))
            .where(s.c.document_id.in_(ids), s.c.technique == technique)
            .order_by(s.c.document_id, s.c.seq)
        )
        for r in conn.execute(q):
            spans[r.document_id].append(
                {"start": r.start, "end": r.end, "technique": technique, "score": r.score, "text": r.text}
            )
    # an untitled hit is shown by its text's first line: its snippet may start anywhere in the text
    untitled = [r["id"] for r in rows if not r["title"] and "lead" not in r]
    leads: dict[str, str] = {r["id"]: r["lead"] for r in rows if "lead" in r}
    if untitled:
        q = sa.select(d.c.id, sa.func.substr(d.c.text, 1, _LEAD_CHARS)).where(d.c.id.in_(untitled))
        leads.update({str(row[0]): str(row[1]) for row in conn.execute(q)})
    return [
        SearchHit(
            id=r["id"],
            title=r["title"],
            outlet=r["outlet"],
            published=r["published"],
            url=r["url"],
            score=round(float(r["score"] or 0.0), 6),
            snippet=" ".join((r["snippet"] or "").split()),
            techniques=counts[r["id"]],
            spans=tuple(spans[r["id"]]),
            n_chars=r.get("n_chars"),
            lead=leads.get(r["id"]),
        )
        for r in rows
    ]


def _pg_options(marks: tuple[str, str]) -> str:
    for m in marks:
        if "," in m or "=" in m:
            raise InputError(f"snippet mark {m!r} cannot contain ',' or '=' on PostgreSQL")
    return f"StartSel={marks[0]}, StopSel={marks[1]}, MaxWords=24, MinWords=10"


def stats(
    conn: sa.Connection,
    by: str,
    *,
    technique: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    no_outlet: bool = False,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Counts per technique, category, outlet or month over the analyzed documents that pass the filters
    (``no_outlet``: only documents without an outlet; ``until``: published on or before, as in
    :func:`search`).

    Every row has the group key (``technique`` rows also their ``category``), ``articles`` (analyzed
    articles in the group), ``articles_with`` (those with at least one span counted), ``share``
    (articles_with / articles), ``spans`` and ``per_1k_chars`` (spans per 1,000 characters of the
    group's articles). With ``technique``, only that technique's spans are counted. Only the narrow
    per-article tables are read (``article_stats``, ``aggregates``), never texts or analyses.

    Raises:
        InputError: an unknown grouping or technique, or a malformed date.
    """
    if by not in STATS_BY:
        raise InputError(f"cannot group by {by!r}; choose one of: {', '.join(STATS_BY)}")
    technique = check_technique(technique)
    since = check_since(since)
    until = check_since(until, "until")
    outlet = _no_control(outlet, "\ufffd")
    st, ag = article_stats_t, aggregates_t

    def where(t: sa.Table) -> list[Any]:
        conds = []
        if outlet is not None:
            conds.append(sa.func.lower(t.c.outlet) == sa.func.lower(outlet))  # as in _filters
        if no_outlet:
            conds.append(t.c.outlet.is_(None))
        if since is not None:
            conds.append(t.c.published >= since)
        if until is not None:
            conds.append(_before(t.c.published, until))
        return conds

    def key_of(t: sa.Table) -> Any:
        return t.c.outlet if by == "outlet" else sa.func.substr(t.c.published, 1, 7)

    rows: list[dict[str, Any]] = []
    if by in ("technique", "category"):
        q = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(st.c.n_chars), 0)).where(*where(st))
        articles, chars = conn.execute(q).one()
        key = ag.c.technique if by == "technique" else ag.c.category
        # one aggregates row per (document, technique): counting rows counts articles per technique
        n_docs = sa.func.count() if by == "technique" else sa.func.count(sa.distinct(ag.c.document_id))
        q = sa.select(key, sa.func.sum(ag.c.n_spans), n_docs).where(*where(ag))
        if technique is not None:
            q = q.where(ag.c.technique == technique)
        for k, n_spans, n_with in conn.execute(q.group_by(key)):
            row: dict[str, Any] = {by: k}
            if by == "technique":
                row["category"] = get_technique(k).category
            rows.append(row | _numbers(articles, n_with, n_spans, chars))
        if by == "category":
            order = list(CATEGORIES)
            rows.sort(key=lambda r: (-r["spans"], order.index(r[by]) if r[by] in order else len(order)))
        else:
            rows.sort(key=lambda r: (-r["spans"], r[by]))
        return rows
    key = key_of(st).label("key")
    with_spans = sa.func.sum(sa.case((st.c.n_spans > 0, 1), else_=0))
    q = sa.select(
        key,
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(st.c.n_chars), 0),
        sa.func.coalesce(sa.func.sum(st.c.n_spans), 0),
        with_spans,
    )
    groups = {k: [a, c, n, w] for k, a, c, n, w in conn.execute(q.where(*where(st)).group_by(key))}
    if technique is not None:
        tkey = key_of(ag).label("key")
        q = sa.select(tkey, sa.func.count(), sa.func.sum(ag.c.n_spans))
        q = q.where(ag.c.technique == technique, *where(ag)).group_by(tkey)
        counted = {k: (n_with, n_spans) for k, n_with, n_spans in conn.execute(q)}
        for k, g in groups.items():  # g: articles, chars, spans, articles with spans
            g[3], g[2] = counted.get(k, (0, 0))
    for k, (articles, chars, n_spans, n_with) in groups.items():
        rows.append({by: k} | _numbers(articles, n_with, n_spans, chars))
    if by == "month":
        rows.sort(key=lambda r: (r["month"] is None, r["month"] or ""))
    else:
        rows.sort(key=lambda r: (-r["spans"], -r["articles"], r["outlet"] is None, r["outlet"] or ""))
    return rows


def _numbers(articles: int, n_with: int, n_spans: int, chars: int) -> dict[str, Any]:
    articles, n_with, n_spans, chars = (
        int(articles or 0),
        int(n_with or 0),
        int(n_spans or 0),
        int(chars or 0),
    )
    return {
        "articles": articles,
        "articles_with": n_with,
        "share": round(n_with / articles, 4) if articles else 0.0,
        "spans": n_spans,
        "per_1k_chars": round(n_spans * 1000.0 / chars, 4) if chars else 0.0,
    }
