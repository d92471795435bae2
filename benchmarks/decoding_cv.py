"""Does a decoding grid generalise across articles? Article-level cross-validation on the tuning articles.

    python benchmarks/decoding_cv.py RUN_DIR [--reps 5] [--folds 5]

``RUN_DIR`` holds ``tune_scores.npz`` and ``tune.json`` (e.g. ``runs/shipped/ensemble``, or a member's
``runs/shipped/s7``): the held-out PTC train articles scored by fold models that did not see them. For the
grid of ``spinlens.training.pipeline.decoding_grid`` with and without the span-level filter (``span_min``),
the thresholds are chosen on 4/5 of the articles and the 5th is decoded with them; the SI F1 of the pooled
held-out predictions is reported (mean and spread over ``--reps`` shuffles), next to the in-sample best
(what ``tune`` reports). Never PTC dev.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np

from spinlens.evaluation import si_scores
from spinlens.training.pipeline import _decode_no_head, decoding_grid, load_tune_scores


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--folds", type=int, default=5)
    a = ap.parse_args()
    arts, _, gold, ts = load_tune_scores(a.run_dir)
    grid = decoding_grid(span_min=True)
    pred = [
        {aid: [(s.start, s.end) for s in _decode_no_head(arts[aid]["text"], t, th)] for aid, t in ts.items()}
        for th in grid
    ]
    old = [grid.index(th) for th in decoding_grid(span_min=False)]  # the grid before the span filter
    ids = sorted(arts)

    def f1(i: int, subset: list[str]) -> float:
        return si_scores({k: pred[i][k] for k in subset}, {k: gold[k] for k in subset}).f1

    def cv(cands: list[int]) -> tuple[float, float]:
        res = []
        for rep in range(a.reps):
            order = ids[:]
            random.Random(rep).shuffle(order)
            pooled: dict[str, list[tuple[int, int]]] = {}
            for f in range(a.folds):
                held = set(order[f :: a.folds])
                train = [k for k in order if k not in held]
                best = max(cands, key=lambda i: f1(i, train))  # first best wins, as in tune()
                pooled.update({k: pred[best][k] for k in held})
            res.append(si_scores(pooled, gold).f1)
        return float(np.mean(res)), float(np.std(res))

    for name, cands in (("without span_min (old grid)", old), ("with span_min", list(range(len(grid))))):
        m, sd = cv(cands)
        best = max(cands, key=lambda i: f1(i, ids))
        print(
            f"{a.run_dir}: {name}: {len(cands)} settings; CV SI F1 {m:.3f} +- {sd:.3f} "
            f"({a.reps} x {a.folds}-fold, {len(ids)} articles); "
            f"in-sample best {f1(best, ids):.4f} {grid[best]}"
        )


if __name__ == "__main__":
    main()
