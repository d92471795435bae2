"""``iter_documents``: sources in, one ``IngestResult`` per document, record or failed source out."""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from spinlens.errors import InputError, SpinlensError
from spinlens.ingest._decode import wide_bom
from spinlens.ingest._draft import Draft
from spinlens.ingest._fetch import Fetch, fetch_url
from spinlens.ingest._language import LanguageDetector
from spinlens.ingest._options import (
    EMPTY_PATH,
    FOLDER_LINK,
    NO_INPUT_FILES,
    NO_TEXT,
    IngestOptions,
    IngestResult,
)
from spinlens.ingest._readers import (
    html_draft,
    looks_like_html,
    read_limited,
    read_url,
    read_warc,
    text_draft,
)
from spinlens.ingest._tables import read_csv, read_jsonl, read_jsonl_gz, read_parquet
from spinlens.schema import Document
from spinlens.text import printable

_KINDS = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonl.gz": "jsonl.gz",
    ".ndjson.gz": "jsonl.gz",
    ".csv": "csv",
    ".parquet": "parquet",
    ".warc": "warc",
    ".warc.gz": "warc",
}
_SNIFF_BYTES = 4096
_GZIP_MAGIC = b"\x1f\x8b"


def iter_documents(
    sources: Iterable[str], options: IngestOptions | None = None, fetch: Fetch | None = None
) -> Iterator[IngestResult]:
    """Read each source lazily and yield one result per document, skipped document or failure.

    A source is a URL (http/https), ``file://`` URL, file, folder (walked recursively, files picked by
    ``options.extensions``) or ``-`` for standard input. The kind comes from the URL scheme, the file
    extension, or a look at the first bytes. Bad input never raises: it yields an ``"error"`` result
    with a one-line reason, and iteration goes on with the next record or source.

    Args:
        sources: paths, URLs or ``-``.
        options: limits, field names and languages; ``IngestOptions()`` when None.
        fetch: the function that fetches URLs (see ``Fetch``); ``fetch_url`` when None.

    Returns:
        An iterator of ``IngestResult``; at most ``options.max_documents`` of them are ``"ok"``.
    """
    return DocumentReader(options, fetch).read(sources)


class DocumentReader:
    """``iter_documents`` as an object that keeps the language model loaded between calls.

    Args:
        options: limits, field names and languages; ``IngestOptions()`` when None.
        fetch: the function that fetches URLs; ``fetch_url`` when None.
    """

    def __init__(self, options: IngestOptions | None = None, fetch: Fetch | None = None) -> None:
        self.options = options if options is not None else IngestOptions()
        self.fetch = fetch if fetch is not None else fetch_url
        #: the binary stream ``-`` reads (standard input when None); a caller that sniffed its first bytes
        #: sets a ``Prefixed`` stream that gives them back
        self.stdin: Any = None
        self._detector = LanguageDetector()

    def language_skip_reason(self, text: str) -> str | None:
        """The reason a text already in hand (e.g. a plain file) is skipped for its language, or None."""
        return _language_skip_reason(self._detector.detect(text), self.options)

    def read(self, sources: Iterable[str]) -> Iterator[IngestResult]:
        """Yield one ``IngestResult`` per document, skipped document or failed source."""
        options = self.options
        produced = 0
        for source in sources:
            items = _iter_source(str(source), options, self.fetch, self.stdin)
            try:
                for item in items:
                    result = (
                        item if isinstance(item, IngestResult) else _finish(item, options, self._detector)
                    )
                    if result.reason is not None and "\n" in result.reason:
                        result = replace(result, reason=_one_line(result.reason))
                    shown = printable(result.source)
                    if shown != result.source:  # a file name that is not UTF-8
                        result = replace(result, source=shown)
                    if result.ok:
                        if produced >= options.max_documents:
                            reason = (
                                f"max_documents={options.max_documents} reached; "
                                "this and later sources not read"
                            )
                            yield IngestResult(result.source, None, "skipped", reason)
                            return
                        produced += 1
                    yield result
            finally:
                items.close()


def _iter_source(
    source: str, options: IngestOptions, fetch: Fetch, stdin: Any = None
) -> Generator[Draft | IngestResult, None, None]:
    """Drafts and results of one source; any ``SpinlensError`` becomes an error result for the source."""
    try:
        yield from _dispatch(source, options, fetch, stdin)
    except SpinlensError as exc:
        yield IngestResult(source, None, "error", _one_line(str(exc)))


