"""The FastAPI app: analyze pages, corpus pages and the REST API, built by :func:`create_app`.

Pages are Jinja2 templates with autoescaping on; the article markup comes from :mod:`spinlens.web._view`
and charts from :mod:`spinlens.web._charts`, both escaping everything from the article. Scripts and
styles are static files served from the package, so every page works offline under a strict
Content-Security-Policy (no inline script or style, no request to another origin).
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders, UploadFile
from starlette.exceptions import HTTPException

from spinlens.errors import InputError, SpinlensError
from spinlens.render.html import render_html
from spinlens.taxonomy import CATEGORIES, TECHNIQUES, get_technique, is_technique
from spinlens.text import check_since
from spinlens.web import _charts, _view
from spinlens.web._corpus import Filters, MemoryCorpus
from spinlens.web._errors import error_body, status_for, wants_json
from spinlens.web._settings import WebSettings
from spinlens.web._sources import document_from_text, document_from_upload, document_from_url
from spinlens.web._state import AppState, Busy, SerialAnalyzer

__all__ = ["create_app"]

log = logging.getLogger("spinlens.web")

_HERE = Path(__file__).parent
#: a document id as it may appear in a URL: never used as a path, only looked up.
# PostgreSQL's id column holds 128 characters, SQLite any number: a bound for a URL, not the store's
_ID = re.compile(r"^.{1,4096}$", re.DOTALL)
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = (
    ("content-security-policy", _CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
)
#: the policy of the downloadable self-contained report (its script and style are inline).
_REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
#: a search needs a word: without one (blanks, U+2028, punctuation) the store would list every document
_WORD = re.compile(r"\w")
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: room for multipart framing and form fields on top of the upload limit.
_BODY_SLACK = 64 * 1024


# -- request and response models (they document the API in /openapi.json and /api/docs) --------------
class AnalyzeRequest(BaseModel):
    """Text to analyze (with optional metadata), or a URL to fetch and analyze."""

    text: str | None = Field(None, description="The article text; offsets in the answer count into it.")
    url: str | None = Field(
        None, max_length=4096, description="Fetched and analyzed when `text` is absent; else metadata."
    )
    title: str | None = Field(None, max_length=2000)
    outlet: str | None = Field(None, max_length=512)
    published: str | None = Field(None, max_length=64, description="ISO date, e.g. 2024-05-01.")
    author: str | None = Field(None, max_length=2000)

    model_config = {
        "json_schema_extra": {
            "examples": [{"text": "They are foreign agents, full stop.", "title": "An example"}]
        }
    }


class ErrorDetail(BaseModel):
    status: int
    type: str
    message: str


class ErrorBody(BaseModel):
    """Every failure: the status again, the error class and a one-line message with the next step."""

    error: ErrorDetail


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (401, "a write without the bearer token (when the server has one)"),
        (403, "a cross-site form post"),
        (413, "the request body is over max_upload_bytes"),
        (422, "the input cannot be analyzed (empty, too long, unreadable, wrong language)"),
        (503, "every analysis slot is busy (retry after Retry-After seconds) or the model is unavailable"),
    )
}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such document"},
    422: {"model": ErrorBody, "description": "a bad filter (unknown technique, malformed date)"},
}


# -- the guard: Host check, body limit, security headers ----------------------------------------------
class _Guard:
    """ASGI middleware: refuses foreign Host headers on loopback, caps the body, adds security headers."""

    def __init__(
        self, app, *, max_body: int, allowed_hosts: frozenset[str] | None, limit_shown: int | None = None
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.limit_shown = limit_shown if limit_shown is not None else max_body  # the setting users know
        self.allowed_hosts = allowed_hosts

    async def _refuse(self, scope, send, status: int, kind: str, message: str) -> None:
        accept = Headers(scope=scope).get("accept", "")
        if wants_json(_inside(scope.get("path", ""), scope.get("root_path", "")), accept):  # as _app_path
            body, media = json.dumps(error_body(status, kind, message)).encode(), b"application/json"
        else:  # a browser's form post (a paste or file over the limit): a page, not raw JSON
            body, media = _refusal_page(scope, status, kind, message), b"text/html; charset=utf-8"
        headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in _SECURITY_HEADERS]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self.allowed_hosts is not None:
            host = _host_name(headers.get("host", ""))
            if host not in self.allowed_hosts:
                await self._refuse(
                    scope,
                    send,
                    400,
                    "BadHost",
                    "this server answers only to its loopback name (Host header refused)",
                )
                return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await self._refuse(scope, send, 413, "PayloadTooLarge", _too_large(self.limit_shown))
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, _too_large(self.limit_shown))
            return message

        head = scope.get("method") == "HEAD"
        if head:  # HEAD is GET without the body (monitors and link checkers send it): same status, headers
            scope = dict(scope, method="GET")

        async def secured_send(message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for key, value in _SECURITY_HEADERS:
                    if key not in out:
                        out[key] = value
            elif head and message["type"] == "http.response.body":
                message = dict(message, body=b"")
            await send(message)

        await self.app(scope, limited_receive, secured_send)


def _refusal_page(scope, status: int, kind: str, message: str) -> bytes:
    """The guard's refusal as a small HTML page (it answers before the app, so without its templates)."""
    base = escape(scope.get("root_path", "").rstrip("/"), quote=True)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>spinlens: {status} {escape(kind)}</title>"
        f'<link rel="stylesheet" href="{base}/static/app.css">'
        f'<link rel="icon" href="{base}/static/favicon.svg" type="image/svg+xml"></head>'
        f"<body><main><h1>{status} &middot; {escape(kind)}</h1>"
        f'<p class="error" role="alert">{escape(message)}</p>'
        f'<p><a href="{base}/">Analyze an article</a></p></main></body></html>\n'
    ).encode()


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _read_form(request: Request, limit: int, max_fields: int) -> Any:
    """The request's form; a part over ``limit`` bytes is a 413 (as a body over the limit is), not a 400."""
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.formparsers import MultiPartException

    try:
        return await request.form(max_files=1, max_fields=max_fields, max_part_size=limit)
    except (MultiPartException, StarletteHTTPException) as exc:  # Starlette wraps the first in the second
        message = str(getattr(exc, "detail", None) or exc)
        # a part over the limit, or a body over it sent without a length (chunked): the body limit's 413
        if "maximum size" in message or getattr(exc, "status_code", None) == 413:
            raise HTTPException(413, _too_large(limit)) from None
        raise HTTPException(400, f"malformed form data: {message}") from None


