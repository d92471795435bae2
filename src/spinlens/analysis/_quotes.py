"""Quotes: direct speech, reported speech and scare quotes, with speaker and source outlet. Rules only.

``find_quotes(text)`` returns :class:`~spinlens.schema.Quote` objects whose ``start``/``end`` cover the quoted
words (the quotation marks themselves are left out; for reported speech, the reported clause).

How a pair of quotation marks is read:

- straight (``"``, ``'``) and curly (“ ”, ‘ ’), guillemets (« ») and low marks („ “) are paired with a stack,
  inner pairs inside outer ones (nested quotes); an apostrophe (``don't``, ``’90s``) is never a mark;
- a quote left open at the end of a paragraph goes on when the next paragraph opens with the same mark
  (the newspaper convention for a quotation over several paragraphs), and is dropped otherwise;
- a quote with a speaker (a speech verb and its subject in the same sentence, ``"...," Peskov said``,
  ``TASS quoted her as saying``, ``according to ...``) is ``direct``, however short;
- a long unattributed quote is ``direct`` too, its speaker taken from the quote just before it when that one
  ends within two paragraphs (news goes on quoting the same person), unless a speech verb and another name
  follow it ('"...," said 47-year-old Anna Kowalski');
- a quote after "and said" (called, added, ...) in the sentence of another quote is that one's speaker's
  (``X called Y "a puppet" and said her ministers were "parasites"``);
- a bare surname shared by two or more people named before ("Holloway" after James and Peter Holloway) is
  the full name of the one a pronoun there would refer to;
- a quote that is a sentence of its own and ends in . ! or ? takes its speaker from the next sentence when
  that one starts with it (``“Who pays them?” Zakharova asked.``: the sentence splitter puts the two apart);
- a short unattributed quote (at most four words, no sentence inside) is a ``scare`` quote, and so is any
  quote after "so-called", unless it is a sentence of its own (“It always has.”, “Disgraceful!”); a short
  title-cased phrase ("Game of Thrones") is a name, not a quote.

Reported speech (no quotation marks) is a sentence with a speaker and a reporting verb
(``Peskov said (that) ...``, ``..., the ministry said.``, ``According to TASS, ...``).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spinlens.schema import Quote
from spinlens.text import sentences

__all__ = ["find_quotes", "voice_of", "QUOTE_KINDS", "ROLE_WORDS"]

QUOTE_KINDS = ("direct", "reported", "scare")

# reporting verbs in the forms news uses; "told" and "quoted" are handled with their objects
_VERBS = (
    "said says say saying told tells added adds claimed claims claim stated states argued argues insisted "
    "insists alleged alleges warned warns noted notes explained explains wrote writes declared declares "
    "announced announces asserted asserts stressed stresses emphasized emphasised emphasizes emphasises "
    "suggested suggests admitted admits acknowledged acknowledges complained complains recalled recalls "
    "continued continues concluded concludes replied replies responded responds tweeted tweets posted posts "
    "remarked remarks commented comments observed observes maintained maintains contended contends "
    "predicted predicts reported reports confirmed confirms denied denies believes believed thinks thought "
    "urged urges asked asks cautioned cautions boasted boasts quipped joked jokes lamented laments "
    "pointed explains clarified insisted called calls dubbed labeled labelled branded described termed"
).split()
_VERB_SET = frozenset(_VERBS)
# verbs whose object is the listener ("told reporters"), never the speaker
_OBJECT_VERBS = frozenset("told tells".split())
# verbs that are speech whatever their subject; the others ("claimed the lives") need a name or pronoun
_STRONG_VERBS = frozenset(
    "said says say told tells added adds stated states wrote writes explained explains insisted insists "
    "argued argues warned warns announced announces declared declares tweeted tweets replied replies".split()
)
# nouns that can head a speaker phrase without a capital letter ("a Kremlin spokesman", "officials")
ROLE_WORDS = frozenset(
    (
        "spokesman spokeswoman spokesperson spokespeople official officials minister ministry president "
        "prime premier chancellor secretary ambassador envoy diplomat diplomats analyst analysts expert "
        "experts scientist scientists researcher researchers professor economist economists lawmaker "
        "lawmakers senator congressman congresswoman governor mayor general commander chief head "
        "director adviser advisor advisers advisors aide aides source sources government administration "
        "department agency office statement report study survey witness witnesses resident residents "
        "activist activists critic critics author authors leader leaders representative representatives "
        "deputy member members lawyer lawyers attorney prosecutor prosecutors judge police officer "
        "officers soldier soldiers campaigner campaigners observer observers commentator commentators "
        "journalist journalists reporter reporters editor correspondent columnist founder ceo chairman "
        "chairwoman chair candidate voters protesters authorities kremlin pentagon military army press "
        "service council committee"
    ).split()
)
_PRONOUNS = frozenset("he she they i we it him her them".split())
_OBJ_TO_SUBJ = {"him": "he", "her": "she", "them": "they"}
# name particles: "Ursula von der Leyen", "Mark van der Berg", "Ana de la Cruz", "Leonardo da Vinci"
NAME_PARTICLES = frozenset(
    "de von van der den del della da di dos das du la le al el bin ibn ter ten".split()
)
_CONNECTORS = frozenset("of the for and".split()) | NAME_PARTICLES
_DETERMINERS = frozenset(
    "the a an his her their its our this that these those one two three several many".split()
)
_OUTLET_WORDS = frozenset(
    (
        "news times post journal herald tribune gazette telegraph guardian agency tv radio channel "
        "magazine daily press media wire network broadcasting today weekly review examiner observer "
        "independent insider beacon caller mail star sun chronicle inquirer mirror express pravda "
        "izvestia novosti vesti nbc abc cbs cnn bbc npr pbs msnbc fox reuters bloomberg politico axios "
        "breitbart tass ria rt sputnik interfax xinhua afp ap dpa ukrinform unian kommersant vedomosti "
        "rbc twitter x facebook telegram youtube tiktok instagram truth substack podcast blog website "
        "newspaper outlet broadcaster"
    ).split()
)
_OPEN = {"“": "d", "„": "d", "«": "d", "‘": "s", "‹": "s"}
_CLOSE = {"”": "d", "»": "d", "’": "s", "›": "s"}
_MARKS = re.compile(r"[\"'“”„«»‘’‹›]")
_WORD = re.compile(r"[\w'’.-]+")
_TOKEN = re.compile(r"[\w][\w'’.-]*[\w]|[\w]|[,;:()\"“”‘’«»]")
_SENT_PUNCT = re.compile(r"[.!?]\s+[A-Z“\"‘']|[.!?]$")
# verb forms that are also nouns ("the extremist comments"): need a name or pronoun right before them
_NOUNISH = frozenset(
    "comments remarks reports posts notes claims states tweets replies thought report".split()
)
_NOT_NOUNS = frozenset(
    "who whom whose which that what where when why how also not never always often just only then "
    "still even already had has have was were is are be been being will would could should may might "
    "must can".split()
)
_PARTICLE_NAME = re.compile(r"(?:al|el|ad|as|ash|at|az|bin|ibn|abu|d)[-'’][A-Z][\w'’-]*")
_NAME_RUN = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+\b")
_SENTENCE_STARTERS = frozenset(
    "in on at as but and so yet if when while after before since for this that these those there it we they "
    "he she i you our my his her their its meanwhile however last next monday tuesday wednesday thursday "
    "friday saturday sunday".split()
)
# words that open a sentence or clause before its subject ("As Peskov said", "When Lavrov added", "Yesterday
# Zakharova told"): capitalised there, but never the first word of a speaker's name
_LEAD_WORDS = frozenset(
    "as if when whenever while after before since because although though once until unless whereas then "
    "meanwhile however moreover still also thus instead now later earlier yesterday today tonight here there "
    "where why how what but and so yet or nor in on at by with from to".split()
)
# prepositions that join a role to what it serves: "spokesman for the ministry", "ambassador to the UN"
_HEAD_PREPS = frozenset("of for to at".split())
_TITLE_SKIP = frozenset("of the and a an in on for to at by with from or nor but".split())
# dates and times: never a speaker ("Sunak on Wednesday said", "Putin's pronouncement from Monday")
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_TIME_WORDS = (
    _WEEKDAYS
    | _MONTHS
    | frozenset(
        "yesterday today tonight tomorrow week weeks weekend month months year years day days morning "
        "afternoon evening night hour hours minute minutes decade century earlier later recently now".split()
    )
)
# words that open or join a time adjunct ("on Wednesday", "last week", "earlier this month", "in March")
_TIME_LEADS = frozenset("on in at last this next earlier early late later since during of from the a".split())
# month names that are also names ("Theresa May"): a date only after a time lead or next to a number
_NAME_MONTHS = frozenset("may march june august april".split())


@dataclass
class _Pair:
    open: int  # index of the opening mark
    close: int  # index of the closing mark
    family: str  # "d" double, "s" single
    depth: int


def _is_space(ch: str) -> bool:
    return ch == "" or ch.isspace()


def _is_n_apostrophe(text: str, i: int) -> bool:
    """Whether the mark at ``text[i]`` is an apostrophe of a free-standing 'n' ("rock 'n' roll")."""
    for a in (i, i - 2):  # this mark opens 'n' or closes it
        if a < 0 or a + 3 > len(text):
            continue
        if (
            text[a] in "'‘’"
            and text[a + 1] in "nN"
            and text[a + 2] in "'’"
            and _is_space(text[a - 1] if a > 0 else "")
            and _is_space(text[a + 3] if a + 3 < len(text) else "")
        ):
            return True
    return False


def _mark_role(text: str, i: int, open_families: Sequence[str]) -> tuple[str, str] | None:
    """``("open"|"close", family)`` for the mark at ``text[i]``, or None for an apostrophe."""
    ch = text[i]
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if ch in "'‘’" and _is_n_apostrophe(text, i):  # rock 'n' roll
        return None
    if ch == "’":
        if prev.isalnum() and nxt.isalpha():  # don’t, Putin’s
            return None
        if _is_space(prev) and nxt.isdigit():  # ’90s
            return None
        if "s" in open_families and not _is_space(prev):
            return ("close", "s")
        return None
    if ch == "‘" and nxt.isdigit():
        return None
    if ch in _OPEN:
        return ("open", _OPEN[ch])
    if ch in _CLOSE:
        return ("close", _CLOSE[ch])
    family = "d" if ch == '"' else "s"
    left_open = _is_space(prev) or prev in "([{—–-/“‘\"'«:"
    right_close = _is_space(nxt) or nxt in ".,;:!?)]}—–-”’\"'»"
    if family == "s":
        if prev.isalnum() and nxt.isalnum():  # don't
            return None
        if left_open and not _is_space(nxt) and not right_close:
            if nxt.isdigit() or text[i + 1 : i + 3].lower() == "em":
                return None  # '90s, 'em
            return ("open", "s")
        if "s" in open_families and not _is_space(prev) and right_close:
            return ("close", "s")
        return None
    if left_open and not right_close:
        return ("open", "d")
    if right_close and not left_open:
        return ("close", "d")
    return ("close", "d") if "d" in open_families else ("open", "d")


def _paragraph_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\n", text)]


def _pairs(text: str) -> list[_Pair]:
    """Pair the quotation marks of ``text``: nested pairs, multi-paragraph quotes, apostrophes skipped."""
    stack: list[tuple[int, str]] = []
    pairs: list[_Pair] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            # a paragraph break: an open quote goes on only if the next paragraph opens with the same mark
            j = i
            while j < n and text[j].isspace():
                j += 1
            if stack:
                if j < n and text[j] in "\"'“‘«„‹":
                    role = _mark_role(text, j, [f for _, f in stack])
                    if role and role[0] == "open" and role[1] == stack[-1][1]:
                        # continuation: keep the outer open mark, skip this one and any inner opens
                        stack = [stack[0]] if stack[0][1] == role[1] else stack
                        i = j + 1
                        continue
                stack = []
            i = j
            continue
        if _MARKS.match(ch):
            if ch == "“" and stack and text[stack[-1][0]] == "„" and not _is_space(text[i - 1]):
                role = ("close", "d")  # „...“: “ closes a low opening mark
            else:
                role = _mark_role(text, i, [f for _, f in stack])
            if role is not None:
                kind, family = role
                if kind == "open":
                    stack.append((i, family))
                else:
                    for k in range(len(stack) - 1, -1, -1):
                        if stack[k][1] == family:
                            pairs.append(_Pair(stack[k][0], i, family, k))
                            del stack[k:]
                            break
        i += 1
    pairs.sort(key=lambda p: (p.open, -p.close))
    return pairs


# -- speakers ------------------------------------------------------------------------------------------


def _tokens(s: str, base: int) -> list[tuple[str, int, int]]:
    return [(m.group(0), base + m.start(), base + m.end()) for m in _TOKEN.finditer(s)]


def _is_time_token(toks: list[tuple[str, int, int]], k: int) -> bool:
    """Whether token ``k`` is a date or time word ("Wednesday", "week", "2023", "March" in "in March")."""
    w = toks[k][0]
    low = w.lower().rstrip(".")
    if re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?", low):
        return True
    if low not in _TIME_WORDS:
        return False
    if low in _NAME_MONTHS:
        prev = toks[k - 1][0].lower() if k > 0 else ""
        nxt = toks[k + 1][0] if k + 1 < len(toks) else ""
        return prev in _TIME_LEADS or prev.isdigit() or nxt[:1].isdigit()
    return True


def _skip_time_back(toks: list[tuple[str, int, int]], j: int) -> int:
    """The index of the token before a time adjunct that ends at token ``j`` ("the ministry [on Wednesday]",
    "Smith [last week]", "Peskov [earlier this month]"); ``j`` itself when there is none."""
    k = j
    seen = False
    while k >= 0:
        if _is_time_token(toks, k):
            seen = True
        elif not (seen and toks[k][0].lower() in _TIME_LEADS and toks[k][0].lower() not in ("the", "a")):
            break
        k -= 1
    return k if seen else j


def _is_time_phrase(phrase: str) -> bool:
    """Whether a speaker phrase is only a date or time ("Wednesday", "an October", "last week")."""
    toks = _tokens(phrase, 0)
    words = [i for i, (w, _, _) in enumerate(toks) if w[:1].isalnum()]
    if not words:
        return True
    content = [
        i for i in words if toks[i][0].lower() not in _DETERMINERS and toks[i][0].lower() not in _TIME_LEADS
    ]
    return all(_is_time_token(toks, i) for i in content)


def _speakerish(tok: str) -> bool:
    low = tok.lower().rstrip(".")
    if low in _WEEKDAYS or low in _MONTHS - _NAME_MONTHS:
        return False
    if low in ROLE_WORDS:
        return True
    if tok[0].isupper() and tok.lower() not in _VERB_SET and low not in ("according", "but", "and", "so"):
        return True
    if _PARTICLE_NAME.fullmatch(tok):  # "al-Baghdadi", "el-Sisi", "d'Estaing"
        return True
    return bool(re.fullmatch(r"[A-Z]\.", tok))


def _plain_word(w: str) -> bool:
    return bool(re.fullmatch(r"[a-z][a-z-]*", w)) and w not in _VERB_SET and w not in _NOT_NOUNS


def _walk_back(toks: list[tuple[str, int, int]], end_idx: int, nouns: bool = True) -> tuple[int, int] | None:
    """Character span of the speaker phrase ending at token ``end_idx`` (inclusive), walking left.

    ``nouns``: also accept a plain lower-case noun phrase after a determiner ("the company"). A phrase
    after "of", "for", "to" or "at" that follows a role or a name belongs to it: "a spokesman for the
    ministry", "an adviser to the president", "the US ambassador to the UN" (never just "the ministry").
    """
    span = _walk_back_once(toks, end_idx, nouns)
    while span is not None:
        k = next((i for i in range(end_idx, -1, -1) if toks[i][1] == span[0]), -1)
        if k < 2 or toks[k - 1][0].lower() not in _HEAD_PREPS or toks[k][0].lower() in _PRONOUNS:
            break
        head_tok = toks[k - 2][0]
        if head_tok.lower() in _PRONOUNS or not (
            head_tok.lower().rstrip(".") in ROLE_WORDS or _speakerish(head_tok)
        ):
            break
        head = _walk_back_once(toks, k - 2, nouns)
        if head is None:
            break
        span = (head[0], span[1])
    return span


def _walk_back_once(
    toks: list[tuple[str, int, int]], end_idx: int, nouns: bool = True
) -> tuple[int, int] | None:
    """:func:`_walk_back` without the "of/for/to ..." step."""
    if end_idx < 0:
        return None
    t = toks[end_idx][0]
    if t.lower() in _PRONOUNS:
        return toks[end_idx][1], toks[end_idx][2]
    k = end_idx
    first = None
    while k >= 0 and end_idx - k < 9:
        w = toks[k][0]
        low = w.lower()
        if low in _DETERMINERS and first is not None:
            first = k
            break
        if _speakerish(w) or (first is not None and (low in _CONNECTORS or low.endswith(("'s", "’s")))):
            first = k
        else:
            # adjectives between a determiner and the name: "a senior EU official"
            for d in (k - 1, k - 2):
                if first is None or d < 0 or toks[d][0].lower() not in ("a", "an", "the"):
                    continue
                if all(_plain_word(toks[j][0]) for j in range(d + 1, k + 1)):
                    first = d
                break
            break
        k -= 1
    if first is None and nouns:
        # a plain noun phrase after a determiner: "the company said", "a local farmer told"
        for d in range(end_idx - 1, max(end_idx - 4, -1), -1):
            w = toks[d][0].lower()
            if w in ("the", "a", "an", "his", "her", "their", "its", "our"):
                if all(
                    re.fullmatch(r"[a-z][a-z-]*", toks[j][0]) and toks[j][0] not in _VERB_SET | _NOT_NOUNS
                    for j in range(d + 1, end_idx + 1)
                ):
                    return toks[d][1], toks[end_idx][2]
                break
            if not re.fullmatch(r"[a-z][a-z-]*", toks[d][0]):
                break
    if first is None:
        return None
    while (
        first <= end_idx
        and (
            toks[first][0].lower() in _CONNECTORS
            and toks[first][0].lower() != "the"
            # a capitalised particle opens a name: "Van der Berg said", "Le Pen said", "De la Cruz said"
            and not (
                first < end_idx and toks[first][0][:1].isupper() and toks[first][0].lower() in NAME_PARTICLES
            )
            or toks[first][0].lower() in ("that", "this", "these", "those")
            # a capitalised sentence opener is no part of a name: "As Peskov said", "Then Lavrov added"
            or (first < end_idx and toks[first][0][:1].isupper() and toks[first][0].lower() in _LEAD_WORDS)
        )
    ):
        first += 1
    if first > end_idx or toks[first][0].lower() in _DETERMINERS and first == end_idx:
        return None
    if first == end_idx and toks[first][0].lower() in _LEAD_WORDS:
        return None  # "When asked ..., Alston guessed": "When" alone is nobody
    return toks[first][1], toks[end_idx][2]


def _walk_forward(
    toks: list[tuple[str, int, int]], start_idx: int, modifiers: bool = False
) -> tuple[int, int] | None:
    """Character span of the speaker phrase starting at token ``start_idx``, walking right.

    ``modifiers``: also accept up to three lower-case words before the first role word or name, as after an
    inverted speech verb ('"...," said senior researcher Anna Kowalski'); never a preposition or determiner
    ('said in a statement' names nobody)."""
    if start_idx >= len(toks):
        return None
    t = toks[start_idx][0]
    if t.lower() in _PRONOUNS:
        return toks[start_idx][1], toks[start_idx][2]
    k = start_idx
    while k < len(toks) and toks[k][0].lower() in _DETERMINERS:
        k += 1
    first = start_idx if k - start_idx == 1 and toks[start_idx][0].lower() in ("the", "a", "an") else k
    last = None
    n_mod = 0
    while k < len(toks) and k - first < 9:
        w = toks[k][0]
        if _speakerish(w):
            last = k
        elif (w.lower() in _CONNECTORS and not n_mod) or w.lower().endswith(("'s", "’s")):
            pass
        elif modifiers and last is None and n_mod < 3 and _plain_word(w) and w not in _NOT_MODIFIERS:
            n_mod += 1
        else:
            break
        k += 1
    if last is None:
        return None
    return toks[first][1], toks[last][2]


# lower-case words that never open a speaker phrase before its role word or name
_NOT_MODIFIERS = (
    _DETERMINERS
    | _TIME_LEADS
    | _CONNECTORS
    | frozenset(
        "about with to for of by from on at in into against after before like than over under between among "
        "without via per during".split()
    )
)


def _is_outlet(phrase: str) -> bool:
    words = [w.lower().strip(".") for w in re.findall(r"[\w.-]+", phrase)]
    return any(w in _OUTLET_WORDS for w in words) or bool(re.fullmatch(r"[A-Z]{2,6}", phrase.strip()))


@dataclass
class _Attribution:
    speaker: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    verb_at: int = -1
    lead: int = -1  # where the subject phrase starts, an apposition included ("Kalnina, the minister, said")


def _valid(text: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """``span`` unless its words are only a date or time (never a speaker)."""
    if span is None or _is_time_phrase(text[span[0] : span[1]]):
        return None
    return span


def _apposition_start(
    toks: list[tuple[str, int, int]], name_end: int, spk: tuple[int, int] | None
) -> int | None:
    """Where '<apposition>, <name>' starts when ``spk`` is the name: the phrase before the comma."""
    if spk is None:
        return None
    k = next((i for i in range(name_end, -1, -1) if toks[i][1] == spk[0]), None)
    if k is None or k < 2 or toks[k - 1][0] != ",":
        return None
    before = _walk_back(toks, k - 2)
    return before[0] if before else None


def _name_then_apposition(
    text: str, toks: list[tuple[str, int, int]], j: int
) -> tuple[tuple[int, int] | None, int | None]:
    """Speaker and start of '<Name>, <the/a ... role>,' ending at the comma ``toks[j]`` before the verb.

    The apposition is a determiner or possessive phrase of at most eight words ("the minister",
    "Latvia's defence minister", "a spokeswoman for the ministry"); the name before it must be a name.
    """
    c2 = next((i for i in range(j - 1, max(j - 16, 0) - 1, -1) if toks[i][0] in ",\ufffc;:"), None)
    if c2 is None or toks[c2][0] != "," or c2 < 1 or c2 + 1 >= j:
        return None, None
    first = toks[c2 + 1][0]
    if not (
        first.lower() in ("the", "a", "an", "his", "her", "their", "its", "our")
        or first.endswith(("'s", "’s"))
    ):
        return None, None
    if any(t[0].lower() in _VERB_SET or t[0].lower() in _NOT_NOUNS for t in toks[c2 + 1 : j]):
        return None, None
    if not toks[c2 - 1][0][:1].isupper():
        return None, None
    spk = _valid(text, _walk_back(toks, c2 - 1, nouns=False))
    return spk, (spk[0] if spk else None)


_ASIDES = frozenset("though however meanwhile too also instead moreover nevertheless".split())


def _name_then_relative(
    text: str, toks: list[tuple[str, int, int]], j: int
) -> tuple[tuple[int, int] | None, int | None]:
    """Speaker and start of '<name>, who/which ...,' ending at the comma ``toks[j]`` before the verb (an
    apposition before the name included: "Their mother, Margaret Holloway, who owns ..., said")."""
    c2 = next(
        (i for i in range(j - 1, max(j - 16, 0) - 1, -1) if toks[i][0] == "," and i + 1 < j),
        None,
    )
    if c2 is None or c2 < 1 or toks[c2 + 1][0].lower() not in ("who", "which", "whose"):
        return None, None
    if toks[c2 - 1][0].lower() in _PRONOUNS:
        return None, None
    spk = _valid(text, _walk_back(toks, c2 - 1))
    if spk is None:
        return None, None
    lead = _apposition_start(toks, c2 - 1, spk)
    k = next((i for i in range(c2 - 1, -1, -1) if toks[i][1] == spk[0]), 0)
    while k > 0 and k > c2 - 12 and _plain_word(toks[k - 1][0]):
        k -= 1  # "executive director": lower-case words before the role
    if not text[spk[0]].isupper() and k >= 2 and toks[k - 1][0] == "," and toks[k - 2][0][:1].isupper():
        # "Sara Henderson, executive director for Common Cause, which ...": the name, not its role
        name = _valid(text, _walk_back(toks, k - 2, nouns=False))
        if name is not None:
            return name, name[0]
    return spk, (spk[0] if lead is None else lead)


def _more_words(toks: list[tuple[str, int, int]], k: int) -> bool:
    """Whether token ``k`` is a lower-case word that goes on a clause (not a date, time or place adjunct)."""
    if k >= len(toks):
        return False
    w = toks[k][0]
    low = w.lower()
    return (
        w == low
        and w[:1].isalpha()
        and low not in _TIME_LEADS | _TIME_WORDS | _PREPOSITIONS | {"who", "whose", "which", "and"}
    )


_QUOTED_AS = re.compile(r"\bquoted\s+(?P<obj>[\w'’. -]+?)\s+as\s+(?:saying|telling|writing|stating)\b")
_ACCORDING = re.compile(r"\baccording\s+to\s+", re.I)
# what ends the attribution after its verb: a "that" clause or a new clause after a comma
_CLAUSE_BREAK = re.compile(
    r"\bthat\b|;|,\s*(?:adding|saying|noting|as|while|and|but|after|before|because|since|although|though|even)\b",
    re.I,
)
_SOURCE_PREP = re.compile(
    r"\b(?:told|telling|to|with|on|in|by|for)\s+(?=(?:the\s+)?[A-Z0-9])|\bin\s+an?\s+interview\s+with\s+",
)


def _attribution(text: str, lo: int, hi: int, holes: Sequence[tuple[int, int]]) -> _Attribution | None:
    """Find a speaker (and a source outlet) in ``text[lo:hi]`` outside the quoted ``holes``."""
    pieces: list[tuple[str, int, int]] = []
    cur = lo
    for a, b in sorted(holes):
        if a > cur:
            pieces.extend(_tokens(text[cur:a], cur))
        pieces.append(("\ufffc", a, b))  # the quote itself, one token
        cur = max(cur, b)
    if cur < hi:
        pieces.extend(_tokens(text[cur:hi], cur))
    toks = pieces
    att = _Attribution()
    flat = text[lo:hi]
    for a, b in holes:
        if lo <= a and b <= hi:
            flat = flat[: a - lo] + " " * (b - a) + flat[b - lo :]
    m = _QUOTED_AS.search(flat)  # "TASS quoted her as saying"
    if m:
        obj = (lo + m.start("obj"), lo + m.end("obj"))
        att.speaker = obj
        src_toks = [t for t in toks if t[2] <= lo + m.start()]
        src = _walk_back(src_toks, len(src_toks) - 1) if src_toks else None
        if src:
            att.source = src
        att.verb_at = lo + m.start()
        return att
    for k, (w, a, b) in enumerate(toks):
        low = w.lower()
        # "As Peskov put it, ...", "Zakharova put it bluntly: ..." (not "put it on the table")
        put_it = (
            low == "put"
            and k + 1 < len(toks)
            and toks[k + 1][0].lower() == "it"
            and (k + 2 == len(toks) or toks[k + 2][0] in ',:\ufffc“"' or toks[k + 2][0].endswith("ly"))
        )
        if w != low or (low not in _VERB_SET and not put_it):
            continue
        spk = None
        prev = toks[k - 1][0] if k > 0 else ""
        weak = low not in _STRONG_VERBS
        if low in _NOUNISH and not (prev.lower() in _PRONOUNS or prev[:1].isupper()):
            continue
        # subject before the verb: "Peskov said", "Kremlin spokesman Dmitry Peskov told reporters", skipping
        # adverbs and a time adjunct ("the ministry on Wednesday said", "Smith last week told")
        adverbs = ("also", "later", "then", "has", "had", "have", "further", "once")
        j = k - 1
        while j >= 0 and toks[j][0].lower() in adverbs:
            j -= 1
        j = _skip_time_back(toks, j)
        while j >= 0 and toks[j][0].lower() in adverbs:
            j -= 1
        # a parenthetical adverb: "MGM, though, said", "The ministry, however, said"
        if j >= 2 and toks[j][0] == "," and toks[j - 1][0].lower() in _ASIDES and toks[j - 2][0] == ",":
            j -= 3
        lead = None
        if j >= 0 and toks[j][0] not in ",;:\ufffc" and toks[j][0] not in '“”‘’"':
            spk = _valid(text, _walk_back(toks, j, nouns=not weak))
        # an appositive before the verb: '"...," a ministry spokeswoman, Irina Volkova, told reporters'
        appositive = j >= 1 and toks[j][0] == "," and toks[j - 1][0][:1].isupper()
        if spk is None and appositive and low in _OBJECT_VERBS:
            spk = _valid(text, _walk_back(toks, j - 1, nouns=False))
            lead = _apposition_start(toks, j - 1, spk)
        # a name then its apposition: '"...," Kalnina, the minister, said' (speaker: the name)
        if spk is None and j >= 1 and toks[j][0] == ",":
            spk, lead = _name_then_apposition(text, toks, j)
        # a name then a relative clause: "Margaret Holloway, who owns 20% of the shares, said ..."
        if spk is None and j >= 1 and toks[j][0] == ",":
            spk, lead = _name_then_relative(text, toks, j)
        # inversion after a quote: '"...," said Peskov' (never with "told": its object is the listener, nor
        # with "put it")
        if (
            spk is None
            and low not in _OBJECT_VERBS
            and not put_it
            and k + 1 < len(toks)
            and (k == 0 or toks[k - 1][0] in ",\ufffc" or toks[k - 1][0] in '”’"')
        ):
            spk = _valid(text, _walk_forward(toks, k + 1, modifiers=True))
            # "CLAUSE, said she was leaving" is no '"...," said she', nor "..., said federal authorities are
            # investigating" '"...," said federal authorities': an inverted speaker ends the attribution
            if spk is not None and text[spk[0]].islower():
                after = next((i for i, t in enumerate(toks) if t[1] >= spk[1]), len(toks))
                if _more_words(toks, after):
                    spk = None
        # '"...," a spokeswoman, Irina Volkova, said': the name set off by commas before the verb (never the
        # end of a clause before a participle: "... for his remarks in Chile, saying he had ...")
        if spk is None and appositive and not low.endswith("ing"):
            spk = _valid(text, _walk_back(toks, j - 1, nouns=False))
            lead = _apposition_start(toks, j - 1, spk)
            if spk is not None and low not in _OBJECT_VERBS:
                at = next((i for i, t in enumerate(toks) if t[1] == spk[0]), 0)
                if at > 0 and toks[at - 1][0] not in ",\ufffc" and toks[at - 1][0] not in '“”‘’"':
                    spk = lead = None  # "Muslim gets 20 years for joining ISIS, says ...": ISIS says nothing
        if spk is None:
            continue
        att.lead = spk[0] if lead is None else lead
        att.speaker = spk
        att.verb_at = a
        break
    m = _ACCORDING.search(flat)
    if m:
        rest = [t for t in toks if t[1] >= lo + m.end()]
        ph = _valid(text, _walk_forward(rest, 0)) if rest else None
        if ph:
            if _is_outlet(text[ph[0] : ph[1]]) and att.speaker is not None:
                att.source = ph
            elif att.speaker is None:
                if _is_outlet(text[ph[0] : ph[1]]):
                    att.source = ph
                att.speaker = ph
                att.verb_at = lo + m.start()
    if att.speaker is None:
        return None
    if att.source is None:
        for sm in _SOURCE_PREP.finditer(flat):
            rest = [t for t in toks if t[1] >= lo + sm.end()]
            ph = _walk_forward(rest, 0) if rest else None
            inside = att.speaker[0] <= ph[0] < att.speaker[1] if ph else False
            if ph and not inside and _is_outlet(text[ph[0] : ph[1]]):
                if ph[0] > att.verb_at >= lo and _CLAUSE_BREAK.search(flat[att.verb_at - lo : ph[0] - lo]):
                    break  # '"...," Peskov said, adding that talks with NATO ...': not where he said it
                att.source = ph
                break
        if att.source is None:
            rm = re.search(r"(?:,\s*|\bas\s+)(?:reported|cited|quoted)\s+by\s+", flat)
            if rm:
                rest = [t for t in toks if t[1] >= lo + rm.end()]
                ph = _walk_forward(rest, 0) if rest else None
                if ph:
                    att.source = ph
    return att


# -- classification -----------------------------------------------------------------------------------


def _sentence_of(sents: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    """The sentence of ``sents`` (ordered and disjoint, as :func:`spinlens.text.sentences` gives them) that
    holds ``pos``, else ``(pos, pos + 1)``; found by bisection (a scan per quote was quadratic)."""
    i = bisect.bisect_right(sents, pos, key=lambda se: se[0]) - 1
    if i >= 0 and pos < sents[i][1]:
        return sents[i]
    return pos, pos + 1


def _paragraph_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, a) + 1
    e = text.find("\n", b)
    return s, len(text) if e < 0 else e


def _n_words(s: str) -> int:
    return len(re.findall(r"\w+(?:['’]\w+)*", s))


def _is_title(s: str) -> bool:
    words = re.findall(r"[\w'’-]+", s)
    if len(words) < 2:
        return False
    return (
        all(w[0].isupper() or w.lower() in _TITLE_SKIP or w[0].isdigit() for w in words)
        and words[0][0].isupper()
    )


_PREPOSITIONS = frozenset(
    "about with to for of by from on at against after before like than toward towards over under between "
    "among without".split()
)


def _possessive(text: str, end: int) -> bool:
    """Whether a name ending at ``end`` is in the possessive ("Navalny's", "Navalny’s", "Jones'")."""
    return (
        text[end - 2 : end] in ("'s", "’s")
        or text[end : end + 2] in ("'s", "’s")
        or (text[end - 1 : end] == "s" and text[end : end + 1] in ("'", "’"))
    )


def _strip_possessive(name: str) -> str:
    return name[:-2] if name.endswith(("'s", "’s")) else name


class _Resolver:
    """Turns a pronoun speaker into the person it most likely refers to."""

    def __init__(
        self,
        text: str,
        persons: Sequence[tuple[int, int]] | None,
        sents: Sequence[tuple[int, int]] = (),
        quoted: Sequence[tuple[int, int]] = (),
    ) -> None:
        self.text = text
        # a person named inside quotation marks is spoken of, not the one who goes on speaking
        self.persons = sorted(p for p in persons or [] if not any(a < p[0] and p[1] <= b for a, b in quoted))
        self.sents = list(sents)
        self.named: list[tuple[int, str]] = []  # (position, name) of named speakers seen so far

    def name(self, span: tuple[int, int] | None, at: int, resolve: bool = True) -> str | None:
        if span is None:
            return None
        s = self.text[span[0] : span[1]].strip()
        low = s.lower()
        if low in _PRONOUNS and not resolve:
            return s
        if low in _PRONOUNS:
            if low in ("i", "we", "it"):
                return s
            prior = [p for p in self.persons if p[1] <= at]
            if prior:
                a, b = self._antecedent(prior)
                return _strip_possessive(self.text[a:b])
            # only speakers named before: reported speech is resolved after every quote has been read
            earlier = [name for pos, name in self.named if pos <= at]
            if earlier:
                return earlier[-1]
            guess = self._last_name_before(at)
            if guess:
                return guess
            sub = _OBJ_TO_SUBJ.get(low, low)
            return sub.capitalize() if s[0].isupper() else sub
        s = self._full_name(s, at)
        self.named.append((at, s))
        return s

    def _full_name(self, name: str, at: int) -> str:
        """A bare surname that ends the full names of two or more people named before ``at`` ("Holloway"
        after "James Holloway" and "Peter Holloway"): the one of them a pronoun there would refer to, which
        is the one news has just introduced; ``name`` itself otherwise."""
        if not re.fullmatch(r"[A-Z][\w'’-]+", name):
            return name
        prior = [
            (a, b)
            for a, b in self.persons
            if b <= at
            and len(self.text[a:b].split()) > 1
            and _strip_possessive(self.text[a:b]).split()[-1] == name
        ]
        if len({" ".join(_strip_possessive(self.text[a:b]).split()) for a, b in prior}) < 2:
            return name
        a, b = self._antecedent(prior)
        return " ".join(_strip_possessive(self.text[a:b]).split())

    def _antecedent(self, prior: list[tuple[int, int]]) -> tuple[int, int]:
        """The person a pronoun after ``prior`` (mentions before it, in order) refers to: in the sentence of
        the last mention, the first one that is not an owner ("Navalny's team") nor after a preposition
        or gerund ("asked about Navalny", "after meeting Macron"), as news writes "X met Y. '...,' he
        said." of X."""
        last = prior[-1]
        s, e = next(((s, e) for s, e in self.sents if s <= last[0] < e), last)
        for a, b in prior:
            if a < s or _possessive(self.text, b):
                continue
            before = re.findall(r"[\w'’]+", self.text[max(s, a - 20) : a])
            if before and (before[-1].lower() in _PREPOSITIONS or re.fullmatch(r"[a-z]+ing", before[-1])):
                continue  # "asked about Navalny", "after meeting Macron"
            return a, b
        return last

    def _last_name_before(self, at: int) -> str | None:
        """The last run of two or more capitalized words before ``at`` ("Maria Zakharova")."""
        best = None
        for m in _NAME_RUN.finditer(self.text, 0, at):
            words = m.group(0).split()
            if words[0].lower() in _DETERMINERS | _TITLE_SKIP | _SENTENCE_STARTERS:
                continue
            best = m.group(0)
        return best


