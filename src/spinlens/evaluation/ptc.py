"""Evaluate a tagger on a PTC-format folder (SemEval-2020 Task 11): SI and TC, mapped to PTC-14."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spinlens.datasets import read_ptc_articles, read_ptc_labels
from spinlens.errors import InputError
from spinlens.evaluation._reliability import score_reliability
from spinlens.evaluation._scorers import si_report, tc_report
from spinlens.model import SpanTagger
from spinlens.taxonomy import CANONICAL_TO_PTC14, PTC14_LABELS, TECHNIQUE_IDS

__all__ = ["evaluate_ptc", "predict_article", "ptc_score_reliability", "to_ptc14_probs"]

_P14 = {p: i for i, p in enumerate(PTC14_LABELS)}
_MAP = np.zeros((len(TECHNIQUE_IDS), len(PTC14_LABELS)), dtype=np.float32)
for _k, _t in enumerate(TECHNIQUE_IDS):
    _p = CANONICAL_TO_PTC14[_t]
    if _p is not None:
        _MAP[_k, _P14[_p]] = 1.0


def to_ptc14_probs(probs: np.ndarray) -> np.ndarray:
    """Sum canonical technique probabilities into the PTC-14 classes."""
    return probs @ _MAP


def predict_article(
    tagger: SpanTagger, aid: str, text: str, gold_spans: Sequence[tuple[int, int]]
) -> tuple[list[tuple[str, int, int, str]], list[tuple[str, int, int, str]]]:
    """One article's scorer rows: the tagger's spans (SI; PTC-14 label or ``Other``) and its PTC-14 label
    for each gold span (TC; the k-th copy of a span gets the k-th most likely label)."""
    scores = tagger.score_tokens(text)
    pred_si = [
        (aid, s.start, s.end, CANONICAL_TO_PTC14[s.technique] or "Other")
        for s in tagger.predict_scores(text, scores)
    ]
    groups: dict[tuple[int, int], int] = defaultdict(int)
    for span in gold_spans:
        groups[span] += 1
    pred_tc = []
    if groups:
        probs = to_ptc14_probs(tagger.classify(text, list(groups), scores))
        for (s, e), p in zip(groups, probs):
            for k in np.argsort(-p)[: groups[(s, e)]]:
                pred_tc.append((aid, s, e, PTC14_LABELS[int(k)]))
    return pred_si, pred_tc


def evaluate_ptc(
    tagger: SpanTagger,
    articles_dir: str | Path,
    gold_file: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    exclude_ids: Iterable[str] = (),
) -> dict:
    """SI (spans found by the tagger) and TC (gold spans labelled by the tagger) on a PTC folder.

    ``exclude_ids``: articles left out of the score (their text and their gold spans), e.g.
    ``spinlens.datasets.PTC_DEV_COPIES_IN_PTC18`` for the dev articles that models before 2026.11.26.3
    trained on.

    Returns ``{"si": {...}, "tc": {...}, "articles": n, "si_per_technique": ..., "tc_per_technique": ...,
    "defects": [...], "gold_articles_not_in_folder": [...]}`` (the label file's articles that the folder
    lacks: left out of the score, as when a subset of the articles is scored).
    """
    texts = read_ptc_articles(articles_dir)
    if not texts:
        raise InputError(f"no article<ID>.txt files in {articles_dir}")
    elsewhere: set[str] = set()  # articles of the label file that are not in the folder: left out, counted
    gold_rows, defects = read_ptc_labels(gold_file, texts, not_in_texts=elsewhere)
    excluded = set(exclude_ids)
    unknown = sorted(excluded - set(texts))
    if unknown:
        raise InputError(f"cannot leave out {', '.join(unknown[:3])}: no such article in {articles_dir}")
    texts = {k: v for k, v in texts.items() if k not in excluded}
    gold_rows = [(aid, sp) for aid, sp in gold_rows if aid not in excluded]
    if not texts:
        raise InputError(f"every article in {articles_dir} is excluded")
    for aid, sp in gold_rows:
        if sp.label not in _P14:
            defects.append(
                f"{gold_file}: span {aid} {sp.start}-{sp.end}: {sp.label!r} is no PTC-14 technique, skipped"
            )
    gold_rows = [(aid, sp) for aid, sp in gold_rows if sp.label in _P14]
    if not gold_rows:
        shown = "; ".join(defects[:2]) or (
            f"its spans are of {len(elsewhere)} other article(s), e.g. {min(elsewhere)}"
            if elsewhere
            else "the file has no span lines"
        )
        raise InputError(
            f"{gold_file}: no usable gold spans for the articles in {articles_dir} "
            f"({len(defects)} problem(s): {shown}); "
            "give a PTC-14 label file (id<TAB>technique<TAB>start<TAB>end) for these articles"
        )
    by_article: dict[str, list] = defaultdict(list)
    for aid, sp in gold_rows:
        by_article[aid].append(sp)
    pred_si, pred_tc = [], []
    gold = [(aid, sp.start, sp.end, sp.label) for aid, sp in gold_rows]
    for i, (aid, text) in enumerate(sorted(texts.items())):
        si_rows, tc_rows = predict_article(tagger, aid, text, [(sp.start, sp.end) for sp in by_article[aid]])
        pred_si += si_rows
        pred_tc += tc_rows
        if progress:
            progress(i + 1, len(texts))
    si: dict[str, Any] = si_report(pred_si, gold)
    si_per = {k: v for k, v in si["per_technique"].items() if k != "Other"}
    tc = tc_report(pred_tc, gold)
    return {
        "si": si["overall"],
        "tc": {"micro_f1": tc["micro_f1"]},
        "articles": len(texts),
        "si_per_technique": si_per,
        "tc_per_technique": tc["per_technique"],
        "defects": defects,
        "gold_articles_not_in_folder": sorted(elsewhere),
    }


def ptc_score_reliability(tagger: SpanTagger, articles_dir: str | Path, gold_file: str | Path) -> dict:
    """:func:`~spinlens.evaluation.score_reliability` of ``tagger``'s spans on a PTC folder, their techniques
    mapped to PTC-14 (benchmarks/confidence.py; RESULTS.md section 8)."""
    texts = read_ptc_articles(articles_dir)
    rows, _ = read_ptc_labels(gold_file, texts)
    pred = [
        (aid, s.start, s.end, CANONICAL_TO_PTC14[s.technique], float(s.score))
        for aid, text in sorted(texts.items())
        for s in tagger.predict(text)
    ]
    return score_reliability(pred, [(aid, sp.start, sp.end, sp.label) for aid, sp in rows])
