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
from pathlib import Path

from spinlens.datasets import PTC_DIR, data_root
from spinlens.evaluation.ptc import ptc_score_reliability
from spinlens.model import SpanTagger


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--judge", action="store_true")
    ap.add_argument("--fp32", action="store_true", help="the fp32 files instead of int8")
    ap.add_argument("--markdown", type=Path, default=None)
    a = ap.parse_args()
    base = data_root() / PTC_DIR
    t0 = time.time()
    tagger = SpanTagger(a.model_dir, quantized=not a.fp32, judge=a.judge).load()
    r = ptc_score_reliability(tagger, base / "dev-articles", base / "dev-task-flc-tc.labels")
    dt = time.time() - t0
    md = [
        f"### {tagger.info.name} {tagger.info.version} ({'fp32' if a.fp32 else 'int8'}"
        f"{', judge' if a.judge else ''}): {r['spans']} spans on the PTC dev articles, {dt:.0f} s",
        "",
        "| score | spans | mean score | span right | label right | touches gold | touches gold, same label |",
        "|---|---|---|---|---|---|---|",
    ]
    cols = ("mean_score", "span_right", "label_right", "touches", "touches_label")
    for b in r["bins"]:
        md.append(
            f"| {b['lo']:.1f}-{b['hi']:.1f} | {b['spans']} | "
            + " | ".join(f"{b[c]:.3f}" for c in cols)
            + " |"
        )
    md += [
        f"| all | {r['spans']} | " + " | ".join(f"{r[c]:.3f}" for c in cols) + " |",
        "",
        f"ECE (score against touches gold, same label): {r['ece']:.3f}. "
        f"Machine: {platform.machine()}, {os.cpu_count()} cores.",
        "",
    ]
    print("\n".join(md))
    if a.markdown:
        a.markdown.write_text("\n".join(md))


if __name__ == "__main__":
    main()
