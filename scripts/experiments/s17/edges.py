"""Session 17 diagnostic: function words at the edges of the kept spans vs gold (out of fold, PTC train)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from spinlens.evaluation import si_scores
from spinlens.rules import _STOPWORDS

from s14.oof import candidates, judgements, kept

W = re.compile(r"[\w'’-]+|[^\w\s]")


def edges(text: str) -> tuple[str, str]:
    toks = W.findall(text)
    return (toks[0].lower(), toks[-1].lower()) if toks else ("", "")


def main() -> None:
    arts, scores, gold, th, cands = candidates()
    J = judgements(Path("runs/g14/J2"), Path(".carry/sj2"))
    K = kept(cands, J, 0.4, 0.1)
    gl, gr, kl, kr = Counter(), Counter(), Counter(), Counter()
    ng = nk = 0
    for a, v in K.items():
        t = arts[a]["text"]
        for s, e, _ in v:
            x, y = edges(t[s:e])
            kl[x] += 1
            kr[y] += 1
            nk += 1
        for s, e in gold[a]:
            x, y = edges(t[s:e])
            gl[x] += 1
            gr[y] += 1
            ng += 1
    print(f"kept {nk}, gold {ng}")
    for name, kc, gc in (("first", kl, gl), ("last", kr, gr)):
        words = [w for w in set(kc) | set(gc) if w in _STOPWORDS or not w.isalnum()]
        words.sort(key=lambda w: -(kc[w] / nk - gc[w] / ng))
        print(name, [(w, kc[w], gc[w]) for w in words[:25]])
    base = si_scores({a: [(s, e) for s, e, _ in v] for a, v in K.items()}, gold)
    print(f"base {base.f1:.4f} P {base.precision:.3f} R {base.recall:.3f}")


if __name__ == "__main__":
    main()
