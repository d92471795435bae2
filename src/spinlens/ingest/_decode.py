"""Bytes to text: byte-order marks, declared charsets, UTF-8, Western single-byte text, then detection."""

from __future__ import annotations

import codecs
import re
import unicodedata

from spinlens.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG: these labels mean windows-1252 on the web.
_LATIN1_LABELS = {
    "latin-1",
    "latin1",
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "l1",
    "us-ascii",
    "ascii",
    "cp819",
}
# non-letter, non-ASCII characters that ordinary Western text contains
_WESTERN_PUNCT = set("\u00a0’‘“”„‚–—…€£¥¢°©®™«»‹›§¶¡¿·•†‡‰×÷±²³¹¼½¾µºª´¨¸¯¬¦¤")
_IN_WORD_OK = set("’·")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.()-]+)""", re.IGNORECASE)
_SAMPLE = 1 << 16


_SAVE_AS_TEXT = "save it as plain text (or the article's web page as HTML) first"
_NOT_TEXT = (
    (b"%PDF-", "a PDF document", "extract its text first, e.g. pdftotext FILE.pdf FILE.txt"),
    (b"{\\rtf", "an RTF document", _SAVE_AS_TEXT),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document (.doc, .xls, .ppt)", _SAVE_AS_TEXT),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "spinlens reads text, not images"),
    (b"\xff\xd8\xff", "a JPEG image", "spinlens reads text, not images"),
    (b"GIF87a", "a GIF image", "spinlens reads text, not images"),
    (b"GIF89a", "a GIF image", "spinlens reads text, not images"),
)


def not_text(data: bytes) -> str | None:
    """What ``data`` is, and what to do, when it is a document format spinlens does not read: a PDF, a Word
    or OpenDocument file, an image, a ZIP archive (``"a PDF document, not text: extract its text first,
    ..."``); None for anything else. A PDF without binary streams would otherwise be analyzed as text."""
    for magic, kind, hint in _NOT_TEXT:
        if data.startswith(magic):
            return f"{kind}, not text: {hint}"
    if data.startswith(b"PK\x03\x04"):
        head = data[:256]
        if b"word/" in data:
            kind = "a Word document (.docx)"
        elif b"mimetypeapplication/vnd.oasis.opendocument" in head:
            kind = "an OpenDocument file (.odt)"
        elif b"mimetypeapplication/epub+zip" in head:
            kind = "an EPUB book"
        else:
            return "a ZIP archive, not text: unpack it and give the folder"
        return f"{kind}, not text: {_SAVE_AS_TEXT}"
    return None


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding named by a byte-order mark at the start of ``data`` and the mark's length, if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def wide_bom(data: bytes) -> tuple[str, int] | None:
    """:func:`bom_encoding` for a UTF-16 or UTF-32 byte-order mark only (UTF-32 LE's ``FF FE 00 00`` before
    UTF-16 LE's ``FF FE``): the encoding and the mark's length, or None (no mark, or UTF-8's)."""
    bom = bom_encoding(data)
    return None if bom is None or bom[0] == "utf-8" else bom


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of an HTTP Content-Type header."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None


def charset_from_html(data: bytes) -> str | None:
    """The charset declared by a ``<meta>`` tag in the first 4 KB of an HTML page."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def decode_bytes(data: bytes, *, declared: str | None = None, what: str = "input") -> str:
    """Decode ``data`` to text without a BOM.

    Order: a byte-order mark; the declared charset (HTTP header or HTML meta), if it decodes cleanly and is
    not a single-byte label on valid multi-byte UTF-8; strict UTF-8; windows-1252 when the result reads
    like Western European text; then charset-normalizer.

    Raises:
        InputError: the bytes look binary or no encoding fits.
    """
    return decode_named(data, declared=declared, what=what)[0]


def decode_named(data: bytes, *, declared: str | None = None, what: str = "input") -> tuple[str, str]:
    """:func:`decode_bytes`, and the name of the encoding it used (``"utf-8"``, ``"cp1252"``, ...)."""
    if (kind := not_text(data)) is not None:
        raise InputError(f"{what}: {kind}")
    bom = bom_encoding(data)
    if bom is not None:
        name, size = bom
        try:
            return _check_text(data[size:].decode(name), what), name
        except UnicodeDecodeError as exc:
            raise InputError(f"{what}: starts with a {name} byte-order mark but is not valid {name}") from exc
    if declared:
        text = _try_declared(data, declared)
        if text is not None and not _utf8_beats(data, declared):
            return _check_text(text, what), declared.strip().lower()
    if b"\x00" not in data:
        try:
            return _check_text(data.decode("utf-8"), what), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = None
        if text is not None and _reads_western(text):
            return _check_text(text, what), "cp1252"
    if b"\x00" in data and not wide_without_bom(data):
        # scattered NULs mean a binary file (or NULs typed into a text), whatever a detector would guess
        raise InputError(f"{what}: looks like a binary file, not text (NUL bytes)")
    text, name = _detect(data, what)
    return _check_text(text, what), name


# what UTF-8 looks like when read as latin-1 / windows-1252: a lead byte (Â, Ã, â, ...) followed by a
# continuation byte's character ("CafÃ©", "â€”")
_MOJIBAKE = re.compile(
    "[\u00c2-\u00c3\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_WESTERN = tuple(codecs.lookup(x).name for x in ("cp1252", "latin-1", "iso-8859-15"))


def _utf8_beats(data: bytes, declared: str) -> bool:
    """A latin-1 / windows-1252 label on bytes that are UTF-8: the label gives mojibake ("CafÃ©") and
    the bytes decode as UTF-8. Windows-1252 text that happens to be valid UTF-8 ("CAFÉ’S") keeps its label."""
    try:
        codec = codecs.lookup(declared.strip().lower()).name
    except LookupError:
        return False
    if codec not in _WESTERN or not any(b >= 0x80 for b in data):
        return False
    try:
        data.decode("utf-8")
        as_labelled = data.decode("cp1252" if codec == codecs.lookup("latin-1").name else codec, "replace")
    except UnicodeDecodeError:
        return False
    return bool(_MOJIBAKE.search(as_labelled))


def wide_without_bom(data: bytes) -> bool:
    """Whether NUL bytes in ``data`` are those of UTF-16/32 text without a byte-order mark: at least 32
    bytes, and within each 2- or 4-byte code unit one position (the low byte of Latin text) almost never
    NUL while the others mostly are. A short input or NULs out of step with code units mean binary."""
    if len(data) < 32:
        return False
    for step in (2, 4):
        units = len(data) // step
        share = [data[i : units * step : step].count(0) / units for i in range(step)]
        low = min(range(step), key=share.__getitem__)
        if share[low] <= 0.1 and all(f >= 0.5 for i, f in enumerate(share) if i != low):
            return True
    return False


def _try_declared(data: bytes, declared: str) -> str | None:
    label = declared.strip().lower()
    if label in _LATIN1_LABELS:
        label = "cp1252"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in data[:_SAMPLE]:
        return None  # HTML often says utf-16 while being 8-bit
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):  # also "charset=base64" and the like
        return None


def _reads_western(text: str) -> bool:
    """True when a windows-1252 decoding looks like Western text rather than another code page's letters."""
    letters = 0
    non_ascii_letters = 0
    n = len(text)
    for i, ch in enumerate(text):
        if ch < "\x80":
            if ch.isalpha():
                letters += 1
            continue
        if ch.isalpha():
            letters += 1
            non_ascii_letters += 1
            continue
        if ch not in _WESTERN_PUNCT:
            return False
        if ch not in _IN_WORD_OK and 0 < i < n - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            return False  # punctuation inside a word: another code page's letter
    return letters > 0 and non_ascii_letters <= 0.3 * letters


def _detect(data: bytes, what: str) -> tuple[str, str]:
    try:
        from charset_normalizer import from_bytes
    except ImportError as exc:  # pragma: no cover - a dependency of spinlens
        raise InputError(f"{what}: is not UTF-8 and charset-normalizer is not installed") from exc
    try:
        best = from_bytes(data).best()
    except Exception as exc:  # noqa: BLE001 - third-party detector: any failure means "cannot tell"
        raise InputError(f"{what}: cannot detect the text encoding ({exc})") from exc
    if best is None:
        raise InputError(f"{what}: looks like a binary file, not text (no text encoding fits)")
    return str(best), str(best.encoding)


def _check_text(text: str, what: str) -> str:
    """Reject decoded text that is mostly control characters (a binary file that happened to decode)."""
    sample = text[:_SAMPLE]
    if not sample:
        return text
    bad = sum(1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc")
    if "\x00" in sample or bad > max(2, len(sample) // 100):
        raise InputError(f"{what}: looks like a binary file, not text ({bad} control characters)")
    return text


def sniff_encoding(sample: bytes, *, what: str = "input", utf8: bool = True) -> str:
    """A codec name for a file whose first bytes are ``sample`` (for streaming readers such as CSV).

    ``utf8=False``: the file is known not to be UTF-8 (``sample`` is a part that does not decode).

    Raises:
        InputError: the sample looks binary or no encoding fits.
    """
    bom = bom_encoding(sample)
    if bom is not None:
        # codecs that consume the byte-order mark themselves
        return {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(bom[0], "utf-32")
    if b"\x00" not in sample:
        if utf8:
            try:
                sample.decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError as exc:
                # only a character cut off at the end of the sample is forgiven: "café" (windows-1252)
                # in the last bytes of a short file is an invalid continuation byte, not a cut
                if exc.reason == "unexpected end of data" and exc.start >= len(sample) - 3:
                    return "utf-8"
        try:
            if _reads_western(sample.decode("cp1252")):
                return "cp1252"
        except UnicodeDecodeError:
            pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception as exc:  # noqa: BLE001 - third-party detector: any failure means "cannot tell"
        raise InputError(f"{what}: cannot detect the text encoding ({exc})") from exc
    if best is None:
        raise InputError(f"{what}: looks like a binary file, not text (no text encoding fits)")
    return best.encoding
