"""What a span's ``score`` means: how often spans of each score bin agree with gold (stdlib only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

#: score bins (the last one closed at 1.0)
RELIABILITY_EDGES = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def _share(s: int, e: int, gold: Sequence[tuple[int, int]]) -> float:
    """The share of ``[s, e)``'s characters inside the union of ``gold``."""
    if e <= s:
        return 0.0
    covered = [False] * (e - s)
    for gs, ge in gold:
        for i in range(max(s, gs), min(e, ge)):
            covered[i - s] = True
    return sum(covered) / (e - s)


def score_reliability(
    pred: Sequence[tuple[str, int, int, str | None, float]],
    gold: Sequence[tuple[str, int, int, str]],
    edges: Sequence[float] = RELIABILITY_EDGES,
) -> dict:
    """Spans ``(article, start, end, label, score)`` (``label`` None: in no scheme of the gold) against gold
    spans ``(article, start, end, label)``, binned by score.

    For each bin: ``spans``, ``mean_score``, and the means of ``span_right`` (share of the span's characters
    inside some gold span), ``label_right`` (inside gold of its label), ``touches`` (overlaps some gold span)
    and ``touches_label`` (overlaps one of its label). ``ece`` is the expected calibration error of the
    score against ``touches_label``: the span-weighted mean |mean score - rate| over the bins.
    """
    by_art: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_lab: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for aid, s, e, glab in gold:
        by_art[aid].append((s, e))
        by_lab[(aid, glab)].append((s, e))
    keys = ("span_right", "label_right", "touches", "touches_label")
    rows = []
    for aid, s, e, lab, score in pred:
        same = by_lab[(aid, lab)] if lab is not None else []
        rows.append(
            (
                float(score),
                _share(s, e, by_art[aid]),
                _share(s, e, same),
                float(any(gs < e and s < ge for gs, ge in by_art[aid])),
                float(any(gs < e and s < ge for gs, ge in same)),
            )
        )
    bins, ece = [], 0.0
    for i, (lo, hi) in enumerate(zip(edges, edges[1:])):
        last = i == len(edges) - 2
        inside = [r for r in rows if lo <= r[0] < hi or (last and r[0] == hi)]
        if not inside:
            continue
        n = len(inside)
        means = [sum(r[k] for r in inside) / n for k in range(5)]
        ece += n / len(rows) * abs(means[0] - means[4])
        bins.append({"lo": lo, "hi": hi, "spans": n, "mean_score": means[0], **dict(zip(keys, means[1:]))})
    overall = {k: sum(r[j + 1] for r in rows) / len(rows) if rows else 0.0 for j, k in enumerate(keys)}
    mean = sum(r[0] for r in rows) / len(rows) if rows else 0.0
    return {"spans": len(rows), "mean_score": mean, **overall, "bins": bins, "ece": ece}
