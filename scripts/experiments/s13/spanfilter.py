"""Session 13: can a span-level classifier on the out-of-fold scores keep better spans than the mean-P(in)
cut-off (``span_min``)? Out of fold only (runs/g12/crossfit: the 3 fold models' scores of the 371 PTC train
articles); no PTC dev. argv: [--folds 5]"""

import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

from spinlens.evaluation import si_scores
from spinlens.model import char_to_token_span
from spinlens.training.pipeline import _decode_no_head, load_tune_scores

run = Path("runs/g12/crossfit")
arts, scores, gold, ts = load_tune_scores(run)
th = json.loads((run / "thresholds.json").read_text())["thresholds"]
cand_th = dict(th, span_min=0.0)


def merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


rows, ids, spans_of, target = [], [], [], []
for a in sorted(ts):
    text, sc = arts[a]["text"], ts[a]
    p_in = sc.p_bio[:, 1] + sc.p_bio[:, 2]
    art_mean = float(p_in.mean())
    G = merged(gold[a])
    cands = [(s.start, s.end, 0.0) for s in _decode_no_head(text, sc, cand_th)]
    for s, e, conf in cands:
        tok = char_to_token_span(sc.offsets, s, e)
        if tok is None:
            continue
        i, j = tok
        seg = p_in[i : j + 1]
        pt = sc.p_tech[i : j + 1].mean(0)
        before = p_in[max(0, i - 5) : i]
        after = p_in[j + 1 : j + 6]
        t = text[s:e]
        pre = text[max(0, s - 2) : s]
        f = [
            seg.mean(),
            seg.max(),
            seg.min(),
            seg.std(),
            sc.p_bio[i, 1],
            sc.p_bio[i : j + 1, 1].max(),
            np.log1p(j - i + 1),
            np.log1p(e - s),
            before.mean() if len(before) else 0.0,
            after.mean() if len(after) else 0.0,
            pt.max(),
            -(pt * np.log(pt + 1e-9)).sum(),
            float(t[:1].isupper()),
            float('"' in t or "“" in t or "”" in t),
            float(bool(re.search(r"[.!?]\s*$", pre)) or s == 0),
            float(bool(re.search(r"[.!?]$", t))),
            sum(c.isupper() for c in t) / max(1, len(t)),
            art_mean,
            np.log1p(len(sc.offsets)),
            s / max(1, len(text)),
            *pt,
        ]
        ov = sum(max(0, min(e, g1) - max(s, g0)) for g0, g1 in G)
        rows.append(f)
        ids.append(a)
        spans_of.append((a, s, e))
        target.append(ov > 0)
X = np.array(rows, dtype=np.float64)
y = np.array(target)
groups = np.array(ids)
print(f"{len(y)} candidates (span_min 0), {y.mean():.3f} overlap gold; {len(set(ids))} articles")


def si_keep(keep):
    pred = {a: [] for a in ts}
    for (a, s, e), k in zip(spans_of, keep):
        if k:
            pred[a].append((s, e))
    return si_scores(pred, gold).f1


base = {m: si_keep(X[:, 0] >= m) for m in (0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)}
print("mean P(in) cut-off:", {k: round(v, 4) for k, v in base.items()})
folds = GroupKFold(n_splits=int(sys.argv[sys.argv.index("--folds") + 1]) if "--folds" in sys.argv else 5)
for name, make in (
    ("logistic", lambda: LogisticRegression(C=1.0, max_iter=2000)),
    ("gbdt", lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15)),
):
    p = np.zeros(len(y))
    for tr, te in folds.split(X, y, groups):
        sc_ = StandardScaler().fit(X[tr])
        m = make().fit(sc_.transform(X[tr]), y[tr])
        p[te] = m.predict_proba(sc_.transform(X[te]))[:, 1]
    res = {t: round(si_keep(p >= t), 4) for t in np.arange(0.2, 0.75, 0.05).round(2)}
    print(name, res)

# the ceiling: recall of every candidate, and of candidates at a lower ``inside``
pred0 = {a: [] for a in ts}
for a, s, e in spans_of:
    pred0[a].append((s, e))
print("all candidates (inside %.2f):" % th["inside"], si_scores(pred0, gold))
for inside in (0.1, 0.05):
    p1 = {
        a: [(s.start, s.end) for s in _decode_no_head(arts[a]["text"], ts[a], dict(cand_th, inside=inside))]
        for a in ts
    }
    print(f"all candidates (inside {inside}):", si_scores(p1, gold))
