"""Session 22: package the noisy student N (``runs/g22/accurate-s13``, rebuilt by ``device_crossfit.py
--unpack``) the way the shipped `accurate` 2026.11.27.3 is packaged, with the thresholds tuned on the new fold
models' out-of-fold scores (``runs/g22/crossfit``: ``pipeline.tune``), and the shipped judge J2 with its shipped
settings grafted on unchanged (`thorough`-N); build it into runs/g22/built{TAG} (recipe in runs/g22/recipe{TAG}).

    PYTHONPATH=src SPINLENS_DATA=../shared/data python scripts/experiments/s22/post.py TAG VERSION [--keep-fp32]

As shipped: the delta in 4 bits; int8 per channel with the 8 loudest input channels of each FFN down-projection
(over the first 40 SemEval-2025 train raw documents, as session 13) in fp32 and their int8 rows zeroed. The
score maps (what a span's score reads as; they change nothing kept or labelled) are the shipped ones: session 18
fitted them on runs that no longer exist (disclosed in RESULTS). Local inputs: /tmp/mp/m/all-mpnet-base-v2
(README of s11).
"""

import json
import shutil
import sys
from pathlib import Path

from spinlens._modelmeta import default_model_dir, sha256_file
from spinlens.datasets import data_root
from spinlens.modelbuild import build
from spinlens.training.accurate import fp32_channels, package
from spinlens.training.pipeline import base_model_dir

MP = "/tmp/mp/m/all-mpnet-base-v2"
tag, version = sys.argv[1], sys.argv[2]
ckpt, cf = Path("runs/g22/accurate-s13"), Path("runs/g22/crossfit")
t = json.loads((ckpt / "train.json").read_text())
ship = default_model_dir()
shipped = json.loads((ship / "accurate" / "build.json").read_text())
cmd = (
    "scripts/device_crossfit.py --teacher .carry/mpnet --folds 3 --fold-epochs 5 --fold-lr 5e-5 --seeds '' "
    f"--accurate-seeds {t['seed']} --accurate-kd {t['w_kd']} --unlabeled 600 (GPU; = accurate.train(frozen=0, "
    f"w_kd={t['w_kd']}) on RUN/distill.npz: {t['windows']} windows of {','.join(t['sources'])} and SemEval-2025 "
    f"EN train/dev news, {t['epochs']} epochs, lr {t['lr']}, heads {t['head_lr']}); thresholds: pipeline.tune "
    "on the 3 fold models' out-of-fold scores; int8: the 8 loudest input channels of each FFN down-projection "
    "(40 SemEval-2025 train documents) in fp32, weights per channel, their int8 rows zeroed; the judge and its "
    "settings: 2026.11.27.3's (RESULTS section 2, session 22)"
)
common = dict(
    frozen=t["frozen"], thresholds_from=cf, shipped=ship, version=version, command=cmd, delta_bits=4
)
d = ship / f".acc{tag}"
cal = Path(f"runs/g22/cal{tag}")
try:
    shutil.rmtree(d, ignore_errors=True)
    package(ckpt, str(base_model_dir()), MP, d, **common, log=print)  # the fp32 graph to calibrate int8 on
    shutil.rmtree(cal, ignore_errors=True)
    build("accurate", dest=cal, recipe_from=d, log=print, keep_fp32=True)
    docs = sorted((data_root() / "semeval2025-task10/train/EN/raw-documents").glob("*.txt"))[:40]
    window = json.loads((ship / "model.json").read_text())["window"]
    channels = fp32_channels(
        cal / "tagger0.fp32.onnx",
        [p.read_text(encoding="utf-8") for p in docs],
        ship / "tokenizer.json",
        (int(window["content"]), int(window["stride"])),
        k=8,
    )
    shutil.rmtree(cal)
    shutil.rmtree(d)
    package(
        ckpt, str(base_model_dir()), MP, d, **common, int8_channels=channels, int8_per_channel=True,
        int8_zero_rows=True, log=print,
    )  # fmt: skip
    recipe = json.loads((d / "build.json").read_text())
    recipe["judge"] = shipped["judge"]
    for name in ("judge_delta.npz", "judge_graph.onnx", "judge_int8_channels.npz"):
        shutil.copy(ship / "accurate" / name, d / name)
    recipe["thresholds"]["score_map"] = shipped["thresholds"]["score_map"]
    (d / "build.json").write_text(json.dumps(recipe, indent=1) + "\n")
    built = Path(f"runs/g22/built{tag}")
    shutil.rmtree(built, ignore_errors=True)
    build("accurate", dest=built, recipe_from=d, log=print, keep_fp32="--keep-fp32" in sys.argv)
    meta = json.loads((built / "model.json").read_text())
    print("int8 sha256:", sha256_file(built / meta["files"]["members"][0]["onnx_int8"]["name"])[:16])
    shutil.rmtree(Path(f"runs/g22/recipe{tag}"), ignore_errors=True)
    shutil.copytree(d, Path(f"runs/g22/recipe{tag}"))
finally:
    shutil.rmtree(d, ignore_errors=True)
