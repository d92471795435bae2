"""Text features and linear heads in numpy: TF-IDF over words and word pairs (of the whole text, or of its
title and lede), softmax / sigmoid scores.

The same functions build the training matrices (``spinlens.training.analysis_train``) and the run-time
features, so a model scores the same text the same way in both places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from spinlens.text import sentences

__all__ = [
    "terms",
    "entity_terms",
    "title_and_lede",
    "Vectorizer",
    "LinearHead",
    "softmax",
    "sigmoid",
    "concat_rows",
]

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits, with an inner apostrophe)."""
    return _WORD.findall(text.lower())


def terms(text: str, prefix: str = "", bigrams: bool = True) -> list[str]:
    """The unigram (and bigram) terms of ``text``, each with ``prefix``."""
    w = words(text)
    out = [prefix + x for x in w]
    if bigrams:
        out.extend(f"{prefix}{a} {b}" for a, b in zip(w, w[1:]))
    return out


def entity_terms(mention: str, prefix: str = "e:") -> list[str]:
    """Character 2-4-grams of each word of an entity mention (so "Putin's" and "Putin" share terms)."""
    out = []
    for w in words(mention):
        padded = f" {w} "
        for n in (2, 3, 4):
            out.extend(prefix + padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


TITLE_MAX_WORDS = 30
LEDE_SENTENCES = 3


def title_and_lede(text: str) -> tuple[str, str]:
    """The article's title (its first line, when that line has at most 30 words and more text follows; else
    "") and its lede (the first three sentences after the title)."""
    head, nl, rest = text.strip().partition("\n")
    if nl and rest.strip() and len(words(head)) <= TITLE_MAX_WORDS:
        title, body = head, rest
    else:
        title, body = "", text
    sents = sentences(body)[:LEDE_SENTENCES]
    return title, body[sents[0][0] : sents[-1][1]] if sents else ""


class Vectorizer:
    """Sublinear TF-IDF with L2-normalised rows over a fixed vocabulary.

    Args:
        vocabulary: the terms, in column order.
        idf: one inverse document frequency per term.
    """

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray) -> None:
        self.vocabulary = list(vocabulary)
        self.index = {t: i for i, t in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        if len(self.idf) != len(self.vocabulary):
            raise ValueError(f"idf has {len(self.idf)} values for {len(self.vocabulary)} terms")

    def transform_terms(self, items: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sparse row ``(indices, values)`` for one bag of terms."""
        counts: dict[int, int] = {}
        for t in items:
            j = self.index.get(t)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        val = (1.0 + np.log(tf)) * self.idf[idx]
        val /= float(np.sqrt((val * val).sum())) or 1.0
        return idx, val.astype(np.float32)


def concat_rows(
    rows: Sequence[tuple[np.ndarray, np.ndarray]], sizes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """One sparse row from blocks: block ``k``'s indices shifted by the sizes of the blocks before it."""
    offsets = np.cumsum([0, *sizes[:-1]])
    idx = np.concatenate([r[0] + o for r, o in zip(rows, offsets)]).astype(np.int64)
    val = np.concatenate([r[1] for r in rows]).astype(np.float32)
    return idx, val


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


class LinearHead:
    """``scores = x @ W + b`` for a sparse row ``x``; weights stored as int8 with one scale per column.

    Args:
        weights: ``[n_terms, n_labels]`` float array (quantised here) or an int8 array with ``scale``.
        bias: ``[n_labels]``.
        scale: per-column scale when ``weights`` is already int8.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray, scale: np.ndarray | None = None) -> None:
        if scale is None:
            weights, scale = quantize(np.asarray(weights, dtype=np.float32))
        self.weights = np.asarray(weights, dtype=np.int8)
        self.scale = np.asarray(scale, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    def decision(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        if len(idx) == 0:
            return self.bias.copy()
        return (val @ self.weights[idx].astype(np.float32)) * self.scale + self.bias


def quantize(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 quantisation with one scale per column."""
    scale = np.abs(w).max(0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)
