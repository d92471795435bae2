"""The terminal view (rich): the article with coloured spans, numbered notes, a legend and a summary line.

Colour shows the category of the innermost span at each character; where spans overlap the text is also
underlined. Each span ends with a dim ``[n]`` marker that refers to the numbered list under the text.
Article text is added as plain :class:`rich.text.Text` (never parsed as markup) and stripped of terminal
control characters, so an article cannot restyle or move the cursor of the terminal that shows it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from spinlens.analysis import voice_of
from spinlens.render._article import article_view, quote_objects
from spinlens.render._sweep import Span, heading, segments, sentences_hit, spans_of, technique_counts
from spinlens.schema import Quote
from spinlens.taxonomy import get_technique, is_technique
from spinlens.text import terminal_safe as _clean  # no escape sequence of the article reaches the terminal

__all__ = ["render_terminal", "terminal_view", "CATEGORY_STYLES"]

#: category id -> rich style of the highlighted text.
CATEGORY_STYLES: dict[str, str] = {
    "attack_on_reputation": "bold white on #9f1239",
    "justification": "bold white on #1e40af",
    "simplification": "bold white on #6b21a8",
    "distraction": "bold black on #fcd34d",
    "call": "bold white on #166534",
    "manipulative_wording": "bold black on #fdba74",
}


def _article_text(text: str, spans: list[Span]) -> Text:
    out = Text()
    number = {s.index: i + 1 for i, s in enumerate(spans)}
    ending: dict[int, list[Span]] = {}
    for s in spans:
        ending.setdefault(s.end, []).append(s)
    for a, b, active in segments(len(text), spans):
        # a span that ends between the CR and the LF of a Windows line end: one line break, not two
        cut = b - 1 if text.endswith("\r", a, b) and text.startswith("\n", b) else b
        piece = _clean(text[a:cut])
        if active:
            style = CATEGORY_STYLES[get_technique(active[-1].technique).category]
            out.append(piece, style=style + (" underline" if len(active) > 1 else ""))
        else:
            out.append(piece)
        for s in ending.get(b, []):  # markers for the spans that end here, in the one span order
            out.append(f"[{number[s.index]}]", style="dim")
    return out


def _line(value: object) -> str:
    """``value`` made safe for the terminal, on one line: a name or title wrapped in the article
    (``"Boris\\nKent"``) broke the summary block and the heading into lines that read as separate entries."""
    return " ".join(_clean(str(value)).split())


def _joins(text: str, i: int) -> bool:
    """Whether ``text[i - 1]`` and ``text[i]`` belong to one user-perceived character: a combining mark, a
    variation selector, an emoji modifier or tag after it, either side of a zero-width joiner, or the second
    regional indicator of a flag."""
    c, prev = ord(text[i]), ord(text[i - 1])
    if unicodedata.category(text[i]) in ("Mn", "Mc", "Me") or c == 0x200D or prev == 0x200D:
        return True
    if 0xFE00 <= c <= 0xFE0F or 0x1F3FB <= c <= 0x1F3FF or 0xE0020 <= c <= 0xE007F or 0xE0100 <= c <= 0xE01EF:
        return True
    if 0x1F1E6 <= c <= 0x1F1FF and 0x1F1E6 <= prev <= 0x1F1FF:
        run = 0  # regional indicators pair up from the first of a run
        while i - 1 - run >= 0 and 0x1F1E6 <= ord(text[i - 1 - run]) <= 0x1F1FF:
            run += 1
        return run % 2 == 1
    return False


def _shorten(text: str, limit: int) -> str:
    """``text``, or its first characters and "..." in ``limit`` code points, never cut inside an emoji
    sequence, a flag or a letter with its accents."""
    if len(text) <= limit:
        return text
    cut = limit - 3
    while cut > 0 and _joins(text, cut):
        cut -= 1
    return text[:cut] + "..."


def _whose(s: Span, quotes: Sequence[Quote]) -> str:
    """ "quoted: Peskov" / "reported: Critics" for a span in someone else's words; "" for the author's."""
    v = voice_of(s.start, s.end, quotes)
    if v["voice"] == "author":
        return ""
    return f"{v['voice']}: {v['speaker']}" if v["speaker"] else str(v["voice"])


def _notes(text: str, spans: list[Span], quotes: Sequence[Quote] = ()) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column(justify="right", style="dim")
    table.add_column(max_width=28)
    table.add_column(justify="right")
    table.add_column(overflow="fold")
    for i, s in enumerate(spans, 1):
        t = get_technique(s.technique)
        note = Text(f"“{_shorten(_line(text[s.start : s.end]), 120)}”", style="italic")
        whose = _whose(s, quotes) if quotes else ""
        if whose:
            note.append(f"  {_line(whose)}", style="dim")
        table.add_row(f"[{i}]", Text(t.name, style=CATEGORY_STYLES[t.category]), f"{s.score:.2f}", note)
    return table


def _legend(spans: list[Span]) -> Table:
    table = Table(title="Techniques", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("technique")
    table.add_column("category", style="dim")
    table.add_column("spans", justify="right")
    for tid, n in technique_counts(spans):
        t = get_technique(tid)
        table.add_row(Text(t.name, style=CATEGORY_STYLES[t.category]), t.category_name, str(n))
    return table


def _summary(data: Mapping[str, Any], spans: list[Span]) -> Text:
    n_tech = len({s.technique for s in spans})
    sents = data.get("sentences") or []
    hit = sentences_hit(sents, spans)
    parts = [f"{len(spans)} span{'s' * (len(spans) != 1)}", f"{n_tech} technique{'s' * (n_tech != 1)}"]
    if sents:
        parts.append(f"{hit} of {len(sents)} sentences with a technique")
    out = Text(" · ".join(parts), style="bold")
    model = data.get("model")
    if model:
        out.append(_clean(f"\nmodel {model.get('name')} {model.get('version')}"), style="dim")
    return out


def terminal_view(data: Mapping[str, Any]) -> RenderableType:
    """The rich renderable for one ``Analysis.to_dict()`` dict."""
    doc = data["document"]
    spans = spans_of(data)
    title, source = heading(data)
    head = Text(_line(title or f"document {doc.get('id')}"), style="bold")
    if source:  # which file (or record) it is, after its title
        head.append(f" · {_line(source)}", style="dim")
    meta = " · ".join(_line(doc[k]) for k in ("outlet", "author", "published", "url") if doc.get(k))
    parts: list[RenderableType] = [Rule(head, align="left")]
    if meta:
        parts.append(Text(meta, style="dim"))
    # the summary under its article's title (above it, with several files, it read as the previous one's)
    summary = article_summary_view(data)
    if summary is not None:
        parts += [summary, Text()]
    parts.append(_article_text(doc["text"], spans))
    if spans:
        parts += [Text(), _notes(doc["text"], spans, quote_objects(data)[1]), Text(), _legend(spans)]
    parts += [Text(), _summary(data, spans)]
    return Group(*parts)


def render_terminal(docs: Mapping[str, Any] | Iterable[Mapping[str, Any]], console: Console) -> None:
    """Print one or more analyses to a rich console."""
    items = [docs] if isinstance(docs, Mapping) else docs
    for data in items:
        console.print(terminal_view(data))
        console.print()


def article_summary_view(data: Mapping[str, Any]) -> Text | None:
    """The article-level summary (genre, frames, density, who is attacked), shown first; None without it."""
    art = (data.get("extras") or {}).get("article")
    if not art:
        return None
    summ = art.get("summary") or {}
    out = Text()
    out.append("Summary  ", style="bold")
    parts = []
    if data.get("genre"):
        parts.append(f"genre {_line(data['genre'])}")
    if data.get("frames"):
        parts.append("frames " + ", ".join(_line(f) for f in data["frames"][:3]))
    density = summ.get("density")
    if isinstance(density, (int, float)) and not isinstance(density, bool):
        parts.append(f"{density:.0f} techniques per 100 sentences")
    out.append(" · ".join(parts))
    top = summ.get("top_techniques") or []
    if top:
        out.append(" · top " + ", ".join(_name(t["technique"]) for t in top[:3]))
    attacked = summ.get("attacked") or []
    if attacked:
        names = []
        for a in attacked[:3]:
            how = ", ".join(_name(t["technique"]) for t in (a.get("techniques") or [])[:2])
            by = [str(b) for b in a.get("by") or [] if b != "author"]
            via = f", quoting {_line(', '.join(by))}" if by and "author" not in (a.get("by") or []) else ""
            names.append(_line(a["entity"]) + (f" ({how}{via})" if how else ""))
        out.append("\nAttacked: " + "; ".join(names))
    view = article_view(data) or {}
    roles = [
        f"{g['heading']}: " + ", ".join(_line(e["name"]) for e in g["entities"][:4])
        for g in view.get("entities") or []
    ]
    if roles:
        out.append("\n" + " · ".join(roles))
    quotes = view.get("quotes") or {}
    speech = quotes.get("speech") or []
    kinds = []
    for kind in ("direct", "reported"):
        said = [q for q in speech if q["kind"] == kind]
        if said:
            who: dict[str, int] = {}
            named = [q["speaker"] for q in speech if q["speaker"]]
            for q in said:
                name = _line(_longest_form(q["speaker"], named)) if q["speaker"] else "unattributed"
                who[name] = who.get(name, 0) + 1
            tally = ", ".join(w + (f" ×{n}" if n > 1 else "") for w, n in list(who.items())[:4])
            kinds.append(f"{len(said)} {kind} ({tally})")
    if quotes.get("scare"):
        kinds.append(f"{len(quotes['scare'])} scare")
    if kinds:
        out.append("\nQuotes: " + " · ".join(kinds))
    narr = art.get("narratives") or []
    if narr:
        out.append("\nNarrative: " + _line(narr[0]["narrative"]))
    return out


def _longest_form(speaker: str, speakers: Sequence[str]) -> str:
    """The longest speaker phrase that ends with ``speaker``'s words ("Zakharova", "Maria Zakharova" ->
    "Foreign Ministry spokeswoman Maria Zakharova"), so one person is counted once; ``speaker`` itself when
    two longer phrases end differently ("Holloway" after "James Holloway" and "Peter Holloway")."""
    words = speaker.split()
    longer = {
        " ".join(o.split())
        for o in speakers
        if len(o.split()) > len(words) and o.split()[-len(words) :] == words
    }
    tops = {o for o in longer if not any(p != o and p.endswith(" " + o) for p in longer)}
    return tops.pop() if len(tops) == 1 else speaker


def _name(tid: object) -> str:
    """A technique's display name ("Name calling / labeling"); the id itself when it is not a known one."""
    return get_technique(tid).name if isinstance(tid, str) and is_technique(tid) else _line(tid)
