"""How many documents the inputs hold, estimated cheaply (for the progress bar's ETA)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["estimate_total"]

_LINES = (".jsonl", ".ndjson")
_UNKNOWN = (".warc", ".gz")  # WARC records, and compressed files: not counted without reading them
_CHUNK = 1 << 20


def estimate_total(sources: Iterable[str], extensions: tuple[str, ...]) -> int | None:
    """Documents in ``sources`` without reading them: files counted in folders, lines in JSONL and CSV,
    rows in Parquet metadata. None when a source cannot be counted (standard input, WARC, unreadable).
    """
    total = 0
    for source in sources:
        if source == "-" or "://" in source:
            if source.startswith(("http://", "https://")):
                total += 1
                continue
            return None
        path = Path(source)
        try:
            if path.is_dir():
                for root, dirs, files in os.walk(path):
                    dirs[:] = [d for d in dirs if not d.startswith(".")]
                    for name in files:
                        if name.startswith("."):
                            continue
                        if not name.lower().endswith(extensions):
                            total += 1  # reported as skipped, one input each
                            continue
                        n = _count_file(Path(root) / name)
                        if n is None:
                            return None
                        total += n
            elif path.is_file():
                n = _count_file(path)
                if n is None:
                    return None
                total += n
        except OSError:
            return None
    return total


def _count_file(path: Path) -> int | None:
    name = path.name.lower()
    if name.endswith(_UNKNOWN):
        return None
    if name.endswith(_LINES):
        return _lines(path)
    if name.endswith(".csv"):
        return max(0, _lines(path) - 1)
    if name.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:
            return None
    return 1


def _lines(path: Path) -> int:
    """Non-empty lines, counted from the bytes."""
    n, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            n += chunk.count(b"\n") - chunk.count(b"\n\n")
            last = chunk[-1:]
    return n + (last != b"\n")
