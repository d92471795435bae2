"""Session 23, candidate V: run a benchmark script with the span judge reading every span three times, with
(left, right) context budgets (40, 28), (80, 56), (120, 84) and the span cap as configured, and the three
probability vectors averaged (RESULTS.md section 2, "Session 23, second experiment").

    PYTHONPATH=src SPINLENS_DATA=../shared/data python scripts/experiments/s23/views.py \\
        benchmarks/select_se21.py --judge runs/g22/builtShip
"""

import runpy
import sys

import numpy as np

from spinlens import _judge

VIEWS = ((40, 28), (80, 56), (120, 84))
_call = _judge.SpanJudge.__call__


def averaged(self, ids, offsets, spans, pool=None):
    kept = self.budget
    try:
        out = []
        for left, right in VIEWS:
            self.budget = (kept[0], left, right)
            out.append(_call(self, ids, offsets, spans, pool))
    finally:
        self.budget = kept
    return np.mean(out, axis=0).astype(np.float32)


_judge.SpanJudge.__call__ = averaged
script, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(script, run_name="__main__")
