"""Tests for the canonical technique taxonomy and its mappings to older label schemes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spinlens import taxonomy as tx

REPO_ROOT = Path(__file__).resolve().parents[1]


def _data_root() -> Path:
    env = os.environ.get("SPINLENS_DATA")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def _read_lines(relpath: str) -> list[str]:
    """Read a label list from the data root, skipping (or failing) if it is absent."""
    path = _data_root() / relpath
    if not path.is_file():
        msg = f"data file not found: {path}"
        if os.environ.get("SPINLENS_REQUIRE_DATA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- techniques and categories ------------------------------------------------------------


def test_23_techniques_in_6_categories():
    assert len(tx.TECHNIQUES) == 23
    assert len(tx.TECHNIQUE_IDS) == 23
    assert len(tx.CATEGORIES) == 6
    assert {t.category for t in tx.TECHNIQUES} == set(tx.CATEGORIES)


def test_ids_unique():
    assert len(set(tx.TECHNIQUE_IDS)) == len(tx.TECHNIQUE_IDS)


@pytest.mark.parametrize("tech", tx.TECHNIQUES, ids=lambda t: t.id)
def test_technique_texts_filled(tech):
    for field in ("name", "definition", "example"):
        value = getattr(tech, field)
        assert isinstance(value, str) and value.strip(), f"{tech.id}: empty {field}"
        assert "TODO" not in value, f"{tech.id}: TODO in {field}"
    assert len(tech.cues) >= 2, f"{tech.id}: fewer than 2 cues"
    for cue in tech.cues:
        assert isinstance(cue, str) and cue.strip(), f"{tech.id}: empty cue"
        assert "TODO" not in cue
    d = tech.to_dict()
    assert d["id"] == tech.id and d["category_name"] == tx.CATEGORIES[tech.category]
    assert d["cues"] == list(tech.cues)


def test_get_technique_and_is_technique():
    for tid in tx.TECHNIQUE_IDS:
        assert tx.get_technique(tid).id == tid
        assert tx.is_technique(tid)
    assert not tx.is_technique("No_Such_Technique")


def test_get_technique_unknown_lists_known_ids():
    with pytest.raises(KeyError) as excinfo:
        tx.get_technique("No_Such_Technique")
    msg = str(excinfo.value)
    assert "No_Such_Technique" in msg
    for tid in tx.TECHNIQUE_IDS:
        assert tid in msg


# --- PTC-14 (SemEval-2020 Task 11) ----------------------------------------------------------


def test_ptc14_mapping_covers_labels_with_canonical_targets():
    assert set(tx.PTC14_TO_CANONICAL) == set(tx.PTC14_LABELS)
    assert len(set(tx.PTC14_LABELS)) == len(tx.PTC14_LABELS) == 14
    for p, cs in tx.PTC14_TO_CANONICAL.items():
        assert cs, f"{p} maps to nothing"
        for c in cs:
            assert c in tx.TECHNIQUE_IDS, f"{p} -> {c} is not a canonical id"


def test_ptc14_round_trip_both_ways():
    assert set(tx.CANONICAL_TO_PTC14) == set(tx.TECHNIQUE_IDS)
    for c, p in tx.CANONICAL_TO_PTC14.items():
        if p is not None:
            assert c in tx.PTC14_TO_CANONICAL[p]
    for p, cs in tx.PTC14_TO_CANONICAL.items():
        for c in cs:
            assert tx.CANONICAL_TO_PTC14[c] == p


@pytest.mark.parametrize(
    "tid",
    ["Appeal_to_Values", "Appeal_to_Time", "Consequential_Oversimplification", "Questioning_the_Reputation"],
)
def test_ptc14_no_counterpart_is_none(tid):
    assert tx.CANONICAL_TO_PTC14[tid] is None


# --- PTC-18 (NLP4IF-2019) -------------------------------------------------------------------


def test_ptc18_round_trip_both_ways():
    assert set(tx.PTC18_TO_CANONICAL) == set(tx.PTC18_LABELS)
    assert len(set(tx.PTC18_LABELS)) == len(tx.PTC18_LABELS) == 18
    assert set(tx.CANONICAL_TO_PTC18) == set(tx.TECHNIQUE_IDS)
    for p in tx.PTC18_LABELS:
        c = tx.PTC18_TO_CANONICAL[p]
        assert c in tx.TECHNIQUE_IDS
        assert tx.CANONICAL_TO_PTC18[c] == p
    for c, p in tx.CANONICAL_TO_PTC18.items():
        if p is None:
            continue
        assert p in tx.PTC18_LABELS
        if c == "Appeal_to_Hypocrisy":
            # Split off PTC's Whataboutism in SemEval-2023; maps there one way only, by design.
            assert p == "Whataboutism"
            assert tx.PTC18_TO_CANONICAL[p] == "Whataboutism"
        else:
            assert tx.PTC18_TO_CANONICAL[p] == c


@pytest.mark.parametrize(
    "tid",
    ["Appeal_to_Values", "Appeal_to_Time", "Consequential_Oversimplification", "Questioning_the_Reputation"],
)
def test_ptc18_no_counterpart_is_none(tid):
    assert tx.CANONICAL_TO_PTC18[tid] is None


# --- SemEval-2021 Task 6 --------------------------------------------------------------------


def test_semeval2021_targets_canonical_or_none():
    for name, c in tx.SEMEVAL2021_TO_CANONICAL.items():
        assert c is None or c in tx.TECHNIQUE_IDS, f"{name} -> {c}"


# --- label lists against the data files -----------------------------------------------------


def test_ptc14_labels_match_data_file():
    lines = _read_lines(
        "ptc-semeval2020-task11/scorer-data/propaganda-techniques-names-semeval2020task11.txt"
    )
    assert list(tx.PTC14_LABELS) == lines


def test_ptc18_labels_match_data_file():
    lines = _read_lines("ptc-semeval2020-task11/scorer-data/propaganda-techniques-names.txt")
    assert list(tx.PTC18_LABELS) == lines


def test_semeval2021_keys_match_data_file():
    lines = _read_lines("semeval2021-task6/techniques_list_task1-2.txt")
    assert set(tx.SEMEVAL2021_TO_CANONICAL) == set(lines)
    assert len(lines) == len(set(lines)) == len(tx.SEMEVAL2021_TO_CANONICAL)
