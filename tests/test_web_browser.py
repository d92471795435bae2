"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright, against uvicorn.

Skipped when /usr/bin/chromium (or the playwright package) is missing, unless
``SPINLENS_REQUIRE_BROWSER=1``, which turns the skip into a failure (CI sets it). Screenshots of the
analyze and corpus pages go to ``$SPINLENS_SCREENSHOTS`` when set (``docs/screenshots`` holds the
committed ones), else to a temporary folder.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spinlens.pipeline import Pipeline
from spinlens.rules import RuleTagger

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need(ok: bool, why: str) -> None:
    if not ok:
        if os.environ.get("SPINLENS_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn server on a free loopback port, rule tagger and the shipped article analyzer, SQLite
    corpus with four articles."""
    pytest.importorskip("fastapi")
    uvicorn = pytest.importorskip("uvicorn")
    from spinlens.analysis import ArticleAnalyzer
    from spinlens.web import WebSettings, create_app

    db = tmp_path_factory.mktemp("web") / "corpus.sqlite"
    pipeline = Pipeline(RuleTagger(), article_analyzer=ArticleAnalyzer().load())
    app = create_app(WebSettings(model="rules", db=str(db)), pipeline=pipeline)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    rows = [
        ("Daily Planet", "2024-01-05", "The traitors and foreign agents lied about the harbour. Full stop."),
        (
            "Daily Planet",
            "2024-02-11",
            "Either we build the bridge or the city dies. We will not be divided.",
        ),
        (
            "The Gazette",
            "2024-03-20",
            "What about their own record on the harbour? The so-called experts failed.",
        ),
        (
            "The Gazette",
            "2024-04-02",
            "Shameless infowar outlets spread panic. Everyone knows it is a disaster.",
        ),
    ]
    for outlet, published, text in rows:
        body = {"text": text, "outlet": outlet, "published": published, "title": f"{outlet}, {published}"}
        request = urllib.request.Request(
            base + "/api/analyze", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
    yield base
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    _need(CHROMIUM.exists(), f"{CHROMIUM} not found (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (pip install playwright; no browser download needed)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that records every request, console error and dialog (an alert means XSS)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.requests = []
    pg.problems = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield pg
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = os.environ.get("SPINLENS_SCREENSHOTS")
    path = Path(out) if out else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _offline(pg, base: str) -> None:
    """Every request went to the server itself (or stayed inside the page)."""
    host = urlsplit(base).netloc
    for url in pg.requests:
        parts = urlsplit(url)
        assert parts.scheme in ("data", "about", "blob") or parts.netloc == host, url


def test_paste_the_example_then_hover_and_toggle_techniques(page, server, example_text, shots):
    page.goto(server + "/")
    page.fill("#text", example_text)
    page.click("#analyze-button")
    page.wait_for_selector("#article-text mark.sp")
    assert "/a/" in page.url

    # every span is highlighted, in its category's colour
    n_spans = int(page.inner_text("#n-spans"))
    ids = page.eval_on_selector_all(
        "#article-text mark.sp", "ms => new Set(ms.map(m => m.dataset.span)).size"
    )
    assert n_spans > 5 and ids == n_spans
    colour = page.eval_on_selector(
        "#article-text mark.sp[data-technique='Name_Calling-Labeling']",
        "m => getComputedStyle(m).backgroundColor",
    )
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.eval_on_selector("#article-text", "e => e.textContent") == example_text

    # hover a span: the tooltip names the technique, defines it and gives the confidence
    page.eval_on_selector(".layout", "e => e.scrollIntoView()")  # the article analysis is above the text
    page.hover("#article-text mark.sp[data-technique='Name_Calling-Labeling'] >> nth=0")
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "Name calling" in text and "Confidence 80%" in text and "label" in text.lower()
    page.screenshot(path=str(shots / "analyze.png"))

    # a span nested in another stays hoverable, and the tooltip says what it is inside
    page.hover("#article-text mark.sp[data-technique='Repetition'] >> nth=0")
    text = tip.inner_text()
    assert text.startswith("Repetition") and "Inside: Slogans" in text
    page.screenshot(path=str(shots / "analyze-nested.png"))

    # toggle Loaded language off: its highlights go, the others stay; then back on
    loaded = "#article-text mark.sp[data-technique='Loaded_Language']"
    page.mouse.move(5, 5)
    page.uncheck("#legend input[value='Loaded_Language']")
    assert page.eval_on_selector_all(loaded, "ms => ms.every(m => m.classList.contains('off'))")
    bg = page.eval_on_selector(loaded, "m => getComputedStyle(m).backgroundColor")
    assert bg in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.eval_on_selector_all(
        "#article-text mark.sp.off", "ms => ms.length"
    ) == page.eval_on_selector_all(loaded, "ms => ms.length")
    page.check("#legend input[value='Loaded_Language']")
    assert page.eval_on_selector_all("#article-text mark.sp.off", "ms => ms.length") == 0

    # the shareable link and the downloads
    assert page.get_attribute("#share-link", "href") == urlsplit(page.url).path
    assert page.get_attribute("#download-json", "href").endswith(".json")
    assert not page.problems, page.problems
    _offline(page, server)


def test_the_article_analysis_comes_first_and_its_links_point_into_the_text(
    page, server, example_text, shots
):
    page.goto(server + "/")
    page.fill("#text", example_text)
    page.click("#analyze-button")
    panel = page.locator("#article-analysis")
    panel.wait_for(state="visible")
    for part in ("#aa-genre", "#aa-frames", "#aa-density", "#aa-attacked", "#aa-entities", "#aa-quotes"):
        assert page.locator(part).is_visible(), part
    assert panel.bounding_box()["y"] < page.locator("#article-text").bounding_box()["y"]
    assert page.inner_text("#aa-genre .genre-label").lower() in ("opinion", "reporting", "satire")
    assert page.locator("#aa-entities .entity-name").count() >= 1
    page.screenshot(path=str(shots / "analysis.png"))

    # clicking a piece of evidence (or Enter on it) scrolls to its place and highlights exactly that text
    lit = "() => [...CSS.highlights.get('spinlens-jump')].map(r => r.toString()).join('')"
    for link, press in (
        (page.locator("#aa-entities a.jump", has_text="first mention").first, False),
        (page.locator("#aa-entities li.sentence a.jump").last, True),
    ):
        page.evaluate("() => window.scrollTo(0, 0)")
        start, end = int(link.get_attribute("data-start")), int(link.get_attribute("data-end"))
        if press:
            link.focus()
            page.keyboard.press("Enter")
        else:
            link.click()
        assert page.evaluate(lit) == example_text[start:end]
        assert page.evaluate("() => window.scrollY") > 0
    page.keyboard.press("Escape")
    assert page.evaluate("() => CSS.highlights.has('spinlens-jump')") is False
    assert not page.problems, page.problems
    _offline(page, server)


def test_analysis_links_count_characters_like_python_past_an_emoji(page, server):
    text = (
        '\U0001f642 Peskov said: "The so-called experts are foreign agents." The matter is closed, full stop.'
    )
    request = urllib.request.Request(
        server + "/api/analyze", json.dumps({"text": text}).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.load(response)
    page.goto(server + data["links"]["page"])
    quote = page.locator("#aa-quotes li.quote a.jump").first
    start, end = int(quote.get_attribute("data-start")), int(quote.get_attribute("data-end"))
    quote.focus()
    page.keyboard.press("Enter")
    lit = "() => [...CSS.highlights.get('spinlens-jump')].map(r => r.toString()).join('')"
    assert page.evaluate(lit) == text[start:end] == "The so-called experts are foreign agents."
    assert not page.problems, page.problems


_LIT = "() => [...CSS.highlights.get('spinlens-jump')].map(r => r.toString()).join('')"


def _check_jumps(pg, text: str, links: str) -> int:
    """Click every article-analysis link: each highlights exactly its characters of ``text``."""
    n = pg.locator(links).count()
    for k in range(n):
        link = pg.locator(links).nth(k)
        start, end = int(link.get_attribute("data-start")), int(link.get_attribute("data-end"))
        link.evaluate("a => a.click()")
        assert pg.evaluate(_LIT) == text[start:end], (start, end)
    return n


def test_windows_line_ends_keep_the_article_links_on_their_text(page, server, tmp_path):
    """(The HTML parser drops the carriage return of every CRLF, so in an uploaded Windows .txt each link
    highlighted text shifted by one character per line above it, on the page and in the HTML report.)"""
    text = (
        "City desk\rMoscow\x00\r\n\r\n"
        'Peskov said: "The so-called experts are foreign agents."\r\n'
        "The minister said the traitors lied.\r\n"
        '"We will not be divided," said Smith. Full stop.\r\n'
    )
    request = urllib.request.Request(
        server + "/api/analyze?store=false",
        json.dumps({"text": text}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.load(response)
    page.goto(server + data["links"]["page"])
    # offset for offset: only the NUL (which the parser drops) shows as U+FFFD, the lone CR as a LF
    shown = text.replace("\x00", "\ufffd").replace("desk\r", "desk\n")
    assert page.eval_on_selector("#article-text", "e => e.textContent") == shown
    assert _check_jumps(page, text, "#article-analysis a.jump") >= 4
    for span in data["spans"]:
        got = page.eval_on_selector_all(
            f"#article-text mark.sp[data-technique='{span['technique']}']", "ms => ms.map(m => m.textContent)"
        )
        assert span["text"] in got
    with urllib.request.urlopen(server + data["links"]["html"], timeout=30) as response:
        report = tmp_path / "report.html"
        report.write_bytes(response.read())
    page.goto(report.as_uri())
    assert page.eval_on_selector("#doc-0-text", "e => e.textContent") == shown
    assert _check_jumps(page, text, "a.jump") >= 4
    assert not page.problems, page.problems


def test_a_phone_keeps_the_form_and_the_tooltip_on_the_screen(browser, server, example_text):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=1
    )
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.goto(server + "/")
    form = pg.locator("form.analyze").bounding_box()
    for field in ("#text", "input[type=file]", "input[name=url]"):
        box = pg.locator(field).bounding_box()
        assert box["x"] >= form["x"] and box["x"] + box["width"] <= form["x"] + form["width"], field
    pg.fill("#text", example_text)
    pg.click("#analyze-button")
    mark = pg.locator("#article-text mark.sp[data-technique='Name_Calling-Labeling']").first
    mark.scroll_into_view_if_needed()
    mark.tap()
    pg.locator("#tip").wait_for(state="visible")
    tip = pg.locator("#tip").bounding_box()
    assert tip["x"] >= 8 and tip["x"] + tip["width"] <= 390 - 8
    context.close()


def test_a_paste_over_the_size_limit_is_an_error_page_not_json(page, server):
    page.goto(server + "/")
    page.evaluate("() => { document.getElementById('text').value = 'The traitors lied. '.repeat(270000); }")
    page.click("#analyze-button")
    error = page.locator("p.error")
    error.wait_for(state="visible")
    assert "5,000,000-byte limit" in error.inner_text()
    assert page.locator("a[href='/']").count() >= 1
    assert [p for p in page.problems if "413" not in p] == []


def test_corpus_pages_show_the_documents_search_and_charts(page, server, shots):
    page.goto(server + "/documents")
    assert page.locator("table.docs tbody tr").count() >= 4
    page.goto(server + "/search?q=harbour")
    assert page.locator("table.docs tbody tr").count() == 2
    assert page.locator("mark.hit").first.inner_text().lower() == "harbour"
    page.screenshot(path=str(shots / "search.png"), full_page=True)
    page.goto(server + "/stats")
    assert page.locator("svg.heatmap rect.cell[data-count]:not([data-count='0'])").count() > 3
    assert page.locator("svg.lines g.series").count() >= 2
    page.screenshot(path=str(shots / "corpus.png"), full_page=True)
    assert not page.problems, page.problems
    _offline(page, server)


def test_hostile_metadata_runs_no_script_in_the_browser(page, server):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    page.goto(server + "/")
    page.fill("#text", f"The traitors lied. {evil} javascript:alert(3)")
    page.click("details.meta-fields summary")
    page.fill("input[name=title]", evil)
    page.fill("input[name=outlet]", evil)
    page.click("#analyze-button")
    page.wait_for_selector("#article-text mark.sp")
    assert page.inner_text("#doc-title") == evil
    page.hover("#article-text mark.sp >> nth=0")
    page.goto(server + "/documents")
    page.goto(server + "/stats")
    assert not [p for p in page.problems if p.startswith("dialog")], page.problems
    _offline(page, server)


# -- the standalone HTML report (`spinlens analyze -f html`), opened from a file -------------------------
def _report(browser, tmp_path, data):
    from spinlens.render import render_html

    path = tmp_path / "report.html"
    path.write_text(render_html(data), encoding="utf-8")
    pg = browser.new_page()
    pg.problems = []
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.goto(path.as_uri())
    return pg


def test_the_report_tooltip_goes_when_the_keyboard_leaves_or_escape_is_pressed(browser, tmp_path):
    """Focusing a highlight showed its tooltip, which then stayed: on leaving the highlight and on Escape."""
    text = "They are traitors and foreign agents."
    data = Pipeline(RuleTagger()).analyze(text).to_dict()
    pg = _report(browser, tmp_path, data)
    try:
        pg.keyboard.press("Tab")
        assert pg.evaluate("document.activeElement.matches('mark.sp')")
        assert pg.is_visible("#tip") and "traitors" in pg.inner_text("#tip")
        pg.keyboard.press("Escape")
        assert pg.is_hidden("#tip")
        pg.keyboard.press("Tab")  # the next highlight
        assert pg.is_visible("#tip") and "foreign agents" in pg.inner_text("#tip")
        pg.evaluate("document.activeElement.blur()")  # focus leaves the highlights
        assert pg.is_hidden("#tip") and pg.locator("mark.sp.hl").count() == 0
        assert not pg.problems, pg.problems
    finally:
        pg.close()


def test_the_printed_report_keeps_its_highlights_and_opens_every_card(browser, tmp_path):
    """Printed or saved as PDF (background graphics off, the default), the highlights lost their colour, and
    a closed card (over 8 quotes) or entity left its evidence out."""
    from spinlens.analysis import ArticleAnalyzer

    names = [
        "Anna Berg",
        "Boris Kent",
        "Carl Dunn",
        "Dora Ek",
        "Emil Fox",
        "Fay Gold",
        "Gus Hart",
        "Hal Ives",
    ]
    text = " ".join(f'"They are traitors and liars," said {n}.' for n in [*names, "Ida Jones"])
    data = Pipeline(RuleTagger(), article_analyzer=ArticleAnalyzer().load()).analyze(text).to_dict()
    pg = _report(browser, tmp_path, data)
    try:
        assert pg.locator("details:not([open])").count() > 0, "the fixture has a closed card"
        pg.evaluate(
            "window.addEventListener('beforeprint', function () {"
            " window.allOpen = Array.from(document.querySelectorAll('details')).every(d => d.open); })"
        )
        pg.pdf()  # prints: beforeprint, then afterprint
        assert pg.evaluate("window.allOpen") is True
        assert pg.locator("details:not([open])").count() > 0, "closed again after printing"
        pg.emulate_media(media="print")
        adjust = "getComputedStyle(document.querySelector('%s')).printColorAdjust"
        assert pg.evaluate(adjust % "mark.sp") == "exact" and pg.evaluate(adjust % ".swatch") == "exact"
        assert not pg.problems, pg.problems
    finally:
        pg.close()
