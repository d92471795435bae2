"""Session 16: how J2 and J3 (each alone, out of fold) read PTC train's gold Repetition spans, split by
whether the span's phrase occurs again word for word in the article (RESULTS.md section 2, "Session 16").

    repetition.py    # reads runs/g12/crossfit, runs/g14/J2 + .carry/sj2, runs/g16/J3 + .carry/sj3
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT / "src", ROOT / "scripts" / "experiments" / "s14", ROOT / "scripts" / "experiments" / "s16"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from judge3 import other_occurrences  # noqa: E402
from oof import CF, judgements  # noqa: E402

from spinlens.taxonomy import CANONICAL_TO_PTC14, TECHNIQUE_IDS  # noqa: E402
from spinlens.training.pipeline import load_tune_scores  # noqa: E402

REP = TECHNIQUE_IDS.index("Repetition")


def main() -> None:
    arts, _, _, _ = load_tune_scores(CF)
    judges = {
        "J2": judgements(Path("runs/g14/J2"), Path(".carry/sj2")),
        "J3": judgements(Path("runs/g16/J3"), Path(".carry/sj3")),
    }
    res: dict[tuple[str, bool], list[float]] = {}
    for aid, a in arts.items():
        occ = other_occurrences(a["text"], [(s, e) for s, e, _ in a["spans"]])
        for (s, e, lab), o in zip(a["spans"], occ):
            if lab != "Repetition":
                continue
            for name, J in judges.items():
                q = J[aid, s, e, 0][1:]
                named = CANONICAL_TO_PTC14[TECHNIQUE_IDS[int(np.argmax(q))]] == lab
                d = res.setdefault((name, bool(o)), [0, 0, 0.0])
                d[0] += named
                d[1] += 1
                d[2] += q[REP] / q.sum()
    for (name, repeated), (ok, n, p) in sorted(res.items()):
        print(f"{name} {'said again' if repeated else 'said once'}: Repetition named on {ok / n:.3f}, "
              f"mean P(Repetition) {p / n:.3f}, {n} spans")  # fmt: skip


if __name__ == "__main__":
    main()
