"""Session 15: the int8 tagger's `inside` / `span_min` chosen to agree with its fp32 weights' spans, without
labels: on the first 60 SemEval-2025 EN train documents (choice), then the 60 test documents of
`benchmarks/fidelity.py` (report). argv: BUILT (a build with --keep-fp32)"""

import itertools
import sys
from pathlib import Path

import numpy as np

from spinlens.datasets import data_root
from spinlens.evaluation._scorers import si_scores
from spinlens.model import SpanTagger

built = Path(sys.argv[1])
fp32 = SpanTagger(built, threads=2, quantized=False).load()
int8 = SpanTagger(built, threads=2).load()
base = dict(int8.thresholds_)
root = data_root() / "semeval2025-task10"


def docs(split: str) -> dict[str, str]:
    paths = sorted((root / f"{split}/EN/subtask-2-documents").glob("*.txt"))[:60]
    if not paths:
        paths = sorted((root / f"{split}/EN/raw-documents").glob("*.txt"))[:60]
    return {p.stem: p.read_text(encoding="utf-8") for p in paths}


def agreement(texts: dict[str, str], grid) -> dict:
    ref = {k: [(s.start, s.end) for s in fp32.predict(x)] for k, x in texts.items()}
    scores = {k: int8.score_tokens(x) for k, x in texts.items()}
    out = {}
    for inside, span_min in grid:
        int8.thresholds_ = dict(base, inside=inside, span_min=span_min)
        pred = {k: [(s.start, s.end) for s in int8.predict_scores(texts[k], scores[k])] for k in texts}
        r = si_scores(pred, ref)
        out[(inside, span_min)] = (r.f1, r.precision, r.recall, sum(map(len, pred.values())))
    int8.thresholds_ = base
    return out


train = docs("train")
print(f"{len(train)} train documents; recipe thresholds inside {base['inside']} span_min {base['span_min']}")
grid = list(itertools.product(np.arange(0.15, 0.2001, 0.01).round(2), np.arange(0.40, 0.4501, 0.01).round(2)))
res = agreement(train, grid)
for k, v in sorted(res.items(), key=lambda kv: -kv[1][0])[:6]:
    print("train", k, np.round(v[:3], 4), v[3], "spans")
own = (float(base["inside"]), float(base["span_min"]))
print("train, recipe's own", own, np.round(res[own][:3], 4), res[own][3])
best = max(res, key=lambda k: (res[k][0], k == own))
rt = agreement(docs("test"), [own, best])
for k, v in rt.items():
    print("test (fidelity.py's documents)", k, np.round(v[:3], 4), v[3], "spans")
