"""A deterministic lexicon-and-pattern tagger: the shipped model's stand-in for tests and ``--model rules``.

``RuleTagger`` implements the tagger protocol of :mod:`spinlens.pipeline` (``info``, ``predict``,
``classify``) with no model files. Its cues are the checkable ones listed in the taxonomy: labels such as
"traitor" or "foreign agent" (name calling), emotionally charged words (loaded language), "either ...
or" (false dilemma), "full stop" (conversation killer), appeals to named authorities, and exact
multi-word phrases said twice in one text (repetition). Every rule is a regular expression with a fixed
confidence, so the same text always gives the same spans; the model's sha256 is the digest of the rule
table, so a changed rule changes the provenance recorded in each analysis.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from spinlens.schema import ModelInfo, TechniqueSpan, span_sort_key
from spinlens.taxonomy import TECHNIQUE_IDS, is_technique
from spinlens.text import sentences

__all__ = ["RuleTagger", "RULES", "RULES_VERSION"]

RULES_VERSION = "1"

_W = r"[\w'’-]+"  # one word, for "so-called X" style rules

#: (technique, pattern, confidence). Patterns are case-insensitive and matched on word boundaries.
RULES: tuple[tuple[str, str, float], ...] = (
    # attack on reputation
    ("Name_Calling-Labeling", r"foreign agents?", 0.9),
    ("Name_Calling-Labeling", r"infowar outlets?", 0.9),
    ("Name_Calling-Labeling", r"traitor(?:s|ous)?", 0.9),
    ("Name_Calling-Labeling", r"puppets?", 0.85),
    ("Name_Calling-Labeling", r"stooges?|shills?|lackeys?|henchm[ae]n|cronies", 0.85),
    ("Name_Calling-Labeling", r"propagandists?|warmongers?|fearmongers?|russophobes?", 0.85),
    ("Name_Calling-Labeling", r"thugs?|clowns?|lunatics?|morons?|idiots?|cowards?|crooks?", 0.8),
    ("Name_Calling-Labeling", r"fascists?|extremists?|radicals?|globalists?|zealots?", 0.75),
    ("Name_Calling-Labeling", r"regime", 0.6),
    ("Name_Calling-Labeling", rf"so-called {_W}", 0.8),
    (
        "Name_Calling-Labeling",
        r"self-(?:described|proclaimed|styled) [\"“'‘]?[\w -]+?[\"”'’]?(?=[\s,.;:!?]|$)",
        0.8,
    ),
    ("Guilt_by_Association", r"(?:just )?like (?:the )?(?:Nazis|Hitler|Stalin|communists|the Soviets)", 0.8),
    ("Guilt_by_Association", r"(?:straight )?out of the playbook of", 0.75),
    ("Doubt", r"can (?:we|you) (?:really|honestly) (?:trust|believe)", 0.8),
    ("Doubt", r"what (?:are|is) (?:they|he|she|it) hiding", 0.8),
    ("Doubt", r"(?:highly )?(?:questionable|dubious)", 0.6),
    ("Appeal_to_Hypocrisy", r"hypocri(?:sy|tes?|tical)|double standards?", 0.8),
    ("Appeal_to_Hypocrisy", r"(?:the )?same (?:capitals|people|politicians|countries) that preach", 0.75),
    (
        "Questioning_the_Reputation",
        r"(?:long )?(?:history|track record) of (?:lying|lies|corruption|failure)",
        0.8,
    ),
    ("Questioning_the_Reputation", r"cannot be trusted|can't be trusted|known liars?", 0.8),
    # justification
    ("Flag_Waving", r"our (?:own |great |beloved )?(?:nation|country|motherland|fatherland|homeland)", 0.7),
    ("Flag_Waving", r"true patriots?|patriotic duty|national pride", 0.8),
    ("Appeal_to_Authority", r"(?:a )?resolution of the UN Security Council", 0.8),
    (
        "Appeal_to_Authority",
        r"(?:leading |top )?(?:experts|scientists|doctors) (?:say|agree|confirm|warn)",
        0.75,
    ),
    ("Appeal_to_Authority", r"(?:studies|research) (?:shows?|proves?)", 0.7),
    ("Appeal_to_Authority", r"according to (?:the )?(?:experts|ministry|officials)", 0.65),
    ("Appeal_to_Popularity", r"every(?:one|body) knows|nobody believes|most people agree", 0.8),
    ("Appeal_to_Popularity", r"millions of (?:people|citizens|voters|Americans) (?:know|agree|believe)", 0.8),
    ("Appeal_to_Values", r"(?:our|traditional|family|Christian|Western|European) values", 0.75),
    ("Appeal_to_Fear-Prejudice", r"(?:a )?(?:grave |mortal |existential )?threat to (?:our|the) \w+", 0.7),
    ("Appeal_to_Fear-Prejudice", r"will (?:destroy|ruin|wipe out) (?:our|the) \w+", 0.75),
    ("Appeal_to_Fear-Prejudice", r"spread(?:ing)? panic", 0.6),
    # simplification
    ("Causal_Oversimplification", r"the (?:only|sole|real) (?:reason|cause)", 0.7),
    ("Causal_Oversimplification", r"(?:solely|entirely|alone) (?:to blame|responsible)", 0.75),
    ("False_Dilemma-No_Choice", r"either\b[^.!?\n]{1,160}?,? or\b[^.!?\n]{0,160}", 0.8),
    ("False_Dilemma-No_Choice", r"there is no (?:third way|other (?:way|option|choice)|alternative)", 0.8),
    ("False_Dilemma-No_Choice", r"(?:you are |you're )?(?:either )?with us or against us", 0.9),
    (
        "Consequential_Oversimplification",
        r"(?:will|would) inevitably lead to|slippery slope|next thing you know",
        0.75,
    ),
    # distraction
    ("Straw_Man", r"(?:the )?(?:critics|opponents|they) would have you believe", 0.75),
    ("Red_Herring", r"but the real (?:issue|question|story|scandal) is", 0.7),
    ("Whataboutism", r"what about", 0.75),
    # call
    ("Slogans", r"#\w{3,}", 0.6),
    ("Slogans", r"we will not be (?:intimidated|divided|silenced|defeated)", 0.7),
    (
        "Conversation_Killer",
        r"full stop|end of (?:story|discussion)|case closed|enough said|it is what it is",
        0.85,
    ),
    ("Appeal_to_Time", r"now or never|time is running out|before it(?: is|'s|’s) too late|act now", 0.8),
    # manipulative wording
    ("Loaded_Language", r"outrageous|disgraceful|shameful|shameless|scandalous|despicable|appalling", 0.8),
    ("Loaded_Language", r"disasters?|disastrous|catastroph(?:e|ic)|horrific|monstrous|vile|sinister", 0.75),
    (
        "Loaded_Language",
        r"hysteri(?:a|cal)|provocations?|massacres?|slaughter|brutal(?:ly)?|reckless(?:ly)?",
        0.7,
    ),
    ("Loaded_Language", r"treacherous|cowardly|evil|wicked", 0.75),
    (
        "Obfuscation-Vagueness-Confusion",
        r"certain (?:circles|forces|people|quarters)|some (?:say|would say)",
        0.6,
    ),
    ("Exaggeration-Minimisation", r"(?:the )?(?:worst|greatest|biggest) \w+ (?:ever|in history)", 0.75),
    (
        "Exaggeration-Minimisation",
        r"armed to the teeth|arm(?:s|ing)? themselves to the teeth|unprecedented",
        0.7,
    ),
    (
        "Exaggeration-Minimisation",
        r"(?:a )?few hundred people|only a handful|a mere \w+|nothing of the kind",
        0.6,
    ),
)

_STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his i if in is it its of on or our she so "
    "that the "
    "their them they this to was we were will with you your not no".split()
)
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_TRAILING = " \t\n,;:.!?"
_REPEAT_MIN, _REPEAT_MAX = 3, 8
_REPEAT_SCORE = 0.7
# prior over techniques for span classification: how often each appears in news (PTC / SemEval-2023)
_PRIOR = {"Loaded_Language": 0.05, "Name_Calling-Labeling": 0.03, "Doubt": 0.02, "Repetition": 0.02}


def _compile() -> list[tuple[str, re.Pattern[str], float]]:
    out = []
    for tid, pattern, score in RULES:
        if not is_technique(tid):  # pragma: no cover - guarded by tests
            raise ValueError(f"rule for unknown technique {tid!r}")
        out.append((tid, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE), score))
    return out


class RuleTagger:
    """Lexicon and pattern rules for persuasion techniques; deterministic and needs no model files.

    Args:
        repetition: also mark exact multi-word phrases said more than once in a sentence-aligned text.
    """

    def __init__(self, *, repetition: bool = True) -> None:
        self.repetition = repetition
        self._rules = _compile()
        digest = hashlib.sha256(
            json.dumps({"version": RULES_VERSION, "rules": RULES, "repetition": repetition}).encode()
        ).hexdigest()
        self._info = ModelInfo(name="spinlens-rules", version=RULES_VERSION, sha256=digest)

    @property
    def info(self) -> ModelInfo:
        return self._info

    def predict(self, text: str) -> list[TechniqueSpan]:
        """Technique spans found by the rules, in the one span order; same-technique overlaps merged."""
        found: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
        for tid, rx, score in self._rules:
            for m in rx.finditer(text):
                s, e = _trim(text, m.start(), m.end())
                if s < e:
                    found[tid].append((s, e, score))
        if self.repetition:
            found["Repetition"].extend((s, e, _REPEAT_SCORE) for s, e in _repeated_phrases(text))
        spans = [TechniqueSpan(s, e, tid, sc) for tid, rows in found.items() for s, e, sc in _merge(rows)]
        return sorted(spans, key=span_sort_key)

    def classify(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Technique probabilities ``[k, 23]`` (rows sum to 1) for given character spans.

        Each technique's evidence is the score of its rule matches weighted by how much of the span they
        cover; a small prior (loaded language is the most frequent technique in news) breaks ties.
        """
        prior = np.array([_PRIOR.get(t, 0.01) for t in TECHNIQUE_IDS], dtype=np.float64)
        out = np.tile(prior, (len(spans), 1))
        index = {t: k for k, t in enumerate(TECHNIQUE_IDS)}
        found = self.predict(text)
        for i, (s, e) in enumerate(spans):
            for sp in found:
                overlap = min(e, sp.end) - max(s, sp.start)
                if overlap > 0:
                    out[i, index[sp.technique]] += sp.score * overlap / (e - s)
        out /= out.sum(axis=1, keepdims=True)
        return out.astype(np.float32)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while e > s and text[e - 1] in _TRAILING:
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    return s, e


