"""Session 15: the `accurate` recipe with `int8.zero_rows` for the tagger and / or the judge, built.

    python scripts/experiments/s15/zero_rows.py TAG VERSION PARTS [--keep-fp32]
    e.g. zero_rows.py Z 2026.11.27.1 tagger,judge --keep-fp32

Copies the shipped recipe (`src/spinlens/model_data/accurate`), sets `zero_rows` in the `int8` entries of
PARTS, builds it into runs/g15/built{TAG} with `modelbuild.build` and records the int8 files' sha256 in the
copy's build.json (runs/g15/recipe{TAG}). The fp32 weights, graphs and thresholds are untouched."""

import json
import shutil
import sys
from pathlib import Path

from spinlens._modelmeta import default_model_dir, sha256_file
from spinlens.modelbuild import build

tag, version, parts = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
ship = default_model_dir()
d = Path(f"runs/g15/_recipe{tag}/accurate")  # beside copies of the files the recipe names as ../
shutil.rmtree(d.parent, ignore_errors=True)
shutil.copytree(ship / "accurate", d)
for name in ("tokenizer.json", "span_lexicon.npz"):
    shutil.copy(ship / name, d.parent / name)
recipe = json.loads((d / "build.json").read_text())
recipe["version"] = version
if "tagger" in parts:
    recipe["int8"]["zero_rows"] = True
if "judge" in parts:
    recipe["judge"]["int8"]["zero_rows"] = True
which = " and the ".join(parts)
recipe["command"] += f"; int8 with zero_rows for the {which} (RESULTS section 2, session 15)"
(d / "build.json").write_text(json.dumps(recipe, indent=1) + "\n")
built = Path(f"runs/g15/built{tag}")
shutil.rmtree(built, ignore_errors=True)
try:
    build("accurate", dest=built, recipe_from=d, log=print, keep_fp32="--keep-fp32" in sys.argv)
    meta = json.loads((built / "model.json").read_text())
    recipe["onnx_int8_sha256"] = sha256_file(built / meta["files"]["members"][0]["onnx_int8"]["name"])
    recipe["judge"]["onnx_int8_sha256"] = sha256_file(built / meta["judge"]["files"]["onnx_int8"]["name"])
    (d / "build.json").write_text(json.dumps(recipe, indent=1) + "\n")
    print("int8 sha256:", recipe["onnx_int8_sha256"][:16], recipe["judge"]["onnx_int8_sha256"][:16])
    shutil.rmtree(Path(f"runs/g15/recipe{tag}"), ignore_errors=True)
    shutil.copytree(d, Path(f"runs/g15/recipe{tag}"))
finally:
    shutil.rmtree(d.parent)
