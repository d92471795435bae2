"""How often the other occurrences of a gold span's phrase are inside a gold span too.

The statistic behind ``thresholds["propagate"]`` (``spinlens.model.propagate_spans``): for each gold span
of an article, find the phrase's other whole-word occurrences in the same article (any letter case) and
count how many overlap a gold span. Training splits only (never PTC dev)::

    SPINLENS_DATA=../shared/data python benchmarks/propagation.py
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from spinlens.datasets import Corpus, read_ptc, read_ptc18, read_semeval2023
from spinlens.model import phrase_occurrences


def occurrence_stats(corpus: Corpus, exclude: set[str] = frozenset()) -> dict:
    """Counts over ``corpus`` (articles in ``exclude`` skipped), by phrase length in words."""
    total = Counter()
    covered = Counter()
    same_label = repetition = 0
    for art in corpus.articles:
        if art.id in exclude:
            continue
        gold = [(g.start, g.end, g.label) for g in art.spans]
        done: set[str] = set()
        for s, e, label in gold:
            frag = art.text[s:e].strip()
            if len(frag) < 3 or frag.lower() in done or not any(c.isalnum() for c in frag):
                continue
            done.add(frag.lower())
            words = min(len(frag.split()), 5)
            for ms, me in phrase_occurrences(art.text, frag):
                if ms < e and s < me:
                    continue  # the span itself
                total[words] += 1
                hit = [g for g in gold if g[0] < me and ms < g[1]]
                if hit:
                    covered[words] += 1
                    same_label += any(h[2] == label for h in hit)
                    repetition += any(h[2] == "Repetition" for h in hit)
    n, k = sum(total.values()), sum(covered.values())
    return {
        "occurrences": n,
        "inside_gold": k,
        "share": round(k / max(1, n), 3),
        "inside_with_same_label": same_label,
        "inside_labelled_repetition": repetition,
        "share_by_words": {
            (f"{w}+" if w == 5 else str(w)): round(covered[w] / total[w], 3) for w in sorted(total)
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="data root (default: $SPINLENS_DATA or ../shared/data)")
    a = ap.parse_args()
    dev = set(read_ptc("dev", a.data).by_id())
    for name, corpus in (
        ("PTC train", read_ptc("train", a.data)),
        ("PTC-18 (without PTC dev articles)", read_ptc18(a.data)),
        ("SemEval-2023 EN train (without PTC dev articles)", read_semeval2023("train", a.data)),
    ):
        print(json.dumps({"corpus": name, **occurrence_stats(corpus, dev)}))


if __name__ == "__main__":
    main()
