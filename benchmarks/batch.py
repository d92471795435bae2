"""Batch benchmark: `spinlens batch` throughput on the PTC dev articles with the shipped model.

    python benchmarks/batch.py                                   # prints a Markdown section
    python benchmarks/batch.py --write benchmarks/RESULTS_store.md

Runs the same documents through ``run_batch`` (what ``spinlens batch`` runs) into a fresh SQLite store
for each engine: 1 local worker (this process), 2 local worker processes, and a Dask LocalCluster of
2 single-threaded worker processes. Reports wall time (start-up and model loading included) and the
steady rate between the first and the last finished document. Corpus: ``$SPINLENS_DATA`` (default
``../shared/data`` from the repository root), ``ptc-semeval2020-task11/datasets/dev-articles``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spinlens.batch import BatchOptions, model_info, run_batch
from spinlens.ingest import IngestOptions, iter_documents
from spinlens.store import open_store

REPO = Path(__file__).resolve().parents[1]
DEV = Path("ptc-semeval2020-task11") / "datasets" / "dev-articles"

CONFIGS = (
    ("local, 1 worker", dict(engine="local", workers=1), "--workers 1"),
    ("local, 2 workers", dict(engine="local", workers=2), "--workers 2"),
    ("dask LocalCluster, 2 workers", dict(engine="dask", workers=2), "--engine dask --workers 2"),
)


def data_root() -> Path:
    env = os.environ.get("SPINLENS_DATA")
    return Path(env) if env else (REPO / ".." / "shared" / "data").resolve()


def run_one(folder: Path, options: BatchOptions, limit: int | None) -> dict:
    files = sorted(str(p) for p in folder.glob("article*.txt"))[:limit]
    finished: list[float] = []

    def on_progress(p) -> None:
        while len(finished) < p.analyzed:
            finished.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.sqlite") as store:
        start = time.perf_counter()
        p = run_batch(iter_documents(files, IngestOptions()), store, options, on_progress=on_progress)
        wall = time.perf_counter() - start
        analyses = {a.document.id: a.spans for a in store.iter_analyses()}
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else 0.0
    chars = sum(len(Path(f).read_text(encoding="utf-8")) for f in files)
    return {
        "docs": p.analyzed,
        "failed": p.failed,
        "skipped": p.skipped_input,
        "wall": wall,
        "first": finished[0] - start if finished else float("nan"),
        "rate": p.analyzed / wall,
        "steady": steady,
        "chars": chars,
        "spans": analyses,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="runs per engine, in A B C C B A order (the median, or the faster of two, is shown)",
    )
    ap.add_argument("--write", type=Path, default=None, help="put the section into this Markdown file")
    args = ap.parse_args()
    folder = data_root() / DEV
    if not folder.is_dir():
        sys.exit(f"corpus not found: {folder} (set SPINLENS_DATA)")
    info = model_info("default")
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in CONFIGS}
    for k in range(args.rounds):
        for name, kw, _flags in CONFIGS if k % 2 == 0 else CONFIGS[::-1]:
            print(f"round {k + 1}: {name} ...", file=sys.stderr)
            runs[name].append(run_one(folder, BatchOptions(model="default", **kw), args.limit))
    results = []
    for name, _kw, flags in CONFIGS:
        by_wall = sorted(runs[name], key=lambda r: r["wall"])
        median = by_wall[(len(by_wall) - 1) // 2]
        median["walls"] = [r["wall"] for r in runs[name]]
        results.append((name, flags, median))
    base = results[0][2]
    same = all(r["spans"] == base["spans"] for name in runs for r in runs[name])
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    lines = [
        "## Batch: `spinlens batch` on the PTC dev articles with the shipped model",
        "",
        f"Command: `.venv/bin/python benchmarks/batch.py --rounds {args.rounds} --write "
        "benchmarks/RESULTS_store.md` (runs `run_batch`, what `spinlens batch DEV --db FILE [flags]` runs; "
        f"{args.rounds} run(s) per engine in A B C C B A order; shown: the "
        f"{'faster' if args.rounds == 2 else 'median'} run, every wall time in brackets)  ",
        f"Machine: `{uname}`, nproc {os.cpu_count()}, Python {platform.python_version()}; load average at "
        f"the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (the 2 cores are shared with other work, "
        "so the numbers move with it)  ",
        f"Model: {info.name} {info.version} (sha256 {info.sha256[:16]}...), int8 ONNX; "
        f"{base['docs']} articles, {base['chars']:,} characters; each run into a fresh SQLite store. "
        "One local worker runs onnxruntime with its default threads; each of 2 workers gets 1 thread.",
        "",
        "| engine | flags | articles | wall s (every run) | docs/s (wall) | first result s | "
        "docs/s (steady) | vs 1 worker (wall) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, flags, r in results:
        walls = ", ".join(f"{w:.1f}" for w in r["walls"])
        lines.append(
            f"| {name} | `{flags}` | {r['docs']} (+{r['failed']} failed, {r['skipped']} skipped) | "
            f"{r['wall']:.1f} ({walls}) | {r['rate']:.2f} | {r['first']:.1f} | {r['steady']:.2f} | "
            f"{r['rate'] / base['rate']:.2f}x |"
        )
    two = results[1][2]
    lines += [
        "",
        f"Ratio 2 workers / 1 worker: {two['rate'] / base['rate']:.2f}x on wall time, "
        f"{two['steady'] / base['steady']:.2f}x steady. Same spans from every engine: {same}.",
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        from store import write_section

        write_section(args.write, "batch", section)


if __name__ == "__main__":
    main()
