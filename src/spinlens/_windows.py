"""Token windows over long texts and merging of per-window outputs.

Numpy only; shared by training and inference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

CLS_ID = 101
SEP_ID = 102
PAD_ID = 0


def plan_windows(n_tokens: int, content: int, stride: int) -> list[tuple[int, int]]:
    """Cover ``n_tokens`` with windows of at most ``content`` tokens, consecutive starts ``stride`` apart.

    Every token is inside at least one window; no text is silently truncated.

    Raises:
        ValueError: ``content`` < 1, or ``stride`` not in 1..``content`` (the windows would never end, or
            leave tokens out).
    """
    if content < 1 or not 1 <= stride <= content:
        raise ValueError(f"windows of {content} tokens every {stride} tokens cannot cover a text")
    if n_tokens <= content:
        return [(0, n_tokens)]
    out = []
    start = 0
    while True:
        end = min(start + content, n_tokens)
        out.append((start, end))
        if end == n_tokens:
            break
        start += stride
    return out


def batch_windows(
    ids: Sequence[int] | np.ndarray, windows: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Build ``[CLS] window [SEP]`` id and mask arrays, padded to the longest window."""
    width = max(e - s for s, e in windows) + 2
    arr = np.full((len(windows), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for i, (s, e) in enumerate(windows):
        n = e - s
        arr[i, 0] = CLS_ID
        arr[i, 1 : n + 1] = ids[s:e]
        arr[i, n + 1] = SEP_ID
        mask[i, : n + 2] = 1
    return arr, mask


def window_chunks(n_tokens: int, content: int, stride: int, batch_size: int) -> list[list[tuple[int, int]]]:
    """The windows over ``n_tokens`` grouped into ONNX/torch calls of at most ``batch_size``, shortest first
    (so a call pads as little as possible)."""
    windows = plan_windows(n_tokens, content, stride)
    order = sorted(range(len(windows)), key=lambda i: windows[i][1] - windows[i][0])
    return [[windows[i] for i in order[b : b + batch_size]] for b in range(0, len(order), batch_size)]


def merge_windows(
    n_tokens: int, chunks: Sequence[Sequence[tuple[int, int]]], outs: Sequence[Sequence[np.ndarray]]
) -> list[np.ndarray]:
    """Average each per-token output over the windows that hold the token; ``outs[c]`` is what the
    forward returned for ``chunks[c]`` (arrays shaped ``[batch, width, k]``). Sums run in chunk order, so
    the result does not depend on which thread ran which chunk."""
    sums: list[np.ndarray] | None = None
    counts = np.zeros((n_tokens, 1), dtype=np.float32)
    for chunk, out in zip(chunks, outs):
        if sums is None:
            sums = [np.zeros((n_tokens, o.shape[-1]), dtype=np.float32) for o in out]
        for j, (s, e) in enumerate(chunk):
            for k, o in enumerate(out):
                sums[k][s:e] += o[j, 1 : e - s + 1]
            counts[s:e] += 1
    if sums is None:
        return []
    return [s / np.maximum(counts, 1) for s in sums]


def run_windows(
    ids: Sequence[int],
    forward: Callable[[np.ndarray, np.ndarray], Sequence[np.ndarray]],
    content: int,
    stride: int,
    batch_size: int = 16,
) -> list[np.ndarray]:
    """Run ``forward`` over overlapping windows and average each per-token output over the overlaps.

    ``forward(ids, mask)`` returns arrays shaped ``[batch, width, k]``; the result is a list of arrays
    shaped ``[n_tokens, k]`` aligned with ``ids``.
    """
    chunks = window_chunks(len(ids), content, stride, batch_size)
    return merge_windows(len(ids), chunks, [forward(*batch_windows(ids, c)) for c in chunks])