def _told(exc: SpinlensError, path: str) -> str:
    """What a client is told of ``exc``: its message, logged too when the server failed; of a 500 only
    its class (a store's message names the database: its file's path, a PostgreSQL host and user)."""
    status = status_for(exc)
    if status >= 500 and not isinstance(exc, Busy):
        log.error("%s on %s: %s", type(exc).__name__, path, exc)
    if status == 500:  # not a 503: an unavailable model's message says what to install or build
        return f"the server failed ({type(exc).__name__}); its log says why"
    return str(exc)


def _too_large(limit: int) -> str:
    return f"the request body is over the {limit:,}-byte limit (max_upload_bytes); send a smaller file"


# -- helpers -----------------------------------------------------------------------------------------------
def _state(request: Request) -> AppState:
    return request.app.state.spinlens


def _check_id(document_id: str) -> str:
    if not _ID.match(document_id):
        raise HTTPException(404, f"no analysis with id {document_id!r}")
    return document_id


def _check_write(request: Request, form_token: str | None = None) -> None:
    """Refuse cross-site form posts and, when the server has a token, writes without it."""
    origin = request.headers.get("origin")
    if origin is not None:
        try:
            netloc = urlsplit(origin).netloc.lower() if origin != "null" else "null"
        except ValueError:  # not a URL (e.g. "http://[zz"): not this server either
            netloc = "\x00"
        if netloc != request.headers.get("host", "").lower():
            raise HTTPException(403, "cross-site request refused: post from this server's own pages")
    token = _state(request).settings.token
    if not token:
        return
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = value.strip() if scheme.lower() == "bearer" else (form_token or "")
    if not (given and hmac.compare_digest(given.encode(), token.encode())):
        how = (
            "enter it in the Token field (ask whoever runs this server)"
            if form_token is not None
            else "send Authorization: Bearer TOKEN"
        )
        wrong = "the token given is not this server's" if given else "this server needs its token for writes"
        raise HTTPException(401, f"{wrong}: {how}", headers={"WWW-Authenticate": "Bearer"})