def _ends_sentence(content: str) -> str:
    """The sentence-final mark that ends ``content`` (inner closing marks skipped), or ""."""
    c = content.rstrip().rstrip("’”'\"»›").rstrip()
    return c[-1] if c and c[-1] in ".!?" else ""


def _attribution_after(
    text: str, sents: list[tuple[int, int]], p: _Pair, sent_start: int
) -> _Attribution | None:
    """'“Who pays them?” Zakharova asked.': the sentence splitter ends a sentence after . ! ? and the closing
    mark when a capital follows, so the attribution is the next sentence. Taken only for a quote that is a
    sentence of its own and when the next sentence starts with its speaker right after the mark ("Zakharova
    asked", "Senator Ortiz tweeted on Sunday"); a quote that ends the author's sentence ('... known as
    “famadihana.” They say ...') keeps its own sentence's reading."""
    lead = text[sent_start : p.open].strip()
    if not _ends_sentence(text[p.open + 1 : p.close]) or not (lead == "" or lead.endswith(":")):
        return None
    j = p.close + 1
    while j < len(text) and text[j] in " \t":
        j += 1
    nxt = next(((s, e) for s, e in sents if s == j), None)
    if nxt is None:
        return None
    att = _attribution(text, nxt[0], nxt[1], [])
    if att is None or att.speaker is None or att.verb_at <= j:
        return None
    if re.search(r"[\"“„«‘]", text[att.verb_at : nxt[1]]):
        return None  # '“...” He added: “...”': the attribution introduces the next quote
    start = att.lead if att.lead >= 0 else min(att.speaker[0], att.source[0] if att.source else len(text))
    return att if start == j else None


