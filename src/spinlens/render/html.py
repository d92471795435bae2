"""One self-contained HTML page (inline CSS and JS, no network) from ``Analysis.to_dict()`` data.

Spans become ``<mark>`` elements built by a boundary sweep: a span inside another is a ``<mark>`` inside
the other's, so both stay visible and can be hovered; a span that crosses another's boundary is split
into pieces that share one ``data-span`` id. When the analysis has the article-level analysis
(``extras["article"]``, from ``--article``), it comes first, above the text: genre, frames, density, top
techniques, who is attacked and how, heroes, villains and victims with their evidence, narratives and
quotes, built by :func:`spinlens.render._article.article_view` (the web page uses the same rows); each
piece of evidence is a link that selects its place in the text. Everything that comes from the article
(text, title, outlet, author, url, span text, and everything derived from it: entity names, roles,
speakers, quotes, narratives, genre and frame labels) is escaped with :func:`html.escape`; a url becomes a
link only when it is ``http(s)``. A Content-Security-Policy forbids any request the page could make.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from spinlens.render._article import article_view
from spinlens.render._sweep import (
    Span,
    heading,
    nested_pieces,
    sentences_hit,
    spans_of,
    technique_counts,
    text_html,
)
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
:root { --fg: #1f2937; --muted: #6b7280; --bg: #fff; --line: #e5e7eb; --card: #f9fafb; --accent: #1d4ed8; }
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
.aa { margin: .8rem 0 1rem; }
.aa h3 { font-size: 1rem; margin: .4rem 0; }
.aa .overview { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: .8rem;
  background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.aa .fact { display: flex; flex-direction: column; gap: .1rem; min-width: 0; overflow-wrap: anywhere; }
.aa .k { color: var(--muted); font-size: .78rem; }
.aa .genre-label { text-transform: capitalize; font-size: 1.1rem; }
.aa .sub, .aa .roles, .aa .tag, .aa .domain, .aa .pct, .aa .model, .aa .none { color: var(--muted);
  font-size: .82rem; }
.aa ul { list-style: none; padding: 0; margin: 0; }
.aa ul.scores li { display: flex; align-items: center; gap: .35rem; font-size: .88rem; }
.aa ul.scores .name { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
.aa .pct { white-space: nowrap; }
.aa meter { width: 4.5rem; height: .7rem; flex: none; }
.aa ul.plain li { font-size: .88rem; }
.aa .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: .8rem;
  margin-top: .8rem; align-items: start; }
.aa details.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .5rem 1rem; min-width: 0; overflow-wrap: anywhere; }
.aa details.card > summary { font-weight: 600; cursor: pointer; padding: .2rem 0; }
.aa h4.role { font-size: .85rem; margin: .6rem 0 .2rem; }
.aa h4.role-villain { color: #b91c1c; }
.aa h4.role-hero { color: #1d4ed8; }
.aa h4.role-victim { color: #7c3aed; }
.aa li.entity { margin: .15rem 0; }
.aa li.entity summary { cursor: pointer; }
.aa ul.evidence { margin: .15rem 0 .4rem 1rem; font-size: .86rem; }
.aa ul.evidence li { margin: .15rem 0; }
.aa li.sentence a.jump { font-style: italic; }
.aa ul.attacked > li { margin: .3rem 0 .5rem; }
.aa .how { display: block; font-size: .88rem; }
.aa .by { display: block; font-size: .82rem; color: #555; }
.aa ul.narratives li { margin: .2rem 0; font-size: .9rem; }
.aa ul.narratives ul { margin-left: 1rem; }
.aa ul.quotes li { margin: .35rem 0; font-size: .88rem; }
.aa .kind { display: inline-block; font-size: .72rem; text-transform: uppercase; letter-spacing: .03em;
  border-radius: 3px; padding: 0 .3rem; background: #e0e7ff; color: #3730a3; }
.aa .quote.reported .kind { background: #f3f4f6; color: #374151; }
.aa .speaker { font-weight: 600; }
.aa .inside { display: block; color: #92400e; font-size: .82rem; }
.aa .voices, .aa .scare-quotes { font-size: .86rem; margin: .3rem 0; }
.aa .voice { font-size: .78rem; color: #92400e; }
.aa a.jump { color: inherit; text-decoration: underline dotted var(--muted); }
.aa a.jump:hover, .aa a.jump:focus, .aa a.jump.pinned { color: var(--accent); text-decoration-style: solid; }
.aa .model { margin: .4rem 0 0; }
::highlight(spinlens-hover) { background-color: #bfdbfe; }
::highlight(spinlens-jump) { background-color: #fde047; color: #111827; }
@media print { #tip { display: none; } .aa details.card { break-inside: avoid; }
  mark.sp, .swatch { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
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
    var chars = Array.from(pieces);  // code points: a cut never splits an emoji
    q.textContent = chars.length > 300 ? chars.slice(0, 300).join("") + "\\u2026" : pieces;
    tip.appendChild(b); tip.appendChild(d); tip.appendChild(q);
    tip.hidden = false;
  }
  document.addEventListener("mouseover", function (ev) {
    var m = ev.target.closest ? ev.target.closest("mark.sp") : null;
    if (m) { show(m); } else { hide(); }
  });
  function hide() { clear(); tip.hidden = true; }
  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("mark.sp")) { show(ev.target); }
  });
  document.addEventListener("focusout", function (ev) {
    if (ev.target.matches && ev.target.matches("mark.sp")) { hide(); }
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { hide(); } });
  /* printed (or saved as PDF), a closed card or entity would leave its evidence out */
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.from(document.querySelectorAll("details:not([open])"));
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });

  /* the article analysis: each link's data-start/data-end are code-point offsets of Document.text,
   * which is exactly the text of the element its href names; JS counts UTF-16 units, so convert. */
  function locate(root, offset) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var seen = 0, node, last = null;
    while ((node = walker.nextNode())) {
      var s = node.data;
      for (var i = 0; i < s.length; seen++) {
        if (seen === offset) { return [node, i]; }
        var c = s.charCodeAt(i);
        i += (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) ? 2 : 1;
      }
      last = node;
    }
    return last && seen === offset ? [last, last.data.length] : null;
  }
  function rangeOf(link) {
    var root = document.getElementById((link.getAttribute("href") || "").slice(1));
    var start = parseInt(link.getAttribute("data-start"), 10);
    var end = parseInt(link.getAttribute("data-end"), 10);
    if (!root || !(start >= 0 && end > start)) { return null; }
    var a = locate(root, start), b = locate(root, end);
    if (!a || !b) { return null; }
    var range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    return range;
  }
  var canHighlight = typeof CSS !== "undefined" && CSS.highlights && typeof Highlight === "function";
  function paint(name, range) {
    if (!canHighlight) { return; }
    if (range) { CSS.highlights.set(name, new Highlight(range)); } else { CSS.highlights.delete(name); }
  }
  function jumpAt(target) { return target.closest ? target.closest("a.jump") : null; }
  var pinned = null;
  document.addEventListener("click", function (ev) {
    var link = jumpAt(ev.target);
    var range = link ? rangeOf(link) : null;
    if (!range) { return; }
    ev.preventDefault();
    if (pinned) { pinned.classList.remove("pinned"); }
    pinned = link;
    link.classList.add("pinned");
    paint("spinlens-jump", range);
    if (!canHighlight) {
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    var r = range.getBoundingClientRect();
    window.scrollTo(0, Math.max(0, window.scrollY + r.top - window.innerHeight / 3));
  });
  document.addEventListener("mouseover", function (ev) {
    var link = jumpAt(ev.target);
    paint("spinlens-hover", link ? rangeOf(link) : null);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && pinned) {
      pinned.classList.remove("pinned");
      pinned = null;
      paint("spinlens-jump", null);
    }
  });
})();
"""


