"""The web app through its real ASGI stack (TestClient): API, pages, escaping, limits and the CLI."""

from __future__ import annotations

import json
import re
import threading
import time
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from spinlens.cli import app as cli_app
from spinlens.errors import InputError, ModelError
from spinlens.ingest import FetchResponse
from spinlens.pipeline import Pipeline
from spinlens.rules import RuleTagger
from spinlens.schema import ModelInfo, TechniqueSpan
from spinlens.taxonomy import get_technique

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from spinlens.web import WebSettings, create_app  # noqa: E402

EVIL = '<script>alert("x")</script> <img src=x onerror=alert(1)> javascript:alert(1) & "q" \'s'
BASE = "http://127.0.0.1"


class FixedTagger:
    """A tagger that returns given spans (offsets checked against each text), or raises, or waits."""

    def __init__(self, spans=(), *, error: Exception | None = None, gate: threading.Event | None = None):
        self.spans = list(spans)
        self.error = error
        self.gate = gate
        self.started = threading.Event()

    @property
    def info(self) -> ModelInfo:
        return ModelInfo("fixed", "1", "f" * 64)

    def predict(self, text: str) -> list[TechniqueSpan]:
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.error is not None:
            raise self.error
        return [TechniqueSpan(s, e, t, sc) for s, e, t, sc in self.spans if e <= len(text)]

    def classify(self, text, spans):  # pragma: no cover - not used by the web
        raise NotImplementedError


def make_client(tagger=None, **settings) -> TestClient:
    settings.setdefault("model", "rules")
    app = create_app(WebSettings(**settings), pipeline=Pipeline(tagger or RuleTagger()))
    return TestClient(app, base_url=BASE)


@pytest.fixture
def client() -> TestClient:
    return make_client()


