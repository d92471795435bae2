"""JSON, JSON Lines and PTC renderers: plain ``Analysis.to_dict()`` data in, text out."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from spinlens.render._sweep import spans_of
from spinlens.taxonomy import CANONICAL_TO_PTC14

__all__ = ["render_json", "render_jsonl", "render_ptc", "ptc_article_id", "csv_row", "csv_writer"]


def render_json(data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """One JSON value, indented: an analysis object, or an array of them. Ends with a newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_jsonl(docs: Iterable[Mapping[str, Any]]) -> str:
    """One compact JSON object per analysis, one per line.

    U+0085 (NEL), U+2028 and U+2029 are written as escapes, so tools that also break lines there (Python's
    ``str.splitlines``, JavaScript) still see one object per line.
    """
    return "".join(_line(d) for d in docs)


def _line(d: Mapping[str, Any]) -> str:
    s = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    return s.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def ptc_article_id(data: Mapping[str, Any]) -> str:
    """The id of PTC lines: ``extras.article_id`` (set for ``article<ID>.txt``), else the document id, with
    backslashes and control characters escaped (``\\``, ``\\t``, ``\\n``, ``\\x..``): an id from a user's
    file cannot add a field or a line."""
    extras = data.get("extras") or {}
    return _escape_field(str(extras.get("article_id") or data["document"]["id"]))


def _escape_field(value: str) -> str:
    out = []
    for c in value:
        if c == "\\":
            out.append("\\\\")
        elif c == "\t":
            out.append("\\t")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif unicodedata.category(c) in ("Cc", "Zl", "Zp"):
            out.append(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` with every text value that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) prefixed with ``'``; numbers are left as they are."""
    return {k: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v for k, v in row.items()}


def csv_writer(fh: IO[str], fieldnames: Sequence[str]) -> csv.DictWriter:
    """A ``csv.DictWriter`` on ``fh`` whose rows end in ``\\n`` and that quotes every value holding a line
    break, a lone carriage return included (a title or text from a classic Mac file): with
    ``lineterminator="\\n"`` Python's writer leaves ``"a\\rb"`` unquoted, and every reader splits the row
    there."""
    return csv.DictWriter(_CrLfToLf(fh), fieldnames=fieldnames, lineterminator="\r\n")


class _CrLfToLf:
    """Passes the csv writer's rows to ``fh`` with their ``\\r\\n`` ending written as ``\\n`` (a row is one
    ``write`` that ends with the line terminator; a value's own line breaks are inside quotes before it)."""

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh

    def write(self, row: str) -> int:
        return self._fh.write(row[:-2] + "\n" if row.endswith("\r\n") else row)


def render_ptc(docs: Iterable[Mapping[str, Any]]) -> str:
    """``id<TAB>PTC-14 technique<TAB>start<TAB>end`` lines (SemEval-2020 Task 11 format).

    Techniques without a PTC-14 counterpart are left out; spans that map to the same PTC-14 line are
    written once.
    """
    lines: list[str] = []
    for data in docs:
        aid = ptc_article_id(data)
        seen: set[tuple[str, int, int]] = set()
        for s in spans_of(data):
            label = CANONICAL_TO_PTC14[s.technique]
            if label is None or (label, s.start, s.end) in seen:
                continue
            seen.add((label, s.start, s.end))
            lines.append(f"{aid}\t{label}\t{s.start}\t{s.end}\n")
    return "".join(lines)
