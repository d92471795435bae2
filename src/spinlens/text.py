"""Paragraphs, sentences and words with character offsets: the one implementation used everywhere."""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

from spinlens.errors import InputError

__all__ = [
    "paragraphs",
    "sentences",
    "count_words",
    "function_words_only",
    "trim_edges",
    "terminal_safe",
    "printable",
    "iso_date",
    "check_since",
]

_PARA = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
# a sentence ends at . ! ? (with closing quotes/brackets) followed by whitespace and an upper-case
# letter, digit or opening quote; or at a line break.
_SENT_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n+""")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Sen|Rep|Gov|Gen|Jr|Sr|vs|etc|U\.S|U\.K|No|Inc|Ltd|Co)\.$")
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _lines(text: str) -> str:
    """``text`` with every line break as ``\\n`` and the same length (``\\r\\n`` -> space + ``\\n``; a lone
    ``\\r``, U+2028 and U+2029 -> ``\\n``), so that offsets found in it are offsets into ``text``."""
    if "\r" not in text and "\u2028" not in text and "\u2029" not in text:
        return text
    return text.replace("\r\n", " \n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: runs of non-empty lines separated by blank lines, trimmed of outer whitespace.
    Line breaks may be ``\\n``, ``\\r\\n``, ``\\r``, U+2028 or U+2029."""
    out = []
    for m in _PARA.finditer(_lines(text)):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)``; each is trimmed and ``text[start:end]`` is non-empty. A line break
    (any of those :func:`paragraphs` knows) ends a sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    lines = _lines(text)
    for m in _SENT_END.finditer(lines):
        if m.group(0).strip() == "" and "\n" not in m.group(0) and _ABBREV.search(lines[start : m.start()]):
            continue
        # the closing quotes and brackets after the stop are the sentence's ('He said: "No."')
        closers = len(m.group(0)) - len(m.group(0).lstrip("\"'”’)]"))
        _add(text, start, m.start() + closers, out)
        start = m.end()
    _add(text, start, len(text), out)
    return out


def _add(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s < e:
        out.append((s, e))


_HEADING = re.compile(r"#{1,6}[ \t]+")
_HEADING_CLOSE = re.compile(r"[ \t]+#+$")  # "# Title #": the closing hashes of a Markdown heading
_SETEXT = re.compile(r"[ \t]*(?:={3,}|-{3,})[ \t]*")  # "Title\n=====": a Markdown heading's underline
_HEADLINE_MAX_CHARS = 200
_HEADLINE_MAX_WORDS = 30
# first lines that stand where a title would but are not one: a link, a byline ("By Jane Doe", "By JANE DOE
# and John Roe, Reuters"), a dateline ("LONDON (Reuters) -", "DAYTON, OH —"), a transcript's first question
# ("Q: Minister, why ...?"), a date ("March 4, 2025", "Tuesday 4 March 2025 10:30 GMT") or a kicker
# ("BREAKING", "Exclusive", "WASHINGTON")
_URL_LINE = re.compile(r"(?i)(?:<?(?:https?|ftp)://|www\.)\S*$")
_BYLINE = re.compile(r"(?i)by[ \t:]+(.+)")
_NAME_JOINERS = frozenset("and & de del der den van von la le da di du bin al el y".split())
# an upper-case place with its agency ("LONDON (Reuters)", "PARIS, March 4 (AFP)") or alone ("WASHINGTON")
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,2}(?:(?:,[^()]{0,40})? ?\([^()]{1,30}\))?[ \t]*:?"
)
_QA_LINE = re.compile(r"(?i)(?:(?:q|question|answer)[ \t]*[:.)]|a[ \t]*:)[ \t]")
_DATE_WORDS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december mon tue tues wed thu thur thurs fri sat sun monday tuesday "
    "wednesday thursday friday saturday sunday st nd rd th of on at am pm a.m p.m gmt utc est edt cst cdt "
    "pst pdt bst cet cest updated published posted last modified date".split()
)
_KICKERS = frozenset(
    "breaking|breaking news|exclusive|update|updated|developing|developing story|live|opinion|editorial|"
    "analysis|commentary|news|satire|transcript|interview|op-ed|press release|sponsored".split("|")
)


