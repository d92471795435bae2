"""The shipped model on PTC dev: regression guards at its measured level (issue 2's bars: SI F1 >= 0.42,
TC micro-F1 >= 0.58).

Scored on the 72 dev articles the shipped members never saw: PTC-18 holds 3 dev articles under other ids
(``7383612089`` = ``738361208``), and the members (trained before the reader mapped those ids) learnt them.
On those 72 articles the default measured SI 0.410 (below the core bar: RESULTS.md section 1) and TC 0.612.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from spinlens.datasets import PTC_DEV_SEEN_BY_SHIPPED, PTC_DIR
from spinlens.evaluation.ptc import evaluate_ptc
from spinlens.model import SpanTagger

SI_BAR = 0.42
TC_BAR = 0.58


def _score(tagger, data_dir) -> dict:
    base = data_dir / PTC_DIR
    return evaluate_ptc(
        tagger, base / "dev-articles", base / "dev-task-flc-tc.labels", exclude_ids=PTC_DEV_SEEN_BY_SHIPPED
    )


@cache
def _shipped_score(data_dir: Path) -> dict:
    """The shipped default's score, computed once for the tests that read it."""
    return _score(SpanTagger().load(), data_dir)


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(2)
def test_shipped_model_keeps_its_ptc_dev_level(data_dir):
    """The shipped int8 ensemble on the 72 unseen PTC dev articles: TC above the core bar, SI at most one
    point under its measured 0.410 (the core bar, 0.42, is not met on these articles)."""
    r = _shipped_score(data_dir)
    assert r["articles"] == 72
    assert r["si"]["f1"] >= 0.40, r["si"]
    assert r["tc"]["micro_f1"] >= max(TC_BAR, 0.60), r["tc"]


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(7)
def test_fast_model_keeps_its_measured_ptc_dev_level(data_dir):
    """``--model fast`` (one encoder, ~2x the ensemble's speed) measured SI 0.404 / TC 0.605 on the 72 unseen
    PTC dev articles (benchmarks/RESULTS.md); guarded one point under that level."""
    from spinlens._modelmeta import shipped_model_dir

    fast = SpanTagger(shipped_model_dir("fast")).load()
    assert len(fast.forwards_) == 1
    r = _score(fast, data_dir)
    assert r["si"]["f1"] >= 0.394, r["si"]
    assert r["tc"]["micro_f1"] >= 0.595, r["tc"]


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(8)
def test_span_lexicon_is_what_lifts_tc(data_dir):
    """Taking the span lexicon's vote out of the shipped calibration labels the gold spans worse (the model
    tuned without a lexicon measured TC 0.577, with it 0.612)."""
    without = SpanTagger().load()
    assert without.thresholds_["calibration"].get("lex_w", 0) > 0 and without.lexicon_ is not None
    without.lexicon_ = None
    assert _shipped_score(data_dir)["tc"]["micro_f1"] > _score(without, data_dir)["tc"]["micro_f1"] + 0.01
