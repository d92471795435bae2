"""Loopback load test of ``spinlens serve``: N ``POST /api/analyze`` requests at concurrency C.

Starts the real server (uvicorn, the shipped model unless ``--model rules``) as a subprocess on a free
127.0.0.1 port, waits for ``/healthz``, sends the requests from a thread pool (stdlib urllib, one request
per call, bounded in count and time), stops the server, and reports latency percentiles, throughput and
statuses. A 503 is the server's deliberate answer when every analysis slot and queue place is taken;
any other 5xx is a failure (exit 1). Only loopback traffic.

Example::

    python benchmarks/web_load.py                       # 200 requests, concurrency 8, real model
    python benchmarks/web_load.py --max-queue 0         # overload: deliberate 503s expected
    python benchmarks/web_load.py --write benchmarks/RESULTS_web.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "src" / "spinlens" / "examples" / "opinion.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "spinlens",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        args.model,
        "--max-concurrent",
        str(args.max_concurrent),
        "--max-queue",
        str(args.max_queue),
        "--queue-timeout",
        str(args.queue_timeout),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}): {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


def one(base: str, text: str, timeout: float) -> tuple[int, float]:
    body = json.dumps({"text": text}).encode()
    req = urllib.request.Request(base + "/api/analyze", body, {"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except OSError:
        status = 0  # connection error or client timeout
    return status, time.perf_counter() - t0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = f"{os.cpu_count()} CPUs ({cpu or 'unknown CPU'})"
    return f"{platform.system()} {platform.machine()}, {cpus}, Python {platform.python_version()}"


def run(args) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args, port)
    try:
        health = wait_ready(base, proc)
        article = EXAMPLE.read_text(encoding="utf-8")
        texts = [
            f"{article}\n\nUpdate {i}: the ministry repeated its statement." for i in range(args.requests)
        ]
        one(base, texts[0], args.timeout)  # warm-up: loads the model's first batch path
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(lambda t: one(base, t, args.timeout), texts))
        wall = time.perf_counter() - t0
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            health = json.load(r)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    statuses = Counter(s for s, _ in results)
    ok = [d for s, d in results if s == 201]
    refused = [d for s, d in results if s == 503]
    other_5xx = sum(n for s, n in statuses.items() if s >= 500 and s != 503)
    return {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "model": health["model"],
        "max_concurrent": args.max_concurrent,
        "max_queue": args.max_queue,
        "queue_timeout": args.queue_timeout,
        "statuses": dict(sorted(statuses.items())),
        "ok": len(ok),
        "deliberate_503": statuses.get(503, 0),
        "other_5xx": other_5xx,
        "errors": statuses.get(0, 0),
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(results) / wall, 3),
        "latency_s": {
            "p50": round(percentile(ok, 0.50), 3),
            "p95": round(percentile(ok, 0.95), 3),
            "p99": round(percentile(ok, 0.99), 3),
            "max": round(max(ok), 3) if ok else None,
            "mean": round(statistics.fmean(ok), 3) if ok else None,
        },
        "refused_latency_s": {
            "p50": round(percentile(refused, 0.50), 4) if refused else None,
            "max": round(max(refused), 4) if refused else None,
        },
        "article_chars": len(texts[0]),
    }


def markdown(rows: list[dict], command: str) -> str:
    lines = [
        "## Web: loopback load test of `spinlens serve`",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        "Server: `spinlens serve` (uvicorn, one process) as a subprocess on 127.0.0.1; client: a thread "
        "pool of stdlib `urllib` requests on the same machine, each `POST /api/analyze` with the example "
        f"article ({rows[0]['article_chars']:,} characters, a different last line each time), after one "
        "warm-up request. Latency is measured on the client over the 201 answers. The server runs the "
        "article analysis too (genre, frames, entities, quotes: `serve`'s default).  ",
        f"Model: {rows[0]['model'].get('name')} {rows[0]['model'].get('version')} "
        f"(sha256 {str(rows[0]['model'].get('sha256'))[:12]}).",
        "",
        "| run | requests x concurrency | --max-concurrent / --max-queue | 201 | 503 (deliberate) "
        "| other 5xx | p50 s | p95 s | p99 s | max s | req/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lat = r["latency_s"]
        cells = [
            r["name"],
            f"{r['requests']} x {r['concurrency']}",
            f"{r['max_concurrent']} / {r['max_queue']}",
            r["ok"],
            r["deliberate_503"],
            r["other_5xx"],
            lat["p50"],
            lat["p95"],
            lat["p99"],
            lat["max"],
            r["throughput_rps"],
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    bad = sum(r["other_5xx"] + r["errors"] for r in rows)
    lines += [
        "",
        "Latency includes the wait for a slot (`--max-concurrent` run at once, the rest queue for up "
        "to `--queue-timeout`). A run with `--max-queue 0` (overload) answers 503 with Retry-After at once "
        "instead of queueing"
        + "".join(
            f" (the {r['deliberate_503']} refusals took {r['refused_latency_s']['p50']} s at the median)"
            for r in rows
            if r["deliberate_503"]
        )
        + ". "
        + (
            "No request got a 5xx other than the deliberate 503, and none failed to connect."
            if not bad
            else f"{bad} request(s) got another 5xx or failed to connect."
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--model", choices=("default", "rules"), default="default")
    p.add_argument("--max-concurrent", type=int, default=2)
    p.add_argument("--max-queue", type=int, default=8)
    p.add_argument("--queue-timeout", type=float, default=30.0)
    p.add_argument("--timeout", type=float, default=120.0, help="client timeout per request, seconds")
    p.add_argument("--overload", action="store_true", help="also run once with --max-queue 0 (expects 503s)")
    p.add_argument(
        "--baseline",
        type=int,
        default=0,
        metavar="N",
        help="first run N requests at concurrency --max-concurrent (no queueing): the service time",
    )
    p.add_argument("--write", type=Path, help="write a Markdown report here")
    args = p.parse_args(argv)
    if not (0 < args.requests <= 5000 and 0 < args.concurrency <= 64):
        p.error("keep it bounded: --requests 1..5000, --concurrency 1..64")
    rows = []
    if args.baseline:
        base = argparse.Namespace(
            **{**vars(args), "requests": args.baseline, "concurrency": args.max_concurrent}
        )
        rows.append(dict(run(base), name="no queue"))
        print(json.dumps(rows[-1], indent=2))
    rows.append(dict(run(args), name="queued"))
    print(json.dumps(rows[-1], indent=2))
    if args.overload:
        over = argparse.Namespace(**{**vars(args), "max_queue": 0})
        rows.append(dict(run(over), name="overload"))
        print(json.dumps(rows[-1], indent=2))
    if args.write:
        command = "python benchmarks/web_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
        args.write.write_text(markdown(rows, command.strip()), encoding="utf-8")
    return 1 if any(r["other_5xx"] or r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
