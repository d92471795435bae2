"""Cross-fitted (out-of-fold) teacher targets and tuning scores.

``K`` fold models, each trained without ``1/K`` of the training articles (grouped by article id, so an
article that several corpora share is held out of all of them at once), score the articles they did not
see. Two products, both from models that never saw what they score:

- ``RUN/distill.npz``: ``full.npz`` plus soft targets (``kd_bio``, ``kd_tech``, ``kd_span``) for every
  training window, and optionally unlabeled news scored by all ``K`` models: what ``distill`` trains a
  student on. Targets from the shipped members are nearly the gold labels on their own training windows
  (they agree with gold on 99 % of tokens; RESULTS section 2, row F), so they teach a student little.
- ``RUN/crossfit/tune.json`` and ``tune_scores.npz``: out-of-fold scores of every PTC train article, so
  ``pipeline.tune(RUN / "crossfit")`` fits the thresholds and the TC calibration on all of PTC train
  instead of the 55 held-out articles.

Each fold model checkpoints every epoch and ``fit`` resumes from it, so a killed run resumes.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np

from spinlens.training.data import (
    build_windows,
    load_windows,
    save_windows,
    subset_windows,
)


def assign_folds(article_ids: list[str], folds: int, seed: int = 13) -> dict[str, int]:
    """Fold number (0..folds-1) of each distinct article id, seeded, as even as possible."""
    ids = sorted(set(article_ids))
    random.Random(seed).shuffle(ids)
    return {a: i % folds for i, a in enumerate(ids)}


def run_crossfit(
    run: Path,
    data_root: Path,
    base: str,
    *,
    folds: int,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    unlabeled: int = 0,
    log=print,
) -> Path:
    """Train the fold models, write their out-of-fold targets and tuning scores; returns ``distill.npz``."""
    import torch

    from spinlens.datasets import read_ptc
    from spinlens.training.distill import soft_targets, unlabeled_articles
    from spinlens.training.fit import fit, forward_numpy, span_head_numpy
    from spinlens.training.pipeline import _score_tune, _window, load_tokenizer

    if folds < 2:
        raise SystemExit(f"--folds {folds}: cross-fitting needs at least 2 folds")
    full = load_windows(run / "full.npz")
    if "art" not in full:
        raise SystemExit(
            f"{run / 'full.npz'} has no article ids (prepared by an older spinlens): run prepare again"
        )
    out = run / "distill.npz"
    if out.exists():
        log(f"crossfit: {out} exists; delete it to cross-fit again")
        return out
    cf = run / "crossfit"
    cf.mkdir(parents=True, exist_ok=True)
    fold_of = assign_folds(full["art"], folds, seed)
    content, stride = _window(run)
    ptc_train = {a.id: a for a in read_ptc("train", data_root).articles}
    n = len(full["ids"])
    kd_bio: list = [None] * n
    kd_tech: list = [None] * n
    kd_span = np.zeros_like(np.asarray(full["span_y"], dtype=np.float32))
    span_done = np.zeros(len(full["span_win"]), dtype=bool)
    extra = None
    if unlabeled:
        tok = load_tokenizer(Path(base) / "tokenizer.json")
        extra = build_windows(unlabeled_articles(data_root, unlabeled), tok, content, stride)
        extra_sum: dict[str, list] = {"kd_bio": [], "kd_tech": []}
    device = "cuda" if torch.cuda.is_available() else "cpu"
    for k in range(folds):
        kdir = cf / f"k{k}"
        kdir.mkdir(exist_ok=True)
        held = [i for i in range(n) if fold_of[full["art"][i]] == k]
        train = [i for i in range(n) if fold_of[full["art"][i]] != k]
        if not held or not train:
            raise SystemExit(
                f"crossfit: fold {k + 1} of {folds} would train on {len(train)} and hold out "
                f"{len(held)} windows: use fewer folds than the {len(set(full['art']))} articles"
            )
        held_ids = sorted({full["art"][i] for i in held})
        log(f"crossfit: fold {k + 1}/{folds}: {len(train)} training windows, {len(held)} held out")
        # fit resumes from the fold's last checkpoint; a finished fold comes back without training
        model = fit(
            subset_windows(full, train),
            base,
            kdir,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            log=lambda m, k=k: log(f"crossfit fold {k + 1}: {m}"),
        )
        fwd = forward_numpy(model, device)
        head = span_head_numpy(model)
        with torch.no_grad():
            t = soft_targets(full, [fwd], [head], held, log=log)
            for c, i in enumerate(held):
                kd_bio[i] = t["kd_bio"][c]
                kd_tech[i] = t["kd_tech"][c]
            mine = np.isin(full["span_win"], held)
            kd_span[mine] = t["kd_span"][mine]
            span_done |= mine
            if extra is not None:
                u = soft_targets(extra, [fwd], [head], log=log)
                for key in ("kd_bio", "kd_tech"):
                    extra_sum[key].append(u[key])
            # out-of-fold scores of the held-out PTC train articles, in pipeline.tune's format
            tune = [
                {
                    "id": a,
                    "text": ptc_train[a].text,
                    "spans": [[s.start, s.end, s.label] for s in ptc_train[a].spans],
                }
                for a in held_ids
                if a in ptc_train
            ]
            (kdir / "tune.json").write_text(json.dumps(tune))
            shutil.copy(run / "data.json", kdir / "data.json")
            _score_tune(kdir, model, base, kdir / "tune_scores.npz")
        del model
    if not span_done.all() or any(x is None for x in kd_bio):
        raise RuntimeError("crossfit: some windows were scored by no fold")  # assign_folds covers every id
    data = dict(full, kd_bio=kd_bio, kd_tech=kd_tech, kd_span=kd_span)
    if extra is not None:
        for key in ("kd_bio", "kd_tech"):  # unlabeled news: the average of all fold models
            extra[key] = [
                np.mean([f[i].astype(np.float32) for f in extra_sum[key]], 0).astype(np.float16)
                for i in range(len(extra["ids"]))
            ]
        for key in ("ids", "bio", "tech", "tmask", "src", "art", "kd_bio", "kd_tech"):
            data[key] = list(data[key]) + list(extra[key])
        log(f"crossfit: {len(extra['ids'])} unlabeled windows scored by all {folds} fold models")
    _merge_tune(run, folds)
    save_windows(data, out)
    log(f"crossfit: out-of-fold targets for {n} windows in {out.name}; tuning scores in {cf.name}/")
    return out


def _merge_tune(run: Path, folds: int) -> None:
    """Write ``RUN/crossfit/`` tune.json, tune_scores.npz and data.json: ``pipeline.tune``'s input."""
    cf = run / "crossfit"
    tune, scores = [], {}
    for k in range(folds):
        tune += json.loads((cf / f"k{k}" / "tune.json").read_text())
        scores.update(np.load(cf / f"k{k}" / "tune_scores.npz", allow_pickle=True)["data"][0])
    (cf / "tune.json").write_text(json.dumps(tune))
    np.savez_compressed(cf / "tune_scores.npz", data=np.array([scores], dtype=object))
    shutil.copy(run / "data.json", cf / "data.json")
