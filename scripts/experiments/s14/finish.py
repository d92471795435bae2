"""Session 14: rebuild the full judge from its device delta, check it against the device's probe, export it
to ONNX (fp32) and check that against torch.

    finish.py runs/g14/J2 .carry/sj2 [--teacher .carry/mpnet] [--base .carry/mtok]
writes RUN/judge.fp32.onnx and RUN/judge.json (the token budget of its examples)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    import onnxruntime as ort
    import torch
    from judge import load_examples

    from spinlens.training.judge import export, rebuild

    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("examples", type=Path)
    ap.add_argument("--teacher", default=".carry/mpnet")
    ap.add_argument("--base", default=".carry/mtok")
    a = ap.parse_args()
    model = rebuild(a.run / "full" / "delta.npz", a.teacher, a.base)
    z = load_examples(a.examples / "examples.npz")
    probe = np.load(a.run / "full" / "probe.npz")
    gaps = []
    torch_p = []
    with torch.no_grad():
        for i, p_dev in zip(probe["idx"], probe["p"]):
            ids = torch.as_tensor(z["seqs"][i][None].astype(np.int64))
            ms, me = torch.tensor([int(z["ms"][i])]), torch.tensor([int(z["me"][i])])
            p = torch.softmax(model(ids, None, ms, me), -1)[0].numpy()
            torch_p.append(p)
            gaps.append(float(np.abs(p - p_dev).max()))
    print(f"rebuilt judge vs the device's probe (bf16): max |dP| {max(gaps):.4f}, mean {np.mean(gaps):.4f}")
    onnx_path = a.run / "judge.fp32.onnx"
    export(model, onnx_path)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    og = []
    for i, p in zip(probe["idx"], torch_p):
        feed = {
            "input_ids": z["seqs"][i][None].astype(np.int64),
            "ms": np.array([z["ms"][i]], np.int64),
            "me": np.array([z["me"][i]], np.int64),
        }
        og.append(float(np.abs(sess.run(None, feed)[0][0] - p).max()))
    print(f"ONNX fp32 vs torch: max |dP| {max(og):.2e}")
    budget = {"max_span": 64, "max_left": int(z["ms"].max() - 1), "max_right": None}
    lens = z["lens"] - z["me"] - 2  # tokens right of the closing marker
    budget["max_right"] = int(lens.max())
    (a.run / "judge.json").write_text(json.dumps(budget))
    print(budget)


if __name__ == "__main__":
    main()
