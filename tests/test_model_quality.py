"""The shipped model on PTC dev: regression guards at its measured level (issue 2's bars: SI F1 >= 0.42,
TC micro-F1 >= 0.58).

Scored on all 75 dev articles: the students of 2026.11.27.2 (and of every model since 2026.11.26.3) were
trained without any of them (the PTC-18 copies of three included), and so were the fold models that taught
them. The default measured SI 0.428 and TC 0.604 there (int8; RESULTS.md section 2, session 17: 2026.11.26.5's
weights, spans trimmed of function words at their edges).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from spinlens.datasets import PTC_DIR
from spinlens.evaluation.ptc import evaluate_ptc
from spinlens.model import SpanTagger

SI_BAR = 0.42
TC_BAR = 0.58


def _score(tagger, data_dir) -> dict:
    base = data_dir / PTC_DIR
    return evaluate_ptc(tagger, base / "dev-articles", base / "dev-task-flc-tc.labels")


@cache
def _shipped_score(data_dir: Path) -> dict:
    """The shipped default's score, computed once for the tests that read it."""
    return _score(SpanTagger().load(), data_dir)


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(2)
def test_shipped_model_keeps_its_ptc_dev_level(data_dir):
    """The shipped int8 model on the 75 PTC dev articles: SI at the core bar (measured 0.4280), TC half a
    point under its measured 0.604 (the core bar is 0.58)."""
    r = _shipped_score(data_dir)
    assert r["articles"] == 75
    assert r["si"]["f1"] >= SI_BAR, r["si"]
    assert r["tc"]["micro_f1"] >= max(TC_BAR, 0.599), r["tc"]


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(7)
def test_fast_model_keeps_its_measured_ptc_dev_level(data_dir):
    """``--model fast`` (2026.11.27.2: a 4-layer student, 0.7x the default's time per 1,000 tokens on one
    core) measured SI 0.418 / TC 0.606 on the 75 PTC dev articles (benchmarks/RESULTS.md); guarded one point
    under that."""
    from spinlens._modelmeta import shipped_model_dir

    fast = SpanTagger(shipped_model_dir("fast")).load()
    assert len(fast.forwards_) == 1 and fast.info.name == "spinlens-minilm-l4-fast"
    r = _score(fast, data_dir)
    assert r["si"]["f1"] >= 0.408, r["si"]
    assert r["tc"]["micro_f1"] >= 0.596, r["tc"]


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(8)
def test_span_lexicon_is_what_lifts_tc(data_dir):
    """Taking the span lexicon's vote out of the shipped calibration labels the gold spans worse (out-of-fold
    CV on PTC train: TC 0.649 without it, 0.675 at its weight 2)."""
    without = SpanTagger().load()
    assert without.thresholds_["calibration"].get("lex_w", 0) > 0 and without.lexicon_ is not None
    without.lexicon_ = None
    assert _shipped_score(data_dir)["tc"]["micro_f1"] > _score(without, data_dir)["tc"]["micro_f1"] + 0.01


def _reliability(tagger, data_dir) -> dict:
    """``score_reliability`` of ``tagger``'s spans on the 75 PTC dev articles (benchmarks/confidence.py)."""
    from spinlens.evaluation.ptc import ptc_score_reliability

    base = data_dir / PTC_DIR
    return ptc_score_reliability(tagger, base / "dev-articles", base / "dev-task-flc-tc.labels")


@pytest.mark.model
@pytest.mark.data
def test_the_default_models_scores_rank_spans_and_overstate_them_less_than_before(data_dir):
    """A span's score is P(span) x P(technique | span) (RESULTS.md section 8): on PTC dev the default's
    expected calibration error against "touches a gold span of its technique" measured 0.238 (0.314 when the
    first label's score was the span confidence alone); guarded at 0.27. Its high bins agree with gold more
    often than its low ones (measured 0.379 for 0.7-0.8 against 0.163 under 0.3)."""
    r = _reliability(SpanTagger().load(), data_dir)
    assert r["ece"] <= 0.27, r
    rate = {b["lo"]: b["touches_label"] for b in r["bins"]}
    assert rate[0.7] > rate[0.0] + 0.1, rate
