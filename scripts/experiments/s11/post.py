"""Session 11: package an accurate checkpoint with given thresholds and build it (runs/acc/built{TAG}; the
recipe in runs/acc/recipe{TAG}). The recorded training command is read from the checkpoint's train.json.

    python scripts/experiments/s11/post.py CKPT_DIR THRESH_DIR TAG VERSION
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
init = f" --init {t['init']}" if t.get("init") else ""
cmd = (
    f"python -m spinlens.training accurate --run RUN --teacher-base {MP} --sources {','.join(t['sources'])} "
    f"--epochs {t['epochs']} --lr {t['lr']} --head-lr {t.get('head_lr', 1e-3)} --frozen-layers {t['frozen']} "
    f"--seeds {t['seed']}{init}; thresholds: python "
    "benchmarks/coverage_transfer.py BUILT --quantile --write DIR (RESULTS section 2, session 11)"
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
    log=print,
)
shutil.rmtree(Path(f"runs/acc/built{tag}"), ignore_errors=True)
build("accurate", dest=Path(f"runs/acc/built{tag}"), recipe_from=d, log=print)
shutil.rmtree(Path(f"runs/acc/recipe{tag}"), ignore_errors=True)
shutil.copytree(d, Path(f"runs/acc/recipe{tag}"))
shutil.rmtree(d)
