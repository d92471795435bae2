"""One self-contained HTML page (inline CSS and JS, no network) from ``Analysis.to_dict()`` data.

Spans become ``<mark>`` elements built by a boundary sweep: a span inside another is a ``<mark>`` inside
the other's, so both stay visible and can be hovered; a span that crosses another's boundary is split
into pieces that share one ``data-span`` id. Everything that comes from the article (text, title,
outlet, author, url, span text) is escaped with :func:`html.escape`; a url becomes a link only when it is
``http(s)``. A Content-Security-Policy forbids any request the page could make.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from spinlens.render._sweep import Span, nested_pieces, spans_of, technique_counts
from spinlens.taxonomy import CATEGORIES, get_technique

__all__ = ["render_html", "CATEGORY_COLOURS"]

#: category id -> (highlight colour, strong colour) used by the page.
CATEGORY_COLOURS: dict[str, tuple[str, str]] = {
    "attack_on_reputation": ("rgba(239,68,68,.22)", "#b91c1c"),
    "justification": ("rgba(59,130,246,.22)", "#1d4ed8"),
    "simplification": ("rgba(168,85,247,.22)", "#7e22ce"),
    "distraction": ("rgba(234,179,8,.30)", "#a16207"),
    "call": ("rgba(34,197,94,.24)", "#15803d"),
    "manipulative_wording": ("rgba(249,115,22,.25)", "#c2410c"),
}

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

_CSS = """
:root { --fg: #1f2937; --muted: #6b7280; --bg: #fff; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
header, main { max-width: 52rem; margin: 0 auto; padding: 1rem 1.25rem; }
header h1 { font-size: 1.1rem; margin: 0; letter-spacing: .02em; }
.doc { border-top: 1px solid var(--line); padding-top: 1rem; margin-bottom: 2rem; }
.doc h2 { font-size: 1.4rem; margin: .2rem 0; }
.meta, .summary { color: var(--muted); font-size: .9rem; margin: .2rem 0; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: Georgia, "Times New Roman", serif;
  font-size: 1.05rem; line-height: 2.1; margin: 1rem 0; }
mark.sp { color: inherit; border-radius: 2px; padding: .12em 0; border-bottom: 2px solid; cursor: help; }
mark.sp mark.sp { padding: .05em 0; border-bottom-width: 3px; }
mark.sp mark.sp mark.sp { border-bottom-style: double; }
mark.sp.hl { outline: 2px solid currentColor; outline-offset: 1px; }
.legend ul { list-style: none; padding: 0; margin: .4rem 0; columns: 2 16rem; }
.legend li { margin: .15rem 0; break-inside: avoid; }
.legend .cat { font-weight: 600; margin-top: .5rem; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -.1em;
  margin-right: .35em; border-bottom: 2px solid; }
.count { color: var(--muted); font-variant-numeric: tabular-nums; }
#tip { position: fixed; left: 1rem; right: 1rem; bottom: 1rem; max-width: 40rem; margin: 0 auto;
  padding: .7rem 1rem;
  background: #111827; color: #f9fafb; border-radius: 6px; font-size: .9rem; line-height: 1.45;
  box-shadow: 0 4px 16px rgba(0,0,0,.25); }
#tip b { display: block; }
#tip q { color: #d1d5db; }
@media print { #tip { display: none; } }
"""

_JS = """
(function () {
  var tip = document.getElementById("tip");
  var lit = [];
  function clear() { lit.forEach(function (m) { m.classList.remove("hl"); }); lit = []; }
  function show(m) {
    clear();
    var id = m.getAttribute("data-span");
    document.querySelectorAll('mark.sp[data-span="' + id + '"]').forEach(function (x) {
      x.classList.add("hl"); lit.push(x);
    });
    var pieces = lit.map(function (x) { return x.textContent; }).join("");
    tip.textContent = "";
    var b = document.createElement("b");
    b.textContent = m.getAttribute("data-name") + " \\u2014 " + m.getAttribute("data-category") +
      " (confidence " + m.getAttribute("data-confidence") + ")";
    var d = document.createElement("div");
    d.textContent = m.getAttribute("data-definition");
    var q = document.createElement("q");
    q.textContent = pieces.length > 300 ? pieces.slice(0, 300) + "\\u2026" : pieces;
    tip.appendChild(b); tip.appendChild(d); tip.appendChild(q);
    tip.hidden = false;
  }
  document.addEventListener("mouseover", function (ev) {
    var m = ev.target.closest ? ev.target.closest("mark.sp") : null;
    if (m) { show(m); } else { clear(); tip.hidden = true; }
  });
  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("mark.sp")) { show(ev.target); }
  });
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _css() -> str:
    rules = [_CSS]
    for cat, (soft, strong) in CATEGORY_COLOURS.items():
        rules.append(f"mark.sp.cat-{cat} {{ background: {soft}; border-bottom-color: {strong}; }}")
        rules.append(f".swatch.cat-{cat} {{ background: {soft}; border-bottom-color: {strong}; }}")
    return "\n".join(rules)