def _filters(
    outlet: str | None = None,
    technique: Annotated[str | None, Query(description="Only documents with this technique.")] = None,
    category: str | None = None,
    since: Annotated[str | None, Query(description="Published on or after (ISO date).")] = None,
    until: Annotated[str | None, Query(description="Published on or before (ISO date).")] = None,
) -> Filters:
    """The corpus filters of a page or API query (a FastAPI dependency: the same five query parameters)."""
    if technique and not is_technique(technique):
        raise InputError(f"unknown technique {technique!r}; see /api/techniques for the ids")
    if category and category not in CATEGORIES:
        raise InputError(f"unknown category {category!r}; choose one of: {', '.join(CATEGORIES)}")
    return Filters(
        outlet=outlet or None,
        technique=technique or None,
        category=category or None,
        since=check_since(since or None, "since"),
        until=check_since(until or None, "until"),
    )


def _app_path(request: Request) -> str:
    """The request's path inside the app: without the root path it is mounted or proxied under (the pages
    prepend that as ``base``)."""
    return _inside(request.url.path, request.scope.get("root_path", ""))


def _inside(path: str, root_path: str) -> str:
    """``path`` without the ``root_path`` it starts with (:func:`_app_path`; the guard has only the scope)."""
    base = root_path.rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        return path[len(base) :] or "/"
    return path


def doc_path(document_id: str) -> str:
    """The path of a document's page: ``/a/`` + the id as one path segment (``/`` escaped too); an id of
    only dots as ``/a?id=...`` (browsers read ``/a/..`` and even ``/a/%2E%2E`` as a step up)."""
    q = quote(document_id, safe="")
    return f"/a?id={q}" if q in (".", "..") else f"/a/{q}"


def _analysis_links(base: str, document_id: str) -> dict[str, str]:
    q = quote(document_id, safe="")
    return {"page": base + doc_path(document_id), "json": f"{base}/a/{q}.json", "html": f"{base}/a/{q}.html"}


