"""spinlens.ingest: sources in, Documents (or one-line reasons) out."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinlens.errors import InputError
from spinlens.ingest import (
    DocumentReader,
    FetchResponse,
    IngestOptions,
    IngestResult,
    fetch_url,
    iter_documents,
    user_agent,
)
from spinlens.text import paragraphs, sentences

FIXTURES = Path(__file__).parent / "fixtures" / "html"

ARTICLE = (
    "The council voted on Monday to close the old library. Residents said they were not consulted. "
    "The mayor promised a public meeting next week."
)


_READERS: dict[tuple[IngestOptions, object], DocumentReader] = {}


def read_all(sources, **kw) -> list[IngestResult]:
    """``iter_documents`` through one ``DocumentReader`` per options, so the language model loads once."""
    fetch = kw.pop("fetch", None)
    options = IngestOptions(**kw)
    reader = _READERS.setdefault((options, fetch), DocumentReader(options, fetch))
    return list(reader.read([str(s) for s in sources]))


def test_iter_documents_is_the_plain_function_form(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE)
    (result,) = iter_documents([str(path)])
    assert (result.status, result.document.text, result.reason) == ("ok", ARTICLE, None)


def only(results: list[IngestResult]) -> IngestResult:
    assert len(results) == 1, results
    return results[0]


# --------------------------------------------------------------------------------------------------------
# HTML fixtures: realistic news pages with navigation, cookie banners, related links, comments, footers
# --------------------------------------------------------------------------------------------------------
NEWS_PAGES = {
    "harbor_transit.html": dict(
        title="City council approves new transit plan",
        author="Maria Lopez",
        published="2024-03-12",
        outlet="The Harbor Gazette",
        keep=[
            "The city council voted 7 to 2 on Monday night to approve a sweeping transit plan",
            'Council member Tom Reilly called the budget "a fantasy built on wishful thinking."',
            "pending an environmental review.",
        ],
        drop=[
            "cookies",
            "Accept all",
            "Sport",
            "Related stories",
            "Bus fares to rise",
            "JohnD",
            "Finally!",
            "All rights reserved",
            "Contact us",
            "By Maria Lopez",
        ],
    ),
    "ridgeway_floods.html": dict(
        title="Floods force hundreds from homes in Ridgeway valley",
        author="James Whitfield",
        published="2023-11-14",
        outlet="Northern Echo Daily",
        keep=[
            "Emergency services evacuated about 400 residents",
            '"We have never seen the river come up this quickly," said local shopkeeper Anita Shah',
            "temporary accommodation had been found for 60 families.",
        ],
        drop=[
            "partners store",
            "I agree",
            "Subscribe from just",
            "Advertisement",
            "Share on Facebook",
            "Most read",
            "Celebrity chef",
            "ValleyLad",
            "nobody in charge",
            "Dales Media Group",
            "Get the morning briefing",
            "Cookie policy",
        ],
    ),
    "solar_subsidy.html": dict(
        title="Senate panel backs solar subsidy extension",
        author="Priya Raman",
        published="2024-06-03",
        outlet="Capitol Ledger",
        keep=[
            "The Senate Finance Committee voted 15 to 12 on Monday",
            "would cost 41 billion dollars over ten years.",
            "the House has not taken up a companion bill.",
        ],
        drop=[
            "Skip to content",
            "White House",
            "Search Capitol Ledger",
            "Share this story",
            "More from Energy",
            "Offshore wind lease",
            "This site uses cookies",
            "Ethics policy",
            "dataLayer",
            "cookie-bar",
        ],
    ),
    "opinion_schools.html": dict(
        title="Our schools deserve better than another budget gimmick",
        author="Daniel Okafor",
        published="2023-09-21",
        outlet="Lakeside Tribune",
        keep=[
            "the state legislature has balanced its budget by delaying payments",
            '"Every delayed payment means a district borrowing money',
            "- Publish the full cost of each deferral before the budget vote.",
            "keep the promises it has already made.",
        ],
        drop=[
            "best experience on our website",
            "Got it!",
            "Classifieds",
            "Gift this article",
            "Support local journalism",
            "Join the conversation",
            "retiredprincipal",
            "administrators first",
            "You might also like",
            "news@lakesidetribune.example",
        ],
    ),
    "election_results.html": dict(
        title="Moreno wins mayoral runoff by 3,400 votes",
        author="Staff report",
        published="2022-12-07",
        outlet="Valley Courier",
        keep=[
            "Former city attorney Lucia Moreno won Tuesday\u2019s mayoral runoff with 52 percent",
            "| Lucia Moreno | 28,115 | 52.1% |",
            "had called Moreno to congratulate her.",
        ],
        drop=[
            "We value your privacy",
            "Schools",
            "Trending",
            "Holiday parade",
            "Refinance your home",
            "oldtowner",
            "keeps her promises",
            "Tags:",
            "Terms",
        ],
    ),
    "wire_port_strike.html": dict(
        title="Dockworkers strike shuts three Gulf Coast ports",
        author="Sam Delgado",
        published="2024-10-01",
        outlet="Meridian Wire",
        keep=[
            "HOUSTON (Meridian Wire) \u2014 Thousands of dockworkers walked off the job",
            "about a tenth of the country's container imports.",
            "No new talks were scheduled as of Tuesday afternoon.",
        ],
        drop=[
            "Accept all",
            "Markets open lower",
            "Recommended",
            "Rail freight volumes",
            "Watch more",
            "Trust principles",
            "quotes delayed",
            "By Sam Delgado |",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(NEWS_PAGES))
def test_news_page_keeps_the_article_and_drops_boilerplate(name):
    expected = NEWS_PAGES[name]
    result = only(read_all([FIXTURES / name]))
    assert result.status == "ok", result.reason
    doc = result.document
    for fragment in expected["keep"]:
        assert fragment in doc.text
    for fragment in expected["drop"]:
        assert fragment not in doc.text, fragment
    assert (doc.title, doc.author, doc.published, doc.outlet) == (
        expected["title"],
        expected["author"],
        expected["published"],
        expected["outlet"],
    )
    assert doc.language == "en"
    assert result.source == str(FIXTURES / name)


def test_html_title_is_metadata_not_text():
    doc = only(read_all([FIXTURES / "harbor_transit.html"])).document
    assert doc.title == "City council approves new transit plan"
    assert not doc.text.startswith(doc.title)
    assert doc.title not in doc.text


def test_title_in_text_prepends_the_title_and_shifts_offsets_by_its_length():
    plain = only(read_all([FIXTURES / "solar_subsidy.html"])).document
    titled = only(read_all([FIXTURES / "solar_subsidy.html"], title_in_text=True)).document
    prefix = f"{plain.title}\n\n"
    assert titled.text == prefix + plain.text
    for start, end in sentences(plain.text):
        shift = len(prefix)
        assert titled.text[start + shift : end + shift] == plain.text[start:end]
    assert titled.id != plain.id


def test_html_paragraphs_are_separated_by_a_blank_line():
    doc = only(read_all([FIXTURES / "harbor_transit.html"])).document
    spans = paragraphs(doc.text)
    assert [doc.text[s:e] for s, e in spans][2] == "Opponents raise cost concerns"
    assert len(spans) == 5


def test_html_canonical_url_is_kept_as_metadata():
    doc = only(read_all([FIXTURES / "harbor_transit.html"])).document
    assert doc.url == "https://harborgazette.example/news/transit-plan"


def test_malformed_html_is_still_read():
    result = only(read_all([FIXTURES / "malformed.html"]))
    assert result.status == "ok", result.reason
    doc = result.document
    assert doc.title == "Bridge repairs to close Elm Street for six weeks"
    assert doc.text.startswith("The Elm Street bridge will close to all traffic from Monday")
    assert "serious corrosion in two of the four support beams." in doc.text
    for fragment in ("We use cookies", "Comment by Jo", "County Herald", "Local news"):
        assert fragment not in doc.text
    assert doc.published is None  # no guess from the copyright line


@pytest.mark.parametrize(("name", "code"), [("german_budget.html", "de"), ("french_greve.html", "fr")])
def test_page_in_another_language_is_skipped_with_the_reason(name, code):
    result = only(read_all([FIXTURES / name]))
    assert result.status == "skipped"
    assert result.document is None
    assert f"language {code!r} detected" in result.reason
    assert "only en is analyzed" in result.reason


def test_languages_option_admits_other_languages():
    results = read_all(
        [FIXTURES / "german_budget.html", FIXTURES / "french_greve.html"], languages=("en", "de")
    )
    assert [r.status for r in results] == ["ok", "skipped"]
    assert results[0].document.language == "de"
    assert "Bundeshaushalt" in results[0].document.text
    everything = read_all([FIXTURES / "french_greve.html"], languages=())
    assert only(everything).document.language == "fr"
    assert "Grève" in only(everything).document.title  # declared iso-8859-1, decoded


def test_html_page_without_main_text_is_skipped(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(
        "<html><head><title>App</title><script>render({'page': 1})</script></head>"
        "<body><div id='root'></div></body></html>"
    )
    result = only(read_all([page]))
    assert result.status == "skipped"
    assert "no text" in result.reason


# --------------------------------------------------------------------------------------------------------
# Plain text and encodings
# --------------------------------------------------------------------------------------------------------
def test_headline_takes_a_first_line_that_reads_as_a_title():
    """A plain-text article's title ("(no title)" for every .txt in the store and the web app before)."""
    from spinlens.text import headline

    assert headline("Florida shooting: Gun control law moves step closer\n\nNew measures ...") == (
        "Florida shooting: Gun control law moves step closer"
    )
    assert headline("\ufeff# The Truth  They Hide\r\n\r\nBody.") == "The Truth They Hide"  # Markdown, CRLF
    assert headline("Is this the end?\n \nBody.") == "Is this the end?"
    assert headline("Title\u202egnp.exe\n\nBody.") == "Title\ufffdgnp.exe"  # no direction override
    for text in (
        "One line only",
        "Title\nthe body straight after it",  # no blank line: the first line of a paragraph
        "The council voted on Monday.\n\nBody.",  # a sentence
        "America's Immigration Voice.\n\nBody.",
        "Title\n\n   \n",  # nothing after it
        "word " * 31 + "\n\nBody.",
        "2024-05-01\n\nBody.",
        "\n\nBody.",
    ):
        assert headline(text) is None, text