def _whole_sentence(text: str, content: str, p: _Pair, sent_start: int) -> bool:
    """Whether a quote is a sentence of its own ("“It always has.”", "“Disgraceful!”"): it opens a
    sentence (or follows a colon), starts with a capital and ends with ! or ?, or with a period after two
    words or more. Such a quote is speech, never a scare quote ("They call themselves “journalists.”" is
    one)."""
    end = _ends_sentence(content)
    if not end or not content.lstrip("‘“'\"«‹")[:1].isupper():
        return False
    if end == "." and _n_words(content) < 2:
        return False
    lead = text[sent_start : p.open].strip()
    return lead == "" or lead.endswith(":")


def _clean(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] in ",;:"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",;:"):
        b -= 1
    return a, b


def find_quotes(text: str, persons: Sequence[tuple[int, int]] | None = None) -> list[Quote]:
    """Find the quotes in ``text``: direct and reported speech with speaker and source, and scare quotes.

    Args:
        text: the exact document text; offsets index into it.
        persons: optional ``(start, end)`` character spans of person names (e.g. spaCy ``PERSON`` entities),
            used to resolve a pronoun speaker ("she said") to a person named before the quote: in the
            sentence of the last such name, the first one that is no owner ("Navalny's"), not after a
            preposition and not inside quotation marks.

    Returns:
        Quotes sorted by ``start``; ``start``/``end`` cover the quoted words without the marks.
    """
    sents = sentences(text)
    pairs = _pairs(text)
    res = _Resolver(text, persons, sents, [(p.open, p.close) for p in pairs])
    out: list[Quote] = []
    prev_direct: tuple[int, str | None, str | None] | None = None  # (end, speaker, source)
    # the quotes before this one that may still enclose it (close >= its open), in order; of those that end
    # before it, only the last close matters (a list of every earlier quote, scanned per quote, was quadratic)
    outer: list[_Pair] = []
    last_close = -1
    for p in pairs:
        a, b = _clean(text, p.open + 1, p.close)
        if a >= b:
            continue
        and_said: tuple[int, str | None, str | None] | None = None
        content = text[a:b]
        last_close = max([last_close] + [o.close for o in outer if o.close < p.open])
        outer = [o for o in outer if o.close >= p.open]  # pairs come by open: the others end before
        enclosing = [o for o in outer if o.open < p.open and p.close < o.close]
        outer.append(p)
        # the attribution is looked for in the sentence(s) around the quote, outside the quote
        s0, _ = _sentence_of(sents, p.open)
        _, e0 = _sentence_of(sents, max(p.close - 1, p.open))
        # extend to the end of the sentence that holds the closing mark ('"...," he said.')
        _, e1 = _sentence_of(sents, min(p.close + 1, len(text) - 1))
        para = _paragraph_bounds(text, p.open, p.close)
        lo, hi = max(s0, para[0]), min(max(e0, e1), _paragraph_bounds(text, p.close, p.close)[1])
        if enclosing:
            inner = enclosing[-1]
            lo, hi = max(lo, inner.open + 1), min(hi, inner.close)
        else:
            # a quote earlier in the same sentence closes the previous speaker's turn:
            # 'Putin said: "..." - Zelensky replied: "..."' gives the second quote to Zelensky
            if last_close >= lo:
                lo = last_close + 1
                # '... called Y "..." and said Z were "..."': the same subject goes on speaking
                cm = _AND_VERB.match(text, lo, p.open)
                if cm and cm.group(1) in _VERB_SET and prev_direct and prev_direct[0] == lo - 1:
                    and_said = prev_direct
        holes = [(p.open, p.close + 1)]
        words = _n_words(content)
        before = text[max(lo, p.open - 40) : p.open].lower()
        so_called = bool(re.search(r"so[- ]called\s*$", before))
        att = None if so_called else _attribution(text, lo, hi, holes)
        if att is None and not so_called and text[max(0, p.open - 3) : p.open].rstrip().endswith(":"):
            # 'He wrote on Twitter:\n\n"..."': the introducing sentence ends with a colon
            ps = _sentence_of(sents, max(0, text.rfind(":", 0, p.open)))
            att = _attribution(text, ps[0], text.rfind(":", 0, p.open) + 1, [])
        if att is None and not so_called and not enclosing:
            att = _attribution_after(text, sents, p, max(s0, para[0]))
        multi_sentence = bool(_SENT_PUNCT.search(content.strip())) and words > 3
        if so_called:
            kind = "scare"
        elif att is not None or (and_said is not None and and_said[1] is not None):
            kind = "direct"
        elif words <= 4 and not multi_sentence and _is_title(content) and not enclosing:
            continue  # a name or title ("Game of Thrones"), not a quote
        elif words <= 4 and not multi_sentence and not _whole_sentence(text, content, p, max(s0, para[0])):
            kind = "scare"
        else:
            kind = "direct"
        speaker = source = None
        if kind == "direct":
            if att is not None:
                speaker = res.name(att.speaker, p.open, resolve=not enclosing)
                source = text[att.source[0] : att.source[1]] if att.source else None
            elif and_said is not None:
                speaker, source = and_said[1], and_said[2]
            elif (
                prev_direct is not None
                and not enclosing
                and text.count("\n", prev_direct[0], p.open) <= 2
                and text[max(s0, para[0]) : p.open].strip() == ""
                # '"...," said 47-year-old Anna Kowalski' (not parsed): another speaker, not the one before
                and not _other_name_follows(text, p.close + 1, prev_direct[1], e1)
            ):
                speaker, source = prev_direct[1], prev_direct[2]
            if not enclosing:
                prev_direct = (p.close, speaker, source)
        out.append(Quote(a, b, kind, speaker, source))
    out.extend(_reported(text, sents, out, res))
    out.sort(key=lambda q: (q.start, -(q.end - q.start)))
    return out