def _dispatch(
    source: str, options: IngestOptions, fetch: Fetch, stdin: Any = None
) -> Iterator[Draft | IngestResult]:
    if source == "-":
        yield from _read_stdin(options, stdin)
        return
    try:
        scheme = urlparse(source).scheme.lower()
    except ValueError as exc:  # e.g. "http://[zz/"
        raise InputError(f"not a valid URL ({exc})") from None
    if scheme in ("http", "https"):
        yield read_url(source, options, fetch)
        return
    if scheme == "file":
        name = unquote(urlparse(source).path)
    elif len(scheme) > 1 and "://" in source:
        raise InputError(f"unsupported URL scheme {scheme!r} in {source}; use http, https or a file path")
    else:
        name = source
    if not name:  # Path("") is the current folder: an unset shell variable must not read all of it
        raise InputError(EMPTY_PATH)
    path = Path(name)
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {source}: {exc}") from exc
    if is_dir:
        yield from _read_folder(path, options, fetch)
    elif exists:
        if not path.is_file():  # a named pipe or a device: reading could block forever
            raise InputError(f"{source} is not a regular file (a pipe or a device); give a file or a folder")
        yield from _read_file(path, options)
    else:
        raise InputError(f"no such file or folder: {source}")


def _read_folder(folder: Path, options: IngestOptions, fetch: Fetch) -> Iterator[Draft | IngestResult]:
    """Files under ``folder`` whose names end with one of ``options.extensions``, in sorted order; every
    other file, and each link to a folder (not followed: it may lead back up), as a ``"skipped"`` result
    (hidden ones and those in hidden folders aside)."""
    problems: list[OSError] = []
    found = False
    for root, dirs, files in os.walk(folder, onerror=problems.append):
        while problems:
            exc = problems.pop(0)
            yield IngestResult(
                str(exc.filename or folder), None, "error", f"cannot read folder: {exc.strerror}"
            )
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [d for d in dirs if os.path.islink(os.path.join(root, d))]:  # os.walk would pass it over
            yield IngestResult(str(Path(root) / name), None, "skipped", FOLDER_LINK)
        for name in sorted(files):
            if name.startswith("."):
                continue
            if not name.lower().endswith(options.extensions):
                # said, not dropped in silence: a user who expects it analyzed sees why it was not
                suffix = Path(name).suffix.lower() or "no extension"
                yield IngestResult(
                    str(Path(root) / name), None, "skipped", f"not a type read here ({suffix})"
                )
                continue
            found = True
            yield from _iter_source(str(Path(root) / name), options, fetch)
    for exc in problems:
        yield IngestResult(str(exc.filename or folder), None, "error", f"cannot read folder: {exc.strerror}")
    if not found and not problems:
        yield IngestResult(str(folder), None, "error", NO_INPUT_FILES)


def _kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext in sorted(_KINDS, key=len, reverse=True):
        if name.endswith(ext):
            return _KINDS[ext]
    return None


def _read_file(path: Path, options: IngestOptions) -> Iterator[Draft | IngestResult]:
    kind = _kind_of(path) or sniff_file(path)
    source = str(path)
    if kind == "text":
        yield text_draft(read_limited(path, options.max_bytes), source)
    elif kind == "html":
        yield html_draft(read_limited(path, options.max_bytes), source, options)
    elif kind in _RECORD_READERS:
        n = 0
        for item in _RECORD_READERS[kind](path, options):
            n += 1
            yield item
        if n == 0:  # an empty record file is a mistake more often than a corpus of nothing: say so
            yield IngestResult(
                source, None, "error", f"no records in this {kind} file (empty, or a header only)"
            )
    else:  # pragma: no cover - sniff_file always names a kind
        raise InputError(f"{path}: unknown kind {kind!r}")


_RECORD_READERS = {
    "jsonl": read_jsonl,
    "jsonl.gz": read_jsonl_gz,
    "csv": read_csv,
    "parquet": read_parquet,
    "warc": read_warc,
}