def test_headline_skips_a_link_byline_dateline_date_kicker_or_question():
    """What stands first in a saved article but is no title: "By Jane Doe" was the title of her article."""
    from spinlens.text import headline

    for first in (
        "https://www.example-news.com/2025/03/04/council-votes-to-close-libraries",
        "www.example.com/news",
        "By Jane Doe",
        "BY JANE DOE and John Roe, Reuters",
        "March 4, 2025",
        "Tuesday 4 March 2025",
        "Updated March 4, 2025 10:30 a.m. EST",
        "BREAKING",
        "Exclusive!",
        "LONDON (Reuters) -",
        "PARIS, March 4 (AFP)",
        "DAYTON, OH —",
        "WASHINGTON",
        "Q: Minister, why did the government cut funding for rural hospitals?",
    ):
        assert headline(first + "\n\nThe council voted on Tuesday to close three libraries.") is None, first
    for title in (
        "By the numbers: how the budget grew",
        "May Day protests turn violent",
        "The 2024 election in 10 charts",
        "Q&A: the minister on hospital cuts",
        "BREXIT CHAOS AS MPS REJECT DEAL",
    ):
        assert headline(title + "\n\nBody.") == title
    # a Markdown heading underlined, or closed with hashes; a CRLF file
    assert headline("Council closes libraries\r\n=====\r\n\r\nBody.") == "Council closes libraries"
    assert headline("Council closes libraries\n---\n\nBody.") == "Council closes libraries"
    assert headline("## Council closes libraries ##\n\nBody.") == "Council closes libraries"
    assert headline("=====\n\nBody.") is None


def test_text_file_is_stored_exactly(tmp_path):
    text = "Headline line\r\n\r\n" + ARTICLE + "\n\n  Indented second paragraph.  \n"
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode("utf-8"))
    doc = only(read_all([path])).document
    assert doc.text == text
    assert doc.title == "Headline line"  # the first line set off by a blank line; the text keeps it
    assert doc.language == "en"
    assert len(doc.id) == 16


def test_markdown_front_matter_is_metadata_not_text(tmp_path):
    """A Jekyll/Hugo article's YAML front matter was analyzed as text, with no title ("---" first)."""
    front = (
        "---\n"
        'title: "Foreign agents among us"\n'
        "author: Jane Doe\n"
        "date: 2024-03-05\n"
        "source: https://example.org/x\n"
        "layout: post\n"
        "---\n"
    )
    path = tmp_path / "a.md"
    path.write_bytes(("\ufeff\n" + front + "\n" + ARTICLE + "\n").encode("utf-8"))
    doc = only(read_all([path])).document
    assert doc.text == ARTICLE + "\n"  # offsets index what follows the block (its blank lines dropped)
    assert (doc.title, doc.author, doc.published, doc.url, doc.outlet) == (
        "Foreign agents among us",
        "Jane Doe",
        "2024-03-05",
        "https://example.org/x",
        None,
    )


def test_front_matter_quoted_values_lists_and_crlf(tmp_path):
    path = tmp_path / "b.md"
    path.write_bytes(
        (
            "---\r\n"
            "title: 'It''s a \"plot\"' # not a comment inside quotes\r\n"
            'authors: [Ann Lee, "Doe, Jane"]\r\n'
            "published: '2024-03-05T10:00:00+01:00'\r\n"
            "canonical_url: https://example.org/y\r\n"
            "source: Harbor Gazette\r\n"
            "...\r\n" + ARTICLE
        ).encode("utf-8")
    )
    doc = only(read_all([path])).document
    assert doc.text == ARTICLE
    assert (doc.title, doc.author, doc.published, doc.url, doc.outlet) == (
        'It\'s a "plot"',
        "Ann Lee, Doe, Jane",
        "2024-03-05T10:00:00+01:00",
        "https://example.org/y",
        "Harbor Gazette",  # a source that is not a URL names the outlet
    )
    items = tmp_path / "c.md"
    items.write_text("---\nauthors:\n  - Ann Lee\n  - 'Bo Park'\ntags:\n- news\n---\n" + ARTICLE)
    doc = only(read_all([items])).document
    assert (doc.text, doc.author, doc.title) == (ARTICLE, "Ann Lee, Bo Park", None)