# '"..." and said ...', '"...", and also called ...' between two quotes of one sentence
_AND_VERB = re.compile(r"\s*,?\s*(?:and|but)\s+(?:also\s+|then\s+|later\s+)?([a-z]+)\b")
_VERB_AFTER = re.compile(r"[\s,]*([a-z]+)\b")


def _other_name_follows(text: str, i: int, speaker: str | None, end: int) -> bool:
    """Whether a speech verb comes right after ``text[i]`` (after a comma) and then, before ``end``, a
    capitalised word that is not in ``speaker``: '"...," said 47-year-old Anna Kowalski' after Pruitt spoke
    (while '"...," continued the shooter's neighbor' may well be the same person)."""
    m = _VERB_AFTER.match(text, i)
    if m is None or m.group(1) not in _VERB_SET or "\n" in text[i : m.start(1)]:
        return False
    known = set(re.findall(r"[\w'’-]+", speaker or ""))
    return any(w[0].isupper() and w not in known for w in re.findall(r"[\w'’-]+", text[m.end() : end]))


# a day first: "said on Monday Russia would win" (the name after the day is the clause's subject)
_WHERE_WHEN = (
    r"(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today)\b"
    r"|(?:on|in|at|to|during|after|with)\s+(?:(?:a|an|the|his|her|their|its|national|state)\s+)?"
    r"[\w.-]+(?:\s+(?:with|to)\s+(?:the\s+)?[\w.-]+)?(?:\s+[A-Z][\w.-]*)*"
)
_ADJUNCT = re.compile(
    rf"(?:\s+(?:{_WHERE_WHEN}"
    r"|(?:reporters|journalists|lawmakers|parliament|[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)))*\s*,?\s*"
)
# the same without a listener: after "said", "claimed" ... a name is the reported clause's subject ("Putin
# said Russia would never surrender"), only after "told" or "asked" the listener ("Peskov told Reuters ...")
_ADJUNCT_NO_LISTENER = re.compile(rf"(?:\s+(?:{_WHERE_WHEN}))*\s*,?\s*")
_LISTENER_VERBS = _OBJECT_VERBS | frozenset("asked asks urged urges".split())
# a finite verb between a speech verb and "that" has begun the reported clause
_AUXILIARIES = frozenset(
    "is are was were be been being am has have had do does did will would shall should can could may might "
    "must".split()
)


