"""Session 17 diagnostic: the shape of the out-of-fold kept spans (trimmed) against gold, PTC train only."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

import numpy as np

from spinlens.text import sentences, trim_edges

from s14.oof import candidates, judgements, kept

W = re.compile(r"\w+")


def crosses(sent_ends: list[int], s: int, e: int) -> bool:
    i = bisect.bisect_right(sent_ends, s)  # first sentence ending after s
    return i < len(sent_ends) and sent_ends[i] < e


def main() -> None:
    arts, scores, gold, th, cands = candidates()
    J = judgements(Path("runs/g14/J2"), Path(".carry/sj2"))
    K = kept(cands, J, 0.4, 0.1)
    rows = {"kept": [], "gold": []}
    for a, v in K.items():
        t = arts[a]["text"]
        ends = [e for _, e in sentences(t)]
        g = gold[a]
        for s, e, _ in v:
            s, e = trim_edges(t, s, e)
            touch = any(gs < e and s < ge for gs, ge in g)
            rows["kept"].append((len(W.findall(t[s:e])), crosses(ends, s, e), touch))
        for s, e in g:
            rows["gold"].append((len(W.findall(t[s:e])), crosses(ends, s, e), True))
    for k, r in rows.items():
        n = np.array([x[0] for x in r])
        c = np.array([x[1] for x in r])
        print(
            f"{k}: {len(r)} spans, words mean {n.mean():.1f} quantiles {np.percentile(n, [10, 25, 50, 75, 90])}, "
            f"crossing a sentence end {c.mean():.3f}"
        )
    r = rows["kept"]
    for lo, hi in ((1, 1), (2, 2), (3, 4), (5, 8), (9, 16), (17, 32), (33, 999)):
        sel = [x for x in r if lo <= x[0] <= hi]
        gs = sum(lo <= x[0] <= hi for x in rows["gold"])
        if sel:
            print(
                f"words {lo}-{hi}: kept {len(sel)} (touching gold {np.mean([x[2] for x in sel]):.2f}), gold {gs}"
            )
    sel = [x for x in r if x[1]]
    print(f"crossing: kept {len(sel)}, touching gold {np.mean([x[2] for x in sel]):.2f}")


if __name__ == "__main__":
    main()
