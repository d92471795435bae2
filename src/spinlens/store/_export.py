"""Corpus export: every stored analysis as JSONL, span rows as CSV or Parquet, or PTC lines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from spinlens.errors import InputError
from spinlens.render import csv_row, csv_writer, render_jsonl, render_ptc
from spinlens.schema import Analysis
from spinlens.taxonomy import get_technique

__all__ = ["EXPORT_FORMATS", "SPAN_COLUMNS", "export_corpus", "span_rows"]

#: corpus export formats: analyses (jsonl), one row per span (csv, parquet), SemEval-2020 lines (ptc).
EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet", "ptc")

#: the columns of a CSV or Parquet export, one row per span.
SPAN_COLUMNS: tuple[str, ...] = (
    "document_id",
    "title",
    "outlet",
    "published",
    "url",
    "technique",
    "category",
    "start",
    "end",
    "score",
    "text",
    "model_name",
    "model_version",
    "model_sha256",
)
_PARQUET_ROWS = 50_000


def span_rows(analyses: Iterable[Analysis]) -> Iterator[dict[str, Any]]:
    """One flat row per span (columns :data:`SPAN_COLUMNS`), document metadata repeated."""
    for a in analyses:
        doc, model = a.document, a.model
        for s in a.spans:
            yield {
                "document_id": doc.id,
                "title": doc.title,
                "outlet": doc.outlet,
                "published": doc.published,
                "url": doc.url,
                "technique": s.technique,
                "category": get_technique(s.technique).category,
                "start": s.start,
                "end": s.end,
                "score": float(s.score),
                "text": a.span_text(s),
                "model_name": model.name if model else None,
                "model_version": model.version if model else None,
                "model_sha256": model.sha256 if model else None,
            }


def export_corpus(store: Any, fmt: str, target: Path | IO[str], counts: dict[str, int] | None = None) -> int:
    """Write every analysis in ``store`` to ``target``; returns the number of analyses read.

    CSV and Parquet have one row per span, so a document without spans has no row there; ``counts``, when
    given, is filled with ``documents`` (analyses read) and ``without_spans`` (those with no span).

    Args:
        store: an open :class:`~spinlens.store.Store`.
        fmt: ``jsonl`` (one ``Analysis.to_dict()`` per line), ``csv`` / ``parquet`` (one row per span,
            columns :data:`SPAN_COLUMNS`) or ``ptc`` (``id<TAB>PTC-14 technique<TAB>start<TAB>end``).
        target: a file path, or for the text formats an open text stream.
        counts: filled as described above.

    Raises:
        InputError: an unknown format, or Parquet asked for without a file path.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of: {', '.join(EXPORT_FORMATS)}")
    counter = _Counter(store.iter_analyses())
    if fmt == "parquet":
        if not isinstance(target, Path):
            raise InputError("Parquet is binary: give a file with --output FILE.parquet")
        _write_parquet(span_rows(counter), target)
    elif isinstance(target, Path):
        with open(target, "w", encoding="utf-8", newline="") as fh:
            _write_text(counter, fmt, fh)
    else:
        _write_text(counter, fmt, target)
    if counts is not None:
        counts.update(documents=counter.n, without_spans=counter.without_spans)
    return counter.n


class _Counter:
    """Passes analyses through and counts them."""

    def __init__(self, analyses: Iterator[Analysis]) -> None:
        self._it = analyses
        self.n = 0
        self.without_spans = 0

    def __iter__(self) -> Iterator[Analysis]:
        for a in self._it:
            self.n += 1
            self.without_spans += not a.spans
            yield a


def _write_text(analyses: _Counter, fmt: str, fh: IO[str]) -> None:
    if fmt == "csv":
        writer = csv_writer(fh, SPAN_COLUMNS)
        writer.writeheader()
        for row in span_rows(iter(analyses)):
            writer.writerow(csv_row(row))
        return
    render = render_jsonl if fmt == "jsonl" else render_ptc
    for a in analyses:
        fh.write(render([a.to_dict()]))


def _write_parquet(rows: Iterator[dict[str, Any]], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("Parquet export needs pyarrow: pip install pyarrow") from None
    schema = pa.schema(
        [(c, pa.string()) for c in SPAN_COLUMNS[:7]]
        + [("start", pa.int64()), ("end", pa.int64()), ("score", pa.float64()), ("text", pa.string())]
        + [(c, pa.string()) for c in SPAN_COLUMNS[11:]]
    )
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _PARQUET_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
