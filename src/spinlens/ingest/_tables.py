"""Record files: JSONL / NDJSON (also gzipped), CSV and Parquet, read one record at a time."""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from spinlens.errors import InputError
from spinlens.ingest._decode import sniff_encoding, wide_bom
from spinlens.ingest._draft import Draft, draft_from_record
from spinlens.ingest._options import TEXT_FIELD_HINT, IngestOptions, IngestResult

_CHUNK = 1 << 16
_PARQUET_BATCH = 256

Item = Draft | IngestResult


class _LineReader(Protocol):
    """What :func:`read_jsonl` reads from: a binary stream's ``readline``."""

    def readline(self, limit: int = ..., /) -> bytes: ...


def _error(source: str, reason: str) -> IngestResult:
    return IngestResult(source=source, document=None, status="error", reason=reason)


def _open(path: Path):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror or exc}") from exc


def read_jsonl(path: Path, options: IngestOptions, stream: _LineReader | None = None) -> Iterator[Item]:
    """One draft per JSON object line; a broken line yields an error naming its line number.

    ``stream``: read this open binary stream (e.g. standard input, ``path`` ``-``) instead of the file.
    The lines are UTF-8 (a byte-order mark is dropped), or UTF-16 or UTF-32 when the stream starts with
    that byte-order mark (Windows PowerShell's ``Out-File`` and ``>``): decoded a chunk at a time, each
    line's ``max_bytes`` counting its UTF-8 bytes.
    """
    with _open(path) if stream is None else contextlib.nullcontext(stream) as f:
        lines: _LineReader = f
        encoding = "UTF-8"
        hinted = False
        lineno = 0
        while True:
            try:
                line = lines.readline(options.max_bytes + 1)
                if lineno == 0 and (wide := wide_bom(line)) is not None:
                    codec, size = wide
                    encoding = codec[:6].upper()  # UTF-16, UTF-32
                    lines = _Recoded(f, codec, line[size:])
                    line = lines.readline(options.max_bytes + 1)
            except OSError as exc:
                raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
            if not line:
                return
            lineno += 1
            source = f"{path}:{lineno}"
            if len(line) > options.max_bytes and not line.endswith(b"\n"):
                while (rest := lines.readline(_CHUNK)) and not rest.endswith(b"\n"):
                    pass
                yield _error(source, f"line {lineno}: over the {options.max_bytes}-byte limit (max_bytes)")
                continue
            if lineno == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                if encoding != "UTF-8":
                    yield _error(
                        source, f"line {lineno}: not valid {encoding} (a broken or cut-off character)"
                    )
                else:
                    reason = f"line {lineno}: not UTF-8 ({exc.reason} at byte {exc.start})"
                    if not hinted:  # the first such line says what to do; the others are one line each
                        reason += _convert_hint(line, exc.start, path)
                        hinted = True
                    yield _error(source, reason)
                continue
            except json.JSONDecodeError as exc:
                yield _error(
                    source,
                    f"line {lineno}: invalid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})",
                )
                continue
            except (ValueError, RecursionError) as exc:
                yield _error(source, f"line {lineno}: invalid JSON ({type(exc).__name__})")
                continue
            if not isinstance(record, dict):
                yield _error(source, f"line {lineno}: expected a JSON object, got {type(record).__name__}")
                continue
            try:
                yield draft_from_record(record, options, source)
            except InputError as exc:
                yield _error(source, f"line {lineno}: {exc}")


# A character that does not decode (an unpaired surrogate, a cut-off last character, a UTF-32 value past
# U+10FFFF) becomes a lone surrogate, which is not UTF-8: its line is an error, as a bad UTF-8 line is.
_BAD_CHARACTER = "spinlens.jsonl-bad-character"


