"""The analysis page's pieces, built from ``Analysis.to_dict()`` data: marked-up text, legend, summary,
and the article-level analysis shown above the text (:func:`article_view`).

The span markup reuses the renderers' boundary sweep (:func:`spinlens.render._sweep.nested_pieces`): a span
inside another is a ``<mark>`` inside the other's, and a span that crosses another's boundary is split
into pieces that share one ``data-span`` id. Sentence-score badges for the gutter are empty elements
placed at each sentence start (their label is drawn by CSS from a data attribute), so the text content
of the article element is exactly ``Document.text``. Everything from the article is escaped.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from spinlens.analysis import QUOTE_KINDS, voice_of
from spinlens.render._sweep import Span, nested_pieces, spans_of, technique_counts
from spinlens.render.html import CATEGORY_COLOURS
from spinlens.schema import Quote
from spinlens.taxonomy import CATEGORIES, TECHNIQUES, get_technique, is_technique

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
        f'<mark class="sp cat-{_e(t.category)}" tabindex="0" data-span="s{s.index}" '
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
            out.append(escape(text[pos : starts[i]], quote=False))
            out.append(_badge(i, sents[i]))
            pos = starts[i]
        out.append(escape(text[pos:b], quote=False))
    out.extend("</mark>" for _ in range(depth))
    return Markup("".join(out))


def legend(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Categories present, in taxonomy order, each with its techniques and span counts."""
    counts = dict(technique_counts(spans_of(data)))
    groups = []
    for cat, cat_name in CATEGORIES.items():
        rows = [
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
    hit = [s for s in sents if any(sp.start < s["end"] and s["start"] < sp.end for sp in spans)]
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
        "sentences_hit": len(hit),
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


# -- the article-level analysis ---------------------------------------------------------------------------
#: main roles as the page names them: (key, plural heading), in the order shown.
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "Protagonist": ("hero", "Heroes"),
    "Antagonist": ("villain", "Villains"),
    "Innocent": ("victim", "Victims"),
}
#: narrative label prefixes (the SemEval-2025 domains).
NARRATIVE_DOMAINS: dict[str, str] = {"CC": "Climate change", "URW": "Ukraine war"}
_ENTITY_LABELS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "NORP": "group"}


