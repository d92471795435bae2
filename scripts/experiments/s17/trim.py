"""Session 17: the edge trim's variants T1-T3 on the out-of-fold kept spans of PTC train (no PTC dev)."""

from __future__ import annotations

import re
from pathlib import Path

from spinlens.evaluation import si_scores
from spinlens.text import trim_edges

from s14.oof import candidates, judgements, kept

TRAIL_WORDS = frozenset("a an the of and or but to in for with as at on by from".split())
OPENERS = "“‘([{«\"'"
LEAD_PUNCT = ",.;:)]}”’»"
# "...", "U.S.", "Mr.": the period belongs to the word
_ABBREV = re.compile(r"(\.\.|(?:^|[^\w])(?:[A-Za-z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Jr|Sr|St|Inc|Co|Ltd|etc|vs|No)\.)$")


def trim(text: str, s: int, e: int, variant: int) -> tuple[int, int]:
    s0, e0 = s, e
    while True:
        before = (s, e)
        while e > s and text[e - 1].isspace():
            e -= 1
        if (
            e > s
            and text[e - 1] in OPENERS
            and (text[e - 1] not in "\"'" or e - s == 1 or text[e - 2].isspace())
        ):
            e -= 1
            continue
        if variant >= 2 and e > s and text[e - 1] == "." and not _ABBREV.search(text[s:e]):
            e -= 1
            continue
        m = re.search(r"(?<![\w'’-])(\w+)$", text[s:e])
        if m and m.group(1).lower() in TRAIL_WORDS and m.start(1) > 0:
            e = s + m.start(1)
            continue
        if variant >= 3:
            while s < e and text[s].isspace():
                s += 1
            if s < e and text[s] in LEAD_PUNCT:
                s += 1
                continue
        if (s, e) == before:
            break
    while e > s and text[e - 1].isspace():
        e -= 1
    if not any(c.isalnum() for c in text[s:e]):
        return s0, e0
    return s, e


def main() -> None:
    arts, scores, gold, th, cands = candidates()
    J = judgements(Path("runs/g14/J2"), Path(".carry/sj2"))
    K = kept(cands, J, 0.4, 0.1)
    base = si_scores({a: [(s, e) for s, e, _ in v] for a, v in K.items()}, gold)
    print(f"untrimmed {base.f1:.6f} (P {base.precision:.4f} R {base.recall:.4f})")
    for var in (1, 2, 3):
        pred = {a: [trim(arts[a]["text"], s, e, var) for s, e, _ in v] for a, v in K.items()}
        n = sum(p != (s, e) for a, v in K.items() for p, (s, e, _) in zip(pred[a], v))
        r = si_scores(pred, gold)
        print(f"T{var}: {r.f1:.6f} (P {r.precision:.4f} R {r.recall:.4f}), {n} spans changed")
    # the product's function (spinlens.text.trim_edges) is T3: the same spans
    pred = {a: [trim_edges(arts[a]["text"], s, e) for s, e, _ in v] for a, v in K.items()}
    same = sum(p == trim(arts[a]["text"], s, e, 3) for a, v in K.items() for p, (s, e, _) in zip(pred[a], v))
    r = si_scores(pred, gold)
    print(f"trim_edges: {r.f1:.6f} (P {r.precision:.4f} R {r.recall:.4f}); same span as T3: {same}")


if __name__ == "__main__":
    main()
