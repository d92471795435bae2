"""Renderers take ``Analysis.to_dict()`` data: escaping, nesting, and the exact data formats."""

from __future__ import annotations

import io
import json
import re
from html import escape
from html.parser import HTMLParser

import pytest
from rich.console import Console

from spinlens.errors import SchemaError
from spinlens.render import render_html, render_json, render_jsonl, render_ptc, render_terminal
from spinlens.schema import Analysis, Document, ModelInfo, TechniqueSpan
from spinlens.taxonomy import CANONICAL_TO_PTC14, PTC14_LABELS, get_technique

EVIL = '<script>alert("x")</script> <img src=x onerror=alert(1)> javascript:alert(1) & "quotes"'


def _data(text: str, spans=(), **doc) -> dict:
    return Analysis(
        Document(text, **doc),
        spans=tuple(TechniqueSpan(s, e, t, sc) for s, e, t, sc in spans),
        model=ModelInfo("test-model", "1", "0" * 64),
    ).to_dict()


class _Marks(HTMLParser):
    """Collects, for each piece of article text, the stack of open <mark> elements (data-span ids)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, str]] = []
        self.in_text = 0
        self.pieces: list[tuple[str, tuple[str, ...]]] = []
        self.titles: dict[str, str] = {}
        self.attrs: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("class") == "text":
            self.in_text += 1
        elif tag == "mark" and self.in_text:
            self.stack.append(a)
            self.attrs.append(a)
            self.titles[a["data-span"]] = a["title"]
        elif self.in_text:
            raise AssertionError(f"unexpected <{tag}> inside the article text")

    def handle_endtag(self, tag):
        if tag == "mark" and self.in_text:
            self.stack.pop()
        elif tag == "div" and self.in_text:
            self.in_text -= 1

    def handle_data(self, data):
        if self.in_text:
            self.pieces.append((data, tuple(m["data-span"] for m in self.stack)))


def _parse(page: str) -> _Marks:
    p = _Marks()
    p.feed(page)
    p.close()
    assert p.stack == []
    return p


# -- HTML ------------------------------------------------------------------------------------------------
def test_html_escapes_everything_from_the_article():
    text = f"Intro. {EVIL} They are traitors."
    i = text.index("<img")
    page = render_html(
        _data(
            text,
            [
                (i, i + 30, "Loaded_Language", 0.5),
                (text.index("traitors"), len(text) - 1, "Name_Calling-Labeling", 0.9),
            ],
            title=EVIL,
            outlet=EVIL,
            author=EVIL,
            url="javascript:alert(1)",
        )
    )
    assert page.count("<script>") == 1  # only the page's own script
    assert "<img" not in page
    assert "onerror=alert(1)>" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # the text round-trips exactly through the markup
    parsed = _parse(page)
    assert "".join(d for d, _ in parsed.pieces) == text


def test_html_links_only_http_urls():
    page = render_html(_data("Some text here.", url="https://example.org/a?b=1&c=2"))
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">' in page


def test_html_is_one_self_contained_page():
    page = render_html(_data("A traitor spoke.", [(2, 9, "Name_Calling-Labeling", 0.9)]))
    assert page.startswith("<!doctype html>")
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    assert "<style>" in page and "<script>" in page
    assert not re.search(r"<(link|img|iframe)\b", page)
    assert not re.search(r"\bsrc=", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_html_nests_a_span_inside_another():
    text = "We say that they are foreign agents today."
    outer = (text.index("they"), text.index(" today"))
    inner = (text.index("foreign"), text.index(" today"))
    page = render_html(
        _data(text, [(*outer, "Loaded_Language", 0.6), (*inner, "Name_Calling-Labeling", 0.9)])
    )
    pieces = _parse(page).pieces
    assert ("they are ", ("d0s0",)) in pieces
    assert ("foreign agents", ("d0s0", "d0s1")) in pieces
    # both are hoverable, each with its own tooltip
    titles = _parse(page).titles
    assert titles["d0s0"].startswith("Loaded language (60%): ")
    assert titles["d0s1"].startswith("Name calling / labeling (90%): Attaching a short insulting")


def test_html_splits_a_crossing_span_into_pieces_with_one_id():
    text = "alpha beta gamma delta"
    a = (0, text.index(" gamma"))  # "alpha beta"
    b = (text.index("beta"), text.index(" delta"))  # "beta gamma"
    parsed = _parse(render_html(_data(text, [(*a, "Doubt", 0.5), (*b, "Repetition", 0.7)])))
    assert parsed.pieces[0] == ("alpha ", ("d0s0",))
    assert parsed.pieces[1] == ("beta", ("d0s0", "d0s1"))
    assert parsed.pieces[2] == (" gamma", ("d0s1",))
    b_text = "".join(d for d, ids in parsed.pieces if "d0s1" in ids)
    assert b_text == text[b[0] : b[1]]
    assert [m["data-span"] for m in parsed.attrs].count("d0s1") == 2


def test_html_same_extent_spans_nest_in_technique_order():
    text = "either this or that"
    parsed = _parse(
        render_html(_data(text, [(0, 19, "Slogans", 0.5), (0, 19, "False_Dilemma-No_Choice", 0.8)]))
    )
    techniques = [m["data-technique"] for m in parsed.attrs]
    assert techniques == ["False_Dilemma-No_Choice", "Slogans"]
    assert parsed.pieces == [(text, ("d0s0", "d0s1"))]


def test_html_tooltip_data_and_legend_counts():
    text = "A traitor and a puppet, what a disaster."
    spans = [
        (2, 9, "Name_Calling-Labeling", 0.91),
        (16, 22, "Name_Calling-Labeling", 0.8),
        (31, 39, "Loaded_Language", 0.7),
    ]
    page = render_html(_data(text, spans))
    marks = _parse(page).attrs
    assert marks[0]["data-technique"] == "Name_Calling-Labeling"
    assert marks[0]["data-confidence"] == "91%"
    assert marks[0]["data-score"] == "0.9100"
    assert marks[0]["data-definition"].startswith("Attaching a short insulting or flattering label")
    assert "cat-attack_on_reputation" in marks[0]["class"]
    assert 'Name calling / labeling <span class="count">2</span>' in page
    assert 'Loaded language <span class="count">1</span>' in page
    assert "3 spans · 2 techniques" in page


def test_html_renders_several_documents_in_one_page():
    page = render_html([_data("First text."), _data("Second <text>.")])
    assert page.count('<article class="doc"') == 2
    assert "Second &lt;text&gt;." in page


def test_renderers_reject_spans_outside_the_text():
    bad = _data("short text")
    bad["spans"] = [{"start": 3, "end": 99, "technique": "Doubt", "score": 0.5}]
    with pytest.raises(SchemaError):
        render_html(bad)
    with pytest.raises(SchemaError):
        render_ptc([bad])


# -- HTML: the article-level analysis (genre, frames, roles, narratives, quotes), above the text ---------
#: a short hand-written article: a villain attacked in the author's voice, a reported and a direct quote with
#: their speakers, and a scare quote.
ANALYZED = (
    "The minister Boris Kent called the protesters of Springfield foreign agents and traitors. "
    '"They are liars and criminals," said Anna Berg of the Daily Planet. '
    "Citizens of Springfield are suffering because of Kent. "
    "Kent is a corrupt puppet and a shameless liar. "
    'The so-called "experts" lied. The matter is closed, full stop.'
)
#: quoted words and a scare quote that are markup themselves.
HOSTILE_QUOTES = (
    'Officials met on Monday. "<script>alert(1)</script> They are traitors and foreign agents," said '
    'Dmitry Peskov. The so-called "<b>experts</b>" lied.'
)
EVIL_NAME = "<img src=x onerror=alert(1)>"
SECTIONS = ["genre", "frames", "density", "top", "attacked", "entities", "narratives", "quotes"]


@pytest.fixture(scope="module")
def article_pipeline():
    """The rule tagger with the shipped article analyzer (genre, frames, roles, narratives, quotes)."""
    from spinlens.analysis import ArticleAnalyzer
    from spinlens.pipeline import Pipeline
    from spinlens.rules import RuleTagger

    return Pipeline(RuleTagger(), article_analyzer=ArticleAnalyzer().load())


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _tags(page: str) -> list[tuple[str, dict[str, str]]]:
    p = _Tags()
    p.feed(page)
    p.close()
    return p.tags


def _section(page: str, key: str, doc: int = 0) -> str:
    """The HTML of one part of document ``doc``'s article analysis, up to the next part or the text."""
    start = page.index(f'id="doc-{doc}-aa-{key}"')
    ends = [page.find(m, start + 1) for m in (f'id="doc-{doc}-aa-', f'id="doc-{doc}-text"')]
    return page[start : min(e for e in ends if e > 0)]