# -- the app -----------------------------------------------------------------------------------------------
def create_app(
    settings: WebSettings | None = None,
    *,
    pipeline: Any | None = None,
    store: Any | None = None,
    fetch: Callable[..., Any] | None = None,
) -> FastAPI:
    """The spinlens web app.

    Args:
        settings: the web settings (defaults when None).
        pipeline: the analysis pipeline; None builds one for ``settings.model`` on first use.
        store: an open corpus store; None opens ``settings.db`` when set, else keeps analyses in memory.
        fetch: the URL fetch function handed to ingest (tests inject one); None uses ingest's own.

    Raises:
        SpinlensError: the store cannot be opened.
    """
    import spinlens

    settings = settings or WebSettings()

    def build_pipeline():
        if pipeline is not None:
            return pipeline
        from spinlens.pipeline import Pipeline, load_tagger

        tagger = load_tagger(settings.model)
        analyzer = None
        if settings.article:
            from spinlens.analysis import ArticleAnalyzer

            analyzer = SerialAnalyzer(ArticleAnalyzer().load())
        return Pipeline(tagger, max_chars=settings.max_chars, article_analyzer=analyzer)

    state = AppState(settings, build_pipeline, store=None, fetch=fetch)
    if store is None and settings.db:
        from spinlens.web._store import open_store

        store = open_store(settings.db)
    if store is not None:
        from spinlens.web._store import StoreCorpus

        state.store = store
        state.corpus = StoreCorpus(store, state.store_lock)
    else:
        state.corpus = MemoryCorpus(state.recent)

    app = FastAPI(
        title="spinlens",
        version=spinlens.__version__,
        summary="Persuasion and propaganda techniques in news, located and explained.",
        description=(
            "Analyze an article (`POST /api/analyze`), then read the corpus: documents, full-text search "
            'and technique statistics. Errors answer `{"error": {"status", "type", "message"}}`. '
            "When the server has a token, writes need `Authorization: Bearer TOKEN`."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.spinlens = state
    allowed = (_LOOPBACK_NAMES | {settings.host.lower()}) if settings.loopback else None
    app.add_middleware(
        _Guard,
        max_body=settings.max_upload_bytes + _BODY_SLACK,
        allowed_hosts=allowed,
        limit_shown=settings.max_upload_bytes,
    )

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = _view.safe_url
    env.filters["doc_path"] = doc_path
    env.filters["pct"] = lambda v: f"{float(v):.0%}"
    env.globals.update(
        version=spinlens.__version__,
        technique=get_technique,
        categories=CATEGORIES,
        techniques=TECHNIQUES,
        persistent=state.corpus.persistent,
        token_required=bool(settings.token),
        example=(_HERE.parent / "examples" / "opinion.txt").read_text(encoding="utf-8"),
    )

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        base = request.scope.get("root_path", "").rstrip("/")
        model = state.pipeline().tagger.info if state.pipeline_loaded else None
        html = env.get_template(name).render(base=base, path=_app_path(request), model=model, **context)
        return HTMLResponse(html, status_code=status)

    # -- errors ------------------------------------------------------------------------------------------
    def answer_error(request: Request, status: int, kind: str, message: str, headers=None, **extra):
        if wants_json(_app_path(request), request.headers.get("accept", "")):
            return JSONResponse(
                error_body(status, kind, message, **extra), status_code=status, headers=headers
            )
        response = page(request, "error.html", status=status, status_code=status, kind=kind, message=message)
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(SpinlensError)
    async def _spinlens_error(request: Request, exc: SpinlensError):
        status = status_for(exc)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
        return answer_error(request, status, type(exc).__name__, _told(exc, request.url.path), headers)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        kinds = {
            401: "Unauthorized",
            403: "Forbidden",
            404: "NotFound",
            405: "MethodNotAllowed",
            413: "PayloadTooLarge",
        }
        return answer_error(
            request, exc.status_code, kinds.get(exc.status_code, "HTTPError"), str(exc.detail), exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()))
            problems.append(f"{where}: {e.get('msg')}")
        message = "invalid request: " + "; ".join(problems[:5])
        return answer_error(request, 422, "ValidationError", message)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(
            error_body(500, "InternalError", f"unexpected {type(exc).__name__}; see the server log"),
            status_code=500,
        )

    # -- analysis core (runs in a worker thread) ---------------------------------------------------------
    def run_analysis(make_document: Callable[[], Any], persist: bool = True) -> dict[str, Any]:
        document = make_document()
        with state.gate.slot():
            analysis = state.pipeline().analyze(document)
        data = analysis.to_dict()
        if state.corpus.persistent and persist:
            state.corpus.save(data, analysis)
        else:  # kept in memory for its link (without --db, or with ?store=false)
            state.recent.put(analysis.document.id, data)
        return data

    def find_analysis(document_id: str) -> dict[str, Any]:
        _check_id(document_id)
        # the database first: an unstored analysis (?store=false) of a stored text has the same id, and its
        # metadata must not replace the stored document's for every visitor
        data = state.corpus.get(document_id) if state.corpus.persistent else None
        if data is None:
            data = state.recent.get(document_id)
        if data is None:
            hint = "" if state.corpus.persistent else " (without --db only recent analyses are kept)"
            raise HTTPException(404, f"no analysis with id {document_id!r}{hint}")
        return data

    # -- static assets -------------------------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    category_css = _view.category_css()

    @app.get("/assets/categories.css", include_in_schema=False)
    def _category_css() -> Response:
        return Response(category_css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    # -- pages ---------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        rows, total = state.corpus.documents(Filters(), 10, 0)
        return page(request, "index.html", recent=rows, total=total, form={}, error=None)

    @app.get("/analyze", include_in_schema=False)
    def analyze_form_again(request: Request):
        """The address a refused form post leaves in the browser: reloaded or bookmarked, it is the form."""
        return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + "/", status_code=303)

    @app.post("/analyze", include_in_schema=False)
    async def analyze_form(request: Request):
        form = await _read_form(request, settings.max_upload_bytes, max_fields=20)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        try:
            _check_write(request, values.get("token"))
            meta = {k: values.get(k) for k in ("title", "outlet", "published", "author")}
            text = (values.get("text") or "").replace("\r\n", "\n")
            url = (values.get("url") or "").strip()
            if isinstance(upload, UploadFile) and upload.filename and text.strip():
                # which one the user meant is not ours to guess; the paste stays in the form
                raise InputError(
                    f"both a file ({upload.filename}) and pasted text were given: analyze one at a time "
                    "(clear the text box to analyze the file)"
                )
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read(settings.max_upload_bytes + 1)
                if len(data) > settings.max_upload_bytes:
                    raise HTTPException(413, _too_large(settings.max_upload_bytes))
                name = upload.filename

                def make():
                    return document_from_upload(state.reader(), name, data, meta)
            elif url and not text.strip():

                def make():
                    return document_from_url(
                        state.reader(), url, meta, allow_private=settings.allow_private_urls
                    )
            else:

                def make():
                    return document_from_text(text, dict(meta, url=url or None))

            result = await run_in_threadpool(run_analysis, make)
        except (SpinlensError, HTTPException) as exc:
            status = exc.status_code if isinstance(exc, HTTPException) else status_for(exc)
            message = str(exc.detail) if isinstance(exc, HTTPException) else _told(exc, request.url.path)
            headers: Mapping[str, str] | None = (
                {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
            )
            if isinstance(exc, HTTPException):
                headers = exc.headers
            form_back = {k: v for k, v in values.items() if k != "token"}
            response = page(
                request, "index.html", status=status, recent=[], total=0, form=form_back, error=message
            )
            for key, value in (headers or {}).items():
                response.headers[key] = value
            return response
        links = _analysis_links(request.scope.get("root_path", "").rstrip("/"), result["document"]["id"])
        return RedirectResponse(links["page"], status_code=303)

    def page_or_download(request: Request, document_id: str, suffix: str) -> Any:
        """``/a/ID.json`` is a download of ID, unless only an analysis with the id ``ID.json`` exists."""
        try:
            return find_analysis(document_id)
        except HTTPException as missing:
            try:
                return analysis_page(request, document_id + suffix)
            except HTTPException:
                raise missing from None

    @app.get("/a/{document_id:path}.json", include_in_schema=False)
    def download_json(request: Request, document_id: str):
        data = page_or_download(request, document_id, ".json")
        if not isinstance(data, dict):
            return data
        body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="spinlens-{_file_id(document_id)}.json"'},
        )

    @app.get("/a/{document_id:path}.html", include_in_schema=False)
    def download_html(request: Request, document_id: str):
        data = page_or_download(request, document_id, ".html")
        if not isinstance(data, dict):
            return data
        return Response(
            render_html(data),
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="spinlens-{_file_id(document_id)}.html"',
                "Content-Security-Policy": _REPORT_CSP,
            },
        )

    @app.get("/a", response_class=HTMLResponse, include_in_schema=False)
    def analysis_page_by_query(request: Request, id: str = ""):
        return analysis_page(request, id)

    @app.get("/a/{document_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def analysis_page(request: Request, document_id: str):
        data = find_analysis(document_id)
        summary = _view.summary(data)
        base = request.scope.get("root_path", "").rstrip("/")
        return page(
            request,
            "analysis.html",
            data=data,
            doc=data["document"],
            title=_view.display_title(data["document"]),
            marked=_view.marked_text(data),
            legend=_view.legend(data),
            summary=summary,
            catbar=_charts.category_bar_svg(summary["categories"]),
            sentences=[
                dict(s, level=_view.level(float(s.get("score") or 0))) for s in data.get("sentences") or []
            ],
            links=_analysis_links(base, document_id),
            techniques_json=_view.techniques_payload(),
            article=_view.article_view(data),
        )

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_page(
        request: Request,
        f: Annotated[Filters, Depends(_filters)],
        page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    ):
        size = settings.page_size
        rows, total = state.corpus.documents(f, size, (page_no - 1) * size)
        return page(
            request,
            "documents.html",
            rows=rows,
            total=total,
            filters=f,
            outlets=state.corpus.outlets(),
            pager=_pager(request, page_no, size, total),
        )

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        f: Annotated[Filters, Depends(_filters)],
        q: Annotated[str, Query(max_length=500)] = "",
        page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    ):
        size = settings.page_size
        rows: list[dict[str, Any]] = []
        total, status, error = 0, 200, None
        try:
            if _WORD.search(q):
                rows, total = state.corpus.search(q, f, size, (page_no - 1) * size)
        except InputError as exc:  # a query the store refuses ("-word" alone): the form keeps what was typed
            status, error = status_for(exc), str(exc)
        return page(
            request,
            "search.html",
            status=status,
            q=q,
            rows=rows,
            total=total,
            filters=f,
            outlets=state.corpus.outlets(),
            pager=None if error else _pager(request, page_no, size, total),
            error=error,
        )

    @app.get("/stats", response_class=HTMLResponse, include_in_schema=False)
    def stats_page(
        request: Request,
        f: Annotated[Filters, Depends(_filters)],
        top: Annotated[int, Query(ge=1, le=23)] = 6,
    ):
        stats = state.corpus.stats(f)
        return page(
            request,
            "stats.html",
            filters=f,
            outlets=state.corpus.outlets(),
            top=top,
            **_stats_charts(stats, top, f.technique),
        )

    @app.get("/techniques", response_class=HTMLResponse, include_in_schema=False)
    def techniques_page(request: Request):
        return page(request, "techniques.html")

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request):
        return page(request, "api.html", spec=app.openapi(), endpoints=_endpoints(app.openapi()))

    # -- API -------------------------------------------------------------------------------------------
    @app.post(
        "/api/analyze",
        tags=["analyze"],
        summary="Analyze a text or a URL",
        status_code=201,
        responses=_ERRORS,
    )
    def api_analyze(
        request: Request,
        body: Annotated[AnalyzeRequest, Body()],
        store: Annotated[bool, Query(description="Keep the analysis in the corpus (with --db).")] = True,
    ) -> JSONResponse:
        """Find every technique span. The answer is `Analysis.to_dict()` (document, spans with start, end,
        technique, score and text; sentences with scores; model) plus `links` to its page and downloads.
        With the article analysis on (the default), it also has `genre`, `frames`, `quotes` and
        `extras.article` (genre and frame scores, entities with roles and evidence, narratives, summary).
        Give `text`, or only `url` to have the server fetch the page (ingest's size and time limits)."""
        _check_write(request)
        meta = body.model_dump(include={"title", "outlet", "published", "author"})
        if body.text is not None:

            def make():
                return document_from_text(body.text or "", dict(meta, url=body.url))
        elif body.url:

            def make():
                return document_from_url(
                    state.reader(), body.url or "", meta, allow_private=settings.allow_private_urls
                )
        else:
            raise InputError("give `text` (the article) or `url` (a page to fetch)")
        data = run_analysis(make, persist=store)
        base = request.scope.get("root_path", "").rstrip("/")
        links = _analysis_links(base, data["document"]["id"])
        return JSONResponse(dict(data, links=links), status_code=201, headers={"Location": links["page"]})

    @app.post(
        "/api/analyze/upload",
        tags=["analyze"],
        summary="Analyze an uploaded .txt, .md or .html file",
        status_code=201,
        responses=_ERRORS,
    )
    async def api_analyze_upload(request: Request) -> JSONResponse:
        """Multipart form with a `file` field (and optional `title`, `outlet`, `published`, `author`).
        The answer is the same as `POST /api/analyze`."""
        _check_write(request)
        form = await _read_form(request, settings.max_upload_bytes, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("send the file in a multipart form field named `file`")
        data = await upload.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, _too_large(settings.max_upload_bytes))
        meta = {k: form.get(k) for k in ("title", "outlet", "published", "author")}
        meta = {k: v for k, v in meta.items() if isinstance(v, str)}
        name = upload.filename
        result = await run_in_threadpool(
            run_analysis, lambda: document_from_upload(state.reader(), name, data, meta)
        )
        links = _analysis_links(request.scope.get("root_path", "").rstrip("/"), result["document"]["id"])
        return JSONResponse(dict(result, links=links), status_code=201, headers={"Location": links["page"]})

    @app.get("/api/documents", tags=["corpus"], summary="List documents", responses=_READ_ERRORS)
    def api_documents(
        f: Annotated[Filters, Depends(_filters)],
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Documents with their metadata and span counts, newest first. Without `--db`: the analyses
        this server made recently (kept in memory)."""
        rows, total = state.corpus.documents(f, limit, offset)
        return {
            "total": total,
            "limit": limit,
            "offset": offset,
            "filters": f.as_dict(),
            "documents": _api_rows(rows),
        }

    @app.get(
        "/api/documents/{document_id:path}", tags=["corpus"], summary="One analysis", responses=_READ_ERRORS
    )
    def api_document(document_id: str) -> dict[str, Any]:
        """The stored analysis of a document (`Analysis.to_dict()`)."""
        return find_analysis(document_id)

    @app.get("/api/search", tags=["corpus"], summary="Full-text search", responses=_READ_ERRORS)
    def api_search(
        q: Annotated[str, Query(min_length=1, max_length=500, description="Words to find in title or text.")],
        f: Annotated[Filters, Depends(_filters)],
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Documents whose title or text match the words, best first, with a snippet each."""
        rows, total = state.corpus.search(q, f, limit, offset) if _WORD.search(q) else ([], 0)
        return {
            "q": q,
            "total": total,
            "limit": limit,
            "offset": offset,
            "filters": f.as_dict(),
            "documents": rows,
        }

    @app.get("/api/stats", tags=["corpus"], summary="Technique statistics", responses=_READ_ERRORS)
    def api_stats(
        f: Annotated[Filters, Depends(_filters)],
    ) -> dict[str, Any]:
        """Span counts per outlet and technique (`counts`: `[outlet, technique, n]`, `totals` per outlet) and
        each technique's share of all spans per month (`periods`, `series`)."""
        return dict(state.corpus.stats(f), filters=f.as_dict())

    @app.get("/api/techniques", tags=["taxonomy"], summary="The 23 techniques")
    def api_techniques() -> list[dict[str, Any]]:
        """Every technique: id, name, category, definition, example, cues and the category colours."""
        return _view.techniques_payload()

    @app.get("/healthz", tags=["service"], summary="Liveness and configuration")
    def healthz() -> dict[str, Any]:
        """`status` ok, the version, the model and the article-analysis model (once loaded), whether a
        database is attached, and the analysis gate (running and waiting)."""
        info = state.pipeline().tagger.info.to_dict() if state.pipeline_loaded else None
        analyzer = getattr(state.pipeline(), "article_analyzer", None) if state.pipeline_loaded else None
        return {
            "status": "ok",
            "version": spinlens.__version__,
            "model": info or {"loaded": False, "kind": settings.model},
            "article_model": analyzer.info if analyzer is not None else None,
            "db": state.corpus.persistent,
            "analyses": {
                "running": state.gate.running,
                "waiting": state.gate.waiting,
                "max_concurrent": settings.max_concurrent,
                "max_queue": settings.max_queue,
            },
        }

    @app.get("/robots.txt", include_in_schema=False)
    def robots() -> PlainTextResponse:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")

    return app


def _api_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "snippet_html"} for r in rows]


