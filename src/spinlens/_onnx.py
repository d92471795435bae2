"""One onnxruntime CPU session, as every spinlens model file is run (the tagger's and the span judge's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spinlens.errors import ModelError


def cpu_session(path: Path, threads: int | None = None) -> Any:
    """An ``InferenceSession`` of ``path`` on the CPU, all graph optimisations, errors-only logging;
    ``threads``: intra-op threads (None: onnxruntime's default).

    Raises:
        ModelError: onnxruntime is missing or cannot load the file.
    """
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover
        raise ModelError("onnxruntime is not installed: pip install onnxruntime") from exc
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # errors only: not the optimiser's notes on unused initializers
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load {path}: {exc}") from exc
