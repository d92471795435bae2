"""Speed of the shipped pipeline beside a BERT-base token classifier in eager PyTorch (issues 2 and 7).

Same 50 PTC dev articles for both. spinlens: onnxruntime int8 ensemble, `SpanTagger(threads=N)`.
Baseline: `BertForTokenClassification` (12 layers, 768 hidden, random weights) through the ordinary
transformers `pipeline("token-classification")` with stride over long inputs, fp32,
`torch.set_num_threads(N)`.
Each configuration runs in its own subprocess (clean RSS and thread settings).

    python benchmarks/speed.py [--articles 50] [--skip-baseline] [--model-dir DIR ...]

``--model-dir``: also time these model folders (e.g. a distilled student) in the same run, as extra rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _articles(n: int) -> list[str]:
    from spinlens.datasets import PTC_DIR, data_root, read_ptc_articles

    texts = read_ptc_articles(data_root() / PTC_DIR / "dev-articles")
    return [texts[k] for k in sorted(texts)][:n]


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(
    kind: str, threads: int, n: int, warmup: int = 2, model_dir: str | None = None, judge: bool = False
) -> dict:
    texts = _articles(n)
    t0 = time.perf_counter()
    name = kind
    if kind == "spinlens":
        from spinlens.model import SpanTagger

        tagger = SpanTagger(model_dir, threads=threads, judge=judge).load()
        name = f"spinlens {tagger.info.name}" + (f" ({model_dir})" if model_dir else "")
        name += " + span judge" if judge else ""
        tok = tagger.tokenizer_

        def run(text: str) -> None:
            tagger.predict(text)
    else:
        import torch
        from tokenizers import Tokenizer  # noqa: F401  (same vocabulary as BERT-base uncased)
        from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast, pipeline

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model_dir = Path(__file__).resolve().parents[1] / "src" / "spinlens" / "model_data"
        hf_tok = BertTokenizerFast(tokenizer_file=str(model_dir / "tokenizer.json"), model_max_length=512)
        model = BertForTokenClassification(BertConfig(num_labels=47)).eval()
        pipe = pipeline(
            "token-classification",
            model=model,
            tokenizer=hf_tok,
            device=-1,
            aggregation_strategy="simple",
            stride=128,
        )
        from tokenizers import Tokenizer as T

        tok = T.from_file(str(model_dir / "tokenizer.json"))
        tok.no_truncation()

        def run(text: str) -> None:
            with torch.inference_mode():
                pipe(text)

    load_s = time.perf_counter() - t0
    ntok = [len(tok.encode(t, add_special_tokens=False).ids) for t in texts]
    for t in texts[:warmup]:
        run(t)
    lat = []
    start = time.perf_counter()
    for t in texts:
        a = time.perf_counter()
        run(t)
        lat.append(time.perf_counter() - a)
    total = time.perf_counter() - start
    per_1k = [1000 * x / max(1, k) for x, k in zip(lat, ntok)]
    qs = statistics.quantiles(lat, n=20)
    return {
        "kind": kind,
        "model": name,
        "threads": threads,
        "articles": len(texts),
        "tokens": sum(ntok),
        "tokens_per_s": sum(ntok) / total,
        "articles_per_s": len(texts) / total,
        "p50_s": statistics.median(lat),
        "p95_s": qs[18],
        "median_s_per_1k_tokens": statistics.median(per_1k),
        "load_s": load_s,
        "peak_rss_mb": _peak_rss_mb(),
    }


def cold_start() -> float:
    code = "import spinlens; spinlens.analyze('They are foreign agents, full stop.')"
    best = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        best.append(time.perf_counter() - t)
    return statistics.median(best)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--worker", nargs=2, metavar=("KIND", "THREADS"), help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, default=HERE / "speed.json")
    ap.add_argument("--model-dir", action="append", default=[], help="also time this model folder")
    ap.add_argument(
        "--judged-model-dir", action="append", default=[], help="also time this model folder, with its judge"
    )
    ap.add_argument("--judge", action="store_true", help=argparse.SUPPRESS)  # a worker's
    a = ap.parse_args()
    if a.worker:
        md = a.model_dir[0] if a.model_dir else None
        print(json.dumps(worker(a.worker[0], int(a.worker[1]), a.articles, model_dir=md, judge=a.judge)))
        return
    results = []
    runs = [("spinlens", [])] + [("spinlens", ["--model-dir", d]) for d in a.model_dir]
    runs += [("spinlens", ["--model-dir", d, "--judge"]) for d in a.judged_model_dir]
    runs += [] if a.skip_baseline else [("bert-base", [])]
    for kind, extra in runs:
        for threads in (1, 2):
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--worker", kind, str(threads), "--articles", str(a.articles)]
                    + extra,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            r = json.loads(out)
            results.append(r)
            print(json.dumps(r), flush=True)
    cs = cold_start()
    summary = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "cold_start_s": cs,
        "results": results,
    }
    by = {(r["model"], r["threads"]): r for r in results}
    if not a.skip_baseline:
        summary["throughput_ratio"] = {
            f"{m} / bert-base, {t} thread(s)": by[(m, t)]["tokens_per_s"]
            / by[("bert-base", t)]["tokens_per_s"]
            for m in dict.fromkeys(r["model"] for r in results if r["kind"] == "spinlens")
            for t in (1, 2)
        }
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}))
    a.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
