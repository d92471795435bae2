"""Model selection on data no candidate trained on: SemEval-2021 Task 6 meme text (dev + test spans).

PTC dev is for reporting; the tuning articles of a cross-fitted student are its training articles. So when
models of different recipes compete for a slot (RESULTS section 2, session 7), they are compared here: SI F1
(the PTC scorer's span overlap, technique-agnostic, on all gold spans) and TC micro-F1 (gold spans
labelled, both sides mapped to PTC-14; spans of techniques PTC-14 lacks are left out of TC), and their mean.

    SPINLENS_DATA=../shared/data python benchmarks/select_se21.py src/spinlens/model_data runs/cf7/model
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from spinlens.datasets import read_semeval2021
from spinlens.evaluation import si_report, tc_report
from spinlens.evaluation.ptc import predict_article
from spinlens.model import SpanTagger
from spinlens.taxonomy import CANONICAL_TO_PTC14, SEMEVAL2021_TO_CANONICAL


def score(model_dir: Path, splits=("dev", "test"), fp32: bool = False, judge: bool = False) -> dict:
    tagger = SpanTagger(model_dir, threads=1, quantized=not fp32, judge=judge).load()
    gold, gold_si, pred_si, pred_tc = [], [], [], []
    n = 0
    for split in splits:
        for a in read_semeval2021(split).articles:
            n += 1
            aid = f"{split}/{a.id}"
            gold_si += [(aid, s.start, s.end, "Other") for s in a.spans]
            mine = []  # TC: the spans of techniques PTC-14 has
            for s in a.spans:
                canon = SEMEVAL2021_TO_CANONICAL.get(s.label)
                p14 = CANONICAL_TO_PTC14.get(canon) if canon else None
                if p14:
                    mine.append((aid, s.start, s.end, p14))
            gold += mine
            si_rows, tc_rows = predict_article(tagger, aid, a.text, [(g[1], g[2]) for g in mine])
            pred_si += si_rows
            pred_tc += tc_rows
    si = si_report(pred_si, gold_si)["overall"]
    tc = tc_report(pred_tc, gold)["micro_f1"]
    return {
        "model": f"{tagger.info.name} {tagger.info.version}",  # fp32 files: version ends in +fp32
        "texts": n,
        "gold_spans": len(gold_si),
        "gold_spans_ptc14": len(gold),
        "si_f1": round(si["f1"], 4),
        "si_p": round(si["precision"], 4),
        "si_r": round(si["recall"], 4),
        "tc_micro_f1": round(tc, 4),
        "mean": round((si["f1"] + tc) / 2, 4),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", type=Path, help="model folders (with model.json)")
    ap.add_argument("--fp32", action="store_true", help="the fp32 files (and fp32 thresholds, if any)")
    ap.add_argument("--judge", action="store_true", help="with the model's span judge")
    a = ap.parse_args(argv)
    for m in a.models:
        print(json.dumps(dict(score(m, fp32=a.fp32, judge=a.judge), dir=str(m))), flush=True)


if __name__ == "__main__":
    sys.exit(main())
