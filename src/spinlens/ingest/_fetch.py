"""Fetching a URL: the default fetch function and the shape any replacement must return."""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

from spinlens.errors import InputError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class FetchResponse:
    """A fetched page: the final ``url`` after redirects, HTTP ``status`` and ``reason``, headers, body."""

    url: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class Fetch(Protocol):
    """Fetches ``url``; raises ``InputError`` on network failure, timeout or a body over ``max_bytes``."""

    def __call__(self, url: str, *, timeout: float, max_bytes: int, user_agent: str) -> FetchResponse: ...


def user_agent() -> str:
    """The User-Agent spinlens sends: ``spinlens/<version> (+https://github.com/spinlens)``."""
    try:
        ver = version("spinlens")
    except PackageNotFoundError:
        ver = "0+unknown"
    return f"spinlens/{ver} (+https://github.com/spinlens)"


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only after ``check(new_url)`` passed (it raises to refuse)."""

    def __init__(self, check: Callable[[str], None]) -> None:
        super().__init__()
        self.check = check

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        self.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _PeerChecked:
    """For http.client connections: ``peer_check(ip)`` sees the address each socket actually connected to,
    before TLS or a request (a name that resolved to a public address when it was checked may resolve to
    another now); ``watch(sock)`` gets each socket, so that a deadline can shut it down."""

    _create_connection: Callable[..., socket.socket]  # http.client's, wrapped in __init__

    def __init__(
        self,
        *args: Any,
        peer_check: Callable[[str], None],
        watch: Callable[[socket.socket], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        create = self._create_connection

        def checked(*a: Any, **kw: Any) -> socket.socket:
            sock = create(*a, **kw)
            try:
                peer_check(sock.getpeername()[0])
            except BaseException:
                sock.close()
                raise
            if watch is not None:
                watch(sock)
            return sock

        self._create_connection = checked


class _PeerHTTPConnection(_PeerChecked, http.client.HTTPConnection):
    pass


class _PeerHTTPSConnection(_PeerChecked, http.client.HTTPSConnection):
    pass


class _PeerHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, peer_check: Callable[[str], None], watch: Callable[[socket.socket], None]) -> None:
        super().__init__()
        self.peer_check = peer_check
        self.watch = watch

    def http_open(self, req):  # noqa: ANN001, ANN201
        return self.do_open(partial(_PeerHTTPConnection, peer_check=self.peer_check, watch=self.watch), req)


class _PeerHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, peer_check: Callable[[str], None], watch: Callable[[socket.socket], None]) -> None:
        super().__init__()
        self.peer_check = peer_check
        self.watch = watch

    def https_open(self, req):  # noqa: ANN001, ANN201
        conn = partial(_PeerHTTPSConnection, peer_check=self.peer_check, watch=self.watch)
        # HTTPSHandler keeps its context in an attribute typeshed does not declare
        return self.do_open(conn, req, context=getattr(self, "_context", None))


class _Deadline:
    """Shuts down every socket of one fetch when its ``timeout`` has passed: urllib's timeout bounds each
    socket operation, so a server that sends its status line and headers a byte at a time could hold a
    fetch (and a web worker) for as long as it liked."""

    def __init__(self, timeout: float) -> None:
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired.is_set():
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # a blocked recv returns: the read fails, the fetch ends
        except OSError:
            pass

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _no_check(_ip: str) -> None:
    return None


def _opener(
    on_redirect: Callable[[str], None] | None,
    on_peer: Callable[[str], None] | None,
    watch: Callable[[socket.socket], None],
) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if on_redirect:
        handlers.append(_CheckedRedirects(on_redirect))
    check = on_peer or _no_check
    handlers += [_PeerHTTPHandler(check, watch), _PeerHTTPSHandler(check, watch)]
    return urllib.request.build_opener(*handlers)


def fetch_url(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    user_agent: str,
    on_redirect: Callable[[str], None] | None = None,
    on_peer: Callable[[str], None] | None = None,
) -> FetchResponse:
    """Fetch ``url`` with urllib: ``timeout`` seconds in all, at most ``max_bytes`` of body.

    HTTP error statuses come back as a response (with an empty body); the caller decides. With
    ``on_redirect``, every redirect target is passed to it first (it raises ``InputError`` to refuse one);
    with ``on_peer``, the IP address of every connection made, before a request is sent on it.

    Raises:
        InputError: the host cannot be reached, the fetch takes longer than ``timeout``, the body is
            larger than ``max_bytes``, or ``on_redirect`` refused a redirect.
    """
    timed_out = f"timed out after {timeout:g} s fetching {url} (timeout)"
    with _Deadline(timeout) as guard:
        try:
            response = _fetch(url, timeout, max_bytes, user_agent, _opener(on_redirect, on_peer, guard.watch))
        except InputError as exc:
            if guard.expired.is_set():  # whatever a shut-down socket made of the read, it was the deadline
                raise InputError(timed_out) from exc
            raise
        if guard.expired.is_set():  # the deadline cut the body short: what was read is not the whole page
            raise InputError(timed_out)
        return response


def _fetch(
    url: str, timeout: float, max_bytes: int, user_agent: str, opener: urllib.request.OpenerDirector
) -> FetchResponse:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent, "Accept": "text/html, text/plain;q=0.9"}
    )
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        return FetchResponse(url=exc.url or url, status=exc.code, reason=str(exc.reason or ""))
    except (TimeoutError, socket.timeout) as exc:
        raise InputError(f"timed out after {timeout:g} s fetching {url} (timeout)") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise InputError(f"timed out after {timeout:g} s fetching {url} (timeout)") from exc
        raise InputError(f"cannot fetch {url}: {exc.reason}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise InputError(f"cannot fetch {url}: {exc!r}") from exc
    with response:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise InputError(f"{url} is {int(length)} bytes, over the {max_bytes}-byte limit (max_bytes)")
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raise InputError(f"timed out after {timeout:g} s fetching {url} (timeout)")
                # read1: return what one recv gives, so a server that trickles bytes meets the deadline
                chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"{url} is over the {max_bytes}-byte limit (max_bytes)")
                chunks.append(chunk)
        except (TimeoutError, socket.timeout) as exc:
            raise InputError(f"timed out after {timeout:g} s fetching {url} (timeout)") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise InputError(f"cannot fetch {url}: {exc!r}") from exc
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = _decoded(b"".join(chunks), headers.get("content-encoding", ""), url, max_bytes)
        return FetchResponse(
            url=response.geturl() or url,
            status=response.status,
            body=body,
            content_type=response.headers.get("Content-Type"),
            reason=str(response.reason or ""),
            headers=headers,
        )


def _decoded(body: bytes, coding: str, url: str, max_bytes: int) -> bytes:
    """``body`` without its HTTP ``Content-Encoding``: servers gzip a page though the request asked for no
    encoding. At most ``max_bytes`` are decompressed (a small body may hold a huge page).

    Raises:
        InputError: an encoding spinlens cannot decode (``br``), broken or truncated data, or a page over
            ``max_bytes``.
    """
    coding = coding.strip().lower()
    if coding in ("", "identity") or not body:
        return body
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise InputError(f"{url} is sent with Content-Encoding {coding!r}, which spinlens cannot decode")
    # deflate is zlib data by the standard, raw deflate data from some servers
    for wbits in (31,) if coding != "deflate" else (15, -15):
        decompressor = zlib.decompressobj(wbits)
        try:
            page = decompressor.decompress(body, max_bytes + 1)
        except zlib.error:
            continue
        if len(page) > max_bytes or decompressor.unconsumed_tail:
            raise InputError(f"{url} is over the {max_bytes}-byte limit (max_bytes) once decompressed")
        if not decompressor.eof:  # the body stops before the data's end: what came is part of the page
            continue
        return page + decompressor.flush()
    raise InputError(f"cannot fetch {url}: broken or truncated {coding} data (Content-Encoding)")