@pytest.fixture
def db_client(tmp_path) -> TestClient:
    return make_client(db=str(tmp_path / "corpus.sqlite"))


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside ``#article-text`` with its open marks."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.depth = 0
        self.marks: list[dict[str, str | None]] = []
        self.pieces: list[tuple[str, tuple[str | None, ...]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if self.depth:
            self.depth += 1
            if tag == "mark":
                self.marks.append(a)
        elif a.get("id") == "article-text":
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if tag == "mark":
                self.marks.pop()

    def handle_data(self, data):
        if self.depth:
            self.pieces.append((data, tuple(m.get("data-technique") for m in self.marks)))

    @property
    def article_text(self) -> str:
        return "".join(p for p, _ in self.pieces)


def assert_inert(html: str, inline_scripts: int = 0) -> None:
    """No script but ours, no event-handler attribute, no javascript: link, nothing from another site."""
    page = Page(html)
    inline = 0
    for tag, attrs in page.tags:
        if tag == "script" and not attrs:
            inline += 1
        elif tag == "script":
            assert attrs.get("type") == "application/json" or attrs.get("src", "").endswith(
                "/static/app.js"
            ), attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), value
                if tag in ("script", "link", "img", "iframe"):
                    assert value.startswith("/"), f"{tag} loads {value} from another site"
    assert inline <= inline_scripts
    assert "<script>alert" not in html and "<img src=x" not in html


def analyze(client: TestClient, text: str, **meta) -> dict:
    r = client.post("/api/analyze", json={"text": text, **meta})
    assert r.status_code == 201, r.text
    return r.json()


# -- the analyze API and page ----------------------------------------------------------------------------
def test_healthz_reports_the_model_and_the_gate(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["db"] is False
    assert body["analyses"] == {"running": 0, "waiting": 0, "max_concurrent": 2, "max_queue": 8}


def test_analyze_returns_the_analysis_with_offsets_into_the_text(client, example_text):
    data = analyze(client, example_text, title="Example")
    assert data["document"]["text"] == example_text
    assert data["spans"], "the rule tagger finds spans in the example"
    for s in data["spans"]:
        assert example_text[s["start"] : s["end"]] == s["text"]
    doc_id = data["document"]["id"]
    assert data["links"] == {"page": f"/a/{doc_id}", "json": f"/a/{doc_id}.json", "html": f"/a/{doc_id}.html"}
    assert client.get(f"/api/documents/{doc_id}").json()["spans"] == data["spans"]


def test_analysis_page_marks_every_span_and_keeps_the_text_exact(client, example_text):
    data = analyze(client, example_text)
    html = client.get(data["links"]["page"]).text
    page = Page(html)
    assert page.article_text == example_text
    ids = {a["data-span"] for t, a in page.tags if t == "mark" and "data-span" in a}
    assert len(ids) == len(data["spans"])
    # a screen reader hears the tooltip (technique, definition, confidence) of the span in focus
    marks = [a for t, a in page.tags if t == "mark" and "data-span" in a]
    assert all(a.get("aria-describedby") == "tip" and a.get("tabindex") == "0" for a in marks)
    assert '<div id="tip" class="tip" role="tooltip" hidden></div>' in html
    # per-technique counts in the legend
    counts: dict[str, int] = {}
    for s in data["spans"]:
        counts[s["technique"]] = counts.get(s["technique"], 0) + 1
    for technique, n in counts.items():
        assert re.search(
            rf'value="{re.escape(technique)}" checked>.*?<span class="count">{n}</span>', html, re.S
        )
    # a gutter badge per sentence, carrying its score
    badges = [a for t, a in page.tags if t == "span" and "sg" in (a.get("class") or "").split()]
    assert len(badges) == len(data["sentences"])
    assert {float(b["data-score"]) for b in badges} == {round(s["score"], 2) for s in data["sentences"]}


def test_nested_span_is_a_mark_inside_its_enclosing_mark():
    text = "We will not be intimidated, ever."
    client = make_client(FixedTagger([(0, 26, "Slogans", 0.7), (0, 14, "Repetition", 0.6)]))
    data = analyze(client, text)
    page = Page(client.get(data["links"]["page"]).text)
    assert ("We will not be", ("Slogans", "Repetition")) in page.pieces
    assert (" intimidated", ("Slogans",)) in page.pieces
    assert page.article_text == text


def test_crossing_spans_are_split_into_pieces_that_share_an_id():
    text = "alpha beta gamma delta"
    client = make_client(FixedTagger([(0, 10, "Loaded_Language", 0.9), (6, 16, "Doubt", 0.5)]))
    data = analyze(client, text)
    html = client.get(data["links"]["page"]).text
    page = Page(html)
    assert page.pieces == [
        ("alpha ", ("Loaded_Language",)),
        ("beta", ("Loaded_Language", "Doubt")),
        (" gamma", ("Doubt",)),
        (" delta", ()),
    ]
    doubt = [a["data-span"] for t, a in page.tags if t == "mark" and a.get("data-technique") == "Doubt"]
    assert len(doubt) == 2 and len(set(doubt)) == 1


def test_downloads_are_the_json_and_a_self_contained_html_report(client, example_text):
    data = analyze(client, example_text)
    r = client.get(data["links"]["json"])
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert {k: v for k, v in data.items() if k != "links"} == r.json()
    r = client.get(data["links"]["html"])
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.html"')
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "<mark" in r.text and "/static/" not in r.text  # inline style and script: no server needed


def test_html_form_paste_redirects_to_a_shareable_page(client, example_text):
    r = client.post("/analyze", data={"text": example_text.replace("\n", "\r\n")}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert Page(page.text).article_text == example_text  # the browser's CRLF is undone
    assert "Recent analyses" in client.get("/").text
    # its first line is its title (it was listed as "Document <id>"); the text keeps the line
    assert "<title>spinlens: The Truth They Do Not Want You to Hear</title>" in page.text
    assert "The Truth They Do Not Want You to Hear" in client.get("/").text
    files = {"file": ("note.txt", b"The so-called experts lied.", "text/plain")}
    r = client.post("/analyze", files=files, data={"text": ""}, follow_redirects=False)
    assert r.status_code == 303 and "note.txt" in client.get(r.headers["location"]).text


def test_pasted_front_matter_is_metadata_and_the_forms_fields_win(client):
    body = "The so-called experts lied again.\n"
    text = "---\ntitle: Traitors among us\nauthor: Jane Doe\ndate: 2024-03-05\n---\n\n" + body
    doc = analyze(client, text, author="Ann Lee")["document"]
    assert (doc["text"], doc["title"], doc["author"], doc["published"]) == (
        body,
        "Traitors among us",
        "Ann Lee",
        "2024-03-05",
    )
    r = client.post("/api/analyze", json={"text": "---\ntitle: Draft\n---\n"})
    assert r.status_code == 422 and "empty after its front matter" in r.text


def test_without_a_database_recent_analyses_are_a_bounded_lru():
    client = make_client(recent=2)
    ids = [analyze(client, f"The traitors lied again, take {i}.")["document"]["id"] for i in range(3)]
    assert client.get(f"/a/{ids[0]}").status_code == 404
    assert client.get(f"/a/{ids[1]}").status_code == 200
    assert client.get("/api/documents").json()["total"] == 2


def test_recent_analyses_are_bounded_by_characters_too():
    from spinlens.web._state import Recent

    recent = Recent(10, max_chars=25)
    for i in range(3):
        recent.put(str(i), {"document": {"text": "x" * 10}})
    assert [len(recent), recent.get("0"), recent.get("2") is not None] == [2, None, True]


def test_an_analysis_not_stored_in_the_database_still_has_a_working_link(db_client):
    r = db_client.post("/api/analyze", params={"store": "false"}, json={"text": "The traitors lied."})
    assert r.status_code == 201
    assert db_client.get(r.json()["links"]["page"]).status_code == 200
    assert db_client.get("/api/documents").json()["total"] == 0


def test_an_unstored_analysis_does_not_hide_the_stored_one(db_client):
    """(With --db, ?store=false of an already stored text kept the scratch analysis in memory under the same
    id, and its page and JSON showed the scratch title to every visitor instead of the stored document's.)"""
    text = "The traitors lied again, said nobody."
    stored = db_client.post("/api/analyze", json={"text": text, "title": "Stored"}).json()
    r = db_client.post("/api/analyze", params={"store": "false"}, json={"text": text, "title": "Scratch"})
    assert r.status_code == 201 and r.json()["document"]["id"] == stored["document"]["id"]
    doc_id = stored["document"]["id"]
    assert db_client.get(f"/api/documents/{doc_id}").json()["document"]["title"] == "Stored"
    assert "Stored" in db_client.get(f"/a/{doc_id}").text


def test_recent_analyses_answer_searches_stats_and_outlets_as_the_store_does(client):
    """(Without --db, "-trump" found the documents with "trump", "trump OR x" found none, an outlet in
    another case matched nothing, and stats for one technique counted every technique of its documents.)"""
    texts = {
        "a": ("Gazette", "Trump said the traitors lied. The harbour is full. What about their own record?"),
        "b": ("Daily", "The harbour bridge is old; foreign agents lied again."),
    }
    ids = {}
    for k, (outlet, text) in texts.items():
        ids[k] = analyze(client, text, outlet=outlet)["document"]["id"]

    def found(q: str) -> set[str]:
        return {d["id"] for d in client.get("/api/search", params={"q": q}).json()["documents"]}

    assert found("-trump harbour") == {ids["b"]}
    assert found("trump OR bridge") == {ids["a"], ids["b"]}
    assert found('"harbour bridge"') == {ids["b"]} and found('"bridge harbour"') == set()
    assert found("harb") == set()  # whole words, as the store's index
    assert client.get("/api/search", params={"q": "-trump"}).status_code == 422
    assert client.get("/api/documents", params={"outlet": "gazette"}).json()["total"] == 1
    stats = client.get("/api/stats", params={"technique": "Name_Calling-Labeling"}).json()
    assert stats["techniques"] == ["Name_Calling-Labeling"], stats


# -- hostile text and metadata -------------------------------------------------------------------------
def test_hostile_text_title_and_outlet_are_escaped_on_every_page(db_client):
    text = f"{EVIL}\n\nThe traitors and foreign agents lied. {EVIL}"
    data = analyze(
        db_client,
        text,
        title=EVIL,
        outlet=EVIL,
        author=EVIL,
        url="javascript:alert(1)",
        published="2024-05-01",
    )
    doc_id = data["document"]["id"]
    pages = [
        f"/a/{doc_id}",
        "/",
        "/documents",
        "/search?q=traitors",
        "/stats",
        "/documents?technique=%3Cscript%3E",  # an error page echoing the bad value
        "/api/docs",
    ]
    for path in pages:
        r = db_client.get(path, headers={"accept": "text/html"})
        assert r.status_code in (200, 422), path
        assert_inert(r.text)
        assert "&lt;script&gt;" in r.text or path == "/api/docs", path
    page = db_client.get(f"/a/{doc_id}").text
    assert Page(page).article_text == text
    assert 'href="javascript' not in page
    assert_inert(db_client.get(f"/a/{doc_id}.html").text, inline_scripts=1)  # the report's own script


def test_pages_are_served_with_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_only_http_urls_become_links():
    from spinlens.web._view import safe_url

    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "//evil",
        "http://x y",
        None,
    ):
        assert safe_url(bad) is None


# -- the article-level analysis (issue 6) ---------------------------------------------------------------
EVIL_NAME = "<img src=x onerror=alert(1)>"
#: a quotation with a script in it, a quoted technique span and a scare quote with markup.
HOSTILE_QUOTES = (
    'Officials met on Monday. "<script>alert(1)</script> They are traitors and foreign agents," said '
    'Dmitry Peskov. The so-called "<b>experts</b>" lied. Volkova is a corrupt puppet and a shameless liar.'
)


@pytest.fixture(scope="module")
def article_analyzer():
    """The shipped article analyzer (genre, frames, roles, narratives, quotes), loaded once for the module."""
    from spinlens.analysis import ArticleAnalyzer

    return ArticleAnalyzer().load()


def article_client(analyzer, **settings) -> TestClient:
    settings.setdefault("model", "rules")
    pipeline = Pipeline(RuleTagger(), article_analyzer=analyzer)
    return TestClient(create_app(WebSettings(**settings), pipeline=pipeline), base_url=BASE)


class HostileNames:
    """The real article analyzer, with every name it derives (entities, speakers, outlets, genre, frames,
    narratives, roles) replaced by markup: derived text is as hostile as the article."""

    def __init__(self, inner) -> None:
        self.inner = inner

    @property
    def info(self):
        return self.inner.info

    def analyze(self, text, spans=(), *, sentences=None, title=None):
        from dataclasses import replace

        res = self.inner.analyze(text, spans, sentences=sentences)
        for e in res["entities"]:
            e.update(text=EVIL_NAME, fine_roles=[EVIL])
        for a in res["summary"]["attacked"]:
            a.update(entity=EVIL_NAME, fine_roles=[EVIL])
        res["quotes"] = [
            q if q.kind == "scare" else replace(q, speaker=EVIL, source=EVIL) for q in res["quotes"]
        ]
        res["genre"] = EVIL
        res["genre_scores"] = {EVIL: 0.9}
        res["frames"] = [EVIL]
        res["frame_scores"] = {EVIL: 0.8}
        res["narratives"] = [{"narrative": f"URW: {EVIL}", "score": 0.5, "subnarratives": [{"label": EVIL}]}]
        return res


def _section(html: str, section_id: str) -> str:
    """The HTML of the ``<details>``/``<div>`` with this id, up to the next analysis section."""
    start = html.index(f'id="{section_id}"')
    ends = [html.find(marker, start + 1) for marker in ('<details class="card"', 'id="article-text"')]
    return html[start : min(e for e in ends if e > 0)]


def _jumps(html: str) -> set[tuple[int, int]]:
    return {
        (int(a["data-start"]), int(a["data-end"]))
        for tag, a in Page(html).tags
        if tag == "a" and "jump" in (a.get("class") or "").split()
    }


def test_analysis_page_shows_the_article_analysis_above_the_text(article_analyzer, example_text):
    client = article_client(article_analyzer)
    data = analyze(client, example_text)
    art = data["extras"]["article"]
    assert data["genre"] in ("opinion", "reporting", "satire") and data["frames"] and data["quotes"]
    assert art["entities"] and art["summary"]["top_techniques"] and art["genre_scores"]
    html = client.get(data["links"]["page"]).text
    assert_inert(html)
    text_at = html.index('id="article-text"')
    sections = ["aa-genre", "aa-frames", "aa-density", "aa-top", "aa-attacked", "aa-entities"]
    sections += ["aa-narratives", "aa-quotes"]
    at = [html.index(f'id="{s}"') for s in sections]
    assert at == sorted(at) and at[-1] < text_at, "the article analysis comes first, in this order"

    genre = _section(html, "aa-genre")
    assert f'<b class="genre-label">{data["genre"]}</b>' in genre
    assert f"{art['genre_scores'][data['genre']]:.0%}" in genre
    frames = _section(html, "aa-frames")
    for f in data["frames"][:5]:
        assert f.replace("_", " ") in frames and f"{art['frame_scores'][f]:.0%}" in frames
    summ = art["summary"]
    assert f"<b>{summ['density']:.0f}</b> techniques per 100 sentences" in _section(html, "aa-density")
    top = _section(html, "aa-top")
    for t in summ["top_techniques"]:
        assert get_technique(t["technique"]).name in top
    attacked = _section(html, "aa-attacked")
    for a in summ["attacked"]:
        assert a["entity"] in attacked

    # every entity under its role, with its fine roles and each piece of evidence pointing into the text
    entities = _section(html, "aa-entities")
    heading = {"Protagonist": "Heroes", "Antagonist": "Villains", "Innocent": "Victims"}
    jumps = _jumps(entities)
    for e in art["entities"]:
        assert heading[e["role"]] in entities and e["text"] in entities
        assert all(f in entities for f in e["fine_roles"])
        assert {(ev["start"], ev["end"]) for ev in e["evidence"]} <= jumps
    assert all(0 <= s < e <= len(example_text) for s, e in _jumps(html))

    for n in art["narratives"]:
        assert n["narrative"].split(": ", 1)[-1] in _section(html, "aa-narratives")
    quotes = _section(html, "aa-quotes")
    for q in data["quotes"]:
        assert (q["start"], q["end"]) in _jumps(quotes)
        if q["kind"] != "scare" and q["speaker"]:
            assert q["speaker"] in quotes
    assert "Scare quotes" in quotes and "&ldquo;opposition&rdquo;" in quotes

    # the JSON download and the API carry the same analysis
    download = client.get(data["links"]["json"]).json()
    assert download["extras"]["article"] == art and download["genre"] == data["genre"]
    assert client.get(f"/api/documents/{data['document']['id']}").json()["extras"]["article"] == art
    assert client.get("/healthz").json()["article_model"] == art["model"]


def test_technique_spans_inside_a_quote_are_named_with_the_quote(article_analyzer):
    client = article_client(article_analyzer)
    data = analyze(client, HOSTILE_QUOTES)
    direct = [q for q in data["quotes"] if q["kind"] == "direct"]
    assert [q["speaker"] for q in direct] == ["Dmitry Peskov"]
    quotes = _section(client.get(data["links"]["page"]).text, "aa-quotes")
    assert "in direct quotes: <b>2</b>" in quotes
    item = quotes[quotes.index('class="quote direct"') :]
    item = item[: item.index("</li>")]
    assert "Dmitry Peskov" in item and "inside:" in item
    inside = [s for s in data["spans"] if direct[0]["start"] <= s["start"] and s["end"] <= direct[0]["end"]]
    assert inside and {(s["start"], s["end"]) for s in inside} <= _jumps(item)


def test_hostile_quotes_and_entity_names_are_escaped_in_the_article_analysis(article_analyzer, example_text):
    client = article_client(HostileNames(article_analyzer))
    data = analyze(client, f"{example_text}\n\n{HOSTILE_QUOTES}")
    assert data["extras"]["article"]["entities"], "the example article has entities cast in roles"
    html = client.get(data["links"]["page"]).text
    assert_inert(html)
    assert "img" not in [tag for tag, _ in Page(html).tags]
    assert "<img" not in html and "<b>experts" not in html and EVIL not in html
    entities = _section(html, "aa-entities")
    assert "&lt;img src=x onerror=alert(1)&gt;" in entities and "&lt;script&gt;alert(&#34;x&#34;)" in entities
    assert "&lt;img src=x onerror=alert(1)&gt;" in _section(html, "aa-attacked")
    quotes = _section(html, "aa-quotes")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; They are" in quotes  # the quoted words themselves
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in quotes  # the speaker and the outlet
    assert "&ldquo;&lt;b&gt;experts&lt;/b&gt;&rdquo;" in quotes  # the scare quote
    for section in ("aa-genre", "aa-frames", "aa-narratives"):
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in _section(html, section), section
    assert Page(html).article_text == data["document"]["text"]


def test_stored_analyses_keep_the_article_analysis_and_older_ones_say_they_have_none(
    article_analyzer, example_text, tmp_path
):
    db = str(tmp_path / "corpus.sqlite")
    data = analyze(article_client(article_analyzer, db=db), example_text)
    again = make_client(db=db)  # a restarted server, without the article analyzer
    stored = again.get(f"/api/documents/{data['document']['id']}").json()
    for key in ("genre", "frames", "quotes", "extras"):
        assert stored[key] == data[key], key
    html = again.get(data["links"]["page"]).text
    entities = _section(html, "aa-entities")
    assert all(e["text"] in entities for e in data["extras"]["article"]["entities"])
    plain = analyze(again, "The traitors lied.")
    html = again.get(plain["links"]["page"]).text
    assert plain["genre"] is None and 'id="article-analysis"' not in html
    assert 'id="article-analysis-missing"' in html


def test_the_web_pipeline_runs_the_article_analyzer_unless_turned_off():
    client = TestClient(create_app(WebSettings(model="rules")), base_url=BASE)
    data = analyze(client, "The minister called the protesters foreign agents. Full stop.")
    assert data["genre"] in ("opinion", "reporting", "satire") and "article" in data["extras"]
    assert client.get("/healthz").json()["article_model"]["name"]
    client = TestClient(create_app(WebSettings(model="rules", article=False)), base_url=BASE)
    data = analyze(client, "The minister called the protesters foreign agents. Full stop.")
    assert data["genre"] is None and data["extras"] == {}
    assert client.get("/healthz").json()["article_model"] is None


def test_article_view_drops_places_outside_the_text_and_needs_no_part():
    from spinlens.web._view import article_view

    text = "Alpha called Beta a traitor."
    base = {"document": {"text": text}, "spans": [], "quotes": [], "genre": None, "frames": []}
    assert article_view(dict(base, extras={})) is None
    entity = {
        "text": "Beta",
        "start": 13,
        "end": 17,
        "role": "Innocent",
        "fine_roles": ["Victim"],
        "mentions": [[13, 17]],
        "evidence": [
            {"kind": "sentence", "start": 0, "end": 28},
            {"kind": "sentence", "start": 5, "end": 99},
        ],
    }
    view = article_view(dict(base, extras={"article": {"entities": [entity, {"role": ["bad"]}]}}))
    assert view is not None and view["genre"] is None and view["narratives"] == []
    assert view["frames"] == {"top": [], "more": 0, "closest": []}
    [group] = view["entities"]
    assert group["key"] == "victim" and group["heading"] == "Victims"
    [e] = group["entities"]
    assert e["first"] == {"start": 13, "end": 17, "text": "Beta"}
    assert [(ev["start"], ev["end"]) for ev in e["evidence"]] == [(0, 28)]


# -- uploads, URLs and limits ----------------------------------------------------------------------------
def test_upload_reads_text_and_html_files_and_ignores_folders_in_the_name(client):
    files = {"file": ("../../etc/passwd.txt", b"The traitors lied to everyone.", "text/plain")}
    r = client.post("/api/analyze/upload", files=files, data={"outlet": "Gazette"})
    assert r.status_code == 201, r.text
    assert r.json()["document"]["title"] == "passwd.txt"
    assert r.json()["document"]["outlet"] == "Gazette"
    html = b"<html><head><title>Harbour news</title></head><body><article><p>" + b"The traitors lied. " * 20
    html += b"</p></article></body></html>"
    r = client.post("/api/analyze/upload", files={"file": ("page.html", html, "text/html")})
    assert r.status_code == 201, r.text
    assert "<p>" not in r.json()["document"]["text"] and "traitors" in r.json()["document"]["text"]


def test_upload_refuses_other_file_types_and_oversized_bodies():
    client = make_client(max_upload_bytes=2000)
    r = client.post("/api/analyze/upload", files={"file": ("run.exe", b"MZ...", "application/octet-stream")})
    assert r.status_code == 422 and r.json()["error"]["type"] == "InputError"
    r = client.post("/api/analyze/upload", files={"file": ("big.txt", b"word " * 1000, "text/plain")})
    assert r.status_code == 413
    r = client.post("/api/analyze", json={"text": "word " * 100_000})
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    r = client.post("/analyze", files={"file": ("big.txt", b"word " * 20_000, "text/plain")})
    assert r.status_code == 413


def test_url_is_fetched_through_ingest_with_the_injected_fetch():
    calls = []

    def fetch(url, *, timeout, max_bytes, user_agent):
        calls.append((url, timeout, max_bytes))
        body = b"<html><head><title>Port strike</title></head><body><article><p>"
        body += (
            b"The so-called experts and foreign agents lied about the strike. " * 5
            + b"</p></article></body></html>"
        )
        return FetchResponse(url=url, status=200, body=body, content_type="text/html; charset=utf-8")

    app = create_app(
        WebSettings(model="rules", allow_private_urls=True, fetch_timeout=3.0, max_upload_bytes=100_000),
        pipeline=Pipeline(RuleTagger()),
        fetch=fetch,
    )
    client = TestClient(app, base_url=BASE)
    r = client.post("/api/analyze", json={"url": "http://news.test/strike"})
    assert r.status_code == 201, r.text
    assert r.json()["document"]["title"] == "Port strike"
    assert calls == [("http://news.test/strike", 3.0, 100_000)]


def test_urls_to_private_addresses_and_other_schemes_are_refused(client):
    for url in ("http://127.0.0.1:9/admin", "javascript:alert(1)", "file:///etc/passwd"):
        r = client.post("/api/analyze", json={"url": url})
        assert r.status_code == 422, url
        assert r.json()["error"]["type"] == "InputError"


def test_ipv6_addresses_that_lead_to_private_ipv4_ones_are_refused(client):
    """(NAT64, 6to4, IPv4-compatible and -translated addresses of 10.x, 127.x or 169.254.x were global.)"""
    from spinlens.web._sources import check_public_address

    for ip in ("64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b:1::a00:1", "2002:a9fe:a9fe::", "::7f00:1"):
        with pytest.raises(InputError, match="loopback or private"):
            check_public_address(ip, "http://x.test/")
    for ip in ("64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8", "::ffff:0:808:808", "2606:4700::1111"):
        check_public_address(ip, "http://x.test/")  # public IPv4 (or IPv6) behind them: allowed
    r = client.post("/api/analyze", json={"url": "http://[::ffff:0:a00:1]:9/"})
    assert r.status_code == 422 and "loopback or private" in r.json()["error"]["message"]


def test_no_path_traversal_through_static_files_or_ids(client):
    for path in (
        "/static/../pyproject.toml",
        "/static/%2e%2e/_app.py",
        "/static/..%2f_app.py",
        "/static/%2e%2e/%2e%2e/cli.py",
        "/a/..%2f..%2fpyproject.toml",
        "/api/documents/..%2F..%2Fetc%2Fpasswd",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "import" not in r.text
    assert client.get("/static/app.js").status_code == 200


# -- errors ------------------------------------------------------------------------------------------------
def test_errors_have_a_json_body_with_status_type_and_message(client):
    r = client.post("/api/analyze", json={"text": "   "})
    assert r.status_code == 422
    assert r.json()["error"]["type"] == "InputError" and "empty" in r.json()["error"]["message"]
    r = client.get("/api/documents/nope")
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"
    r = client.get("/api/documents?technique=Nope")
    assert r.status_code == 422 and "unknown technique" in r.json()["error"]["message"]
    r = client.post("/api/analyze", json={"text": 5})
    assert r.status_code == 422 and r.json()["error"]["type"] == "ValidationError"
    r = client.get("/a/nope", headers={"accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_each_error_class_has_its_status():
    from spinlens.errors import DataError, NotFittedError, SchemaError, SpinlensError
    from spinlens.web._errors import status_for
    from spinlens.web._state import Busy

    cases = [
        (InputError("x"), 422),
        (SchemaError("x"), 422),
        (ModelError("x"), 503),
        (NotFittedError("x"), 503),
        (Busy("x", 1), 503),
        (DataError("x"), 500),
        (SpinlensError("x"), 500),
        (RuntimeError("x"), 500),
    ]
    assert [status_for(exc) for exc, _ in cases] == [status for _, status in cases]


def test_a_store_failure_tells_clients_its_class_and_the_log_the_database(tmp_path, caplog):
    """(A 500 told any client "store /home/.../corpus.sqlite: OperationalError: ...": the database's path,
    or a PostgreSQL host and user.)"""
    import sqlite3

    db = tmp_path / "private-folder" / "corpus.sqlite"
    db.parent.mkdir()
    client = make_client(db=str(db))
    analyze(client, "The traitors lied.")
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE documents")
    with caplog.at_level("ERROR", logger="spinlens.web"):
        for r in (
            client.get("/api/documents"),
            client.get("/documents", headers={"accept": "text/html"}),
            client.post("/analyze", data={"text": "Other traitors lied."}),
        ):
            assert r.status_code == 500 and "private-folder" not in r.text
            assert "DataError" in r.text and "its log says why" in r.text
    assert caplog.text.count("private-folder") == 3


def test_serve_logs_the_apps_errors_on_stderr(monkeypatch, tmp_path):
    """(The library's null handler dropped them under `spinlens serve`: "see the server log" led nowhere.)"""
    import socket

    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = CliRunner().invoke(cli_app, ["serve", "--model", "rules", "--no-article", "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert "Note: serving http://127.0.0.1:" in result.stderr
    config = seen["log_config"]
    args = ["serve", "--model", "rules", "--no-article", "--port", str(port)]
    result = CliRunner().invoke(cli_app, [*args, "--db", str(tmp_path / "c.sqlite")])
    assert result.exit_code == 0 and f"(corpus {tmp_path / 'c.sqlite'});" in result.stderr, result.output
    assert config["loggers"]["spinlens"]["handlers"] == ["default"]
    assert config["handlers"]["default"]["stream"] == "ext://sys.stderr"


def test_model_errors_map_to_503():
    client = make_client(FixedTagger(error=ModelError("the model file is corrupt; reinstall spinlens")))
    r = client.post("/api/analyze", json={"text": "Some text here."})
    assert r.status_code == 503
    assert r.json()["error"] == {
        "status": 503,
        "type": "ModelError",
        "message": "the model file is corrupt; reinstall spinlens",
    }


def test_analyses_beyond_the_limit_get_503_with_retry_after():
    gate = threading.Event()
    tagger = FixedTagger(gate=gate)
    client = make_client(tagger, max_concurrent=1, max_queue=0)
    first: list[int] = []
    worker = threading.Thread(
        target=lambda: first.append(client.post("/api/analyze", json={"text": "First text."}).status_code)
    )
    worker.start()
    try:
        assert tagger.started.wait(5)
        r = client.post("/api/analyze", json={"text": "Second text."})
        assert r.status_code == 503
        assert r.json()["error"]["type"] == "Busy" and int(r.headers["retry-after"]) >= 1
        assert client.get("/healthz").json()["analyses"]["running"] == 1
    finally:
        gate.set()
        worker.join(10)
    assert first == [201]


def test_a_waiting_analysis_gets_the_slot_when_it_frees():
    from spinlens.web._state import Busy, Gate

    gate = Gate(1, 1, 5.0)
    order = []
    with gate.slot():
        t = threading.Thread(target=lambda: (gate.slot().__enter__(), order.append("second")))
        t.start()
        time.sleep(0.1)
        assert gate.waiting == 1
        with pytest.raises(Busy):  # the queue (1) is full
            with gate.slot():
                pass
        order.append("first")
    t.join(5)
    assert order == ["first", "second"]


# -- safety of the bind and writes -----------------------------------------------------------------------
def test_a_non_loopback_bind_needs_a_token():
    with pytest.raises(InputError, match="--token"):
        WebSettings(host="0.0.0.0")
    assert WebSettings(host="::1").loopback and WebSettings(host="localhost").loopback
    assert not WebSettings(host="0.0.0.0", token="s3cret").loopback


def test_writes_need_the_bearer_token_and_reads_do_not():
    client = make_client(host="0.0.0.0", token="s3cret")
    r = client.post("/api/analyze", json={"text": "The traitors lied."})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = client.post(
        "/api/analyze", json={"text": "The traitors lied."}, headers={"authorization": "Bearer nope"}
    )
    assert r.status_code == 401
    r = client.post(
        "/api/analyze", json={"text": "The traitors lied."}, headers={"authorization": "Bearer s3cret"}
    )
    assert r.status_code == 201
    assert client.get("/api/documents").status_code == 200
    r = client.post(
        "/analyze", data={"text": "The traitors lied.", "token": "s3cret"}, follow_redirects=False
    )
    assert r.status_code == 303
    r = client.post("/analyze", data={"text": "The traitors lied.", "token": ""})
    assert r.status_code == 401 and "enter it in the Token field" in r.text and "Bearer" not in r.text
    r = client.post("/analyze", data={"text": "The traitors lied.", "token": "nope"})
    assert r.status_code == 401 and "the token given is not this server&#39;s" in r.text
    assert "The traitors lied." in r.text  # the paste is given back


def test_a_paste_and_a_file_together_are_refused_and_the_paste_kept(client):
    """(The file was analyzed and the pasted text dropped without a word.)"""
    files = {"file": ("note.txt", b"The so-called experts lied.", "text/plain")}
    r = client.post("/analyze", files=files, data={"text": "My own pasted words."}, follow_redirects=False)
    assert r.status_code == 422 and "both a file (note.txt) and pasted text" in r.text
    assert "My own pasted words." in r.text


def test_the_form_address_reloaded_is_the_form():
    """(After a refused post the browser shows /analyze; reloading or bookmarking it gave a bare 405.)"""
    r = make_client().get("/analyze", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = TestClient(make_client().app, base_url=BASE, root_path="/spin").get(
        "/analyze", follow_redirects=False
    )
    assert r.headers["location"] == "/spin/"


def test_cross_site_posts_and_foreign_host_headers_are_refused(client):
    r = client.post("/analyze", data={"text": "x y z"}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.get("/healthz", headers={"host": "evil.example"})  # DNS rebinding onto a loopback server
    assert r.status_code == 400 and r.json()["error"]["type"] == "BadHost"
    assert client.get("/healthz", headers={"host": "localhost:8000"}).status_code == 200


# -- the corpus ----------------------------------------------------------------------------------------
def _fill(client) -> list[str]:
    ids = []
    rows = [
        ("Daily Planet", "2024-01-05", "The traitors and foreign agents lied about the harbour."),
        ("Daily Planet", "2024-02-11", "Either we build the bridge or the city dies. Full stop."),
        (
            "Gazette",
            "2024-02-20",
            "What about their own record on the harbour? The so-called experts failed.",
        ),
    ]
    for outlet, published, text in rows:
        ids.append(
            analyze(client, text, outlet=outlet, published=published, title=f"{outlet} {published}")[
                "document"
            ]["id"]
        )
    return ids


def test_corpus_api_lists_searches_and_counts_with_a_database(db_client):
    ids = _fill(db_client)
    docs = db_client.get("/api/documents").json()
    assert docs["total"] == 3 and {d["id"] for d in docs["documents"]} == set(ids)
    # the store's rows carry the document's length, as the in-memory corpus' rows do
    lengths = {d["id"]: d["n_chars"] for d in docs["documents"]}
    assert lengths == {i: len(db_client.get(f"/api/documents/{i}").json()["document"]["text"]) for i in ids}
    assert db_client.get("/api/documents?outlet=Gazette").json()["total"] == 1
    assert db_client.get("/api/documents?technique=Conversation_Killer").json()["total"] == 1
    assert db_client.get("/api/documents?until=2024-01-31").json()["total"] == 1
    hits = db_client.get("/api/search", params={"q": "harbour"}).json()
    assert hits["total"] == 2 and all("**harbour**" in d["snippet"].lower() for d in hits["documents"])
    hits = db_client.get("/api/search", params={"q": "harbour", "outlet": "Gazette"}).json()
    assert [d["outlet"] for d in hits["documents"]] == ["Gazette"]
    # a page past the end, however far, is empty with the total (the store pages in the database)
    for path, params, total in (("/api/search", {"q": "harbour"}, 2), ("/api/documents", {}, 3)):
        for offset in (5, 10**20):
            far = db_client.get(path, params={**params, "offset": offset}).json()
            assert (far["documents"], far["total"]) == ([], total), (path, offset)
    stats = db_client.get("/api/stats").json()
    assert stats["outlets"] == ["Daily Planet", "Gazette"]
    assert stats["periods"] == ["2024-01", "2024-02"]
    assert ["Gazette", "Whataboutism", 1] in stats["counts"]
    for shares in zip(*stats["series"].values()):
        assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert db_client.get(f"/a/{ids[0]}").status_code == 200
    assert db_client.get("/healthz").json()["db"] is True


def test_analyses_survive_a_restart_with_a_database(tmp_path):
    db = str(tmp_path / "c.sqlite")
    doc_id = analyze(make_client(db=db), "The traitors lied.")["document"]["id"]
    again = make_client(db=db)
    assert again.get(f"/api/documents/{doc_id}").json()["document"]["text"] == "The traitors lied."


def test_corpus_pages_render_charts_as_inline_svg(db_client):
    _fill(db_client)
    html = db_client.get("/stats").text
    assert html.count("<svg") >= 2 and 'class="chart heatmap"' in html and 'class="chart lines"' in html
    assert 'data-outlet="Gazette" data-technique="Whataboutism" data-count="1"' in html
    html = db_client.get("/search?q=harbour").text
    assert '<mark class="hit">harbour</mark>' in html
    html = db_client.get("/documents?outlet=Gazette").text
    assert "Gazette 2024-02-20" in html and "Daily Planet 2024-01-05" not in html


def test_windows_line_ends_and_nuls_keep_their_place_in_the_page_and_the_report():
    """A browser's parser drops the CR of a CRLF and a NUL, which shifted the article analysis's
    highlights (the browser test shows it); the markup keeps one character for each of them."""
    from spinlens.render._sweep import text_html

    text = "Lone\rcr.\x00 The traitors lied.\r\nFull stop.\r\n"
    spans = [(text.index("lied.\r"), text.index("lied.\r") + 6, "Loaded_Language", 0.8)]  # ends at the CR
    client = make_client(FixedTagger(spans))
    data = analyze(client, text)
    for html, element in (
        (client.get(data["links"]["page"]).text, 'id="article-text"'),
        (client.get(data["links"]["html"]).text, 'id="doc-0-text"'),
    ):
        body = html[html.index(element) : html.index("</div>", html.index(element))]
        assert "\r\n" not in body and "\x00" not in body and body.count("&#13;") == 2
        assert "\ufffd" in body and "Lone\rcr." in re.sub(r"<[^>]*>", "", body)  # a lone CR stays
    assert text_html(text, 0, text.index("\n")) == "Lone\rcr.\ufffd The traitors lied.&#13;"


def test_search_counts_every_hit_past_the_first_page_with_a_database(tmp_path):
    """(The adapter asked the store for one hit past the page and reported that as the total: 3 of 5
    matches on page 1, "page 1 of 2", then 5 on page 2.)"""
    c = make_client(db=str(tmp_path / "c.sqlite"), page_size=2)
    for n in range(5):
        analyze(c, f"Report {n}: the traitors lied about the harbour.", title=f"Report {n}")
    analyze(c, "Nothing to see on the bridge.")
    for offset in (0, 2, 4):
        hits = c.get("/api/search", params={"q": "harbour", "limit": 2, "offset": offset}).json()
        assert hits["total"] == 5 and len(hits["documents"]) == min(2, 5 - offset)
    for page_no, rows in ((1, 2), (2, 2), (3, 1)):
        html = c.get("/search", params={"q": "harbour", "page": page_no}).text
        assert "5 documents match" in html and f"page {page_no} of 3" in html
        assert html.count('class="doc-link"') == rows
    assert c.get("/api/search", params={"q": "bridge"}).json()["total"] == 1


def test_the_time_chart_keeps_its_top_margin_and_labels_inside():
    """(The largest share was kept in the variable that held the top margin, so the plot started at y=0.5
    and the label of its top line was cut off.)"""
    from spinlens.web._charts import share_lines_svg

    svg = str(share_lines_svg(["2024-01", "2024-02"], [("Loaded_Language", [0.3, 0.5])]))
    ys = [float(y) for y in re.findall(r'<line [^>]*y1="([0-9.]+)"', svg)]
    assert min(ys) == 16.0 and max(ys) == 300 - 56  # the plot fills the area between the margins
    labels = [float(y) for y in re.findall(r'<text x="[0-9.]+" y="([0-9.]+)"', svg)]
    assert min(labels) >= 11  # a label's baseline at least one font size below the top edge


def test_the_time_chart_spaces_months_by_time_and_draws_no_line_across_a_gap():
    """(Points were placed by their index: 2017-05, 2018-10, 2018-11 were evenly spaced, the 17-month gap as
    wide as one month, and one line ran straight across it.)"""
    from spinlens.web._charts import share_lines_svg

    svg = str(share_lines_svg(["2017-05", "2018-10", "2018-11"], [("Loaded_Language", [0.3, 0.5, 0.4])]))
    xs = [float(x) for x in re.findall(r'<circle cx="([0-9.]+)"', svg)]
    assert (xs[2] - xs[1]) * 17 == pytest.approx(xs[1] - xs[0], abs=2)
    [line] = re.findall(r'<polyline points="([^"]+)"', svg)  # the two adjacent months only
    assert [float(p.split(",")[0]) for p in line.split()] == xs[1:]
    labels = re.findall(r">(\d{4}-\d{2})</text>", svg)
    assert labels[0] == "2017-05" and labels[-1] == "2018-11"  # ends labelled, none on top of another
    months = [f"{2020 + k // 12}-{k % 12 + 1:02d}" for k in range(40)]
    svg = str(share_lines_svg(months, [("Doubt", [0.1] * 40)]))
    assert len(re.findall("<polyline", svg)) == 1 and len(re.findall(r">(\d{4}-\d{2})</text>", svg)) >= 10
    assert "<circle" not in str(share_lines_svg([], [])) and "<polyline" not in str(
        share_lines_svg(["2024-01"], [("Doubt", [0.2])])
    )


def test_a_body_over_the_limit_is_a_page_for_a_browser_and_json_for_the_api():
    """(The guard answered every refusal with JSON, so a browser's form post of a long paste showed the raw
    JSON error instead of a page.)"""
    c = make_client(max_upload_bytes=100_000)
    html_accept = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = c.post("/analyze", data={"text": "x" * 300_000}, headers=html_accept)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert '<p class="error" role="alert">' in r.text and "100,000-byte limit" in r.text
    assert "/static/app.css" in r.text and r.headers["content-security-policy"]
    r = c.post("/api/analyze", json={"text": "x" * 300_000}, headers=html_accept)
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    r = c.post("/analyze", data={"text": "x" * 300_000})
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    r = c.get("/", headers={"host": "evil.example", **html_accept})
    assert r.status_code == 400 and "Host header refused" in r.text and "<h1>" in r.text


def test_memory_corpus_pages_work_without_a_database(client):
    _fill(client)
    assert client.get("/api/search", params={"q": "harbour"}).json()["total"] == 2
    assert "<svg" in client.get("/stats").text


# -- API description, taxonomy and the CLI ---------------------------------------------------------------
def test_openapi_describes_every_route_and_the_docs_page_is_offline(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/analyze",
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/search",
        "/api/stats",
        "/api/techniques",
        "/healthz",
    ):
        assert path in spec["paths"], path
    html = client.get("/api/docs").text
    assert "/api/analyze" in html and "cdn" not in html.lower()
    assert client.get("/docs").status_code == 404  # FastAPI's CDN-backed Swagger page is off


def test_techniques_endpoint_lists_all_23_with_colours(client):
    rows = client.get("/api/techniques").json()
    assert len(rows) == 23 and all(r["definition"] and r["colour"].startswith("#") for r in rows)
    css = client.get("/assets/categories.css")
    assert css.headers["content-type"].startswith("text/css") and "mark.sp.cat-call" in css.text


def test_serve_get_answers_one_request_in_process():
    result = CliRunner().invoke(cli_app, ["serve", "--model", "rules", "--get", "/healthz"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "ok"
    result = CliRunner().invoke(cli_app, ["serve", "--model", "rules", "--get", "/api/documents/nope"])
    assert result.exit_code == 1 and json.loads(result.stdout)["error"]["status"] == 404


def test_serve_refuses_a_public_bind_without_a_token():
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--get", "/healthz"])
    assert result.exit_code == 2
    assert "refusing to bind 0.0.0.0" in result.stderr


def test_serve_on_a_port_in_use_is_one_error_line_before_any_serving_note(monkeypatch):
    """(It said "Note: serving http://127.0.0.1:8000/", then uvicorn logged "ERROR: [Errno 98] ... address
    already in use" and exited 3.)"""
    import socket

    import uvicorn

    def never(*args, **kwargs):
        raise AssertionError("uvicorn.run was called on a port in use")

    monkeypatch.setattr(uvicorn, "run", never)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["serve", "--model", "rules", "--no-article", "--port", str(port)]
        result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (another server?); stop it or "
        "choose another --port"
    ]


def test_invalid_unicode_and_bad_urls_are_422_and_leave_the_pages_working(client):
    r = client.post(
        "/api/analyze",
        content='{"text": "\\ud800 the traitors lied"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and "lone surrogate" in r.json()["error"]["message"]
    for path in ("/", "/documents", "/api/documents", "/search?q=traitors"):
        assert client.get(path).status_code == 200, path
    for url in ("http://[zz/", "http://a.test:99999/"):
        r = client.post("/api/analyze", json={"url": url})
        assert r.status_code == 422 and "not a valid URL" in r.json()["error"]["message"], url
    r = client.post("/api/analyze", json={"text": "The traitors lied."}, headers={"Origin": "http://[zz"})
    assert r.status_code == 403


def test_documents_with_odd_ids_have_pages_that_work(tmp_path):
    from spinlens.schema import Document
    from spinlens.store import open_store

    ids = ["a/b/c", "report.html", "..", "../../etc/passwd", "tab\there", "x" * 128]
    db = str(tmp_path / "corpus.sqlite")
    pipeline = Pipeline(RuleTagger())
    with open_store(db) as store:  # as `spinlens batch` stores ids from a JSONL file
        store.write(
            [
                pipeline.analyze(Document(text=f"The corrupt traitors lied, {i}.", id=d))
                for i, d in enumerate(ids)
            ]
        )
    db_client = make_client(db=db)
    listing = db_client.get("/documents?limit=50").text
    for doc_id in ids:
        seg = quote(doc_id, safe="") if doc_id != ".." else "%2E%2E"  # as a browser must send it
        r = db_client.get("/api/documents/" + seg)
        assert r.status_code == 200 and r.json()["document"]["id"] == doc_id, doc_id
        page = db_client.get("/a/" + seg)
        assert page.status_code == 200 and "traitors" in page.text, doc_id
        assert db_client.get("/a/" + seg + ".json").json()["document"]["id"] == doc_id
    # the listing links each one with its id as one path segment: no "/a/../" a browser would resolve
    assert (
        'href="/a?id=.."' in listing
        and db_client.get("/a?id=..").status_code == 200
        and 'href="/a/..%2F..%2Fetc%2Fpasswd"' in listing
    )
    assert 'href="/a/a%2Fb%2Fc"' in listing


def test_stats_with_a_database_count_documents_without_an_outlet(tmp_path):
    from spinlens.schema import Document
    from spinlens.store import open_store

    db = str(tmp_path / "corpus.sqlite")
    pipeline = Pipeline(RuleTagger())
    docs = [
        Document(text="The corrupt traitors lied to us.", id="a", outlet="Daily"),
        Document(text="The corrupt traitors lied again.", id="b"),
    ]
    with open_store(db) as store:
        store.write([pipeline.analyze(d) for d in docs])
    stats = make_client(db=db).get("/api/stats").json()
    assert set(stats["outlets"]) == {"Daily", "(no outlet)"}
    assert stats["totals"]["(no outlet)"] == len(pipeline.analyze(docs[1]).spans) > 0


def test_a_form_field_over_the_limit_is_413_with_the_configured_figure():
    c = make_client(max_upload_bytes=100_000)
    r = c.post(
        "/analyze", data={"text": "x" * 150_000}, files={"file": ("", b"")}, headers={"Accept": "text/html"}
    )
    assert r.status_code == 413 and "100,000-byte limit" in r.text
    r = c.post("/api/analyze", content=b"x" * 200_000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "100,000-byte limit" in r.json()["error"]["message"]
    r = c.get("/api/documents?until=9999-99-99")
    assert r.status_code == 422 and r.json()["error"]["message"].startswith(
        "until '9999-99-99' is not a date"
    )


def test_a_redirect_to_a_private_address_is_refused():
    import http.server

    from spinlens.errors import InputError
    from spinlens.web._state import _public_fetch

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/secret":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"internal data")
            else:
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/secret")
                self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/start"
        plain = FetchResponse  # ingest's own fetch follows it
        from spinlens.ingest._fetch import fetch_url

        got = fetch_url(url, timeout=5, max_bytes=10_000, user_agent="t")
        assert isinstance(got, plain) and got.body == b"internal data"
        with pytest.raises(InputError, match="loopback or private"):
            _public_fetch(url, timeout=5, max_bytes=10_000, user_agent="t")
        # the address connected to is checked too: a name that passed the check but now resolves to
        # loopback (DNS rebinding) is refused before a request is sent
        secret = f"http://127.0.0.1:{server.server_port}/secret"
        with pytest.raises(InputError, match="loopback or private"):
            _public_fetch(secret, timeout=5, max_bytes=10_000, user_agent="t")
    finally:
        server.shutdown()


def test_serve_takes_the_text_limit_its_error_message_names():
    from typer.testing import CliRunner

    from spinlens.cli import app as cli_app

    client = TestClient(create_app(WebSettings(model="rules", article=False, max_chars=30)), base_url=BASE)
    r = client.post("/api/analyze", json={"text": "The traitors lied. " * 3})
    assert r.status_code == 422 and "more than the limit of 30" in r.json()["error"]["message"]
    assert "--max-chars" in r.json()["error"]["message"]  # and serve has that option:
    r = CliRunner().invoke(cli_app, ["serve", "--model", "rules", "--max-chars", "30", "--get", "/healthz"])
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(cli_app, ["serve", "--max-chars", "0", "--get", "/healthz"]).exit_code == 2


def test_published_must_be_a_date_and_titles_cannot_reorder_the_page(client):
    text = "The traitors lied again."
    for bad in ("yesterday", "2024-02-30", "\x00", "9" * 60):
        r = client.post("/api/analyze", json={"text": text, "published": bad})
        assert r.status_code == 422 and "is not a date; give it as YYYY-MM-DD" in r.json()["error"]["message"]
        assert len(r.json()["error"]["message"]) < 200  # a long value is not echoed whole
    r = client.post(
        "/api/analyze", json={"text": text, "published": "2024/02/03", "title": "RTL \u202egnp.exe"}
    )
    assert r.status_code == 201, r.text
    doc = r.json()["document"]
    assert doc["published"] == "2024-02-03" and doc["title"] == "RTL \ufffdgnp.exe"


def test_an_upload_over_the_limit_sent_in_chunks_is_a_413_too():
    """(Through uvicorn, curl's chunked 6 MB upload reached the form parser, which wrapped the body limit's
    413 into a 400; the test client's body takes the other path, so this guards the status, not that path.)"""
    client = make_client(max_upload_bytes=2000)
    boundary = "spinlensboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'word ' * 2000}\r\n--{boundary}--\r\n"
    ).encode()

    def chunks():  # no Content-Length: the server counts the body as it arrives
        for i in range(0, len(body), 1000):
            yield body[i : i + 1000]

    r = client.post(
        "/api/analyze/upload",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413, r.text


def test_head_is_get_without_a_body(client):
    for path in ("/healthz", "/"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b"" and head.headers["content-length"] == str(len(got.content))
        assert head.headers["content-type"] == got.headers["content-type"]


def test_serve_get_sends_non_ascii_queries_as_a_browser_does(tmp_path):
    from typer.testing import CliRunner

    from spinlens.cli import app as cli_app

    r = CliRunner().invoke(cli_app, ["serve", "--model", "rules", "--get", "/search?q=déjà vu"])
    assert r.exit_code == 0, r.output
    assert 'value="déjà vu"' in r.stdout  # was "d?j? vu"


# -- the corpus of a store: filters, paging and charts (SQLite and PostgreSQL) --------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path):
    """An empty store on each backend (see ``test_store.store_target``)."""
    from test_store import store_target

    yield from store_target(request.param, tmp_path)


def _store_corpus(db: str, rows) -> None:
    """``(id, outlet, published, text)`` rows analyzed by the rule tagger into the store at ``db``."""
    from spinlens.schema import Document
    from spinlens.store import open_store

    pipeline = Pipeline(RuleTagger())
    with open_store(db) as store:
        store.write(
            [
                pipeline.analyze(Document(text=t, id=i, outlet=o, published=p, title=f"Story {i}"))
                for i, o, p, t in rows
            ]
        )


def test_a_document_the_database_cannot_hold_is_a_clear_422_not_a_500(store_db):
    """(A title over PostgreSQL's full-text limit, or a NUL in the text, failed the write as a 500; the API
    caps a JSON title at 2,000 characters, the upload form's did not.)"""
    from spinlens.store._schema import PG_TITLE_CHARS

    c = make_client(db=store_db)
    title = " ".join(f"w{i}" for i in range(PG_TITLE_CHARS // 2))  # different words: a large index entry
    for r in (
        c.post("/api/analyze", json={"text": "The traitors\x00 lied."}),
        c.post("/api/analyze/upload", files={"file": ("a.txt", "The traitors lied.")}, data={"title": title}),
    ):
        if store_db.startswith("postgresql"):
            assert (
                r.status_code == 422
                and "the database cannot store this document" in r.json()["error"]["message"]
            )
        else:
            assert r.status_code == 201, r.text


def test_end_date_and_category_filters_count_and_page_every_document(store_db, monkeypatch):
    """(The adapter applied the end date and the category to the first 5,000 hits, newest first: with
    more, the totals stopped at what that window held and a list filtered to an older period said "0
    documents". WINDOW = 3 stands for 5,000 here; the store now filters in the database.)"""
    import spinlens.web._store as web_store

    monkeypatch.setattr(web_store, "WINDOW", 3, raising=False)
    new = [
        (f"new{k}", "Daily", f"2024-06-{k + 10}", f"The traitors sold the harbour, {k}.") for k in range(5)
    ]
    old = [(f"old{k}", "Daily", f"2024-01-{k + 10}", f"What about the harbour? Story {k}.") for k in range(4)]
    _store_corpus(store_db, new + old)
    c = make_client(db=store_db, page_size=2)
    for path, params in (("/api/documents", {}), ("/api/search", {"q": "harbour"})):
        for f, want in (
            ({"until": "2024-01"}, {i for i, *_ in old}),
            ({"until": "2024-06-12"}, {i for i, *_ in old} | {"new0", "new1", "new2"}),
            ({"category": "distraction"}, {i for i, *_ in old}),
            ({"category": "attack_on_reputation", "until": "2024"}, {i for i, *_ in new}),
        ):
            got = []
            for offset in range(0, 12, 2):
                d = c.get(path, params={**params, **f, "limit": 2, "offset": offset}).json()
                assert d["total"] == len(want), (path, f, offset)
                got += [x["id"] for x in d["documents"]]
            assert sorted(got) == sorted(want), (path, f)
    html = c.get("/documents", params={"until": "2024-01", "page": 2}).text
    assert '<span class="count">4</span>' in html and "page 2 of 2" in html
    assert html.count('class="doc-link"') == 2


def test_stats_count_each_outlet_once_and_take_the_end_date(store_db):
    """(The heatmap asked for each outlet's techniques with the outlet filter, which ignores case, so
    "Gazette" and "gazette" (a corrected outlet, say) each showed both outlets' spans; and the end date
    was left out of the heatmap and totals.)"""
    from spinlens.store import open_store

    rows = [
        ("a", "Gazette", "2024-01-05", "The traitors lied."),
        ("b", "Gazette", "2024-03-05", "The traitors lied. What about the harbour?"),
        ("c", "gazette", "2024-03-06", "Everyone knows the corrupt traitors lied again."),
        ("d", None, "2024-02-01", "The traitors lied once more."),
    ]
    _store_corpus(store_db, rows)
    with open_store(store_db) as store:
        want = {(r["outlet"] or "(no outlet)"): r["spans"] for r in store.stats("outlet")}
        want_jan = {"Gazette": len(store.spans("a"))}  # the one article of January
    c = make_client(db=store_db)
    stats = c.get("/api/stats").json()
    assert stats["totals"] == want and len(want) == 3
    for name in want:
        assert sum(n for o, _t, n in stats["counts"] if o == name) == want[name]
    jan = c.get("/api/stats", params={"until": "2024-01"}).json()
    assert jan["totals"] == want_jan and jan["periods"] == ["2024-01"]
    one = c.get("/api/stats", params={"technique": "Name_Calling-Labeling"}).json()
    assert {t for _o, t, _n in one["counts"]} == {"Name_Calling-Labeling"}


def test_a_page_past_the_last_says_so_and_leads_back(store_db):
    """(A page past the last showed the total over an empty table, "No documents match", and no link.)"""
    rows = [(f"d{k}", "Daily", f"2024-01-{k + 10}", f"The traitors lied, {k}.") for k in range(5)]
    _store_corpus(store_db, rows)
    c = make_client(db=store_db, page_size=2)
    for path in ("/documents?page=9", "/search?q=traitors&page=9"):
        html = c.get(path).text
        assert "Page 9 is past the last page (3)." in html and "No documents match" not in html, path
        assert re.search(r'href="[^"]*page=3" rel="prev"', html) and "page 9 of 3" in html, path
    html = c.get("/documents?page=3").text
    assert html.count('class="doc-link"') == 1 and "past the last" not in html


def test_a_document_with_an_id_over_128_characters_has_a_page_on_sqlite(tmp_path):
    """(SQLite stores such an id, and lists it, but its page and API answered 404: the web refused ids over
    PostgreSQL's 128 characters.)"""
    db = str(tmp_path / "corpus.sqlite")
    doc_id = "https://example.com/news/" + "x" * 200
    _store_corpus(db, [(doc_id, "Daily", "2024-01-05", "The traitors lied.")])
    c = make_client(db=db)
    assert c.get("/api/documents").json()["documents"][0]["id"] == doc_id
    seg = quote(doc_id, safe="")
    assert c.get("/api/documents/" + seg).json()["document"]["id"] == doc_id
    assert c.get("/a/" + seg).status_code == 200
    assert c.get("/a/" + "y" * 5000).status_code == 404


def test_outlet_filter_ignores_case_beyond_ascii(store_db):
    """(SQLite's lower() folds only A-Z, so an outlet with a capital like Ü, É or a Cyrillic letter
    matched no document, not even when chosen from the outlet list: "Über/News" listed 0 documents.)"""
    rows = [
        ("u1", "Über/News", "2024-01-05", "The traitors lied."),
        ("u2", "РИА Новости", "2024-01-06", "The corrupt traitors lied again."),
        ("u3", "Gazette", "2024-01-07", "The traitors lied once more."),
    ]
    _store_corpus(store_db, rows)
    c = make_client(db=store_db)
    for outlet, want in (
        ("Über/News", "u1"),
        ("über/news", "u1"),
        ("РИА Новости", "u2"),
        ("риа новости", "u2"),
    ):
        d = c.get("/api/documents", params={"outlet": outlet}).json()
        assert [r["id"] for r in d["documents"]] == [want], outlet
        stats = c.get("/api/stats", params={"outlet": outlet}).json()
        assert stats["totals"] and sum(stats["totals"].values()) > 0, outlet


def test_filter_form_shows_every_filter_it_applies(store_db):
    """(The form's date fields are type="date", which holds only YYYY-MM-DD: a list filtered by
    since=2024 or until=2024-01 (which the API and the pager links accept) showed empty date fields, and an
    outlet filter in another case than the outlet list showed "any"; pressing Filter then dropped them.)"""
    rows = [("g1", "Gazette", "2024-01-05", "The traitors lied."), ("g2", "Gazette", "2023-01-05", "Liars.")]
    _store_corpus(store_db, rows)
    c = make_client(db=store_db)
    for path in ("/documents", "/search", "/stats"):
        html = c.get(
            path, params={"q": "traitors", "since": "2024", "until": "2024-01", "outlet": "GAZETTE"}
        ).text
        fields = re.findall(r"<input[^>]*>", html)
        since = next(f for f in fields if 'name="since"' in f)
        until = next(f for f in fields if 'name="until"' in f)
        assert 'value="2024"' in since and 'type="date"' not in since, (path, since)
        assert 'value="2024-01"' in until and 'type="date"' not in until, (path, until)
        assert re.search(r'<option value="GAZETTE" selected>', html), path
    html = c.get("/documents", params={"since": "2024-01-05", "outlet": "Gazette"}).text
    assert re.search(r'<input type="date" name="since" value="2024-01-05">', html)
    assert html.count(" selected>Gazette<") == 1


@pytest.mark.parametrize("db", [False, True])
def test_a_search_without_a_word_matches_nothing(tmp_path, db):
    """(``/api/search?q=%20`` answered every document of the corpus as a match, and without --db so did
    a search for "!!!", while the search page said "0 documents match".)"""
    c = make_client(db=str(tmp_path / "c.sqlite")) if db else make_client()
    analyze(c, "The corrupt traitors lied to you.")
    assert c.get("/api/search", params={"q": "traitors"}).json()["total"] == 1
    for q in (" ", "\u2028", "!!!", '"" -'):
        d = c.get("/api/search", params={"q": q}).json()
        assert (d["total"], d["documents"]) == (0, []), repr(q)
        assert "0 documents match" in c.get("/search", params={"q": q}).text, repr(q)


def test_memory_corpus_snippets_skip_the_title_line_the_row_shows_above():
    """Session 22: a plain-text article keeps its first line (its title) in its text; the in-memory corpus's
    rows, like the store's search, make the snippet of the rest unless only that line matches."""
    from spinlens.web._corpus import row_of

    doc = {
        "id": "d1",
        "title": "Harbour plan",
        "text": "Harbour plan\n\nThe council voted on the plan today.",
    }
    data = {"document": doc, "spans": []}
    assert row_of(data)["snippet"].startswith("The council voted")
    assert (
        "**council**" in row_of(data, "council")["snippet"]
        and "Harbour" not in row_of(data, "council")["snippet"]
    )
    # a word of the title line only: that line, marked
    assert row_of(data, "harbour")["snippet"].startswith("**Harbour** plan")
    # a text that does not start with its title, or has no title: as before
    other = {"document": dict(doc, title="Another title"), "spans": []}
    assert row_of(other)["snippet"].startswith("Harbour plan")
    untitled = {"document": dict(doc, title=None), "spans": []}
    assert row_of(untitled)["snippet"].startswith("Harbour plan")


@pytest.mark.parametrize("db", [False, True])
def test_a_search_the_store_refuses_keeps_the_form_and_what_was_typed(tmp_path, db):
    """Session 23: a query that only excludes words ("-the") or has over 64 terms answered a bare error
    page: the search box, the words typed and the filters were gone."""
    c = make_client(db=str(tmp_path / "c.sqlite")) if db else make_client()
    analyze(c, "The corrupt traitors lied to you.", outlet="Gazette")
    many = " ".join(f"w{k}" for k in range(70))
    for q in ("-the", '"the" OR -x', many):
        r = c.get("/search", params={"q": q, "outlet": "Gazette"}, headers={"Accept": "text/html"})
        assert r.status_code == 422, q
        assert 'class="error" role="alert"' in r.text and "documents match" not in r.text, q
        box = re.search(r'<input type="search" name="q" value="([^"]*)"', r.text)
        assert box and box.group(1) == q.replace('"', "&#34;"), q
        assert '<option value="Gazette" selected>' in r.text, q
    assert c.get("/api/search", params={"q": "-the"}).status_code == 422


def test_pages_under_a_root_path_link_inside_it():
    """Session 23: mounted under a prefix (``root_path``, as behind a proxy), the pager linked to
    ``/spin/spin/documents?page=2`` (a 404), no menu entry was marked current, and an API error asked
    from a browser was an HTML page."""
    from fastapi import FastAPI

    outer = FastAPI()
    inner = create_app(WebSettings(model="rules", page_size=1), pipeline=Pipeline(RuleTagger()))
    outer.mount("/spin", inner)
    c = TestClient(outer, base_url=BASE)
    for k in range(3):
        assert c.post("/spin/api/analyze", json={"text": f"The traitors lied, {k}."}).status_code == 201
    html = c.get("/spin/documents", headers={"Accept": "text/html"}).text
    nxt = re.search(r'href="([^"]*)" rel="next"', html)
    assert nxt and nxt.group(1) == "/spin/documents?page=2", nxt
    assert 'href="/spin/documents" aria-current="page"' in html
    html = c.get(nxt.group(1), headers={"Accept": "text/html"}).text
    assert "page 2 of 3" in html
    assert re.search(r'href="/spin/documents\?page=1" rel="prev"', html)
    r = c.get("/spin/api/documents/nope", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"


def test_the_guard_answers_an_api_path_under_a_root_path_in_json():
    """(The guard, which refuses a body over the limit and a foreign Host before the app, read the path with
    its root path: under a prefix, an ``/api/`` refusal asked from a browser was an HTML page.)"""
    from fastapi import FastAPI

    outer = FastAPI()
    inner = create_app(WebSettings(model="rules", max_upload_bytes=2000), pipeline=Pipeline(RuleTagger()))
    outer.mount("/spin", inner)
    c = TestClient(outer, base_url=BASE)
    html = {"Accept": "text/html"}
    r = c.post("/spin/api/analyze", json={"text": "x" * 200_000}, headers=html)
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    r = c.post("/spin/api/analyze", json={"text": "x"}, headers={**html, "Host": "example.com"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "BadHost"
    r = c.post("/spin/analyze", data={"text": "x" * 200_000}, headers=html)  # a page's form: a page
    assert r.status_code == 413 and 'href="/spin/static/app.css"' in r.text


@pytest.mark.parametrize("db", [False, True])
def test_the_time_chart_places_every_date_the_filters_read(tmp_path, db):
    """Session 23: without --db, a document dated "Wed, 01 May 2024 10:00:00 GMT" (front matter, a page's
    date) passed the date filters but was missing from the time chart, which the store drew it on."""
    c = make_client(db=str(tmp_path / "c.sqlite")) if db else make_client()
    for k, day in enumerate(("Wed, 01 May 2024 10:00:00 GMT", "2024-06-02")):
        analyze(c, f"---\ndate: {day}\n---\nThe corrupt traitors lied, {k}.")
    assert c.get("/api/documents", params={"since": "2024-05", "until": "2024-05"}).json()["total"] == 1
    stats = c.get("/api/stats").json()
    assert stats["periods"] == ["2024-05", "2024-06"]
    assert stats["series"]["Name_Calling-Labeling"] == [1.0, 1.0]


def test_the_summary_counts_the_sentences_a_span_touches():
    """Session 23: the analysis page (and the HTML report) compared every sentence with every span to count
    the sentences with a technique: a 1.1 MB paste's page took 88 s to render (the time is the CHANGELOG's
    measurement; here the count of ``sentences_hit``, which replaced it, against the pairwise rule)."""
    import random

    from spinlens.render._sweep import Span, sentences_hit
    from spinlens.render.html import render_html
    from spinlens.web import _view

    rng = random.Random(23)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, 200), rng.randint(1, 12)))
        sents = [{"start": a, "end": b} for a, b in zip([0, *cuts], [*cuts, 200], strict=True)]
        spans = []
        for _ in range(rng.randint(0, 8)):
            a = rng.randrange(0, 199)
            spans.append(Span(len(spans), a, rng.randint(a + 1, 200), "Doubt", 0.5))
        pairwise = sum(1 for s in sents if any(sp.start < s["end"] and s["start"] < sp.end for sp in spans))
        assert sentences_hit(sents, spans) == pairwise

    sentence = "The corrupt traitors lied. "  # 27 characters: a span on "traitors" in every other one
    n = 8000
    text = sentence * n
    sentences = [{"start": k * 27, "end": k * 27 + 26, "score": 0.5} for k in range(n)]
    spans = [
        {"start": k * 27 + 12, "end": k * 27 + 20, "technique": "Name_Calling-Labeling", "score": 0.9}
        for k in range(0, n, 2)
    ]
    data = {
        "schema_version": 1,
        "document": {"id": "long", "text": text},
        "spans": spans,
        "sentences": sentences,
    }
    assert _view.summary(data)["sentences_hit"] == n // 2
    assert f"{n // 2} of {n} sentences" in render_html(data)
    # overlaps at the edges: a span ending where a sentence starts does not touch it; one across two does
    small = {
        "document": {"id": "s", "text": "Aaaa bbbb. Cccc dddd. Eeee."},
        "sentences": [{"start": 0, "end": 10}, {"start": 11, "end": 21}, {"start": 22, "end": 27}],
        "spans": [{"start": 5, "end": 11, "technique": "Doubt", "score": 0.5}],
    }
    assert _view.summary(small)["sentences_hit"] == 1
    small["spans"].append({"start": 8, "end": 13, "technique": "Doubt", "score": 0.5})
    assert _view.summary(small)["sentences_hit"] == 2


@pytest.mark.parametrize("db", [False, True])
def test_an_untitled_search_hit_is_shown_by_its_first_line(tmp_path, db):
    """(With a store, an untitled document found by a word past its start was listed as "Document <id>",
    where the documents list and the in-memory search show its first line.)"""
    c = make_client(db=str(tmp_path / "c.sqlite")) if db else make_client()
    first = "Ministers met on Monday to discuss the harbour plan and its costs."
    doc = analyze(c, first + "\n" + "Nothing else happened. " * 30 + "Later the corrupt traitors lied again.")
    assert doc["document"]["title"] is None
    html = c.get("/search", params={"q": "traitors"}, headers={"Accept": "text/html"}).text
    assert f">{first}</a>" in html and "Document " + doc["document"]["id"] not in html
    listed = c.get("/documents", headers={"Accept": "text/html"}).text
    assert f">{first}</a>" in listed