def test_front_matter_author_as_a_mapping_gives_its_name_and_null_is_no_value(tmp_path):
    """jekyll-seo-tag's ``author:`` mapping (name, twitter, ...) was stored as the author "name: Jane Doe
    twitter: jd"; a list of such mappings, a flow mapping and YAML's null the same way ("null")."""
    cases = {
        "---\nauthor:\n  name: Jane Doe\n  twitter: jdoe\n---\n": "Jane Doe",
        "---\nauthors:\n  - name: Ann Lee\n    url: https://x.org/ann\n  - name: 'Bo Park'\n---\n": (
            "Ann Lee, Bo Park"
        ),
        "---\nauthor: {name: Jane Doe, twitter: jdoe}\n---\n": "Jane Doe",
        "---\nauthor:\n  twitter: jdoe\n---\n": None,  # a mapping without a name: no author
        "---\ntitle: T\nauthor: null\n---\n": None,
        "---\ntitle: T\nauthor: ~\n---\n": None,
        "---\ntitle: T\nauthor: 'null'\n---\n": "null",  # quoted: a string
    }
    for k, (front, author) in enumerate(cases.items()):
        path = tmp_path / f"m{k}.md"
        path.write_text(front + ARTICLE, encoding="utf-8")
        doc = only(read_all([path])).document
        assert (doc.text, doc.author) == (ARTICLE, author), front
    literal = tmp_path / "lit.md"  # a block scalar's lines are text, even when one reads "key: value"
    literal.write_text("---\ntitle: >\n  Breaking: the mayor\n  resigns\n---\n" + ARTICLE, encoding="utf-8")
    assert only(read_all([literal])).document.title == "Breaking: the mayor resigns"


def test_front_matter_without_a_title_takes_the_body_headline(tmp_path):
    body = "# Council closes three libraries\n\n" + ARTICLE
    path = tmp_path / "d.md"
    path.write_text("---\nauthor: Jane Doe\n---\n\n" + body)
    doc = only(read_all([path])).document
    assert (doc.text, doc.title, doc.author) == (body, "Council closes three libraries", "Jane Doe")


@pytest.mark.parametrize(
    "text",
    [
        "---\n\n" + ARTICLE + "\n\nResidents: angry.\n",  # a horizontal rule, prose, no closing line
        "---\nUpdate: the mayor spoke.\nThe council voted on Monday.\n---\n\n" + ARTICLE,  # prose inside
        "---\n# a heading only\n---\n\n" + ARTICLE,  # no key at all
        "Intro line.\n\n---\ntitle: x\n---\n" + ARTICLE,  # not at the start
        "---\n" + "a: b\n" * 61 + "---\n" + ARTICLE,  # closed too far down
    ],
)
def test_text_that_is_not_clearly_front_matter_is_left_as_it_is(tmp_path, text):
    path = tmp_path / "e.md"
    path.write_text(text)
    doc = only(read_all([path])).document
    assert doc.text == text
    assert doc.author is None


def test_front_matter_of_piped_text_is_metadata(monkeypatch):
    data = "---\ntitle: Piped\n---\n" + ARTICLE
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    doc = only(read_all(["-"])).document
    assert (doc.text, doc.title) == (ARTICLE, "Piped")


def test_a_file_of_front_matter_only_has_no_text(tmp_path):
    path = tmp_path / "f.md"
    path.write_text("---\ntitle: Draft\n---\n\n")
    result = only(read_all([path]))
    assert (result.status, result.document) == ("skipped", None)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        (
            "latin-1",
            "Le caf\u00e9 \u00e9tait ferm\u00e9, mais the council said the na\u00efve plan would go ahead. "
            "Residents were not consulted about the fa\u00e7ade. " * 3,
        ),
        (
            "cp1252",
            "The company\u2019s chief said \u201cwe are fine\u201d \u2014 but investors disagreed. "
            "Shares fell 12% to \u20ac41 on Tuesday\u2026 " * 3,
        ),
        (
            "utf-16",
            "The minister\u2019s plan \u2014 \u201ca fair deal\u201d \u2014 costs \u20ac5 billion. "
            "Critics called it na\u00efve. " * 3,
        ),
        ("utf-8-sig", "A UTF-8 file with a byte-order mark. The council voted to close the library. " * 2),
    ],
)
def test_text_encodings_are_detected(tmp_path, encoding, text):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    if encoding == "utf-16":
        assert path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    result = only(read_all([path]))
    assert result.status == "ok", result.reason
    assert result.document.text == text  # BOM dropped, every character decoded right


def test_windows_1250_text_is_not_mistaken_for_western(tmp_path):
    text = (
        "Rz\u0105d og\u0142osi\u0142 nowy plan w poniedzia\u0142ek. "
        "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144. "
    ) * 3
    path = tmp_path / "pl.txt"
    path.write_bytes(text.encode("cp1250"))
    result = only(read_all([path], languages=()))
    assert result.status == "ok", result.reason
    assert result.document.text == text


def test_binary_file_is_an_error(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 40)
    result = only(read_all([path]))
    assert result.status == "error"
    assert "binary" in result.reason


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_wide_text_without_a_byte_order_mark_is_read(tmp_path, encoding):
    text = "The minister said the plan would work. Critics called it naive and costly. " * 2
    path = tmp_path / "wide.txt"
    path.write_bytes(text.encode(encoding))  # no BOM
    result = only(read_all([path]))
    assert result.status == "ok", result.reason
    assert result.document.text == text


@pytest.mark.parametrize("data", [b"\x000", b"0\x00", b"The plan\x00 works, the minister said."])
def test_nul_bytes_in_a_short_or_8_bit_text_mean_binary(tmp_path, data):
    # two bytes with one NUL are also one BOM-less UTF-16 character: too little to tell, so not text
    path = tmp_path / "nul.txt"
    path.write_bytes(data)
    result = only(read_all([path], languages=()))
    assert result.status == "error" and "binary" in result.reason


def test_empty_text_file_is_skipped(tmp_path):
    path = tmp_path / "blank.md"
    path.write_text("  \n\n\t\n")
    result = only(read_all([path]))
    assert (result.status, result.document) == ("skipped", None)
    assert "no text" in result.reason