def _merge(rows: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Union overlapping matches of one technique, keeping the highest score."""
    out: list[list] = []
    for s, e, sc in sorted(rows):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
            out[-1][2] = max(out[-1][2], sc)
        else:
            out.append([s, e, sc])
    return [(s, e, sc) for s, e, sc in out]


def _repeated_phrases(text: str) -> list[tuple[int, int]]:
    """Every occurrence of an exact phrase of 3-8 words (not only stop words) that occurs twice or more.

    Phrases do not cross sentence ends; longer repeated phrases win over the shorter ones inside them.
    """
    words: list[tuple[str, int, int, int]] = []  # (lower-cased word, start, end, sentence number)
    for k, (s, e) in enumerate(sentences(text)):
        words.extend((m.group(0).lower(), s + m.start(), s + m.end(), k) for m in _WORD.finditer(text[s:e]))
    taken = [False] * len(words)
    out: list[tuple[int, int]] = []
    for n in range(_REPEAT_MAX, _REPEAT_MIN - 1, -1):
        where: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i in range(len(words) - n + 1):
            if words[i][3] != words[i + n - 1][3] or any(taken[i : i + n]):
                continue
            key = tuple(w[0] for w in words[i : i + n])
            if n < 4 and all(w in _STOPWORDS for w in key):
                continue
            if where[key] and where[key][-1] + n > i:  # overlapping occurrence of the same phrase
                continue
            where[key].append(i)
        for key, starts in sorted(where.items(), key=lambda kv: kv[1][0]):
            if len(starts) < 2:
                continue
            for i in starts:
                taken[i : i + n] = [True] * n
                out.append((words[i][1], words[i + n - 1][2]))
    return sorted(out)