def _jumps(html: str) -> set[tuple[int, int]]:
    return {
        (int(a["data-start"]), int(a["data-end"]))
        for tag, a in _tags(html)
        if tag == "a" and "jump" in a.get("class", "").split()
    }


def test_html_shows_the_article_analysis_before_the_text(article_pipeline):
    data = article_pipeline.analyze(ANALYZED).to_dict()
    art = data["extras"]["article"]
    assert data["genre"] and art["entities"] and art["summary"]["attacked"], "the fixture exercises each part"
    page = render_html(data)
    at = [page.index(f'id="doc-0-aa-{key}"') for key in SECTIONS]
    assert page.index('<section class="aa" id="doc-0-analysis">') < at[0]
    assert at == sorted(at) and at[-1] < page.index('id="doc-0-text"'), "the analysis comes first, in order"

    genre = _section(page, "genre")
    assert f'<b class="genre-label">{data["genre"]}</b>' in genre
    assert f"{art['genre_scores'][data['genre']]:.0%}" in genre
    frames = _section(page, "frames")
    for f in data["frames"]:
        assert f.replace("_", " ") in frames and f"{art['frame_scores'][f]:.0%}" in frames
    summ = art["summary"]
    assert f"<b>{summ['density']:.0f}</b> techniques per 100 sentences" in _section(page, "density")
    top = _section(page, "top")
    assert all(get_technique(t["technique"]).name in top for t in summ["top_techniques"])

    attacked = _section(page, "attacked")
    for a in summ["attacked"]:
        assert f'<b class="entity">{a["entity"]}</b>' in attacked
        assert all(f in attacked for f in a["fine_roles"])
        assert all(get_technique(t["technique"]).name in attacked for t in a["techniques"])
        assert {(x["start"], x["end"]) for x in a["examples"]} <= _jumps(attacked)
    entities = _section(page, "entities")
    heading = {"Protagonist": "Heroes", "Antagonist": "Villains", "Innocent": "Victims"}
    for e in art["entities"]:
        assert heading[e["role"]] in entities and f'<b class="entity-name">{e["text"]}</b>' in entities
        assert all(f in entities for f in e["fine_roles"])
        assert {(ev["start"], ev["end"]) for ev in e["evidence"]} <= _jumps(entities)
    narratives = _section(page, "narratives")
    assert all(n["narrative"].split(": ", 1)[-1] in narratives for n in art["narratives"])

    quotes = _section(page, "quotes")
    speech = [q for q in data["quotes"] if q["kind"] != "scare"]
    assert {(q["start"], q["end"]) for q in data["quotes"]} <= _jumps(quotes)
    assert {q["kind"] for q in speech} == {"direct", "reported"}
    for q in speech:
        assert f'<span class="kind">{q["kind"]}</span> <span class="speaker">{q["speaker"]}</span>' in quotes
    assert "<b>Scare quotes</b>" in quotes and "&ldquo;experts&rdquo;" in quotes

    # every link points into the text, and the text still round-trips through the markup
    assert all(0 <= s < e <= len(ANALYZED) for s, e in _jumps(page))
    assert all(a["href"] == "#doc-0-text" for t, a in _tags(page) if t == "a" and "jump" in a["class"])
    assert "".join(d for d, _ in _parse(page).pieces) == ANALYZED
    assert page.count("<script>") == 1 and not re.search(r"\bsrc=", page)


