"""Session 13: package the shipped accurate weights (session 12's seed 13) with the int8 that keeps the
down-projections' outlier channels in fp32 and weights per channel (candidate DPC(8), RESULTS.md), the
out-of-fold thresholds for both files, and build it (runs/g13/built{TAG}, recipe in runs/g13/recipe{TAG}).

    python scripts/experiments/s13/post.py TAG VERSION [--keep-fp32]

Local inputs: /tmp/mp/m/all-mpnet-base-v2 (README of s11), runs/g12/accurate-s13 (session 12's README),
runs/g12/builtF13q4f/tagger0.fp32.onnx (the calibration graph: the same weights).
"""

import json
import shutil
import sys
from pathlib import Path

from spinlens._modelmeta import default_model_dir
from spinlens.datasets import data_root
from spinlens.modelbuild import build
from spinlens.training.accurate import fp32_channels, package
from spinlens.training.pipeline import base_model_dir

MP = "/tmp/mp/m/all-mpnet-base-v2"
tag, version = sys.argv[1], sys.argv[2]
ckpt = Path("runs/g12/accurate-s13")
t = json.loads((ckpt / "train.json").read_text())
docs = sorted((data_root() / "semeval2025-task10/train/EN/raw-documents").glob("*.txt"))[:40]
ship = default_model_dir()
window = json.loads((ship / "model.json").read_text())["window"]
channels = fp32_channels(
    Path("runs/g12/builtF13q4f/tagger0.fp32.onnx"),
    [d.read_text(encoding="utf-8") for d in docs],
    ship / "tokenizer.json",
    (int(window["content"]), int(window["stride"])),
    k=8,
)
cmd = (
    "scripts/device_crossfit.py --teacher .carry/mpnet --folds 3 --fold-epochs 5 --fold-lr 5e-5 --seeds '' "
    f"--accurate-seeds {t['seed']} --unlabeled 0 (GPU; = accurate.train(frozen=0) on "
    f"{','.join(t['sources'])}, {t['epochs']} epochs, lr {t['lr']}, heads {t.get('head_lr', 1e-3)}); "
    "thresholds: pipeline.tune on the 3 fold models' out-of-fold scores; int8: the 8 loudest input channels "
    "of each FFN down-projection (40 SemEval-2025 train documents) in fp32, weights per channel "
    "(RESULTS section 2, sessions 12 and 13)"
)
d = ship / f".acc{tag}"
shutil.rmtree(d, ignore_errors=True)
package(
    ckpt,
    str(base_model_dir()),
    MP,
    d,
    frozen=t["frozen"],
    thresholds_from=Path("runs/g12/crossfit"),
    shipped=ship,
    version=version,
    command=cmd,
    delta_bits=4,
    int8_channels=channels,
    int8_per_channel=True,
    log=print,
)
built = Path(f"runs/g13/built{tag}")
shutil.rmtree(built, ignore_errors=True)
build("accurate", dest=built, recipe_from=d, log=print, keep_fp32="--keep-fp32" in sys.argv)
shutil.rmtree(Path(f"runs/g13/recipe{tag}"), ignore_errors=True)
shutil.copytree(d, Path(f"runs/g13/recipe{tag}"))
shutil.rmtree(d)
