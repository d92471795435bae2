"""The corpus behind the document list, search and charts: the store (``--db``) or recent analyses in memory.

Both answer the same questions with the same plain rows, so the pages and the API do not care which one
they talk to. A row is ``{"id", "title", "outlet", "published", "url", "n_chars", "n_spans",
"top_technique", "snippet"}``; stats are ``{"outlets", "techniques", "counts", "totals", "periods",
"series"}`` (see :meth:`MemoryCorpus.stats`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from markupsafe import Markup, escape

from spinlens.taxonomy import TECHNIQUE_IDS, get_technique
from spinlens.text import iso_date
from spinlens.web._view import display_title

__all__ = [
    "MARKS",
    "Filters",
    "Corpus",
    "MemoryCorpus",
    "row_of",
    "snippet",
    "snippet_html",
    "plain_snippet",
    "stats_from_rows",
    "period_of",
]

_SNIPPET = 220
#: private-use characters put around matches in snippets (turned into ``<mark>`` or ``**``, never shown).
MARKS = ("\ue000", "\ue001")


def snippet_html(snippet: str) -> Markup:
    """A snippet as HTML: everything escaped, the matches (between :data:`MARKS`) in ``<mark>``."""
    out: list[str] = []
    depth = 0
    for ch in snippet:
        if ch == MARKS[0]:
            if depth == 0:
                out.append('<mark class="hit">')
            depth += 1
        elif ch == MARKS[1]:
            if depth == 1:
                out.append("</mark>")
            depth = max(0, depth - 1)
        else:
            out.append(str(escape(ch)))
    if depth:
        out.append("</mark>")
    return Markup("".join(out))


def plain_snippet(snippet: str) -> str:
    """A snippet for the API: matches between ``**``."""
    return snippet.replace(MARKS[0], "**").replace(MARKS[1], "**")


@dataclass(frozen=True)
class Filters:
    """Filters shared by the document list, search and stats; None means "any"."""

    outlet: str | None = None
    technique: str | None = None
    category: str | None = None
    since: str | None = None
    until: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


class Corpus(Protocol):
    """What the web app asks of a corpus."""

    persistent: bool

    def save(self, data: Mapping[str, Any], analysis: Any | None = None) -> None: ...

    def get(self, document_id: str) -> dict[str, Any] | None: ...

    def documents(self, filters: Filters, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]: ...

    def search(
        self, query: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]: ...

    def stats(self, filters: Filters) -> dict[str, Any]: ...

    def outlets(self) -> list[str]: ...


def period_of(published: str | None) -> str | None:
    """The month (``YYYY-MM``) of an ISO-like date string, or None."""
    if not published:
        return None
    m = re.match(r"\s*(\d{4})-(\d{2})", str(published))
    return f"{m.group(1)}-{m.group(2)}" if m else None


def snippet(text: str, query: str | None = None, width: int = _SNIPPET) -> str:
    """An excerpt of ``text`` around the first query word found, with the words between :data:`MARKS`."""
    text = " ".join(text.replace(MARKS[0], " ").replace(MARKS[1], " ").split())
    words = [w for w in re.findall(r"\w+", (query or "").lower()) if w]
    pos = -1
    for word in words:
        pos = text.lower().find(word)
        if pos >= 0:
            break
    start = max(0, pos - width // 3) if pos >= 0 else 0
    piece = text[start : start + width]
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        piece = pattern.sub(lambda m: MARKS[0] + m.group(0) + MARKS[1], piece)
    return ("\u2026" if start else "") + piece + ("\u2026" if start + width < len(text) else "")


def _snippet_text(doc: Mapping[str, Any], query: str | None) -> str:
    """The text a row's snippet is made of: after the title line when the text starts with it (a plain-text
    article's; the row shows the title above) and, with a query, when a query word is there; else all of it
    (as the store's search, :func:`spinlens.store._query.search`)."""
    text, title = doc["text"], doc.get("title") or ""
    if not title or not text.startswith(title) or text[len(title) : len(title) + 1] not in ("\n", "\r"):
        return text
    body = text[len(title) :]
    if not body.strip():
        return text
    words = [w for w in re.findall(r"\w+", (query or "").lower()) if w]
    if words and not any(w in body.lower() for w in words):
        return text
    return body


def row_of(data: Mapping[str, Any], query: str | None = None) -> dict[str, Any]:
    """A list row from an ``Analysis.to_dict()`` dict."""
    doc = data["document"]
    text = _snippet_text(doc, query)
    counts = Counter(s["technique"] for s in data.get("spans") or [])
    top = counts.most_common(1)[0][0] if counts else None
    return {
        "id": doc["id"],
        "title": display_title(doc),
        "outlet": doc.get("outlet"),
        "published": doc.get("published"),
        "url": doc.get("url"),
        "n_chars": len(doc["text"]),
        "n_spans": sum(counts.values()),
        "top_technique": top,
        "techniques": dict(counts),
        "score": None,
        "snippet": plain_snippet(snippet(text, query)) if query else snippet(text),
        "snippet_html": snippet_html(snippet(text, query)) if query else None,
    }


def _matches(data: Mapping[str, Any], f: Filters) -> bool:
    doc = data["document"]
    if f.outlet and (doc.get("outlet") or "").lower() != f.outlet.lower():  # as the store: any case
        return False
    published = iso_date(doc.get("published")) or ""  # as the store compares it
    if f.since and (not published or published < f.since):
        return False
    if f.until and (not published or published[: len(f.until)] > f.until):
        return False
    spans = data.get("spans") or []
    if f.technique and not any(s["technique"] == f.technique for s in spans):
        return False
    if f.category and not any(get_technique(s["technique"]).category == f.category for s in spans):
        return False
    return True


def _words(text: str) -> str:
    """The words of ``text``, lower case, each between blanks: `` word `` in it is a whole-word match, and a
    phrase's words in a row match the phrase."""
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def stats_from_rows(items: Iterable[tuple[str | None, str | None, str, int]]) -> dict[str, Any]:
    """Stats from ``(outlet, published, technique, n_spans)`` rows.

    Returns:
        ``outlets`` (by span count, most first), ``techniques`` (ids present, taxonomy order), ``counts``
        (``[outlet, technique, n]`` triples), ``totals`` (spans per outlet), ``periods`` (months, in order)
        and ``series`` (technique -> share of each period's spans, aligned with ``periods``).
    """
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    by_period: Counter[tuple[str, str]] = Counter()
    period_totals: Counter[str] = Counter()
    for outlet, published, technique, n in items:
        name = outlet or "(no outlet)"
        counts[(name, technique)] += n
        totals[name] += n
        period = period_of(published)
        if period:
            by_period[(period, technique)] += n
            period_totals[period] += n
    techniques = [t for t in TECHNIQUE_IDS if any(k[1] == t for k in counts)]
    periods = sorted(period_totals)
    series = {
        t: [round(by_period[(p, t)] / period_totals[p], 4) for p in periods]
        for t in techniques
        if any(by_period[(p, t)] for p in periods)
    }
    return {
        "outlets": [o for o, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))],
        "techniques": techniques,
        "counts": [[o, t, n] for (o, t), n in sorted(counts.items())],
        "totals": dict(totals),
        "periods": periods,
        "series": series,
    }


