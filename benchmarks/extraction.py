"""How well the HTML reader keeps article text and drops boilerplate.

Builds 20 news pages from article paragraphs written for this benchmark, each wrapped in a different mix
of boilerplate (navigation, cookie banners, bylines, share buttons, ads, in-article "read more" links,
related stories, newsletters, comments, footers, page layouts), runs them through
``spinlens.ingest.iter_documents`` and measures, sentence by sentence:

- kept: the share of article sentences found in ``Document.text`` (target >= 95%);
- leaked: the share of boilerplate sentences found in ``Document.text`` (target < 5%).

A boilerplate string of three words or more leaks when it occurs in the text; a shorter one (a menu item,
"Advertisement") leaks when a whole line of the text is that string. Metadata is scored too: title,
author, date and outlet equal to what the page states.

Usage::

    PYTHONPATH=src python benchmarks/extraction.py [--write benchmarks/RESULTS_ingest.md]
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from spinlens.ingest import DocumentReader, IngestOptions

# ---------------------------------------------------------------------------------------------------------
# Articles: (headline, author, date, outlet, paragraphs). Written for this benchmark.
# ---------------------------------------------------------------------------------------------------------
ARTICLES = [
    (
        "Water utility to replace 9,000 lead pipes by 2028",
        "Hannah Brooks",
        "2024-02-19",
        "Riverside Post",
        [
            "The city water utility will replace about 9,000 lead service lines over the next four years, "
            "officials said on Monday. The work will be paid for with a mix of federal grants and a "
            "small increase in monthly bills.",
            "Lead pipes were common in homes built before 1950. They can leach the metal into drinking "
            "water, especially when the water chemistry changes.",
            "Utility director Marcus Webb said crews would start in neighbourhoods with the most young "
            "children. Residents will be notified by letter at least two weeks before work begins on "
            "their street.",
            "The average household bill will rise by about three dollars a month. The utility board "
            "approved the increase by a vote of five to one.",
            "Homeowners who have already paid to replace their own pipes may apply for a partial refund. "
            "Applications open in April.",
        ],
    ),
    (
        "Regional airline cancels winter flights to island airports",
        "Tomás Ferreira",
        "2023-10-05",
        "Coastal Times",
        [
            "Harbor Air will suspend its flights to three island airports from December to March, the "
            "airline announced on Thursday. The company blamed a shortage of pilots and rising fuel costs.",
            "Island business owners said the decision would hurt tourism during the holiday season. "
            '"We depend on those flights to bring visitors in the quiet months," said hotel manager '
            "Carla Dunn.",
            "The airline said passengers with existing bookings would receive full refunds. It offered "
            "seats on ferry connections at a discount for the same dates.",
            "State transport officials said they were reviewing whether the suspension breaks the "
            "airline's subsidy agreement. The agreement requires at least two daily flights all year.",
            "Harbor Air expects to resume the routes in April if it can hire enough pilots.",
        ],
    ),
    (
        "Hospital nurses approve new contract after two-day strike",
        "Grace Liu",
        "2024-05-28",
        "Metro Ledger",
        [
            "Nurses at St. Anne's Hospital voted on Tuesday to approve a three-year contract, ending a "
            "dispute that led to a two-day strike earlier this month.",
            "The agreement raises wages by 18 percent over three years. It also sets limits on the number "
            "of patients each nurse can be assigned in intensive care.",
            "Union representative Denise Carter said staffing had been the main issue for members. "
            '"Pay matters, but safe staffing was the line we would not cross," she said.',
            "Hospital management said the contract would cost about 40 million dollars. A spokesman said "
            "the hospital would fund it partly by reducing its use of agency nurses.",
            "About 1,100 nurses are covered by the agreement. Eighty-seven percent of those who voted "
            "supported it.",
        ],
    ),
    (
        "Scientists find microplastics in remote mountain lake",
        "Oliver Grant",
        "2023-07-12",
        "Science Daily Review",
        [
            "Researchers have found microplastic particles in a lake more than 3,000 metres above sea "
            "level, far from any road or town.",
            "The team collected water and sediment samples from Lake Aster over two summers. Every sample "
            "contained fibres or fragments smaller than five millimetres.",
            "Lead author Dr. Mei Tanaka said the particles most likely arrived through the air. Wind can "
            "carry tiny pieces of plastic hundreds of kilometres before they settle.",
            "The study did not measure the effect on fish or insects in the lake. The researchers plan to "
            "return next year to study the food chain.",
            "Other scientists said the findings matched results from remote sites in Europe and Asia.",
        ],
    ),
    (
        "School district adds later start times for high schools",
        "Rebecca Moss",
        "2024-01-09",
        "Valley Courier",
        [
            "High schools in the Pine Ridge district will start classes at 8:45 a.m. next autumn, almost "
            "an hour later than now, after the school board approved the change on Monday night.",
            "Board members cited research showing that teenagers sleep better and perform better in class "
            "when school starts later in the morning.",
            "Some parents objected that the change would make it harder to arrange childcare for younger "
            "siblings. The district said it would expand its before-school programmes to help.",
            "Bus routes will be redesigned over the summer. Elementary schools will keep their current "
            "start time of 8 a.m.",
            "The district will publish a survey of students and families at the end of the first year.",
        ],
    ),
    (
        "Farmers brace for smaller harvest after dry spring",
        "Samuel Okoye",
        "2023-06-22",
        "Prairie Farmer Weekly",
        [
            "Wheat farmers across the northern plains expect a smaller harvest this year after the driest "
            "spring in more than two decades.",
            "Rainfall from March to May was less than half the usual amount, according to the state "
            "climate office. Soil moisture is now at its lowest level since 2002.",
            "Agronomist Laura Petersen said some fields had already been abandoned. Others could still "
            "recover if rain arrives in the next three weeks.",
            "Prices for wheat futures rose by six percent this month as traders reacted to the forecasts. "
            "Bakers said they expected flour costs to rise later in the year.",
            "The state agriculture department has asked the federal government for disaster assistance "
            "for 14 counties.",
        ],
    ),
    (
        "Museum returns ancient bronze statue to Greece",
        "Elena Vasquez",
        "2024-09-03",
        "Culture Desk",
        [
            "The Hartwell Museum has returned a bronze statue of a young athlete to Greece, more than fifty "
            "years after it was smuggled out of the country.",
            "Investigators found that the statue had been taken from an excavation site in the 1960s. It "
            "was sold through a dealer in Switzerland before the museum bought it in 1974.",
            'Museum director Paul Lindqvist said the return was the right decision. "We should have asked '
            'harder questions when the statue was acquired," he said.',
            "Greek officials thanked the museum and said the statue would go on display in Athens next "
            "year. The museum will receive a long-term loan of other objects in exchange.",
            "Several American museums have returned antiquities in recent years after investigations into "
            "their origins.",
        ],
    ),
    (
        "Council votes to ban new drive-through restaurants downtown",
        "Kevin Marshall",
        "2023-11-30",
        "City Beat",
        [
            "The city council voted seven to four on Wednesday to ban new drive-through restaurants in the "
            "downtown area.",
            "Supporters said drive-throughs create traffic queues and make streets less safe for people on "
            "foot. Existing drive-throughs will be allowed to stay open.",
            "Restaurant owners said the ban would drive business to the suburbs. The local chamber of "
            'commerce called the decision "a solution in search of a problem."',
            "Council member Ana Ruiz, who proposed the ban, said it would encourage buildings with shops "
            "and homes instead of parking lots.",
            "The ban takes effect in sixty days. Projects that have already received permits are exempt.",
        ],
    ),
    (
        "Volunteers count record number of migrating hawks",
        "Ruth Ellison",
        "2023-10-17",
        "Outdoor Journal",
        [
            "Volunteers at the Eagle Crest lookout counted more than 25,000 hawks on a single day last "
            "week, the highest number since records began in 1975.",
            "Most of the birds were broad-winged hawks. They migrate in large groups from Canada to South "
            "America every autumn.",
            "Count coordinator Mike Albers said the strong northwest winds pushed the birds toward the "
            "ridge. Hundreds of visitors came to watch the flights.",
            "Long-term counts help scientists track changes in bird populations. Some species have declined "
            "sharply over the past fifty years.",
            "The lookout is open to the public every day until the end of November.",
        ],
    ),
    (
        "Minister defends plan to merge regional police forces",
        "Fiona Campbell",
        "2024-03-26",
        "National Herald",
        [
            "The interior minister on Tuesday defended a plan to merge twelve regional police forces into "
            "four, saying it would save money and improve investigations.",
            "Critics argued that the change would weaken links between officers and local communities. "
            "Several mayors have written to the minister asking for the plan to be delayed.",
            'The minister said the merged forces would keep local stations open. "No town will lose its '
            'police station because of this reform," she told parliament.',
            "Police unions are divided. One union supports the plan, while another said it had not been "
            "consulted properly.",
            "Parliament is expected to vote on the proposal before the summer recess.",
        ],
    ),
]

# ---------------------------------------------------------------------------------------------------------
# Boilerplate parts. Every visible string in them counts as boilerplate.
# ---------------------------------------------------------------------------------------------------------
COOKIE = [
    '<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience and to '
    "show you personalised advertising.</p><button>Accept all</button> <button>Reject all</button></div>",
    '<div class="cc-window cc-banner" role="dialog"><span class="cc-message">This website uses cookies to '
    'ensure you get the best experience on our website.</span> <a class="cc-btn">Got it!</a></div>',
    '<div class="gdpr-overlay" role="dialog" aria-label="Privacy"><h2>Your privacy matters to us</h2>'
    "<p>We and our 312 partners store and access information on your device.</p>"
    "<button>I agree</button><button>Manage preferences</button></div>",
    '<section class="consent-notice"><p>By continuing to browse this site you agree to our use of '
    'cookies.</p><a href="/cookies">Read our cookie policy</a></section>',
]
NAV = [
    '<header><nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
    '<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li>'
    '<li><a href="/opinion">Opinion</a></li></ul></nav></header>',
    '<div class="menu"><a href="/local">Local</a> | <a href="/politics">Politics</a> | '
    '<a href="/weather">Weather</a> | <a href="/puzzles">Puzzles</a> | <a href="/obits">Obituaries</a></div>',
    '<table class="hdr" width="100%"><tr><td><a href="/">Front page</a></td><td><a href="/world">World</a>'
    ' <a href="/money">Money</a> <a href="/health">Health</a> <a href="/travel">Travel</a></td></tr></table>',
    '<nav id="site-nav"><ul><li><a href="/news">News</a><ul><li><a href="/news/uk">UK news</a></li>'
    '<li><a href="/news/world">World news</a></li></ul></li><li><a href="/culture">Culture</a></li>'
    '<li><a href="/lifestyle">Lifestyle</a></li></ul><form><input placeholder="Search"></form></nav>',
]
TOPBAR = [
    '<div class="top-bar"><a href="/subscribe">Subscribe from just one dollar a week</a> '
    '<a href="/login">Sign in</a></div>',
    '<div class="breaking-ticker">Live updates: Markets open lower as oil prices climb</div>',
    "",
]
SHARE = [
    '<div class="share-buttons"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> '
    '<a href="#">Email this article</a></div>',
    '<ul class="social"><li><a href="#">Tweet</a></li><li><a href="#">Share</a></li>'
    '<li><a href="#">Print</a></li><li><a href="#">Gift this article to a friend</a></li></ul>',
    '<div class="social-share"><span>Share this story with your friends and family</span> '
    '<a href="#">WhatsApp</a> <a href="#">Copy link</a></div>',
]
AD_INLINE = [
    '<div class="ad-slot inline">Advertisement</div>',
    '<div class="ad-container"><span class="ad-label">Advertisement - story continues below</span></div>',
    '<aside class="sponsored">Sponsored: Refinance your home today with Valley Credit Union</aside>',
]
READ_MORE = [
    '<p class="read-more">Read more: <a href="/x1">Why prices keep rising at the grocery store</a></p>',
    '<div class="inline-related"><h4>Related coverage</h4><ul><li><a href="/x2">Five things to know '
    'before the vote</a></li><li><a href="/x3">Timeline of the dispute so far</a></li></ul></div>',
    "",
]
NEWSLETTER = [
    '<div class="newsletter-signup"><h3>Get the morning briefing</h3><p>Sign up to our newsletter for the '
    'top stories every weekday.</p><input type="email" placeholder="Your email">'
    "<button>Sign up</button></div>",
    '<div class="promo-box">Support local journalism. <a href="/subscribe">Subscribe today for unlimited '
    "digital access.</a></div>",
    "",
]
RELATED = [
    '<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Bus fares to rise next year '
    'across the region</a></li><li><a href="/b">Mayor unveils budget proposal for the new year</a></li>'
    "</ul></aside>",
    '<section class="more-stories"><h2>More from this section</h2><div class="card"><a href="/c">'
    "<h3>Utilities "
    "ask regulators for higher rates</h3><p>Customers could pay eight percent more next summer.</p></a></div>"
    '<div class="card"><a href="/d"><h3>Offshore wind lease sale draws record bids</h3></a></div></section>',
    '<div class="sidebar"><h3>Most read</h3><ol><li><a href="/1">Celebrity chef opens restaurant in old '
    'railway station</a></li><li><a href="/2">Ten best walks in the hills this winter</a></li></ol></div>',
    '<div class="taboola-widget"><h4>Around the web</h4><a href="#">Doctors are stunned by this one simple '
    'trick for better sleep</a> <a href="#">You will not believe what these child stars look like now</a>'
    "</div>",
]
COMMENTS = [
    '<section id="comments" class="comments"><h3>Comments (2)</h3><div class="comment"><p>JohnD: Finally, '
    'about time they did something about this.</p></div><div class="comment"><p>Sk8r: What a waste of '
    "money, nobody asked for this anyway.</p></div></section>",
    '<ol class="commentlist"><li class="comment"><cite class="fn">retiredteacher</cite><p>Spot on. I have '
    'watched this happen for twenty years.</p></li><li class="comment"><cite class="fn">taxpayer99</cite>'
    "<p>Maybe they should spend less on administrators first.</p></li></ol>",
    '<div id="disqus_thread"><h3>Join the conversation</h3><div class="post-message"><p>Thoughts are with '
    'everyone affected by this tonight.</p></div><div class="post-message"><p>Same story every single '
    "year and nobody in charge does anything.</p></div></div>",
    "",
]
FOOTER = [
    '<footer><p>© 2024 The Daily Example. All rights reserved.</p><a href="/contact">Contact us</a> '
    '<a href="/terms">Terms of use</a> <a href="/privacy">Privacy policy</a></footer>',
    '<div class="site-footer"><p>This newspaper is part of Dales Media Group, registered in England and '
    'Wales.</p><p><a href="/about">About us</a> <a href="/careers">Careers</a></p></div>',
    '<footer class="fat-footer"><div class="col"><h4>Sections</h4><a href="/n">News</a> <a href="/s">Sport'
    '</a></div><div class="col"><h4>Company</h4><a href="/ethics">Ethics policy</a> <a href="/advertise">'
    "Advertise with us</a></div><p>All quotes delayed a minimum of fifteen minutes.</p></footer>",
]
TAGS = [
    '<div class="tags">Topics: <a href="/t/a">Local government</a> <a href="/t/b">Budget</a></div>',
    "",
]


def _byline(style: int, author: str, date: str) -> str:
    if style == 0:
        return f'<p class="byline">By {author}</p>'
    if style == 1:
        return (
            f'<div class="meta"><span class="author">By <a href="/authors/x">{author}</a></span> '
            f'<time datetime="{date}T08:00:00Z">{date}</time></div>'
        )
    if style == 2:
        return f'<address class="author"><a rel="author" href="/a">{author}</a></address>'
    return f'<div class="byline-block">By {author} | Updated {date}</div>'


def _head(title: str, author: str, date: str, outlet: str, style: int) -> str:
    esc = html.escape
    if style == 0:
        meta = (
            f'<meta property="og:site_name" content="{esc(outlet)}">'
            f'<meta name="author" content="{esc(author)}">'
            f'<meta property="article:published_time" content="{date}T08:00:00Z">'
        )
    else:
        meta = (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
            f'"headline": "{esc(title)}", "datePublished": "{date}T08:00:00Z", '
            f'"author": {{"@type": "Person", "name": "{esc(author)}"}}, '
            f'"publisher": {{"@type": "Organization", "name": "{esc(outlet)}"}}}}</script>'
        )
    return (
        f'<head><meta charset="utf-8"><title>{esc(title)} | {esc(outlet)}</title>{meta}'
        "<script>window.dataLayer = window.dataLayer || [];</script><style>.x{color:red}</style></head>"
    )


@dataclass
class Page:
    name: str
    html: str
    title: str
    author: str
    date: str
    outlet: str
    article_sentences: list[str]
    boilerplate: list[str] = field(default_factory=list)


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r'(?<=[.!?])["”]?\s+(?=["“]?[A-Z])', paragraph) if s.strip()]


def _visible_strings(fragment: str) -> list[str]:
    """The visible text pieces of an HTML fragment (scripts excluded), one per text node."""
    fragment = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", fragment, flags=re.S)
    pieces = re.split(r"<[^>]+>", fragment)
    out = []
    for piece in pieces:
        text = " ".join(html.unescape(piece).split()).strip(" |:")
        if text and re.search(r"\w", text):
            out.append(text)
    return out


def build_pages(n: int = 20, seed: int = 7) -> list[Page]:
    """``n`` pages; page i wraps article i % 10 in a boilerplate mix drawn from a seeded generator."""
    rng = random.Random(seed)
    pages = []
    for i in range(n):
        title, author, date, outlet, paragraphs = ARTICLES[i % len(ARTICLES)]
        layout = i % 5
        parts = {
            "cookie": rng.choice(COOKIE),
            "nav": NAV[i % len(NAV)],
            "topbar": rng.choice(TOPBAR),
            "byline": _byline(rng.randrange(4), author, date),
            "share": rng.choice(SHARE),
            "ad": rng.choice(AD_INLINE),
            "readmore": rng.choice(READ_MORE),
            "newsletter": rng.choice(NEWSLETTER),
            "related": RELATED[i % len(RELATED)],
            "comments": COMMENTS[(i // 2) % len(COMMENTS)],
            "footer": rng.choice(FOOTER),
            "tags": rng.choice(TAGS),
        }
        body_ps = [f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs]
        body_ps.insert(2, parts["ad"])
        body_ps.insert(4, parts["readmore"])
        body = "\n".join(body_ps)
        h1 = f"<h1>{html.escape(title)}</h1>"
        if layout == 0:
            main = (
                f"<main><article>{h1}{parts['byline']}{parts['share']}{body}{parts['newsletter']}"
                f"{parts['tags']}</article>{parts['related']}{parts['comments']}</main>"
            )
        elif layout == 1:
            main = (
                f'<div class="container"><div class="story"><div class="story-header">{h1}{parts["byline"]}'
                f'{parts["share"]}</div><div class="story-body">{body}{parts["newsletter"]}</div>'
                f"{parts['tags']}</div>{parts['related']}</div>{parts['comments']}"
            )
        elif layout == 2:
            main = (
                f'<div id="content"><div class="post">{h1}{parts["byline"]}<div class="entry-content">{body}'
                f"</div>{parts['share']}</div>{parts['newsletter']}{parts['comments']}{parts['related']}"
                f"{parts['tags']}</div>"
            )
        elif layout == 3:
            main = (
                f'<table class="layout" width="100%"><tr><td class="main-col">{h1}{parts["byline"]}'
                f'<div class="body-copy">{body}</div>{parts["share"]}</td><td class="right-rail">'
                f"{parts['related']}{parts['newsletter']}</td></tr></table>{parts['comments']}{parts['tags']}"
            )
        else:
            main = (
                f'<main><div class="article-wrap"><div class="kicker">News</div>{h1}{parts["byline"]}'
                f'<div class="article-text">{body}</div>{parts["share"]}</div>{parts["newsletter"]}'
                f"{parts['comments']}{parts['related']}</main>"
            )
        cookie_top = i % 2 == 0
        page_html = (
            f'<!DOCTYPE html><html lang="en">{_head(title, author, date, outlet, i % 2)}<body>'
            f"{parts['cookie'] if cookie_top else ''}{parts['topbar']}{parts['nav']}{main}{parts['footer']}"
            f"{'' if cookie_top else parts['cookie']}</body></html>"
        )
        # the byline counts as boilerplate: author and date are metadata, not article text
        boiler_html = "".join(parts.values())
        pages.append(
            Page(
                name=f"page{i:02d}.html",
                html=page_html,
                title=title,
                author=author,
                date=date,
                outlet=outlet,
                article_sentences=[s for p in paragraphs for s in _sentences(p)],
                boilerplate=_visible_strings(boiler_html),
            )
        )
    return pages


def _norm(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').replace("’", "'").split()).casefold()


def leaked(boiler: str, text_norm: str, lines: set[str]) -> bool:
    b = _norm(boiler)
    if len(b.split()) >= 3:
        return re.search(r"(?<!\w)" + re.escape(b) + r"(?!\w)", text_norm) is not None
    return b in lines


@dataclass
class Score:
    name: str
    kept: int
    article: int
    leaked: int
    boilerplate: int
    meta_ok: int
    meta_total: int
    leaked_examples: list[str]
    missed_examples: list[str]


def score_pages(pages: list[Page], folder: Path, options: IngestOptions) -> tuple[list[Score], float]:
    """Write the pages to ``folder``, read them back through ``iter_documents`` and score each one."""
    for page in pages:
        (folder / page.name).write_text(page.html, encoding="utf-8")
    sources = [str(folder / p.name) for p in pages]
    reader = DocumentReader(options)
    list(reader.read(sources[:1]))  # warm-up: imports and the language model
    started = time.perf_counter()
    results = list(reader.read(sources))
    elapsed = time.perf_counter() - started
    scores = []
    for page, result in zip(pages, results, strict=True):
        doc = result.document
        text = doc.text if doc else ""
        text_norm = _norm(text)
        lines = {_norm(line) for line in text.split("\n") if line.strip()}
        missed = [s for s in page.article_sentences if _norm(s) not in text_norm]
        leaks = [b for b in page.boilerplate if leaked(b, text_norm, lines)]
        meta = [
            doc is not None and doc.title == page.title,
            doc is not None and doc.author == page.author,
            doc is not None and doc.published == page.date,
            doc is not None and doc.outlet == page.outlet,
        ]
        scores.append(
            Score(
                page.name,
                len(page.article_sentences) - len(missed),
                len(page.article_sentences),
                len(leaks),
                len(page.boilerplate),
                sum(meta),
                len(meta),
                leaks,
                missed,
            )
        )
    return scores, elapsed


def machine() -> str:
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        uname = platform.platform()
    return f"`{uname}`, nproc {os.cpu_count()}, Python {platform.python_version()}"


def _summary_row(focus: str, scores: list[Score], elapsed: float) -> tuple[str, float, float]:
    kept = sum(s.kept for s in scores)
    article = sum(s.article for s in scores)
    leaks = sum(s.leaked for s in scores)
    boiler = sum(s.boilerplate for s in scores)
    meta_ok = sum(s.meta_ok for s in scores)
    meta_total = sum(s.meta_total for s in scores)
    row = (
        f"| {focus} | {kept}/{article} = {kept / article:.1%} | {leaks}/{boiler} = {leaks / boiler:.1%} | "
        f"{meta_ok}/{meta_total} = {meta_ok / meta_total:.1%} | {len(scores) / elapsed:.1f} |"
    )
    return row, kept / article, leaks / boiler


def report(runs: dict[str, tuple[list[Score], float]]) -> str:
    """A Markdown report: one summary row per ``html_focus``, then the default's per-page table."""
    default_scores, default_elapsed = runs["balanced"]
    _, kept_share, leak_share = _summary_row("balanced", default_scores, default_elapsed)
    lines = [
        "## Ingest: HTML main-text extraction",
        "",
        "Command: `PYTHONPATH=src python benchmarks/extraction.py --write benchmarks/RESULTS_ingest.md`  ",
        f"Machine: {machine()}  ",
        f"Pages: {len(default_scores)} generated pages (10 articles in 5 layouts, seeded mix of cookie "
        "banners, navigation, bylines, share buttons, ads, read-more links, newsletters, related stories, "
        "comments, footers), read with `spinlens.ingest.DocumentReader` (what `iter_documents` runs; "
        "trafilatura underneath), after one warm-up page.  ",
        "Kept: article sentences found in `Document.text` (target >= 95%). Leaked: boilerplate strings found "
        "in it (target < 5%; a string under three words counts only as a whole line). Metadata: title, "
        "author, date and outlet equal to the page's. The pages and their templates were written for this "
        "benchmark, so the numbers are a check on the reader's wiring and clean-up, not an estimate for the "
        "open web.",
        "",
        f'Default (`html_focus="balanced"`): kept {kept_share:.1%} '
        f"({'meets' if kept_share >= 0.95 else 'MISSES'} >= 95%), leaked {leak_share:.1%} "
        f"({'meets' if leak_share < 0.05 else 'MISSES'} < 5%).",
        "",
        "| html_focus | sentences kept | boilerplate let through | metadata right | pages/s (one run) |",
        "|---|---|---|---|---|",
    ]
    for focus, (scores, elapsed) in runs.items():
        lines.append(_summary_row(focus, scores, elapsed)[0])
    lines += ["", "Per page (balanced):", "", "| page | kept | leaked | metadata |", "|---|---|---|---|"]
    for s in default_scores:
        lines.append(
            f"| {s.name} | {s.kept}/{s.article} | {s.leaked}/{s.boilerplate} | {s.meta_ok}/{s.meta_total} |"
        )
    lines.append("")
    for focus, (scores, _) in runs.items():
        leaked_all = sorted({b for s in scores for b in s.leaked_examples})
        missed_all = sorted({m for s in scores for m in s.missed_examples})
        lines.append(f"- {focus}, let through: " + ("; ".join(f'"{b}"' for b in leaked_all) or "none"))
        lines.append(f"- {focus}, missed: " + ("; ".join(f'"{m}"' for m in missed_all) or "none"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--write", type=Path, help="write the Markdown report to this file")
    args = parser.parse_args(argv)
    pages = build_pages(args.pages)
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for focus in ("balanced", "precision", "recall"):
            runs[focus] = score_pages(pages, Path(tmp), IngestOptions(html_focus=focus))
    text = report(runs)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
