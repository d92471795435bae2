"""spinlens errors -> HTTP statuses, and the one JSON error body every failure answers with.

The body is ``{"error": {"status": 422, "type": "InputError", "message": "..."}}``. Pages (a browser that
accepts HTML, outside ``/api/``) get the same message on an HTML error page instead.
"""

from __future__ import annotations

from typing import Any

from spinlens.errors import DataError, InputError, ModelError, SchemaError, SpinlensError
from spinlens.web._state import Busy

__all__ = ["STATUS_OF", "status_for", "error_body", "wants_json"]

#: error class -> HTTP status, most specific first: the first class that matches wins.
STATUS_OF: tuple[tuple[type[BaseException], int], ...] = (
    (Busy, 503),
    (InputError, 422),
    (SchemaError, 422),
    (ModelError, 503),
    (DataError, 500),
    (SpinlensError, 500),
)


def status_for(exc: BaseException) -> int:
    """The HTTP status for an error: the first class of :data:`STATUS_OF` it is an instance of, else 500."""
    for cls, status in STATUS_OF:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(status: int, kind: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON error body."""
    return {"error": {"status": status, "type": kind, "message": message, **extra}}


def wants_json(path: str, accept: str) -> bool:
    """True when a failure on ``path`` should be answered with JSON rather than an HTML page."""
    if path.startswith("/api/") or path in ("/healthz", "/openapi.json"):
        return True
    return "text/html" not in accept
