"""Session 18: the score maps of `accurate` and `thorough`, fitted out of fold on PTC train (no PTC dev).

    PYTHONPATH=scripts/experiments SPINLENS_DATA=../shared/data python scripts/experiments/s18/score_maps.py

(a) P(span) = sigmoid(a logit(c) + b) of the span confidence c (the fold models' mean P(in)), Platt scaling on
the out-of-fold kept spans against "touches a gold span"; (b) a temperature T over the calibrated technique
probabilities, minimising the log-loss of each gold span's technique set, each span calibrated by a
calibration fitted without its article's fold. Prints both per model and writes runs/g18/score_maps.json.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from s14.oof import candidates, judgements, kept, tc_base_rows

from spinlens._judge import mix_probs
from spinlens.model import calibrate
from spinlens.taxonomy import PTC14_TO_CANONICAL, TECHNIQUE_IDS
from spinlens.training import pipeline as P

TEMPERATURES = np.round(np.arange(0.5, 5.0001, 0.05), 2)
EPS = 1e-6


def logit(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, EPS, 1 - EPS)
    return np.log(c / (1 - c))


def platt(conf: np.ndarray, y: np.ndarray, iters: int = 200) -> tuple[float, float, float, float]:
    """(a, b) maximising the likelihood of y under sigmoid(a logit(conf) + b) (Newton), and the log-loss
    before (identity map) and after."""
    x = logit(conf)
    w = np.array([1.0, 0.0])
    X = np.stack([x, np.ones_like(x)], 1)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (p - y)
        H = (X * (p * (1 - p))[:, None]).T @ X + 1e-9 * np.eye(2)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-10:
            break

    def loss(p: np.ndarray) -> float:
        p = np.clip(p, EPS, 1 - EPS)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    return float(w[0]), float(w[1]), loss(np.clip(conf, EPS, 1 - EPS)), loss(1 / (1 + np.exp(-(X @ w))))


def touches(spans: dict[str, list[tuple[int, int, float]]], gold: dict) -> tuple[np.ndarray, np.ndarray]:
    conf, y = [], []
    for a, v in spans.items():
        for s, e, c in v:
            conf.append(c)
            y.append(float(any(gs < e and s < ge for gs, ge in gold[a])))
    return np.array(conf), np.array(y)


def cross_fitted(rows, lex_w: float, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each row's calibrated technique probabilities, the calibration fitted without its article's fold."""
    ids = sorted({r[0] for r in rows})
    random.Random(seed).shuffle(ids)
    F = P._repetition_matrix(rows)
    out = np.zeros((len(rows), len(TECHNIQUE_IDS)))
    for f in range(folds):
        held = set(ids[f::folds])
        fit = np.array([r[0] not in held for r in rows])
        cal = P._fit_cal([r for r, k in zip(rows, fit) if k], lex_w=lex_w, F=F[fit])
        for i in np.flatnonzero(~fit):
            aid, text, s, e, lab, p, tp, lx = rows[i]
            out[i] = calibrate(p[None], text, [(s, e)], cal, tp[None], P._FixedLexicon(lx))[0]
    return out


def temperature(probs: np.ndarray, rows) -> tuple[float, float, float, float]:
    """T minimising the log-loss of the gold technique sets; (T, loss at T = 1, loss at T, top-1 accuracy)."""
    allowed = np.zeros(probs.shape, dtype=bool)
    for i, r in enumerate(rows):
        for c in PTC14_TO_CANONICAL[r[4]]:
            allowed[i, TECHNIQUE_IDS.index(c)] = True
    logp = np.log(np.clip(probs, 1e-7, 1.0))

    def loss(t: float) -> float:
        z = logp / t
        z = z - z.max(1, keepdims=True)
        q = np.exp(z)
        q /= q.sum(1, keepdims=True)
        return float(-np.mean(np.log(np.clip((q * allowed).sum(1), 1e-12, 1.0))))

    losses = [loss(t) for t in TEMPERATURES]
    best = float(TEMPERATURES[int(np.argmin(losses))])
    acc = float(np.mean(allowed[np.arange(len(rows)), probs.argmax(1)]))
    return best, loss(1.0), min(losses), acc


def mixed_rows(base_rows: list[tuple], weight: float) -> list[tuple]:
    """``tc_base_rows``' rows with the tagger's probabilities mixed with the judge's as `thorough` mixes them
    (``spinlens._judge.mix_probs``), the judge's column dropped."""
    p = np.stack([r[5] for r in base_rows])
    q = np.stack([r[8] for r in base_rows])
    mixed = mix_probs(p, np.concatenate([np.zeros((len(q), 1)), q], 1), weight)
    return [(*r[:5], m, *r[6:8]) for r, m in zip(base_rows, mixed)]


def main() -> None:
    arts, scores, gold, th, cands = candidates()
    J = judgements(Path("runs/g14/J2"), Path(".carry/sj2"))
    recipe = json.loads(Path("src/spinlens/model_data/accurate/build.json").read_text())
    settings = recipe["judge"]["settings"]
    shipped = recipe["thresholds"]
    out: dict[str, dict] = {}
    keeps = {
        "accurate": {a: [x for x in v if x[2] >= th["span_min"]] for a, v in cands.items()},
        "thorough": kept(cands, J, settings["t_m"], settings["t_j"]),
    }
    base_rows = tc_base_rows(arts, scores, J)
    for name, K in keeps.items():
        conf, y = touches(K, gold)
        a, b, before, after = platt(conf, y)
        print(
            f"{name}: {len(conf)} kept spans, mean confidence {conf.mean():.3f}, touch gold {y.mean():.3f}; "
            f"Platt a {a:.4f} b {b:.4f}; log-loss {before:.4f} -> {after:.4f}",
            flush=True,
        )
        if name == "accurate":
            rows = [r[:8] for r in base_rows]
            lex_w = float(shipped["calibration"]["lex_w"])
        else:
            rows = mixed_rows(base_rows, float(settings["weight"]))
            lex_w = float(settings["calibration"]["lex_w"])
        probs = cross_fitted(rows, lex_w)
        T, l1, lT, acc = temperature(probs, rows)
        top = probs.max(1)
        print(
            f"{name}: {len(rows)} gold spans, mean top probability {top.mean():.3f}, top-1 right {acc:.3f}; "
            f"T {T:.2f}; log-loss {l1:.4f} -> {lT:.4f}",
            flush=True,
        )
        out[name] = {"span": [round(a, 4), round(b, 4)], "temperature": T}
    Path("runs/g18").mkdir(parents=True, exist_ok=True)
    Path("runs/g18/score_maps.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
