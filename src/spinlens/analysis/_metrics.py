"""The official metrics of the shared tasks behind the analysis models, re-implemented without scikit-learn.

- SemEval-2023 Task 3 subtask 1 (genre): macro-F1 over the three classes (``scorer-subtask-1.py``).
- SemEval-2023 Task 3 subtask 2 (frames): micro-F1 over the 14 frames (``scorer-subtask-2.py``).
- SemEval-2025 Task 10 subtask 1 (entity roles): exact match ratio of (main role, fine-role list), main-role
  accuracy and fine-role micro-F1 (``subtask1_scorer.py``; the lists are compared in order, as there).
- SemEval-2025 Task 10 subtask 2 (narratives): samples-F1, the mean over articles of the F1 of that article's
  label set, labels outside the official class list ignored and an empty match scoring 0
  (``subtask2_scorer.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

__all__ = ["macro_f1", "micro_f1", "samples_f1", "role_scores"]

_K = TypeVar("_K", bound=Hashable)  # a mention key: the same type in gold and predictions


def _f1(tp: int, fp: int, fn: int) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def macro_f1(gold: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> float:
    """Mean per-class F1 over ``classes`` (a class never gold nor predicted scores 0)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    out = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        out.append(_f1(tp, fp, fn))
    return sum(out) / len(out)


def micro_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], classes: Sequence[str]) -> float:
    """Micro-F1 of multi-label predictions, counting only labels in ``classes``."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold rows but {len(pred)} predictions")
    cl = set(classes)
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        gs, ps = set(g) & cl, set(p) & cl
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    return _f1(tp, fp, fn)


def samples_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], classes: Sequence[str]) -> float:
    """Mean over rows of the F1 between gold and predicted label sets (labels outside ``classes`` ignored)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold rows but {len(pred)} predictions")
    if not gold:
        return 0.0
    cl = set(classes)
    total = 0.0
    for g, p in zip(gold, pred):
        gs, ps = set(g) & cl, set(p) & cl
        tp = len(gs & ps)
        total += _f1(tp, len(ps - gs), len(gs - ps))
    return total / len(gold)


def role_scores(
    gold: Mapping[_K, tuple[str, Sequence[str]]], pred: Mapping[_K, tuple[str, Sequence[str]]]
) -> dict[str, float]:
    """``{"emr", "main_accuracy", "main_macro_f1", "fine_micro_f1"}`` for entity roles keyed by mention
    (``main_macro_f1``: the mean F1 of the main roles that gold or the predictions hold).

    Raises:
        ValueError: when the two mappings do not hold the same mentions.
    """
    if set(gold) != set(pred):
        raise ValueError(f"gold has {len(gold)} mentions, predictions {len(pred)}; the keys differ")
    n = len(gold)
    if n == 0:
        return {"emr": 0.0, "main_accuracy": 0.0, "main_macro_f1": 0.0, "fine_micro_f1": 0.0}
    emr = sum(1 for k in gold if gold[k][0] == pred[k][0] and list(gold[k][1]) == list(pred[k][1])) / n
    acc = sum(1 for k in gold if gold[k][0] == pred[k][0]) / n
    roles = sorted({gold[k][0] for k in gold} | {pred[k][0] for k in pred})
    macro = sum(
        _f1(
            sum(1 for k in gold if gold[k][0] == r == pred[k][0]),
            sum(1 for k in gold if pred[k][0] == r != gold[k][0]),
            sum(1 for k in gold if gold[k][0] == r != pred[k][0]),
        )
        for r in roles
    ) / len(roles)
    tp = fp = fn = 0
    for k in gold:
        gs, ps = set(gold[k][1]), set(pred[k][1])
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    return {"emr": emr, "main_accuracy": acc, "main_macro_f1": macro, "fine_micro_f1": _f1(tp, fp, fn)}
