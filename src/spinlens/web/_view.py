"""The analysis page's pieces, built from ``Analysis.to_dict()`` data: marked-up text, legend, summary,
and the article-level analysis shown above the text (:func:`article_view`, from
:mod:`spinlens.render._article`, which the standalone HTML report uses too).

The span markup reuses the renderers' boundary sweep (:func:`spinlens.render._sweep.nested_pieces`): a span
inside another is a ``<mark>`` inside the other's, and a span that crosses another's boundary is split
into pieces that share one ``data-span`` id. Sentence-score badges for the gutter are empty elements
placed at each sentence start (their label is drawn by CSS from a data attribute), so the text content
of the article element is ``Document.text``, offset for offset (``text_html``: a Windows line end keeps
its carriage return; only a NUL shows as U+FFFD and a lone carriage return as a line feed). Everything from
the article is escaped.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from spinlens.render._article import article_view
from spinlens.render._sweep import Span, nested_pieces, sentences_hit, spans_of, technique_counts, text_html
from spinlens.render.html import CATEGORY_COLOURS
from spinlens.taxonomy import CATEGORIES, TECHNIQUES, get_technique

__all__ = [
    "display_title",
    "marked_text",
    "legend",
    "summary",
    "article_view",
    "safe_url",
    "techniques_payload",
    "category_css",
    "level",
]


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def safe_url(value: object) -> str | None:
    """``value`` when it is an http(s) URL with a host, else None (never a ``javascript:`` link)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in url for c in "\r\n\t "):
        return url
    return None


def display_title(doc: Mapping[str, Any], limit: int = 120) -> str:
    """The title to show: the document's, else its first line (shortened), else ``Document ID``."""
    title = (doc.get("title") or "").strip()
    if title:
        return title
    first = next((line.strip() for line in str(doc.get("text") or "").splitlines() if line.strip()), "")
    if first:
        return first if len(first) <= limit else first[: limit - 1].rstrip() + "\u2026"
    return f"Document {doc.get('id', '')}"


def level(score: float) -> int:
    """A score in [0, 1] as a colour level 0-4 for the gutter and charts."""
    if score <= 0:
        return 0
    return min(4, 1 + int(score * 4))


def _open_mark(s: Span) -> str:
    t = get_technique(s.technique)
    return (
        f'<mark class="sp cat-{_e(t.category)}" tabindex="0" aria-describedby="tip" data-span="s{s.index}" '
        f'data-technique="{_e(t.id)}" data-score="{s.score:.4f}">'
    )


def _badge(number: int, sentence: Mapping[str, Any]) -> str:
    score = float(sentence.get("score") or 0.0)
    return (
        f'<span class="sg lvl-{level(score)}" data-sentence="{number}" data-start="{int(sentence["start"])}" '
        f'data-end="{int(sentence["end"])}" data-score="{score:.2f}" data-label="{round(score * 100)}" '
        f'title="sentence {number + 1}: score {score:.2f}"></span>'
    )


def marked_text(data: Mapping[str, Any]) -> Markup:
    """The article text as HTML: nested ``<mark>`` elements per span and a gutter badge per sentence.

    Raises:
        SchemaError: a span has bad offsets or an unknown technique.
    """
    text: str = data["document"]["text"]
    spans = spans_of(data)
    sents = sorted(
        (s for s in data.get("sentences") or [] if 0 <= int(s["start"]) < len(text)), key=lambda s: s["start"]
    )
    starts = [int(s["start"]) for s in sents]
    out: list[str] = []
    depth = 0
    for a, b, n_close, opens in nested_pieces(len(text), spans):
        out.extend("</mark>" for _ in range(n_close))
        first = bisect.bisect_left(starts, a)
        if first < len(starts) and starts[first] == a:  # a sentence starts here: badge outside new marks
            out.append(_badge(first, sents[first]))
            first += 1
        out.extend(_open_mark(s) for s in opens)
        depth += len(opens) - n_close
        pos = a
        for i in range(first, bisect.bisect_left(starts, b)):
            out.append(text_html(text, pos, starts[i]))
            out.append(_badge(i, sents[i]))
            pos = starts[i]
        out.append(text_html(text, pos, b))
    out.extend("</mark>" for _ in range(depth))
    return Markup("".join(out))


def legend(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Categories present, in taxonomy order, each with its techniques and span counts."""
    counts = dict(technique_counts(spans_of(data)))
    groups = []
    for cat, cat_name in CATEGORIES.items():
        rows: list[dict[str, Any]] = [
            {"id": t.id, "name": t.name, "definition": t.definition, "count": counts[t.id]}
            for t in TECHNIQUES
            if t.category == cat and t.id in counts
        ]
        if rows:
            groups.append(
                {"id": cat, "name": cat_name, "techniques": rows, "count": sum(r["count"] for r in rows)}
            )
    return groups


def summary(data: Mapping[str, Any]) -> dict[str, Any]:
    """Numbers for the summary panel: spans, techniques, sentences hit, top sentence, characters, model."""
    text: str = data["document"]["text"]
    spans = spans_of(data)
    sents = data.get("sentences") or []
    top = max(sents, key=lambda s: s.get("score") or 0.0, default=None)
    per_cat: dict[str, int] = {}
    for sp in spans:
        cat = get_technique(sp.technique).category
        per_cat[cat] = per_cat.get(cat, 0) + 1
    covered = _covered(spans)
    return {
        "spans": len(spans),
        "techniques": len({s.technique for s in spans}),
        "sentences": len(sents),
        "sentences_hit": sentences_hit(sents, spans),
        "characters": len(text),
        "coverage": covered / len(text) if text else 0.0,
        "top_sentence": (
            {"text": text[top["start"] : top["end"]], "score": float(top.get("score") or 0.0)}
            if top is not None and (top.get("score") or 0) > 0
            else None
        ),
        "categories": [
            {"id": c, "name": CATEGORIES[c], "count": per_cat[c], "colour": CATEGORY_COLOURS[c][1]}
            for c in CATEGORIES
            if c in per_cat
        ],
        "model": data.get("model"),
    }


def _covered(spans: list[Span]) -> int:
    total, end = 0, 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.end > end:
            total += s.end - max(s.start, end)
            end = s.end
    return total


def techniques_payload() -> list[dict[str, Any]]:
    """Every technique with its category, texts and colours (the page's tooltip data and the API)."""
    return [
        dict(
            t.to_dict(),
            colour=CATEGORY_COLOURS[t.category][1],
            background=CATEGORY_COLOURS[t.category][0],
        )
        for t in TECHNIQUES
    ]


def category_css() -> str:
    """The stylesheet of category colours (served as ``/assets/categories.css``)."""
    rules = []
    for cat, (soft, strong) in CATEGORY_COLOURS.items():
        rules.append(f"mark.sp.cat-{cat} {{ background: {soft}; border-bottom-color: {strong}; }}")
        rules.append(f".swatch.cat-{cat} {{ background: {soft}; border-color: {strong}; }}")
        rules.append(f".bar.cat-{cat} {{ fill: {strong}; }}")
    return "\n".join(rules) + "\n"