def test_html_leaves_the_article_analysis_out_when_the_analysis_has_none(article_pipeline):
    plain = _data(ANALYZED, [(61, 75, "Name_Calling-Labeling", 0.9)])
    for data in (plain, dict(plain, extras={"source": "a.txt"}), dict(plain, extras={"article": None})):
        page = render_html(data)
        assert 'class="aa"' not in page and "Article analysis" not in page and 'class="jump"' not in page
        assert "".join(d for d, _ in _parse(page).pieces) == ANALYZED
    # in a report of several documents, only the analyzed one has it, under its own ids
    page = render_html([plain, article_pipeline.analyze(ANALYZED).to_dict()])
    assert page.count('<section class="aa"') == 1 and 'id="doc-1-analysis"' in page
    assert 'id="doc-0-aa-' not in page
    assert _jumps(page) and all(
        a["href"] == "#doc-1-text" for t, a in _tags(page) if "jump" in a.get("class", "")
    )


def test_html_escapes_hostile_names_quotes_and_narratives_in_the_article_analysis(article_pipeline):
    """Everything derived from the article is as hostile as the article: real analysis, hostile names."""
    text = f"{ANALYZED}\n\n{HOSTILE_QUOTES}"
    data = article_pipeline.analyze(text).to_dict()
    art = data["extras"]["article"]
    assert (
        art["entities"] and art["summary"]["attacked"] and any(q["kind"] == "direct" for q in data["quotes"])
    )
    for e in art["entities"]:
        e.update(text=EVIL_NAME, fine_roles=[EVIL])
        for ev in e["evidence"]:
            if ev["kind"] == "technique":
                ev["speaker"], ev["voice"] = EVIL, "quoted"
    for a in art["summary"]["attacked"]:
        a.update(entity=EVIL_NAME, fine_roles=[EVIL])
    for q in data["quotes"]:
        if q["kind"] != "scare":
            q.update(speaker=EVIL, source=EVIL)
    data["genre"], art["genre_scores"] = EVIL, {EVIL: 0.9, EVIL_NAME: 0.1}
    data["frames"], art["frame_scores"] = [EVIL], {EVIL: 0.8}
    art["narratives"] = [{"narrative": f"URW: {EVIL}", "score": 0.5, "subnarratives": [{"label": EVIL_NAME}]}]
    art["model"] = {"name": EVIL, "version": EVIL_NAME, "sha256": EVIL}
    page = render_html(data)

    assert page.count("<script>") == 1  # only the page's own script
    assert "<img" not in page and "onerror=alert(1)>" not in page and "<b>experts" not in page
    for tag, attrs in _tags(page):
        assert tag not in ("img", "iframe", "object", "embed", "link"), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    script = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    img = "&lt;img src=x onerror=alert(1)&gt;"
    entities = _section(page, "entities")
    assert f'<b class="entity-name">{img}</b>' in entities and script in entities
    assert f"quoted: {script}" in entities  # the speaker behind a piece of evidence
    attacked = _section(page, "attacked")
    assert f'<b class="entity">{img}</b>' in attacked and script in attacked
    quotes = _section(page, "quotes")
    evil = escape(EVIL)
    assert f'<span class="speaker">{evil}</span> <span class="source">via {evil}</span>' in quotes
    assert "<q>&lt;script&gt;alert(1)&lt;/script&gt; They are" in quotes  # the quoted words themselves
    assert "&ldquo;&lt;b&gt;experts&lt;/b&gt;&rdquo;" in quotes  # the scare quote
    for key in ("genre", "frames"):
        assert script in _section(page, key), key
    narratives = _section(page, "narratives")
    assert f'<span class="domain">Ukraine war:</span> <b>{evil}</b>' in narratives and img in narratives
    assert f"Article models {evil} {img}" in page
    assert "".join(d for d, _ in _parse(page).pieces) == text