def _not_a_title(line: str) -> bool:
    """True for a first line that is a link, a byline, a dateline, a transcript's question, a date or a
    kicker rather than the article's title."""
    if _URL_LINE.match(line) or _QA_LINE.match(line):
        return True
    if line[-1] in "-–—":  # "LONDON (Reuters) -": the line goes on in the text after it
        return True
    if _DATELINE.fullmatch(line) and ("(" in line or " " not in line):
        return True  # an upper-case place with its agency or one upper-case word: "LONDON (AP)", "WASHINGTON"
    if (m := _BYLINE.match(line)) is not None:
        words = re.findall(r"[^\W\d_][\w'’.-]*", m.group(1))
        names = [w for w in words if w.lower() not in _NAME_JOINERS]
        if names and all(w[0].isupper() for w in names) and len(names) <= 8:
            return True
    words = re.findall(r"[^\W\d_][\w.]*", line.lower())
    if any(ch.isdigit() for ch in line) and all(w.rstrip(".") in _DATE_WORDS for w in words):
        return True
    return line.lower().strip("!:|*_ ") in _KICKERS


def headline(text: str) -> str | None:
    """The title of a plain-text article when its first line is one: a short line (at most 200 characters,
    30 words; a Markdown ``# heading`` or a line underlined with ``===`` / ``---`` too) set off by a blank
    line from the text after it, not ending as a sentence or a clause does (``.`` ``,`` ``;`` ``:``) and not
    a link, byline, dateline, date, kicker ("BREAKING") or a transcript's "Q:". PTC's articles, and most
    saved articles, start so: "Florida shooting: Gun control law moves step closer\n\nNew gun control
    measures ...". The text keeps the line (span offsets index the text as given); None when the first line
    is not a title."""
    text = text.removeprefix("\ufeff")
    first, sep, rest = text.partition("\n")
    if not sep:
        return None
    line, atx = _HEADING.subn("", first.strip(), count=1)
    line = " ".join((_HEADING_CLOSE.sub("", line) if atx else line).split())
    after, blank, body = rest.partition("\n")
    if _SETEXT.fullmatch(after.rstrip("\r")) and first.strip():  # "Title\n=====\n\nBody"
        after, blank, body = "", "\n", body
    if not blank or after.strip() or not body.strip():
        return None
    if not line or len(line) > _HEADLINE_MAX_CHARS or len(line.split()) > _HEADLINE_MAX_WORDS:
        return None
    if line[-1] in ".,;:" or not any(ch.isalpha() for ch in line) or _not_a_title(line):
        return None
    return terminal_safe(line)  # a direction override would reorder the title where it is shown


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


# Words that carry no technique on their own. A decoded span of nothing else is mostly a fragment left where a
# span was split ("an" before "outrageous provocation") or a lone "the": 6.9 % of the spans decoded from the
# MPNet fold models' out-of-fold scores of PTC train (2.2 % from the MiniLM ones'), against 0.13 % of its gold
# spans ("our" and capitalised "NO"/"NOT", emphasis, are gold spans alone more often: not such words here).
# Decoding drops them where the model's thresholds say ``drop_function_words`` (spinlens.model.decode_spans).
FUNCTION_WORDS = frozenset(
    "a an the we us you your they them their he she it its his her i me my this that these those and or but "
    "of in on at to for with by from as is are was were be been am do does did not no so if then than there "
    "here who whom which what when where why how all any some".split()
)


def function_words_only(phrase: str) -> bool:
    """True if ``phrase`` has no word outside :data:`FUNCTION_WORDS` (capitalised words like "NO" count as
    content: emphasis), e.g. "an", "the", "it is", or only punctuation."""
    words = _WORD.findall(phrase)
    return all(w.lower() in FUNCTION_WORDS and not (len(w) > 1 and w.isupper()) for w in words)


