"""The web app's settings: declared once with default and help, read once by ``spinlens serve``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields, replace
from typing import Any

from spinlens.errors import InputError
from spinlens.settings import MODELS, SETTINGS, Setting

__all__ = ["WEB_SETTINGS", "WebSettings", "is_loopback"]

#: every web setting: name, default and the help text ``spinlens serve --help`` shows.
WEB_SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "address to bind; a non-loopback address needs --token"),
    Setting("port", 8000, "TCP port to listen on"),
    Setting("db", None, "corpus database: a SQLite file path or a postgresql:// URL (enables corpus pages)"),
    Setting("token", None, "bearer token required for every write (POST); required off loopback"),
    *(s for s in SETTINGS if s.name == "model"),  # the same option as the other commands'
    Setting(
        "article",
        True,
        "add the article-level analysis (genre, frames, entity roles, narratives, quotes) to every analysis",
    ),
    Setting("max_concurrent", 2, "analyses run at once; more wait in a queue"),
    Setting("max_queue", 8, "analyses allowed to wait for a slot; beyond that a request gets 503"),
    Setting("queue_timeout", 30.0, "seconds an analysis may wait for a slot before it gets 503"),
    Setting("max_upload_bytes", 5_000_000, "largest request body (upload, pasted text), in bytes"),
    Setting("max_chars", 2_000_000, "longest text analyzed, in characters"),
    Setting("fetch_timeout", 10.0, "seconds allowed to fetch one URL"),
    Setting("allow_private_urls", False, "let the server fetch URLs on loopback and private addresses"),
    Setting("recent", 200, "analyses kept in memory for shareable links when there is no --db"),
    Setting("page_size", 50, "rows per page in document lists and search results"),
)
_DEFAULTS = {s.name: s.default for s in WEB_SETTINGS}
_POSITIVE_INTS = ("port", "max_concurrent", "max_upload_bytes", "max_chars", "recent", "page_size")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, kw_only=True)
class WebSettings:
    """Everything the web app needs to know, fixed for the life of the server.

    Raises:
        InputError: an invalid value, or a non-loopback ``host`` without a ``token``.
    """

    host: str = _DEFAULTS["host"]
    port: int = _DEFAULTS["port"]
    db: str | None = _DEFAULTS["db"]
    token: str | None = _DEFAULTS["token"]
    model: str = _DEFAULTS["model"]
    article: bool = _DEFAULTS["article"]
    max_concurrent: int = _DEFAULTS["max_concurrent"]
    max_queue: int = _DEFAULTS["max_queue"]
    queue_timeout: float = _DEFAULTS["queue_timeout"]
    max_upload_bytes: int = _DEFAULTS["max_upload_bytes"]
    max_chars: int = _DEFAULTS["max_chars"]
    fetch_timeout: float = _DEFAULTS["fetch_timeout"]
    allow_private_urls: bool = _DEFAULTS["allow_private_urls"]
    recent: int = _DEFAULTS["recent"]
    page_size: int = _DEFAULTS["page_size"]

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise InputError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}")
        for name in _POSITIVE_INTS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_queue, int) or self.max_queue < 0:
            raise InputError(f"max_queue must be 0 or more, got {self.max_queue!r}")
        for name in ("queue_timeout", "fetch_timeout"):
            if not getattr(self, name) >= 0:
                raise InputError(f"{name} must be 0 or more seconds, got {getattr(self, name)!r}")
        if self.token is not None and not self.token.strip():
            raise InputError(
                "the token is empty; give a long random string, e.g. from `openssl rand -hex 16`"
            )
        if not is_loopback(self.host) and not self.token:
            raise InputError(
                f"refusing to bind {self.host}: it is not a loopback address and no --token was given; "
                "add --token (e.g. --token $(openssl rand -hex 16)) or bind 127.0.0.1"
            )

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @classmethod
    def build(cls, **overrides: Any) -> WebSettings:
        """Settings from the defaults and explicit ``overrides`` (None keeps the default).

        Raises:
            InputError: an unknown setting name or an invalid value.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise InputError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: v for k, v in overrides.items() if v is not None})

    def replace(self, **changes: Any) -> WebSettings:
        """A copy with some settings changed."""
        return replace(self, **changes)
