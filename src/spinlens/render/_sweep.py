"""Plain-data helpers shared by the renderers: span checks and the boundary sweep over overlapping spans."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from spinlens.errors import SchemaError
from spinlens.taxonomy import TECHNIQUES, get_technique, is_technique

__all__ = ["Span", "heading", "spans_of", "segments", "sentences_hit", "technique_counts", "text_html"]


@dataclass(frozen=True)
class Span:
    """A span read from an ``Analysis.to_dict()`` dict, with its index in the one span order."""

    index: int
    start: int
    end: int
    technique: str
    score: float

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.start, -(self.end - self.start), self.technique)


def heading(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """What an analysis dict is headed by: its title, else its source (the file or record it came from; None
    when it has neither), and the source to show beside a title (None when the heading is the source)."""
    title = data["document"].get("title")
    source = (data.get("extras") or {}).get("source")
    source = str(source) if source else None
    return (title or source), (source if title else None)


def spans_of(data: Mapping[str, Any]) -> list[Span]:
    """The spans of one analysis dict, checked against its text and sorted (start, longest first, technique).

    Raises:
        SchemaError: a span has bad offsets or an unknown technique.
    """
    n = len(data["document"]["text"])
    raw = []
    for d in data.get("spans") or []:
        s, e, t = d.get("start"), d.get("end"), d.get("technique")
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= n):
            raise SchemaError(f"span {s}-{e} is not inside the text (length {n})")
        if not is_technique(t):
            raise SchemaError(f"span {s}-{e}: unknown technique {t!r}")
        raw.append((s, e, t, float(d.get("score", 1.0))))
    raw.sort(key=lambda r: (r[0], -(r[1] - r[0]), r[2]))
    return [Span(i, s, e, t, sc) for i, (s, e, t, sc) in enumerate(raw)]


def segments(length: int, spans: Sequence[Span]) -> Iterator[tuple[int, int, list[Span]]]:
    """Cut ``[0, length)`` at every span boundary; yield ``(start, end, active)`` for each piece.

    ``active`` lists the spans covering the piece in the one span order, so an enclosing span always
    comes before the spans nested in it; the renderers open marks in that order.
    """
    bounds = sorted({0, length, *(s.start for s in spans), *(s.end for s in spans)})
    by_start: dict[int, list[Span]] = {}
    for s in spans:
        by_start.setdefault(s.start, []).append(s)
    active: list[Span] = []
    for a, b in zip(bounds, bounds[1:]):
        active = [s for s in active if s.end > a]
        if a in by_start:
            active = sorted(active + by_start[a], key=lambda s: s.key)
        yield a, b, list(active)


def nested_pieces(length: int, spans: Sequence[Span]) -> Iterator[tuple[int, int, int, list[Span]]]:
    """:func:`segments` as mark events: ``(start, end, n_close, opens)`` per piece.

    Before the piece ``text[start:end]``, close the ``n_close`` innermost open marks, then open
    ``opens`` (outermost first). After the last piece every mark still open must be closed; the final
    piece's ``n_close`` does not include them (use the running depth: opened minus closed).
    """
    stack: list[Span] = []
    for a, b, active in segments(length, spans):
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] is active[keep]:
            keep += 1
        n_close = len(stack) - keep
        del stack[keep:]
        opens = active[keep:]
        stack.extend(opens)
        yield a, b, n_close, opens


def text_html(text: str, start: int, end: int) -> str:
    """``text[start:end]`` as HTML whose DOM text has the same characters at the same offsets.

    The pages count code points of ``Document.text`` in the DOM to highlight a passage (the article
    analysis's links), but the HTML parser would drop a carriage return before a line feed (a Windows
    line end) and a NUL, shifting every later offset: the first is written as ``&#13;`` (which the parser
    keeps), the second as U+FFFD. A lone carriage return stays: the parser makes it one line feed.
    """
    piece = escape(text[start:end], quote=False)
    if "\r" in piece:
        piece = piece.replace("\r\n", "&#13;\n")
        if piece.endswith("\r") and text.startswith("\n", end):  # the line feed opens the next piece
            piece = piece[:-1] + "&#13;"
    return piece.replace("\x00", "\ufffd")


def sentences_hit(sentences: Sequence[Mapping[str, Any]], spans: Sequence[Span]) -> int:
    """How many sentences (``start``/``end`` dicts) overlap at least one span: one sort and a binary search
    per sentence (a long article's summary compared every sentence with every span: minutes)."""
    ordered = sorted((s.start, s.end) for s in spans)
    starts = [a for a, _ in ordered]
    reach: list[int] = []  # reach[i]: the furthest end among the first i + 1 spans by start
    for _, b in ordered:
        reach.append(max(b, reach[-1]) if reach else b)
    hit = 0
    for sent in sentences:
        n = bisect.bisect_left(starts, int(sent["end"]))  # the spans that start before the sentence ends
        hit += bool(n and reach[n - 1] > int(sent["start"]))
    return hit


def technique_counts(spans: Sequence[Span]) -> list[tuple[str, int]]:
    """``(technique id, count)`` for the techniques present, in taxonomy order."""
    counts: dict[str, int] = {}
    for s in spans:
        counts[s.technique] = counts.get(s.technique, 0) + 1
    return [(t.id, counts[t.id]) for t in TECHNIQUES if t.id in counts]


def category_of(technique: str) -> str:
    return get_technique(technique).category