# what a role's score is (RoleModel.balanced); the web page's template says the same
_ROLE_SCORE_TIP = (
    "the score of this role, weighed against how common each role is in the training articles (most people "
    "there are villains); a close call is near the others"
)


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
        out.append(text_html(text, a, b))
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


def _meta(doc: Mapping[str, Any], source: str | None = None) -> str:
    """The metadata line under an article's title: its file (``source``, when the title is not already
    it), outlet, author, date and URL."""
    parts = [f'<span class="source">{_e(source)}</span>'] if source else []
    parts += [_e(doc[k]) for k in ("outlet", "author", "published") if doc.get(k)]
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
    hit = sentences_hit(sents, spans)
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
    title, source = heading(data)  # the file (or record) beside the title, as the terminal shows it
    title = title or f"Document {doc.get('id', doc_no + 1)}"
    meta = _meta(doc, source)
    return (
        f'<article class="doc" id="doc-{doc_no}" data-document-id="{_e(doc.get("id", ""))}">'
        f"<h2>{_e(title)}</h2>{meta}{_summary(data, spans)}{_analysis(doc_no, data)}"
        f'<div class="text" id="doc-{doc_no}-text">{_marked_text(doc_no, text, spans)}</div>'
        f"{_legend(spans)}</article>"
    )


