"""What the web app keeps between requests: the pipeline, the store, recent analyses, the analysis gate.

Everything lives on one :class:`AppState` object hung on ``app.state``; nothing is module-level.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from spinlens.errors import SpinlensError
from spinlens.web._settings import WebSettings

__all__ = ["AppState", "Busy", "Gate", "Recent", "SerialAnalyzer"]


class Busy(SpinlensError):
    """Every analysis slot is taken and the queue is full (or the wait ran out): answered with 503."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Gate:
    """At most ``slots`` analyses at once; at most ``queue`` more wait, each up to ``timeout`` seconds.

    Args:
        slots: analyses allowed to run at the same time.
        queue: requests allowed to wait for a slot; the next one is refused at once.
        timeout: seconds a waiting request waits before it is refused.
    """

    def __init__(self, slots: int, queue: int, timeout: float) -> None:
        self.slots = slots
        self.queue = queue
        self.timeout = timeout
        self._sem = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._waiting = 0
        self._running = 0

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one analysis slot for the ``with`` block.

        Raises:
            Busy: the queue is full, or no slot came free within ``timeout`` seconds.
        """
        retry = max(1, int(self.timeout) or 1)
        if not self._sem.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.queue:
                    raise Busy(
                        f"the server is busy: {self.slots} analyses running and {self._waiting} waiting "
                        "(max_concurrent, max_queue); retry shortly",
                        retry,
                    )
                self._waiting += 1
            try:
                got = self._sem.acquire(timeout=self.timeout) if self.timeout > 0 else False
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                raise Busy(
                    f"the server is busy: no analysis slot came free within {self.timeout:g} s "
                    "(queue_timeout); retry shortly",
                    retry,
                )
        with self._lock:
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
            self._sem.release()


class Recent:
    """A bounded, thread-safe, least-recently-used map of analysis id -> analysis dict.

    Args:
        maxsize: the most analyses kept.
        max_chars: the most article characters kept in all (long articles push out more old ones).
    """

    def __init__(self, maxsize: int, max_chars: int = 50_000_000) -> None:
        self.maxsize = maxsize
        self.max_chars = max_chars
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    @staticmethod
    def _size(value: dict[str, Any]) -> int:
        return len(value.get("document", {}).get("text", ""))

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._chars -= self._size(old)
            self._items[key] = value
            self._chars += self._size(value)
            while len(self._items) > 1 and (len(self._items) > self.maxsize or self._chars > self.max_chars):
                _, dropped = self._items.popitem(last=False)
                self._chars -= self._size(dropped)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def newest(self, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Up to ``limit`` analyses, most recently used first, after skipping ``offset``."""
        with self._lock:
            values = list(reversed(self._items.values()))
        return values[offset : offset + limit]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class SerialAnalyzer:
    """An article analyzer whose ``analyze`` runs one call at a time.

    The web analyzes in worker threads, and spaCy (the analyzer's entity recogniser) makes no promise
    about one model used from several threads at once; the tagger, which takes most of the time, still
    runs concurrently.

    Args:
        analyzer: a loaded ``spinlens.analysis.ArticleAnalyzer``.
    """

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer
        self._lock = threading.Lock()

    @property
    def info(self) -> dict[str, str]:
        return self.analyzer.info

    def analyze(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            return self.analyzer.analyze(*args, **kwargs)


class AppState:
    """The objects one running app shares between requests.

    Args:
        settings: the web settings.
        pipeline_factory: builds the analysis pipeline on first use (the model loads once).
        store: the corpus store, or None without ``--db``.
        fetch: the URL fetch function handed to ingest (None: ingest's own ``fetch_url``).
    """

    def __init__(
        self,
        settings: WebSettings,
        pipeline_factory: Callable[[], Any],
        store: Any | None = None,
        fetch: Callable[..., Any] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetch = fetch
        self.corpus: Any = None
        self.recent = Recent(settings.recent)
        self.gate = Gate(settings.max_concurrent, settings.max_queue, settings.queue_timeout)
        self._pipeline_factory = pipeline_factory
        self._pipeline: Any | None = None
        self._reader: Any | None = None
        self._lock = threading.Lock()
        self.store_lock = threading.RLock()

    @property
    def pipeline_loaded(self) -> bool:
        return self._pipeline is not None

    def pipeline(self) -> Any:
        """The analysis pipeline, built on first use."""
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    self._pipeline = self._pipeline_factory()
        return self._pipeline

    def reader(self) -> Any:
        """The ingest reader for uploads and URLs (its language model loads once)."""
        if self._reader is None:
            from spinlens.ingest import DocumentReader, IngestOptions

            options = IngestOptions(
                max_bytes=self.settings.max_upload_bytes, timeout=self.settings.fetch_timeout
            )
            fetch = self.fetch
            if fetch is None and not self.settings.allow_private_urls:
                fetch = _public_fetch  # redirects are checked like the URL itself
            with self._lock:
                if self._reader is None:
                    self._reader = DocumentReader(options, fetch)
        return self._reader


def _public_fetch(url: str, *, timeout: float, max_bytes: int, user_agent: str) -> Any:
    """ingest's ``fetch_url``, refusing a redirect to a loopback or private address and any connection
    that reaches one (a DNS answer that changed since ``check_public_url`` looked the name up)."""
    from spinlens.ingest import fetch_url
    from spinlens.web._sources import check_public_address, check_public_url

    return fetch_url(
        url,
        timeout=timeout,
        max_bytes=max_bytes,
        user_agent=user_agent,
        on_redirect=lambda target: check_public_url(target, allow_private=False),
        on_peer=lambda ip: check_public_address(ip, url),  # the address connected to, not a second lookup
    )