def test_20_mb_file_is_refused_by_the_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    line = (ARTICLE + "\n").encode()
    with open(path, "wb") as f:
        for _ in range(20_000_000 // len(line) + 1):
            f.write(line)
    assert path.stat().st_size > 20_000_000
    big_html = tmp_path / "huge.html"
    big_html.write_bytes(b"<html><body>" + b"<p>" + line * 300_000 + b"</p></body></html>")
    results = read_all([path, big_html, FIXTURES / "harbor_transit.html"])
    assert [r.status for r in results] == ["error", "error", "ok"]
    for r in results[:2]:
        assert "over the 5000000-byte limit (max_bytes)" in r.reason
        assert "\n" not in r.reason


def test_short_english_text_is_not_skipped_for_an_unsure_language_guess(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("Biden said no.")
    result = only(read_all([path]))
    assert result.status == "ok"


# --------------------------------------------------------------------------------------------------------
# Sources: folders, sniffing, stdin, missing paths, limits
# --------------------------------------------------------------------------------------------------------
def test_folder_is_walked_recursively_by_extension(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b" / "c.md").write_text("# Notes\n\n" + ARTICLE)
    (tmp_path / "b" / "deep" / "d.html").write_bytes((FIXTURES / "wire_port_strike.html").read_bytes())
    (tmp_path / "b" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (tmp_path / ".hidden" / "e.txt").write_text(ARTICLE)
    (tmp_path / ".f.txt").write_text(ARTICLE)
    results = read_all([tmp_path])
    assert [Path(r.source).relative_to(tmp_path).as_posix() for r in results] == [
        "a.txt",
        "b/c.md",
        "b/image.png",
        "b/deep/d.html",
    ]
    assert [r.ok for r in results] == [True, True, False, True]
    assert results[1].document.text.startswith("# Notes")
    # a file of another type is said, not dropped in silence (hidden ones are not)
    assert (results[2].status, results[2].reason) == ("skipped", "not a type read here (.png)")


def test_links_to_folders_in_a_folder_are_reported_not_followed(tmp_path):
    """(os.walk passed a linked folder over in silence; a link back up would loop if followed.)"""
    elsewhere = tmp_path / "archive"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text(ARTICLE)
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(ARTICLE)
    (folder / "archive").symlink_to(elsewhere, target_is_directory=True)
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    results = read_all([folder])
    reason = "a link to a folder, not followed; give the folder it leads to as an input of its own"
    assert [(r.source, r.status, r.reason) for r in results] == [
        (str(folder / "archive"), "skipped", reason),
        (str(folder / "a.txt"), "ok", None),
        (str(folder / "sub" / "up"), "skipped", reason),
    ]


def test_folder_extensions_are_configurable(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.text").write_text(ARTICLE)
    results = read_all([tmp_path], extensions=(".text",))
    assert [(Path(r.source).name, r.status) for r in results] == [("a.txt", "skipped"), ("b.text", "ok")]


def test_kind_is_sniffed_when_the_extension_is_unknown(tmp_path):
    page = tmp_path / "page"
    page.write_bytes((FIXTURES / "harbor_transit.html").read_bytes())
    rows = tmp_path / "rows.data"
    rows.write_text(json.dumps({"text": ARTICLE}) + "\n" + json.dumps({"text": ARTICLE + " Again."}) + "\n")
    results = read_all([page, rows, f"file://{page}"])
    assert [r.status for r in results] == ["ok"] * 4
    assert results[0].document.title == "City council approves new transit plan"
    assert results[1].document.text == ARTICLE
    assert results[3].document.title == results[0].document.title


def test_missing_path_and_bad_scheme_are_errors_and_reading_goes_on(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE)
    results = read_all([tmp_path / "nope.txt", "ftp://example.com/a.txt", good])
    assert [r.status for r in results] == ["error", "error", "ok"]
    assert results[0].reason == f"no such file or folder: {tmp_path / 'nope.txt'}"
    assert "unsupported URL scheme 'ftp'" in results[1].reason


def test_an_empty_path_is_an_error_not_the_current_folder(tmp_path, monkeypatch):
    """``Path("")`` is the current folder: an empty source read every file in it."""
    (tmp_path / "a.txt").write_text(ARTICLE)
    monkeypatch.chdir(tmp_path)
    results = read_all(["", "file://"])
    assert [r.status for r in results] == ["error", "error"]
    assert {r.reason for r in results} == {
        "an empty path names no file; give a file, a folder, a URL or - for standard input"
    }


def test_stdin_is_read_for_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode())))
    result = only(read_all(["-"]))
    assert (result.source, result.document.text) == ("-", ARTICLE)


def test_max_documents_stops_with_a_skipped_result(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(f"{ARTICLE} Number {i}.")
    results = read_all([tmp_path], max_documents=3)
    assert [r.status for r in results] == ["ok", "ok", "ok", "skipped"]
    assert "max_documents=3 reached" in results[-1].reason


def test_bad_options_are_refused():
    with pytest.raises(InputError, match="max_bytes"):
        IngestOptions(max_bytes=0)
    with pytest.raises(InputError, match="languages"):
        IngestOptions(languages="en")
    with pytest.raises(InputError, match="html_focus"):
        IngestOptions(html_focus="fast")
    assert IngestOptions(languages=("EN",)).languages == ("en",)


def test_results_and_options_are_frozen():
    options = IngestOptions()
    with pytest.raises(AttributeError):
        options.max_bytes = 1
    result = IngestResult("x", None, "error", "bad")
    with pytest.raises(AttributeError):
        result.status = "ok"
    assert (options.max_bytes, options.max_documents, options.timeout) == (5_000_000, 100_000, 10.0)
    assert (options.languages, options.title_in_text) == (("en",), False)


# --------------------------------------------------------------------------------------------------------
# JSONL, CSV, Parquet
# --------------------------------------------------------------------------------------------------------
def test_jsonl_broken_line_is_an_error_and_the_other_lines_are_read(tmp_path):
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps(
            {
                "id": "a1",
                "text": ARTICLE,
                "title": "Library",
                "url": "https://x.example/1",
                "outlet": "X",
                "published": "2024-01-02",
                "author": "Ann",
            }
        ),
        '{"id": "a2", "text": "broken',
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "a4", "body": ARTICLE}),
        json.dumps({"id": "a5", "text": 42}),
        json.dumps({"id": 6, "text": ARTICLE + " Six."}),
    ]
    path.write_text("\n".join(lines) + "\n")
    results = read_all([path])
    assert [(r.source, r.status) for r in results] == [
        (f"{path}:1", "ok"),
        (f"{path}:2", "error"),
        (f"{path}:3", "error"),
        (f"{path}:5", "error"),
        (f"{path}:6", "error"),
        (f"{path}:7", "ok"),
    ]
    assert results[1].reason.startswith("line 2: invalid JSON")
    assert results[2].reason == "line 3: expected a JSON object, got list"
    hint = "name the text field (--text-field, IngestOptions.text_field)"
    assert results[3].reason == f"line 5: no 'text' field (fields: body, id); {hint}"
    assert results[4].reason == "line 6: field 'text' is a int, not a string"
    first = results[0].document
    assert (first.id, first.title, first.url, first.outlet, first.published, first.author) == (
        "a1",
        "Library",
        "https://x.example/1",
        "X",
        "2024-01-02",
        "Ann",
    )
    assert first.text == ARTICLE
    assert results[5].document.id == "6"


def test_jsonl_custom_field_names(tmp_path):
    path = tmp_path / "rows.ndjson"
    path.write_text(
        json.dumps({"body": ARTICLE, "headline": "Library closes", "link": "https://y.example"}) + "\n"
    )
    doc = only(read_all([path], text_field="body", title_field="headline", url_field="link")).document
    assert (doc.text, doc.title, doc.url) == (ARTICLE, "Library closes", "https://y.example")
    titled = only(read_all([path], text_field="body", title_field="headline", title_in_text=True)).document
    assert titled.text == "Library closes\n\n" + ARTICLE


def test_a_list_in_a_metadata_field_is_joined_not_stored_as_python_text(tmp_path):
    """(["Ann Lee", "Bo Park"] was stored as the author "['Ann Lee', 'Bo Park']".)"""
    path = tmp_path / "rows.jsonl"
    rows = [
        {"text": ARTICLE, "author": ["Ann Lee", " Bo Park ", None, 7], "outlet": []},
        {"text": ARTICLE + " Again.", "author": [["nested"]], "title": ["Library", "closes"]},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    a, b = (r.document for r in read_all([path]))
    assert (a.author, a.outlet) == ("Ann Lee, Bo Park, 7", None)
    assert (b.author, b.title) == (None, "Library, closes")


def test_an_object_in_a_metadata_field_gives_its_name_not_python_text(tmp_path):
    """NewsAPI's ``"source": {"id": null, "name": "Reuters"}`` and schema.org's ``"author": {"@type":
    "Person", "name": ...}`` were stored as Python text ("{'id': None, 'name': 'Reuters'}"); an object
    without a name is left out, as a nested list is."""
    path = tmp_path / "rows.jsonl"
    rows = [
        {
            "text": ARTICLE,
            "source": {"id": None, "name": " Reuters "},
            "author": [{"@type": "Person", "name": "Ann Lee"}, "Bo Park", {"url": "https://x.example"}],
        },
        {"text": ARTICLE + " Again.", "source": {"id": "x"}, "author": {"name": {"first": "Ann"}}},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    a, b = (r.document for r in read_all([path], outlet_field="source"))
    assert (a.outlet, a.author) == ("Reuters", "Ann Lee, Bo Park")
    assert (b.outlet, b.author) == (None, None)


def test_jsonl_line_over_the_limit_is_an_error_for_that_line(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"text": "word " * 5000}) + "\n" + json.dumps({"text": ARTICLE}) + "\n")
    results = read_all([path], max_bytes=10_000)
    assert [r.status for r in results] == ["error", "ok"]
    assert results[0].reason == "line 1: over the 10000-byte limit (max_bytes)"
    assert results[1].source == f"{path}:2"


