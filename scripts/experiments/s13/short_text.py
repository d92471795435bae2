"""Session 13, a measurement for the next owner: how much of `accurate`'s span recall on short meme text
would thresholds tuned on SemEval-2021 *train* recover? Tuned on train (SI), scored on dev + test (the
select_se21.py texts). argv: BUILT_DIR"""

import itertools
import sys
from pathlib import Path

from spinlens.datasets import read_semeval2021
from spinlens.evaluation import si_scores
from spinlens.model import SpanTagger

tagger = SpanTagger(Path(sys.argv[1]), threads=1).load()
base = dict(tagger.thresholds_)


def scored(splits):
    out = {}
    for split in splits:
        for a in read_semeval2021(split).articles:
            out[f"{split}/{a.id}"] = (
                a.text,
                tagger.score_tokens(a.text),
                [(s.start, s.end) for s in a.spans],
            )
    return out


def si(data, th):
    tagger.thresholds_ = th
    pred = {k: [(s.start, s.end) for s in tagger.predict_scores(t, sc)] for k, (t, sc, _) in data.items()}
    return si_scores(pred, {k: g for k, (_, _, g) in data.items()})


train, held = scored(["train"]), scored(["dev", "test"])
grid = itertools.product([0.05, 0.1, 0.15, 0.2], [0.0, 0.1, 0.2, 0.3, 0.45], [0.5, 1.1])
best = max(
    (si(train, dict(base, inside=i, span_min=m, split_b=b)).f1, i, m, b)
    for i, m, b in grid
    if m == 0 or m > i
)
print(
    f"{len(train)} train texts; best on train: SI {best[0]:.4f} at inside {best[1]}, span_min {best[2]}, "
    f"split_b {best[3]} (the shipped thresholds on train: {si(train, base).f1:.4f})"
)
for name, th in (
    ("shipped thresholds", base),
    ("tuned on train", dict(base, inside=best[1], span_min=best[2], split_b=best[3])),
):
    r = si(held, th)
    print(f"dev + test ({len(held)} texts), {name}: SI {r.f1:.4f} (P {r.precision:.4f}, R {r.recall:.4f})")
