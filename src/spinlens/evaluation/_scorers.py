"""Stdlib re-implementations of the official SemEval propaganda-detection scorers.

Sources followed (read line by line; the behaviour notes below quote what the code does):

* SemEval-2020 Task 11, subtask SI -- ``tools/task-SI_scorer.py`` in ``aschern/semeval2020_task11``
  (a verbatim copy of the organisers' ``propaganda-techniques-scorer``, author G. Da San Martino):
  ``merge_spans``, ``check_annotation_spans``, ``compute_score_pr``, ``compute_prec_rec_f1``.
* SemEval-2020 Task 11, subtask TC -- ``tools/task-TC_scorer.py`` with ``tools/src/annotations.py``
  (``compute_TC_score``) and ``tools/src/article_annotations.py`` (``align_annotations``,
  ``_matching_annotations``), same repository.
* SemEval-2023 Task 3, subtask 3 -- ``scorers/scorer-subtask-3.py`` in ``kazokid/tar-nlp-project``
  (commit cb9e42d2865789f86bbead4f1e06fa7075305536; a copy of the organisers' bundle scorer):
  ``correct_format`` and ``evaluate``.

Spans are half-open character offsets ``[start, end)``, exactly as the official scorers read them
(``set(range(start, end))``).
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "PRF",
    "si_per_technique",
    "si_report",
    "si_scores",
    "subtask3_scores",
    "tc_micro_f1",
    "tc_report",
]

Span = tuple[int, int]
TechniqueSpan = tuple[str, int, int, str]


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 of one evaluation."""

    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, float]:
        """Return ``{"precision": ..., "recall": ..., "f1": ...}``."""
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


# --------------------------------------------------------------------------------------------------
# shared helpers


def _check_span(start: int, end: int, where: str) -> Span:
    """Validate one span the way ``check_format_of_annotation_in_file`` does (which exits on error)."""
    start, end = operator.index(start), operator.index(end)
    if start < 0 or end < 0:
        raise ValueError(f"{where}: span offsets must be non-negative, got [{start}, {end})")
    if start >= end:
        raise ValueError(f"{where}: span end must be greater than its start, got [{start}, {end})")
    return start, end