_WIDE_RECORDS = [
    {"id": "z1", "text": f"Zürich — “quoted” {ARTICLE}", "title": "Zürich"},
    {"id": "z2", "text": ARTICLE + " Two."},
    {"id": "z3", "text": ARTICLE + " Three 😀."},
]


def _powershell_jsonl(records: list[dict], bom: bytes, codec: str) -> bytes:
    """JSONL as Windows PowerShell 5.1 writes it (``Out-File``, ``>``): a byte-order mark, CRLF lines."""
    return bom + "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in records).encode(codec)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),  # FF FE 00 00: not read as UTF-16 LE
    ],
)
def test_utf16_or_utf32_jsonl_with_a_byte_order_mark_is_read(tmp_path, bom, codec):
    """(Every line of a Windows PowerShell export was "not UTF-8", and nothing was read.)"""
    path = tmp_path / "ps.jsonl"
    path.write_bytes(_powershell_jsonl(_WIDE_RECORDS, bom, codec))
    results = read_all([path])
    assert [(r.source, r.status) for r in results] == [(f"{path}:{i}", "ok") for i in (1, 2, 3)]
    assert [r.document.text for r in results] == [r["text"] for r in _WIDE_RECORDS]
    assert (results[0].document.id, results[0].document.title) == ("z1", "Zürich")


def test_utf16_jsonl_line_over_the_limit_or_with_a_broken_character_is_an_error_for_that_line(tmp_path):
    records = [{"text": "wörd " * 5000}, {"id": "r2", "text": ARTICLE}, {"id": "r3", "text": ARTICLE}]
    data = _powershell_jsonl(records, codecs.BOM_UTF16_LE, "utf-16-le")
    unpaired = b"\x00\xd8"  # half of a surrogate pair
    data += '{"text": "a'.encode("utf-16-le") + unpaired + '"}\r\n'.encode("utf-16-le")
    data += _powershell_jsonl([{"id": "r5", "text": ARTICLE}], b"", "utf-16-le")
    path = tmp_path / "ps.jsonl"
    path.write_bytes(data)
    results = read_all([path], max_bytes=10_000)
    assert [(r.source, r.status) for r in results] == [
        (f"{path}:1", "error"),
        (f"{path}:2", "ok"),
        (f"{path}:3", "ok"),
        (f"{path}:4", "error"),
        (f"{path}:5", "ok"),
    ]
    assert results[0].reason == "line 1: over the 10000-byte limit (max_bytes)"
    assert [r.document.id for r in results if r.ok] == ["r2", "r3", "r5"]
    assert results[3].reason == "line 4: not valid UTF-16 (a broken or cut-off character)"


def test_a_jsonl_line_that_is_not_utf8_says_how_to_convert_the_file_once(tmp_path):
    path = tmp_path / "latin.jsonl"
    lines = [json.dumps({"text": ARTICLE}), '{"text": "Le café est fermé."}', '{"text": "Déjà vu."}']
    path.write_bytes("\n".join(lines).encode("cp1252") + b"\n")
    results = read_all([path])
    assert [r.status for r in results] == ["ok", "error", "error"]
    assert results[1].reason == (
        "line 2: not UTF-8 (invalid continuation byte at byte 16): "
        "JSONL is read as UTF-8; convert the file, e.g. iconv -f WINDOWS-1252 -t UTF-8"
    )
    assert results[2].reason == "line 3: not UTF-8 (invalid continuation byte at byte 11)"


