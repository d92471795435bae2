"""How closely the int8 model's spans follow the fp32 model's, without labels, for two sets of thresholds.

    SPINLENS_DATA=../shared/data python benchmarks/int8_agreement.py [--docs 60] [--old-model-json FILE]

On the first ``--docs`` SemEval-2025 T10 EN test documents (used without labels), the official SI F1 of the
int8 spans against the fp32 spans of the same weights: with the shipped thresholds, and with the thresholds
of ``--old-model-json`` (e.g. ``git show 74b57f6:src/spinlens/model_data/model.json``). Needs the fp32
ONNX files (not shipped; ``spinlens train`` writes them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spinlens.datasets import data_root
from spinlens.evaluation import si_scores
from spinlens.model import SpanTagger, decode_spans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--old-model-json", type=Path, default=None)
    a = ap.parse_args()
    docs = sorted((data_root() / "semeval2025-task10/test/EN/subtask-2-documents").glob("*.txt"))[: a.docs]
    texts = {p.stem: p.read_text(encoding="utf-8") for p in docs}
    variants: dict[str, dict] = {}
    spans: dict[tuple[bool, str], dict[str, list[tuple[int, int]]]] = {}
    for quantized in (True, False):
        t = SpanTagger(threads=2, quantized=quantized).load()
        variants = {"shipped": t.thresholds_}
        if a.old_model_json:
            variants["old"] = json.loads(a.old_model_json.read_text())["thresholds"]
        scores = {k: t.score_tokens(x) for k, x in texts.items()}
        for name, th in variants.items():
            spans[(quantized, name)] = {
                k: sorted({(s.start, s.end) for s in decode_spans(texts[k], scores[k], t.heads_, th)})
                for k in texts
            }
    for name in variants:
        r = si_scores(spans[(True, name)], spans[(False, name)])
        n8 = sum(map(len, spans[(True, name)].values()))
        n32 = sum(map(len, spans[(False, name)].values()))
        print(f"{name}: int8 vs fp32 SI F1 {r.f1:.3f} ({n8} vs {n32} spans, {len(texts)} documents)")


if __name__ == "__main__":
    main()
