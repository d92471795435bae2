"""Session 14: tune a span judge on its out-of-fold judgements of PTC train (no PTC dev).

    oof.py runs/g14/J .carry/sj [runs/g14/J2 .carry/sj2 ...]

SI: keep a candidate iff P(technique) = 1 - P(none) >= t_j and the tagger's mean P(in) >= t_m (SI F1 of
the 371 articles). TC: the tagger's span probabilities and the judge's (over the techniques) mixed
log-linearly, (1 - w) log p + w log q, then the shipped calibration procedure (biases, Repetition
features, span lexicon weight by cross-validation): its cross-validated TC. Writes RUN/tuned.json."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from spinlens.evaluation import si_scores
from spinlens.training.pipeline import _decode_no_head, load_tune_scores

CF = Path("runs/g12/crossfit")


def judgements(run: Path, examples: Path) -> dict[tuple[str, int, int, int], np.ndarray]:
    """(article, start, end, is_candidate) -> the out-of-fold judge probabilities (24: none + canonical)."""
    z = np.load(examples / "examples.npz")
    out = {}
    for k in (0, 1, 2):
        sc = np.load(run / f"k{k}" / "scores.npz")
        for i, p in zip(sc["idx"], sc["p"]):
            out[str(z["art"][i]), int(z["s"][i]), int(z["e"][i]), int(z["kind"][i] > 0)] = p
    return out


def candidates() -> tuple[dict, dict, dict, dict, dict[str, list[tuple[int, int, float]]]]:
    """The tuning articles (``load_tune_scores`` of the cross-fit run), the shipped thresholds and the fold
    models' out-of-fold candidates ``(start, end, mean P(in))`` at ``span_min`` 0."""
    arts, scores, gold, ts = load_tune_scores(CF)
    th = json.loads((CF / "thresholds.json").read_text())["thresholds"]
    cand_th = dict(th, span_min=0.0)
    cands = {
        a: [(s.start, s.end, s.score) for s in _decode_no_head(arts[a]["text"], ts[a], cand_th)] for a in ts
    }
    return arts, scores, gold, th, cands


def kept(cands, J, tm: float, tj: float) -> dict[str, list[tuple[int, int, float]]]:
    """The candidates the keep rule keeps: mean P(in) >= ``tm`` and the judge's P(technique) >= ``tj``."""
    return {
        a: [(s, e, c) for s, e, c in v if c >= tm and 1 - J[a, s, e, 1][0] >= tj] for a, v in cands.items()
    }


def shipped_si(cands, gold, th) -> float:
    """SI F1 of the candidates the shipped ``span_min`` keeps (no judge)."""
    return si_scores({a: [(s, e) for s, e, c in v if c >= th["span_min"]] for a, v in cands.items()}, gold).f1


def tune_keep(cands, J, gold, base: float) -> tuple[float, float | None, float | None, dict[str, float]]:
    """The keep rule's grid (``t_m`` 0 and 0.2..0.6, ``t_j`` 0.05..0.95): ``(best SI F1, t_m, t_j, grid)``;
    ``t_m``/``t_j`` None when nothing beats ``base`` (the SI of the shipped ``span_min`` alone)."""
    best: tuple[float, float | None, float | None] = (base, None, None)
    grid = {}
    for tm in [0.0, *np.arange(0.2, 0.601, 0.05).round(2)]:
        for tj in np.arange(0.05, 0.951, 0.05).round(2):
            f = si_scores({a: [(s, e) for s, e, _ in v] for a, v in kept(cands, J, tm, tj).items()}, gold).f1
            grid[f"{tm},{tj}"] = round(f, 4)
            if f > best[0] + 1e-9:
                best = (f, float(tm), float(tj))
    return (*best, grid)


