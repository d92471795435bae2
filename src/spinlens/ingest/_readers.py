"""Single-document readers (text, HTML, URL) and the WARC reader."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from spinlens.errors import InputError
from spinlens.ingest._decode import charset_from_content_type, charset_from_html, decode_bytes
from spinlens.ingest._draft import Draft
from spinlens.ingest._fetch import Fetch, FetchResponse, user_agent
from spinlens.ingest._front_matter import text_and_metadata
from spinlens.ingest._html import extract_html
from spinlens.ingest._options import IngestOptions, IngestResult

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/plain", "text/markdown")


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, refusing files larger than ``max_bytes`` before reading them.

    Raises:
        InputError: the file is missing, unreadable or too large.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path} is {size} bytes, over the {max_bytes}-byte limit (max_bytes)")
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise InputError(f"{path} is over the {max_bytes}-byte limit (max_bytes)")
    return data


def text_draft(data: bytes, source: str, *, declared: str | None = None, url: str | None = None) -> Draft:
    """A draft whose text is the decoded bytes exactly (only a byte-order mark is dropped); its first line is
    also its title when it reads as one (:func:`spinlens.text.headline`). A Markdown article's YAML front
    matter is metadata, not text: the text is what follows it, the title, author, date, URL and outlet come
    from its keys (:func:`text_and_metadata`); ``url``, where the bytes came from, wins over its URL."""
    text, meta = text_and_metadata(decode_bytes(data, declared=declared, what=source))
    return Draft(
        source=source,
        text=text,
        title=meta.get("title"),
        outlet=meta.get("outlet"),
        url=url or meta.get("url"),
        published=meta.get("published"),
        author=meta.get("author"),
    )


def html_draft(
    data: bytes, source: str, options: IngestOptions, *, declared: str | None = None, url: str | None = None
) -> Draft:
    """A draft from an HTML page: the extracted main text, with title, author, date and site as metadata."""
    html = decode_bytes(data, declared=declared or charset_from_html(data), what=source)
    page = extract_html(html, url=url, focus=options.html_focus, what=source)
    return Draft(
        source=source,
        text=page.text,
        title=page.title,
        outlet=page.outlet,
        url=page.url,
        published=page.published,
        author=page.author,
    )


def looks_like_html(data: bytes) -> bool:
    """True when the first bytes of ``data`` look like an HTML document."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")):
        return True
    return any(tag in data[:4096].lower() for tag in (b"<html", b"<body", b"<article", b"<p>", b"<div"))


def read_url(url: str, options: IngestOptions, fetch: Fetch) -> Draft:
    """Fetch ``url`` and read it as HTML or plain text (by Content-Type, else by sniffing).

    Raises:
        InputError: the fetch failed, the status is not 2xx, the body is too large or not text.
    """
    try:
        response = fetch(url, timeout=options.timeout, max_bytes=options.max_bytes, user_agent=user_agent())
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - an injected fetch may raise anything: translate it here
        raise InputError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(response, FetchResponse):
        raise InputError(f"the fetch function returned {type(response).__name__}, not a FetchResponse")
    if not 200 <= response.status < 300:
        reason = f" {response.reason}" if response.reason else ""
        raise InputError(f"HTTP {response.status}{reason} for {url}")
    if len(response.body) > options.max_bytes:
        raise InputError(f"{url} is over the {options.max_bytes}-byte limit (max_bytes)")
    media = (response.content_type or "").split(";")[0].strip().lower()
    declared = charset_from_content_type(response.content_type)
    sniff_html = media in ("", "application/octet-stream") and looks_like_html(response.body)
    if media in _HTML_TYPES or sniff_html:
        return html_draft(response.body, url, options, declared=declared, url=response.url or url)
    if media in _TEXT_TYPES or not media:
        return text_draft(response.body, url, declared=declared, url=response.url or url)
    raise InputError(f"{url} is {media}, not HTML or plain text")


def _plain_cut_short(path: Path, offset: int | None) -> bool:
    """Whether an uncompressed WARC holds more than blank lines after ``offset``, where warcio stopped: a
    record cut inside its WARC headers ends the iteration quietly there (its bytes were never a record)."""
    if offset is None:
        return False
    with open(path, "rb") as f:
        if f.read(2) == b"\x1f\x8b":
            return False  # gzipped: _gzip_cut_short's business
        f.seek(offset)
        while chunk := f.read(1 << 20):
            if chunk.strip():
                return True
    return False


def _gzip_cut_short(path: Path) -> bool:
    """Whether a gzipped file ends inside a member (warcio stops quietly at such an end). Bytes after the
    last member that do not start another one (a trailing newline) are not a cut. Memory stays bounded:
    output is produced and dropped 1 MB at a time."""
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return False
        f.seek(0)
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        fed = False  # whether the current member has begun
        while chunk := f.read(1 << 20):
            while chunk:
                if not fed and not chunk.startswith(b"\x1f\x8b"[: len(chunk)]):
                    return False  # trailing bytes that are no gzip member
                try:
                    d.decompress(chunk, 1 << 20)
                    while d.unconsumed_tail and not d.eof:
                        d.decompress(d.unconsumed_tail, 1 << 20)
                except zlib.error:
                    return True
                fed = True
                if d.eof:  # a member ended: what is left starts the next one (or is trailing junk)
                    chunk = d.unused_data
                    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    fed = False
                else:
                    chunk = b""
        return fed


