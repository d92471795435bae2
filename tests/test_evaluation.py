"""Tests for spinlens.evaluation (official SemEval scorer re-implementations).

Expected values are computed by hand in the comments. The oracles at the bottom are literal
transcriptions of the official code that the module follows:

* SemEval-2020 Task 11 SI: ``aschern/semeval2020_task11`` ``tools/task-SI_scorer.py``
  (``merge_spans``, ``check_annotation_spans``, ``check_annotation_spans_with_category_matching``,
  ``compute_score_pr``, ``compute_prec_rec_f1``);
* SemEval-2020 Task 11 TC: same repository, ``tools/src/annotations.py`` (``compute_TC_score``) and
  ``tools/src/article_annotations.py`` (``sort_spans``, ``align_annotations``,
  ``_matching_annotations``);
* SemEval-2023 Task 3 subtask 3: ``kazokid/tar-nlp-project`` ``scorers/scorer-subtask-3.py``
  (``evaluate``: MultiLabelBinarizer + ``f1_score(..., zero_division=1)``).
"""

from __future__ import annotations

import random

import pytest

from spinlens.evaluation import (
    PRF,
    si_per_technique,
    si_report,
    si_scores,
    subtask3_scores,
    tc_micro_f1,
    tc_report,
)

approx = pytest.approx


def prf(p: PRF) -> tuple[float, float, float]:
    return (p.precision, p.recall, p.f1)


# ------------------------------------------------------------------------------------------------
# SI


def test_prf_is_frozen_and_serialisable():
    p = PRF(0.5, 0.25, 1 / 3)
    assert p.to_dict() == {"precision": 0.5, "recall": 0.25, "f1": 1 / 3}
    with pytest.raises(AttributeError):
        p.f1 = 1.0  # type: ignore[misc]


def test_si_exact_match():
    # one span, identical: P = 10/10 / 1 = 1, R = 10/10 / 1 = 1, F1 = 1
    assert prf(si_scores({"a": [(0, 10)]}, {"a": [(0, 10)]})) == approx((1.0, 1.0, 1.0))


def test_si_partial_overlap():
    # pred [0,10) vs gold [5,15): intersection 5 chars -> P = 5/10 = 0.5, R = 5/10 = 0.5, F1 = 0.5
    assert prf(si_scores({"a": [(0, 10)]}, {"a": [(5, 15)]})) == approx((0.5, 0.5, 0.5))


def test_si_one_prediction_covers_several_gold_spans():
    # pred [0,20); gold [0,5) and [10,20)
    # P = (5/20 + 10/20) / 1 pred = 0.75 ; R = (5/5 + 10/10) / 2 gold = 1.0
    # F1 = 2 * 0.75 * 1 / 1.75 = 6/7
    got = si_scores({"a": [(0, 20)]}, {"a": [(0, 5), (10, 20)]})
    assert prf(got) == approx((0.75, 1.0, 6 / 7))


def test_si_several_predictions_inside_one_gold_span():
    # preds [0,5), [10,15); gold [0,20)
    # P = (5/5 + 5/5) / 2 preds = 1.0 ; R = (5/20 + 5/20) / 1 gold = 0.5 ; F1 = 2*0.5/1.5 = 2/3
    got = si_scores({"a": [(0, 5), (10, 15)]}, {"a": [(0, 20)]})
    assert prf(got) == approx((1.0, 0.5, 2 / 3))


def test_si_overlapping_predictions_are_merged():
    # [0,10) and [5,15) share characters 5..9 -> merged into [0,15), one prediction
    # vs gold [0,15): P = 15/15 / 1 = 1, R = 1, F1 = 1
    assert prf(si_scores({"a": [(0, 10), (5, 15)]}, {"a": [(0, 15)]})) == approx((1.0, 1.0, 1.0))
    # chains merge transitively: [0,4) ~ [3,8) ~ [7,12) -> [0,12)
    assert prf(si_scores({"a": [(7, 12), (0, 4), (3, 8)]}, {"a": [(0, 12)]})) == approx((1, 1, 1))
    # duplicated predictions collapse into one: P = 1/1, not (1+1)/2 ... and R = 1 not 2
    assert prf(si_scores({"a": [(0, 10), (0, 10)]}, {"a": [(0, 10)]})) == approx((1, 1, 1))


