"""Session 16: tune the span judge J3 on its out-of-fold judgements of PTC train (no PTC dev), as session 14
tuned J2 (``../s14/oof.py``), plus *repeats*: the other occurrences of kept spans' phrases, added when the
judge finds a technique in them (RESULTS.md section 2, "Session 16").

    oof3.py si RUN EXAMPLES          # SI grid (t_m, t_j, t_p) -> RUN/tuned_si.json
    oof3.py tc-raw RUN EXAMPLES      # TC of the uncalibrated mix, by weight (minutes)
    JUDGE_W=0.6,0.7 oof3.py tc RUN EXAMPLES   # the calibrated TC (s14's procedure), by weight (~8 min each)
    oof3.py --final W RUN EXAMPLES   # s14 oof.py --final: RUN/calibration.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT / "src", ROOT / "scripts" / "experiments" / "s14", ROOT / "scripts" / "experiments" / "s16"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from judge3 import PROPAGATE_MIN, other_occurrences  # noqa: E402
from oof import CF, candidates, judgements, kept, shipped_si, tc_base_rows, tc_mix, tune_keep  # noqa: E402

from spinlens.evaluation import si_scores  # noqa: E402
from spinlens.training.pipeline import load_tune_scores  # noqa: E402

GRID_J = np.arange(0.05, 0.951, 0.05).round(2)


def load_j(run: Path, ex: Path) -> dict:
    """The out-of-fold judgements of one judge, or (``RUN1+RUN2``, ``EX1+EX2``) the mean of several judges'
    probabilities (keys every judge has)."""
    runs, exs = str(run).split("+"), str(ex).split("+")
    tables = [judgements(Path(r), Path(x)) for r, x in zip(runs, exs)]
    return {k: sum(t[k] for t in tables) / len(tables) for k in tables[0] if all(k in t for t in tables[1:])}


def out_dir(run: Path) -> Path:
    """Where a tuning writes: the run, or runs/g16/E for an ensemble."""
    d = Path("runs/g16/E") if "+" in str(run) else run
    d.mkdir(parents=True, exist_ok=True)
    return d


def with_repeats(text, keep, J, aid, t_p, cache):
    """``keep`` plus the other occurrences of kept spans' phrases (spans of mean P(in) >= 0.2) that overlap
    no kept span and whose judgement says P(technique) >= ``t_p``."""
    spans = [(s, e) for s, e, _ in keep]
    src = [(s, e) for s, e, c in keep if c >= PROPAGATE_MIN]
    add: list[tuple[int, int]] = []
    for occ in other_occurrences(text, src):
        for s, e in occ:
            if any(s < y and x < e for x, y in spans + add):
                continue
            # a candidate's or a propagated occurrence's judgement, else (an occurrence that is exactly a
            # gold span) the gold example's: the judge's input depends on the span alone, so it is the same
            p = J.get((aid, s, e, 1), J.get((aid, s, e, 0)))
            if p is None:
                cache["missing"] = cache.get("missing", 0) + 1
                continue
            if 1 - p[0] >= t_p:
                add.append((s, e))
    return spans + add


def main_si(run: Path, ex: Path) -> None:
    arts, _, gold, th, cands = candidates()
    J = load_j(run, ex)
    base = shipped_si(cands, gold, th)
    _, tm, tj, grid = tune_keep(cands, J, gold, base)
    k = kept(cands, J, tm, tj)
    r0 = si_scores({a: [(s, e) for s, e, _ in v] for a, v in k.items()}, gold)
    print(f"{run}: SI shipped rule {base:.4f}; t_m {tm} t_j {tj}: {r0.f1:.4f} (P {r0.precision:.3f} "
          f"R {r0.recall:.3f})", flush=True)  # fmt: skip
    rep = {}
    cache: dict = {}
    bestp = (r0.f1, None)
    for tp in GRID_J if "+" not in str(run) else []:  # an ensemble has no judgements of repeats
        pred = {a: with_repeats(arts[a]["text"], k[a], J, a, tp, cache) for a in cands}
        r = si_scores(pred, gold)
        rep[str(tp)] = (round(r.f1, 4), round(r.precision, 4), round(r.recall, 4))
        if r.f1 > bestp[0] + 1e-9:
            bestp = (r.f1, float(tp))
    print(f"{run}: repeats by t_p: {rep}; best {bestp}; occurrences without a judgement: "
          f"{cache.get('missing', 0)}", flush=True)  # fmt: skip
    (out_dir(run) / "tuned_si.json").write_text(json.dumps({
        "si_shipped_rule": base, "si": r0.f1, "si_p": r0.precision, "si_r": r0.recall, "t_m": tm, "t_j": tj,
        "si_grid": grid, "repeats": rep, "t_p": bestp[1], "si_with_repeats": bestp[0],
    }, indent=1))  # fmt: skip


def main_tc_raw(run: Path, ex: Path) -> None:
    """TC of the mix without calibration (argmax over canonical techniques, mapped to PTC-14), by weight."""
    from spinlens.taxonomy import CANONICAL_TO_PTC14, TECHNIQUE_IDS

    arts, scores, _, _ = load_tune_scores(CF)
    J = load_j(run, ex)
    rows = tc_base_rows(arts, scores, J)
    out = {}
    for w in np.arange(0.0, 1.001, 0.1).round(1):
        ok = 0
        for _, _, _, _, lab, p, _, _, q in rows:
            z = (1 - w) * np.log(np.clip(p, 1e-7, 1)) + w * np.log(np.clip(q, 1e-7, 1))
            ok += CANONICAL_TO_PTC14[TECHNIQUE_IDS[int(np.argmax(z))]] == lab
        out[str(w)] = round(ok / len(rows), 4)
    print(f"{run}: uncalibrated TC by w: {out}", flush=True)


def main_tc(run: Path, ex: Path) -> None:
    arts, scores, _, _ = load_tune_scores(CF)
    J = load_j(run, ex)
    tc = tc_mix(arts, scores, J)
    print(f"{run}: TC (cv) by w: {tc}", flush=True)
    f = out_dir(run) / "tuned_tc.json"
    old = json.loads(f.read_text()) if f.exists() else {}
    old.update(tc)
    f.write_text(json.dumps(old, indent=1))


if __name__ == "__main__":
    if sys.argv[1] == "--final":
        from oof import final

        final(Path(sys.argv[3]), Path(sys.argv[4]), float(sys.argv[2]))
    else:
        cmd = {"si": main_si, "tc-raw": main_tc_raw, "tc": main_tc}[sys.argv[1]]
        cmd(Path(sys.argv[2]), Path(sys.argv[3]))
