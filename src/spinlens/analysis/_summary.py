"""The article-level summary: propaganda density, top techniques, whose voice, who is attacked and how."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from spinlens.analysis._quotes import voice_of
from spinlens.analysis._targets import attacked_entities, main_entity, overlap_test
from spinlens.schema import Analysis, Quote
from spinlens.text import sentences as split_sentences

__all__ = ["summarize"]


def _as_dict(analysis: Analysis | Mapping[str, Any]) -> Mapping[str, Any]:
    return analysis.to_dict() if isinstance(analysis, Analysis) else analysis


def _quote(q: Quote | Mapping[str, Any]) -> Quote:
    return q if isinstance(q, Quote) else Quote.from_dict(dict(q))


def _attacked(
    text: str,
    spans: Sequence[Mapping[str, Any]],
    quotes: Sequence[Quote],
    entities: Sequence[Mapping[str, Any]],
    sents: Sequence[tuple[int, int]],
) -> list[dict[str, Any]]:
    out = []
    for ref, targets in attacked_entities(text, spans, quotes, entities, sents):
        main = entities[main_entity(entities, ref.source)]
        techs = Counter(t.span["technique"] for t in targets)
        by = []
        for t in sorted(targets, key=lambda t: t.voice != "author"):
            who = "author" if t.voice == "author" else (t.speaker or "a quoted source")
            if who not in by:
                by.append(who)
        out.append(
            {
                "entity": ref.name,
                "label": ref.label,
                "role": ref.role,
                "fine_roles": list(main.get("fine_roles", [])),
                "score": main.get("score"),
                "mentions": len(ref.mentions) or 1,
                "by": by,
                "techniques": [{"technique": t, "count": c} for t, c in techs.most_common()],
                "examples": [
                    {
                        "start": int(t.span["start"]),
                        "end": int(t.span["end"]),
                        "technique": t.span["technique"],
                        "text": text[int(t.span["start"]) : int(t.span["end"])],
                        "voice": t.voice,
                        "speaker": t.speaker,
                    }
                    for t in sorted(targets, key=lambda t: (t.voice != "author", int(t.span["start"])))[:3]
                ],
            }
        )
    return out


def summarize(
    analysis: Analysis | Mapping[str, Any],
    article: Mapping[str, Any] | None = None,
    *,
    top: int = 5,
) -> dict[str, Any]:
    """Summarise one analysed article as a plain dict.

    Args:
        analysis: an :class:`~spinlens.schema.Analysis` or its ``to_dict()`` form (text, spans, sentences).
        article: the dict of :meth:`ArticleAnalyzer.analyze` (genre, frames, narratives, entities with roles
            and evidence, quotes as ``Quote`` objects or dicts); None: techniques only.
        top: how many techniques and attacked entities to list.

    Returns:
        ``{"sentences", "techniques", "density", "sentences_with_techniques", "top_techniques",
        "voices", "quotes", "attacked", "genre", "frames", "narratives"}``; ``density`` is techniques per
        100 sentences; ``voices`` counts techniques in the author's own words, in direct quotes and in
        reported speech; ``attacked`` lists the entities that attacking techniques target (see
        :mod:`spinlens.analysis._targets`; entity dicts with ``"salient": False`` are never listed, but a
        span that targets one targets no listed entity): each with ``entity``, ``label``, ``role``,
        ``fine_roles``, ``score``, ``mentions`` (count, aliases merged), ``by`` (``"author"`` and/or the
        quoted speakers), ``techniques`` (counts) and ``examples`` (up to three target spans with their
        ``voice``).
    """
    d = _as_dict(analysis)
    article = article or {}
    entities: Sequence[Mapping[str, Any]] = article.get("entities") or ()
    quotes: Sequence[Quote | Mapping[str, Any]] = article.get("quotes") or d.get("quotes") or ()
    text = d["document"]["text"]
    spans = list(d.get("spans") or [])
    sents = [(s["start"], s["end"]) for s in d.get("sentences") or []] or split_sentences(text)
    qs = [_quote(q) for q in quotes]
    n_sent = len(sents)
    touches = overlap_test((int(sp["start"]), int(sp["end"])) for sp in spans)
    with_tech = sum(1 for a, b in sents if touches(a, b))
    counts = Counter(sp["technique"] for sp in spans)
    voices: Counter = Counter()
    for sp in spans:
        voices[voice_of(sp["start"], sp["end"], qs)["voice"]] += 1
    attacked = _attacked(text, spans, qs, entities, sents)
    return {
        "sentences": n_sent,
        "techniques": len(spans),
        "density": round(100.0 * len(spans) / n_sent, 1) if n_sent else 0.0,
        "sentences_with_techniques": with_tech,
        "top_techniques": [
            {"technique": t, "count": c, "share": round(c / len(spans), 3)}
            for t, c in counts.most_common(top)
        ],
        "voices": {v: voices.get(v, 0) for v in ("author", "quoted", "reported")},
        "quotes": {k: sum(1 for q in qs if q.kind == k) for k in ("direct", "reported", "scare")},
        "attacked": attacked[:top],
        "genre": article.get("genre") or d.get("genre"),
        "frames": list(article.get("frames") or d.get("frames") or [])[:3],
        "narratives": [n["narrative"] for n in article.get("narratives") or []],
    }