# -- PTC ---------------------------------------------------------------------------------------------------
def test_ptc_lines_use_ptc14_names_and_skip_techniques_without_one():
    text = "They are traitors. Act now or never, it is a disaster."
    d = _data(
        text,
        [
            (9, 17, "Name_Calling-Labeling", 0.9),
            (19, 36, "Appeal_to_Time", 0.8),  # no PTC-14 counterpart
            (45, 53, "Loaded_Language", 0.7),
            (45, 53, "Straw_Man", 0.4),
            (45, 53, "Red_Herring", 0.3),  # same PTC-14 class as Straw_Man: written once
        ],
    )
    d["extras"] = {"article_id": "111111111"}
    out = render_ptc([d])
    assert out == (
        "111111111\tName_Calling,Labeling\t9\t17\n"
        "111111111\tLoaded_Language\t45\t53\n"
        "111111111\tWhataboutism,Straw_Men,Red_Herring\t45\t53\n"
    )
    for line in out.splitlines():
        aid, label, s, e = line.split("\t")
        assert label in PTC14_LABELS and int(s) < int(e)
    assert CANONICAL_TO_PTC14["Appeal_to_Time"] is None


def test_ptc_id_defaults_to_the_document_id():
    d = _data("A traitor.", [(2, 9, "Name_Calling-Labeling", 0.9)])
    assert render_ptc([d]) == f"{d['document']['id']}\tName_Calling,Labeling\t2\t9\n"