def main() -> None:
    arts, scores, gold, th, cands = candidates()
    args = sys.argv[1:]
    for run, ex in zip(args[::2], args[1::2]):
        run = Path(run)
        J = judgements(run, Path(ex))
        # --- SI
        base = shipped_si(cands, gold, th)
        _, tm, tj, grid = tune_keep(cands, J, gold, base)
        pred = {a: [(s, e) for s, e, _ in v] for a, v in kept(cands, J, tm, tj).items()}
        r = si_scores(pred, gold)
        judge_only = max(
            (
                si_scores({a: [(s, e) for s, e, _ in v] for a, v in kept(cands, J, 0.0, t).items()}, gold).f1,
                t,
            )
            for t in np.arange(0.05, 0.951, 0.05).round(2)
        )
        print(
            f"{run}: SI shipped rule {base:.4f}; judge t_m {tm} t_j {tj}: {r.f1:.4f} (P {r.precision:.3f} "
            f"R {r.recall:.3f}); judge alone best {judge_only[0]:.4f} at {judge_only[1]}",
            flush=True,
        )
        # --- TC
        tc = tc_mix(arts, scores, J)
        print(f"{run}: TC (cv) by w: {tc}", flush=True)
        w = max(tc, key=lambda k: (tc[k], -float(k)))
        (run / "tuned.json").write_text(json.dumps({
            "si_shipped_rule": base, "si": r.f1, "si_p": r.precision, "si_r": r.recall, "t_m": tm, "t_j": tj,
            "si_grid": grid, "tc_cv_by_w": tc, "w": float(w), "tc_cv": tc[w],
        }, indent=1))  # fmt: skip


def final(run: Path, ex: Path, w: float) -> None:
    """The TC calibration of the mix at weight ``w`` on all tuning spans (as ``pipeline.tune`` fits the
    shipped one): RUN/calibration.json."""
    arts, scores, _, _ = load_tune_scores(CF)
    J = judgements(run, ex)
    cal, cv = tc_mix(arts, scores, J, final_w=w)
    (run / "calibration.json").write_text(json.dumps({"weight": w, "calibration": cal, "tc_cv": cv}))
    print(f"{run}: calibration at w {w}: TC cv {cv:.4f}")


def tc_base_rows(arts, scores, J) -> list[tuple]:
    """The tuning spans of PTC train (gold spans, PTC-14 labels), in ``arts``' order: ``(article, text,
    start, end, label, the tagger's probabilities, the token head's, the fold lexicon's log-probabilities,
    the judge's technique probabilities)``; each article's lexicon is fitted without its fold."""
    from spinlens.datasets import read_ptc
    from spinlens.model import char_to_token_span, span_tech_probs
    from spinlens.training import pipeline as P
    from spinlens.training.data import load_sources

    data = json.loads((CF / "data.json").read_text())
    dev_ids = {a.id for a in read_ptc("dev").articles}
    corpus = load_sources(data["sources"], None, dev_ids)
    folds = data["tune_folds"]
    held = {k: {a for a, f in folds.items() if f == k} for k in set(folds.values())}
    lexes = {k: P.fit_span_lexicon([a for a in corpus if a.id not in ids]) for k, ids in held.items()}
    base_rows = []
    for aid, a in arts.items():
        sc = scores[aid]
        toks = [char_to_token_span(sc["offsets"], s, e) for s, e, _ in a["spans"]]
        tps = span_tech_probs(sc["p_tech"], toks)
        for i, ((s, e, lab), p) in enumerate(zip(a["spans"], sc["tc"])):
            q = J[aid, s, e, 0][1:]
            q = q / q.sum()
            lx = lexes[folds[aid]].log_probs(a["text"], [(s, e)])[0]
            base_rows.append((aid, a["text"], s, e, lab, np.asarray(p, np.float64), tps[i], lx, q))
    return base_rows


def tc_mix(arts, scores, J, final_w: float | None = None):
    from spinlens.training import pipeline as P

    base_rows = tc_base_rows(arts, scores, J)
    out = {}
    if final_w is not None:
        os.environ["JUDGE_W"] = str(final_w)
    grid = os.environ.get("JUDGE_W")  # a subset of the grid (those the uncalibrated mix ranks first)
    for w in [float(x) for x in grid.split(",")] if grid else np.arange(0.0, 1.001, 0.1).round(1):
        rows = []
        for aid, text, s, e, lab, p, tp, lx, q in base_rows:
            z = (1 - w) * np.log(np.clip(p, 1e-7, 1)) + w * np.log(np.clip(q, 1e-7, 1))
            z = np.exp(z - z.max())
            rows.append((aid, text, s, e, lab, z / z.sum(), tp, lx))
        cal, cv, _ = P.fit_calibration_with_lexicon(rows)
        if final_w is not None:
            return cal, cv
        out[str(w)] = round(float(cv), 4)
        print(f"  w {w}: TC cv {cv:.4f}", flush=True)
    return out


if __name__ == "__main__":
    if sys.argv[1] == "--final":  # oof.py --final W RUN EXAMPLES
        final(Path(sys.argv[3]), Path(sys.argv[4]), float(sys.argv[2]))
    else:
        main()
