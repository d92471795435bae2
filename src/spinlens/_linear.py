"""Linear text classifiers in numpy, shared by the span tagger's lexicon (``spinlens.model``) and the article
analysis (``spinlens.analysis``): word tokens, sublinear TF-IDF over a fixed vocabulary, int8 linear heads,
softmax / sigmoid, and the one-string vocabulary format of their ``.npz`` files.

Numpy only, so the span tagger can use them without loading the analysis package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "words",
    "Vectorizer",
    "LinearHead",
    "quantize",
    "softmax",
    "sigmoid",
    "vocab_array",
    "vocab_list",
]

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits, with an inner apostrophe)."""
    return _WORD.findall(text.lower())


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


def vocab_array(vocab: list[str]) -> np.ndarray:
    """A vocabulary as one newline-joined string array (how the ``.npz`` files store it)."""
    return np.array("\n".join(vocab))


def vocab_list(arr: np.ndarray) -> list[str]:
    s = str(arr)
    return s.split("\n") if s else []
