"""Session 10 (RESULTS.md section 2, amendment 3): a 2-fold cross-fit of the `accurate` recipe (frozen layers
0-7, 3 epochs, lr 1e-4, PTC train), reusing the lower-layer states that `python -m spinlens.training accurate`
cached (RUN/accurate-s13/lower.npz), then `pipeline.tune` on the out-of-fold scores. Its thresholds did not
ship (SE21 mean 0.398); kept so that the experiment can be rerun:

    python scripts/accurate_crossfit.py   # paths as in session 10: .carry/cf, runs/acc/s13, runs/acc/cf2

Its fold loop is a near-copy of ``spinlens.training.crossfit._fit_fold`` made before that took frozen layers.
For a new run use the library: ``python -m spinlens.training crossfit --teacher-base MPNET --frozen-layers 8
--folds K ...`` (it computes each fold's lower-layer states itself instead of slicing a cached file, and also
writes distillation targets).
"""

import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from spinlens.datasets import data_root
from spinlens.training.crossfit import _merge_tune, _ptc_train, assign_folds, tune_entries
from spinlens.training.data import load_windows, subset_windows
from spinlens.training.fit import fit, load_states, pad_states, save_states
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
states, _ = load_states(Path("runs/acc/s13/lower.npz"))
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
    if not (kdir / "lower.npz").exists():
        save_states(kdir / "lower.npz", [states[i] for i in train], 8)
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
            h, bio, tech = model.top(
                torch.tensor(pad_states([states[r] for r in rows], ids.shape[1])), t_mask, 8
            )
        else:
            hits[1] += len(rows)
            h, bio, tech = model(t_ids, t_mask)
        return torch.softmax(bio, -1).numpy(), torch.sigmoid(tech).numpy(), h.numpy()

    tune_list = tune_entries(held_ids, ptc)
    (kdir / "tune.json").write_text(json.dumps(tune_list))
    shutil.copy(run / "data.json", kdir / "data.json")
    _score_tune(kdir, model, student, kdir / "tune_scores.npz", forward=fwd)
    log(f"fold {k}: scored {len(tune_list)} articles; windows from cache {hits[0]}, full forward {hits[1]}")
_merge_tune(run, FOLDS)
log("tuning")
res = tune(run / "crossfit", data_root=str(root))
log(f"tuned: {json.dumps({k: v for k, v in res.items() if k != 'thresholds'})[:400]}")
log("done")
