"""Rebuild a training checkpoint from an exported fp32 ONNX member (when ``runs/`` is gone).

``export`` writes the encoder and the BIO/technique heads to ONNX and the span head to ``heads.npz``; the
ONNX initialisers keep their torch names except the MatMul weights, which the exporter stores transposed
under anonymous names (``onnx::MatMul_N``) in the order the graph uses them: per layer query, key, value,
attention output, intermediate, output, then the BIO and technique heads. That order is checked
against the shapes, and :func:`ckpt_from_onnx` callers should compare outputs (the test does).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

_LAYER_MATS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def state_dict_from_onnx(onnx_path: Path, heads_path: Path) -> dict:
    """A ``Tagger`` state dict (torch tensors) equal to the exported member's weights."""
    import onnx
    import torch
    from onnx import numpy_helper

    m = onnx.load(str(onnx_path))
    named: dict[str, np.ndarray] = {}
    anon: list[np.ndarray] = []
    for init in m.graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.name.startswith("t."):
            named[init.name[2:]] = arr
        elif init.name.startswith("onnx::MatMul"):
            anon.append(arr)
    n_layers = 1 + max(int(k.split(".")[3]) for k in named if k.startswith("encoder.encoder.layer."))
    targets = [f"encoder.encoder.layer.{i}.{n}" for i in range(n_layers) for n in _LAYER_MATS]
    targets += ["bio", "tech"]
    if len(anon) != len(targets):
        raise ValueError(f"{onnx_path}: {len(anon)} MatMul weights, expected {len(targets)}")
    sd = {k: torch.from_numpy(v.copy()) for k, v in named.items()}
    for name, w in zip(targets, anon):
        bias = sd.get(f"{name}.bias")
        if bias is None or bias.shape[0] != w.shape[1]:
            raise ValueError(f"{onnx_path}: MatMul weight {w.shape} does not fit {name}")
        sd[f"{name}.weight"] = torch.from_numpy(w.T.copy())
    heads = np.load(heads_path)
    sd["span.l1.weight"] = torch.from_numpy(heads["w1"].T.copy())
    sd["span.l1.bias"] = torch.from_numpy(heads["b1"].copy())
    sd["span.l2.weight"] = torch.from_numpy(heads["w2"].T.copy())
    sd["span.l2.bias"] = torch.from_numpy(heads["b2"].copy())
    return sd


def tagger_from_onnx(onnx_path: Path, heads_path: Path, base_dir: str):
    """A ``Tagger`` holding the exported member's weights; the unused pooler comes from the base encoder.

    Raises:
        ValueError: the weights do not fit the base encoder's architecture.
    """
    from spinlens.training.fit import Tagger

    model = Tagger(base_dir)
    missing = model.load_state_dict(state_dict_from_onnx(onnx_path, heads_path), strict=False)
    if missing.unexpected_keys or any(not k.startswith("encoder.pooler.") for k in missing.missing_keys):
        raise ValueError(f"{onnx_path}: weights do not fit the base encoder {base_dir}: {missing}")
    return model


def ckpt_from_onnx(onnx_path: Path, heads_path: Path, base_dir: str, out: Path) -> Path:
    """Write ``out`` (``{"model": state_dict}``), usable as ``fit(init=out)``."""
    import torch

    model = tagger_from_onnx(onnx_path, heads_path, base_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, out)
    return out


def reexport(model_dir: Path, base_dir: str, *, also: Sequence[Path] = (), command: str = "") -> dict:
    """Export every member of the model in ``model_dir`` again, in place, from its own fp32 ONNX file
    (weights unchanged; the graph is whatever :func:`~spinlens.training.pipeline.export_member` writes
    today). Thresholds, heads and tokenizer stay as they are; ``model.json`` gets the new files' sha256,
    and so does every ``model.json`` in ``also`` whose entries point at this model's files (``fast`` did
    until 2026.11.26.4; it has its own encoder now). Returns the new ``model.json``."""
    import json
    import time

    from spinlens._modelmeta import read_meta, write_meta
    from spinlens.training.pipeline import export_member

    meta = read_meta(model_dir)
    renamed: dict[Path, dict] = {}
    for i, member in enumerate(meta["files"]["members"]):
        fp32 = model_dir / member["onnx"]["name"]
        if not fp32.exists():
            raise SystemExit(
                f"{fp32} is missing: only the int8 files ship, so a model is re-exported from the fp32 "
                "files its `spinlens train export` wrote"
            )
        if member["onnx"]["name"] != f"tagger{i}.fp32.onnx":
            raise SystemExit(f"member {i} of {model_dir} is not named tagger{i}.*: re-export it by hand")
        try:
            model = tagger_from_onnx(fp32, model_dir / member["heads"]["name"], base_dir)
        except ValueError as exc:
            raise SystemExit(str(exc)) from exc
        member.update(export_member(model, model_dir, i))
        for kind in ("onnx", "onnx_int8"):
            renamed[(model_dir / member[kind]["name"]).resolve()] = member[kind]
    meta["reexported"] = {"date": time.strftime("%Y-%m-%d"), "command": command}
    write_meta(model_dir, meta)
    for other in also:  # only those that point at this model's files (a model with its own is left alone)
        o = json.loads(other.read_text())
        touched = False
        for member in o["files"]["members"]:
            for kind in ("onnx", "onnx_int8"):
                new = renamed.get((other.parent / member[kind]["name"]).resolve())
                if new:
                    member[kind]["sha256"] = new["sha256"]
                    touched = True
        if touched:
            o["reexported"] = meta["reexported"]
            write_meta(other.parent, o)
    return meta
