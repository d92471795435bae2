"""What the span lexicon costs at run time: the shipped model's `predict` with and without the lexicon's
vote, on the same PTC dev articles, one thread, interleaved runs (ratios; absolute times are noisy here).

    SPINLENS_DATA=../shared/data python benchmarks/span_lexicon_cost.py [--articles 30]
"""

from __future__ import annotations

import argparse
import time

from spinlens.datasets import PTC_DIR, data_root, read_ptc_articles
from spinlens.model import SpanTagger


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=30)
    a = ap.parse_args()
    texts = [t for _, t in sorted(read_ptc_articles(data_root() / PTC_DIR / "dev-articles").items())]
    texts = texts[: a.articles]
    with_lex = SpanTagger(threads=1).load()
    without = SpanTagger(threads=1).load()
    without.lexicon_ = None  # the same calibration without the lexicon's term: the cost, not the accuracy
    scores = [with_lex.score_tokens(t) for t in texts]
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for order in (("with", "without"), ("without", "with")):
        for name in order:
            tagger = with_lex if name == "with" else without
            t0 = time.perf_counter()
            for t, s in zip(texts, scores):
                tagger.predict_scores(t, s)
            timings[name].append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for t in texts:
        with_lex.predict(t)
    full = time.perf_counter() - t0
    extra = min(timings["with"]) - min(timings["without"])
    print(
        f"{len(texts)} articles, one thread: decoding {min(timings['without']):.3f} s without the lexicon, "
        f"{min(timings['with']):.3f} s with it (+{1000 * extra / len(texts):.1f} ms per article); "
        f"whole predict {full:.2f} s, of which the lexicon {100 * extra / full:.1f} %"
    )


if __name__ == "__main__":
    main()
