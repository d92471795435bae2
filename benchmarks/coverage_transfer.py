"""Label-free transfer of the `inside` cut-off to another model: the value at which the model's share of
characters inside predicted spans, on unlabeled SemEval-2025 EN test documents, comes closest to a reference
model's share (RESULTS.md section 2, session 8).

    SPINLENS_DATA=../shared/data python benchmarks/coverage_transfer.py MODEL_DIR [--reference DIR] [--docs N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spinlens.datasets import data_root
from spinlens.model import SpanTagger, TokenScores, decode_spans


def share(
    tagger: SpanTagger, texts: list[str], scores: list[TokenScores], inside: float | None = None
) -> float:
    """The share of the texts' characters that lie inside a span the tagger predicts."""
    th = dict(tagger.thresholds_) if inside is None else dict(tagger.thresholds_, inside=inside)
    covered = total = 0
    for text, sc in zip(texts, scores):
        m = np.zeros(len(text), bool)
        for s in decode_spans(text, sc, tagger.heads_, th, tagger.lexicon_):
            m[s.start : s.end] = True
        covered += int(m.sum())
        total += len(text)
    return covered / max(total, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--reference", type=Path, default=None, help="default: the shipped model")
    ap.add_argument("--docs", type=int, default=60)
    a = ap.parse_args()
    docs = sorted((data_root() / "semeval2025-task10/test/EN/subtask-2-documents").glob("*.txt"))[: a.docs]
    texts = [p.read_text(encoding="utf-8") for p in docs]
    ref = SpanTagger(a.reference, threads=1).load()
    target = share(ref, texts, [ref.score_tokens(t) for t in texts])
    tagger = SpanTagger(a.model, threads=1).load()
    scores = [tagger.score_tokens(t) for t in texts]
    print(
        f"reference {ref.info.name}: {target:.4f}; {tagger.info.name} at inside "
        f"{tagger.thresholds_['inside']}: {share(tagger, texts, scores):.4f}"
    )
    grid = [round(0.15 + 0.01 * i, 2) for i in range(26)]
    got = {g: share(tagger, texts, scores, g) for g in grid}
    for g in grid:
        print(f"inside {g:.2f}: {got[g]:.4f}")
    print(f"closest: inside {min(grid, key=lambda g: abs(got[g] - target))}")


if __name__ == "__main__":
    main()
