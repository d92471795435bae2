"""Session 18 diagnostic: gold spans of PTC train whose words are another gold span of the same article."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from spinlens.training.pipeline import load_tune_scores

CF = Path("runs/g12/crossfit")


def main() -> None:
    arts, _, _, _ = load_tune_scores(CF)
    stats: dict[str, Counter] = {k: Counter() for k in ("twin", "twin_later", "twin_first", "none")}
    for a in arts.values():
        text = a["text"]
        norm = [" ".join(text[s:e].lower().split()) for s, e, _ in a["spans"]]
        for i, (s, e, lab) in enumerate(a["spans"]):
            twins = [j for j, n in enumerate(norm) if n == norm[i] and tuple(a["spans"][j][:2]) != (s, e)]
            if not twins:
                stats["none"][lab] += 1
                continue
            stats["twin"][lab] += 1
            if any(a["spans"][j][0] < s for j in twins):
                stats["twin_later"][lab] += 1
            else:
                stats["twin_first"][lab] += 1
    for k, c in stats.items():
        n = sum(c.values())
        rep = c["Repetition"]
        print(f"{k}: {n} spans, Repetition {rep} ({rep / max(n, 1):.2f}); top {c.most_common(4)}")


if __name__ == "__main__":
    main()
