"""Read a model folder's ``model.json`` without loading the model (stdlib only; used by --version)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from spinlens.errors import ModelError

__all__ = [
    "MODELS",
    "SHIPPED_MODELS",
    "default_model_dir",
    "shipped_model_dir",
    "read_meta",
    "runtime_files",
    "all_files",
    "model_digest",
    "sha256_file",
]


def default_model_dir() -> Path:
    return Path(__file__).parent / "model_data"


#: the ONNX models that ship, by name: their folder under ``spinlens/model_data`` ("" = the folder itself).
SHIPPED_MODELS: dict[str, str] = {"default": "", "fast": "fast"}

#: model names the front ends accept: the shipped ONNX models and the deterministic rule tagger.
MODELS: tuple[str, ...] = (*SHIPPED_MODELS, "rules")


def shipped_model_dir(name: str = "default") -> Path:
    """The folder of the shipped ONNX model called ``name`` (one of :data:`SHIPPED_MODELS`)."""
    if name not in SHIPPED_MODELS:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(SHIPPED_MODELS)}")
    return default_model_dir() / SHIPPED_MODELS[name]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_meta(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "model.json"
    if not path.exists():
        raise ModelError(f"no model at {model_dir} (model.json missing); run `spinlens train`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["files"]["members"][0]
        runtime_files(meta)
        for entry in all_files(meta):  # every file entry names a file and its hash
            entry["name"], entry["sha256"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ModelError(f"{path} is not a valid model description ({type(exc).__name__}: {exc})") from exc
    return meta


def write_meta(model_dir: Path, meta: dict[str, Any]) -> None:
    """Write ``model_dir/model.json`` whole or not at all (through a temporary file), ending in a newline."""
    path = model_dir / "model.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(path)


def runtime_files(
    meta: dict[str, Any], quantized: bool = True
) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(onnx entry, heads entry) per ensemble member: int8 when ``quantized``, else fp32."""
    out = []
    for m in meta["files"]["members"]:
        onnx = m["onnx_int8"] if quantized and "onnx_int8" in m else m["onnx"]
        out.append((onnx, m["heads"]))
    return out


def all_files(meta: dict[str, Any]) -> list[dict[str, str]]:
    """Every file entry of the model description (fp32 files are optional at run time)."""
    out = [meta["files"]["tokenizer"]]
    for m in meta["files"]["members"]:
        out += [m[k] for k in ("onnx", "onnx_int8", "heads") if k in m]
    if meta["files"].get("span_lexicon"):
        out.append(meta["files"]["span_lexicon"])
    return out


def model_digest(meta: dict[str, Any], quantized: bool = True) -> str:
    """One sha256 naming what decides the output: the members' ONNX and span-head file hashes, the span
    lexicon's, the decoding thresholds and the windows (two models with the same weights but other
    thresholds or windows find other spans)."""
    parts = [o["sha256"] + h["sha256"] for o, h in runtime_files(meta, quantized)]
    lexicon = meta.get("files", {}).get("span_lexicon")
    if lexicon:
        parts.append(lexicon["sha256"])
    parts.append(json.dumps(meta.get("thresholds", {}), sort_keys=True))
    if meta.get("window"):
        parts.append(json.dumps(meta["window"], sort_keys=True))
    return hashlib.sha256("".join(parts).encode()).hexdigest()
