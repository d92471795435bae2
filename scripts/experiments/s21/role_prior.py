"""Session 21: main-role decoding corrected for the class prior (RESULTS section 7, "Session 21").

The role model's argmax follows its prior (Antagonist 70 % of train mentions). Candidate decodings: argmax of
p_i / prior_i ** alpha, alpha in ALPHAS (0: the shipped argmax), prior = the training fold's role shares. The
model is the shipped one (C chosen by train_roles's CV accuracy under argmax, per seed); only the decoding
varies. 5-fold CV grouped by article on SemEval-2025 T10 EN train, seeds 13-17; dev is not read.

Run: SPINLENS_DATA=../shared/data PYTHONPATH=src .venv/bin/python scripts/experiments/s21/role_prior.py
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np

from spinlens.analysis._entities import MAIN_ROLES
from spinlens.analysis._features import softmax
from spinlens.training import analysis_train as T

ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def scores(gold: list[str], pred: list[str]) -> tuple[float, float]:
    acc = float(np.mean([g == p for g, p in zip(gold, pred)]))
    f1s = []
    for r in MAIN_ROLES:
        tp = sum(g == r and p == r for g, p in zip(gold, pred))
        fp = sum(g != r and p == r for g, p in zip(gold, pred))
        fn = sum(g == r and p != r for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, float(np.mean(f1s))


def main() -> None:
    root = Path(os.environ.get("SPINLENS_DATA", "../shared/data"))
    ms, texts = T.read_roles(root, "train")
    bags = T._role_bags(ms, texts)
    gold = [m.main for m in ms]
    res: dict[float, list[tuple[float, float]]] = {a: [] for a in ALPHAS}
    for seed in (13, 14, 15, 16, 17):
        folds = T._group_kfold([m.doc for m in ms], 5, seed)
        best = None
        for C in T.ROLE_C:
            probs = np.zeros((len(ms), len(MAIN_ROLES)))
            priors = np.zeros((len(ms), len(MAIN_ROLES)))
            for te in folds:
                tr = np.setdiff1d(np.arange(len(ms)), te)
                model = T._fit_roles([bags[i] for i in tr], [ms[i] for i in tr], C, 0.5)
                share = Counter(ms[i].main for i in tr)
                prior = np.array([share[r] / len(tr) for r in MAIN_ROLES])
                for i in te:
                    idx, val = model.vectorizer.transform_terms(bags[i])
                    probs[i] = softmax(model.main.decision(idx, val))
                    priors[i] = prior
            acc = scores(gold, [MAIN_ROLES[j] for j in probs.argmax(1)])[0]
            if best is None or acc > best[0]:
                best = (acc, C, probs, priors)
        _, C, probs, priors = best
        line = [f"seed {seed} C={C}"]
        for a in ALPHAS:
            pred = [MAIN_ROLES[j] for j in (probs / priors**a).argmax(1)]
            res[a].append(scores(gold, pred))
            line.append(f"a={a}: acc {res[a][-1][0]:.4f} mF1 {res[a][-1][1]:.4f}")
        print("  ".join(line), flush=True)
    for a in ALPHAS:
        acc = np.mean([r[0] for r in res[a]])
        mf1 = np.mean([r[1] for r in res[a]])
        print(f"alpha {a}: main accuracy {acc:.4f}  macro-F1 {mf1:.4f}")


if __name__ == "__main__":
    main()
