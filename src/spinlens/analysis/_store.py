"""Reading and writing the analysis models: ``analysis.json`` plus ``.npz`` weight files, sha256-checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from spinlens._linear import vocab_array, vocab_list
from spinlens._modelmeta import sha256_file
from spinlens.errors import ModelError

__all__ = [
    "default_data_dir",
    "read_manifest",
    "load_npz",
    "check_file",
    "save_npz",
    "sha256_file",
    "vocab_array",
    "vocab_list",
    "MANIFEST",
]

MANIFEST = "analysis.json"


def default_data_dir() -> Path:
    return Path(__file__).parent / "data"


def read_manifest(data_dir: Path) -> dict[str, Any]:
    path = data_dir / MANIFEST
    if not path.exists():
        raise ModelError(
            f"no analysis models at {data_dir} ({MANIFEST} missing); reinstall spinlens or run "
            "`python -m spinlens.training.analysis_train`"
        )
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is not a valid analysis model description ({exc})") from exc
    return meta


def check_file(data_dir: Path, entry: dict[str, str]) -> Path:
    """The path of a manifest entry's file after checking that it exists and has its sha256."""
    path = data_dir / entry["name"]
    if not path.exists():
        raise ModelError(f"analysis model file {path} is missing; reinstall spinlens")
    try:
        got = sha256_file(path)
    except OSError as exc:  # a folder in the file's place, an unreadable file
        raise ModelError(
            f"analysis model file {path} cannot be read ({exc.strerror or exc}); reinstall spinlens"
        ) from None
    if got != entry["sha256"]:
        raise ModelError(
            f"analysis model file {path} has sha256 {got[:12]}..., expected {entry['sha256'][:12]}...; "
            "the file is corrupt or was replaced: reinstall spinlens"
        )
    return path


def load_npz(data_dir: Path, entry: dict[str, str]) -> dict[str, np.ndarray]:
    """Load one weight file after checking its sha256 against the manifest entry."""
    path = check_file(data_dir, entry)
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def save_npz(data_dir: Path, name: str, arrays: dict[str, np.ndarray]) -> dict[str, str]:
    """Write ``name`` (compressed) and return its manifest entry."""
    path = data_dir / name
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    return {"name": name, "sha256": sha256_file(path)}