def _merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Merge spans whose character sets intersect, transitively (official ``merge_spans``).

    The official code keeps each span as ``set(range(start, end))`` and merges two spans when
    ``len(a.intersection(b)) > 0``, recursing until no pair intersects. For half-open intervals that
    is ``a.start < b.end and b.start < a.end``: *touching* spans such as ``[0, 5)`` and ``[5, 9)``
    share no character and are NOT merged. Identical spans collapse into one.
    """
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _has_overlap(spans: Iterable[Span]) -> Span | None:
    """Return a span that shares at least one character with an earlier one, or None."""
    last_end = -1
    for start, end in sorted(spans):
        if start < last_end:
            return start, end
        last_end = max(last_end, end)
    return None


def _prepare(spans: Iterable[Span], merge: bool, where: str) -> list[Span]:
    """Validate, then merge (or reject overlapping spans, as the official scorer without ``-m``)."""
    checked = [_check_span(s, e, where) for s, e in spans]
    if merge:
        return _merge_spans(checked)
    bad = _has_overlap(checked)
    if bad is not None:
        raise ValueError(
            f"{where}: span [{bad[0]}, {bad[1]}) overlaps another span of the same article "
            "(the official scorer refuses this unless overlapping user spans are merged, merge_pred=True)"
        )
    return checked


def _official_prf(prec_num: float, prec_den: int, rec_num: float, rec_den: int) -> PRF:
    """``compute_prec_rec_f1`` of the SemEval-2020 SI scorer, including its zero-division rules.

    * ``P = prec_num / prec_den`` if ``prec_den > 0`` else ``0``;
    * ``R = rec_num / rec_den`` if ``rec_den > 0`` else ``0``;
    * ``F1 = 2PR / (P + R)`` if ``P > 0 and R > 0``; else ``1.0`` when *both* denominators are
      zero (nothing predicted and nothing to find); else ``0``.
    """
    p = prec_num / prec_den if prec_den > 0 else 0.0
    r = rec_num / rec_den if rec_den > 0 else 0.0
    f1 = 0.0
    if prec_den == 0 and rec_den == 0:
        f1 = 1.0
    if p > 0 and r > 0:
        f1 = 2 * (p * r / (p + r))
    return PRF(p, r, f1)


def _si_sums(pred: Mapping[str, list[Span]], gold: Mapping[str, list[Span]]) -> tuple[float, int, float, int]:
    """Numerators and denominators of ``compute_score_pr`` (prop_vs_non_propaganda=True)."""
    prec_den = sum(len(v) for v in pred.values())
    rec_den = sum(len(v) for v in gold.values())
    prec_num = 0.0
    rec_num = 0.0
    for article_id, pred_spans in pred.items():
        gold_spans = gold.get(article_id, ())
        for ps, pe in pred_spans:
            for gs, ge in gold_spans:
                inter = min(pe, ge) - max(ps, gs)
                if inter > 0:
                    prec_num += inter / (pe - ps)
                    rec_num += inter / (ge - gs)
    return prec_num, prec_den, rec_num, rec_den


# --------------------------------------------------------------------------------------------------
# SemEval-2020 Task 11, span identification (SI)


def si_scores(
    pred: Mapping[str, Iterable[tuple[int, int]]],
    gold: Mapping[str, Iterable[tuple[int, int]]],
    *,
    merge_pred: bool = True,
) -> PRF:
    """Official SemEval-2020 Task 11 SI score (technique-agnostic span identification).

    ``pred`` and ``gold`` map an article id to its spans ``(start, end)`` (half-open offsets).

    1. Within each article, spans whose character sets intersect are merged, transitively; touching
       spans (``end == next start``) are *not* merged. Gold is always merged (the official scorer calls
       ``check_annotation_spans(gold, True)``); predictions are merged when ``merge_pred`` (the
       scorer's ``-m`` flag). With ``merge_pred=False`` overlapping predictions raise ``ValueError``,
       as the official scorer refuses such a submission.
    2. ``P = sum_{s in pred} sum_{t in gold, same article} |s ∩ t| / |s|`` divided by the number of
       (merged) predicted spans over *all* articles; ``R`` likewise with ``|s ∩ t| / |t|`` divided by
       the number of (merged) gold spans over all articles. Articles present on one side only still
       count in that side's denominator (the official scorer would crash on a predicted article absent
       from gold; here it simply has no gold spans).
    3. Zero division (``compute_prec_rec_f1``): P = 0 without predictions, R = 0 without gold;
       F1 = 2PR/(P+R) when P > 0 and R > 0, **F1 = 1.0 when there are neither predicted nor gold
       spans** (P and R are then 0), otherwise F1 = 0.

    Invalid spans (negative offsets, ``end <= start``) raise ``ValueError``.
    """
    pred_m = {a: _prepare(spans, merge_pred, f"prediction, article {a!r}") for a, spans in pred.items()}
    gold_m = {a: _prepare(spans, True, f"gold, article {a!r}") for a, spans in gold.items()}
    return _official_prf(*_si_sums(pred_m, gold_m))


def _group_by_technique(rows: Sequence[TechniqueSpan], where: str) -> dict[str, dict[str, list[Span]]]:
    out: dict[str, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for article_id, start, end, technique in rows:
        out[technique][article_id].append(_check_span(start, end, f"{where}, article {article_id!r}"))
    return out


def si_per_technique(
    pred: Sequence[tuple[str, int, int, str]],
    gold: Sequence[tuple[str, int, int, str]],
    *,
    labels: Sequence[str] | None = None,
    merge_pred: bool = True,
) -> dict[str, PRF]:
    """SI precision/recall/F1 restricted to each technique.

    Rows are ``(article_id, start, end, technique)``. For technique ``T`` the SI formula of
    :func:`si_scores` is applied to the predicted spans labelled ``T`` against the gold spans labelled
    ``T``: this is ``compute_score_pr`` of the official scorer with ``prop_vs_non_propaganda=False``
    (spans only match when ``gd[0] == sd[0]``; per-technique denominators from
    ``compute_technique_frequency``), and spans are merged per (article, technique) as in
    ``check_annotation_spans_with_category_matching``. The zero-division rules are those of
    :func:`si_scores`; a technique of ``labels`` with neither predicted nor gold spans therefore gets
    ``PRF(0.0, 0.0, 1.0)``, exactly like the official per-technique lines.

    Without ``labels`` the result covers the techniques seen in ``pred`` or ``gold``, sorted. With
    ``labels`` it covers exactly ``labels`` (in that order) and an unknown technique raises
    ``ValueError`` (the official scorer rejects unknown technique names).
    """
    pred_g = _group_by_technique(pred, "prediction")
    gold_g = _group_by_technique(gold, "gold")
    seen = set(pred_g) | set(gold_g)
    if labels is None:
        order = sorted(seen)
    else:
        order = list(dict.fromkeys(labels))
        unknown = seen - set(order)
        if unknown:
            raise ValueError(f"techniques not in labels: {sorted(unknown)}")
    result: dict[str, PRF] = {}
    for technique in order:
        p_t = {
            a: _prepare(s, merge_pred, f"prediction, article {a!r}, technique {technique!r}")
            for a, s in pred_g.get(technique, {}).items()
        }
        g_t = {a: _merge_spans(s) for a, s in gold_g.get(technique, {}).items()}
        result[technique] = _official_prf(*_si_sums(p_t, g_t))
    return result


def si_report(
    pred: Sequence[tuple[str, int, int, str]],
    gold: Sequence[tuple[str, int, int, str]],
    *,
    labels: Sequence[str] | None = None,
    merge_pred: bool = True,
) -> dict[str, object]:
    """SI table: the technique-agnostic score plus the per-technique rows.

    Returns ``{"overall": {precision, recall, f1}, "per_technique": {T: {precision, recall, f1,
    support}}}`` where ``overall`` is :func:`si_scores` on the same rows with techniques ignored,
    the rows come from :func:`si_per_technique` and ``support`` is the number of gold rows labelled
    ``T`` (before merging).
    """
    pred_spans: dict[str, list[Span]] = defaultdict(list)
    gold_spans: dict[str, list[Span]] = defaultdict(list)
    for article_id, start, end, _ in pred:
        pred_spans[article_id].append((start, end))
    for article_id, start, end, _ in gold:
        gold_spans[article_id].append((start, end))
    overall = si_scores(pred_spans, gold_spans, merge_pred=merge_pred)
    per = si_per_technique(pred, gold, labels=labels, merge_pred=merge_pred)
    support = Counter(row[3] for row in gold)
    return {
        "overall": overall.to_dict(),
        "per_technique": {t: {**prf.to_dict(), "support": support.get(t, 0)} for t, prf in per.items()},
    }


# --------------------------------------------------------------------------------------------------
# SemEval-2020 Task 11, technique classification (TC)


def _safe_div(num: float, den: float, zero: float = 0.0) -> float:
    return num / den if den else zero


def _tc_official_pairs(pred: Sequence[TechniqueSpan], gold: Sequence[TechniqueSpan]) -> list[tuple[str, str]]:
    """(gold label, predicted label) pairs exactly as the official TC scorer compares them.

    Literal port of ``sort_spans`` (stable sort by start offset only), the format checks
    ``compare_annotations_identical_article_lists`` / ``compare_annotations_identical`` and
    ``align_annotations`` / ``_matching_annotations`` of ``tools/src/article_annotations.py``.
    Articles are taken in gold order for both sides (the official code walks each file in its own
    order and assumes they agree).
    """

    def by_article(rows: Sequence[TechniqueSpan], where: str) -> dict[str, list[tuple[int, int, str]]]:
        out: dict[str, list[tuple[int, int, str]]] = {}
        for a, s, e, t in rows:
            out.setdefault(a, []).append((*_check_span(s, e, f"{where}, article {a!r}"), t))
        return {a: sorted(v, key=lambda x: x[0]) for a, v in out.items()}

    p_art, g_art = by_article(pred, "prediction"), by_article(gold, "gold")
    if set(p_art) != set(g_art):
        raise ValueError(
            "predictions must cover exactly the gold articles (official TC format check); "
            f"differing: {sorted(set(p_art).symmetric_difference(g_art))[:10]}"
        )
    pairs: list[tuple[str, str]] = []
    for article_id, g in g_art.items():
        p = p_art[article_id]
        if len(p) != len(g) or any(x[:2] != y[:2] for x, y in zip(p, g)):
            raise ValueError(
                f"article {article_id!r}: the start-sorted predicted spans differ from the gold spans "
                "(official TC format check)"
            )
        i = 0
        while i < len(p):
            j1 = j2 = -1
            k2 = i
            while j1 < 0 and k2 < len(g) and g[k2][:2] == g[i][:2]:
                k1 = i
                while k1 < len(p) and p[k1][:2] == p[i][:2]:
                    if p[k1] == g[k2]:
                        j1, j2 = k1, k2
                        break
                    k1 += 1
                k2 += 1
            if j1 > i:
                p[j1], p[i] = p[i], p[j1]
            if j2 > i:
                g[j2], g[i] = g[i], g[j2]
            i += 1
            if j1 == -1:  # official: "no match, can forward i skipping all annotations with same span"
                while i + 1 < len(p) and p[i][:2] == p[i + 1][:2]:
                    i += 1
        pairs.extend((y[2], x[2]) for x, y in zip(p, g))
    return pairs


def _tc_counts(
    pred: Sequence[TechniqueSpan], gold: Sequence[TechniqueSpan], strict: bool, official_alignment: bool
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Return (true positives, predicted count, gold count) per technique.

    Default: per (article, start, end) the correct labels are the multiset intersection
    ``sum_T min(#pred(T), #gold(T))`` -- what the official alignment is designed to compute (it
    reorders annotations sharing one span so that equal labels face each other). With
    ``official_alignment`` the official procedure is replayed literally (see
    :func:`_tc_official_pairs`).
    """
    if official_alignment:
        pairs = _tc_official_pairs(pred, gold)
        tp_o: Counter[str] = Counter(g for g, p in pairs if g == p)
        return tp_o, Counter(p for _, p in pairs), Counter(g for g, _ in pairs)
    pred_c = Counter((a, *_check_span(s, e, f"prediction, article {a!r}"), t) for a, s, e, t in pred)
    gold_c = Counter((a, *_check_span(s, e, f"gold, article {a!r}"), t) for a, s, e, t in gold)
    if strict:
        pred_spans = Counter(k[:3] for k in pred_c.elements())
        gold_spans = Counter(k[:3] for k in gold_c.elements())
        if pred_spans != gold_spans:
            diff = sorted((pred_spans - gold_spans) + (gold_spans - pred_spans))
            raise ValueError(
                "predictions must cover exactly the gold spans (official TC format check); "
                f"differing (article, start, end): {diff[:10]}"
            )
    tp: Counter[str] = Counter()
    for key, n in gold_c.items():
        m = min(n, pred_c.get(key, 0))
        if m:
            tp[key[3]] += m
    n_pred: Counter[str] = Counter(t for *_, t in pred)
    n_gold: Counter[str] = Counter(t for *_, t in gold)
    return tp, n_pred, n_gold


