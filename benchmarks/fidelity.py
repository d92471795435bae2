"""Agreement of candidate one-encoder models with the shipped ensemble, without labels.

    SPINLENS_DATA=../shared/data python benchmarks/fidelity.py [--docs 60] [--reference DIR] [MODEL_DIR ...]

On the first ``--docs`` SemEval-2025 T10 EN *test* documents (used without labels), each candidate's spans
are scored with the official SI F1 against the ensemble's spans, and its top technique on the ensemble's
spans is compared with the ensemble's (TC agreement). Each member of the shipped ensemble alone is always
a candidate: a one-encoder replacement (a distilled student, a weight soup) should agree more than they do.
``--reference DIR``: agreement with that model instead of the shipped one (its members are then not listed),
e.g. a model built from a coarser delta against the same weights built from the finer one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from spinlens._modelmeta import default_model_dir
from spinlens.datasets import data_root
from spinlens.evaluation._scorers import si_scores
from spinlens.model import SpanTagger


def member_dirs(tmp: Path) -> list[Path]:
    """One model folder per member of the shipped ensemble (links to the shipped files)."""
    ship = default_model_dir()
    meta = json.loads((ship / "model.json").read_text())
    out = []
    for i, mem in enumerate(meta["files"]["members"]):
        d = tmp / f"member{i}"
        d.mkdir()
        lexicon = [meta["files"]["span_lexicon"]["name"]] if "span_lexicon" in meta["files"] else []
        for f in (mem["onnx_int8"]["name"], mem["heads"]["name"], "tokenizer.json", *lexicon):
            (d / f).symlink_to((ship / f).resolve())
        (d / "model.json").write_text(json.dumps(dict(meta, files=dict(meta["files"], members=[mem]))))
        out.append(d)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--reference", type=Path, default=None, help="the model to agree with (default: shipped)")
    ap.add_argument("--reference-fp32", action="store_true", help="the reference's fp32 file (if built)")
    a = ap.parse_args()
    docs = sorted((data_root() / "semeval2025-task10/test/EN/subtask-2-documents").glob("*.txt"))[: a.docs]
    texts = {p.stem: p.read_text(encoding="utf-8") for p in docs}
    ref = SpanTagger(a.reference, threads=1, quantized=not a.reference_fp32).load()
    ref_scores = {k: ref.score_tokens(x) for k, x in texts.items()}
    ref_pred = {k: ref.predict_scores(texts[k], ref_scores[k]) for k in texts}
    gold = {k: [(s.start, s.end) for s in v] for k, v in ref_pred.items()}
    print(f"{len(texts)} documents, ensemble {ref.info.name}: {sum(map(len, gold.values()))} spans")
    with tempfile.TemporaryDirectory() as tmp:
        for d in ([] if a.reference else member_dirs(Path(tmp))) + list(a.models):
            t = SpanTagger(d, threads=1).load()
            t0 = time.perf_counter()
            scores = {k: t.score_tokens(x) for k, x in texts.items()}
            el = time.perf_counter() - t0
            pred = {k: [(s.start, s.end) for s in t.predict_scores(texts[k], scores[k])] for k in texts}
            f = si_scores(pred, gold)
            agree = []
            for k in texts:
                if gold[k]:
                    a_ = ref.classify(texts[k], gold[k], ref_scores[k]).argmax(1)
                    b_ = t.classify(texts[k], gold[k], scores[k]).argmax(1)
                    agree += list(a_ == b_)
            name = d.name if str(d).startswith(tmp) else str(d)
            print(
                f"{name}: SI F1 against the ensemble {f.f1:.3f} (P {f.precision:.3f} R {f.recall:.3f}), "
                f"{sum(map(len, pred.values()))} spans; TC agreement {np.mean(agree):.3f}; encoder {el:.1f} s"
            )


if __name__ == "__main__":
    main()
