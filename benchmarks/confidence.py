"""What a span's confidence means: how often spans are right by score bin, on PTC dev (reported only).

For every span a model outputs on the 75 PTC dev articles: the share of its characters inside some gold
span ("span right", the SI view) and inside a gold span of the same PTC-14 technique ("label right";
techniques with no PTC-14 counterpart count as wrong), and whether it touches some gold span / one of its
technique. Spans are binned by their ``score``; a score that reads as a probability has "touches gold,
same label" close to the bin's mean score. The expected calibration error (ECE) is the span-weighted mean
gap between the two.

    python benchmarks/confidence.py [--model-dir DIR] [--judge] [--fp32] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from spinlens.datasets import PTC_DIR, data_root, read_ptc_articles, read_ptc_labels
from spinlens.model import SpanTagger
from spinlens.taxonomy import CANONICAL_TO_PTC14

EDGES = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def overlap_share(s: int, e: int, gold: list[tuple[int, int]]) -> float:
    """The share of ``[s, e)``'s characters inside the union of ``gold``."""
    covered = np.zeros(e - s, dtype=bool)
    for gs, ge in gold:
        a, b = max(s, gs), min(e, ge)
        if a < b:
            covered[a - s : b - s] = True
    return float(covered.mean()) if e > s else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--judge", action="store_true")
    ap.add_argument("--fp32", action="store_true", help="the fp32 files instead of int8")
    ap.add_argument("--markdown", type=Path, default=None)
    a = ap.parse_args()
    base = data_root() / PTC_DIR
    texts = read_ptc_articles(base / "dev-articles")
    rows, _ = read_ptc_labels(base / "dev-task-flc-tc.labels", texts)
    gold_any: dict[str, list[tuple[int, int]]] = defaultdict(list)
    gold_lab: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for aid, sp in rows:
        gold_any[aid].append((sp.start, sp.end))
        gold_lab[(aid, sp.label)].append((sp.start, sp.end))
    t0 = time.time()
    tagger = SpanTagger(a.model_dir, quantized=not a.fp32, judge=a.judge).load()
    out: list[tuple[float, float, float, float, float]] = []  # score, span/label right, span/label touch
    for aid, text in sorted(texts.items()):
        for sp in tagger.predict(text):
            lab = CANONICAL_TO_PTC14[sp.technique]
            right = overlap_share(sp.start, sp.end, gold_any[aid])
            lab_right = overlap_share(sp.start, sp.end, gold_lab[(aid, lab)]) if lab else 0.0
            touch = float(any(gs < sp.end and sp.start < ge for gs, ge in gold_any[aid]))
            lab_touch = float(
                bool(lab) and any(gs < sp.end and sp.start < ge for gs, ge in gold_lab[(aid, lab)])
            )
            out.append((float(sp.score), right, lab_right, touch, lab_touch))
    dt = time.time() - t0
    arr = np.array(out)
    md = [
        f"### {tagger.info.name} {tagger.info.version} ({'fp32' if a.fp32 else 'int8'}"
        f"{', judge' if a.judge else ''}): {len(arr)} spans on {len(texts)} PTC dev articles, {dt:.0f} s",
        "",
        "| score | spans | mean score | span right | label right | touches gold | touches gold, same label |",
        "|---|---|---|---|---|---|---|",
    ]
    ece = 0.0
    for lo, hi in zip(EDGES, EDGES[1:]):
        m = (arr[:, 0] >= lo) & (arr[:, 0] < hi)
        if not m.any():
            continue
        sc, r, lr, t, lt = arr[m].mean(axis=0)
        ece += m.sum() / len(arr) * abs(sc - lt)
        md.append(
            f"| {lo:.1f}-{min(hi, 1.0):.1f} | {int(m.sum())} | {sc:.3f} | {r:.3f} | {lr:.3f} | {t:.3f} "
            f"| {lt:.3f} |"
        )
    sc, r, lr, t, lt = arr.mean(axis=0)
    md += [
        f"| all | {len(arr)} | {sc:.3f} | {r:.3f} | {lr:.3f} | {t:.3f} | {lt:.3f} |",
        "",
        f"ECE (score against touches gold, same label): {ece:.3f}. "
        f"Machine: {platform.machine()}, {os.cpu_count()} cores.",
        "",
    ]
    print("\n".join(md))
    if a.markdown:
        a.markdown.write_text("\n".join(md))


if __name__ == "__main__":
    main()