def sniff_file(path: Path) -> str:
    """The kind of a file without a known extension, from its first bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(_GZIP_MAGIC):  # a gzipped WARC or JSONL file (any other is reported as not WARC)
        try:
            inner = zlib.decompressobj(wbits=31).decompress(head, 64)
        except zlib.error:
            inner = b""
        return "jsonl.gz" if _narrow(inner).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "warc"
    if head.startswith(b"WARC/"):
        return "warc"
    if looks_like_html(head):
        return "html"
    narrow = _narrow(head)
    if narrow.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and b"\n" in narrow.strip():
        return "jsonl"
    return "text"


def _narrow(head: bytes) -> bytes:
    """``head`` as UTF-8, for the JSONL test, when it starts with a UTF-16 or UTF-32 byte-order mark (Windows
    PowerShell's ``Out-File`` and ``>``), which :func:`read_jsonl` reads; else ``head`` itself."""
    bom = wide_bom(head)
    if bom is None:
        return head
    name, size = bom
    return head[size:].decode(name, "replace").encode("utf-8")


def _read_stdin(options: IngestOptions, stream: Any = None) -> Iterator[Draft | IngestResult]:
    """Standard input (or ``stream``): JSONL records, read a line at a time, when it starts with ``{``
    (``zcat crawl.jsonl.gz | spinlens batch -``); otherwise one text or HTML document."""
    stream = stream if stream is not None else getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("standard input is not available")
    head = stream.read(min(_SNIFF_BYTES, options.max_bytes + 1))
    kind = stdin_kind(head)  # the first bytes decide (looks_like_html reads no further either)
    if kind == "jsonl":
        yield from read_jsonl(Path("-"), options, Prefixed(head, stream))
        return
    data = head + stream.read(options.max_bytes + 1 - len(head))
    if len(data) > options.max_bytes:
        raise InputError(f"standard input is over the {options.max_bytes}-byte limit (max_bytes)")
    if kind == "html":
        yield html_draft(data, "-", options)
    else:
        yield text_draft(data, "-")


def stdin_kind(head: bytes) -> str:
    """What standard input holds by its first bytes, as :func:`_read_stdin` decides: ``"jsonl"`` (it starts
    with ``{``, in UTF-8 or in UTF-16 or UTF-32 after their byte-order mark), ``"html"`` or ``"text"``."""
    if _narrow(head).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "html" if looks_like_html(head) else "text"


class Prefixed:
    """A binary stream whose first bytes (``head``) were already read from it: ``read`` and ``readline``
    give them first."""

    def __init__(self, head: bytes, stream) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            out, self._head = self._head + self._stream.read(), b""
            return out
        out, self._head = self._head[:size], self._head[size:]
        if len(out) < size:
            out += self._stream.read(size - len(out))
        return out

    def readline(self, limit: int = -1) -> bytes:
        if not self._head:
            return self._stream.readline(limit)
        end = self._head.find(b"\n") + 1 or len(self._head)
        if limit >= 0:
            end = min(end, limit)
        line, self._head = self._head[:end], self._head[end:]
        if line.endswith(b"\n") or self._head or len(line) == limit:
            return line
        return line + self._stream.readline(limit - len(line) if limit >= 0 else -1)


# skip a text only when the wanted languages together are this unlikely: the identifier is sure it is in
# another language (German or Serbian news: P(en) 0.00), not merely unsure (English headlines full of
# foreign names: P(en) 0.07-0.18, top guess 'fr' or 'tr')
_SKIP_BELOW = 0.05


def _language_skip_reason(guess, options: IngestOptions) -> str | None:
    """Why a text in ``guess``'s language is skipped under ``options.languages``, or None."""
    if not options.languages or guess.code is None or guess.code in options.languages:
        return None
    if not guess.reliable or guess.share(options.languages) >= _SKIP_BELOW:  # unsure: "Liar!" is 'eu' 0.02
        return None
    wanted = ", ".join(options.languages)
    verb = "is" if len(options.languages) == 1 else "are"
    return (
        f"language {guess.code!r} detected (confidence {guess.confidence:.2f}); only {wanted} {verb} analyzed"
    )


def _finish(draft: Draft, options: IngestOptions, detector: LanguageDetector) -> IngestResult:
    """Check a draft's text and language and build its ``Document``."""
    if not draft.text.strip():
        return IngestResult(draft.source, None, "skipped", NO_TEXT)
    try:
        guess = detector.detect(draft.text)
    except SpinlensError as exc:
        return IngestResult(draft.source, None, "error", _one_line(str(exc)))
    language = guess.code if guess.reliable else None
    reason = _language_skip_reason(guess, options)
    if reason is not None:
        return IngestResult(draft.source, None, "skipped", reason)
    if options.languages and guess.code in options.languages:
        language = guess.code
    text = draft.text
    if options.title_in_text and draft.title:
        text = f"{draft.title}\n\n{text}"
    try:
        document = Document(
            text=text,
            id=draft.id,
            title=draft.title,
            outlet=draft.outlet,
            url=draft.url,
            published=draft.published,
            author=draft.author,
            language=language,
        )
    except SpinlensError as exc:  # e.g. a lone surrogate from a JSON "\ud800" escape
        return IngestResult(draft.source, None, "error", _one_line(str(exc)))
    return IngestResult(draft.source, document, "ok", None)


def _one_line(message: str) -> str:
    return " ".join(message.split())
