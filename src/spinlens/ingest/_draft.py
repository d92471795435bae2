"""A document read from a source but not yet checked (language, limits) or turned into a ``Document``."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinlens.errors import InputError
from spinlens.ingest._options import TEXT_FIELD_HINT, IngestOptions


@dataclass(frozen=True)
class Draft:
    """Text and metadata read from ``source``; ``text`` is stored as is (offsets count from its start)."""

    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    id: str = ""


def draft_from_record(record: Mapping[str, Any], options: IngestOptions, source: str) -> Draft:
    """Map a JSONL object / CSV row / Parquet row onto a draft through the configured field names.

    Raises:
        InputError: the text field is missing, not a string, or larger than ``max_bytes``.
    """
    if options.text_field not in record:
        fields = ", ".join(sorted(str(k) for k in record)[:12]) or "none"
        raise InputError(f"no {options.text_field!r} field (fields: {fields}); {TEXT_FIELD_HINT}")
    text = record[options.text_field]
    if text is None:
        text = ""
    if isinstance(text, bytes):  # a Parquet string column written as plain binary (no UTF8 annotation)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"field {options.text_field!r} holds bytes that are not UTF-8 ({exc.reason})"
            ) from None
    if not isinstance(text, str):
        raise InputError(f"field {options.text_field!r} is a {type(text).__name__}, not a string")
    if len(text) > options.max_bytes:  # characters: a cheap lower bound on the encoded size
        raise InputError(
            f"field {options.text_field!r} is over the {options.max_bytes}-byte limit (max_bytes)"
        )
    return Draft(
        source=source,
        text=text,
        title=_field(record, options.title_field),
        outlet=_field(record, options.outlet_field),
        url=_field(record, options.url_field),
        published=_field(record, options.published_field),
        author=_field(record, options.author_field),
        id=_field(record, options.id_field) or "",
    )


def _field(record: Mapping[str, Any], name: str | None) -> str | None:
    if not name:
        return None
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, float) and value != value:  # NaN from a table
        return None
    if isinstance(value, Mapping):  # schema.org, NewsAPI: {"name": "Reuters", "id": null} -> "Reuters"
        name = value.get("name")
        if isinstance(name, (Mapping, list, tuple)):
            return None
        return _field({"v": name}, "v")
    if isinstance(value, (list, tuple)):  # "authors": ["Ann Lee", {"name": "Bo Park"}] -> "Ann Lee, Bo Park"
        parts = [_field({"v": v}, "v") for v in value if not isinstance(v, (list, tuple))]
        return ", ".join(p for p in parts if p) or None
    text = str(value).strip()
    return text or None