def tc_report(
    pred: Sequence[tuple[str, int, int, str]],
    gold: Sequence[tuple[str, int, int, str]],
    *,
    labels: Sequence[str] | None = None,
    strict: bool = False,
    official_alignment: bool = False,
) -> dict[str, object]:
    """Official SemEval-2020 Task 11 TC score with a per-technique breakdown.

    Rows are ``(article_id, start, end, technique)``. The official scorer requires one prediction per
    gold span (same articles, same multiset of spans; ``strict=True`` enforces this with
    ``ValueError``) and reports sklearn's micro-averaged P/R/F1 over the aligned label lists, which
    equal the accuracy. When a span occurs several times in gold with different techniques, matching
    is multiset-wise per (article, start, end): e.g. gold {A, B} vs pred {B, C} on one span gives 1
    correct out of 2.

    ``official_alignment=True`` replays the official alignment literally instead, quirk included:
    after a span whose labels found no match, the official loop also skips the alignment of the
    leading annotations of the *next* span when that span occurs several times, so those are compared
    in file order. E.g. gold ``[0,5) X, [10,15) Y, [10,15) Z`` vs pred ``[0,5) W, [10,15) Z,
    [10,15) Y`` scores 0/3 officially but 2/3 multiset-wise. The result then depends on the row
    order (stable sort by start offset, as ``sort_spans``) and the official format check is always
    enforced (same articles, same start-sorted spans; ``ValueError`` otherwise). Use it to reproduce
    leaderboard numbers exactly; the default is the order-independent multiset matching.

    With ``strict=False`` the same counts generalise to unmatched spans: ``TP`` = matched rows,
    micro ``P = TP / #pred``, ``R = TP / #gold``, ``F1 = 2TP / (#pred + #gold)``; a predicted span
    absent from gold is a false positive, a gold span without prediction a false negative. This
    coincides with the official number whenever the official format check passes.

    Per technique (sklearn ``f1_score(average=None)``, default ``zero_division`` → 0):
    ``precision = TP_T / #pred_T``, ``recall = TP_T / #gold_T``, ``f1 = 2TP_T / (#pred_T + #gold_T)``,
    each 0.0 when its denominator is 0; ``support = #gold_T``. Micro values are 0.0 on empty input.
    Without ``labels`` the table covers the techniques seen in either side, sorted; with ``labels`` it
    covers exactly those (an unknown technique raises ``ValueError``, as the official format check
    does).

    Returns ``{"micro_precision", "micro_recall", "micro_f1", "per_technique": {T: {"precision",
    "recall", "f1", "support"}}}``.
    """
    tp, n_pred, n_gold = _tc_counts(pred, gold, strict, official_alignment)
    seen = set(n_pred) | set(n_gold)
    if labels is None:
        order = sorted(seen)
    else:
        order = list(dict.fromkeys(labels))
        unknown = seen - set(order)
        if unknown:
            raise ValueError(f"techniques not in labels: {sorted(unknown)}")
    total_tp, total_pred, total_gold = sum(tp.values()), sum(n_pred.values()), sum(n_gold.values())
    per: dict[str, dict[str, float | int]] = {}
    for t in order:
        per[t] = {
            "precision": _safe_div(tp[t], n_pred[t]),
            "recall": _safe_div(tp[t], n_gold[t]),
            "f1": _safe_div(2 * tp[t], n_pred[t] + n_gold[t]),
            "support": n_gold[t],
        }
    return {
        "micro_precision": _safe_div(total_tp, total_pred),
        "micro_recall": _safe_div(total_tp, total_gold),
        "micro_f1": _safe_div(2 * total_tp, total_pred + total_gold),
        "per_technique": per,
    }


