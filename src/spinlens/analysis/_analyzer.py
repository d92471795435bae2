"""``ArticleAnalyzer``: genre, frames, narratives, entity roles, quotes and a summary for one article.

Follows the estimator contract used by ``spinlens.model.SpanTagger``: ``__init__`` stores settings only,
``load`` reads and sha256-checks the model files and returns self, ``analyze`` changes nothing, and use
before ``load`` raises :class:`~spinlens.errors.NotFittedError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spinlens.analysis._documents import ArticleModel, NarrativeModel
from spinlens.analysis._encoder import ArticleEncoder
from spinlens.analysis._entities import (
    MAIN_ROLES,
    RoleModel,
    SalienceModel,
    SpacyNER,
    group_mentions,
    sentence_of,
)
from spinlens.analysis._quotes import find_quotes, voice_of
from spinlens.analysis._store import check_file, default_data_dir, load_npz, read_manifest
from spinlens.analysis._summary import summarize
from spinlens.analysis._targets import EntityRef, overlap_test, span_targets
from spinlens.errors import InputError, ModelError, NotFittedError, SpinlensError
from spinlens.schema import Analysis, Document, Quote, Sentence, TechniqueSpan
from spinlens.taxonomy import TECHNIQUES
from spinlens.text import headline
from spinlens.text import sentences as split_sentences

__all__ = ["ArticleAnalyzer"]

SpanLike = TechniqueSpan | Mapping[str, Any]

#: the "attack on reputation" techniques: name calling, doubt, guilt by association, hypocrisy, reputation
_REPUTATION = frozenset(t.id for t in TECHNIQUES if t.category == "attack_on_reputation")


def _span_dict(s: SpanLike) -> dict[str, Any]:
    if isinstance(s, TechniqueSpan):
        return s.to_dict()
    return {
        "start": int(s["start"]),
        "end": int(s["end"]),
        "technique": s["technique"],
        "score": float(s.get("score", 1.0)),
    }


def load_encoder(data_dir: Path, meta: dict[str, Any] | None = None) -> ArticleEncoder:
    """The genre model's article encoder in ``data_dir``, its two files' sha256 checked against the
    manifest (``meta``: the manifest when the caller read it)."""
    meta = meta if meta is not None else read_manifest(data_dir)
    files = meta["files"]
    if "encoder" not in files or "encoder_tokenizer" not in files:
        raise ModelError(f"the analysis models in {data_dir} have no article encoder; reinstall spinlens")
    for key in ("encoder", "encoder_tokenizer"):
        check_file(data_dir, files[key])
    return ArticleEncoder(data_dir / files["encoder"]["name"], data_dir / files["encoder_tokenizer"]["name"])


class ArticleAnalyzer:
    """Article-level analysis beyond single techniques.

    Args:
        data_dir: folder with ``analysis.json`` and its weight files (default: the shipped models).
        entities: run spaCy NER and the role models (False: no ``entities``, no spaCy needed).
        min_salience: report entities at least this likely to be cast in a role (None: the trained
            threshold; 0: every named entity). An entity that a span in the author's own words attacks
            is reported whatever its salience.
        max_evidence: technique spans given as evidence per entity.
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        entities: bool = True,
        min_salience: float | None = None,
        max_evidence: int = 8,
    ) -> None:
        self.data_dir = data_dir
        self.entities = entities
        self.min_salience = min_salience
        self.max_evidence = max_evidence

    def load(self) -> ArticleAnalyzer:
        """Read the models (each file's sha256 checked; spaCy's too when ``entities``); returns self."""
        d = Path(self.data_dir) if self.data_dir else default_data_dir()
        meta = read_manifest(d)
        files = meta["files"]
        self.articles_ = ArticleModel.from_arrays(load_npz(d, files["articles"]), meta["articles"])
        if self.articles_.vector_weight:
            self.articles_.encoder = load_encoder(d, meta)
        self.narratives_ = NarrativeModel.from_arrays(load_npz(d, files["narratives"]), meta["narratives"])
        self.roles_ = RoleModel.from_arrays(load_npz(d, files["roles"]), meta["roles"])
        self.salience_ = SalienceModel.from_arrays(load_npz(d, files["salience"]), meta["salience"])
        self.ner_ = SpacyNER(expected=meta["spacy"]["sha256"]).load() if self.entities else None
        # the files and the settings that decide the output (thresholds, the roles' prior and alpha): a
        # new decoding over the same weights is another model; the training scores (metrics) are not part
        settings = {k: v for k, v in meta.items() if k not in ("metrics", "training")}
        signed = "".join(files[k]["sha256"] for k in sorted(files)) + json.dumps(settings, sort_keys=True)
        digest = hashlib.sha256(signed.encode()).hexdigest()
        self.info_ = {"name": meta["name"], "version": meta["version"], "sha256": digest}
        self.meta_ = meta
        return self

    def _check(self) -> None:
        if not hasattr(self, "articles_"):
            raise NotFittedError("this ArticleAnalyzer is not loaded yet; call .load() first")

    @property
    def info(self) -> dict[str, str]:
        """``{"name", "version", "sha256"}`` of the loaded analysis models."""
        self._check()
        return dict(self.info_)

    def analyze(
        self,
        text: str,
        spans: Sequence[SpanLike] = (),
        *,
        sentences: Sequence[tuple[int, int]] | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Analyse one article.

        Args:
            text: the exact document text; every offset returned indexes into it.
            spans: the technique spans found in ``text`` (``TechniqueSpan`` or dicts), used as evidence
                for entity roles, for the voice of each technique and for the summary.
            sentences: sentence ``(start, end)`` spans (default: :func:`spinlens.text.sentences`).
            title: the article's title when the text does not start with it (an HTML page's, a record's
                ``title`` field): the genre, frame and narrative models, trained on articles whose first
                line is the title, read it as that first line. Offsets still index ``text``.

        Returns:
            ``{"genre", "genre_scores", "frames", "frame_scores", "narratives", "entities", "quotes",
            "summary", "model"}``: ``quotes`` are :class:`~spinlens.schema.Quote` objects, everything
            else is plain JSON-ready data (see :meth:`entities_of` for the entity fields).
        """
        self._check()
        if not isinstance(text, str):
            raise InputError(f"expected the document text as a str, got {type(text).__name__}")
        if not text.strip():  # as spinlens.analyze: a genre and frames of nothing would be the priors
            raise InputError("the text is empty (or only whitespace): nothing to analyze")
        if title is not None and not isinstance(title, str):
            raise InputError(f"title must be a str or None, got {type(title).__name__}")
        sents = list(sentences) if sentences is not None else split_sentences(text)
        try:
            # checked as the schema checks them: inside the text, a known technique, a score in [0, 1]
            objs = tuple(
                TechniqueSpan(d["start"], d["end"], d["technique"], d["score"])
                for d in map(_span_dict, spans)
            )
            Analysis(
                Document(text=text, id="check"),
                spans=objs,
                sentences=tuple(Sentence(int(a), int(b)) for a, b in sents),
            )
            checked = [s.to_dict() for s in objs]
        except SpinlensError as exc:
            raise InputError(f"spans or sentences do not fit the text: {exc}") from None
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise InputError(
                f"spans must be TechniqueSpan objects or {{start, end, technique[, score]}} dicts and "
                f"sentences (start, end) pairs ({type(exc).__name__}: {exc})"
            ) from None
        span_dicts = sorted(checked, key=lambda s: (s["start"], -s["end"]))
        ents = self.ner_.entities(text) if self.ner_ is not None else []
        persons = [(s, e) for s, e, lab in ents if lab == "PERSON"]
        quotes = find_quotes(text, persons)
        whole = with_title(text, title)
        out: dict[str, Any] = dict(self.articles_.predict(whole, quotes))
        out["narratives"] = self.narratives_.predict(whole)
        out["entities"], others = self._entities(text, ents, span_dicts, quotes, sents)
        out["quotes"] = quotes
        doc = {
            "document": {"text": text},
            "spans": span_dicts,
            "sentences": [{"start": a, "end": b} for a, b in sents],
        }
        # the summary sees every named entity: one under the salience floor is never listed as attacked,
        # but a span that names it is not pinned on a listed entity nearby, and "Biden" stays ambiguous
        # when "Hunter Biden" is in the article but not in the list
        everyone = sorted(out["entities"] + others, key=lambda e: e["mentions"][0])
        out["summary"] = summarize(doc, dict(out, entities=everyone))
        out["model"] = self.info
        return out

    def entities_of(
        self,
        text: str,
        ents: Sequence[tuple[int, int, str]],
        spans: Sequence[Mapping[str, Any]] = (),
        quotes: Sequence[Quote] = (),
        sents: Sequence[tuple[int, int]] | None = None,
    ) -> list[dict[str, Any]]:
        """Roles of the salient entities among ``ents`` (``(start, end, label)`` mentions): those the
        salience model puts at or over the floor, and those a technique span in the author's own words
        attacks (they are cast as someone, whatever their salience).

        Returns:
            One dict per entity, in order of first mention: ``text``, ``start``, ``end`` (first mention),
            ``label`` (spaCy's most common label of its mentions; PERSON for a person's full name),
            ``mentions`` (``[start, end]`` pairs), ``role`` (main role), ``fine_roles``, ``score``
            (the main role's probability, balanced for the training prior: :meth:`RoleModel.balanced`),
            ``role_scores`` (the three, balanced), ``salience`` and ``evidence``: up to
            ``max_evidence`` technique spans in the sentences that mention it (``kind="technique"``, with
            the ``voice`` and ``speaker`` they are in; those that target it first, then the nearest; an
            attacking span that targets another named entity, as the summary finds targets, is no evidence
            for this one) and the sentence that best supports the role (``kind="sentence"``).
        """
        return self._entities(text, ents, spans, quotes, sents)[0]

    def _entities(
        self,
        text: str,
        ents: Sequence[tuple[int, int, str]],
        spans: Sequence[Mapping[str, Any]] = (),
        quotes: Sequence[Quote] = (),
        sents: Sequence[tuple[int, int]] | None = None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(salient, others)``: :meth:`entities_of`'s dicts, and the entities under the salience floor as
        ``{"text", "start", "end", "label", "mentions", "role": None, "salient": False}``."""
        self._check()
        sents = list(sents) if sents is not None else split_sentences(text)
        groups = group_mentions(text, ents)
        if not groups:
            return [], []
        sal = self.salience_.predict(text, groups)
        floor = self.salience_.threshold if self.min_salience is None else self.min_salience
        # a person's full name keeps the label PERSON when spaCy calls its surname a place more often
        labels = ["PERSON" if g.person else g.label for g in groups]
        # which entity each attacking span targets (among all of them, salient or not)
        refs = [
            EntityRef(g.name, lab, list(g.mentions), salient=s >= floor)
            for g, lab, s in zip(groups, labels, sal)
        ]
        targets = span_targets(text, spans, quotes, refs, sents)
        aimed = {id(t.span): t.entity for t in targets}
        # a person whose reputation the author's own words attack is cast in a role whatever the salience
        # ("Senator Jane Holloway is a shameless hypocrite": the salience model, trained on long articles,
        # misses her); places, groups and adjectives near loaded words are left to the salience model
        attacked = {
            t.entity
            for t in targets
            if t.voice == "author"
            and labels[t.entity] == "PERSON"
            and str(t.span["technique"]) in _REPUTATION
        }
        out, others = [], []
        for gi, (g, label, s) in enumerate(zip(groups, labels, sal)):
            first = g.mentions[0]
            named = {
                "text": text[first[0] : first[1]],
                "start": first[0],
                "end": first[1],
                "label": label,
                "mentions": [[a, b] for a, b in g.mentions],
            }
            if s < floor and gi not in attacked:
                others.append({**named, "role": None, "salient": False})
                continue
            pm, pf = self.roles_.probs(text, g.mentions, sents)
            main, fine = self.roles_.decode(pm.mean(0), pf.mean(0))
            balanced = self.roles_.balanced(pm.mean(0))
            k = MAIN_ROLES.index(main)
            # the mention the role is likeliest in, by the same balanced probabilities it was decoded from
            best = int(np.argmax(self.roles_.balanced(pm)[:, k]))
            own = [sp for sp in spans if aimed.get(id(sp), gi) == gi]
            mine = {id(sp) for sp in own if id(sp) in aimed}
            out.append(
                {
                    **named,
                    "role": main,
                    "fine_roles": fine,
                    "score": round(float(balanced[k]), 4),
                    "role_scores": {r: round(float(p), 4) for r, p in zip(MAIN_ROLES, balanced)},
                    "salience": round(float(s), 4),
                    "evidence": self._evidence(text, g.mentions, g.mentions[best], own, quotes, sents, mine),
                }
            )
        return out, others

    def _evidence(self, text, mentions, best, spans, quotes, sents, mine=frozenset()) -> list[dict[str, Any]]:
        """The technique spans in the mentions' sentences, those that target the entity (ids in ``mine``)
        first, then the nearest to a mention first, and the sentence behind the role."""
        in_its_sentences = overlap_test({sentence_of(sents, a, b) for a, b in mentions})
        found = []
        for sp in spans:
            if not in_its_sentences(sp["start"], sp["end"]):
                continue
            # characters between the span and the nearest mention (0 when it overlaps one)
            dist = min(max(0, sp["start"] - b, a - sp["end"]) for a, b in mentions)
            found.append((id(sp) not in mine, dist, sp))
        found.sort(key=lambda x: (x[0], x[1], x[2]["start"]))
        ev = []
        for _, _, sp in found[: self.max_evidence]:
            v = voice_of(sp["start"], sp["end"], quotes)
            ev.append(
                {
                    "kind": "technique",
                    "start": sp["start"],
                    "end": sp["end"],
                    "technique": sp["technique"],
                    "score": sp["score"],
                    "text": text[sp["start"] : sp["end"]],
                    "voice": v["voice"],
                    "speaker": v["speaker"],
                }
            )
        a, b = sentence_of(sents, *best)
        ev.append({"kind": "sentence", "start": a, "end": b, "text": text[a:b]})
        return ev

    def analyze_analysis(self, analysis: Analysis) -> dict[str, Any]:
        """:meth:`analyze` on an :class:`Analysis` (its text, title, spans and sentences)."""
        return self.analyze(
            analysis.document.text,
            analysis.spans,
            sentences=[(s.start, s.end) for s in analysis.sentences] or None,
            title=analysis.document.title,
        )


def with_title(text: str, title: str | None) -> str:
    """``text`` as the article-level models read it: the title on the first line, a blank line, the text;
    ``text`` itself when there is no title or the text already starts with it (or with the headline of a
    page title such as "Headline | Outlet"), a Markdown ``# heading`` of it included."""
    t = " ".join((title or "").split())
    if not t:
        return text
    # the first line as :func:`spinlens.text.headline` reads it ("# Title" -> "Title"), where it is one
    first = " ".join((headline(text) or text.lstrip().partition("\n")[0]).split()).casefold()
    head = t.casefold()
    if first == head or (first and len(first.split()) >= 3 and head.startswith(first)):
        return text
    return f"{t}\n\n{text}"


def analyze_article(
    text_or_document: str | Document, spans: Sequence[SpanLike] = (), *, analyzer: ArticleAnalyzer
) -> dict[str, Any]:
    """Convenience: ``analyzer.analyze(text, spans)`` for a text or :class:`Document` (with its title)."""
    if isinstance(text_or_document, Document):
        return analyzer.analyze(text_or_document.text, spans, title=text_or_document.title)
    return analyzer.analyze(text_or_document, spans)