def _mark_bad_character(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return "\udfff", exc.end
    raise exc


codecs.register_error(_BAD_CHARACTER, _mark_bad_character)


class _Recoded:
    """The lines of a UTF-16 or UTF-32 stream (its byte-order mark read) as UTF-8 bytes: a
    :class:`_LineReader`, decoding the stream a chunk at a time, never more than a line (up to the
    ``readline`` limit) and a chunk held."""

    def __init__(self, stream: _LineReader, codec: str, head: bytes) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(codec)(_BAD_CHARACTER)
        self._buf = bytearray(self._decode(head, final=False))
        self._scanned = 0  # no newline in self._buf[:self._scanned]
        self._eof = False

    def _decode(self, data: bytes, final: bool) -> bytes:
        return self._decoder.decode(data, final).encode("utf-8", "surrogatepass")

    def readline(self, limit: int = -1) -> bytes:
        buf = self._buf
        while (end := buf.find(b"\n", self._scanned)) < 0 and not self._eof:
            if 0 <= limit <= len(buf):
                break
            self._scanned = len(buf)
            chunk = self._stream.readline(_CHUNK)
            self._eof = not chunk
            buf += self._decode(chunk, final=self._eof)
        end = len(buf) if end < 0 else end + 1
        if limit >= 0:
            end = min(end, limit)
        line = bytes(buf[:end])
        del buf[:end]
        self._scanned = 0
        return line


def _convert_hint(line: bytes, at: int, path: Path) -> str:
    """What to do about a JSONL file that is not UTF-8, naming the encoding that ``line`` (bad at byte
    ``at``) looks like (only named: the file is not decoded with a guess): ``": JSONL is read as UTF-8;
    convert the file, e.g. iconv -f WINDOWS-1252 -t UTF-8"``."""
    sample = line[max(0, at - _CHUNK // 2) : at + _CHUNK // 2]
    try:
        name = _iconv_name(sniff_encoding(sample, what=str(path), utf8=False))
    except (InputError, LookupError):
        name = "ENCODING"
    return f": JSONL is read as UTF-8; convert the file, e.g. iconv -f {name} -t UTF-8"


def _iconv_name(codec: str) -> str:
    """iconv's name for a Python codec: ``cp1252`` -> ``WINDOWS-1252``, ``iso8859_2`` -> ``ISO-8859-2``."""
    name = codecs.lookup(codec).name
    if name.startswith("cp125"):
        return f"WINDOWS-{name[2:]}"
    if name.startswith("iso8859-"):
        return f"ISO-8859-{name[8:]}"
    return name.upper().replace("_", "-")


def read_jsonl_gz(path: Path, options: IngestOptions) -> Iterator[Item]:
    """:func:`read_jsonl` on a gzipped file (``.jsonl.gz``), decompressed as it is read."""
    with _open(path) as raw, gzip.GzipFile(fileobj=raw) as f:
        lines = read_jsonl(path, options, f)
        n = 0
        while True:
            try:
                item = next(lines)
            except StopIteration:
                return
            except (OSError, EOFError, zlib.error) as exc:  # not gzip, damaged, or cut short
                if isinstance(exc, InputError):
                    raise
                where = f"after record {n}" if n else "at the start"
                raise InputError(f"{path}: broken or truncated gzip data {where} ({exc})") from exc
            n += 1
            yield item


def read_csv(path: Path, options: IngestOptions) -> Iterator[Item]:
    """One draft per CSV row after the header row; a bad row yields an error naming its line number."""
    with _open(path) as raw:
        encoding = _csv_encoding(raw, path)
        # a news article is longer than csv's default 128 KiB field limit; this only ever raises it
        if csv.field_size_limit() < options.max_bytes:
            csv.field_size_limit(options.max_bytes)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=options.csv_delimiter)
        header = _csv_header(reader, path)
        if header is None:
            return
        if options.text_field not in header and (other := _other_delimiter(header, options)) is not None:
            # Excel in much of Europe separates with ";": read again from the start with that separator
            text.seek(0)
            reader = csv.reader(text, delimiter=other)
            header = _csv_header(reader, path) or []
        if options.text_field not in header:
            shown = ", ".join(header[:12])
            raise InputError(
                f"{path}: no {options.text_field!r} column (columns: {shown}); {TEXT_FIELD_HINT}"
            )
        twice = [name for name in options.record_fields if header.count(name) > 1]
        if twice:  # a row would keep the last column's value only: the others would be lost unsaid
            raise InputError(f"{path}: the header has the column {twice[0]!r} twice; rename one of them")
        last_line = reader.line_num
        while True:
            start_line = last_line + 1
            source = f"{path}:{start_line}"
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                last_line = reader.line_num
                yield _error(source, f"line {start_line}: bad CSV row ({exc})")
                continue
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}: not valid {encoding} after line {last_line} ({exc.reason})"
                ) from exc
            last_line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield _error(
                    source, f"line {start_line}: {len(row)} fields, but the header has {len(header)}"
                )
                continue
            try:
                yield draft_from_record(dict(zip(header, row)), options, source)
            except InputError as exc:
                yield _error(source, f"line {start_line}: {exc}")


