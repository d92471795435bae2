"""Where the shipped pipeline spends its time (cProfile over PTC dev articles, one thread).

    SPINLENS_DATA=../shared/data python benchmarks/profile_pipeline.py [--articles 15] [--top 12]

Prints the functions with the most own time and the share of the total for the ONNX runs, the span
head, tokenisation and everything else.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

from spinlens.datasets import PTC_DIR, data_root
from spinlens.model import SpanTagger
from spinlens.pipeline import Pipeline


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=15)
    ap.add_argument("--top", type=int, default=12)
    a = ap.parse_args()
    paths = sorted((data_root() / PTC_DIR / "dev-articles").glob("*.txt"))[: a.articles]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    pipe = Pipeline(SpanTagger(threads=1).load())
    pipe.analyze(texts[0])  # warm-up
    prof = cProfile.Profile()
    prof.enable()
    for t in texts:
        pipe.analyze(t)
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    own = {f"{k[0].rsplit('/', 1)[-1]}:{k[2]}": v[2] for k, v in st.stats.items()}  # type: ignore[attr-defined]
    groups = {
        "onnxruntime run": sum(v for k, v in own.items() if "onnxruntime" in k and ".run>" in k),
        "span head": sum(v for k, v in own.items() if "_span_probs_one" in k or "_erf" in k),
        "tokenisation": sum(v for k, v in own.items() if "'encode' of 'tokenizers" in k),
    }
    groups["everything else"] = total - sum(groups.values())
    print(f"{len(texts)} articles, {total:.2f} s profiled")
    for k, v in groups.items():
        print(f"  {k:16s} {v:7.2f} s  {100 * v / total:5.1f} %")
    st.sort_stats("tottime").print_stats(a.top)


if __name__ == "__main__":
    main()
