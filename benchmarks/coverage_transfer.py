"""Label-free transfer of decoding thresholds to another model, on unlabeled SemEval-2025 EN test documents.

Default: the `inside` cut-off at which the model's share of characters inside predicted spans comes closest to
a reference model's share (RESULTS.md section 2, session 8). ``--quantile``: the thresholds that read the BIO
scale (`inside`, `span_min` on P(B)+P(I), `split_b` on P(B)) moved to the quantile of the model's own token
scores at the level where the reference's token scores have the reference's threshold (session 10); with
``--write DIR`` the model's thresholds with those values go to ``DIR/thresholds.json``.

    SPINLENS_DATA=../shared/data python benchmarks/coverage_transfer.py MODEL_DIR [--reference DIR] [--docs N]
    SPINLENS_DATA=../shared/data python benchmarks/coverage_transfer.py MODEL_DIR --quantile [--write DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spinlens.datasets import data_root
from spinlens.model import SpanTagger, TokenScores, decode_spans


def share(
    tagger: SpanTagger,
    texts: list[str],
    scores: list[TokenScores],
    inside: float | None = None,
    thresholds: dict | None = None,
) -> float:
    """The share of the texts' characters that lie inside a span the tagger predicts (with its thresholds,
    or ``thresholds``, and ``inside`` if given)."""
    th = dict(thresholds if thresholds is not None else tagger.thresholds_)
    if inside is not None:
        th["inside"] = inside
    covered = total = 0
    for text, sc in zip(texts, scores):
        m = np.zeros(len(text), bool)
        for s in decode_spans(text, sc, tagger.heads_, th, tagger.lexicon_):
            m[s.start : s.end] = True
        covered += int(m.sum())
        total += len(text)
    return covered / max(total, 1)


def quantile_transfer(
    ref_scores: list[TokenScores], scores: list[TokenScores], ref_th: dict, th: dict
) -> dict[str, float]:
    """``inside``, ``span_min`` and ``split_b`` moved from the reference's token-score scale to the model's:
    t' = Q_model(F_reference(t)), over all tokens of the documents."""

    def p_in(sc: list[TokenScores]) -> np.ndarray:
        return np.concatenate([s.p_bio[:, 1] + s.p_bio[:, 2] for s in sc])

    def p_b(sc: list[TokenScores]) -> np.ndarray:
        return np.concatenate([s.p_bio[:, 1] for s in sc])

    out = {}
    for key, stat in (("inside", p_in), ("span_min", p_in), ("split_b", p_b)):
        if key not in ref_th:
            continue
        ref, mine = stat(ref_scores), stat(scores)
        level = float((ref < float(ref_th[key])).mean())
        out[key] = round(float(np.quantile(mine, level)), 4)
        print(f"{key}: reference {ref_th[key]} is its {level:.4f} quantile; the model's: {out[key]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--reference", type=Path, default=None, help="default: the shipped model")
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--quantile", action="store_true", help="quantile transfer of the BIO thresholds")
    ap.add_argument("--write", type=Path, default=None, help="--quantile: write DIR/thresholds.json")
    a = ap.parse_args()
    docs = sorted((data_root() / "semeval2025-task10/test/EN/subtask-2-documents").glob("*.txt"))[: a.docs]
    texts = [p.read_text(encoding="utf-8") for p in docs]
    ref = SpanTagger(a.reference, threads=1).load()
    target = share(ref, texts, [ref.score_tokens(t) for t in texts])
    tagger = SpanTagger(a.model, threads=1).load()
    scores = [tagger.score_tokens(t) for t in texts]
    if a.quantile:
        ref_scores = [ref.score_tokens(t) for t in texts]
        moved = quantile_transfer(ref_scores, scores, ref.thresholds_, tagger.thresholds_)
        th = dict(tagger.thresholds_, **moved)
        before, after = share(tagger, texts, scores), share(tagger, texts, scores, thresholds=th)
        print(f"share of characters in spans: reference {target:.4f}; model {before:.4f} -> {after:.4f}")
        if a.write:
            a.write.mkdir(parents=True, exist_ok=True)
            (a.write / "thresholds.json").write_text(json.dumps({"thresholds": th}, indent=2) + "\n")
        return
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