# what opens a new clause after a trailing attribution and its adjuncts (", as ...", ", confirming ...")
_NEW_CLAUSE = re.compile(r"(?:[a-z]+ing|as|while|whereas|because|although|though|but|and|amid|even)\b")


# a wire dateline before the first sentence: "BERLIN, March 4 (Reuters) - ", "LISBON - "
_DATELINE = re.compile(
    r"[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([\w .]+\))?\s*[—–-]{1,2}\s+"
)


def _after_dateline(text: str, s: int, e: int) -> int:
    """Where the words of a sentence start after a wire dateline ("BERLIN (Reuters) - "): no one said it."""
    m = _DATELINE.match(text, s, e)
    return m.end() if m else s


_TOLD_OBJECT = re.compile(r"\s+(?:the|a|an)\s+[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*)*")


def _reported(text: str, sents: list[tuple[int, int]], quotes: list[Quote], res: _Resolver) -> list[Quote]:
    """Reported speech: sentences with a speaker and a reporting verb and no quotation marks."""
    out: list[Quote] = []
    # a sentence that a direct quote overlaps is not reported speech: the direct quotes by start, with the
    # furthest end of each prefix, answer that by bisection (a scan of every quote per sentence was quadratic)
    direct = sorted((q.start, q.end) for q in quotes if q.kind == "direct")
    starts = [a for a, _ in direct]
    reach = list(itertools.accumulate((b for _, b in direct), max))
    for s, e in sents:
        body = text[s:e]
        k = bisect.bisect_left(starts, e)  # the direct quotes that start before the sentence ends
        if k and reach[k - 1] > s:
            continue
        if re.search(r"[\"“”«»„]", body) or body.rstrip().endswith(":"):
            continue
        core_end = e
        while core_end > s and text[core_end - 1] in ".!?\"'”’ )":
            core_end -= 1
        found = _according(text, s, core_end, res) or _said(text, s, core_end, res)
        if found is not None and _n_words(text[found.start : found.end]) >= 3:
            out.append(found)
    return out