def test_jsonl_with_100k_lines_is_streamed(tmp_path):
    path = tmp_path / "many.jsonl"
    with open(path, "w") as f:
        for i in range(100_000):
            f.write(json.dumps({"id": str(i), "text": f"{ARTICLE} Item {i}."}) + "\n")
    assert path.stat().st_size > 15_000_000
    reader = DocumentReader(IngestOptions())
    results = reader.read([path])
    first = [next(results)]  # loads the language model, which is not what this test measures
    tracemalloc.start()
    try:
        first += [next(results) for _ in range(2_000)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(r.ok for r in first)
    assert peak < 3_000_000  # far below the file's size: lines are read one at a time
    count = len(first) + sum(1 for r in results if r.ok)
    assert count == 100_000


def test_csv_with_custom_field_names(tmp_path):
    path = tmp_path / "news.csv"
    rows = [
        ["uid", "headline", "body", "link", "source", "date", "byline"],
        ["n1", "Library to close", ARTICLE, "https://z.example/1", "Zeta News", "2024-05-01", "Bo Kim"],
        [
            "n2",
            "Multi-line",
            "First line of the body.\nThe council said it would reconsider.",
            "",
            "",
            "",
            "",
        ],
        ["n3", "Too few fields"],
        ["n4", "No body", "", "", "", "", ""],
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    options = dict(
        text_field="body",
        title_field="headline",
        id_field="uid",
        url_field="link",
        outlet_field="source",
        published_field="date",
        author_field="byline",
    )
    results = read_all([path], **options)
    assert [(r.source, r.status) for r in results] == [
        (f"{path}:2", "ok"),
        (f"{path}:3", "ok"),
        (f"{path}:5", "error"),
        (f"{path}:6", "skipped"),
    ]
    doc = results[0].document
    assert (doc.id, doc.title, doc.text, doc.url, doc.outlet, doc.published, doc.author) == (
        "n1",
        "Library to close",
        ARTICLE,
        "https://z.example/1",
        "Zeta News",
        "2024-05-01",
        "Bo Kim",
    )
    assert results[1].document.text == "First line of the body.\nThe council said it would reconsider."
    assert results[1].document.url is None
    assert results[2].reason == "line 5: 2 fields, but the header has 7"


def test_csv_in_windows_1252_and_without_the_text_column(tmp_path):
    path = tmp_path / "legacy.csv"
    text = "The minister\u2019s \u201creform\u201d was called na\u00efve by critics on Tuesday."
    path.write_bytes(f"text;title\n{text};R\u00e9forme\n".encode("cp1252"))
    doc = only(read_all([path], csv_delimiter=";")).document
    assert (doc.text, doc.title) == (text, "R\u00e9forme")
    other = tmp_path / "other.csv"
    other.write_text("body,title\nx,y\n")
    result = only(read_all([other]))
    assert result.status == "error"
    hint = "name the text field (--text-field, IngestOptions.text_field)"
    assert result.reason == f"{other}: no 'text' column (columns: body, title); {hint}"


def test_a_csv_separated_by_semicolons_or_tabs_is_read_with_the_default_separator(tmp_path):
    """(Excel's CSV in much of Europe: a BOM, ";" and CRLF; it was "no 'text' column", and the CLI has no
    option to name the separator.)"""
    path = tmp_path / "excel.csv"
    path.write_bytes(f'\ufeff"id";"title";"text"\r\n7;"Vote, then row";"{ARTICLE}"\r\n'.encode())
    doc = only(read_all([path])).document
    assert (doc.id, doc.title, doc.text) == ("7", "Vote, then row", ARTICLE)
    tabs = tmp_path / "tabs.csv"
    tabs.write_text(f"title\ttext\nT\t{ARTICLE}\n")
    assert only(read_all([tabs])).document.text == ARTICLE
    commas = tmp_path / "commas.csv"  # the separator named, the file's own found as well
    commas.write_text(f'id,text\n1,"{ARTICLE}"\n')
    assert only(read_all([commas], csv_delimiter=";")).document.text == ARTICLE


def test_a_csv_header_with_a_read_column_twice_is_an_error(tmp_path):
    """(Each row kept the last "text" cell only: an article in the first was lost as "no text".)"""
    path = tmp_path / "twice.csv"
    path.write_text(f'id,text,notes,text\n1,"{ARTICLE}",,\n')
    result = only(read_all([path]))
    assert (result.status, result.reason) == (
        "error",
        f"{path}: the header has the column 'text' twice; rename one of them",
    )
    path.write_text(f'id,text,notes,notes\n1,"{ARTICLE}",a,b\n')  # a column not read may repeat
    assert only(read_all([path])).document.text == ARTICLE


def test_extensions_given_as_one_string_are_refused():
    """``extensions=".txt"`` was taken as the endings ".", "t", "x", "t": ``notes.draft`` was read."""
    with pytest.raises(InputError, match=r"extensions must be a tuple of endings such as \('.txt',\)"):
        IngestOptions(extensions=".txt")


def test_a_windows_1252_csv_whose_first_64_kib_are_ascii_is_read_whole(tmp_path):
    """A late "café" failed the file after the rows read so far (and a short file's last bytes were taken
    for a UTF-8 character cut off), where a text file in windows-1252 is read."""
    rows = [f'{i},"{ARTICLE} Row {i}."' for i in range(1000)]
    rows[900] = f'900,"{ARTICLE} A caf\u00e9 owner agreed."'
    path = tmp_path / "export.csv"
    path.write_bytes(("id,text\n" + "\n".join(rows) + "\n").encode("cp1252"))
    results = read_all([path])
    assert [r.status for r in results] == ["ok"] * 1000
    assert results[900].document.text.endswith("A caf\u00e9 owner agreed.")
    short = tmp_path / "short.csv"
    short.write_bytes(f'id,text\n1,"{ARTICLE} caf\u00e9"\n'.encode("cp1252"))
    assert only(read_all([short])).document.text == f"{ARTICLE} caf\u00e9"


def test_parquet_with_custom_field_names(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import datetime as dt

    table = pa.table(
        {
            "content": [ARTICLE, None, ARTICLE + " Third."],
            "headline": ["Library", "Empty", None],
            "doc_id": [101, 102, 103],
            "when": [dt.datetime(2024, 1, 2, 3, 4), None, dt.datetime(2024, 2, 3)],
            "unused": [1.0, 2.0, 3.0],
        }
    )
    path = tmp_path / "news.parquet"
    pq.write_table(table, path, row_group_size=2)
    results = read_all(
        [path], text_field="content", title_field="headline", id_field="doc_id", published_field="when"
    )
    assert [(r.source, r.status) for r in results] == [
        (f"{path}#row=1", "ok"),
        (f"{path}#row=2", "skipped"),
        (f"{path}#row=3", "ok"),
    ]
    doc = results[0].document
    assert (doc.id, doc.title, doc.published, doc.text) == ("101", "Library", "2024-01-02T03:04:00", ARTICLE)
    missing = only(read_all([path]))
    assert missing.status == "error"
    assert "no 'text' column" in missing.reason


def test_parquet_text_stored_as_binary_is_read_as_utf8(tmp_path):
    """(A string column written without its UTF8 annotation, as older Spark and Hive do, made every row
    "field 'text' is a bytes, not a string".)"""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "binary.parquet"
    texts = [ARTICLE.encode(), b"caf\xe9 " + ARTICLE.encode()]
    pq.write_table(pa.table({"id": ["a", "b"], "text": pa.array(texts, pa.binary())}), path)
    ok, bad = read_all([path])
    assert (ok.status, ok.document.text) == ("ok", ARTICLE)
    assert (bad.status, bad.reason) == (
        "error",
        "row 2: field 'text' holds bytes that are not UTF-8 (invalid continuation byte)",
    )


def test_corrupt_parquet_is_an_error(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    result = only(read_all([path]))
    assert result.status == "error"
    assert "not a readable Parquet file" in result.reason


# --------------------------------------------------------------------------------------------------------
# WARC
# --------------------------------------------------------------------------------------------------------
def _write_warc(path: Path, gzipped: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "spinlens-tests"}))

        def response(uri, status, content_type, body):
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)

        request_headers = StatusAndHeaders(
            "GET /a HTTP/1.1", [("Host", "news.example")], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record("https://news.example/a", "request", http_headers=request_headers)
        )
        response(
            "https://news.example/a",
            "200 OK",
            "text/html; charset=utf-8",
            (FIXTURES / "harbor_transit.html").read_bytes(),
        )
        response("https://news.example/gone", "404 Not Found", "text/html", b"<html>Not found</html>")
        response("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(50))
        response(
            "https://news.example/b",
            "200 OK",
            "text/html; charset=windows-1252",
            (FIXTURES / "election_results.html").read_bytes(),
        )


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_html_responses_become_documents(tmp_path, name):
    path = tmp_path / name
    _write_warc(path, gzipped=name.endswith(".gz"))
    results = read_all([path])
    assert [(r.source, r.status) for r in results] == [
        (f"{path}#https://news.example/a", "ok"),
        (f"{path}#https://news.example/gone", "skipped"),
        (f"{path}#https://news.example/logo.png", "skipped"),
        (f"{path}#https://news.example/b", "ok"),
    ]
    doc = results[0].document
    assert doc.url == "https://news.example/a"
    assert doc.title == "City council approves new transit plan"
    assert "Related stories" not in doc.text
    assert results[1].reason == "HTTP 404 response in the WARC"
    assert results[2].reason == "content type image/png is not HTML or text"
    assert "Tuesday\u2019s mayoral runoff" in results[3].document.text


def test_truncated_warc_keeps_earlier_documents_and_reports_the_rest(tmp_path):
    path = tmp_path / "cut.warc.gz"
    _write_warc(path, gzipped=True)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.8)])
    results = read_all([path])
    assert [r.status for r in results] == ["ok", "skipped", "skipped", "error"]
    assert results[-1].source == f"{path}#https://news.example/b"
    assert results[-1].reason == "WARC record is cut short (truncated file?)"


def test_an_uncompressed_warc_cut_inside_a_records_headers_is_reported(tmp_path):
    """(warcio stops quietly when the file ends inside a record's WARC headers: that record vanished.)"""
    path = tmp_path / "cut.warc"
    _write_warc(path, gzipped=False)
    data = path.read_bytes()
    last = data.rfind(b"WARC/1.")  # the start of the last record (news.example/b)
    path.write_bytes(data[: last + 120])  # inside its WARC headers (60: warcio raises, reported already)
    results = read_all([path])
    assert [r.status for r in results] == ["ok", "skipped", "skipped", "error"]
    assert results[-1].source == f"{path}#end"
    assert results[-1].reason.startswith("the file ends inside a record's headers after record ")
    # cut in the last header lines (Content-Length cut to nothing) or the HTTP headers: "skipped" before
    end = data.find(b"\r\n\r\n", last)
    for cut in (end - 5, end + 30):
        path.write_bytes(data[:cut])
        assert read_all([path])[-1].reason == "WARC record is cut short (truncated file?)", cut
    path.write_bytes(data + b"\r\n\r\n")  # blank lines after the last record are no cut
    assert [r.status for r in read_all([path])] == ["ok", "skipped", "skipped", "ok"]


def test_not_a_warc_is_an_error(tmp_path):
    path = tmp_path / "junk.warc.gz"
    path.write_bytes(gzip.compress(b"this is not a WARC file at all\n" * 10))
    result = only(read_all([path]))
    assert result.status == "error"
    assert "WARC" in result.reason