def test_si_overlapping_predictions_rejected_without_merge():
    with pytest.raises(ValueError, match="overlaps"):
        si_scores({"a": [(0, 10), (5, 15)]}, {"a": [(0, 15)]}, merge_pred=False)
    # non-overlapping predictions are fine without merging
    assert prf(si_scores({"a": [(0, 5)]}, {"a": [(0, 5)]}, merge_pred=False)) == approx((1, 1, 1))


def test_si_touching_spans_are_not_merged():
    # [0,2) and [2,10) share no character (half-open), so they stay two predictions:
    # P = (2/2 + 0/8) / 2 = 0.5 ; R = 2/2 / 1 = 1 ; F1 = 2*0.5/1.5 = 2/3
    # (had they been merged into [0,10): P = 2/10 = 0.2)
    got = si_scores({"a": [(0, 2), (2, 10)]}, {"a": [(0, 2)]})
    assert prf(got) == approx((0.5, 1.0, 2 / 3))


def test_si_overlapping_gold_is_merged():
    # gold [0,10) and [5,15) -> [0,15); pred [0,15): P = 1, R = 15/15 / 1 = 1
    assert prf(si_scores({"a": [(0, 15)]}, {"a": [(0, 10), (5, 15)]})) == approx((1, 1, 1))
    # also when predictions are not merged
    assert prf(si_scores({"a": [(0, 15)]}, {"a": [(0, 10), (5, 15)]}, merge_pred=False)) == approx((1, 1, 1))


def test_si_empty_predictions():
    # no predicted spans: P = 0 (denominator 0), R = 0/1 = 0, F1 = 0
    assert prf(si_scores({}, {"a": [(0, 10)]})) == (0.0, 0.0, 0.0)
    assert prf(si_scores({"a": []}, {"a": [(0, 10)]})) == (0.0, 0.0, 0.0)


def test_si_empty_gold():
    # no gold spans: P = 0/1 = 0, R = 0 (denominator 0), F1 = 0
    assert prf(si_scores({"a": [(0, 10)]}, {})) == (0.0, 0.0, 0.0)
    assert prf(si_scores({"a": [(0, 10)]}, {"a": []})) == (0.0, 0.0, 0.0)


def test_si_both_empty():
    # official compute_prec_rec_f1: both denominators 0 -> P = R = 0 but F1 = 1.0
    assert prf(si_scores({}, {})) == (0.0, 0.0, 1.0)
    assert prf(si_scores({"a": []}, {"b": []})) == (0.0, 0.0, 1.0)


def test_si_articles_do_not_interact():
    # same offsets, different articles: nothing matches. P = 0/1, R = 0/1, F1 = 0
    assert prf(si_scores({"a": [(0, 10)]}, {"b": [(0, 10)]})) == (0.0, 0.0, 0.0)
    # a matches; b only predicted, c only gold -> both still count in the denominators
    # P = (1 + 0) / 2 = 0.5 ; R = (1 + 0) / 2 = 0.5 ; F1 = 0.5
    pred = {"a": [(0, 10)], "b": [(0, 10)]}
    gold = {"a": [(0, 10)], "c": [(0, 10)]}
    assert prf(si_scores(pred, gold)) == approx((0.5, 0.5, 0.5))


def test_si_accepts_generators_and_lists():
    got = si_scores({"a": (s for s in [(0, 10)])}, {"a": [[5, 15]]})  # type: ignore[list-item]
    assert prf(got) == approx((0.5, 0.5, 0.5))


@pytest.mark.parametrize("span", [(5, 5), (6, 5), (-1, 3)])
def test_si_invalid_spans(span):
    with pytest.raises(ValueError):
        si_scores({"a": [span]}, {"a": [(0, 10)]})
    with pytest.raises(ValueError):
        si_scores({"a": [(0, 10)]}, {"a": [span]})


def test_si_per_technique():
    pred = [("a", 0, 10, "X"), ("a", 20, 30, "Y")]
    gold = [("a", 0, 10, "X"), ("a", 20, 30, "X")]
    got = si_per_technique(pred, gold)
    assert list(got) == ["X", "Y"]
    # X: pred X {[0,10)}, gold X {[0,10), [20,30)}: P = 1/1 = 1, R = (1 + 0)/2 = 0.5, F1 = 2/3
    assert prf(got["X"]) == approx((1.0, 0.5, 2 / 3))
    # Y: pred [20,30) but no gold Y (the gold X span there does not count): P = 0/1, R = 0, F1 = 0
    assert prf(got["Y"]) == (0.0, 0.0, 0.0)
    # with a label list: Z has neither predictions nor gold -> official (0, 0, 1.0)
    got = si_per_technique(pred, gold, labels=["Z", "X", "Y"])
    assert list(got) == ["Z", "X", "Y"]
    assert prf(got["Z"]) == (0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="not in labels"):
        si_per_technique(pred, gold, labels=["X"])