def _warc_detail(exc: BaseException) -> str:
    """warcio's own reason in parentheses; none for a Python error inside warcio on damaged bytes
    ("'NoneType' object has no attribute 'startswith'" says nothing to a user)."""
    if isinstance(exc, (AttributeError, TypeError, IndexError, KeyError)) or not str(exc):
        return " (damaged, truncated or not WARC at all)"
    return f" ({exc})"


def read_warc(path: Path, options: IngestOptions) -> Iterator[Draft | IngestResult]:
    """One draft per HTML response record of a WARC (gzipped or not); other records are passed over."""
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError as exc:
        raise InputError(f"{path}: reading WARC needs warcio: pip install warcio") from exc
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror or exc}") from exc
    with stream:
        _check_warc_magic(stream, path)
        try:
            archive = ArchiveIterator(stream)
            records = iter(archive)
        except Exception as exc:  # noqa: BLE001 - translate any warcio failure at the boundary
            raise InputError(f"{path}: not a readable WARC file{_warc_detail(exc)}") from exc
        count = 0
        last_was_error = False  # a record already reported as cut short
        while True:
            try:
                record = next(records)
            except StopIteration:
                if not last_was_error and _gzip_cut_short(path):
                    yield IngestResult(
                        f"{path}#end",
                        None,
                        "error",
                        f"the file ends inside a gzip member after record {count}: "
                        "the last record(s) are cut off (truncated file?)",
                    )
                elif not last_was_error and _plain_cut_short(path, getattr(archive, "offset", None)):
                    yield IngestResult(
                        f"{path}#end",
                        None,
                        "error",
                        f"the file ends inside a record's headers after record {count}: that record is cut "
                        "off (truncated file?)",
                    )
                return
            except Exception as exc:  # noqa: BLE001 - translate any warcio failure at the boundary
                where = f"after record {count}" if count else "at the start"
                raise InputError(f"{path}: not a readable WARC file {where}{_warc_detail(exc)}") from exc
            count += 1
            if not record.rec_type:
                yield IngestResult(
                    f"{path}#record {count}", None, "error", "unreadable WARC record (truncated file?)"
                )
                last_was_error = True
                continue
            if record.rec_type not in ("response", "resource"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or f"record {count}"
            source = f"{path}#{uri}"
            item = _warc_item(record, source, uri, options)
            last_was_error = isinstance(item, IngestResult) and item.status == "error"
            yield item


def _declared_but_missing(record) -> bool:
    """Whether a record's declared Content-Length is more than the file holds of it, or missing or empty
    (every WARC record has one: headers without it were cut there)."""
    try:
        given = (record.rec_headers.get_header("Content-Length") or "").strip()
        if not given.isdigit():  # none, or cut to nothing
            return True
        declared = int(given)
        return declared > 0 and len(record.raw_stream.read(declared + 1)) < declared
    except (ValueError, OSError, AttributeError):
        return False


def _check_warc_magic(stream, path: Path) -> None:
    """Refuse a file that does not start with a WARC record (plain or gzipped), rewinding the stream."""
    head = stream.read(512)
    stream.seek(0)
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 16)
        except zlib.error as exc:
            raise InputError(f"{path}: not a WARC file (broken gzip data)") from exc
    if not head.startswith(b"WARC/"):
        raise InputError(f"{path}: not a WARC file (it does not start with a WARC/1.x record)")


def _warc_item(record, source: str, uri: str, options: IngestOptions) -> Draft | IngestResult:
    if record.rec_type == "response":
        if record.http_headers is None:
            if _declared_but_missing(record):  # the file ends before its HTTP headers: not a choice of ours
                return IngestResult(source, None, "error", "WARC record is cut short (truncated file?)")
            return IngestResult(source, None, "skipped", "WARC response without HTTP headers")
        status = record.http_headers.get_statuscode()
        if status != "200":
            return IngestResult(source, None, "skipped", f"HTTP {status} response in the WARC")
        content_type = record.http_headers.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        body = record.content_stream().read(options.max_bytes + 1)
    except Exception as exc:  # noqa: BLE001 - translate any warcio failure at the boundary
        return IngestResult(source, None, "error", f"cannot read the WARC record ({exc})")
    if len(body) <= options.max_bytes and getattr(record.raw_stream, "limit", 0) > 0:
        return IngestResult(source, None, "error", "WARC record is cut short (truncated file?)")
    if len(body) > options.max_bytes:
        return IngestResult(
            source, None, "error", f"record is over the {options.max_bytes}-byte limit (max_bytes)"
        )
    declared = charset_from_content_type(content_type)
    try:
        if media in _HTML_TYPES or (not media and looks_like_html(body)):
            return html_draft(body, source, options, declared=declared, url=uri)
        if media in _TEXT_TYPES:
            return text_draft(body, source, declared=declared, url=uri)
    except InputError as exc:
        return IngestResult(source, None, "error", str(exc))
    return IngestResult(source, None, "skipped", f"content type {media or 'unknown'} is not HTML or text")
