"""Article-level labels: genre (opinion / reporting / satire), the 14 frames, narratives and sub-narratives.

Each is a linear model over sublinear TF-IDF word and word-pair features (``_features``; the genre also reads
the title and the lede on their own, and a few dense cues of news reporting), trained by
``spinlens.training.analysis_train`` on SemEval-2023 Task 3 (genre, frames) and SemEval-2025 Task 10
(narratives).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from spinlens.analysis._features import (
    LinearHead,
    Vectorizer,
    concat_rows,
    sigmoid,
    softmax,
    terms,
    title_and_lede,
)
from spinlens.analysis._quotes import find_quotes
from spinlens.analysis._store import vocab_list
from spinlens.errors import ModelError
from spinlens.schema import Quote
from spinlens.text import paragraphs, sentences

__all__ = [
    "GENRES",
    "FRAMES",
    "DOMAINS",
    "STYLE_FEATURES",
    "ArticleModel",
    "NarrativeModel",
    "decode_narratives",
    "genre_terms",
    "style_features",
]

GENRES = ("opinion", "reporting", "satire")
FRAMES = (
    "Economic",
    "Capacity_and_resources",
    "Morality",
    "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation",
    "Crime_and_punishment",
    "Security_and_defense",
    "Health_and_safety",
    "Quality_of_life",
    "Cultural_identity",
    "Public_opinion",
    "Political",
    "External_regulation_and_reputation",
)


def head_from(arrays: dict[str, np.ndarray], name: str) -> LinearHead:
    return LinearHead(arrays[f"{name}_w"], arrays[f"{name}_b"], arrays[f"{name}_s"])


def head_arrays(name: str, head: LinearHead) -> dict[str, np.ndarray]:
    return {f"{name}_w": head.weights, f"{name}_s": head.scale, f"{name}_b": head.bias}


#: the genre model's dense style features: cues of news reporting (quotes, attribution, dates, datelines)
STYLE_FEATURES = (
    "quote_share",
    "direct_quotes",
    "reported_share",
    "attribution",
    "honorifics",
    "dates",
    "digits",
    "dateline",
    "short_paragraphs",
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|tells|according to|stated|announced|added|reported|confirmed|"
    r"spokes(?:man|woman|person))\b",
    re.I,
)
_DATES = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|"
    r"August|September|October|November|December|Jan|Feb|Aug|Sept|Oct|Nov|Dec)\b"
)
_DATELINE = re.compile(
    r"^[A-Z][A-Z .,'’-]{2,40}(?:\([\w .]+\))?\s*[—–-]{1,2}\s|\((?:Reuters|AP|AFP|CNN|UPI|Bloomberg)\)", re.M
)
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Sgt|Col)\.\s+[A-Z]")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def style_features(text: str, quotes: Sequence[Quote] | None = None) -> np.ndarray:
    """The :data:`STYLE_FEATURES` of an article (raw values, in that order).

    Args:
        text: the article, title first when it has one.
        quotes: ``find_quotes(text)`` when already computed (only their offsets and kinds are read).
    """
    qs = find_quotes(text) if quotes is None else quotes
    head, nl, rest = text.partition("\n")
    # the body is what follows the title line; a text of one line (a trailing newline or not) is all body
    body = rest if nl and rest.strip() else text
    toks = _TOKEN.findall(body)
    n_words = max(len(toks), 1)
    sents = sentences(body)
    n_sents = max(len(sents), 1)
    paras = paragraphs(body)
    starts = [a for a, _ in sents]
    short = sum(1 for a, b in paras if bisect_left(starts, b) - bisect_left(starts, a) <= 1)
    direct = [q for q in qs if q.kind == "direct"]
    return np.array(
        [
            sum(q.end - q.start for q in direct) / max(len(text), 1),
            np.log1p(len(direct)),
            sum(1 for q in qs if q.kind == "reported") / n_sents,
            len(_ATTRIBUTION.findall(body)) / n_sents,
            len(_HONORIFIC.findall(body)) / n_sents,
            len(_DATES.findall(body)) / n_sents,
            100.0 * sum(t[0].isdigit() for t in toks) / n_words,
            float(bool(_DATELINE.search(body[:300]))),
            short / max(len(paras), 1),
        ],
        dtype=np.float32,
    )


def genre_terms(text: str) -> tuple[list[str], list[str]]:
    """The genre model's extra term bags: the title's words (``t:``) and the lede's words (``l:``)."""
    title, lede = title_and_lede(text)
    return terms(title, "t:", bigrams=False), terms(lede, "l:", bigrams=False)