# --------------------------------------------------------------------------------------------------------
# URLs against a real HTTP server on the loopback interface
# --------------------------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status, body, content_type="text/html; charset=utf-8", length=True):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/article":
            self._send(200, (FIXTURES / "wire_port_strike.html").read_bytes())
        elif self.path == "/plain":
            self._send(200, ARTICLE.encode("utf-16"), "text/plain; charset=utf-16")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/article")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/error":
            self._send(500, b"<html>Internal error</html>")
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, b"<html><p>late</p></html>")
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b"<p>" + b"x" * 1000 + b"</p>")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif self.path == "/trickle-headers":  # each byte well within the socket timeout, the whole far over
            self.close_connection = True
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for byte in b"X-Slow: " + b"a" * 60 + b"\r\n\r\n<p>late</p>":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif self.path == "/huge":
            self._send(200, b"<p>" + b"y" * 300_000 + b"</p>")
        elif self.path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"z" * 10_000)
            except OSError:
                pass
        elif self.path in ("/gzipped", "/gzip-bomb", "/brotli"):  # sent encoded though not asked for
            page = (FIXTURES / "wire_port_strike.html").read_bytes()
            body = gzip.compress(page if self.path == "/gzipped" else b"<p>" + b" " * 300_000)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "br" if self.path == "/brotli" else "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")
        else:
            self._send(404, b"<html>Not found</html>")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that gave up (timeout, size cap)
        pass


@pytest.fixture
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    _Handler.seen_agents = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_200_html_becomes_a_document(server):
    result = only(read_all([f"{server}/article"]))
    assert result.status == "ok", result.reason
    doc = result.document
    assert doc.url == f"{server}/article"
    assert doc.title == "Dockworkers strike shuts three Gulf Coast ports"
    assert "Recommended" not in doc.text
    assert _Handler.seen_agents == [user_agent()]
    assert user_agent().startswith("spinlens/") and user_agent().endswith(" (+https://github.com/spinlens)")


def test_url_redirect_reports_the_final_url(server):
    doc = only(read_all([f"{server}/moved"])).document
    assert doc.url == f"{server}/article"


def test_url_plain_text_is_decoded_by_its_charset(server):
    doc = only(read_all([f"{server}/plain"])).document
    assert doc.text == ARTICLE


@pytest.mark.parametrize(("path", "reason"), [("/missing", "HTTP 404 Not Found"), ("/error", "HTTP 500")])
def test_url_http_errors_are_reported(server, path, reason):
    result = only(read_all([f"{server}{path}"]))
    assert result.status == "error"
    assert result.reason.startswith(reason)
    assert result.reason.endswith(f"for {server}{path}")


@pytest.mark.parametrize("path", ["/slow", "/trickle", "/trickle-headers"])
def test_url_slower_than_the_timeout_is_an_error(server, path):
    started = time.monotonic()
    result = only(read_all([f"{server}{path}"], timeout=0.5))
    assert time.monotonic() - started < 2.5
    assert result.status == "error"
    assert result.reason == f"timed out after 0.5 s fetching {server}{path} (timeout)"


@pytest.mark.parametrize("path", ["/huge", "/huge-chunked"])
def test_url_body_over_the_size_limit_is_an_error(server, path):
    result = only(read_all([f"{server}{path}"], max_bytes=100_000))
    assert result.status == "error"
    assert "over the 100000-byte limit (max_bytes)" in result.reason


def test_url_sent_gzip_encoded_is_decompressed_within_the_size_limit(server):
    """(A gzipped page was "a binary file, not text"; its decompressed size counts against max_bytes.)"""
    doc = only(read_all([f"{server}/gzipped"])).document
    assert doc.title == "Dockworkers strike shuts three Gulf Coast ports"
    bomb = only(read_all([f"{server}/gzip-bomb"], max_bytes=100_000))
    assert bomb.reason == f"{server}/gzip-bomb is over the 100000-byte limit (max_bytes) once decompressed"
    brotli = only(read_all([f"{server}/brotli"]))
    assert (
        brotli.reason == f"{server}/brotli is sent with Content-Encoding 'br', which spinlens cannot decode"
    )