class MemoryCorpus:
    """The recent analyses kept in memory (no ``--db``): the same questions, answered by a scan."""

    persistent = False

    def __init__(self, recent) -> None:
        self.recent = recent

    def save(self, data: Mapping[str, Any], analysis: Any | None = None) -> None:
        self.recent.put(data["document"]["id"], dict(data))

    def get(self, document_id: str) -> dict[str, Any] | None:
        return self.recent.get(document_id)

    def _all(self) -> list[dict[str, Any]]:
        return self.recent.newest(self.recent.maxsize)

    def documents(self, filters: Filters, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        hits = [d for d in self._all() if _matches(d, filters)]
        return [row_of(d) for d in hits[offset : offset + limit]], len(hits)

    def search(
        self, query: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        from spinlens.store._query import query_groups

        # the store's query language (words, "phrases", OR, -word) on whole words, as its index reads them
        groups = [([_words(t) for t in pos], [_words(t) for t in neg]) for pos, neg in query_groups(query)]
        hits = []
        for d in self._all():
            doc = d["document"]
            hay = _words(f"{doc.get('title') or ''}\n{doc['text']}")
            if any(
                all(t in hay for t in pos) and not any(t in hay for t in neg) for pos, neg in groups
            ) and _matches(d, filters):
                hits.append(d)
        return [row_of(d, query) for d in hits[offset : offset + limit]], len(hits)

    def stats(self, filters: Filters) -> dict[str, Any]:
        rows = []
        for d in self._all():
            if not _matches(d, filters):
                continue
            doc = d["document"]
            for t, n in Counter(s["technique"] for s in d.get("spans") or []).items():
                # as the store counts: only the spans of the technique (category) asked for
                if (filters.technique and t != filters.technique) or (
                    filters.category and get_technique(t).category != filters.category
                ):
                    continue
                # the month of the checked ISO date, as the store charts it ("Wed, 01 May 2024" too)
                rows.append((doc.get("outlet"), iso_date(doc.get("published")), t, n))
        return stats_from_rows(rows)

    def outlets(self) -> list[str]:
        return sorted({d["document"]["outlet"] for d in self._all() if d["document"].get("outlet")})