def tc_micro_f1(
    pred: Sequence[tuple[str, int, int, str]],
    gold: Sequence[tuple[str, int, int, str]],
    *,
    strict: bool = False,
    official_alignment: bool = False,
) -> float:
    """Official SemEval-2020 Task 11 TC score: micro-F1 (= accuracy on the gold spans).

    See :func:`tc_report` for the matching of duplicated gold spans and the ``strict`` and
    ``official_alignment`` options.
    """
    tp, _, _ = _tc_counts(pred, gold, strict, official_alignment)
    return _safe_div(2 * sum(tp.values()), len(pred) + len(gold))


# --------------------------------------------------------------------------------------------------
# SemEval-2023 Task 3, subtask 3 (paragraph-level multi-label technique detection)


def subtask3_scores(
    pred: Mapping[tuple[str, int], Iterable[str]],
    gold: Mapping[tuple[str, int], Iterable[str]],
    labels: Sequence[str],
) -> dict[str, object]:
    """Official SemEval-2023 Task 3 subtask-3 micro- and macro-F1 (stdlib re-implementation).

    Keys are ``(article_id, paragraph_id)``, values the techniques of that paragraph. The official
    ``evaluate`` binarises with ``MultiLabelBinarizer().fit([CLASSES])`` and calls
    ``f1_score(gold, pred, average="micro"|"macro", zero_division=1)``, hence:

    * the label set is ``sorted(set(labels))``; duplicate labels within a paragraph count once;
    * per label, ``F1 = 2TP / (2TP + FP + FN)``, and **1.0 when the label occurs neither in gold nor
      in predictions** (``zero_division=1``); precision/recall likewise use 1.0 for a zero
      denominator;
    * ``macro_f1`` is the unweighted mean over *all* labels (zero-support labels included, each
      contributing 1.0 if never predicted and 0.0 if predicted);
    * ``micro_f1 = 2ΣTP / (2ΣTP + ΣFP + ΣFN)``, 1.0 if there is nothing in gold and nothing predicted.

    Format checks of the official ``correct_format`` raise ``ValueError``: a predicted label not in
    ``labels``, or prediction keys differing from gold keys. A *gold* label outside ``labels`` is
    ignored, as ``MultiLabelBinarizer.transform`` does. Empty ``gold`` (nothing to score) and empty
    ``labels`` also raise ``ValueError``.

    Returns ``{"micro_f1", "macro_f1", "micro_precision", "micro_recall",
    "per_label": {label: {"precision", "recall", "f1", "support"}}}``.
    """
    classes = sorted(set(labels))
    if not classes:
        raise ValueError("labels must not be empty")
    if not gold:
        raise ValueError("gold is empty: nothing to score")
    class_set = set(classes)
    pred_sets = {k: set(v) for k, v in pred.items()}
    bad = sorted({lab for v in pred_sets.values() for lab in v} - class_set)
    if bad:
        raise ValueError(f"predicted labels not in labels: {bad}")
    if set(pred_sets) != set(gold):
        diff = sorted(set(pred_sets).symmetric_difference(gold), key=repr)
        raise ValueError(f"prediction keys differ from gold keys: {diff[:10]}")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for key, gold_labels in gold.items():
        g = set(gold_labels) & class_set
        p = pred_sets[key]
        for lab in g & p:
            tp[lab] += 1
        for lab in p - g:
            fp[lab] += 1
        for lab in g - p:
            fn[lab] += 1
    per: dict[str, dict[str, float | int]] = {}
    for lab in classes:
        per[lab] = {
            "precision": _safe_div(tp[lab], tp[lab] + fp[lab], 1.0),
            "recall": _safe_div(tp[lab], tp[lab] + fn[lab], 1.0),
            "f1": _safe_div(2 * tp[lab], 2 * tp[lab] + fp[lab] + fn[lab], 1.0),
            "support": tp[lab] + fn[lab],
        }
    s_tp, s_fp, s_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "micro_f1": _safe_div(2 * s_tp, 2 * s_tp + s_fp + s_fn, 1.0),
        "macro_f1": sum(float(v["f1"]) for v in per.values()) / len(classes),
        "micro_precision": _safe_div(s_tp, s_tp + s_fp, 1.0),
        "micro_recall": _safe_div(s_tp, s_tp + s_fn, 1.0),
        "per_label": per,
    }
