"""The canonical persuasion-technique taxonomy (SemEval-2023 Task 3, 23 techniques in 6 categories).

Technique ids are the SemEval-2023 label strings. Mappings to the PTC-14 (SemEval-2020 Task 11),
PTC-18 (NLP4IF-2019) and SemEval-2021 Task 6 schemes are explicit tables; a canonical technique with
no counterpart in a scheme maps to ``None``. Stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spinlens._technique_texts import TECHNIQUE_TEXTS

__all__ = [
    "CATEGORIES",
    "Technique",
    "TECHNIQUES",
    "TECHNIQUE_IDS",
    "PTC14_LABELS",
    "PTC18_LABELS",
    "PTC14_TO_CANONICAL",
    "CANONICAL_TO_PTC14",
    "PTC18_TO_CANONICAL",
    "CANONICAL_TO_PTC18",
    "SEMEVAL2021_TO_CANONICAL",
    "get_technique",
    "is_technique",
]

#: category id -> human name, in display order.
CATEGORIES: dict[str, str] = {
    "attack_on_reputation": "Attack on reputation",
    "justification": "Justification",
    "simplification": "Simplification",
    "distraction": "Distraction",
    "call": "Call",
    "manipulative_wording": "Manipulative wording",
}

_CATEGORY_OF: dict[str, str] = {
    "Name_Calling-Labeling": "attack_on_reputation",
    "Guilt_by_Association": "attack_on_reputation",
    "Doubt": "attack_on_reputation",
    "Appeal_to_Hypocrisy": "attack_on_reputation",
    "Questioning_the_Reputation": "attack_on_reputation",
    "Flag_Waving": "justification",
    "Appeal_to_Authority": "justification",
    "Appeal_to_Popularity": "justification",
    "Appeal_to_Values": "justification",
    "Appeal_to_Fear-Prejudice": "justification",
    "Causal_Oversimplification": "simplification",
    "False_Dilemma-No_Choice": "simplification",
    "Consequential_Oversimplification": "simplification",
    "Straw_Man": "distraction",
    "Red_Herring": "distraction",
    "Whataboutism": "distraction",
    "Slogans": "call",
    "Conversation_Killer": "call",
    "Appeal_to_Time": "call",
    "Loaded_Language": "manipulative_wording",
    "Obfuscation-Vagueness-Confusion": "manipulative_wording",
    "Exaggeration-Minimisation": "manipulative_wording",
    "Repetition": "manipulative_wording",
}


@dataclass(frozen=True)
class Technique:
    """One canonical technique with its reader-facing texts."""

    id: str
    name: str
    category: str
    definition: str
    example: str
    cues: tuple[str, ...]

    @property
    def category_name(self) -> str:
        return CATEGORIES[self.category]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "category_name": self.category_name,
            "definition": self.definition,
            "example": self.example,
            "cues": list(self.cues),
        }


def _build() -> tuple[Technique, ...]:
    out = []
    for tid, cat in _CATEGORY_OF.items():
        t: dict[str, Any] = TECHNIQUE_TEXTS[tid]  # str values, and a list of str for cues
        out.append(
            Technique(
                id=tid,
                name=t["name"],
                category=cat,
                definition=t["definition"],
                example=t["example"],
                cues=tuple(t["cues"]),
            )
        )
    return tuple(out)


TECHNIQUES: tuple[Technique, ...] = _build()
#: The canonical ids, in a fixed order (also the model's label order).
TECHNIQUE_IDS: tuple[str, ...] = tuple(t.id for t in TECHNIQUES)
_BY_ID = {t.id: t for t in TECHNIQUES}

PTC14_LABELS: tuple[str, ...] = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)

PTC18_LABELS: tuple[str, ...] = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Obfuscation,Intentional_Vagueness,Confusion",
    "Red_Herring",
    "Reductio_ad_hitlerum",
    "Repetition",
    "Slogans",
    "Straw_Men",
    "Thought-terminating_Cliches",
    "Whataboutism",
)

#: PTC-18 label -> canonical id (one-to-one where defined).
PTC18_TO_CANONICAL: dict[str, str] = {
    "Appeal_to_Authority": "Appeal_to_Authority",
    "Appeal_to_fear-prejudice": "Appeal_to_Fear-Prejudice",
    "Bandwagon": "Appeal_to_Popularity",
    "Black-and-White_Fallacy": "False_Dilemma-No_Choice",
    "Causal_Oversimplification": "Causal_Oversimplification",
    "Doubt": "Doubt",
    "Exaggeration,Minimisation": "Exaggeration-Minimisation",
    "Flag-Waving": "Flag_Waving",
    "Loaded_Language": "Loaded_Language",
    "Name_Calling,Labeling": "Name_Calling-Labeling",
    "Obfuscation,Intentional_Vagueness,Confusion": "Obfuscation-Vagueness-Confusion",
    "Red_Herring": "Red_Herring",
    "Reductio_ad_hitlerum": "Guilt_by_Association",
    "Repetition": "Repetition",
    "Slogans": "Slogans",
    "Straw_Men": "Straw_Man",
    "Thought-terminating_Cliches": "Conversation_Killer",
    "Whataboutism": "Whataboutism",
}

#: canonical id -> PTC-18 label, or None where PTC-18 has no counterpart.
CANONICAL_TO_PTC18: dict[str, str | None] = {tid: None for tid in _CATEGORY_OF}
CANONICAL_TO_PTC18.update({c: p for p, c in PTC18_TO_CANONICAL.items()})
# SemEval-2023 split PTC's Whataboutism into Whataboutism and Appeal_to_Hypocrisy (tu quoque).
CANONICAL_TO_PTC18["Appeal_to_Hypocrisy"] = "Whataboutism"

#: PTC-14 label -> the canonical ids it covers (merged PTC classes cover several).
PTC14_TO_CANONICAL: dict[str, tuple[str, ...]] = {
    "Appeal_to_Authority": ("Appeal_to_Authority",),
    "Appeal_to_fear-prejudice": ("Appeal_to_Fear-Prejudice",),
    "Bandwagon,Reductio_ad_hitlerum": ("Appeal_to_Popularity", "Guilt_by_Association"),
    "Black-and-White_Fallacy": ("False_Dilemma-No_Choice",),
    "Causal_Oversimplification": ("Causal_Oversimplification",),
    "Doubt": ("Doubt",),
    "Exaggeration,Minimisation": ("Exaggeration-Minimisation",),
    "Flag-Waving": ("Flag_Waving",),
    "Loaded_Language": ("Loaded_Language",),
    "Name_Calling,Labeling": ("Name_Calling-Labeling",),
    "Repetition": ("Repetition",),
    "Slogans": ("Slogans",),
    "Thought-terminating_Cliches": ("Conversation_Killer",),
    "Whataboutism,Straw_Men,Red_Herring": (
        "Whataboutism",
        "Straw_Man",
        "Red_Herring",
        "Appeal_to_Hypocrisy",
    ),
}

#: canonical id -> PTC-14 label, or None where PTC-14 has no counterpart.
CANONICAL_TO_PTC14: dict[str, str | None] = {tid: None for tid in _CATEGORY_OF}
for _p, _cs in PTC14_TO_CANONICAL.items():
    for _c in _cs:
        CANONICAL_TO_PTC14[_c] = _p

#: SemEval-2021 Task 6 (meme text) technique names -> canonical id, or None.
SEMEVAL2021_TO_CANONICAL: dict[str, str | None] = {
    "Appeal to authority": "Appeal_to_Authority",
    "Appeal to fear/prejudice": "Appeal_to_Fear-Prejudice",
    "Black-and-white Fallacy/Dictatorship": "False_Dilemma-No_Choice",
    "Causal Oversimplification": "Causal_Oversimplification",
    "Doubt": "Doubt",
    "Exaggeration/Minimisation": "Exaggeration-Minimisation",
    "Flag-waving": "Flag_Waving",
    "Glittering generalities (Virtue)": "Appeal_to_Values",
    "Loaded Language": "Loaded_Language",
    "Misrepresentation of Someone's Position (Straw Man)": "Straw_Man",
    "Name calling/Labeling": "Name_Calling-Labeling",
    "Obfuscation, Intentional vagueness, Confusion": "Obfuscation-Vagueness-Confusion",
    "Presenting Irrelevant Data (Red Herring)": "Red_Herring",
    "Reductio ad hitlerum": "Guilt_by_Association",
    "Repetition": "Repetition",
    "Slogans": "Slogans",
    "Smears": "Questioning_the_Reputation",
    "Thought-terminating cliché": "Conversation_Killer",
    "Whataboutism": "Whataboutism",
    "Bandwagon": "Appeal_to_Popularity",
}


def is_technique(technique_id: str) -> bool:
    """Return True if ``technique_id`` is a canonical technique id."""
    return technique_id in _BY_ID


def get_technique(technique_id: str) -> Technique:
    """Return the canonical technique ``technique_id``.

    Raises:
        KeyError: with the list of known ids, if the id is unknown.
    """
    try:
        return _BY_ID[technique_id]
    except KeyError:
        raise KeyError(f"unknown technique {technique_id!r}; known: {', '.join(TECHNIQUE_IDS)}") from None