# -- the article-level analysis, above the text --------------------------------------------------------
def _pct(value: float) -> str:
    return f"{value:.0%}"


def _meter(value: float | None) -> str:
    if value is None:
        return ""
    return f'<meter min="0" max="1" value="{value:.3f}"></meter> <span class="pct">{_pct(value)}</span>'


def _tech(t: Mapping[str, Any]) -> str:
    cat = f" cat-{_e(t['category'])}" if t.get("category") else ""
    return f'<span class="swatch{cat}"></span>{_e(t["name"])}'


def _jump(doc_no: int, place: Mapping[str, Any], inner: str) -> str:
    """A link to a place in the text (``inner`` is HTML, already escaped)."""
    return (
        f'<a class="jump" href="#doc-{doc_no}-text" data-start="{int(place["start"])}" '
        f'data-end="{int(place["end"])}">{inner}</a>'
    )


def _q(text: object) -> str:
    return f"<q>{_e(text)}</q>"


def _voice(item: Mapping[str, Any]) -> str:
    voice = item.get("voice")
    if voice not in ("quoted", "reported"):
        return ""
    who = f": {_e(item['speaker'])}" if item.get("speaker") else ""
    return f' <span class="voice {voice}">{voice}{who}</span>'


def _none(message: str) -> str:
    return f'<p class="none">{message}</p>'


def _fact(doc_no: int, key: str, label: str, body: str) -> str:
    return f'<div class="fact aa-{key}" id="doc-{doc_no}-aa-{key}"><span class="k">{label}</span>{body}</div>'


def _card(doc_no: int, key: str, title: str, count: int, body: str, *, is_open: bool = True) -> str:
    return (
        f'<details class="card aa-{key}" id="doc-{doc_no}-aa-{key}"{" open" * is_open}>'
        f'<summary>{title} <span class="count">{count}</span></summary>{body}</details>'
    )


def _scores(rows: list[Mapping[str, Any]]) -> str:
    items = "".join(f'<li><span class="name">{_e(r["name"])}</span> {_meter(r["score"])}</li>' for r in rows)
    return f'<ul class="scores">{items}</ul>'


def _genre_fact(genre: Mapping[str, Any] | None) -> str:
    if not genre:
        return '<span class="v none">not known</span>'
    out = f'<span class="v"><b class="genre-label">{_e(genre["label"])}</b> {_meter(genre["score"])}</span>'
    if genre["others"]:
        others = " &middot; ".join(f"{_e(g['label'])} {_pct(g['score'])}" for g in genre["others"])
        out += f'<span class="sub">{others}</span>'
    return out


def _frames_fact(frames: Mapping[str, Any]) -> str:
    if frames["top"]:
        more = f'<span class="sub">and {int(frames["more"])} more</span>' if frames["more"] else ""
        return _scores(frames["top"]) + more
    if frames["closest"]:
        return '<span class="v none">none above its threshold; closest:</span>' + _scores(frames["closest"])
    return '<span class="v none">none</span>'


def _density_fact(summ: Mapping[str, Any]) -> str:
    if summ["density"] is None:
        return '<span class="v none">not known</span>'
    out = f'<span class="v"><b>{summ["density"]:.0f}</b> techniques per 100 sentences</span>'
    if summ["sentences"]:
        out += (
            f'<span class="sub">{_e(summ["sentences_with_techniques"])} of {_e(summ["sentences"])} '
            "sentences have one</span>"
        )
    return out


