"""An HTML page's main text and metadata via trafilatura: no navigation, banners, related links, comments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spinlens.errors import InputError

_SPACE = re.compile(r"\s+")
_TABLE_RULE = re.compile(r"^\|[-:| ]+\|$")


@dataclass(frozen=True)
class Extracted:
    """A page's main text (paragraphs separated by a blank line) and its metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    outlet: str | None = None
    url: str | None = None


def extract_html(
    html: str, *, url: str | None = None, focus: str = "balanced", what: str = "page"
) -> Extracted:
    """Extract the article of ``html``; ``text`` is empty when the page has no main text.

    Title and author are metadata: a heading that repeats the title, or a byline line that only names the
    author, at the top of the article is dropped. ``focus`` is trafilatura's trade-off: ``"balanced"``,
    ``"precision"`` (less boilerplate, may drop a standfirst) or ``"recall"``.

    Raises:
        InputError: trafilatura is missing or fails on this page.
    """
    try:
        import trafilatura
    except ImportError as exc:
        raise InputError("reading HTML needs trafilatura: pip install trafilatura lxml_html_clean") from exc
    html = html.replace("\x00", "")
    if not html.strip():
        return Extracted(text="")
    try:
        # lxml refuses str input that carries an XML encoding declaration
        if html.lstrip().startswith("<?xml"):
            html = re.sub(r"^\s*<\?xml[^>]*>", "", html, count=1)
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            favor_precision=focus == "precision",
            favor_recall=focus == "recall",
            # only dates the page states in its metadata or markup, not a guess from the copyright line
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # noqa: BLE001 - translate any trafilatura/lxml failure at the boundary
        raise InputError(f"{what}: HTML extraction failed ({type(exc).__name__}: {exc})") from exc
    if doc is None:
        return Extracted(text="")
    title = _clean(getattr(doc, "title", None))
    lines = [line.strip() for line in (getattr(doc, "text", None) or "").split("\n")]
    lines = [line for line in lines if line]
    author = _clean(getattr(doc, "author", None))
    if lines and title and _norm(lines[0]) == _norm(title):
        lines = lines[1:]
    if author:
        bylines = {_norm(author), _norm(f"by {author}")}
        lines = [line for i, line in enumerate(lines) if i >= 3 or _norm(line) not in bylines]
    return Extracted(
        text=_join_blocks(lines),
        title=title,
        author=author,
        published=_clean(getattr(doc, "date", None)),
        outlet=_clean(getattr(doc, "sitename", None)) or _clean(getattr(doc, "hostname", None)),
        url=url or _clean(getattr(doc, "url", None)),
    )


def _join_blocks(lines: list[str]) -> str:
    """Paragraphs separated by a blank line; a list's items or a table's rows stay together, one a line."""
    blocks: list[list[str]] = []
    previous = None
    for line in lines:
        kind = "table" if line.startswith("|") else "list" if line.startswith("- ") else None
        if kind == "table" and _TABLE_RULE.match(line):
            continue
        if kind is not None and kind == previous:
            blocks[-1].append(line)
        else:
            blocks.append([line])
        previous = kind
    return "\n\n".join("\n".join(block) for block in blocks)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = _SPACE.sub(" ", str(value)).strip()
    return text or None


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()
