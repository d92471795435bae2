"""Text features of the article analysis: the terms of a text (words and word pairs, of the whole text or of
its title and lede) and of an entity mention; the TF-IDF vectorizer and linear heads come from
``spinlens._linear`` and are re-exported here.

The same functions build the training matrices (``spinlens.training.analysis_train``) and the run-time
features, so a model scores the same text the same way in both places.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spinlens._linear import LinearHead, Vectorizer, quantize, sigmoid, softmax, words
from spinlens.text import sentences

__all__ = [
    "words",
    "quantize",
    "terms",
    "entity_terms",
    "title_and_lede",
    "Vectorizer",
    "LinearHead",
    "softmax",
    "sigmoid",
    "concat_rows",
]


def terms(text: str, prefix: str = "", bigrams: bool = True) -> list[str]:
    """The unigram (and bigram) terms of ``text``, each with ``prefix``."""
    w = words(text)
    out = [prefix + x for x in w]
    if bigrams:
        out.extend(f"{prefix}{a} {b}" for a, b in zip(w, w[1:]))
    return out


def entity_terms(mention: str, prefix: str = "e:") -> list[str]:
    """Character 2-4-grams of each word of an entity mention (so "Putin's" and "Putin" share terms)."""
    out: list[str] = []
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


def concat_rows(
    rows: Sequence[tuple[np.ndarray, np.ndarray]], sizes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """One sparse row from blocks: block ``k``'s indices shifted by the sizes of the blocks before it."""
    offsets = np.cumsum([0, *sizes[:-1]])
    idx = np.concatenate([r[0] + o for r, o in zip(rows, offsets)]).astype(np.int64)
    val = np.concatenate([r[1] for r in rows]).astype(np.float32)
    return idx, val