def _top_fact(summ: Mapping[str, Any]) -> str:
    if not summ["top_techniques"]:
        return '<span class="v none">none</span>'
    items = "".join(
        f'<li>{_tech(t)} <span class="count">{_e(t["count"])}</span></li>' for t in summ["top_techniques"]
    )
    return f'<ul class="plain">{items}</ul>'


def _roles(fine_roles: list[str]) -> str:
    return f' <span class="roles">{_e(", ".join(fine_roles))}</span>' if fine_roles else ""


def _attacked_card(doc_no: int, attacked: list[Mapping[str, Any]]) -> str:
    if not attacked:
        return _none("No technique span attacks a named person or group.")
    items = []
    for a in attacked:
        if a["techniques"]:
            how = ", ".join(
                _tech(t) + (f" &times;{t['count']}" if t["count"] > 1 else "") for t in a["techniques"]
            )
            how = f'<span class="how">by {how}</span>'
        else:
            how = '<span class="how none">cast as a villain, no technique span near its mentions</span>'
        examples = "".join(
            f"<li>{_jump(doc_no, ex, _q(ex['text']))} "
            f'<span class="tag">{_e(ex["technique"]["name"])}</span></li>'
            for ex in a["examples"]
        )
        items.append(
            f'<li><b class="entity">{_e(a["name"])}</b>{_roles(a["fine_roles"])}{how}'
            + (f' <span class="by">attacked by {_e(a["by"])}</span>' if a.get("by") else "")
            + (f'<ul class="evidence">{examples}</ul>' if examples else "")
            + "</li>"
        )
    return f'<ul class="attacked">{"".join(items)}</ul>'


def _entity(doc_no: int, key: str, e: Mapping[str, Any], is_open: bool) -> str:
    facts = [_e(e["label"])] if e["label"] else []
    if e["score"] is not None:
        facts.append(f'<span title="{_ROLE_SCORE_TIP}">{_pct(e["score"])}</span>')
    facts.append(f"{int(e['mentions'])} mention{'s' * (e['mentions'] != 1)}")
    evidence = [f"<li>{_jump(doc_no, e['first'], 'first mention')}</li>"] if e["first"] else []
    for ev in e["evidence"]:
        if ev["kind"] == "technique":
            evidence.append(
                f"<li>{_jump(doc_no, ev, _q(ev['text']))} "
                f'<span class="tag">{_e(ev["technique"]["name"])}</span>{_voice(ev)}</li>'
            )
        else:
            evidence.append(
                '<li class="sentence"><span class="tag">the sentence behind the role:</span> '
                f"{_jump(doc_no, ev, _e(ev['text']))}</li>"
            )
    return (
        f'<li class="entity role-{key}"><details{" open" * is_open}><summary>'
        f'<b class="entity-name">{_e(e["name"])}</b>{_roles(e["fine_roles"])} '
        f'<span class="sub">&middot; {" &middot; ".join(facts)}</span></summary>'
        f'<ul class="evidence">{"".join(evidence)}</ul></details></li>'
    )


def _entities_card(doc_no: int, view: Mapping[str, Any]) -> str:
    if not view["entities"]:
        return _none("No named entity is cast as hero, villain or victim.")
    out = []
    for group in view["entities"]:
        key = group["key"]
        people = "".join(_entity(doc_no, key, e, view["n_entities"] <= 3) for e in group["entities"])
        out.append(
            f'<h4 class="role role-{key}">{group["heading"]} '
            f'<span class="count">({group["role"].lower()}s)</span></h4><ul class="entities">{people}</ul>'
        )
    return "".join(out)


def _narratives_card(narratives: list[Mapping[str, Any]]) -> str:
    if not narratives:
        return _none("No known narrative recognised.")
    items = []
    for n in narratives:
        domain = f'<span class="domain">{_e(n["domain"])}:</span> ' if n["domain"] else ""
        score = f' <span class="pct">{_pct(n["score"])}</span>' if n["score"] is not None else ""
        subs = "".join(
            f"<li>{_e(sub['name'])}"
            + (f' <span class="pct">{_pct(sub["score"])}</span>' if sub["score"] is not None else "")
            + "</li>"
            for sub in n["subnarratives"]
        )
        items.append(
            f"<li>{domain}<b>{_e(n['name'])}</b>{score}" + (f"<ul>{subs}</ul>" if subs else "") + "</li>"
        )
    return f'<ul class="narratives">{"".join(items)}</ul>'


