"""The span judge: a second encoder that reads one candidate span in its context, between markers
(``[CLS] left [ span ] right [SEP]``), and gives P(none) and P(technique) for the 23 canonical techniques.

The ``accurate`` recipe ships it (RESULTS.md section 2, session 14); ``--model thorough`` runs it after the
tagger: spans it judges "none" are dropped and its technique probabilities join the tagger's before the TC
calibration. numpy + onnxruntime only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spinlens._onnx import cpu_session

#: MiniLM (BERT uncased) ids of [CLS], [SEP], "[" and "]": the judge reads the tagger's token ids
CLS, SEP, LEFT_MARK, RIGHT_MARK = 101, 102, 1031, 1033
#: the default token budget: span, left and right context
MAX_SPAN, MAX_LEFT, MAX_RIGHT = 64, 48, 32


def encode_spans(
    ids: np.ndarray,
    offsets: np.ndarray,
    spans: list[tuple[int, int]],
    max_span: int = MAX_SPAN,
    max_left: int = MAX_LEFT,
    max_right: int = MAX_RIGHT,
) -> list[tuple[np.ndarray, int, int]]:
    """Each character span as the judge's input: token ids ``[CLS] left [ span ] right [SEP]`` and the
    positions of its two markers. ``ids`` and ``offsets``: the whole text's tokens (no special tokens); the
    span is the tokens it overlaps (a span longer than ``max_span`` tokens keeps its first ``max_span - 16``
    and last 16)."""
    ids = np.asarray(ids, dtype=np.int64)
    off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    out = []
    for s, e in spans:
        inside = np.nonzero((off[:, 1] > s) & (off[:, 0] < e))[0]
        if len(inside) == 0:
            i = j = int(np.searchsorted(off[:, 0], s))
            span = ids[0:0]
        else:
            i, j = int(inside[0]), int(inside[-1]) + 1
            span = ids[i:j]
        if len(span) > max_span:
            span = np.concatenate([span[: max_span - 16], span[-16:]])
        left = ids[max(0, i - max_left) : i]
        right = ids[j : j + max_right]
        seq = np.concatenate([[CLS], left, [LEFT_MARK], span, [RIGHT_MARK], right, [SEP]]).astype(np.int64)
        out.append((seq, 1 + len(left), 2 + len(left) + len(span)))
    return out


class SpanJudge:
    """The judge's ONNX file (inputs ``input_ids`` [1, L], ``ms``, ``me`` [1]; output [1, 24]: P(none) and
    the 23 canonical techniques) run one span at a time (no padding, so no attention mask)."""

    def __init__(self, path: Path, config: dict[str, Any], threads: int | None = None) -> None:
        self.session = cpu_session(path, threads)
        self.budget = tuple(int(config[k]) for k in ("max_span", "max_left", "max_right"))

    def __call__(
        self, ids: np.ndarray, offsets: np.ndarray, spans: list[tuple[int, int]], pool: Any = None
    ) -> np.ndarray:
        """``[len(spans), 24]`` probabilities: column 0 "none", then the canonical techniques in order.
        ``pool``: an executor to run the spans side by side (each run single-threaded)."""
        out = np.zeros((len(spans), 24), dtype=np.float32)

        def one(row: tuple[np.ndarray, int, int]) -> np.ndarray:
            seq, ms, me = row
            feed = {"input_ids": seq[None], "ms": np.array([ms], np.int64), "me": np.array([me], np.int64)}
            return self.session.run(None, feed)[0][0]

        rows = encode_spans(ids, offsets, spans, *self.budget)
        for r, p in enumerate(pool.map(one, rows) if pool is not None else map(one, rows)):
            out[r] = p
        return out


def mix_probs(tagger: np.ndarray, judge: np.ndarray, weight: float) -> np.ndarray:
    """The tagger's technique probabilities ``[k, 23]`` and the judge's (``[k, 24]``, "none" dropped and the
    rest renormalised) mixed log-linearly: ``(1 - weight) log p + weight log q``, renormalised."""
    q = judge[:, 1:] / np.clip(judge[:, 1:].sum(1, keepdims=True), 1e-12, None)
    z = (1 - weight) * np.log(np.clip(tagger, 1e-7, 1.0)) + weight * np.log(np.clip(q, 1e-7, 1.0))
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


class JudgeRun:
    """The judge as the decoder uses it: ``score(text, spans)`` -> ``[k, 24]`` probabilities, and the
    settings tuned on out-of-fold judgements of PTC train (``t_m``: the tagger's mean P(in) a candidate
    needs, replacing ``span_min``; ``t_j``: the judge's P(technique) it needs; ``weight``: the judge's share
    of the technique probabilities; ``calibration``: the TC calibration fitted on the mixed probabilities;
    ``score_map``: optional, the maps of the spans' scores, ``spinlens.model.map_scores``)."""

    def __init__(self, score, settings: dict[str, Any]) -> None:
        self.score = score
        self.t_m = float(settings["t_m"])
        self.t_j = float(settings["t_j"])
        self.weight = float(settings["weight"])
        self.calibration = settings.get("calibration")
        self.score_map = settings.get("score_map")
        for name in ("t_m", "t_j", "weight"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"span judge setting {name} is {v}, not in [0, 1]")
