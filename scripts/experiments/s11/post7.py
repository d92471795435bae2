"""Session 11: package C (runs/acc/s7) with given thresholds and build it. argv: THRESH_DIR TAG VERSION"""

import shutil
import sys
from pathlib import Path

from spinlens._modelmeta import default_model_dir
from spinlens.modelbuild import build
from spinlens.training.accurate import package
from spinlens.training.pipeline import base_model_dir

th, tag, version = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
cmd = (
    "python -m spinlens.training accurate --run RUN --teacher-base /tmp/mp/m/all-mpnet-base-v2 "
    "--sources ptc --epochs 3 --lr 1e-4 --frozen-layers 8 --seeds 7 "
    "(run: runs/acc/go7.py); thresholds: python "
    "benchmarks/coverage_transfer.py BUILT --quantile --write DIR (RESULTS section 2, session 11)"
)
d = default_model_dir() / f".acc{tag}"
shutil.rmtree(d, ignore_errors=True)
package(
    Path("runs/acc/s7"),
    str(base_model_dir()),
    "/tmp/mp/m/all-mpnet-base-v2",
    d,
    frozen=8,
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