# What a span does not end or start with (RESULTS.md section 2, session 17): of PTC train's 6,128 gold spans
# none ends on "and", "for" or "a" and one on "the" (the spans decoded out of fold: 57, 32, 27, 73 of 7,288),
# none ends on "." (200 decoded) or starts on "," (39). Trimmed off the edges of every output span where the
# model's thresholds say ``trim_edges`` (spinlens.model.decode_spans).
TRAILING_WORDS = frozenset("a an the of and or but to in for with as at on by from".split())
_OPENERS = "“‘([{«\"'"
_LEADING = ",.;:)]}”’»"
_LAST_WORD = re.compile(r"(?<![\w'’-])(\w+)$")
# the period of an ellipsis or of initials ("U.S.", "J.") belongs to the word, as that of "Mr." (_ABBREV)
_KEEP_PERIOD = re.compile(r"(\.\.|(?:^|\W)(?:[A-Za-z]\.)+)$")


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without a last word in :data:`TRAILING_WORDS`, a last opening quote or bracket, a
    last sentence period (not that of "U.S." or "Mr." or an ellipsis) or a first comma, period, semicolon,
    colon, closing quote or bracket, repeatedly, and without the blanks those leave at the edges. A span
    that would keep no letter or digit is returned unchanged. E.g. "Treacherous foreign agents and" ->
    "Treacherous foreign agents", ", so-called experts." -> "so-called experts"."""
    s, e = start, end
    while True:
        before = (s, e)
        while e > s and text[e - 1].isspace():
            e -= 1
        while s < e and text[s].isspace():
            s += 1
        last = text[e - 1] if e > s else ""
        # a straight quote opens where a blank precedes it
        if last and last in _OPENERS and (last not in "\"'" or e - s == 1 or text[e - 2].isspace()):
            e -= 1
        elif last == "." and not (_KEEP_PERIOD.search(span := text[s:e]) or _ABBREV.search(span)):
            e -= 1
        elif (m := _LAST_WORD.search(text, s, e)) and m.group(1).lower() in TRAILING_WORDS and m.start(1) > s:
            e = m.start(1)
        elif s < e and text[s] in _LEADING:
            s += 1
        if (s, e) == before:
            break
    if not any(c.isalnum() for c in text[s:e]):
        return start, end
    return s, e


# control characters and Unicode direction overrides: hostile text could send escape sequences to a terminal
# (set its title, clear it) or reorder what the user sees
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` fit for a terminal: control characters (escape sequences included) and direction overrides
    replaced by U+FFFD; a carriage return before a line feed dropped, a lone one (old Mac line ends) made a
    line feed; line feeds and tabs kept."""
    return _CONTROL.sub(_safe_char, text)


def _safe_char(m: re.Match[str]) -> str:
    if m.group(0) != "\r":
        return "\ufffd"
    return "" if m.string.startswith("\n", m.end()) else "\n"


def printable(value: str) -> str:
    """``value`` with any lone surrogate written as ``\\udcXX`` (a file name that is not UTF-8, as Python
    reads it), so that it can be printed, stored and sent as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


# -- dates as the store and the web compare them (--since, until, months) ----------------------------
_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?=$|[T\s(\[]|Z)", re.ASCII)  # then anything
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2}))?", re.ASCII)  # the whole value
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)


def iso_date(value: str | None) -> str | None:
    """``value`` as an ISO date prefix (``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` when that is all it says)
    if it is a real date: a day (``2018-11-02``, ``2018/11/02``) followed by nothing, a time, a zone or a
    note, a bare year or year-month, ``20181102``, or RFC 2822 (``Tue, 02 Nov 2018 10:00:00 GMT``); else
    None ("yesterday", "2024-13-45", "1984 Orwell")."""
    if not value or not isinstance(value, str):
        return None
    v = value.strip()
    m = _DAY.match(v) or _PARTIAL.fullmatch(v) or _COMPACT_DATE.fullmatch(v)
    if m:
        parts = [int(g) for g in m.groups() if g is not None]
        try:
            date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        except ValueError:
            return None
        return "-".join([f"{parts[0]:04d}"] + [f"{x:02d}" for x in parts[1:]])
    try:
        return parsedate_to_datetime(v).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


_SINCE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_since(since: str | None, name: str = "--since") -> str | None:
    """A ``--since`` (or another date bound, named ``name`` in the error) checked as YYYY, YYYY-MM or
    YYYY-MM-DD (compared with ISO ``published``)."""
    if since is None:
        return None
    s = since.strip()
    ok = bool(_SINCE.match(s))
    if ok:
        try:
            date.fromisoformat((s + "-01-01")[:10] if len(s) < 10 else s)
        except ValueError:
            ok = False
    if not ok:
        raise InputError(f"{name} {since!r} is not a date; write YYYY-MM-DD (or YYYY-MM, YYYY)")
    return s
