"""Session 11: A's recipe with seed 7 (a noise measurement). Reuses A's lower-layer states."""

import time
from pathlib import Path

from spinlens.training.accurate import train


def log(m):
    print(time.strftime("%H:%M:%S"), m, flush=True)


train(
    Path(".carry/cf"),
    ".carry/minilm",
    "/tmp/mp/m/all-mpnet-base-v2",
    Path("runs/acc/s7"),
    sources=("ptc",),
    frozen=8,
    epochs=3,
    lr=1e-4,
    seed=7,
    log=log,
)
log("done")