# -- JSON --------------------------------------------------------------------------------------------------
def test_json_is_one_indented_value_that_round_trips():
    d = _data(EVIL, [(0, 8, "Loaded_Language", 0.5)], title="t")
    out = render_json(d)
    assert out.startswith('{\n  "schema_version": 1,')
    assert Analysis.from_dict(json.loads(out)) == Analysis.from_dict(d)
    assert json.loads(render_json([d, d])) == [d, d]


def test_jsonl_writes_one_compact_object_per_line():
    docs = [_data("One line\nand another.", [(0, 3, "Doubt", 0.5)]), _data("Two\u2028three.")]
    out = render_jsonl(docs)
    assert out.endswith("\n") and out.count("\n") == 2  # newlines inside the text are escaped
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == docs
    assert all(line.startswith('{"schema_version":1,"document":{"text":') for line in lines)


def test_jsonl_escapes_next_line_so_splitlines_sees_one_object_per_line():
    """U+0085 (NEL) in an article was written as is: ``str.splitlines`` cut the object in two."""
    docs = [_data("They are traitors.\x85What a disaster."), _data("Two.")]
    out = render_jsonl(docs)
    assert "\x85" not in out and "\\u0085" in out
    assert [json.loads(line) for line in out.splitlines()] == docs


# -- terminal ----------------------------------------------------------------------------------------------
def _terminal(data) -> str:
    buf = io.StringIO()
    render_terminal(data, Console(file=buf, width=100, color_system=None, force_terminal=False))
    return buf.getvalue()


def test_terminal_shows_text_notes_legend_and_summary():
    text = "They are foreign agents. What a disaster."
    out = _terminal(
        _data(
            text,
            [
                (9, 23, "Name_Calling-Labeling", 0.9),
                (17, 23, "Loaded_Language", 0.4),
                (32, 40, "Loaded_Language", 0.8),
            ],
        )
    )
    assert "They are foreign agents[1][2]. What a disaster[3]." in out
    assert re.search(r"\[1\]\s+Name calling / labeling\s+0\.90\s+“foreign agents”", out)
    assert re.search(r"Loaded language\s+│\s+Manipulative wording\s+│\s+2", out)
    assert "3 spans · 2 techniques\nmodel test-model 1" in out


def test_terminal_colours_by_category_and_underlines_overlaps():
    text = "foreign agents everywhere"
    buf = io.StringIO()
    console = Console(file=buf, width=80, color_system="truecolor", force_terminal=True)
    render_terminal(
        _data(text, [(0, 14, "Name_Calling-Labeling", 0.9), (8, 14, "Loaded_Language", 0.5)]), console
    )
    out = buf.getvalue()
    assert "\x1b[" in out  # styled
    assert "\x1b[1;4;" in out  # bold + underline where the spans overlap


def test_terminal_neutralises_markup_and_control_characters():
    text = "[bold red]fake[/] \x1b[2J\x1b]0;pwned\x07 a traitor\r\n"
    out = _terminal(
        _data(
            text,
            [(text.index("traitor"), text.index("traitor") + 7, "Name_Calling-Labeling", 0.9)],
            title="\x1b[31mtitle",
        )
    )
    assert "[bold red]fake[/]" in out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "\ufffd[2J" in out
    assert "a traitor[1]" in out


