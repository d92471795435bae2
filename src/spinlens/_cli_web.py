"""``spinlens serve``: the web app under uvicorn, or one request answered in-process with ``--get``.

FastAPI, uvicorn and the model are imported inside the command, so ``spinlens --help`` stays fast.
"""

from __future__ import annotations

import errno
import sys
from typing import Annotated, Any

import click
import typer

from spinlens._cli_options import MAX_SIZE as _MAX_SIZE
from spinlens._cli_options import Model
from spinlens.errors import SpinlensError

__all__ = ["serve"]


def _help() -> dict[str, str]:
    from spinlens.web._settings import WEB_SETTINGS

    return {s.name: s.help for s in WEB_SETTINGS}


_HELP = _help()


def serve(
    db: Annotated[str | None, typer.Option("--db", metavar="PATH|URL", help=_HELP["db"])] = None,
    host: Annotated[str, typer.Option("--host", help=_HELP["host"])] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help=_HELP["port"])] = 8000,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="SPINLENS_TOKEN", help=_HELP["token"]),
    ] = None,
    model: Annotated[Model, typer.Option("--model", "-m", help=_HELP["model"])] = Model.default,
    article: Annotated[bool, typer.Option("--article/--no-article", help=_HELP["article"])] = True,
    max_concurrent: Annotated[
        int, typer.Option("--max-concurrent", min=1, max=1024, help=_HELP["max_concurrent"])
    ] = 2,
    max_queue: Annotated[int, typer.Option("--max-queue", min=0, max=1_000_000, help=_HELP["max_queue"])] = 8,
    queue_timeout: Annotated[
        float, typer.Option("--queue-timeout", min=0.0, help=_HELP["queue_timeout"])
    ] = 30.0,
    max_upload_bytes: Annotated[
        int, typer.Option("--max-upload-bytes", min=1, max=_MAX_SIZE, help=_HELP["max_upload_bytes"])
    ] = 5_000_000,
    max_chars: Annotated[int, typer.Option("--max-chars", min=1, max=_MAX_SIZE, help=_HELP["max_chars"])] = (
        2_000_000
    ),
    fetch_timeout: Annotated[
        float, typer.Option("--fetch-timeout", min=0.1, help=_HELP["fetch_timeout"])
    ] = 10.0,
    allow_private_urls: Annotated[
        bool, typer.Option("--allow-private-urls", help=_HELP["allow_private_urls"])
    ] = False,
    get: Annotated[
        str | None,
        typer.Option("--get", metavar="PATH", help="Answer one GET request in-process, print it and exit."),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="show tracebacks instead of one-line errors")
    ] = False,
) -> None:
    """Serve the web app: analyze articles in the browser, browse a corpus, and a REST API.

    Binds 127.0.0.1 by default; any other address needs --token, which every write (POST) must then
    send as "Authorization: Bearer TOKEN". Pages work offline: nothing is loaded from another site.

    \b
    Example:
      spinlens serve
      spinlens serve --db corpus.sqlite --port 8080
      spinlens serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
      spinlens serve --model rules --get /healthz
      spinlens serve --no-article      # techniques only: no genre, frames, entities (no spaCy load)
    """
    from spinlens.web import WebSettings

    try:
        settings = WebSettings.build(
            db=db,
            host=host,
            port=port,
            token=token,
            model=model.value,
            article=article,
            max_concurrent=max_concurrent,
            max_queue=max_queue,
            queue_timeout=queue_timeout,
            max_upload_bytes=max_upload_bytes,
            max_chars=max_chars,
            fetch_timeout=fetch_timeout,
            allow_private_urls=allow_private_urls,
        )
    except SpinlensError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        from spinlens.web import create_app

        app = create_app(settings)
        if get is not None:
            raise typer.Exit(_get(app, get, settings))
        app.state.spinlens.pipeline()  # load the model now: fail before listening, not on a request
    except SpinlensError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    import uvicorn

    where = f"[{host}]" if ":" in host else host
    problem = _cannot_listen(host, port)
    if problem is not None:  # uvicorn would say it after "serving ...", as a log line, and exit 3
        click.echo(f"Error: cannot listen on {where}:{port}: {problem}", err=True)
        raise typer.Exit(1)
    if db:
        from spinlens.store import store_label

        corpus = f"corpus {store_label(db)}"  # a PostgreSQL URL's password is not printed
    else:
        corpus = "no --db: recent analyses kept in memory"
    click.echo(f"Note: serving http://{where}:{port}/ ({corpus}); Ctrl-C stops", err=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="debug" if debug else "info",
        log_config=_log_config(),
        server_header=False,
    )


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with the app's own ``spinlens`` logger on its stderr handler: the errors a page
    answers only by class ("its log says why") are written there, not dropped by the library's null
    handler."""
    from uvicorn.config import LOGGING_CONFIG

    spinlens = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return {**LOGGING_CONFIG, "loggers": {**LOGGING_CONFIG["loggers"], "spinlens": spinlens}}


def _cannot_listen(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host:port`` (a port in use, an address not of this machine, a
    name that does not resolve), tried as uvicorn binds: every address of ``host``; None if it can."""
    import socket

    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return f"{getattr(exc, 'strerror', None) or exc}; give an address of this machine with --host"
    for family, kind, proto, _, address in addresses:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.EADDRINUSE:
                return f"{reason} (another server?); stop it or choose another --port"
            if exc.errno == errno.EACCES:
                return f"{reason}; ports under 1024 need privileges: choose another --port"
            return f"{reason}; give an address of this machine with --host"
    return None


def _get(app, path: str, settings) -> int:
    """Run one GET through the app in-process (no socket); print the body; 0 for 2xx/3xx, else 1."""
    import anyio

    if not path.startswith("/"):
        click.echo(f"Error: --get takes a path such as /healthz, got {path!r}", err=True)
        return 2
    status, body = anyio.run(_asgi_get, app, path, settings.host, settings.port)
    text = body.decode("utf-8", "replace")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    return 0 if status < 400 else 1


async def _asgi_get(app, path: str, host: str, port: int) -> tuple[int, bytes]:
    """One ASGI ``GET path`` request; returns the status and the body."""
    from urllib.parse import quote, unquote

    raw_path, _, query = path.partition("?")
    # what a browser sends: non-ASCII characters as UTF-8 percent-escapes ("q=é" -> "q=%C3%A9")
    raw_path = quote(raw_path, safe="/%:@!$&'()*+,;=~")
    query = quote(query, safe="/%:@!$&'()*+,;=~?")
    name = f"[{host}]" if ":" in host else host
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": [(b"host", f"{name}:{port}".encode()), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 0),
        "server": (host, port),
        "state": {},
    }
    status = 0
    chunks: list[bytes] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)
