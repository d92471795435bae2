"""Session 15, a measurement: does a model find spans in a pasted excerpt of news as in the whole article?
PTC dev articles cut into runs of whole lines of at most 60 / 150 / 400 words, each analysed alone, the spans
mapped back (SI against the article's gold). argv: [MODEL_DIR or - for the default model]"""

import re
import sys

from spinlens.datasets import read_ptc
from spinlens.evaluation import si_scores
from spinlens.model import SpanTagger


def chunks(text: str, maxw: int) -> list[tuple[int, int, int]]:
    """Runs of consecutive non-empty lines of at most ``maxw`` words (a longer line alone)."""
    out, cur = [], None
    for m in re.finditer(r"[^\n]+", text):
        w = len(m.group().split())
        if cur and cur[2] + w > maxw:
            out.append(cur)
            cur = None
        cur = (cur[0], m.end(), cur[2] + w) if cur else (m.start(), m.end(), w)
    if cur:
        out.append(cur)
    return out


mdir = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
tagger = SpanTagger(mdir, threads=2).load()
dev = read_ptc("dev").articles
gold = {a.id: [(s.start, s.end) for s in a.spans] for a in dev}
full = {a.id: [(s.start, s.end) for s in tagger.predict(a.text)] for a in dev}
print("full articles", si_scores(full, gold))
for maxw in (60, 150, 400):
    pred, n = {}, 0
    for a in dev:
        p = []
        for s, e, _ in chunks(a.text, maxw):
            n += 1
            p += [(s + x.start, s + x.end) for x in tagger.predict(a.text[s:e])]
        pred[a.id] = p
    print(f"chunks of <= {maxw} words ({n} chunks)", si_scores(pred, gold), flush=True)