def test_si_per_technique_merges_within_technique_only():
    # X spans [0,10) and [5,15) merge into [0,15); the overlapping Y span stays separate.
    pred = [("a", 0, 10, "X"), ("a", 5, 15, "X"), ("a", 5, 15, "Y")]
    gold = [("a", 0, 15, "X"), ("a", 5, 15, "Y")]
    got = si_per_technique(pred, gold)
    assert prf(got["X"]) == approx((1, 1, 1))
    assert prf(got["Y"]) == approx((1, 1, 1))
    # without merging, only same-technique overlaps are an error
    with pytest.raises(ValueError):
        si_per_technique(pred, gold, merge_pred=False)
    ok = si_per_technique([("a", 0, 10, "X"), ("a", 5, 15, "Y")], gold, merge_pred=False)
    # X: pred [0,10) vs gold [0,15): P = 10/10 = 1, R = 10/15 = 2/3, F1 = 0.8
    assert prf(ok["X"]) == approx((1.0, 2 / 3, 0.8))


def test_si_report():
    pred = [("a", 0, 10, "X"), ("a", 20, 30, "Y")]
    gold = [("a", 0, 10, "X"), ("a", 20, 30, "X")]
    rep = si_report(pred, gold)
    # technique-agnostic: both spans match exactly -> 1, 1, 1
    assert rep["overall"] == approx({"precision": 1.0, "recall": 1.0, "f1": 1.0})
    assert rep["per_technique"]["X"] == approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert rep["per_technique"]["Y"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


# ------------------------------------------------------------------------------------------------
# TC


def test_tc_all_correct_and_wrong_label():
    gold = [("a", 0, 10, "X"), ("a", 20, 30, "Y")]
    assert tc_micro_f1(gold, gold) == 1.0
    # one wrong label out of two -> accuracy = micro-F1 = 1/2
    pred = [("a", 0, 10, "X"), ("a", 20, 30, "X")]
    assert tc_micro_f1(pred, gold) == approx(0.5)
    rep = tc_report(pred, gold)
    assert rep["micro_precision"] == approx(0.5) and rep["micro_recall"] == approx(0.5)
    # X: TP 1, predicted 2, gold 1 -> P = 0.5, R = 1, F1 = 2*1/(2+1) = 2/3
    assert rep["per_technique"]["X"] == approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    # Y: TP 0, predicted 0, gold 1 -> P = 0 (zero division), R = 0, F1 = 0
    assert rep["per_technique"]["Y"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_tc_duplicated_gold_span_matches_as_multiset():
    # span [0,10) has gold {X, Y}, predictions {Y, W} (in a different order): 1 of the 2 is right
    # (Y), whatever the order. span [20,30): Z right. Accuracy = 2/3.
    gold = [("a", 0, 10, "X"), ("a", 0, 10, "Y"), ("a", 20, 30, "Z")]
    pred = [("a", 0, 10, "Y"), ("a", 0, 10, "W"), ("a", 20, 30, "Z")]
    assert tc_micro_f1(pred, gold, strict=True) == approx(2 / 3)
    rep = tc_report(pred, gold)
    assert list(rep["per_technique"]) == ["W", "X", "Y", "Z"]
    assert rep["per_technique"]["W"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert rep["per_technique"]["X"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert rep["per_technique"]["Y"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    # the same technique twice on one gold span: gold {X, X}, pred {X, Y} -> 1 of 2
    gold = [("a", 0, 10, "X"), ("a", 0, 10, "X")]
    pred = [("a", 0, 10, "Y"), ("a", 0, 10, "X")]
    assert tc_micro_f1(pred, gold) == approx(0.5)
    # X: TP 1, predicted 1, gold 2 -> P = 1, R = 0.5, F1 = 2/3
    assert tc_report(pred, gold)["per_technique"]["X"] == approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    )


def test_tc_same_span_other_article_does_not_match():
    gold = [("a", 0, 10, "X"), ("b", 0, 10, "Y")]
    pred = [("a", 0, 10, "Y"), ("b", 0, 10, "X")]
    assert tc_micro_f1(pred, gold) == 0.0


def test_tc_strict_and_lenient_span_mismatch():
    gold = [("a", 0, 10, "X"), ("a", 20, 30, "Y")]
    pred = [("a", 0, 10, "X")]
    with pytest.raises(ValueError, match="gold spans"):
        tc_micro_f1(pred, gold, strict=True)
    # lenient: TP 1, 1 prediction, 2 gold -> P = 1, R = 0.5, F1 = 2*1/(1+2) = 2/3
    rep = tc_report(pred, gold)
    assert (rep["micro_precision"], rep["micro_recall"], rep["micro_f1"]) == approx((1.0, 0.5, 2 / 3))
    assert tc_micro_f1([], []) == 0.0
    assert tc_micro_f1([], gold) == 0.0


def test_tc_labels_option():
    gold = [("a", 0, 10, "X")]
    rep = tc_report(gold, gold, labels=["Y", "X"])
    assert list(rep["per_technique"]) == ["Y", "X"]
    assert rep["per_technique"]["Y"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    with pytest.raises(ValueError, match="not in labels"):
        tc_report(gold, gold, labels=["Y"])


# ------------------------------------------------------------------------------------------------
# SemEval-2023 subtask 3

S3_LABELS = ["A", "B", "C"]
S3_GOLD = {("1", 1): ["A", "B"], ("1", 2): ["A"], ("2", 1): []}
S3_PRED = {("1", 1): ["A"], ("1", 2): ["A", "C"], ("2", 1): []}


def test_subtask3_tiny_example():
    got = subtask3_scores(S3_PRED, S3_GOLD, S3_LABELS)
    # A: TP 2 (paragraphs 1_1, 1_2), FP 0, FN 0 -> F1 = 1
    # B: TP 0, FP 0, FN 1 -> F1 = 0 ; P = 1.0 (zero_division=1), R = 0
    # C: TP 0, FP 1, FN 0 -> F1 = 0 ; P = 0, R = 1.0 (zero_division=1)
    # macro = (1 + 0 + 0) / 3 = 1/3 ; micro: TP 2, FP 1, FN 1 -> 2*2/(2*2+1+1) = 2/3
    assert got["macro_f1"] == approx(1 / 3)
    assert got["micro_f1"] == approx(2 / 3)
    assert got["micro_precision"] == approx(2 / 3) and got["micro_recall"] == approx(2 / 3)
    assert got["per_label"]["B"] == {"precision": 1.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert got["per_label"]["C"] == {"precision": 0.0, "recall": 1.0, "f1": 0.0, "support": 0}


def test_subtask3_zero_support_label_counts_one_in_macro():
    # D never occurs in gold nor predictions -> F1 = 1 (zero_division=1)
    # macro = (1 + 0 + 0 + 1) / 4 = 0.5, micro unchanged 2/3
    got = subtask3_scores(S3_PRED, S3_GOLD, S3_LABELS + ["D"])
    assert got["macro_f1"] == approx(0.5)
    assert got["micro_f1"] == approx(2 / 3)
    # everything empty on both sides: every label and micro are 1.0
    got = subtask3_scores({("1", 1): []}, {("1", 1): []}, S3_LABELS)
    assert (got["micro_f1"], got["macro_f1"]) == (1.0, 1.0)


def test_subtask3_format_errors_and_unknown_gold_labels():
    with pytest.raises(ValueError, match="not in labels"):
        subtask3_scores({**S3_PRED, ("2", 1): ["Q"]}, S3_GOLD, S3_LABELS)
    with pytest.raises(ValueError, match="keys"):
        subtask3_scores({("1", 1): ["A"]}, S3_GOLD, S3_LABELS)
    with pytest.raises(ValueError):
        subtask3_scores({}, {}, S3_LABELS)
    # an unknown gold label is ignored (MultiLabelBinarizer.transform drops unknown classes)
    gold = {**S3_GOLD, ("2", 1): ["Q"]}
    assert subtask3_scores(S3_PRED, gold, S3_LABELS) == subtask3_scores(S3_PRED, S3_GOLD, S3_LABELS)


# ------------------------------------------------------------------------------------------------
# Oracles: literal transcriptions of the official scorers, compared on random data.


def _official_merge_spans(annotations_without_overlapping, i):
    # task-SI_scorer.py merge_spans (verbatim logic; comments and style aside)
    for j in range(len(annotations_without_overlapping)):
        if (
            j != i
            and len(annotations_without_overlapping[i][1].intersection(annotations_without_overlapping[j][1]))
            > 0
        ):
            annotations_without_overlapping[j][1] = annotations_without_overlapping[j][1].union(
                annotations_without_overlapping[i][1]
            )
            del annotations_without_overlapping[i]
            if j > i:
                j -= 1
            _official_merge_spans(annotations_without_overlapping, j)
            return True
    return False


def _official_check_annotation_spans_with_category_matching(annotations):
    # merge_overlapping_spans=True branch; with a single label "propaganda" this is what
    # check_annotation_spans(annotations, True) does for SI.
    for article_id in annotations:
        annotation_list = {}
        for technique, curr_span in annotations[article_id]:
            if technique not in annotation_list:
                annotation_list[technique] = [[technique, curr_span]]
            else:
                annotation_list[technique].append([technique, curr_span])
                _official_merge_spans(annotation_list[technique], len(annotation_list[technique]) - 1)
        annotations[article_id] = []
        for technique_annotations in annotation_list.values():
            annotations[article_id] += technique_annotations


def _official_compute_prec_rec_f1(prec_numerator, prec_denominator, rec_numerator, rec_denominator):
    p, r, f1 = (0, 0, 0)
    if prec_denominator > 0:
        p = prec_numerator / prec_denominator
    if rec_denominator > 0:
        r = rec_numerator / rec_denominator
    if prec_denominator == 0 and rec_denominator == 0:
        f1 = 1.0
    if p > 0 and r > 0:
        f1 = 2 * (p * r / (p + r))
    return p, r, f1


def _official_compute_score_pr(
    submission_annotations, gold_annotations, technique_names, prop_vs_non_propaganda
):
    def compute_technique_frequency(annotations_list, technique_name):
        return sum([len([a for a in x if a[0] == technique_name]) for x in annotations_list])

    prec_denominator = sum([len(annotations) for annotations in submission_annotations.values()])
    rec_denominator = sum([len(annotations) for annotations in gold_annotations.values()])
    technique_Spr_prec = {t: 0 for t in technique_names}
    technique_Spr_rec = {t: 0 for t in technique_names}
    cumulative_Spr_prec, cumulative_Spr_rec = (0, 0)
    for article_id in submission_annotations:
        gold_data = gold_annotations.get(article_id, [])  # official: gold_annotations[article_id]
        for sd in submission_annotations[article_id]:
            sd_annotation_length = len(sd[1])
            for gd in gold_data:
                if prop_vs_non_propaganda or gd[0] == sd[0]:
                    intersection = len(sd[1].intersection(gd[1]))
                    gd_annotation_length = len(gd[1])
                    Spr_prec = intersection / sd_annotation_length
                    cumulative_Spr_prec += Spr_prec
                    technique_Spr_prec[gd[0]] += Spr_prec
                    Spr_rec = intersection / gd_annotation_length
                    cumulative_Spr_rec += Spr_rec
                    technique_Spr_rec[gd[0]] += Spr_rec
    overall = _official_compute_prec_rec_f1(
        cumulative_Spr_prec, prec_denominator, cumulative_Spr_rec, rec_denominator
    )
    per = {
        t: _official_compute_prec_rec_f1(
            technique_Spr_prec[t],
            compute_technique_frequency(submission_annotations.values(), t),
            technique_Spr_rec[t],
            compute_technique_frequency(gold_annotations.values(), t),
        )
        for t in technique_names
    }
    return overall, per


def _random_rows(rng, techniques, n_articles=3, max_spans=6, length=60):
    rows = []
    for a in range(rng.randint(0, n_articles)):
        for _ in range(rng.randint(0, max_spans)):
            s = rng.randrange(0, length)
            rows.append((f"art{a}", s, s + rng.randint(1, 15), rng.choice(techniques)))
    return rows


def _as_official(rows, by_technique):
    ann = {}
    for a, s, e, t in rows:
        ann.setdefault(a, []).append(["propaganda" if not by_technique else t, set(range(s, e))])
    _official_check_annotation_spans_with_category_matching(ann)
    return ann


def test_si_matches_official_scorer_on_random_data():
    rng = random.Random(20200911)
    techniques = ["T1", "T2", "T3"]
    for _ in range(400):
        pred, gold = _random_rows(rng, techniques), _random_rows(rng, techniques)
        (p, r, f1), _ = _official_compute_score_pr(
            _as_official(pred, False), _as_official(gold, False), ["propaganda"], True
        )
        pred_m, gold_m = {}, {}
        for a, s, e, _t in pred:
            pred_m.setdefault(a, []).append((s, e))
        for a, s, e, _t in gold:
            gold_m.setdefault(a, []).append((s, e))
        assert prf(si_scores(pred_m, gold_m)) == approx((p, r, f1))
        _, per = _official_compute_score_pr(
            _as_official(pred, True), _as_official(gold, True), techniques, False
        )
        mine = si_per_technique(pred, gold, labels=techniques)
        for t in techniques:
            assert prf(mine[t]) == approx(per[t]), t


def _official_tc_label_lists(pred, gold):
    """sort_spans + align_annotations + get_full_list_of_annotations of the official TC scorer."""

    def by_article(rows):
        out = {}
        for a, s, e, t in rows:
            out.setdefault(a, []).append([s, e, t])
        return {a: sorted(v, key=lambda x: x[0]) for a, v in out.items()}

    def same_span(x, y):
        return x[0] == y[0] and x[1] == y[1]

    def matching(mine, second, i):
        j2 = i
        while j2 < len(second) and same_span(second[j2], second[i]):
            j1 = i
            while j1 < len(mine) and same_span(mine[j1], mine[i]):
                if mine[j1] == second[j2]:
                    return j1, j2
                j1 += 1
            j2 += 1
        return -1, -1

    def align(mine, second):
        i = 0
        while i < len(mine):
            j1, j2 = matching(mine, second, i)
            if j1 > i:
                mine[j1], mine[i] = mine[i], mine[j1]
            if j2 > i:
                second[j2], second[i] = second[i], second[j2]
            i += 1
            if j1 == -1:
                while i + 1 < len(mine) and same_span(mine[i], mine[i + 1]):
                    i += 1

    p, g = by_article(pred), by_article(gold)
    for a in g:
        align(p[a], g[a])
    return [x[2] for a in g for x in g[a]], [x[2] for a in g for x in p[a]]


def test_tc_official_alignment_quirk():
    # gold [0,5) X, [10,15) Y, [10,15) Z ; pred [0,5) W, [10,15) Z, [10,15) Y
    # multiset: span [0,5) wrong, span [10,15) {Y,Z} vs {Z,Y} -> 2 right -> 2/3.
    # official: no match at [0,5) -> the loop also skips the first annotation of [10,15), so pred Z
    # faces gold Y, then Y faces Z -> 0/3.
    gold = [("a", 0, 5, "X"), ("a", 10, 15, "Y"), ("a", 10, 15, "Z")]
    pred = [("a", 0, 5, "W"), ("a", 10, 15, "Z"), ("a", 10, 15, "Y")]
    assert tc_micro_f1(pred, gold) == approx(2 / 3)
    assert tc_micro_f1(pred, gold, official_alignment=True) == 0.0
    # with the first label right, both agree: 3/3
    pred[0] = ("a", 0, 5, "X")
    assert tc_micro_f1(pred, gold, official_alignment=True) == 1.0
    # official mode always enforces the format check
    with pytest.raises(ValueError):
        tc_micro_f1(pred[:2], gold, official_alignment=True)
    with pytest.raises(ValueError):
        tc_micro_f1(pred + [("b", 0, 1, "X")], gold, official_alignment=True)


def _random_tc_case(rng, techniques):
    gold = []
    for a in range(rng.randint(1, 3)):
        starts = rng.sample(range(100), rng.randint(1, 5))  # distinct starts, as sort_spans needs
        for s in starts:
            e = s + rng.randint(1, 10)
            for _ in range(rng.randint(1, 3)):  # one span may carry several techniques
                gold.append((f"art{a}", s, e, rng.choice(techniques)))
    rng.shuffle(gold)
    pred = [(a, s, e, rng.choice(techniques)) for a, s, e, _ in gold]
    rng.shuffle(pred)
    return pred, gold


def test_tc_official_alignment_matches_official_scorer_on_random_data():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(11)
    techniques = ["T1", "T2", "T3", "T4"]
    for _ in range(400):
        pred, gold = _random_tc_case(rng, techniques)
        gold_labels, pred_labels = _official_tc_label_lists(pred, gold)
        expected = sklearn_metrics.f1_score(gold_labels, pred_labels, average="micro")
        assert tc_micro_f1(pred, gold, official_alignment=True) == approx(expected)
        per = sklearn_metrics.f1_score(
            gold_labels, pred_labels, average=None, labels=techniques, zero_division=0
        )
        rep = tc_report(pred, gold, labels=techniques, official_alignment=True)
        assert [rep["per_technique"][t]["f1"] for t in techniques] == approx(list(per))
        assert rep["micro_f1"] == approx(expected)


def test_tc_multiset_is_upper_bound_and_equal_without_duplicated_spans():
    rng = random.Random(5)
    techniques = ["T1", "T2", "T3"]
    for _ in range(300):
        pred, gold = _random_tc_case(rng, techniques)
        gold_labels, pred_labels = _official_tc_label_lists(pred, gold)
        official = sum(g == p for g, p in zip(gold_labels, pred_labels)) / len(gold)
        assert tc_micro_f1(pred, gold, strict=True) >= official - 1e-12
        # keep one technique per span: then both agree exactly
        seen, g1 = set(), []
        for row in gold:
            if row[:3] not in seen:
                seen.add(row[:3])
                g1.append(row)
        p1 = [(a, s, e, rng.choice(techniques)) for a, s, e, _ in g1]
        assert tc_micro_f1(p1, g1) == approx(tc_micro_f1(p1, g1, official_alignment=True))


def test_subtask3_matches_official_scorer_on_random_data():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    rng = random.Random(2023)
    labels = ["L1", "L2", "L3", "L4", "L5"]
    for _ in range(200):
        keys = [(f"a{i}", j) for i in range(rng.randint(1, 3)) for j in range(1, rng.randint(2, 5))]
        gold = {k: rng.sample(labels[:4], rng.randint(0, 2)) for k in keys}
        pred = {k: rng.sample(labels[:4], rng.randint(0, 2)) for k in keys}
        mlb = preprocessing.MultiLabelBinarizer()
        mlb.fit([labels])
        gv = mlb.transform([gold[k] for k in gold])
        pv = mlb.transform([pred[k] for k in gold])
        got = subtask3_scores(pred, gold, labels)
        assert got["macro_f1"] == approx(sklearn_metrics.f1_score(gv, pv, average="macro", zero_division=1))
        assert got["micro_f1"] == approx(sklearn_metrics.f1_score(gv, pv, average="micro", zero_division=1))


def test_score_reliability_bins_spans_and_measures_how_often_they_agree_with_gold():
    from spinlens.evaluation import score_reliability

    gold = [("a", 0, 10, "Doubt"), ("a", 20, 30, "Slogans"), ("b", 0, 4, "Doubt")]
    pred = [
        ("a", 0, 10, "Doubt", 0.95),  # right, same label
        ("a", 5, 15, "Slogans", 0.9),  # half inside Doubt's span: touches gold, not of its label
        ("a", 40, 50, "Doubt", 0.35),  # nowhere
        ("b", 0, 8, None, 1.0),  # a technique in no PTC-14 class: never the same label; the top edge is in
        ("a", 25, 35, "Slogans", 0.32),
    ]
    r = score_reliability(pred, gold)
    assert r["spans"] == 5
    top, low = r["bins"][-1], r["bins"][0]
    assert (top["lo"], top["hi"], top["spans"]) == (0.9, 1.0, 3)
    assert top["mean_score"] == pytest.approx((0.95 + 0.9 + 1.0) / 3)
    assert top["span_right"] == pytest.approx((1.0 + 0.5 + 0.5) / 3)
    assert top["label_right"] == pytest.approx(1.0 / 3)
    assert (top["touches"], top["touches_label"]) == (1.0, pytest.approx(1 / 3))
    assert (low["lo"], low["spans"], low["touches"], low["touches_label"]) == (0.3, 2, 0.5, 0.5)
    ece = 3 / 5 * abs((0.95 + 0.9 + 1.0) / 3 - 1 / 3) + 2 / 5 * abs((0.35 + 0.32) / 2 - 0.5)
    assert r["ece"] == pytest.approx(ece)
    assert score_reliability([], gold)["ece"] == 0.0 and score_reliability([], gold)["bins"] == []