def _quotes_card(doc_no: int, q: Mapping[str, Any]) -> str:
    v = q["voices"]
    out = [
        '<p class="voices">Technique spans in the author\'s own words: '
        f"<b>{int(v.get('author', 0))}</b> &middot; in direct quotes: <b>{int(v.get('quoted', 0))}</b> "
        f"&middot; in reported speech: <b>{int(v.get('reported', 0))}</b></p>"
    ]
    if q["speech"]:
        items = []
        for item in q["speech"]:
            source = f' <span class="source">via {_e(item["source"])}</span>' if item["source"] else ""
            inside = ""
            if item["techniques"]:
                names = ", ".join(_jump(doc_no, t, _e(t["technique"]["name"])) for t in item["techniques"])
                inside = f' <span class="inside">inside: {names}</span>'
            items.append(
                f'<li class="quote {_e(item["kind"])}"><span class="kind">{_e(item["kind"])}</span> '
                f'<span class="speaker">{_e(item["speaker"] or "unattributed")}</span>{source}: '
                f"{_jump(doc_no, item, _q(item['text']))}{inside}</li>"
            )
        out.append(f'<ul class="quotes">{"".join(items)}</ul>')
    else:
        out.append(_none("No direct or reported speech found."))
    if q["scare"]:
        scare = ", ".join(_jump(doc_no, s, f"&ldquo;{_e(s['text'])}&rdquo;") for s in q["scare"])
        out.append(
            f'<p class="scare-quotes"><b>Scare quotes</b> (the author\'s own words, distanced): {scare}</p>'
        )
    return "".join(out)


def _analysis(doc_no: int, data: Mapping[str, Any]) -> str:
    """The article-level analysis as HTML, or "" when the analysis has none."""
    view = article_view(data)
    if view is None:
        return ""
    summ = view["summary"]
    q = view["quotes"]
    overview = (
        _fact(doc_no, "genre", "Genre", _genre_fact(view["genre"]))
        + _fact(doc_no, "frames", "Frames", _frames_fact(view["frames"]))
        + _fact(doc_no, "density", "Propaganda density", _density_fact(summ))
        + _fact(doc_no, "top", "Top techniques", _top_fact(summ))
    )
    cards = (
        _card(
            doc_no,
            "attacked",
            "Who is attacked, and how",
            len(summ["attacked"]),
            _attacked_card(doc_no, summ["attacked"]),
        )
        + _card(
            doc_no, "entities", "Heroes, villains, victims", view["n_entities"], _entities_card(doc_no, view)
        )
        + _card(
            doc_no, "narratives", "Narratives", len(view["narratives"]), _narratives_card(view["narratives"])
        )
        + _card(
            doc_no,
            "quotes",
            "Quotes and voices",
            len(q["speech"]),
            _quotes_card(doc_no, q),
            is_open=len(q["speech"]) <= 8,
        )
    )
    model = view["model"]
    note = ""
    if model:
        sha = (
            f' <span title="sha256 {_e(model.get("sha256"))}">{_e(str(model.get("sha256"))[:12])}</span>'
            if model.get("sha256")
            else ""
        )
        name = f"{model.get('name') or ''} {model.get('version') or ''}".strip()
        note = (
            f'<p class="model">Article models {_e(name)}{sha}. '
            "Click a quoted passage to see it in the article.</p>"
        )
    return (
        f'<section class="aa" id="doc-{doc_no}-analysis"><h3>Article analysis</h3>'
        f'<div class="overview">{overview}</div><div class="cards">{cards}</div>{note}</section>'
    )


def render_html(docs: Mapping[str, Any] | Iterable[Mapping[str, Any]], *, title: str | None = None) -> str:
    """One self-contained HTML page showing one or more analyses.

    Args:
        docs: one ``Analysis.to_dict()`` dict or several.
        title: the page title (default: the document's title; "spinlens report: N articles" for several).

    Raises:
        SchemaError: a span has bad offsets or an unknown technique.
    """
    items = [docs] if isinstance(docs, Mapping) else list(docs)
    if title is None:
        first = items[0]["document"].get("title") if items else None
        if len(items) > 1:  # not the first article's title: the page holds them all
            title = f"spinlens report: {len(items)} articles"
        else:
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
