"""How closely int8 spans follow the fp32 spans of the same weights, without labels.

    SPINLENS_DATA=../shared/data python benchmarks/int8_agreement.py [--docs 60] [--old-model-json FILE]
        [--model-dir DIR ...]

On the first ``--docs`` SemEval-2025 T10 EN test documents (used without labels): the official SI F1 of the
int8 spans against the fp32 spans, and TC agreement (the int8 model's top technique on the fp32 model's spans
against the fp32 model's). For the shipped model (or each ``--model-dir``) with its own thresholds, and with
the thresholds of ``--old-model-json`` (e.g. ``git show 74b57f6:src/spinlens/model_data/model.json``). Needs
the fp32 ONNX files (not shipped; ``spinlens train`` and ``reexport`` write them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spinlens._modelmeta import default_model_dir
from spinlens.datasets import data_root
from spinlens.evaluation import si_scores
from spinlens.model import SpanTagger, decode_spans


def agreement(model_dir: Path, texts: dict[str, str], old_thresholds: dict | None) -> None:
    spans: dict[tuple[bool, str], dict[str, list[tuple[int, int]]]] = {}
    taggers, scored = {}, {}
    for quantized in (True, False):
        t = SpanTagger(model_dir, threads=2, quantized=quantized).load()
        taggers[quantized] = t
        variants = {"own": t.thresholds_, **({"old": old_thresholds} if old_thresholds else {})}
        scores = scored[quantized] = {k: t.score_tokens(x) for k, x in texts.items()}
        for name, th in variants.items():
            spans[(quantized, name)] = {
                k: sorted({(s.start, s.end) for s in decode_spans(texts[k], scores[k], t.heads_, th)})
                for k in texts
            }
    for name in sorted({n for _, n in spans}):
        r = si_scores(spans[(True, name)], spans[(False, name)])
        n8 = sum(map(len, spans[(True, name)].values()))
        n32 = sum(map(len, spans[(False, name)].values()))
        same = total = 0
        for k, text in texts.items():
            ref = spans[(False, name)][k]
            if not ref:
                continue
            a = taggers[True].classify(text, ref, scored[True][k]).argmax(-1)
            b = taggers[False].classify(text, ref, scored[False][k]).argmax(-1)
            same += int((a == b).sum())
            total += len(ref)
        print(
            f"{model_dir} ({name} thresholds): int8 vs fp32 SI F1 {r.f1:.3f}, TC agreement "
            f"{same / max(total, 1):.3f} ({n8} vs {n32} spans, {len(texts)} documents)"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--old-model-json", type=Path, default=None)
    ap.add_argument("--model-dir", type=Path, action="append", default=None)
    a = ap.parse_args()
    docs = sorted((data_root() / "semeval2025-task10/test/EN/subtask-2-documents").glob("*.txt"))[: a.docs]
    texts = {p.stem: p.read_text(encoding="utf-8") for p in docs}
    old = json.loads(a.old_model_json.read_text())["thresholds"] if a.old_model_json else None
    for model_dir in a.model_dir or [default_model_dir()]:
        agreement(model_dir, texts, old)


if __name__ == "__main__":
    main()
