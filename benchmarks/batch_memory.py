"""Does `spinlens batch` stream? Resident memory over a 100,000-document batch (issue 7, item 3).

    SPINLENS_DATA=../shared/data python benchmarks/batch_memory.py [--docs 100000] [--model default]

Writes a JSONL file of ``--docs`` short news documents to a temporary folder (each one to three sentences of
the PTC train articles, cycled, with a document number so that no two texts are equal; nothing is kept in
the repository), runs ``spinlens batch FILE --db STORE`` (one local worker: this machine's usual run) in a
child process, and samples that process's resident set size (``/proc/PID/status``, VmRSS) and the number of
documents stored every second. Prints a Markdown table: RSS after each tenth of the documents, the peak,
and the growth from the first tenth to the last. A batch that kept its inputs or results in memory would
grow with the corpus; a streaming one stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spinlens.datasets import data_root, read_ptc
from spinlens.text import sentences


def write_corpus(path: Path, n: int) -> int:
    """``n`` JSONL documents of 1-3 PTC train sentences each; returns the characters written."""
    sents = []
    for art in read_ptc("train").articles:
        sents += [art.text[s:e].strip() for s, e in sentences(art.text) if 20 <= e - s <= 300]
    chars = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            k = 1 + i % 3
            text = " ".join(sents[(i * 7 + j) % len(sents)] for j in range(k)) + f" (No. {i})"
            chars += len(text)
            fh.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")
    return chars


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--model", default="default", choices=["default", "fast", "rules"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, db = Path(tmp) / "corpus.jsonl", Path(tmp) / "store.sqlite"
        chars = write_corpus(corpus, a.docs)
        cmd = [sys.executable, "-m", "spinlens", "batch", str(corpus), "--db", str(db), "--model", a.model]
        env = dict(os.environ, SPINLENS_DATA=str(data_root()))
        t0 = time.time()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, int, float]] = []  # (seconds, documents stored, RSS MB)
        while proc.poll() is None:
            time.sleep(1.0)
            r = rss_mb(proc.pid)
            if r is not None:
                samples.append((time.time() - t0, stored(db), r))
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        wall = time.time() - t0
        done = stored(db)
    if proc.returncode != 0:
        raise SystemExit(f"spinlens batch failed ({proc.returncode}): {err[-2000:]}")
    print(
        f"Command: `SPINLENS_DATA=../shared/data python benchmarks/batch_memory.py --docs {a.docs} "
        f"--model {a.model}` (runs `spinlens batch CORPUS.jsonl --db STORE.sqlite --model {a.model}`)  "
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}  "
    )
    print(
        f"{a.docs:,} documents, {chars:,} characters; {done:,} stored in {wall:.0f} s "
        f"({done / wall:.0f} documents/s); {len(samples)} samples, one per second\n"
    )
    print("| documents stored | RSS MB (largest sample up to then) |")
    print("|---|---|")
    for tenth in range(1, 11):
        upto = [r for _, n, r in samples if n <= a.docs * tenth / 10]
        if upto:
            print(f"| {a.docs * tenth // 10:,} | {max(upto):.0f} |")
    first = [r for _, n, r in samples if 0 < n <= a.docs / 10]
    last = [r for _, n, r in samples if n >= a.docs * 0.9]
    peak = max(r for _, _, r in samples)
    if first and last:
        print(
            f"\nPeak {peak:.0f} MB; largest sample in the first tenth {max(first):.0f} MB, in the last "
            f"tenth {max(last):.0f} MB (growth {max(last) - max(first):+.0f} MB over {a.docs * 0.8:,.0f} "
            "documents)."
        )


if __name__ == "__main__":
    main()
