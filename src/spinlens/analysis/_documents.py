"""Article-level labels: genre (opinion / reporting / satire), the 14 frames, narratives and sub-narratives.

Each is a linear model over sublinear TF-IDF word and word-pair features (``_features``), trained by
``spinlens.training.analysis_train`` on SemEval-2023 Task 3 (genre, frames) and SemEval-2025 Task 10
(narratives).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spinlens.analysis._features import LinearHead, Vectorizer, sigmoid, softmax, terms
from spinlens.analysis._store import vocab_list

__all__ = ["GENRES", "FRAMES", "ArticleModel", "NarrativeModel", "decode_narratives"]

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


class ArticleModel:
    """Genre (softmax over :data:`GENRES`) and frames (one sigmoid per frame, a shared threshold)."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        genre: LinearHead,
        frames: LinearHead,
        threshold: float,
        bigrams: bool = False,
    ) -> None:
        self.vectorizer = vectorizer
        self.genre = genre
        self.frames = frames
        self.threshold = float(threshold)
        self.bigrams = bigrams

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> ArticleModel:
        vec = Vectorizer(vocab_list(arrays["vocab"]), arrays["idf"])
        return cls(
            vec,
            head_from(arrays, "genre"),
            head_from(arrays, "frames"),
            meta["frames_threshold"],
            bool(meta.get("bigrams", False)),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        from spinlens.analysis._store import vocab_array

        out = {"vocab": vocab_array(self.vectorizer.vocabulary), "idf": self.vectorizer.idf}
        out.update(head_arrays("genre", self.genre))
        out.update(head_arrays("frames", self.frames))
        return out

    def predict(self, text: str) -> dict[str, Any]:
        """``{"genre", "genre_scores", "frames", "frame_scores"}`` for one article."""
        idx, val = self.vectorizer.transform_terms(terms(text, bigrams=self.bigrams))
        pg = softmax(self.genre.decision(idx, val))
        pf = sigmoid(self.frames.decision(idx, val))
        order = np.argsort(-pf, kind="stable")
        return {
            "genre": GENRES[int(pg.argmax())],
            "genre_scores": {g: round(float(p), 4) for g, p in zip(GENRES, pg)},
            "frames": [FRAMES[i] for i in order if pf[i] >= self.threshold],
            "frame_scores": {FRAMES[i]: round(float(pf[i]), 4) for i in order},
        }


def _domain(label: str) -> str | None:
    head = label.split(":", 1)[0]
    return head if head in ("CC", "URW") else None


def decode_narratives(
    coarse: list[str],
    fine: list[str],
    pc: np.ndarray,
    pf: np.ndarray,
    tc: float,
    tf: float,
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Turn narrative and sub-narrative probabilities into consistent label lists.

    The article's domain (climate change ``CC`` or the war in Ukraine ``URW``) is the one whose best
    narrative scores higher; labels of the other domain are dropped. A sub-narrative above ``tf`` brings its
    narrative; a narrative above ``tc`` with no sub-narrative gets ``"<narrative>: Other"``; an article with
    neither gets ``Other``.
    """
    best = {d: max((p for c, p in zip(coarse, pc) if _domain(c) == d), default=0.0) for d in ("CC", "URW")}
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
    """SemEval-2025 Task 10 narratives and sub-narratives (one sigmoid each) with hierarchical decoding."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        coarse_labels: list[str],
        fine_labels: list[str],
        coarse: LinearHead,
        fine: LinearHead,
        tc: float,
        tf: float,
    ) -> None:
        self.vectorizer = vectorizer
        self.coarse_labels = list(coarse_labels)
        self.fine_labels = list(fine_labels)
        self.coarse = coarse
        self.fine = fine
        self.tc = float(tc)
        self.tf = float(tf)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> NarrativeModel:
        vec = Vectorizer(vocab_list(arrays["vocab"]), arrays["idf"])
        return cls(
            vec,
            meta["coarse_labels"],
            meta["fine_labels"],
            head_from(arrays, "coarse"),
            head_from(arrays, "fine"),
            meta["coarse_threshold"],
            meta["fine_threshold"],
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        from spinlens.analysis._store import vocab_array

        out = {"vocab": vocab_array(self.vectorizer.vocabulary), "idf": self.vectorizer.idf}
        out.update(head_arrays("coarse", self.coarse))
        out.update(head_arrays("fine", self.fine))
        return out

    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        idx, val = self.vectorizer.transform_terms(terms(text))
        return sigmoid(self.coarse.decision(idx, val)), sigmoid(self.fine.decision(idx, val))

    def predict(self, text: str) -> list[dict[str, Any]]:
        """``[{"narrative", "score", "subnarratives": [{"label", "score"}]}]``, best first."""
        pc, pf = self.scores(text)
        coarse, fine = decode_narratives(self.coarse_labels, self.fine_labels, pc, pf, self.tc, self.tf)
        out = []
        for c, p in coarse:
            subs = [{"label": f, "score": round(q, 4)} for f, q in fine if f.rsplit(":", 1)[0] == c]
            out.append({"narrative": c, "score": round(p, 4), "subnarratives": subs})
        return out
