"""Session 13: SmoothQuant-style smoothing of the FFN down-projection inputs of a built fp32 accurate model,
then the same per-tensor dynamic int8 as the shipped build. Label-free.

    python scripts/experiments/s13/smooth.py BUILT_DIR DEST_DIR --alpha 0.5 [--calib 40]

For each of the 12 layers, the input of ``output/dense/MatMul`` is GELU(h) = (h * (1 + erf(h/sqrt 2))) * 0.5;
its per-channel max |value| over calibration windows (``--calib`` SemEval-2025 T10 EN *train* raw documents,
sorted by name; never the fidelity documents, which are the test split) gives the scale
s_j = max|x_j|^alpha / max|w_j|^(1 - alpha); the constant 0.5 becomes the vector 0.5 / s (no new node)
and the weight rows j are multiplied by s_j: the fp32 function is unchanged, the activations int8 sees are
flatter.
DEST_DIR gets the int8 file, the built folder's other files, and ``model.json`` with the fp32 (out-of-fold)
thresholds, like session 12's qV folders; ``smooth.npz`` holds the scales.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer

from spinlens._modelmeta import sha256_file
from spinlens._windows import batch_windows, plan_windows
from spinlens.datasets import data_root

PREFIX = "/t/encoder/encoder/layer.{i}"


def down_proj_sites(model: onnx.ModelProto) -> list[dict]:
    """Per layer: the GELU's final Mul, its 0.5 constant node, and the down-projection weight."""
    nodes = {n.name: n for n in model.graph.node}
    sites = []
    for i in range(12):
        mul = nodes[f"{PREFIX.format(i=i)}/intermediate/intermediate_act_fn/Mul_1"]
        const = nodes[f"{PREFIX.format(i=i)}/intermediate/intermediate_act_fn/Constant_2"]
        mm = nodes[f"{PREFIX.format(i=i)}/output/dense/MatMul"]
        assert mm.input[0] == mul.output[0] and mul.input[1] == const.output[0], i
        sites.append({"mul": mul, "const": const, "x": mul.output[0], "w": mm.input[1]})
    return sites


def calib_amax(fp32: Path, model: onnx.ModelProto, sites: list[dict], built: Path, n_docs: int) -> np.ndarray:
    meta = json.loads((built / "model.json").read_text())
    content, stride = int(meta["window"]["content"]), int(meta["window"]["stride"])
    tok = Tokenizer.from_file(str(built / "tokenizer.json"))
    tok.no_truncation()  # as SpanTagger: the file carries a 128-token truncation and padding from training
    tok.no_padding()
    docs = sorted((data_root() / "semeval2025-task10/train/EN/raw-documents").glob("*.txt"))[:n_docs]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for s in sites:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(s["x"], onnx.TensorProto.FLOAT, None))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.onnx"
        onnx.save(probe, str(path))
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    amax = np.zeros((len(sites), 3072), dtype=np.float32)
    n_tok = 0
    for d in docs:
        ids = tok.encode(d.read_text(encoding="utf-8"), add_special_tokens=False).ids
        for w in plan_windows(len(ids), content, stride):
            arr, _ = batch_windows(ids, [w])
            outs = sess.run([s["x"] for s in sites], {"input_ids": arr})
            for k, o in enumerate(outs):
                amax[k] = np.maximum(amax[k], np.abs(o.reshape(-1, o.shape[-1])).max(axis=0))
            n_tok += arr.shape[1]
    print(f"calibration: {len(docs)} documents, {n_tok} window tokens")
    return amax