def _according(text: str, s: int, core_end: int, res: _Resolver) -> Quote | None:
    """ "According to X, CLAUSE." and "CLAUSE, according to X." """
    m = _ACCORDING.search(text, s, core_end)
    if not m:
        return None
    ph = _valid(text, _walk_forward(_tokens(text[m.end() : core_end], m.end()), 0))
    if ph is None:
        return None
    if text[s : m.start()].strip(" ([") == "":
        comma = text.find(",", ph[1], core_end)
        if comma < 0:
            return None
        a, b = _clean(text, comma + 1, core_end)
    else:
        a, b = _clean(text, _after_dateline(text, s, m.start()), m.start())
    phrase = text[ph[0] : ph[1]]
    if _is_outlet(phrase):
        return Quote(a, b, "reported", None, phrase) if a < b else None
    return Quote(a, b, "reported", res.name(ph, s), None) if a < b else None


def _said(text: str, s: int, core_end: int, res: _Resolver) -> Quote | None:
    """ "X said (that) CLAUSE", "CLAUSE, X said (in a statement)." and "CLAUSE, said X." """
    att = _attribution(text, s, core_end, [])
    if att is None or att.speaker is None:
        return None
    vm = re.match(r"[\w'’]+", text[att.verb_at :])
    verb_end = att.verb_at + (vm.end() if vm else 0)
    verb = text[att.verb_at : verb_end].lower()
    if verb == "put":  # "As X put it, CLAUSE"
        im = re.match(r"\s+it\b", text[verb_end:])
        verb_end += im.end() if im else 0
    spk_start = min(att.speaker[0], att.verb_at, att.lead if att.lead >= 0 else att.speaker[0])
    if re.search(r"\b(?:which|whom|whose|that)\s*$", text[s:spk_start], re.I):
        return None  # "an order, which a judge denied, ...": the verb of a relative clause reports nothing
    comma = text.rfind(",", s, spk_start)
    tail = text[max(verb_end, att.speaker[1]) : core_end]
    # a fronted time adjunct is not a clause: "On Wednesday, the governor said ..."
    fronted = (
        comma >= 0 and _skip_time_back(_tokens(text[s:comma], s), len(_tokens(text[s:comma], s)) - 1) < 0
    )
    # ... or it is followed by a new clause: "CLAUSE, the office said on Tuesday, as ...", ", adding that ..."
    am = _ADJUNCT.match(tail)
    new_clause = am is not None and "," in tail[: am.end()] and _NEW_CLAUSE.match(tail, am.end())
    trailing = _n_words(tail) <= 6 and not re.search(r"\bthat\b", tail) or new_clause
    if comma >= 0 and not fronted and trailing:
        # a trailing attribution: "CLAUSE, X said." / "CLAUSE, said X in a statement."
        a, b = _clean(text, _after_dateline(text, s, comma), comma)
    elif att.speaker[1] <= att.verb_at:
        after = text[verb_end:core_end]
        qm = re.match(r"\s+[\w'’. -]*?\bas\s+(?:saying|stating)\b\s*(?:that\b)?", after)
        thm = re.match(r"(?:\s+\S+){0,8}?\s+that\b", after)
        if thm and any(w.lower() in _AUXILIARIES for w in re.findall(r"[\w'’]+", after[: thm.end() - 4])):
            thm = None  # "said the economy would grow so fast that ...": that "that" is inside the clause
        if qm:
            a = verb_end + qm.end()
        elif thm:
            a = verb_end + thm.end()
        else:
            # the listener of "told": "Peskov told the BBC the talks were over" (not part of the clause)
            om = _TOLD_OBJECT.match(after) if verb in _OBJECT_VERBS else None
            skip = om.end() if om else 0
            am = (_ADJUNCT if verb in _LISTENER_VERBS else _ADJUNCT_NO_LISTENER).match(after, skip)
            a = verb_end + (am.end() if am else skip)
        # a verb whose object before a semicolon is a word or two reports no clause: "They predicted
        # collapse; instead we got prosperity" (the author's answer is not what they said)
        semi = text.find(";", a, core_end)
        if semi >= 0 and _n_words(text[a:semi]) < 3:
            return None
        a, b = _clean(text, a, core_end)
    else:
        return None
    if a >= b:
        return None
    # a source outlet is where the words were said, never a name inside the reported clause ("... by NATO")
    src = text[att.source[0] : att.source[1]] if att.source and not (a <= att.source[0] < b) else None
    return Quote(a, b, "reported", res.name(att.speaker, s), src)


