"""Session 10 (RESULTS.md section 2, amendment 3): a 2-fold cross-fit of the `accurate` recipe (frozen layers
0-7, 3 epochs, lr 1e-4, PTC train), reusing the lower-layer states that `python -m spinlens.training accurate`
cached (RUN/accurate-s13/lower.npz), then `pipeline.tune` on the out-of-fold scores. Its thresholds did not
ship (SE21 mean 0.398); kept so that the experiment can be rerun:

    python scripts/accurate_crossfit.py   # paths as in session 10: .carry/cf, runs/acc/s13, runs/acc/cf2
"""

import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from spinlens.datasets import data_root
from spinlens.training.crossfit import _merge_tune, _ptc_train, assign_folds
from spinlens.training.data import load_windows, subset_windows
from spinlens.training.fit import fit
from spinlens.training.pipeline import _score_tune, base_model_dir, tune
from spinlens.training.teacher import vocab_map


def log(m):
    print(time.strftime("%H:%M:%S"), m, flush=True)


MP = "/tmp/mp/m/all-mpnet-base-v2"
run = Path("runs/acc/cf2")
run.mkdir(parents=True, exist_ok=True)
student = str(base_model_dir())
full = load_windows(Path(".carry/cf/full.npz"))
keep = [i for i, s in enumerate(full["src"]) if s == "ptc"]
data = subset_windows(full, keep)
z = np.load("runs/acc/s13/lower.npz")
flat, ends = z["h"], z["ends"]
states = [flat[a:e] for a, e in zip(np.r_[0, ends[:-1]], ends)]
assert len(states) == len(data["ids"]) and all(len(s) == len(x) + 2 for s, x in zip(states, data["ids"]))
by_ids = {np.asarray(x, dtype=np.int64).tobytes(): i for i, x in enumerate(data["ids"])}
shutil.copy(".carry/cf/data.json", run / "data.json")
FOLDS = 2
fold_of = assign_folds(data["art"], FOLDS, 13)
id_map = vocab_map(student, MP)
root = data_root(None)
ptc = _ptc_train(root)
for k in range(FOLDS):
    kdir = run / "crossfit" / f"k{k}"
    kdir.mkdir(parents=True, exist_ok=True)
    if (kdir / "tune_scores.npz").exists():
        log(f"fold {k} done")
        continue
    n = len(data["ids"])
    train = [i for i in range(n) if fold_of[data["art"][i]] != k]
    held_ids = sorted({data["art"][i] for i in range(n) if fold_of[data["art"][i]] == k})
    sub = [states[i] for i in train]
    e2 = np.cumsum([len(x) for x in sub])
    if not (kdir / "lower.npz").exists():
        np.savez(kdir / "lower.npz", h=np.concatenate(sub), ends=e2, stop=np.array(8))
    log(f"fold {k}: {len(train)} windows, {len(held_ids)} held-out articles")
    model = fit(
        subset_windows(data, train),
        MP,
        kdir,
        epochs=3,
        batch_size=16,
        lr=1e-4,
        seed=13,
        device="cpu",
        log=lambda m: log(f"fold {k}: {m}"),
        id_map=id_map,
        frozen_layers=8,
    )
    model.eval()
    hits = [0, 0]

    @torch.no_grad()
    def fwd(ids, mask):
        lens = mask.sum(1) - 2
        rows = [by_ids.get(np.ascontiguousarray(ids[r, 1 : lens[r] + 1]).tobytes()) for r in range(len(ids))]
        t_ids, t_mask = torch.tensor(ids), torch.tensor(mask)
        if all(r is not None for r in rows):
            hits[0] += len(rows)
            hs = np.zeros((len(ids), ids.shape[1], flat.shape[1]), np.float32)
            for j, r in enumerate(rows):
                hs[j, : len(states[r])] = states[r]
            h, bio, tech = model.top(torch.tensor(hs), t_mask, 8)
        else:
            hits[1] += len(rows)
            h, bio, tech = model(t_ids, t_mask)
        return torch.softmax(bio, -1).numpy(), torch.sigmoid(tech).numpy(), h.numpy()

    import spinlens.training.fit as F

    orig = F.forward_numpy
    F.forward_numpy = lambda m, d: fwd
    tune_list = [
        {"id": a, "text": ptc[a].text, "spans": [[s.start, s.end, s.label] for s in ptc[a].spans]}
        for a in held_ids
        if a in ptc
    ]
    (kdir / "tune.json").write_text(json.dumps(tune_list))
    shutil.copy(run / "data.json", kdir / "data.json")
    _score_tune(kdir, model, student, kdir / "tune_scores.npz")
    F.forward_numpy = orig
    log(f"fold {k}: scored {len(tune_list)} articles; windows from cache {hits[0]}, full forward {hits[1]}")
_merge_tune(run, FOLDS)
log("tuning")
res = tune(run / "crossfit", data_root=str(root))
log(f"tuned: {json.dumps({k: v for k, v in res.items() if k != 'thresholds'})[:400]}")
log("done")