def _open_mark(doc_no: int, s: Span) -> str:
    t = get_technique(s.technique)
    conf = f"{s.score:.0%}"
    title = f"{t.name} ({conf}): {t.definition}"
    return (
        f'<mark class="sp cat-{_e(t.category)}" tabindex="0" data-span="d{doc_no}s{s.index}" '
        f'data-technique="{_e(t.id)}" data-name="{_e(t.name)}" data-category="{_e(t.category_name)}" '
        f'data-score="{s.score:.4f}" data-confidence="{conf}" data-definition="{_e(t.definition)}" '
        f'title="{_e(title)}">'
    )


def _marked_text(doc_no: int, text: str, spans: list[Span]) -> str:
    """The article text with nested ``<mark>`` elements from a boundary sweep."""
    out: list[str] = []
    depth = 0
    for a, b, n_close, opens in nested_pieces(len(text), spans):
        out.extend("</mark>" for _ in range(n_close))
        out.extend(_open_mark(doc_no, s) for s in opens)
        depth += len(opens) - n_close
        out.append(escape(text[a:b], quote=False))
    out.extend("</mark>" for _ in range(depth))
    return "".join(out)


def _legend(spans: list[Span]) -> str:
    counts = dict(technique_counts(spans))
    if not counts:
        return (
            '<section class="legend"><h3>Techniques</h3><p class="summary">No technique found.</p></section>'
        )
    items: list[str] = []
    for cat, cat_name in CATEGORIES.items():
        rows = [(tid, n) for tid, n in counts.items() if get_technique(tid).category == cat]
        if not rows:
            continue
        items.append(f'<li class="cat">{_e(cat_name)}</li>')
        for tid, n in rows:
            t = get_technique(tid)
            items.append(
                f'<li title="{_e(t.definition)}" data-technique="{_e(tid)}">'
                f'<span class="swatch cat-{cat}"></span>'
                f'{_e(t.name)} <span class="count">{n}</span></li>'
            )
    return f'<section class="legend"><h3>Techniques</h3><ul>{"".join(items)}</ul></section>'


def _meta(doc: Mapping[str, Any]) -> str:
    parts = [_e(doc[k]) for k in ("outlet", "author", "published") if doc.get(k)]
    url = doc.get("url")
    if url:
        u = str(url)
        if u.lower().startswith(("http://", "https://")):
            parts.append(f'<a href="{_e(u)}" rel="noopener noreferrer nofollow">{_e(u)}</a>')
        else:
            parts.append(_e(u))
    return f'<p class="meta">{" · ".join(parts)}</p>' if parts else ""


def _summary(data: Mapping[str, Any], spans: list[Span]) -> str:
    n_tech = len({s.technique for s in spans})
    sents = data.get("sentences") or []
    hit = sum(1 for s in sents if any(sp.start < s["end"] and s["start"] < sp.end for sp in spans))
    parts = [f"{len(spans)} span{'s' * (len(spans) != 1)}", f"{n_tech} technique{'s' * (n_tech != 1)}"]
    if sents:
        parts.append(f"{hit} of {len(sents)} sentences")
    model = data.get("model")
    if model:
        parts.append(
            f"model {_e(model.get('name'))} {_e(model.get('version'))} "
            f"(sha256 {_e(str(model.get('sha256'))[:12])})"
        )
    return f'<p class="summary">{" · ".join(parts)}</p>'


def _article(doc_no: int, data: Mapping[str, Any]) -> str:
    doc = data["document"]
    text = doc["text"]
    spans = spans_of(data)
    title = doc.get("title") or f"Document {doc.get('id', doc_no + 1)}"
    return (
        f'<article class="doc" id="doc-{doc_no}" data-document-id="{_e(doc.get("id", ""))}">'
        f"<h2>{_e(title)}</h2>{_meta(doc)}{_summary(data, spans)}"
        f'<div class="text">{_marked_text(doc_no, text, spans)}</div>'
        f"{_legend(spans)}</article>"
    )


def render_html(docs: Mapping[str, Any] | Iterable[Mapping[str, Any]], *, title: str | None = None) -> str:
    """One self-contained HTML page showing one or more analyses.

    Args:
        docs: one ``Analysis.to_dict()`` dict or several.
        title: the page title (default: the first document's title).

    Raises:
        SchemaError: a span has bad offsets or an unknown technique.
    """
    items = [docs] if isinstance(docs, Mapping) else list(docs)
    if title is None:
        first = items[0]["document"].get("title") if items else None
        title = f"spinlens: {first}" if first else "spinlens report"
    body = "".join(_article(i, d) for i, d in enumerate(items))
    total = sum(len(d.get("spans") or []) for d in items)
    head = f"{len(items)} document{'s' * (len(items) != 1)}, {total} span{'s' * (total != 1)}"
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)}</title><style>{_css()}</style></head>\n"
        f'<body><header><h1>spinlens</h1><p class="summary">{head}. Hover or focus a highlight to see '
        "the technique, its definition and the confidence.</p></header>\n"
        f"<main>{body}</main>\n"
        '<aside id="tip" role="status" hidden></aside>'
        f"<script>{_JS}</script></body></html>\n"
    )
