"""Paragraphs, sentences and words with character offsets: the one implementation used everywhere."""

from __future__ import annotations

import re

__all__ = ["paragraphs", "sentences", "count_words", "printable"]

_PARA = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
# a sentence ends at . ! ? (with closing quotes/brackets) followed by whitespace and an upper-case
# letter, digit or opening quote; or at a line break.
_SENT_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n+""")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Sen|Rep|Gov|Gen|Jr|Sr|vs|etc|U\.S|U\.K|No|Inc|Ltd|Co)\.$")
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _lines(text: str) -> str:
    """``text`` with every line break as ``\\n`` and the same length (``\\r\\n`` -> space + ``\\n``; a lone
    ``\\r``, U+2028 and U+2029 -> ``\\n``), so that offsets found in it are offsets into ``text``."""
    if "\r" not in text and "\u2028" not in text and "\u2029" not in text:
        return text
    return text.replace("\r\n", " \n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: runs of non-empty lines separated by blank lines, trimmed of outer whitespace.
    Line breaks may be ``\\n``, ``\\r\\n``, ``\\r``, U+2028 or U+2029."""
    out = []
    for m in _PARA.finditer(_lines(text)):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)``; each is trimmed and ``text[start:end]`` is non-empty. A line break
    (any of those :func:`paragraphs` knows) ends a sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    lines = _lines(text)
    for m in _SENT_END.finditer(lines):
        if m.group(0).strip() == "" and "\n" not in m.group(0) and _ABBREV.search(lines[start : m.start()]):
            continue
        _add(text, start, m.start(), out)
        start = m.end()
    _add(text, start, len(text), out)
    return out


def _add(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s < e:
        out.append((s, e))


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def printable(value: str) -> str:
    """``value`` with any lone surrogate written as ``\\udcXX`` (a file name that is not UTF-8, as Python
    reads it), so that it can be printed, stored and sent as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value
