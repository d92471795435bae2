"""The spinlens web app: analyze an article in the browser, explore a corpus, and a REST API.

Example::

    import uvicorn
    from spinlens.web import WebSettings, create_app

    uvicorn.run(create_app(WebSettings(model="rules")), host="127.0.0.1", port=8000)

``spinlens serve`` does the same from the command line. Everything is served from the package: no page
loads anything from another site, so the app works offline. Names are imported on first use, so reading
the settings table (``spinlens --help``) does not import FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app", "WebSettings", "WEB_SETTINGS", "is_loopback"]

_LAZY = {
    "create_app": "spinlens.web._app",
    "WebSettings": "spinlens.web._settings",
    "WEB_SETTINGS": "spinlens.web._settings",
    "is_loopback": "spinlens.web._settings",
}

if TYPE_CHECKING:  # pragma: no cover
    from spinlens.web._app import create_app
    from spinlens.web._settings import WEB_SETTINGS, WebSettings, is_loopback


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'spinlens.web' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