@pytest.mark.issue(6)
def test_html_says_who_attacks_each_entity_and_escapes_the_speaker(article_pipeline):
    """The attacked list names the attacker: the author, or the quoted speaker (hostile text, escaped)."""
    data = article_pipeline.analyze(ANALYZED).to_dict()
    attacked = data["extras"]["article"]["summary"]["attacked"]
    assert attacked and attacked[0]["by"][0] == "author"
    section = _section(render_html(data), "attacked")
    assert "attacked by the author" in section
    attacked[0]["by"] = ["author", EVIL_NAME]
    section = _section(render_html(data), "attacked")
    assert "attacked by the author and in words quoted from &lt;img src=x onerror=alert(1)&gt;" in section
    assert EVIL_NAME not in section


@pytest.mark.issue(6)
def test_terminal_summary_leaves_out_missing_or_malformed_parts(article_pipeline):
    """The terminal summary line shows what the analysis has and skips what is missing or malformed."""
    from spinlens.render.terminal import article_summary_view

    data = article_pipeline.analyze(ANALYZED).to_dict()
    line = article_summary_view(data).plain
    assert line.startswith(f"Summary  genre {data['genre']} · frames ")
    assert "techniques per 100 sentences" in line and "Attacked: Boris Kent" in line
    data["genre"] = None
    data["extras"]["article"]["summary"]["density"] = "n/a"
    line = article_summary_view(data).plain
    assert "genre" not in line and "None" not in line and "per 100 sentences" not in line
    assert article_summary_view({"document": data["document"], "extras": {}}) is None


def test_terminal_notes_say_whose_words_a_span_is():
    """With the article analysis, each note says when the span is in a quoted or reported person's words."""
    text = '"They are traitors," Peskov said. Critics said that the plan was a disaster. What a shame.'
    spans = [
        (text.index("traitors"), text.index("traitors") + 8, "Name_Calling-Labeling", 0.9),
        (text.index("disaster"), text.index("disaster") + 8, "Loaded_Language", 0.8),
        (text.index("shame"), text.index("shame") + 5, "Loaded_Language", 0.7),
    ]
    data = _data(text, spans)
    data["quotes"] = [
        {"start": 1, "end": 18, "kind": "direct", "speaker": "Peskov", "source": None},
        {
            "start": text.index("the plan"),
            "end": text.index(". What"),
            "kind": "reported",
            "speaker": "Critics",
        },
    ]
    out = _terminal(data)
    assert re.search(r"\[1\].*“traitors”\s+quoted: Peskov", out)
    assert re.search(r"\[2\].*“disaster”\s+reported: Critics", out)
    assert re.search(r"\[3\].*“shame”\s*$", out, re.M)


def test_terminal_summary_names_the_roles_and_the_speakers(article_pipeline):
    """--article in the terminal shows who is cast as hero, villain or victim and who is quoted, not only
    who is attacked; technique names are the ones the notes use."""
    from spinlens.render.terminal import article_summary_view

    data = article_pipeline.analyze(ANALYZED).to_dict()
    art = data["extras"]["article"]
    line = article_summary_view(data).plain
    villains = [e["text"] for e in art["entities"] if e["role"] == "Antagonist"]
    assert villains and "Villains: " + ", ".join(villains) in line
    (direct,) = [q for q in data["quotes"] if q["kind"] == "direct"]
    assert f"Quotes: 1 direct ({direct['speaker']})" in line and "1 scare" in line
    top = art["summary"]["top_techniques"][0]["technique"]
    assert get_technique(top).name in line and top not in line


def test_html_with_no_one_attacked_does_not_deny_the_villains_it_lists(article_pipeline):
    data = article_pipeline.analyze(ANALYZED).to_dict()
    art = data["extras"]["article"]
    assert any(e["role"] == "Antagonist" for e in art["entities"])
    art["summary"]["attacked"] = []
    page = render_html(data)
    assert "Villains" in _section(page, "entities")
    assert "Nobody is cast as a villain" not in page
    assert "No technique span attacks a named person or group." in _section(page, "attacked")


