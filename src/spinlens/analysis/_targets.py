"""Who a technique span attacks: the named entity it targets, and in whose voice.

A span of an attacking technique (:data:`ATTACK_TECHNIQUES`) targets an entity when

- it contains a mention of the entity ("the corrupt Smith administration"), or else
- a mention of the entity is in the same clause of the same sentence (clauses end at ``;`` and ``:`` and
  at ", and / but / while / ..."), and of those mentions it is the nearest to the span. Loaded words and
  appeals to fear (:data:`WORDING_TECHNIQUES`) describe events as often as people, so for them the mention
  must be next to the span (``ADJACENT`` characters: "Smith's reckless plan"). A span inside a quote looks
  for its target inside that quote first, then in the rest of the clause.

The speaker and the source of the quote a span is in are never its target (a speaker does not attack
themself), and a span with no entity in its clause ("He is a liar.") targets nobody: pronouns are not
resolved, so no entity is invented.

An entity is **attacked** when a span in the author's own words targets it, or when its role is
Antagonist and there is evidence: a span (the author's or a quoted person's) that targets it, or an
attacking span that targets no other entity in a sentence that mentions it and where it does not speak.
A quoted speaker is therefore listed only when the article attacks them outside their own words.
Mentions of one person under several names ("Anna Berg", "Berg", "Ms. Berg") are merged first.

An entity dict with ``"salient": False`` (a named entity the article does not cast in a role) is never
listed, but it takes part in everything else: a span that names it or sits next to it targets it and no
listed entity, it can be the speaker of a quote, and a surname that ends its name and a listed one's is
ambiguous, so it joins neither. A span that lies inside a mention of such an entity ("Nazis", or an NER
error such as "Hypocrisy" in a title) is that entity's name, not an attack on it: it looks for its target
among the other entities.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from spinlens.analysis._quotes import NAME_PARTICLES, ROLE_WORDS, voice_of
from spinlens.schema import Quote

__all__ = [
    "ATTACK_TECHNIQUES",
    "WORDING_TECHNIQUES",
    "ADJACENT",
    "Target",
    "EntityRef",
    "merge_aliases",
    "clauses",
    "span_targets",
    "attacked_entities",
    "person_core",
    "main_entity",
    "overlap_test",
]

#: techniques that attack someone: the "attack on reputation" family, loaded words, and the distractions
#: and appeals that cast an opponent (a straw man, whataboutism, fear of a group).
ATTACK_TECHNIQUES = frozenset(
    {
        "Name_Calling-Labeling",
        "Doubt",
        "Guilt_by_Association",
        "Appeal_to_Hypocrisy",
        "Questioning_the_Reputation",
        "Loaded_Language",
        "Straw_Man",
        "Whataboutism",
        "Appeal_to_Fear-Prejudice",
    }
)

#: attacking techniques that need their target right next to them (see the module docstring)
WORDING_TECHNIQUES = frozenset({"Loaded_Language", "Appeal_to_Fear-Prejudice"})
#: characters between a span and the mention it modifies ("the reckless plan of Anna Berg" is 12)
ADJACENT = 24

# titles dropped before comparing person names ("Ms. Berg" is "Berg")
_HONORIFICS = frozenset(
    (
        "mr mrs ms miss dr prof sir dame lord lady rev fr sen senator rep gov governor gen general lt col "
        "sgt capt adm president vice prime minister secretary chancellor premier judge justice mayor pope "
        "king queen prince princess sheikh comrade"
    ).split()
)
# name particles that open a surname ("von der Leyen", "de la Cruz", "bin Salman"); "al" and "el" stay words
# of their own here ("Abu Bakr al-Baghdadi" is one word already)
_PARTICLES = NAME_PARTICLES - {"al", "el"}
# dashes are left alone: "Smith — a known liar — left" is one clause about Smith
_CLAUSE_BREAK = re.compile(
    r"\s*[;:]\s*|,\s+(?=(?:and|but|while|whereas|although|though|yet|or)\b)|\s+(?=but\b)"
)
_NAME_WORD = re.compile(r"[\w’'-]+")


def _norm(name: str) -> str:
    s = re.sub(r"\s+", " ", name.strip()).lower()
    s = re.sub(r"^the ", "", s)
    s = re.sub(r"['’]s?$", "", s)
    return s.replace(".", "")


def person_core(name: str) -> tuple[str, ...]:
    """The words of a person's name without titles or possessive: "Ms. Anna Berg's" -> ("anna", "berg")."""
    words = [w.strip("'’-") for w in _NAME_WORD.findall(_norm(name))]
    words = [w for w in words if w]
    while len(words) > 1 and words[0] in _HONORIFICS:
        words = words[1:]
    # a surname with particles is one word: "Ursula von der Leyen" -> ("ursula", "von der leyen"), so that
    # "Von der Leyen" is her surname alone, not another full name
    i = next((i for i, w in enumerate(words[:-1]) if w in _PARTICLES), len(words))
    return tuple(words[:i]) + ((" ".join(words[i:]),) if i < len(words) else ())