class ArticleModel:
    """Genre (softmax over :data:`GENRES`) and frames (one sigmoid per frame, a shared threshold; a frame is
    listed only when the text has a word the model knows).

    The frames read the TF-IDF row of the whole text; the genre reads that row, a row for the title and a
    row for the lede (each L2-normalised, side by side) and the standardised :data:`STYLE_FEATURES`, and
    adds a per-genre decision bias (chosen by cross-validation inside the training data, so that the rare
    genres are predicted at all).

    Args:
        vectorizer: words of the whole text (shared by genre and frames).
        genre: the genre head over ``[text | title | lede]`` columns (text only when the two vectorizers
            below are None, as in models before 2026.11.25.1).
        frames: the frames head over the text columns.
        threshold: the frame probability threshold.
        bigrams: whether the text terms include word pairs.
        title_vectorizer, lede_vectorizer: words of the title and of the lede.
        genre_bias: added to the genre scores before the softmax (default zeros).
        style_mean, style_std: standardisation of the style features (None: no style columns).
        style_weight: the standardised style values (clipped to +-5) are multiplied by this.
        vector_weight: the weight of the article vector (:class:`~spinlens.analysis._encoder.ArticleEncoder`)
            the genre model reads after the style columns; 0: it reads none. Set :attr:`encoder` (or pass
            ``vector=`` to :meth:`predict`) when it is not 0.
    """

    def __init__(
        self,
        vectorizer: Vectorizer,
        genre: LinearHead,
        frames: LinearHead,
        threshold: float,
        bigrams: bool = False,
        *,
        title_vectorizer: Vectorizer | None = None,
        lede_vectorizer: Vectorizer | None = None,
        genre_bias: ArrayLike | None = None,
        style_mean: ArrayLike | None = None,
        style_std: ArrayLike | None = None,
        style_weight: float = 1.0,
        vector_weight: float = 0.0,
    ) -> None:
        self.vectorizer = vectorizer
        self.vector_weight = float(vector_weight)
        self.encoder: Any = None  # an ArticleEncoder, set by the analyzer that loads this model
        self.genre = genre
        self.frames = frames
        self.threshold = float(threshold)
        self.bigrams = bigrams
        self.title_vectorizer = title_vectorizer
        self.lede_vectorizer = lede_vectorizer
        self.genre_bias = np.zeros(len(GENRES), np.float32) if genre_bias is None else np.asarray(genre_bias)
        self.genre_bias = self.genre_bias.astype(np.float32)
        if self.genre_bias.shape != (len(GENRES),):
            raise ValueError(f"genre_bias needs {len(GENRES)} values, got {self.genre_bias.shape}")
        self.style_mean = None if style_mean is None else np.asarray(style_mean, dtype=np.float32)
        self.style_std = None if style_std is None else np.asarray(style_std, dtype=np.float32)
        self.style_weight = float(style_weight)
        for name, v in (("style_mean", self.style_mean), ("style_std", self.style_std)):
            if v is not None and v.shape != (len(STYLE_FEATURES),):
                raise ValueError(f"{name} needs {len(STYLE_FEATURES)} values, got {v.shape}")

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> ArticleModel:
        vec = Vectorizer(vocab_list(arrays["vocab"]), arrays["idf"])
        extra: dict[str, Any] = {}
        if "title_vocab" in arrays:
            extra["title_vectorizer"] = Vectorizer(vocab_list(arrays["title_vocab"]), arrays["title_idf"])
            extra["lede_vectorizer"] = Vectorizer(vocab_list(arrays["lede_vocab"]), arrays["lede_idf"])
        if "style_mean" in arrays:
            extra["style_mean"] = arrays["style_mean"]
            extra["style_std"] = arrays["style_std"]
            extra["style_weight"] = float(arrays["style_weight"])
        if "vector_weight" in arrays:
            extra["vector_weight"] = float(arrays["vector_weight"])
        return cls(
            vec,
            head_from(arrays, "genre"),
            head_from(arrays, "frames"),
            meta["frames_threshold"],
            bool(meta.get("bigrams", False)),
            genre_bias=arrays.get("genre_bias"),
            **extra,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        from spinlens.analysis._store import vocab_array

        out: dict[str, Any] = {"vocab": vocab_array(self.vectorizer.vocabulary), "idf": self.vectorizer.idf}
        out.update(head_arrays("genre", self.genre))
        out.update(head_arrays("frames", self.frames))
        out["genre_bias"] = self.genre_bias
        for name, v in (("title", self.title_vectorizer), ("lede", self.lede_vectorizer)):
            if v is not None:
                out[f"{name}_vocab"] = vocab_array(v.vocabulary)
                out[f"{name}_idf"] = v.idf
        if self.style_mean is not None and self.style_std is not None:
            out["style_mean"] = self.style_mean
            out["style_std"] = self.style_std
            out["style_weight"] = np.float32(self.style_weight)
        if self.vector_weight:
            out["vector_weight"] = np.float32(self.vector_weight)
        return out

    def style_values(self, text: str, quotes: Sequence[Quote] | None = None) -> np.ndarray:
        """The standardised, clipped and weighted style features (the genre model's dense columns)."""
        if self.style_mean is None or self.style_std is None:
            return np.zeros(0, dtype=np.float32)
        z = (style_features(text, quotes) - self.style_mean) / self.style_std
        return (np.clip(z, -5.0, 5.0) * self.style_weight).astype(np.float32)

    def article_vector(self, text: str) -> np.ndarray:
        """The article vector the genre model reads (its encoder's), or ModelError without an encoder."""
        if self.encoder is None:
            raise ModelError(
                "this genre model reads article vectors: load it with its encoder (ArticleAnalyzer)"
            )
        return self.encoder.vector(text)

    def genre_row(
        self,
        text: str,
        text_row: tuple[np.ndarray, np.ndarray] | None = None,
        quotes: Sequence[Quote] | None = None,
        vector: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The genre model's sparse input row ``(indices, values)`` for ``text`` (``vector``: its article
        vector when the caller has it)."""
        row = text_row or self.vectorizer.transform_terms(terms(text, bigrams=self.bigrams))
        if self.title_vectorizer is None or self.lede_vectorizer is None:
            return row
        t, le = genre_terms(text)
        blocks = [row, self.title_vectorizer.transform_terms(t), self.lede_vectorizer.transform_terms(le)]
        sizes = [len(v.vocabulary) for v in (self.vectorizer, self.title_vectorizer, self.lede_vectorizer)]
        style = self.style_values(text, quotes)
        if len(style):
            blocks.append((np.arange(len(style), dtype=np.int64), style))
            sizes.append(len(style))
        if self.vector_weight:
            v = self.article_vector(text) if vector is None else np.asarray(vector, dtype=np.float32)
            blocks.append((np.arange(len(v), dtype=np.int64), (v * self.vector_weight).astype(np.float32)))
            sizes.append(len(v))
        return concat_rows(blocks, sizes)

    def genre_logits(
        self,
        text: str,
        text_row: tuple[np.ndarray, np.ndarray] | None = None,
        quotes: Sequence[Quote] | None = None,
        vector: np.ndarray | None = None,
    ) -> np.ndarray:
        """Genre scores before the softmax, decision bias included (order of :data:`GENRES`)."""
        return self.genre.decision(*self.genre_row(text, text_row, quotes, vector)) + self.genre_bias

    def predict(
        self, text: str, quotes: Sequence[Quote] | None = None, vector: np.ndarray | None = None
    ) -> dict[str, Any]:
        """``{"genre", "genre_scores", "frames", "frame_scores"}`` for one article.

        Args:
            text: the article.
            quotes: ``find_quotes(text)`` when the caller has it already (else it is computed here).
            vector: its article vector when the caller has it (else the encoder computes it, if the genre
                model reads one).
        """
        idx, val = self.vectorizer.transform_terms(terms(text, bigrams=self.bigrams))
        pg = softmax(self.genre_logits(text, (idx, val), quotes, vector))
        pf = sigmoid(self.frames.decision(idx, val))
        order = np.argsort(-pf, kind="stable")
        # a text with no word the model knows has no evidence of a frame: the bias alone is the training
        # articles' prior (an empty text got Security_and_defense)
        known = len(idx) > 0
        return {
            "genre": GENRES[int(pg.argmax())],
            "genre_scores": {g: round(float(p), 4) for g, p in zip(GENRES, pg)},
            "frames": [FRAMES[i] for i in order if known and pf[i] >= self.threshold],
            "frame_scores": {FRAMES[i]: round(float(pf[i]), 4) for i in order},
        }


#: the SemEval-2025 Task 10 narrative domains: climate change and the war in Ukraine (label prefixes)
DOMAINS = ("CC", "URW")


def _domain(label: str) -> str | None:
    head = label.split(":", 1)[0]
    return head if head in DOMAINS else None


def decode_narratives(
    coarse: list[str],
    fine: list[str],
    pc: np.ndarray,
    pf: np.ndarray,
    tc: float,
    tf: float,
    domain_scores: dict[str, float] | None = None,
    td: float = 0.0,
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Turn narrative and sub-narrative probabilities into consistent label lists.

    The article's domain (climate change ``CC`` or the war in Ukraine ``URW``) is the more probable one by
    ``domain_scores`` (the domain classifier's probabilities) when given, and the article is of neither
    domain (so ``Other``) when that probability is under ``td``; without ``domain_scores`` (models before
    2026.11.25.2) it is the domain whose best narrative scores higher. Labels of the other domain are
    dropped. A sub-narrative above ``tf`` brings its narrative; a narrative above ``tc`` with no
    sub-narrative gets ``"<narrative>: Other"``; an article with neither gets ``Other``.
    """
    if domain_scores is not None:
        dom = max(DOMAINS, key=lambda d: domain_scores.get(d, 0.0))
        if domain_scores.get(dom, 0.0) < td:
            return [("Other", 1.0)], [("Other", 1.0)]
    else:
        best = {d: max((p for c, p in zip(coarse, pc) if _domain(c) == d), default=0.0) for d in DOMAINS}
        dom = max(best, key=lambda d: best[d])
    chosen_f = [
        (f, float(p)) for f, p in zip(fine, pf) if p >= tf and _domain(f) == dom and f.count(":") >= 2
    ]
    parents: dict[str, float] = {}
    cmap = dict(zip(coarse, pc))
    for f, _ in chosen_f:
        parent = f.rsplit(":", 1)[0]
        parents[parent] = float(cmap.get(parent, 0.0))
    for c, p in zip(coarse, pc):
        if p >= tc and _domain(c) == dom:
            parents.setdefault(c, float(p))
    if not parents:
        return [("Other", 1.0)], [("Other", 1.0)]
    fine_out = list(chosen_f)
    for c in parents:
        if not any(f.rsplit(":", 1)[0] == c for f, _ in chosen_f):
            fine_out.append((f"{c}: Other", parents[c]))
    coarse_out = sorted(parents.items(), key=lambda x: -x[1])
    fine_out.sort(key=lambda x: -x[1])
    return coarse_out, fine_out


class NarrativeModel:
    """SemEval-2025 Task 10 narratives and sub-narratives (one sigmoid each) with hierarchical decoding.

    Args:
        vectorizer, coarse_labels, fine_labels, coarse, fine: the two sigmoid heads and their labels.
        tc, tf: the narrative and sub-narrative probability thresholds.
        domain: a softmax head over :data:`DOMAINS` (the article's domain, same columns); None in models
            before 2026.11.25.2, which take the domain of the best narrative.
        td: an article is of a domain only when the domain head gives it at least this probability; below,
            its narrative is ``Other`` (the bundled opinion piece, about neither climate nor the war).
    """

    def __init__(
        self,
        vectorizer: Vectorizer,
        coarse_labels: list[str],
        fine_labels: list[str],
        coarse: LinearHead,
        fine: LinearHead,
        tc: float,
        tf: float,
        domain: LinearHead | None = None,
        td: float = 0.0,
    ) -> None:
        self.vectorizer = vectorizer
        self.coarse_labels = list(coarse_labels)
        self.fine_labels = list(fine_labels)
        self.coarse = coarse
        self.fine = fine
        self.tc = float(tc)
        self.tf = float(tf)
        self.domain = domain
        self.td = float(td)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> NarrativeModel:
        vec = Vectorizer(vocab_list(arrays["vocab"]), arrays["idf"])
        if "domain_w" in arrays and tuple(meta.get("domain_labels", DOMAINS)) != DOMAINS:
            raise ValueError(f"narrative domain labels {meta.get('domain_labels')} are not {DOMAINS}")
        return cls(
            vec,
            meta["coarse_labels"],
            meta["fine_labels"],
            head_from(arrays, "coarse"),
            head_from(arrays, "fine"),
            meta["coarse_threshold"],
            meta["fine_threshold"],
            domain=head_from(arrays, "domain") if "domain_w" in arrays else None,
            td=float(meta.get("domain_threshold", 0.0)),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        from spinlens.analysis._store import vocab_array

        out = {"vocab": vocab_array(self.vectorizer.vocabulary), "idf": self.vectorizer.idf}
        out.update(head_arrays("coarse", self.coarse))
        out.update(head_arrays("fine", self.fine))
        if self.domain is not None:
            out.update(head_arrays("domain", self.domain))
        return out

    def _row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self.vectorizer.transform_terms(terms(text))

    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Narrative and sub-narrative probabilities (order of the labels)."""
        idx, val = self._row(text)
        return sigmoid(self.coarse.decision(idx, val)), sigmoid(self.fine.decision(idx, val))

    def domain_scores(self, text: str) -> dict[str, float] | None:
        """``{"CC": p, "URW": 1 - p}`` from the domain head, or None when the model has none."""
        if self.domain is None:
            return None
        p = softmax(self.domain.decision(*self._row(text)))
        return {d: float(x) for d, x in zip(DOMAINS, p)}

    def decode(self, text: str) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """``(narratives, sub-narratives)`` as ``(label, score)`` lists (see :func:`decode_narratives`)."""
        pc, pf = self.scores(text)
        return decode_narratives(
            self.coarse_labels, self.fine_labels, pc, pf, self.tc, self.tf, self.domain_scores(text), self.td
        )

    def predict(self, text: str) -> list[dict[str, Any]]:
        """``[{"narrative", "score", "subnarratives": [{"label", "score"}]}]``, best first."""
        coarse, fine = self.decode(text)
        out = []
        for c, p in coarse:
            subs = [{"label": f, "score": round(q, 4)} for f, q in fine if f.rsplit(":", 1)[0] == c]
            out.append({"narrative": c, "score": round(p, 4), "subnarratives": subs})
        return out