def voice_of(start: int, end: int, quotes: Sequence[Quote]) -> dict[str, Any]:
    """Whose words ``text[start:end]`` are: the author's, a quoted person's, or reported speech.

    A span inside a direct quote belongs to the quoted speaker; inside reported speech to the reported
    speaker (in the author's paraphrase); inside a scare quote, or outside any quote, to the author. A span
    that runs from one direct quote into another of the same speaker ('"a puppet" and said they were
    "parasites"') is that speaker's too: the words between only report them.

    Returns:
        ``{"voice": "author"|"quoted"|"reported", "speaker": str|None, "quote": index or None}``.
    """
    best: tuple[int, int] | None = None
    for i, q in enumerate(quotes):
        if q.kind == "scare":
            continue
        ov = min(end, q.end) - max(start, q.start)
        if ov > 0 and ov * 2 >= (end - start):
            size = q.end - q.start
            if best is None or size < best[1] or (size == best[1] and q.kind == "direct"):
                best = (i, size)
    if best is None:
        best = _across_quotes(start, end, quotes)
    if best is None:
        return {"voice": "author", "speaker": None, "quote": None}
    q = quotes[best[0]]
    return {"voice": "quoted" if q.kind == "direct" else "reported", "speaker": q.speaker, "quote": best[0]}


def _across_quotes(start: int, end: int, quotes: Sequence[Quote]) -> tuple[int, int] | None:
    """``(index, size)`` of the quote that holds most of a span that starts in one direct quote and ends in
    another of the same named speaker; None for any other span."""
    direct = [(i, q) for i, q in enumerate(quotes) if q.kind == "direct" and q.speaker]
    first = [(i, q) for i, q in direct if q.start <= start < q.end]
    last = [(i, q) for i, q in direct if q.start < end <= q.end]
    for i, q in first:
        for j, q2 in last:
            if j != i and q2.speaker == q.speaker and q.end <= q2.start:
                k = max((i, j), key=lambda x: min(end, quotes[x].end) - max(start, quotes[x].start))
                return k, quotes[k].end - quotes[k].start
    return None