def _csv_header(reader, path: Path) -> list[str] | None:
    """The column names of the first row, stripped; None for an empty file."""
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the CSV header ({exc})") from exc
    return None if header is None else [name.strip() for name in header]


# separators tried when the configured one gives a header of one column without the text field
_DELIMITERS = (",", ";", "\t", "|")


def _other_delimiter(header: list[str], options: IngestOptions) -> str | None:
    """The separator of a header read as one column (``text;title;id``) that has the text field when split
    by it: the file uses another separator than ``options.csv_delimiter``; None when none fits."""
    if len(header) != 1:
        return None
    for delimiter in _DELIMITERS:
        if delimiter != options.csv_delimiter:
            names = next(csv.reader([header[0]], delimiter=delimiter), [])
            if options.text_field in (name.strip() for name in names):
                return delimiter
    return None


def _csv_encoding(raw: io.BufferedReader, path: Path) -> str:
    """The encoding of a CSV file, judged before any row is read (the stream is left at its start).

    UTF-8 is checked to the end: an export whose first 64 KiB are ASCII and whose later rows are
    windows-1252 ("café") is read as windows-1252 (or the detected encoding), like a text file, instead of
    failing after the rows read so far. A file that mixes valid UTF-8 and other bytes stays UTF-8 and fails
    at the bad row, naming it.
    """
    sample = raw.read(_CHUNK)
    encoding = sniff_encoding(sample, what=str(path))
    if encoding == "utf-8":
        decoder = codecs.getincrementaldecoder("utf-8")()
        ascii_so_far = True
        chunk = sample
        while chunk:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                if ascii_so_far and chunk[: exc.start].isascii():
                    encoding = sniff_encoding(chunk, what=str(path), utf8=False)
                break
            ascii_so_far = ascii_so_far and chunk.isascii()
            chunk = raw.read(_CHUNK)
    raw.seek(0)
    return encoding


def read_parquet(path: Path, options: IngestOptions) -> Iterator[Item]:
    """One draft per Parquet row, read in small batches."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise InputError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow") from exc
    try:
        pf = pq.ParquetFile(path)
        names = list(pf.schema_arrow.names)
    except Exception as exc:  # noqa: BLE001 - translate any pyarrow failure at the boundary
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    if options.text_field not in names:
        shown = ", ".join(names[:12])
        raise InputError(f"{path}: no {options.text_field!r} column (columns: {shown}); {TEXT_FIELD_HINT}")
    columns = [name for name in options.record_fields if name in names]
    row = 0
    batches = pf.iter_batches(batch_size=_PARQUET_BATCH, columns=columns)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - translate any pyarrow failure at the boundary
            raise InputError(f"{path}: cannot read Parquet rows after row {row} ({exc})") from exc
        for record in batch.to_pylist():
            row += 1
            source = f"{path}#row={row}"
            try:
                yield draft_from_record(record, options, source)
            except InputError as exc:
                yield _error(source, f"row {row}: {exc}")
