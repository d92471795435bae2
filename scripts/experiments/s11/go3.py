"""Session 11: A' + 1 epoch on PTC + SemEval-2023 + PTC-18 (frozen 8), warm start. Reuses A's PTC states."""

import time
from pathlib import Path

from spinlens.training.accurate import train
from spinlens.training.data import load_windows, subset_windows
from spinlens.training.fit import Tagger, load_states, lower_states, save_states
from spinlens.training.teacher import vocab_map


def log(m):
    print(time.strftime("%H:%M:%S"), m, flush=True)


MP = "/tmp/mp/m/all-mpnet-base-v2"
SRC = ("ptc", "semeval2023", "ptc18")
out = Path("runs/acc/c13")
out.mkdir(parents=True, exist_ok=True)
full = load_windows(Path(".carry/cf/full.npz"))
keep = [i for i, s in enumerate(full["src"]) if s in SRC]
if not (out / "lower.npz").exists():
    ptc_states, stop = load_states(Path("runs/acc/s13/lower.npz"))
    assert stop == 8
    ptc_idx = [i for i, s in enumerate(full["src"]) if s == "ptc"]
    assert len(ptc_idx) == len(ptc_states)
    by = dict(zip(ptc_idx, ptc_states))
    rest = [i for i in keep if i not in by]
    model = Tagger(MP, id_map=vocab_map(".carry/minilm", MP))
    model.eval()
    new = lower_states(model, subset_windows(full, rest), 8, "cpu", log=log)
    by.update(zip(rest, new))
    save_states(out / "lower.npz", [by[i] for i in keep], 8)
    log(f"states: {len(keep)} windows ({len(rest)} new)")
    del model
train(
    Path(".carry/cf"),
    ".carry/minilm",
    MP,
    out,
    sources=SRC,
    frozen=8,
    epochs=1,
    lr=5e-5,
    head_lr=5e-4,
    init=Path("runs/acc/s13/ckpt.pt"),
    log=log,
)
log("done")