def test_a_gzip_encoded_body_cut_short_is_an_error_not_part_of_a_page():
    """(A gzip or deflate body that stops before its end, a connection closed early without a length, was
    taken as the whole page: the text decompressed so far was analyzed.)"""
    import zlib

    from spinlens.ingest._fetch import _decoded

    page = b"<p>" + b"The traitors lied again. " * 400 + b"</p>"
    whole = gzip.compress(page)
    assert _decoded(whole, "gzip", "u", 100_000) == page
    assert _decoded(b"", "gzip", "u", 100_000) == b""  # no body at all (a 204, a HEAD-like answer)
    for body, coding in ((whole[: len(whole) // 2], "gzip"), (zlib.compress(page)[:-30], "deflate")):
        with pytest.raises(InputError, match=f"^cannot fetch u: broken or truncated {coding} data"):
            _decoded(body, coding, "u", 100_000)


def test_url_with_a_non_text_type_is_an_error(server):
    result = only(read_all([f"{server}/image"]))
    assert result.reason == f"{server}/image is image/png, not HTML or plain text"


def test_unreachable_url_is_an_error_and_reading_goes_on(server):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    results = read_all([f"http://127.0.0.1:{closed_port}/x", f"{server}/article"])
    assert [r.status for r in results] == ["error", "ok"]
    assert results[0].reason.startswith(f"cannot fetch http://127.0.0.1:{closed_port}/x")


def test_fetch_is_injectable():
    pages = {"https://news.example/1": (FIXTURES / "solar_subsidy.html").read_bytes()}
    calls = []

    def fetch(url, *, timeout, max_bytes, user_agent):
        calls.append((url, timeout, max_bytes, user_agent))
        if url not in pages:
            raise ConnectionError("no route to host")
        return FetchResponse(url=url, status=200, body=pages[url], content_type="text/html")

    results = read_all(["https://news.example/1", "https://news.example/2"], fetch=fetch, timeout=3)
    assert [r.status for r in results] == ["ok", "error"]
    assert results[0].document.title == "Senate panel backs solar subsidy extension"
    assert results[1].reason == "cannot fetch https://news.example/2: ConnectionError: no route to host"
    assert calls[0][1:] == (3, 5_000_000, user_agent())


def test_default_fetch_returns_http_errors_as_responses(server):
    response = fetch_url(f"{server}/missing", timeout=5, max_bytes=1000, user_agent="t")
    assert (response.status, response.body) == (404, b"")


# --------------------------------------------------------------------------------------------------------
# Properties: arbitrary input never raises, offsets stay valid
# --------------------------------------------------------------------------------------------------------
_READER = DocumentReader(IngestOptions(languages=()))
_TITLED_READER = DocumentReader(IngestOptions(languages=(), title_in_text=True))
_PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_offsets(text: str) -> None:
    for start, end in sentences(text) + paragraphs(text):
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip()


def _read_bytes(data: bytes, name: str) -> list[IngestResult]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return list(_READER.read([str(path)]))


@_PROPS
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_from_the_text_reader(data):
    for result in _read_bytes(data, "x.txt"):
        assert result.status in ("ok", "skipped", "error")
        assert (result.document is not None) == (result.status == "ok")
        if result.ok:
            _check_offsets(result.document.text)
        else:
            assert result.reason and "\n" not in result.reason


@_PROPS
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_from_the_html_reader(data):
    for result in _read_bytes(b"<html><body><p>" + data, "x.html") + _read_bytes(data, "y.html"):
        assert result.status in ("ok", "skipped", "error")
        if result.ok:
            _check_offsets(result.document.text)


@_PROPS
@given(st.text(max_size=2000).filter(lambda t: t.strip()))
def test_text_is_stored_exactly_as_given(text):
    # ``Document.text`` is the file's text, character for character, so offsets into the source hold
    (result,) = _read_bytes(text.encode("utf-8"), "x.txt")
    if result.ok:
        assert result.document.text == text
        _check_offsets(result.document.text)
    else:
        assert result.status == "error" and "binary" in result.reason  # control characters


_WORDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)


@_PROPS
@given(st.lists(_WORDS, min_size=1, max_size=8), _WORDS)
def test_html_text_offsets_stay_valid_with_and_without_the_title(paras, title):
    import html

    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    page = (
        f"<html><head><title>{html.escape(title)}</title></head><body><article>{body}</article></body></html>"
    )
    (plain,) = _read_bytes(page.encode("utf-8"), "p.html")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.html"
        path.write_bytes(page.encode("utf-8"))
        (titled,) = list(_TITLED_READER.read([str(path)]))
    assert plain.status == titled.status
    if plain.ok:
        _check_offsets(plain.document.text)
        _check_offsets(titled.document.text)
        prefix = f"{plain.document.title}\n\n" if plain.document.title else ""
        assert titled.document.text == prefix + plain.document.text


def test_html_declaring_a_non_text_codec_is_still_decoded(tmp_path):
    page = tmp_path / "odd.html"
    page.write_bytes(
        b'<html><head><meta charset="base64"><title>Odd</title></head><body><article><p>'
        + ARTICLE.encode()
        + b"</p></article></body></html>"
    )
    result = only(read_all([page]))
    assert result.status == "ok", result.reason
    assert result.document.text == ARTICLE


def test_fetch_returning_the_wrong_type_is_an_error():
    result = only(read_all(["https://news.example/x"], fetch=lambda url, **kw: b"<html></html>"))
    assert result.reason == "the fetch function returned bytes, not a FetchResponse"


def test_unreadable_subfolder_is_reported(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read any folder")
    (tmp_path / "a.txt").write_text(ARTICLE)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        results = read_all([tmp_path])
    finally:
        locked.chmod(0o755)
    assert [r.status for r in results] == ["ok", "error"]
    assert results[1].source == str(locked)


def test_valid_utf8_beats_a_single_byte_charset_label():
    from spinlens.ingest._decode import decode_bytes

    assert decode_bytes("Café naïve —".encode(), declared="iso-8859-1") == "Café naïve —"
    assert decode_bytes("Café naïve".encode("cp1252"), declared="iso-8859-1") == "Café naïve"
    # windows-1252 text that is valid UTF-8 by chance keeps its label (no mojibake under it)
    assert decode_bytes("Welcome to CAFÉ’S".encode("cp1252"), declared="windows-1252") == "Welcome to CAFÉ’S"
    assert decode_bytes("groß“".encode("cp1252"), declared="iso-8859-1") == "groß“"


def test_a_named_pipe_is_refused_not_read(tmp_path):
    import os

    from spinlens.ingest import DocumentReader

    folder = tmp_path / "news"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    (folder / "a.txt").write_text("The corrupt traitors lied to all of us again and again.", encoding="utf-8")
    results = list(DocumentReader().read([str(folder / "pipe.txt"), str(folder)]))
    assert results[0].status == "error" and "not a regular file" in results[0].reason
    assert sorted(r.status for r in results[1:]) == ["error", "ok"]  # the folder: the text and the pipe


def test_a_gzip_warc_cut_inside_its_last_member_is_reported(tmp_path):
    path = tmp_path / "cut.warc.gz"
    _write_warc(path, gzipped=True)
    data = path.read_bytes()
    for cut in (8, 300):  # inside the last record's gzip member: warcio itself stops without a word
        path.write_bytes(data[:-cut])
        results = read_all([path])
        assert results[-1].status == "error" and "truncated" in (results[-1].reason or ""), cut
    path.write_bytes(data)
    assert all(r.status != "error" for r in read_all([path]))


# --------------------------------------------------------------------------------------------------------
# Gzipped JSONL and JSONL on standard input: streamed record by record
# --------------------------------------------------------------------------------------------------------
def _jsonl(n: int, start: int = 0) -> bytes:
    return "".join(
        json.dumps({"id": f"r{i}", "text": f"{ARTICLE} Item {i}."}) + "\n" for i in range(start, n)
    ).encode()


def test_gzipped_jsonl_is_read_in_a_folder_by_name_and_by_its_bytes(tmp_path):
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.jsonl.gz").write_bytes(gzip.compress(_jsonl(3)))
    (tmp_path / "news" / "b.ndjson.gz").write_bytes(gzip.compress(_jsonl(5, 3)))
    results = read_all([tmp_path / "news"])
    assert [r.document.id for r in results] == [f"r{i}" for i in range(5)]
    assert results[0].source == f"{tmp_path / 'news' / 'a.jsonl.gz'}:1"
    assert results[0].document.text == f"{ARTICLE} Item 0."
    plain_name = tmp_path / "export.gz"  # no known ending: the gzip's first bytes tell
    plain_name.write_bytes(gzip.compress(_jsonl(2)))
    assert [r.document.id for r in read_all([plain_name])] == ["r0", "r1"]


def test_a_truncated_or_fake_gzipped_jsonl_keeps_the_records_before_and_names_the_problem(tmp_path):
    data = gzip.compress(_jsonl(2000))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    results = read_all([cut])
    assert all(r.ok for r in results[:-1]) and len(results) > 100
    assert results[-1].status == "error"
    assert results[-1].reason.startswith(
        f"{cut}: broken or truncated gzip data after record {len(results) - 1}"
    )
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(_jsonl(2))
    result = only(read_all([fake]))
    assert result.status == "error" and "Not a gzipped file" in result.reason


def test_jsonl_on_standard_input_is_read_record_by_record(monkeypatch):
    long_first = {"id": "long", "text": ARTICLE + " More." * 2000}  # longer than the sniffed head
    data = (json.dumps(long_first) + "\n").encode() + _jsonl(3) + b"{broken\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    results = read_all(["-"])
    assert [(r.source, r.status) for r in results] == [
        ("-:1", "ok"),
        ("-:2", "ok"),
        ("-:3", "ok"),
        ("-:4", "ok"),
        ("-:5", "error"),
    ]
    assert results[0].document.text == long_first["text"]
    assert [r.document.id for r in results[1:4]] == ["r0", "r1", "r2"]
    assert results[4].reason.startswith("line 5: invalid JSON")


def test_utf16_jsonl_gzipped_on_standard_input_or_without_a_known_extension_is_read(tmp_path, monkeypatch):
    data = _powershell_jsonl(_WIDE_RECORDS, codecs.BOM_UTF16_LE, "utf-16-le")
    texts = [r["text"] for r in _WIDE_RECORDS]
    gz = tmp_path / "ps.jsonl.gz"
    gz.write_bytes(gzip.compress(data))
    plain = tmp_path / "export.out"  # no known ending: the first bytes, past the byte-order mark, tell
    plain.write_bytes(data)
    for path in (gz, plain):
        results = read_all([path])
        assert [(r.source, r.document.text) for r in results] == [
            (f"{path}:{i + 1}", t) for i, t in enumerate(texts)
        ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    results = read_all(["-"])
    assert [(r.source, r.document.text) for r in results] == [(f"-:{i + 1}", t) for i, t in enumerate(texts)]


def test_a_line_over_the_limit_on_standard_input_is_an_error_for_that_line(monkeypatch):
    data = (json.dumps({"text": ARTICLE + " More." * 2000}) + "\n").encode() + _jsonl(2)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    results = read_all(["-"], max_bytes=5_000)
    assert [(r.source, r.status) for r in results] == [("-:1", "error"), ("-:2", "ok"), ("-:3", "ok")]
    assert results[0].reason == "line 1: over the 5000-byte limit (max_bytes)"
