"""Session 23: the uniform weight soup S of the shipped `accurate` tagger and session 22's N, and the
two-member ensemble E of them (RESULTS.md section 2, "Session 23"), as model folders to score.

    PYTHONPATH=src python scripts/experiments/s23/soup.py SHIP N OUT

SHIP and N: built `accurate` folders with their fp32 taggers (`spinlens models build accurate --keep-fp32`;
`runs/g22/builtShip`, `runs/g22/builtN`). Writes OUT/S (every initializer of the two fp32 graphs and every
array of their heads0.npz averaged 0.5 / 0.5, int8 made as shipped) and OUT/E (SHIP with N's tagger as a
second member). Everything else (thresholds, calibration, lexicon, judge) is SHIP's, unchanged.
"""

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from spinlens._modelmeta import sha256_file
from spinlens.datasets import data_root
from spinlens.modelbuild import quantize_int8
from spinlens.training.accurate import fp32_channels

ship, other, out = (Path(a) for a in sys.argv[1:4])
meta = json.loads((ship / "model.json").read_text())
member = meta["files"]["members"][0]


def soup() -> None:
    d = out / "S"
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(ship, d)
    a = onnx.load(str(ship / member["onnx"]["name"]))
    b = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(other / member["onnx"]["name"])).graph.initializer}
    for init in a.graph.initializer:
        x = numpy_helper.to_array(init)
        y = b[init.name]
        assert x.shape == y.shape and x.dtype == y.dtype, init.name
        if x.dtype.kind == "f":
            init.CopyFrom(numpy_helper.from_array((0.5 * x + 0.5 * y).astype(x.dtype), init.name))
        else:
            assert np.array_equal(x, y), init.name
    fp32 = d / member["onnx"]["name"]
    onnx.save(a, str(fp32))
    with np.load(ship / member["heads"]["name"]) as h1, np.load(other / member["heads"]["name"]) as h2:
        heads = {k: (0.5 * h1[k] + 0.5 * h2[k]).astype(h1[k].dtype) for k in h1.files}
    np.savez(d / member["heads"]["name"], **heads)
    docs = sorted((data_root() / "semeval2025-task10/train/EN/raw-documents").glob("*.txt"))[:40]
    w = meta["window"]
    channels = fp32_channels(
        fp32, [p.read_text(encoding="utf-8") for p in docs], d / "tokenizer.json", (int(w["content"]), int(w["stride"]))
    )
    np.savez(d / "s_channels.npz", **{f"layer{k}": v for k, v in channels.items()})
    spec = {"per_channel": True, "zero_rows": True, "fp32_channels": {"name": "s_channels.npz"}}
    quantize_int8(fp32, d / member["onnx_int8"]["name"], spec, d)
    m = json.loads((d / "model.json").read_text())
    for key in ("onnx", "onnx_int8", "heads"):
        m["files"]["members"][0][key]["sha256"] = sha256_file(d / member[key]["name"])
    m["version"] += "-soupS"
    (d / "model.json").write_text(json.dumps(m, indent=1) + "\n")
    print("S built", d)


def ensemble() -> None:
    d = out / "E"
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(ship, d)
    second = {}
    for key in ("onnx", "onnx_int8", "heads"):
        name = member[key]["name"].replace("0.", "1.", 1)
        shutil.copy(other / member[key]["name"], d / name)
        second[key] = {"name": name, "sha256": sha256_file(d / name)}
    m = json.loads((d / "model.json").read_text())
    m["files"]["members"].append(second)
    m["version"] += "-ensE"
    (d / "model.json").write_text(json.dumps(m, indent=1) + "\n")
    print("E built", d)


soup()
ensemble()
