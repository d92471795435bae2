"""Dates as the store compares them (``--since``, ``until``, months): a checked ISO prefix or None."""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

__all__ = ["iso_date"]

_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?=$|[T\s(\[]|Z)", re.ASCII)  # then anything
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2}))?", re.ASCII)  # the whole value
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)


def iso_date(value: str | None) -> str | None:
    """``value`` as an ISO date prefix (``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` when that is all it says)
    if it is a real date: a day (``2018-11-02``, ``2018/11/02``) followed by nothing, a time, a zone or a
    note, a bare year or year-month, ``20181102``, or RFC 2822 (``Tue, 02 Nov 2018 10:00:00 GMT``); else
    None ("yesterday", "2024-13-45", "1984 Orwell")."""
    if not value or not isinstance(value, str):
        return None
    v = value.strip()
    m = _DAY.match(v) or _PARTIAL.fullmatch(v) or _COMPACT_DATE.fullmatch(v)
    if m:
        parts = [int(g) for g in m.groups() if g is not None]
        try:
            date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        except ValueError:
            return None
        return "-".join([f"{parts[0]:04d}"] + [f"{x:02d}" for x in parts[1:]])
    try:
        return parsedate_to_datetime(v).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None