def _file_id(document_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", document_id)[:64]


def _pager(request: Request, page_no: int, size: int, total: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / size))

    def link(n: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page" and v]
        return f"{_app_path(request)}?{urlencode(params + [('page', str(n))])}"

    return {
        "page": page_no,
        "pages": pages,
        # a page past the last (an old link, a corpus that shrank) leads back to the last one
        "prev": link(min(page_no - 1, pages)) if page_no > 1 else None,
        "next": link(page_no + 1) if page_no < pages else None,
        "past": page_no > pages,
    }


def _stats_charts(stats: dict[str, Any], top: int, technique: str | None) -> dict[str, Any]:
    counts = {(o, t): n for o, t, n in stats["counts"]}
    outlets = stats["outlets"][:40]
    heat = (
        _charts.heatmap_svg(outlets, stats["techniques"], counts, stats["totals"])
        if outlets and stats["techniques"]
        else None
    )
    series = stats["series"]
    ranked = sorted(series, key=lambda t: -sum(series[t]))
    chosen = [technique] if technique is not None and technique in series else ranked[:top]
    chosen = [t for t in stats["techniques"] if t in chosen]
    lines = (
        _charts.share_lines_svg(stats["periods"], [(t, series[t]) for t in chosen])
        if stats["periods"] and chosen
        else None
    )
    index: dict[str, int] = {}
    keys = []
    for t in chosen:
        cat = get_technique(t).category
        keys.append(dict(_charts.line_key(t, index.get(cat, 0)), id=t, name=get_technique(t).name))
        index[cat] = index.get(cat, 0) + 1
    return {"stats": stats, "heatmap": heat, "lines": lines, "line_keys": keys}


def _endpoints(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAPI operations as rows for the offline API docs page."""
    out = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            params = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "description": p.get("description") or p.get("schema", {}).get("description", ""),
                    "type": _type_name(p.get("schema", {})),
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {})
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "body": ", ".join(body),
                    "tags": op.get("tags", []),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return out


def _type_name(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    options = [s.get("type", "?") for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return "|".join(options) or "any"
