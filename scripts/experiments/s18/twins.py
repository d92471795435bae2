"""Session 18: co-span ("twin") Repetition features in the TC calibration, cross-validated on PTC train.

    PYTHONPATH=scripts/experiments SPINLENS_DATA=../shared/data python scripts/experiments/s18/twins.py

For each model (`accurate`: the tagger's out-of-fold span probabilities; `thorough`: mixed with judge J2's at
its weight), the shipped calibration procedure at the shipped span-lexicon weight, scored by article-level
5-fold CV (3 shuffles, mean), with the 3 recurrence features alone (the shipped form) and with the 3 co-span
features added. No PTC dev.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from s14.oof import candidates, judgements, tc_base_rows
from s18.score_maps import mixed_rows

from spinlens.evaluation import tc_micro_f1
from spinlens.evaluation.ptc import to_ptc14_probs
from spinlens.taxonomy import PTC14_LABELS, TECHNIQUE_IDS
from spinlens.training import pipeline as P

REP = TECHNIQUE_IDS.index("Repetition")


def norm(text: str, s: int, e: int) -> str:
    return " ".join(text[s:e].lower().split())


def twin_features(text: str, spans: list[tuple[int, int]]) -> np.ndarray:
    """For each span: another span (at another place) with the same words; log(1 + their number); one of
    them starts earlier."""
    words = [norm(text, s, e) for s, e in spans]
    out = np.zeros((len(spans), 3), dtype=np.float32)
    for i, (s, e) in enumerate(spans):
        twins = {spans[j] for j in range(len(spans)) if words[j] == words[i] and spans[j] != (s, e)}
        if twins:
            out[i] = (1.0, np.log1p(len(twins)), float(any(ts < s for ts, _ in twins)))
    return out


def accuracy(rows, cal: dict, F: np.ndarray) -> float:
    logp = np.log(np.clip(np.stack([r[5] for r in rows]), 1e-7, 1.0)) + np.asarray(cal["bias"])
    if cal.get("lex_w"):
        logp = logp + float(cal["lex_w"]) * np.stack([r[7] for r in rows])
    logp[:, REP] += F @ np.asarray(cal["rep_w"])
    pred = to_ptc14_probs(np.exp(logp - logp.max(1, keepdims=True))).argmax(1)
    return tc_micro_f1(
        [(r[0], r[2], r[3], PTC14_LABELS[int(k)]) for r, k in zip(rows, pred)],
        [(r[0], r[2], r[3], r[4]) for r in rows],
    )


def cv(rows, F: np.ndarray, lex_w: float, shuffles: int = 3, folds: int = 5) -> float:
    ids = sorted({r[0] for r in rows})
    out = []
    for seed in range(shuffles):
        order = list(ids)
        random.Random(seed).shuffle(order)
        correct = 0.0
        for f in range(folds):
            held = set(order[f::folds])
            fit = np.array([r[0] not in held for r in rows])
            cal = P._fit_cal([r for r, k in zip(rows, fit) if k], lex_w=lex_w, F=F[fit])
            held_rows = [r for r, k in zip(rows, fit) if not k]
            correct += accuracy(held_rows, cal, F[~fit]) * len(held_rows)
        out.append(correct / len(rows))
    return float(np.mean(out))


def main() -> None:
    arts, scores, _, _, _ = candidates()
    J = judgements(Path("runs/g14/J2"), Path(".carry/sj2"))
    recipe = json.loads(Path("src/spinlens/model_data/accurate/build.json").read_text())
    settings = recipe["judge"]["settings"]
    base = tc_base_rows(arts, scores, J)
    spans_of = {aid: sorted({(s, e) for s, e, _ in a["spans"]}) for aid, a in arts.items()}
    twin = {aid: dict(zip(sp, twin_features(arts[aid]["text"], sp))) for aid, sp in spans_of.items()}
    T = np.stack([twin[r[0]][(r[2], r[3])] for r in base])
    n_twin, n_later = int(T[:, 0].sum()), int(T[:, 2].sum())
    print(f"{len(base)} rows; with a twin {n_twin}, a later twin {n_later}", flush=True)
    R = P._repetition_matrix([r[:8] for r in base])
    models = {"accurate": ([r[:8] for r in base], float(recipe["thresholds"]["calibration"]["lex_w"]))}
    thorough_rows = mixed_rows(base, float(settings["weight"]))
    models["thorough"] = (thorough_rows, float(settings["calibration"]["lex_w"]))
    result = {}
    for name, (rows, lex_w) in models.items():
        without = cv(rows, R, lex_w)
        with_twins = cv(rows, np.concatenate([R, T], 1), lex_w)
        print(f"{name} (lexicon weight {lex_w}): CV TC {without:.4f} -> {with_twins:.4f}", flush=True)
        cal = P._fit_cal(rows, lex_w=lex_w, F=np.concatenate([R, T], 1))
        result[name] = {"cv_without": round(without, 4), "cv_with": round(with_twins, 4), "calibration": cal}
    Path("runs/g18").mkdir(parents=True, exist_ok=True)
    Path("runs/g18/twins.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
