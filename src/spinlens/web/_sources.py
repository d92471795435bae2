"""Turn what a request brings (pasted text, an uploaded file, a URL) into a ``Document``.

Uploads and URLs go through :mod:`spinlens.ingest`, so they get its decoding, HTML extraction, language
check and limits. An uploaded file's name is only ever used for its extension and as display metadata:
the bytes are written to a fresh temporary folder under a fixed name, so no path from a request reaches
the file system.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import cast
from urllib.parse import urlsplit

from spinlens.errors import InputError
from spinlens.ingest._front_matter import text_and_metadata
from spinlens.schema import Document
from spinlens.text import iso_date, terminal_safe

__all__ = [
    "UPLOAD_SUFFIXES",
    "META_FIELDS",
    "document_from_text",
    "document_from_upload",
    "document_from_url",
]

#: upload extensions accepted, mapped to the name the temporary file gets (ingest picks a reader by it).
UPLOAD_SUFFIXES: dict[str, str] = {".txt": ".txt", ".md": ".md", ".html": ".html", ".htm": ".html"}
#: document metadata a request may set.
META_FIELDS: tuple[str, ...] = ("title", "outlet", "url", "published", "author")


def _clean_meta(meta: Mapping[str, str | None]) -> dict[str, str]:
    """The form's metadata, trimmed; control characters and direction overrides (which would reorder a
    title on the page: "\u202egnp.exe") as U+FFFD; ``published`` as an ISO date.

    Raises:
        InputError: ``published`` is not a date (the date filters and the time chart could not use it)."""
    out = {}
    for key in META_FIELDS:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = terminal_safe(value.strip()).replace("\n", " ")
    if "published" in out:
        day = iso_date(out["published"])
        if day is None:
            shown = out["published"] if len(out["published"]) <= 40 else out["published"][:40] + "..."
            raise InputError(f"published: {shown!r} is not a date; give it as YYYY-MM-DD")
        out["published"] = day
    return out


def document_from_text(text: str, meta: Mapping[str, str | None]) -> Document:
    """A document from pasted text, stored exactly as given (YAML front matter aside: it gives metadata,
    :func:`spinlens.ingest._front_matter.text_and_metadata`), with optional metadata.

    Raises:
        InputError: the text is empty.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(
            "the text is empty (or only whitespace): paste an article, upload a file or give a URL"
        )
    text, found = text_and_metadata(text.removeprefix("\ufeff"))  # front matter, else a first-line title
    if not text.strip():
        raise InputError("the text is empty after its front matter: paste the article with it")
    fields = {**found, **_clean_meta(meta)}  # the form's fields win
    return Document(text=text, **fields)


def display_name(filename: str | None) -> str:
    """The last component of an uploaded file's name (any folder part dropped), for display only."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    return name.strip()[:200] or "upload"


def document_from_upload(
    reader, filename: str | None, data: bytes, meta: Mapping[str, str | None]
) -> Document:
    """A document from an uploaded .txt, .md or .html file, read by ingest.

    Args:
        reader: a :class:`spinlens.ingest.DocumentReader`.
        filename: the name the browser sent (used for its extension and as the default title).
        data: the file's bytes.
        meta: metadata from the form; it wins over what ingest found in the page.

    Raises:
        InputError: an unsupported extension, an empty file, or ingest could not read it.
    """
    name = display_name(filename)
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(
            f"cannot read {name!r}: upload a .txt, .md or .html file (or paste the text instead)"
        )
    if not data.strip():
        raise InputError(f"{name} is empty: nothing to analyze")
    with tempfile.TemporaryDirectory(prefix="spinlens-upload-") as folder:
        path = Path(folder) / f"upload{UPLOAD_SUFFIXES[suffix]}"
        path.write_bytes(data)
        result = next(iter(reader.read([str(path)])))
        reason = (result.reason or "").replace(str(path), name).replace(folder, "")
    if not result.ok or result.document is None:
        raise InputError(f"cannot analyze {name}: {reason or result.status}")
    doc = result.document
    fields = {"title": doc.title or name, **_clean_meta(meta)}
    return replace(doc, **fields)


def check_public_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL that is not http(s), or (unless ``allow_private``) whose host is not a public address.

    Raises:
        InputError: a bad scheme, no host, an unresolvable host or a private address.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port out of range or not a number
    except ValueError as exc:
        raise InputError(f"cannot fetch {url!r}: not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"cannot fetch {url!r}: give an http:// or https:// URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot fetch {url}: the host {parts.hostname!r} does not resolve ({exc})") from exc
    for info in infos:
        # an IP sockaddr (host, port, ...); typeshed's (int, bytes) is for a family CPython was built without
        check_public_address(cast(str, info[4][0]), url, parts.hostname)


#: IPv6 ranges whose last 32 bits are the IPv4 address a connection reaches (NAT64's well-known prefix, the
#: IPv4-compatible and IPv4-translated forms): Python counts them global whatever that address is.
_IPV4_SUFFIXED = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96"))
#: local-use NAT64 (RFC 8215): not globally reachable, though Python before 3.13 counts it global.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one leads to (mapped, 6to4, NAT64, compatible, translated), or None."""
    for embedded in (address.ipv4_mapped, address.sixtofour):
        if embedded is not None:
            return embedded
    if any(address in network for network in _IPV4_SUFFIXED):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_public_address(ip: str, url: str, host: str | None = None) -> None:
    """Refuse ``ip`` (the address a fetch of ``url`` resolved to or connected to) unless it is global.

    Raises:
        InputError: a loopback, private, link-local or otherwise non-global address.
    """
    address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        address = _embedded_ipv4(address) or address
    if not address.is_global or address in _LOCAL_NAT64:
        raise InputError(
            f"refusing to fetch {url}: {host or address} is a loopback or private address "
            "(start the server with --allow-private-urls to allow it)"
        )


def document_from_url(reader, url: str, meta: Mapping[str, str | None], *, allow_private: bool) -> Document:
    """A document fetched from ``url`` by ingest (its size and time limits apply).

    Raises:
        InputError: the URL is refused, the fetch fails, or the page has no usable text.
    """
    url = url.strip()
    check_public_url(url, allow_private=allow_private)
    result = next(iter(reader.read([url])))
    if not result.ok or result.document is None:
        raise InputError(f"cannot analyze {url}: {result.reason or result.status}")
    doc = result.document
    return replace(doc, **_clean_meta(meta)) if meta else doc