@dataclass
class EntityRef:
    """One entity as the summary sees it: its display name, label, mentions and role (when known)."""

    name: str
    label: str | None
    mentions: list[tuple[int, int]]
    role: str | None = None
    source: list[int] = field(default_factory=list)  # indices of the entity dicts merged into this one
    salient: bool = True  # False: used to find targets and speakers, never listed as attacked


def merge_aliases(entities: Sequence[Mapping[str, Any]]) -> list[EntityRef]:
    """Merge the entity dicts that name the same entity.

    Two entities are one when their normalised names are equal, or when one is a person and the other's
    name (titles dropped) ends the person's full name and no other person's ("Berg" and "Ms. Berg" join
    "Anna Berg"; "Biden" joins neither "Joe Biden" nor "Hunter Biden" when both occur). The merged entity
    takes the longest name; its role is that of the merged entity dict :func:`main_entity` picks, and it is
    salient when one of them is.
    """
    refs: list[EntityRef] = []
    for i, e in enumerate(entities):
        ms = [(int(a), int(b)) for a, b in (e.get("mentions") or [(e["start"], e["end"])])]
        refs.append(
            EntityRef(str(e["text"]), e.get("label"), ms, e.get("role"), [i], bool(e.get("salient", True)))
        )
    cores = [person_core(r.name) for r in refs]
    parent = list(range(len(refs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # the same name
    by_name: dict[tuple[str, ...], int] = {}
    for i, c in enumerate(cores):
        if c in by_name:
            parent[find(i)] = find(by_name[c])
        else:
            by_name[c] = i
    # a shorter name that ends exactly one longer person name
    persons = [i for i, r in enumerate(refs) if r.label == "PERSON" and len(cores[i]) > 1]
    for i, c in enumerate(cores):
        if not c:
            continue
        owners = {find(j) for j in persons if j != i and len(cores[j]) > len(c) and cores[j][-len(c) :] == c}
        if len(owners) == 1 and len(c) < 3:
            parent[find(i)] = owners.pop()
    groups: dict[int, list[int]] = {}
    for i in range(len(refs)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        rs = [refs[i] for i in members]
        main = refs[main_entity(entities, members)]
        name = max((r.name for r in rs), key=lambda n: (len(person_core(n)), len(n)))
        label = next((r.label for r in rs if r.label == "PERSON"), main.label)
        mentions = sorted({m for r in rs for m in r.mentions})
        source = sorted(i for r in rs for i in r.source)
        out.append(EntityRef(name, label, mentions, main.role, source, any(r.salient for r in rs)))
    out.sort(key=lambda r: r.mentions[0] if r.mentions else (0, 0))
    return out


def main_entity(entities: Sequence[Mapping[str, Any]], members: Sequence[int]) -> int:
    """The index (one of ``members``) of the entity dict whose role and fine roles a merged entity takes:
    one with a role, then the most mentions, then the first."""
    return max(
        sorted(members),
        key=lambda i: (entities[i].get("role") is not None, len(entities[i].get("mentions") or [1])),
    )


def clauses(text: str, sents: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The clauses of each sentence: ``(start, end)`` pieces split at ``; :`` and ", and / but / ..."."""
    out = []
    for a, b in sents:
        cur = a
        for m in _CLAUSE_BREAK.finditer(text, a, b):
            if m.start() > cur:
                out.append((cur, m.start()))
            cur = m.end()
        if cur < b:
            out.append((cur, b))
    return out


def _containing(pieces: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    best = None
    for a, b in pieces:
        if a < end and start < b:
            if best is None:
                best = (a, b)
            else:
                best = (min(best[0], a), max(best[1], b))
    return best or (start, end)


def overlap_test(pieces: Iterable[tuple[int, int]]) -> Callable[[int, int], bool]:
    """A test of whether ``(start, end)`` overlaps one of ``pieces`` (``a < end and start < b``), in
    ``log n`` per test: of the pieces that begin before ``end``, the one that reaches furthest must end after
    ``start``."""
    order = sorted((int(a), int(b)) for a, b in pieces)
    starts = [a for a, _ in order]
    reach = list(accumulate((b for _, b in order), max))

    def overlaps(start: int, end: int) -> bool:
        k = bisect_left(starts, end)
        return k > 0 and reach[k - 1] > start

    return overlaps


class _Pieces:
    """:func:`_containing` over fixed pieces, by bisection when they are in order and do not overlap (the
    clauses and sentences of a text), so that a long article costs ``n log n``, not ``n**2``."""

    def __init__(self, pieces: Sequence[tuple[int, int]]) -> None:
        self.pieces = [(int(a), int(b)) for a, b in pieces]
        self.starts = [a for a, _ in self.pieces]
        self.ends = [b for _, b in self.pieces]
        self.ordered = all(a < b for a, b in self.pieces) and all(
            b <= a2 for b, a2 in zip(self.ends, self.starts[1:])
        )

    def containing(self, start: int, end: int) -> tuple[int, int]:
        if not self.ordered:
            return _containing(self.pieces, start, end)
        i = bisect_right(self.ends, start)  # the first piece that ends after start
        j = bisect_left(self.starts, end)  # pieces[:j] start before end
        return (self.pieces[i][0], self.pieces[j - 1][1]) if i < j else (start, end)


def _names_match(ref: EntityRef, who: str | None) -> bool:
    """Whether the speaker or source phrase ``who`` names ``ref`` (its full name or, for a person, the
    surname), whole words only."""
    if not who:
        return False
    hay = " " + " ".join(w.strip("'’-") for w in _NAME_WORD.findall(_norm(who))) + " "
    core = person_core(ref.name)
    if not core:
        return False
    if f" {' '.join(core)} " in hay:
        return True
    if ref.label != "PERSON" or len(core) < 2 or f" {core[-1]} " not in hay:
        return False
    # the surname alone ("Holloway", "Mrs Holloway", "Minister Holloway"), not another person's full name
    # ("Peter Holloway" is not James Holloway)
    words = _NAME_WORD.findall(who)
    return not any(
        w.strip("'’-").lower() == core[-1]
        and k > 0
        and words[k - 1][:1].isupper()
        and _norm(words[k - 1]) not in _HONORIFICS | ROLE_WORDS
        and _norm(words[k - 1]) not in core
        for k, w in enumerate(words)
    )


@dataclass
class Target:
    """One span that targets one entity."""

    entity: int  # index into the merged entities
    span: Mapping[str, Any]
    voice: str  # "author", "quoted" or "reported"
    speaker: str | None
    how: str  # "mention" (the span names it), "adjacent", "clause" (nearest in the clause), "sentence"


def span_targets(
    text: str,
    spans: Sequence[Mapping[str, Any]],
    quotes: Sequence[Quote],
    refs: Sequence[EntityRef],
    sents: Sequence[tuple[int, int]],
) -> list[Target]:
    """The entity each attacking span targets (at most one per span; see the module docstring)."""
    pieces = _Pieces(clauses(text, sents))
    unlisted = [(i, a, b) for i, r in enumerate(refs) if not r.salient for a, b in r.mentions]
    out: list[Target] = []
    for sp in spans:
        if sp["technique"] not in ATTACK_TECHNIQUES:
            continue
        s, e = int(sp["start"]), int(sp["end"])
        v = voice_of(s, e, quotes)
        q = quotes[v["quote"]] if v["quote"] is not None else None
        banned = set()
        if q is not None:
            banned = {
                i for i, r in enumerate(refs) if _names_match(r, q.speaker) or _names_match(r, q.source)
            }
        # a mention of an entity that is not listed and that holds the whole span is the span's own word
        # ("Nazis", an NER error such as "Hypocrisy" in a title), not what it targets
        banned |= {i for i, a, b in unlisted if a <= s and e <= b}
        inside = [
            (i, m) for i, r in enumerate(refs) if i not in banned for m in r.mentions if m[0] < e and s < m[1]
        ]
        how = "mention"
        cands = inside
        if not cands:
            how = "clause"
            ca, cb = pieces.containing(s, e)
            near = [
                (i, m)
                for i, r in enumerate(refs)
                if i not in banned
                for m in r.mentions
                if ca <= m[0] and m[1] <= cb
            ]
            if q is not None:
                in_quote = [(i, m) for i, m in near if q.start <= m[0] and m[1] <= q.end]
                cands = in_quote or near
            else:
                cands = near
        if not cands:
            continue

        def dist(m: tuple[int, int]) -> int:
            return 0 if m[0] < e and s < m[1] else (m[0] - e if m[0] >= e else s - m[1])

        # of two mentions as near, one that is the object of "of / in / from ..." qualifies the other ("the
        # mayor of Springfield, Tom Quimby, is a corrupt liar" attacks Quimby, not Springfield)
        i, m = min(cands, key=lambda c: (dist(c[1]), _qualifier(text, c[1][0]), c[1][0]))
        if how == "clause" and dist(m) <= ADJACENT:
            how = "adjacent"
        if how == "clause" and sp["technique"] in WORDING_TECHNIQUES:
            continue
        out.append(Target(i, sp, str(v["voice"]), v["speaker"], how))
    return out


_QUALIFIER = re.compile(r"\b(?:of|in|from|at|for)\s+(?:the\s+)?$", re.I)


def _qualifier(text: str, start: int) -> bool:
    """Whether the mention starting at ``start`` follows "of", "in", "from", "at" or "for" (and "the")."""
    return bool(_QUALIFIER.search(text[max(0, start - 12) : start]))


def _sentence_evidence(
    text: str,
    spans: Sequence[Mapping[str, Any]],
    quotes: Sequence[Quote],
    ref: EntityRef,
    sents: Sequence[tuple[int, int]],
    elsewhere: set[int],
) -> list[Target]:
    """Attacking spans in the sentences that mention ``ref``, except those whose ``id`` is in ``elsewhere``
    (they target another entity)."""
    own = [
        q
        for q in quotes
        if q.kind != "scare" and (_names_match(ref, q.speaker) or _names_match(ref, q.source))
    ]
    where = _Pieces(sents)
    ment_sents = {where.containing(a, b) for a, b in ref.mentions}
    # a sentence where the entity speaks is no evidence against it
    ment_sents = {(a, b) for a, b in ment_sents if not any(q.start < b and a < q.end for q in own)}
    out = []
    for sp in spans:
        if sp["technique"] not in ATTACK_TECHNIQUES or id(sp) in elsewhere:
            continue
        s, e = int(sp["start"]), int(sp["end"])
        if any(a < e and s < b for a, b in ment_sents):
            v = voice_of(s, e, quotes)
            out.append(Target(-1, sp, str(v["voice"]), v["speaker"], "sentence"))
    return out


def attacked_entities(
    text: str,
    spans: Sequence[Mapping[str, Any]],
    quotes: Sequence[Quote],
    entities: Sequence[Mapping[str, Any]],
    sents: Sequence[tuple[int, int]],
) -> list[tuple[EntityRef, list[Target]]]:
    """The attacked entities (aliases merged) with the spans that attack them, most attacked by the author
    first (see the module docstring for the rule)."""
    refs = merge_aliases(entities)
    hits: dict[int, list[Target]] = {}
    targets = span_targets(text, spans, quotes, refs, sents)
    for t in targets:
        hits.setdefault(t.entity, []).append(t)
    out = []
    for i, r in enumerate(refs):
        if not r.salient:
            continue
        ts = hits.get(i, [])
        if any(t.voice == "author" for t in ts):
            out.append((r, ts))
        elif r.role == "Antagonist":
            others = {id(t.span) for t in targets if t.entity != i}
            ev = ts or _sentence_evidence(text, spans, quotes, r, sents, others)
            for t in ev:
                t.entity = i
            if ev:
                out.append((r, ev))
    out.sort(key=lambda x: (-sum(t.voice == "author" for t in x[1]), -len(x[1]), x[0].mentions[0]))
    return out
