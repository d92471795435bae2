"""Store benchmark: 100,000 synthetic analyzed documents in SQLite; file size, FTS and stats query p95.

    python benchmarks/store.py                                  # prints a Markdown section
    python benchmarks/store.py --write benchmarks/RESULTS_store.md

The documents are generated (seeded): ~1,700-character texts over a Zipf-distributed vocabulary of
made-up words with real news words mixed in, 20 outlets, 24 months, 0-12 spans per article drawn from
the 23 techniques. Targets (issue 4): FTS query p95 < 200 ms, stats query p95 < 500 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spinlens.schema import Analysis, Document, ModelInfo, Sentence, TechniqueSpan
from spinlens.store import open_store
from spinlens.taxonomy import TECHNIQUE_IDS

NEWS_WORDS = (
    "minister government election protest police court agents foreign traitor crisis war economy "
    "budget city council president senator vaccine border migrants climate energy prices union strike "
    "scandal corruption investigation report media journalist propaganda regime sanctions army"
).split()
MODEL = ModelInfo(name="synthetic", version="1", sha256="5" * 64)
FTS_TARGET_MS, STATS_TARGET_MS = 200.0, 500.0


def vocabulary(rng: random.Random, n: int = 20_000) -> tuple[list[str], list[float]]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ner",
        "ta",
        "vu",
        "sen",
        "dri",
        "pol",
        "am",
        "ex",
        "qua",
        "zo",
        "ri",
        "bel",
    ]
    words = set(NEWS_WORDS)
    while len(words) < n:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    made_up = sorted(words - set(NEWS_WORDS))
    rng.shuffle(made_up)
    # function words first, then the news words among the frequent ones, then a Zipf tail
    ordered = ["the", "of", "and", "to", "a", "in", "is", "that", "for", "on"]
    for k, w in enumerate(NEWS_WORDS):
        ordered += [w] + made_up[k * 3 : k * 3 + 3]
    ordered += made_up[len(NEWS_WORDS) * 3 :]
    weights = [1.0 / (rank + 1) ** 1.07 for rank in range(len(ordered))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return ordered, cum


def make_analysis(i: int, rng: random.Random, words: list[str], cum: list[float]) -> Analysis:
    n_words = rng.randint(160, 300)
    chosen = rng.choices(words, cum_weights=cum, k=n_words)
    sentences_, pos, text_parts = [], 0, []
    k = 0
    while k < len(chosen):
        length = rng.randint(8, 25)
        sent = " ".join(chosen[k : k + length]).capitalize() + "."
        text_parts.append(sent)
        sentences_.append((pos, pos + len(sent)))
        pos += len(sent) + 1
        k += length
    text = " ".join(text_parts)
    title = " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(4, 9))).capitalize()
    year, month = divmod(i % 24, 12)
    doc = Document(
        text=text,
        id=f"syn{i:06d}",
        title=title,
        outlet=f"Outlet {i % 20:02d}",
        published=f"{2023 + year}-{month + 1:02d}-{1 + i % 28:02d}",
        url=f"https://example.org/{i}",
        language="en",
    )
    spans = []
    for _ in range(rng.randint(0, 12)):
        s = rng.randrange(0, max(1, len(text) - 40))
        e = min(len(text), s + rng.randint(5, 40))
        spans.append(TechniqueSpan(s, e, rng.choice(TECHNIQUE_IDS), round(rng.uniform(0.3, 1.0), 3)))
    sents = tuple(Sentence(s, e, 0.0) for s, e in sentences_)
    return Analysis(
        document=doc, spans=tuple(spans), sentences=sents, model=MODEL, extras={"source": "synthetic"}
    )


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000, help="analyses per write transaction")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query")
    ap.add_argument("--db", type=Path, default=None, help="store file (default: a temporary one)")
    ap.add_argument("--write", type=Path, default=None, help="put the section into this Markdown file")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.sqlite"
    rng = random.Random(4)
    words, cum = vocabulary(rng)
    store = open_store(path)
    t0 = time.perf_counter()
    gen_s = 0.0
    n_spans = n_chars = 0
    for start in range(0, args.docs, args.batch):
        g = time.perf_counter()
        batch = [make_analysis(i, rng, words, cum) for i in range(start, min(args.docs, start + args.batch))]
        gen_s += time.perf_counter() - g
        n_spans += sum(len(a.spans) for a in batch)
        n_chars += sum(len(a.document.text) for a in batch)
        store.write(batch)
        if start and start % 20_000 == 0:
            print(f"  {start:,} documents written", file=sys.stderr)
    write_s = time.perf_counter() - t0 - gen_s
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size + sum(
        p.stat().st_size for p in path.parent.glob(path.name + "-*") if p.exists()
    )
    counts = store.counts()

    fts_queries = [
        ("frequent word", dict(query="minister")),
        ("rare word", dict(query=words[5000])),
        ("two words", dict(query="police court")),
        ("phrase", dict(query=f'"{words[12]} {words[13]}"')),
        ("OR + excluded", dict(query="election OR strike -war")),
        ("word + technique", dict(query="government", technique="Name_Calling-Labeling")),
        ("word + outlet + since", dict(query="budget", outlet="Outlet 07", since="2024-06-01")),
        ("function word (worst case)", dict(query="the")),
        ("no words, newest first", dict(query="")),
        ("no words + until + category", dict(query="", until="2024-03", category="attack_on_reputation")),
    ]
    stats_queries = [
        ("by technique", dict(by="technique")),
        ("by category", dict(by="category")),
        ("by outlet", dict(by="outlet")),
        ("by month", dict(by="month")),
        ("by outlet, one technique", dict(by="outlet", technique="Name_Calling-Labeling")),
        ("by month, one technique", dict(by="month", technique="Appeal_to_Fear-Prejudice")),
        ("by technique, one outlet + since", dict(by="technique", outlet="Outlet 03", since="2024-01-01")),
    ]
    rows_fts, all_fts = [], []
    for name, kw in fts_queries:
        store.search(**kw)  # warm-up
        ms = timed(lambda kw=kw: store.search(**kw), args.repeat)
        if kw.get("query"):  # the full-text target counts full-text queries only
            all_fts += ms
        rows_fts.append((name, kw, len(store.search(limit=20, **kw)), statistics.median(ms), p95(ms)))
    # the web app's totals and later pages (session 19): one COUNT per search, and a page 250 deep
    rows_count = []
    for name, kw in fts_queries:
        store.count(**kw)
        ms = timed(lambda kw=kw: store.count(**kw), args.repeat)
        n = store.count(**kw)
        deep = timed(lambda kw=kw: store.search(limit=20, offset=5000, **kw), args.repeat)
        rows_count.append((name, kw, n, statistics.median(ms), p95(ms), statistics.median(deep), p95(deep)))
    rows_stats, all_stats = [], []
    for name, kw in stats_queries:
        store.stats(**kw)
        ms = timed(lambda kw=kw: store.stats(**kw), args.repeat)
        all_stats += ms
        rows_stats.append((name, kw, statistics.median(ms), p95(ms)))
    store.close()

    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    fts_p95, stats_p95 = p95(all_fts), p95(all_stats)
    lines = [
        "## Store: 100,000 synthetic analyzed documents in SQLite",
        "",
        f"Command: `.venv/bin/python benchmarks/store.py --docs {args.docs} --repeat {args.repeat} "
        "--write benchmarks/RESULTS_store.md`  ",
        f"Machine: `{uname}`, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (the 2 cores are shared with other work)  ",
        f"Data: {counts['documents']:,} documents ({n_chars / counts['documents']:,.0f} characters on "
        "average, seeded synthetic text), "
        f"{counts['spans']:,} spans, {counts['aggregates']:,} per-article aggregate rows; written "
        f"{args.batch:,} per transaction through `Store.write`.",
        "",
        f"- File size: **{size / 1e6:.0f} MB** ({size / counts['documents'] / 1024:.1f} KiB per document, "
        "FTS5 index included, after a WAL checkpoint)",
        f"- Write: {write_s:.0f} s ({counts['documents'] / write_s:,.0f} documents/s; generating them took "
        f"another {gen_s:.0f} s)",
        f"- FTS query p95 over {sum(1 for _, kw in fts_queries if kw.get('query'))} queries x "
        f"{args.repeat} runs: "
        f"**{fts_p95:.0f} ms** ({'meets' if fts_p95 < FTS_TARGET_MS else 'misses'} < {FTS_TARGET_MS:.0f} ms)",
        f"- Stats query p95 over {len(stats_queries)} queries x {args.repeat} runs: **{stats_p95:.0f} ms** "
        f"({'meets' if stats_p95 < STATS_TARGET_MS else 'misses'} < {STATS_TARGET_MS:.0f} ms)",
        "",
        "| search (limit 20, ranked) | arguments | hits | median ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    for name, kw, hits, med, p in rows_fts:
        lines.append(f"| {name} | `{kw}` | {hits} | {med:.1f} | {p:.1f} |")
    lines += [
        "",
        "| count, and page 251 (offset 5,000, limit 20) | matches | count median / p95 ms "
        "| page median / p95 ms |",
        "|---|---|---|---|",
    ]
    for name, _kw, n, med, p, dmed, dp in rows_count:
        lines.append(f"| {name} | {n:,} | {med:.1f} / {p:.1f} | {dmed:.1f} / {dp:.1f} |")
    lines += ["", "| stats | arguments | median ms | p95 ms |", "|---|---|---|---|"]
    for name, kw, med, p in rows_stats:
        lines.append(f"| {name} | `{kw}` | {med:.1f} | {p:.1f} |")
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        write_section(args.write, "store", section)


def write_section(path: Path, name: str, section: str) -> None:
    """Replace (or append) the section between ``<!-- name:begin -->`` and ``<!-- name:end -->``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Store and batch benchmarks\n"
    block = f"{begin}\n{section}{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
