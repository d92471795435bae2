"""Turn annotated corpora into training windows (numpy only)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinlens._windows import plan_windows
from spinlens.datasets import Corpus, read_ptc, read_ptc18, read_semeval2021, read_semeval2023
from spinlens.taxonomy import (
    PTC14_TO_CANONICAL,
    PTC18_TO_CANONICAL,
    SEMEVAL2021_TO_CANONICAL,
    TECHNIQUE_IDS,
)

T = len(TECHNIQUE_IDS)
TIDX = {t: i for i, t in enumerate(TECHNIQUE_IDS)}


@dataclass
class SourceArticle:
    source: str
    id: str
    text: str
    spans: list[tuple[int, int, tuple[str, ...]]]  # start, end, allowed canonical ids


def canonical_sets(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    if corpus.scheme == "ptc14":
        return dict(PTC14_TO_CANONICAL)
    if corpus.scheme == "ptc18":
        return {k: (v,) for k, v in PTC18_TO_CANONICAL.items()}
    if corpus.scheme == "semeval2021":
        return {k: (v,) for k, v in SEMEVAL2021_TO_CANONICAL.items() if v}
    return {t: (t,) for t in TECHNIQUE_IDS}


def load_sources(names: list[str], root: str | None, exclude_ids: set[str]) -> list[SourceArticle]:
    readers = {  # each source: the corpora it reads
        "ptc": lambda: [read_ptc("train", root)],
        "ptc-dev": lambda: [read_ptc("dev", root)],
        "ptc18": lambda: [read_ptc18(root)],
        "semeval2023": lambda: [read_semeval2023("train", root)],
        # meme text (SemEval-2021 T6 subtask 2), train and dev; its test split stays out for evaluation
        "semeval2021": lambda: [read_semeval2021("train", root), read_semeval2021("dev", root)],
    }
    unknown = [n for n in names if n not in readers]
    if unknown:
        raise ValueError(f"unknown training source(s) {', '.join(unknown)}; known: {', '.join(readers)}")
    out: list[SourceArticle] = []
    for name in names:
        for corpus in readers[name]():
            sets = canonical_sets(corpus)
            for a in corpus.articles:
                if a.id in exclude_ids:
                    continue
                spans = [(s.start, s.end, sets[s.label]) for s in a.spans if s.label in sets]
                out.append(SourceArticle(name, a.id, a.text, spans))
    return out


def fingerprint(arts: list[SourceArticle]) -> str:
    h = hashlib.sha256()
    for a in arts:
        h.update(f"{a.source}\t{a.id}\t".encode())
        h.update(a.text.encode())
        h.update(json.dumps(a.spans).encode())
    return h.hexdigest()


def build_windows(arts: list[SourceArticle], tokenizer, content: int = 254, stride: int = 192) -> dict:
    """Tokenize, label and window articles. Returns a dict of numpy arrays (ragged parts as object)."""
    win_ids: list[np.ndarray] = []
    win_bio, win_tech, win_tmask, win_src, win_art = [], [], [], [], []
    span_win, span_s, span_e, span_y = [], [], [], []
    encs = tokenizer.encode_batch([a.text for a in arts], add_special_tokens=False)
    for a, enc in zip(arts, encs):
        ids = np.array(enc.ids, dtype=np.int64)
        offs = np.array(enc.offsets, dtype=np.int64).reshape(-1, 2)
        n = len(ids)
        if n == 0:
            continue
        bio = np.zeros(n, dtype=np.int64)  # 0=O 1=B 2=I
        tech = np.zeros((n, T), dtype=np.float32)
        tmask = np.ones((n, T), dtype=np.float32)
        tok_spans = []
        # technique-agnostic: merge overlapping spans, then B/I
        merged: list[list[int]] = []
        for s, e, _ in sorted(a.spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        for s, e in merged:
            inside = np.nonzero((offs[:, 0] < e) & (offs[:, 1] > s))[0]
            if len(inside):
                bio[inside] = 2
                bio[inside[0]] = 1
        for s, e, allowed in a.spans:
            inside = np.nonzero((offs[:, 0] < e) & (offs[:, 1] > s))[0]
            if not len(inside):
                continue
            y = np.zeros(T, dtype=np.float32)
            for c in allowed:
                y[TIDX[c]] = 1
            if len(allowed) == 1:
                tech[inside, TIDX[allowed[0]]] = 1
            else:
                for c in allowed:
                    tmask[inside, TIDX[c]] = np.where(tech[inside, TIDX[c]] > 0, 1, 0)
            tok_spans.append((int(inside[0]), int(inside[-1]), y))
        wins = plan_windows(n, content, stride)
        base = len(win_ids)
        for ws, we in wins:
            win_ids.append(ids[ws:we])
            win_bio.append(bio[ws:we])
            win_tech.append(tech[ws:we])
            win_tmask.append(tmask[ws:we])
            win_src.append(a.source)
            win_art.append(a.id)
        for ts, te, y in tok_spans:
            # the window that holds the most of the span (first on ties); long spans are clipped
            best = max(
                (i for i, (ws, we) in enumerate(wins) if ws <= ts < we),
                key=lambda i: (min(te + 1, wins[i][1]) - ts, -i),
            )
            ws, we = wins[best]
            span_win.append(base + best)
            span_s.append(ts - ws + 1)  # +1 for [CLS]
            span_e.append(min(te, we - 1) - ws + 1)
            span_y.append(y)
    return {
        "ids": win_ids,
        "bio": win_bio,
        "tech": win_tech,
        "tmask": win_tmask,
        "src": win_src,
        "art": win_art,
        "span_win": np.array(span_win, dtype=np.int64),
        "span_s": np.array(span_s, dtype=np.int64),
        "span_e": np.array(span_e, dtype=np.int64),
        "span_y": np.array(span_y, dtype=np.float32).reshape(-1, T),
    }


WINDOW_KEYS = ("ids", "bio", "tech", "tmask", "src", "art")


def subset_windows(data: dict, keep: list[int]) -> dict:
    """The windows ``keep`` (indexes into ``data``) with their gold spans, renumbered; soft targets
    (``kd_bio``, ``kd_tech`` per window, ``kd_span`` per span: ``RUN/distill.npz``) go with them."""
    where = {int(i): k for k, i in enumerate(keep)}
    keys = (*WINDOW_KEYS, "kd_bio", "kd_tech")
    out: dict[str, Any] = {k: [data[k][i] for i in keep] for k in keys if k in data}
    spans = [j for j, w in enumerate(data["span_win"]) if int(w) in where]
    out["span_win"] = np.array([where[int(data["span_win"][j])] for j in spans], dtype=np.int64)
    for k in ("span_s", "span_e"):
        out[k] = np.asarray(data[k])[spans].astype(np.int64)
    out["span_y"] = np.asarray(data["span_y"])[spans].reshape(-1, T).astype(np.float32)
    if "kd_span" in data:
        out["kd_span"] = np.asarray(data["kd_span"])[spans].reshape(-1, T).astype(np.float32)
    return out


def save_windows(data: dict, path: Path) -> None:
    np.savez_compressed(
        path,
        **{k: (np.array(v, dtype=object) if isinstance(v, list) else v) for k, v in data.items()},  # type: ignore[arg-type]
    )


def load_windows(path: Path) -> dict:
    z = np.load(path, allow_pickle=True)
    return {k: (list(z[k]) if z[k].dtype == object else z[k]) for k in z.files}
