"""Renderers: ``Analysis.to_dict()`` data in, text out. They never touch a model.

``json`` (one indented value), ``jsonl`` (one compact object per line), ``ptc`` (SemEval-2020 Task 11
lines), ``html`` (one self-contained page) and ``terminal`` (rich, imported on first use).
"""

from __future__ import annotations

from typing import Any

from spinlens.render._data import csv_row, csv_writer, ptc_article_id, render_json, render_jsonl, render_ptc
from spinlens.render.html import render_html

__all__ = [
    "FORMATS",
    "render_json",
    "render_jsonl",
    "render_ptc",
    "render_html",
    "render_terminal",
    "ptc_article_id",
    "csv_row",
    "csv_writer",
]

#: output formats, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("terminal", "json", "jsonl", "html", "ptc")


def render_terminal(docs: Any, console: Any) -> None:
    """Print analyses to a rich console; see :func:`spinlens.render.terminal.render_terminal`."""
    from spinlens.render.terminal import render_terminal as _render

    _render(docs, console)
