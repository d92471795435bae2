"""The article-level analysis as plain rows for a page: :func:`article_view`.

Plain ``Analysis.to_dict()`` data in, plain dicts out, shared by the web page (``web/_view.py``) and the
standalone HTML report (``render/html.py``). It reads ``genre``, ``frames``, ``quotes`` and
``extras["article"]``, checks every offset against the text and every score against [0, 1], and never
escapes: each renderer escapes what it writes (everything here comes from the article, so all of it is
hostile).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinlens.analysis import QUOTE_KINDS, voice_of
from spinlens.render._sweep import spans_of
from spinlens.schema import Quote
from spinlens.taxonomy import get_technique, is_technique

__all__ = ["article_view", "ROLE_NAMES", "NARRATIVE_DOMAINS"]


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
    if not isinstance(ev, Mapping):
        return None
    place = _jump(text, ev, 200)
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


def _attackers(by: Any) -> str:
    """``["author", "Irina Volkova"]`` -> "the author and in words quoted from Irina Volkova"."""
    names = [str(b) for b in by or [] if b]
    quoted = [b for b in names if b != "author"]
    out = ["the author"] if "author" in names else []
    if quoted:
        out.append("in words quoted from " + ", ".join(quoted))
    return " and ".join(out)


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
                "by": _attackers(a.get("by")),
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


def quote_objects(data: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], list[Quote]]:
    """The quotes of an ``Analysis.to_dict()`` dict whose kind is known and whose offsets fit the text, in
    text order: the dicts and the :class:`Quote` objects ``voice_of`` reads (none without ``--article``)."""
    text: str = data["document"]["text"]
    rows = []
    for q in data.get("quotes") or []:
        if isinstance(q, Mapping) and q.get("kind") in QUOTE_KINDS and _offsets(q, len(text)) is not None:
            rows.append(q)
    rows.sort(key=lambda q: (q["start"], -q["end"]))
    return rows, [Quote(q["start"], q["end"], q["kind"], q.get("speaker"), q.get("source")) for q in rows]


def _quotes(data: Mapping[str, Any]) -> dict[str, Any]:
    """Quotes in text order with the technique spans inside each, scare quotes apart, and voice counts."""
    text: str = data["document"]["text"]
    rows, objs = quote_objects(data)
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
    summ = art.get("summary")
    if not isinstance(summ, Mapping):
        summ = {}
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
