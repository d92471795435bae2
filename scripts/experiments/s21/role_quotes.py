"""Session 21: do quote features help the entity-role model? (RESULTS section 7, "Session 21")

SemEval-2025 T10 EN train: a mention whose name is the speaker of a direct or reported quote (spinlens's
quote rules) is Protagonist 46 of 145 times (32 %), other mentions 84 of 541 (16 %). Arm B adds to each
mention's terms ``q:speaker`` (its name speaks a quote in the article) and ``q:inquote`` (the mention sits
inside a direct quote), each ``REPEAT`` times; arm A is the shipped features. Both arms: train_roles's own
selection (C and fine threshold by 5-fold CV grouped by article), seeds 13-17, train only; dev is not read.

Run: SPINLENS_DATA=../shared/data PYTHONPATH=src .venv/bin/python scripts/experiments/s21/role_quotes.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from spinlens.analysis import find_quotes
from spinlens.analysis._entities import normalize_name
from spinlens.training import analysis_train as T

REPEAT = int(os.environ.get("REPEAT", "2"))


def quote_terms(ms, texts) -> list[list[str]]:
    quotes = {d: find_quotes(t) for d, t in texts.items()}
    out = []
    for m in ms:
        qs = quotes[m.doc]
        speakers = {normalize_name(q.speaker) for q in qs if q.speaker and q.kind in ("direct", "reported")}
        name = normalize_name(m.mention)
        extra = []
        if name and any(s and (name in s or s in name) for s in speakers):
            extra += ["q:speaker"] * REPEAT
        if any(q.start <= m.start < q.end for q in qs if q.kind == "direct"):
            extra += ["q:inquote"] * REPEAT
        out.append(extra)
    return out


def cv(ms, bags, seed: int) -> tuple[float, float]:
    folds = T._group_kfold([m.doc for m in ms], 5, seed)
    gold = {i: (m.main, m.fine) for i, m in enumerate(ms)}
    best = (-1.0, 0.0)
    for C in T.ROLE_C:
        models = []
        for te in folds:
            tr = np.setdiff1d(np.arange(len(ms)), te)
            models.append((te, T._fit_roles([bags[i] for i in tr], [ms[i] for i in tr], C, 0.5)))
        for th in T.FINE_T:
            pred = {}
            for te, m in models:
                m.fine_threshold = th
                for i, p in zip(te, T._role_pred(m, [bags[i] for i in te])):
                    pred[i] = p
            s = T.M.role_scores(gold, pred)
            best = max(best, (s["main_accuracy"], s["emr"]))
    return best


def main() -> None:
    root = Path(os.environ.get("SPINLENS_DATA", "../shared/data"))
    ms, texts = T.read_roles(root, "train")
    base = T._role_bags(ms, texts)
    extra = quote_terms(ms, texts)
    print(
        f"mentions {len(ms)}; with q:speaker {sum('q:speaker' in e for e in extra)}, "
        f"q:inquote {sum('q:inquote' in e for e in extra)}; REPEAT {REPEAT}",
        flush=True,
    )
    arms = {"A": base, "B": [b + e for b, e in zip(base, extra)]}
    res = {a: [] for a in arms}
    for seed in (13, 14, 15, 16, 17):
        for a, bags in arms.items():
            res[a].append(cv(ms, bags, seed))
        print(
            f"seed {seed}: "
            + "  ".join(f"{a} acc {res[a][-1][0]:.4f} emr {res[a][-1][1]:.4f}" for a in arms),
            flush=True,
        )
    for a in arms:
        acc = np.mean([r[0] for r in res[a]])
        emr = np.mean([r[1] for r in res[a]])
        print(f"{a}: main accuracy {acc:.4f}  EMR {emr:.4f}")
    print(f"B - A: accuracy {np.mean([b[0] - a[0] for a, b in zip(res['A'], res['B'])]) * 100:+.2f} points")


if __name__ == "__main__":
    sys.exit(main())
