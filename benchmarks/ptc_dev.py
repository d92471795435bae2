"""PTC dev (SemEval-2020 Task 11): SI and TC of the shipped model, with per-technique tables.

Scored on all 75 dev articles: the shipped models (since 2026.11.26.3; ``--model-dir`` for a built one such
as ``accurate``) were trained without any of them (dropped from every source, SemEval-2023 train and the
PTC-18 copies included), and their thresholds and TC calibration were tuned on out-of-fold scores of PTC
*train* articles. ``--without-ptc18-copies`` scores the 72 that
models before 2026.11.26.3 never saw (``spinlens.datasets.PTC_DEV_COPIES_IN_PTC18``), to compare with them.

    python benchmarks/ptc_dev.py [--fp32] [--without-ptc18-copies] [--model-dir DIR] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from spinlens.datasets import PTC_DEV_COPIES_IN_PTC18, PTC_DIR, data_root
from spinlens.evaluation.ptc import evaluate_ptc
from spinlens.model import SpanTagger


def table(rows: dict, cols: list[str]) -> str:
    out = ["| technique | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for t, r in sorted(rows.items(), key=lambda kv: -kv[1].get("support", 0)):
        out.append(
            f"| {t} | "
            + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols)
            + " |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--fp32", action="store_true", help="also score the fp32 ONNX files (if exported locally)"
    )
    ap.add_argument("--markdown", type=Path, default=None)
    ap.add_argument(
        "--without-ptc18-copies",
        action="store_true",
        help="leave out the 3 dev articles that models before 2026.11.26.3 saw (PTC-18 copies)",
    )
    ap.add_argument("--model-dir", type=Path, default=None, help="model folder (default: the shipped one)")
    ap.add_argument(
        "--judge", action="store_true", help="with the model's span judge (--model thorough / thorough-fp32)"
    )
    a = ap.parse_args()
    base = data_root() / PTC_DIR
    variants = [("int8", True)] + ([("fp32", False)] if a.fp32 else [])
    md = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; command: "
        f"`python benchmarks/ptc_dev.py{' --fp32' if a.fp32 else ''}{' --judge' if a.judge else ''}"
        f"{' --without-ptc18-copies' if a.without_ptc18_copies else ''}"
        f"{f' --model-dir {a.model_dir}' if a.model_dir else ''}`",
        "",
    ]
    for name, quantized in variants:
        t0 = time.time()
        tagger = SpanTagger(a.model_dir, quantized=quantized, judge=a.judge).load()
        r = evaluate_ptc(
            tagger,
            base / "dev-articles",
            base / "dev-task-flc-tc.labels",
            exclude_ids=PTC_DEV_COPIES_IN_PTC18 if a.without_ptc18_copies else (),
        )
        dt = time.time() - t0
        print(
            json.dumps(
                {
                    "variant": name,
                    "si": r["si"],
                    "tc": r["tc"],
                    "articles": r["articles"],
                    "seconds": round(dt, 1),
                }
            )
        )
        md += [
            f"### {tagger.info.name} ({name}), sha256 {tagger.info.sha256[:16]}…",
            "",
            f"SI precision {r['si']['precision']:.4f}, recall {r['si']['recall']:.4f}, "
            f"**F1 {r['si']['f1']:.4f}**; "
            f"TC **micro-F1 {r['tc']['micro_f1']:.4f}** ({r['articles']} articles, {dt:.0f} s)",
            "",
            "SI per technique (spans predicted with that PTC-14 label vs gold spans of it):",
            "",
            table(r["si_per_technique"], ["precision", "recall", "f1", "support"]),
            "",
            "TC per technique (gold spans given):",
            "",
            table(r["tc_per_technique"], ["precision", "recall", "f1", "support"]),
            "",
        ]
    if a.markdown:
        a.markdown.write_text("\n".join(md))


if __name__ == "__main__":
    main()
