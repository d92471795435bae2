"""YAML front matter at the top of a Markdown article (Jekyll, Hugo, Obsidian, static-site exports).

Only the simple ``key: value`` subset is read (no YAML library): scalars, quoted or not, ``[a, b]`` lists,
``- a`` item lines and indented continuation lines. A block that is not clearly front matter (no closing
line within the first lines, a line that is not ``key: value``) is no front matter: the text stays as it is.
"""

from __future__ import annotations

import re

from spinlens.text import headline, terminal_safe

#: the closing ``---`` / ``...`` line must come within this many lines after the opening ``---``
MAX_LINES = 60
_LEADING_BLANK = re.compile(r"\A(?:[ \t]*\r?\n)*")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]+(.*)|[ \t]*)$")
_BLOCK = re.compile(r"[|>][+-]?")
_FLOW_ITEM = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^,]*)\s*(?:,|$)")
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?:[ \t]+#.*)?$")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"(?:[ \t]+#.*)?$')
_URL = re.compile(r"https?://\S+$", re.I)
_NULL = ("~", "null", "Null", "NULL")

# front matter keys (lower-cased) for each metadata field, the first found wins
_TITLE_KEYS = ("title",)
_AUTHOR_KEYS = ("author", "authors")
_PUBLISHED_KEYS = ("published", "date", "publishdate", "publish_date")
_URL_KEYS = ("canonical_url", "url", "source")
_OUTLET_KEYS = ("outlet", "publisher")


def split_front_matter(text: str) -> tuple[str, dict[str, str | list[str]]] | None:
    """The text after a front matter block at the start of ``text`` (its leading blank lines dropped) and the
    block's keys (lower-cased) with their values; None when ``text`` does not start with front matter.

    The block opens with a ``---`` line (after an optional byte-order mark and blank lines) and closes with a
    ``---`` or ``...`` line at most :data:`MAX_LINES` lines further; every line between is blank, a ``#``
    comment, ``key: value``, or (after a ``key:`` with no value, or ``key: |`` / ``key: >``) a ``- item`` or
    indented line. At least one key is needed."""
    rest = _LEADING_BLANK.sub("", text.removeprefix("\ufeff"), count=1)
    lines = rest.split("\n", MAX_LINES + 1)
    if not lines or lines[0].rstrip() != "---":
        return None
    values: dict[str, str | list[str]] = {}
    key: str | None = None  # the key whose items or continuation lines may follow
    block: list[str] = []
    literal = False  # the key's value is a block scalar (``|``, ``>``): its lines are text
    offset = len(lines[0]) + 1
    for line in lines[1 : MAX_LINES + 1]:
        offset += len(line) + 1
        bare = line.rstrip()
        if bare in ("---", "..."):
            if key is not None and block:
                values[key] = _block_value(block, literal)
            if not values:
                return None
            return _LEADING_BLANK.sub("", rest[offset:], count=1), values
        if not bare.strip() or bare.lstrip().startswith("#"):
            continue
        if line[:1] in (" ", "\t") or bare.startswith("- ") or bare == "-":
            if key is None:
                return None
            block.append(bare)
            continue
        m = _KEY.match(bare)
        if m is None:
            return None
        if key is not None and block:
            values[key] = _block_value(block, literal)
        key, block = None, []
        name, raw = m.group(1).lower(), (m.group(2) or "").strip()
        if not raw or _BLOCK.fullmatch(raw):
            key, literal = name, bool(raw)
            values.setdefault(name, "")
        else:
            values[name] = _scalar_or_list(raw)
    return None


def _block_value(lines: list[str], literal: bool = False) -> str | list[str]:
    """Item lines (``- a``) as a list; an indented mapping (``name: Jane Doe``, ``twitter: jd``) as its
    ``name``, as a record's ``{"name": ...}`` object gives it (each item's too); other continuation lines,
    and a block scalar's (``literal``), joined into one line."""
    items = [line.strip() for line in lines]
    if not literal and (items[0] == "-" or items[0].startswith("- ")):
        groups: list[list[str]] = []  # an item and the lines indented under it (its mapping's other keys)
        for item in items:
            if item == "-" or item.startswith("- "):
                groups.append([item[1:].strip()])
            else:
                groups[-1].append(item)
        values = [
            _name(group) if _is_mapping(group) else _scalar_or_list(" ".join(group)) for group in groups
        ]
        return [v for v in values if isinstance(v, str) and v]
    if not literal and _is_mapping(items):
        return _name(items)
    return " ".join(items)


def _is_mapping(lines: list[str]) -> bool:
    return bool(lines) and all(_KEY.match(line) for line in lines)


def _name(lines: list[str]) -> str:
    """The ``name`` of a mapping's ``key: value`` lines ("" without one)."""
    for line in lines:
        m = _KEY.match(line)
        if m is not None and m.group(1).lower() == "name":
            return _scalar((m.group(2) or "").strip())
    return ""


def _scalar_or_list(raw: str) -> str | list[str]:
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1]
        parts = [m.group(1) for m in _FLOW_ITEM.finditer(inner) if m.group(1)]
        return [v for v in (_scalar(p.strip()) for p in parts) if v]
    if raw.startswith("{") and raw.endswith("}"):  # a flow mapping: {name: Jane Doe, twitter: jd}
        return _name([m.group(1).strip() for m in _FLOW_ITEM.finditer(raw[1:-1]) if m.group(1)])
    return _scalar(raw)


def _scalar(raw: str) -> str:
    """A YAML scalar's value: quotes (matching) dropped, ``''`` and ``\\"`` unescaped, a `` #`` comment after
    an unquoted value dropped; YAML's null (``~``, ``null``) is ""."""
    if m := _SINGLE.match(raw):
        return m.group(1).replace("''", "'")
    if m := _DOUBLE.match(raw):
        return re.sub(r"\\(.)", r"\1", m.group(1))
    value = re.split(r"[ \t]#", raw, maxsplit=1)[0].strip()
    return "" if value in _NULL else value


def _first(values: dict[str, str | list[str]], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, list):
            value = ", ".join(value)  # "authors: [Ann Lee, Bo Park]" -> "Ann Lee, Bo Park", as for records
        value = " ".join((value or "").split())
        if value:
            return terminal_safe(value)
    return None


def text_and_metadata(text: str) -> tuple[str, dict[str, str]]:
    """The text to analyze and store, and its metadata (``title``, ``author``, ``published``, ``url``,
    ``outlet``; only those found), of a plain-text or Markdown article.

    With front matter, the text is what follows it and the metadata comes from its keys (``title``;
    ``author`` / ``authors``; ``published`` / ``date``; ``canonical_url`` / ``url`` / ``source`` when it is a
    URL; ``outlet`` / ``publisher`` / ``source`` when it is not); other keys are not kept, as a record's
    other fields are not. Without a ``title`` key, or without front matter, the title is the first line when
    it reads as one (:func:`spinlens.text.headline`)."""
    found = split_front_matter(text)
    if found is None:
        title = headline(text)
        return text, {"title": title} if title is not None else {}
    body, values = found
    source = _first(values, ("source",))
    url_keys = _URL_KEYS if source is None or _URL.match(source) else _URL_KEYS[:-1]
    outlet_keys = _OUTLET_KEYS + (() if source is None or _URL.match(source) else ("source",))
    meta = {
        "title": _first(values, _TITLE_KEYS) or headline(body),
        "author": _first(values, _AUTHOR_KEYS),
        "published": _first(values, _PUBLISHED_KEYS),
        "url": _first(values, url_keys),
        "outlet": _first(values, outlet_keys),
    }
    return body, {k: v for k, v in meta.items() if v is not None}