def decompose(
    model: onnx.ModelProto,
    sites: list[dict],
    inits: dict,
    amax: np.ndarray,
    k_out: int,
    by_weight: bool,
    zero_rows: bool = False,
):
    """LLM.int8()-style: the ``k_out`` channels with the largest maxima of each down-projection's input go
    through an fp32 MatMul of their weight rows; the int8 MatMul sees the other channels (masked to 0 by the
    GELU's constant). Returns (the outlier indices per layer, the fp32 MatMul names for nodes_to_exclude)."""
    from onnx import helper

    outs, names = [], []
    nodes = list(model.graph.node)
    for k, s in enumerate(sites):
        w = numpy_helper.to_array(inits[s["w"]]).astype(np.float32)
        picks = set(np.argsort(-amax[k])[:k_out].tolist())
        if by_weight:
            picks |= set(np.argsort(-np.abs(w).max(axis=1))[:k_out].tolist())
        idx = np.array(sorted(picks), dtype=np.int64)
        half = float(numpy_helper.to_array(s["const"].attribute[0].t))
        mask = np.full(w.shape[0], half, dtype=np.float32)
        mask[idx] = 0.0
        pre = f"split.layer{k}"
        model.graph.initializer.extend(
            [
                numpy_helper.from_array(mask, f"{pre}.half_masked"),
                numpy_helper.from_array(idx, f"{pre}.idx"),
                numpy_helper.from_array((w[idx] * half).astype(np.float32), f"{pre}.w_out"),
            ]
        )
        if (
            zero_rows
        ):  # the int8 MatMul's rows at those channels only ever meet 0: let them not set its scales
            w0 = w.copy()
            w0[idx] = 0.0
            inits[s["w"]].CopyFrom(numpy_helper.from_array(w0, s["w"]))
        g = s["mul"].input[0]  # h * (1 + erf(h / sqrt 2)), before the 0.5
        s["mul"].input[1] = f"{pre}.half_masked"
        mm = next(n for n in nodes if n.name == f"{PREFIX.format(i=k)}/output/dense/MatMul")
        y_in = mm.output[0]
        mm.output[0] = f"{pre}.y_int8"
        new = [
            helper.make_node("Gather", [g, f"{pre}.idx"], [f"{pre}.g_out"], axis=2, name=f"{pre}/Gather"),
            helper.make_node(
                "MatMul", [f"{pre}.g_out", f"{pre}.w_out"], [f"{pre}.y_out"], name=f"{pre}/MatMul"
            ),
            helper.make_node("Add", [f"{pre}.y_int8", f"{pre}.y_out"], [y_in], name=f"{pre}/Add"),
        ]
        pos = list(model.graph.node).index(mm) + 1
        for j, n in enumerate(new):
            model.graph.node.insert(pos + j, n)
        outs.append(idx.astype(np.float32))
        names.append(f"{pre}/MatMul")
    return outs, names


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("built", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--calib", type=int, default=40)
    ap.add_argument("--amax", type=Path, default=None, help="reuse calibration maxima (.npy)")
    ap.add_argument("--split", type=int, default=0, help="decompose instead: k outlier channels in fp32")
    ap.add_argument("--by-weight", action="store_true", help="--split: also the k largest weight rows")
    ap.add_argument("--per-channel", action="store_true", help="int8 weights per output channel")
    ap.add_argument("--zero-rows", action="store_true", help="--split: zero those rows in the int8 weight")
    a = ap.parse_args()
    fp32 = a.built / "tagger0.fp32.onnx"
    model = onnx.load(str(fp32))
    sites = down_proj_sites(model)
    if a.amax and a.amax.exists():
        amax = np.load(a.amax)
    else:
        amax = calib_amax(fp32, model, sites, a.built, a.calib)
        if a.amax:
            np.save(a.amax, amax)
    inits = {t.name: t for t in model.graph.initializer}
    scales = []
    exclude: list[str] = []
    if a.split:
        scales, exclude = decompose(model, sites, inits, amax, a.split, a.by_weight, a.zero_rows)
    for k, s in enumerate([] if a.split else sites):
        w = numpy_helper.to_array(inits[s["w"]]).astype(np.float32)  # [3072, 768]
        wmax = np.abs(w).max(axis=1)
        sc = np.power(np.maximum(amax[k], 1e-5), a.alpha) / np.power(np.maximum(wmax, 1e-5), 1 - a.alpha)
        sc = sc.astype(np.float32)
        scales.append(sc)
        inits[s["w"]].CopyFrom(numpy_helper.from_array((w * sc[:, None]).astype(np.float32), s["w"]))
        half = float(numpy_helper.to_array(s["const"].attribute[0].t))
        name = f"smooth.layer{k}.half_over_s"
        model.graph.initializer.append(numpy_helper.from_array((half / sc).astype(np.float32), name))
        s["mul"].input[1] = name
        print(
            f"layer {k}: max|x| {amax[k].max():.1f} (median {np.median(amax[k]):.2f}) -> "
            f"{(amax[k] / sc).max():.2f}; max|w| {wmax.max():.3f} -> {(wmax * sc).max():.3f}"
        )
    shutil.rmtree(a.dest, ignore_errors=True)
    a.dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        sm = Path(tmp) / "smoothed.fp32.onnx"
        onnx.save(model, str(sm))
        ids = np.array([[101] + list(range(2000, 2120)) + [102]], dtype=np.int64)
        ref = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(
            ["p_bio"], {"input_ids": ids}
        )
        got = ort.InferenceSession(str(sm), providers=["CPUExecutionProvider"]).run(
            ["p_bio"], {"input_ids": ids}
        )
        print(f"fp32 check: max |p_bio difference| {np.abs(ref[0] - got[0]).max():.2e}")
        quantize_dynamic(
            str(sm),
            str(a.dest / "tagger0.int8.onnx"),
            weight_type=QuantType.QInt8,
            nodes_to_exclude=exclude,
            per_channel=a.per_channel,
        )
    for f in ("heads0.npz", "span_lexicon.npz", "tokenizer.json"):
        shutil.copy(a.built / f, a.dest / f)
    np.savez(a.dest / "smooth.npz", **{f"layer{k}": s for k, s in enumerate(scales)})
    meta = json.loads((a.built / "model.json").read_text())
    meta["thresholds"] = meta.pop("thresholds_fp32", meta["thresholds"])  # built with the OOF ones
    meta.pop("built", None)
    mem = meta["files"]["members"][0]
    mem.pop("onnx", None)
    mem["onnx_int8"]["sha256"] = sha256_file(a.dest / "tagger0.int8.onnx")
    meta["quantization"] = (
        f"decomposed: {a.split} outlier channels per down-projection in fp32"
        + (" (activations and weight rows)" if a.by_weight else "")
        + (", weights per channel" if a.per_channel else "")
        if a.split
        else f"smoothquant alpha {a.alpha}, {a.calib} SE25 train docs"
    )
    (a.dest / "model.json").write_text(json.dumps(meta, indent=1))
    print("ok", a.dest)


if __name__ == "__main__":
    main()
