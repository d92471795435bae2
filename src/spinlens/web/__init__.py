"""The spinlens web app: analyze an article in the browser, explore a corpus, and a REST API.

Example::

    import uvicorn
    from spinlens.web import WebSettings, create_app

    uvicorn.run(create_app(WebSettings(model="rules")), host="127.0.0.1", port=8000)

``spinlens serve`` does the same from the command line. Everything is served from the package: no page
loads anything from another site, so the app works offline.
"""

from spinlens.web._app import create_app
from spinlens.web._settings import WEB_SETTINGS, WebSettings, is_loopback

__all__ = ["create_app", "WebSettings", "WEB_SETTINGS", "is_loopback"]