def _snip(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _offsets(item: Mapping[str, Any], n: int) -> tuple[int, int] | None:
    s, e = item.get("start"), item.get("end")
    if isinstance(s, int) and isinstance(e, int) and not isinstance(s, bool) and 0 <= s < e <= n:
        return s, e
    return None


def _score(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return min(1.0, max(0.0, float(value)))
    return None


def _technique(tid: object) -> dict[str, Any]:
    if isinstance(tid, str) and is_technique(tid):
        t = get_technique(tid)
        return {"id": t.id, "name": t.name, "category": t.category}
    return {"id": str(tid), "name": str(tid), "category": None}


def _label(name: object) -> str:
    return str(name).replace("_", " ")


def _jump(text: str, item: Mapping[str, Any], limit: int = 220) -> dict[str, Any] | None:
    """A place in the article: offsets (checked) and its text, or None when the offsets are not in it."""
    where = _offsets(item, len(text))
    if where is None:
        return None
    return {"start": where[0], "end": where[1], "text": _snip(text[where[0] : where[1]], limit)}


def _genre(data: Mapping[str, Any], art: Mapping[str, Any]) -> dict[str, Any] | None:
    scores = {str(k): s for k, v in (art.get("genre_scores") or {}).items() if (s := _score(v)) is not None}
    genre = data.get("genre") or (art.get("summary") or {}).get("genre")
    if not genre and scores:
        genre = max(scores, key=lambda k: scores[k])
    if not genre:
        return None
    others = sorted(((k, v) for k, v in scores.items() if k != genre), key=lambda kv: -kv[1])
    return {
        "label": str(genre),
        "score": scores.get(str(genre)),
        "others": [{"label": k, "score": v} for k, v in others],
    }


def _frames(data: Mapping[str, Any], art: Mapping[str, Any], top: int) -> dict[str, Any]:
    scores = {str(k): s for k, v in (art.get("frame_scores") or {}).items() if (s := _score(v)) is not None}
    chosen = [str(f) for f in data.get("frames") or []]
    rows = [{"id": f, "name": _label(f), "score": scores.get(f)} for f in chosen[:top]]
    closest = []
    if not rows and scores:  # none above its threshold: name the nearest ones, marked as such
        ranked = sorted(scores, key=lambda k: -scores[k])[:3]
        closest = [{"id": f, "name": _label(f), "score": scores[f]} for f in ranked]
    return {"top": rows, "more": max(0, len(chosen) - top), "closest": closest}


def _narratives(art: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for n in art.get("narratives") or []:
        if not isinstance(n, Mapping) or not n.get("narrative"):
            continue
        label = str(n["narrative"])
        domain, _, name = label.partition(": ")
        if not name:
            domain, name = "", label
        subs = []
        for sub in n.get("subnarratives") or []:
            sub_label = str(sub.get("label", "")) if isinstance(sub, Mapping) else ""
            if not sub_label:
                continue
            short = sub_label[len(label) + 2 :] if sub_label.startswith(label + ": ") else sub_label
            subs.append({"name": short, "score": _score(sub.get("score"))})
        out.append(
            {
                "label": label,
                "domain": NARRATIVE_DOMAINS.get(domain, domain),
                "name": name,
                "score": _score(n.get("score")),
                "subnarratives": subs,
            }
        )
    return out


def _evidence(text: str, ev: object) -> dict[str, Any] | None:
    place = _jump(text, ev, 200) if isinstance(ev, Mapping) else None
    if place is None:
        return None
    if ev.get("kind") == "technique":
        voice = str(ev.get("voice") or "author")
        return dict(
            place,
            kind="technique",
            technique=_technique(ev.get("technique")),
            score=_score(ev.get("score")),
            voice=voice,
            speaker=str(ev["speaker"]) if ev.get("speaker") and voice != "author" else None,
        )
    return dict(place, kind="sentence")


def _entities(text: str, art: Mapping[str, Any]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLE_NAMES}
    for e in art.get("entities") or []:
        if not isinstance(e, Mapping) or not isinstance(e.get("role"), str) or e["role"] not in groups:
            continue
        mentions = e.get("mentions") or []
        first = _jump(text, e, 120)
        name = str(e.get("text") or (first or {}).get("text") or "")
        groups[str(e["role"])].append(
            {
                "name": name,
                "label": _ENTITY_LABELS.get(str(e.get("label")), str(e.get("label") or "").lower()),
                "fine_roles": [str(f) for f in e.get("fine_roles") or []],
                "score": _score(e.get("score")),
                "mentions": len(mentions) or 1,
                "first": first,
                "evidence": [x for ev in e.get("evidence") or [] if (x := _evidence(text, ev)) is not None],
            }
        )
    out = []
    for role, (key, heading) in ROLE_NAMES.items():
        people = sorted(groups[role], key=lambda x: -(x["score"] or 0.0))
        if people:
            out.append({"role": role, "key": key, "heading": heading, "entities": people})
    return out


def _attacked(text: str, summ: Mapping[str, Any], top: int) -> list[dict[str, Any]]:
    out = []
    for a in (summ.get("attacked") or [])[:top]:
        if not isinstance(a, Mapping):
            continue
        out.append(
            {
                "name": str(a.get("entity") or ""),
                "fine_roles": [str(f) for f in a.get("fine_roles") or []],
                "score": _score(a.get("score")),
                "mentions": a.get("mentions") if isinstance(a.get("mentions"), int) else None,
                "techniques": [
                    dict(_technique(t.get("technique")), count=int(t.get("count") or 0))
                    for t in a.get("techniques") or []
                    if isinstance(t, Mapping)
                ],
                "examples": [
                    dict(x, technique=_technique(ex.get("technique")))
                    for ex in a.get("examples") or []
                    if isinstance(ex, Mapping) and (x := _jump(text, ex, 160)) is not None
                ],
            }
        )
    return out


def _quotes(data: Mapping[str, Any]) -> dict[str, Any]:
    """Quotes in text order with the technique spans inside each, scare quotes apart, and voice counts."""
    text: str = data["document"]["text"]
    rows = []
    for q in data.get("quotes") or []:
        if isinstance(q, Mapping) and q.get("kind") in QUOTE_KINDS and _offsets(q, len(text)) is not None:
            rows.append(q)
    rows.sort(key=lambda q: (q["start"], -q["end"]))
    objs = [Quote(q["start"], q["end"], q["kind"], q.get("speaker"), q.get("source")) for q in rows]
    inside: list[list[dict[str, Any]]] = [[] for _ in rows]
    voices = {"author": 0, "quoted": 0, "reported": 0}
    for sp in spans_of(data):
        v = voice_of(sp.start, sp.end, objs)
        voices[str(v["voice"])] = voices.get(str(v["voice"]), 0) + 1
        if v["quote"] is None:
            continue
        item = {
            "start": sp.start,
            "end": sp.end,
            "text": _snip(text[sp.start : sp.end], 160),
            "technique": _technique(sp.technique),
            "voice": str(v["voice"]),
            "speaker": str(v["speaker"]) if v["speaker"] else None,
        }
        inside[int(v["quote"])].append(item)
    speech, scare = [], []
    for q, techs in zip(rows, inside):
        place = {"start": q["start"], "end": q["end"], "text": _snip(text[q["start"] : q["end"]], 240)}
        if q["kind"] == "scare":
            scare.append(place)
        else:
            speech.append(
                dict(
                    place,
                    kind=q["kind"],
                    speaker=str(q["speaker"]) if q.get("speaker") else None,
                    source=str(q["source"]) if q.get("source") else None,
                    techniques=techs,
                )
            )
    return {"speech": speech, "scare": scare, "voices": voices}


def article_view(data: Mapping[str, Any], *, top: int = 5) -> dict[str, Any] | None:
    """The article-level analysis as plain rows for the page, or None when the analysis has none.

    Reads ``genre``, ``frames``, ``quotes`` and ``extras["article"]`` (genre and frame scores, entities
    with roles and evidence, narratives, summary) of an ``Analysis.to_dict()``. Every place in the article
    (evidence, quotes, examples) keeps its ``start``/``end`` so the page can point at it; places whose
    offsets are not inside the text are left out. Missing parts are empty, never an error.

    Args:
        data: one analysis dict.
        top: how many frames and attacked entities to list.

    Raises:
        SchemaError: a technique span has bad offsets or an unknown technique.
    """
    art = (data.get("extras") or {}).get("article")
    if not isinstance(art, Mapping):
        return None
    text: str = data["document"]["text"]
    summ = art.get("summary") if isinstance(art.get("summary"), Mapping) else {}
    density = summ.get("density")
    quotes = _quotes(data)
    entities = _entities(text, art)
    return {
        "genre": _genre(data, art),
        "frames": _frames(data, art, top),
        "summary": {
            "density": float(density) if isinstance(density, (int, float)) else None,
            "sentences": summ.get("sentences"),
            "sentences_with_techniques": summ.get("sentences_with_techniques"),
            "techniques": summ.get("techniques"),
            "top_techniques": [
                dict(_technique(t.get("technique")), count=t.get("count"), share=_score(t.get("share")))
                for t in summ.get("top_techniques") or []
                if isinstance(t, Mapping)
            ],
            "attacked": _attacked(text, summ, top),
        },
        "entities": entities,
        "n_entities": sum(len(g["entities"]) for g in entities),
        "narratives": _narratives(art),
        "quotes": quotes,
        "model": art.get("model") if isinstance(art.get("model"), Mapping) else None,
    }


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