def test_terminal_summary_counts_each_speaker_once_under_the_longest_form_of_the_name():
    from spinlens.render.terminal import article_summary_view

    text = "x" * 200
    names = ["Foreign Ministry spokeswoman Maria Zakharova", "Maria Zakharova", "Zakharova"]
    names += ["James Holloway", "Peter Holloway", "Holloway"]
    data = _data(text)
    data["quotes"] = [
        {"start": 10 * i, "end": 10 * i + 5, "kind": "direct", "speaker": n, "source": None}
        for i, n in enumerate(names)
    ]
    data["extras"] = {"article": {"summary": {}}}
    line = article_summary_view(data).plain
    assert (
        "Quotes: 6 direct (Foreign Ministry spokeswoman Maria Zakharova ×3, James Holloway, Peter Holloway, "
        "Holloway)"
    ) in " ".join(line.split())


def test_html_names_each_article_s_file_and_a_page_of_several_is_no_one_s(rule_pipeline, tmp_path):
    """With several files the report showed titles only, and the page was titled after the first article."""
    from spinlens.schema import Document

    docs = []
    for i, title in enumerate(("Traitors everywhere", None)):
        a = rule_pipeline.analyze(Document(text=f"The traitors lied again, take {i}.", title=title))
        data = a.to_dict()
        data["extras"] = {"source": f"news/<b>{i}</b>.txt"}
        docs.append(data)
    page = render_html(docs)
    assert "<title>spinlens report: 2 articles</title>" in page
    assert (
        '<h2>Traitors everywhere</h2><p class="meta"><span class="source">news/&lt;b&gt;0&lt;/b&gt;.txt'
        in page
    )
    assert "<h2>news/&lt;b&gt;1&lt;/b&gt;.txt</h2>" in page  # no title: the file is the heading
    assert "<title>spinlens: Traitors everywhere</title>" in render_html(docs[0])


def test_terminal_cuts_a_long_note_between_whole_characters():
    """A note over 120 characters was cut at 117 code points: inside an emoji sequence or a flag, or between a
    letter and its accent."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points
    flag, accented = "\U0001f1fa\U0001f1f8", "e\u0301"
    for filler, unit in ((9, family), (116, flag), (116, accented), (114, "\U0001f44d\U0001f3fd"), (0, "a")):
        text = "x" * filler + unit * 150
        out = _terminal(_data(text, [(0, len(text), "Loaded_Language", 0.5)]))
        quote = "".join(line.strip() for line in out.split("“", 1)[1].split("”", 1)[0].splitlines())
        assert quote.endswith("...") and len(quote) <= 120
        kept = quote[: -len("...")]
        assert kept == text[: len(kept)] and (
            kept[filler:] == "" or kept[filler:].count(unit) * len(unit) == len(kept[filler:])
        ), repr(kept[-8:])
        assert unit != "a" or kept == "a" * 117  # plain text is cut where it was


def test_terminal_keeps_names_and_titles_wrapped_in_the_article_on_one_line(article_pipeline):
    """A name hard-wrapped in a plain-text article ("Boris\\nKent") split the summary block and the heading
    into lines that read as separate entries."""
    from spinlens.render.terminal import article_summary_view

    data = article_pipeline.analyze(ANALYZED.replace("Boris Kent", "Boris\nKent")).to_dict()
    line = article_summary_view(data).plain
    assert "Attacked: Boris Kent (" in line and "Villains: Boris Kent" in line
    data["document"]["title"] = "Kent\n\tand the\r\nprotesters"
    data["document"]["outlet"] = "Daily\nPlanet"
    out = _terminal(data)
    assert out.splitlines()[0].startswith("Kent and the protesters ─")
    assert out.splitlines()[1] == "Daily Planet"


def test_terminal_span_ending_inside_a_windows_line_end_breaks_the_line_once():
    """A span ending between the CR and the LF of a line end printed the CR as a line break, then the LF."""
    text = "They are traitors\r\nWhat a disaster."
    out = _terminal(_data(text, [(9, 18, "Name_Calling-Labeling", 0.9)]))
    assert "They are traitors[1]\nWhat a disaster." in out
