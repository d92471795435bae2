"""Evaluation metrics faithful to the official SemEval scorers (stdlib only).

* :func:`si_scores`, :func:`si_per_technique`, :func:`si_report` -- SemEval-2020 Task 11 span
  identification (partial-overlap precision/recall over merged spans);
* :func:`tc_micro_f1`, :func:`tc_report` -- SemEval-2020 Task 11 technique classification;
* :func:`subtask3_scores` -- SemEval-2023 Task 3 subtask 3 paragraph-level micro/macro-F1;
* :func:`score_reliability` -- how often spans of each score bin agree with gold (what a score means).

See :mod:`spinlens.evaluation._scorers` for the exact official behaviours reproduced.
"""

from __future__ import annotations

from spinlens.evaluation._reliability import RELIABILITY_EDGES, score_reliability
from spinlens.evaluation._scorers import (
    PRF,
    si_per_technique,
    si_report,
    si_scores,
    subtask3_scores,
    tc_micro_f1,
    tc_report,
)

__all__ = [
    "PRF",
    "RELIABILITY_EDGES",
    "score_reliability",
    "si_per_technique",
    "si_report",
    "si_scores",
    "subtask3_scores",
    "tc_micro_f1",
    "tc_report",
]
