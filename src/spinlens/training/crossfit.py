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

import functools
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
    only_fold: int | None = None,
    teacher: str | None = None,
    frozen_layers: int = 0,
    log=print,
) -> Path | None:
    """Train the fold models, write their out-of-fold targets and tuning scores; returns ``distill.npz``.

    ``only_fold``: train and score that fold alone (``RUN/crossfit/k{K}/targets.npz``) and return None, so
    that the folds can run as parallel processes; a later call without it finds them done and merges.
    ``teacher``: the fold models' encoder when it is not ``base`` (the student's, whose tokenizer cuts the
    windows): a model whose tokenizer cuts text the same way, read through an id table
    (:mod:`spinlens.training.teacher`; e.g. all-mpnet-base-v2). ``frozen_layers``: the fold models keep the
    embeddings and that many lower layers at the base's weights (``fit(frozen_layers=)``, MPNet only): fold
    models of the ``accurate`` recipe."""
    if folds < 2:
        raise SystemExit(f"--folds {folds}: cross-fitting needs at least 2 folds")
    if only_fold is not None and not 0 <= only_fold < folds:
        raise SystemExit(f"--fold-index {only_fold}: the folds are 0..{folds - 1}")
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
    extra = _unlabeled_windows(run, data_root, base, unlabeled)
    encoder = _Encoder(base, teacher, data_root)
    for k in range(folds) if only_fold is None else [only_fold]:
        _fit_fold(
            run,
            data_root,
            encoder,
            full,
            fold_of,
            k,
            folds,
            extra,
            epochs,
            batch_size,
            lr,
            seed,
            log,
            frozen_layers,
        )
    if only_fold is not None:
        return None
    n = len(full["ids"])
    kd_bio: list = [None] * n
    kd_tech: list = [None] * n
    kd_span = np.zeros_like(np.asarray(full["span_y"], dtype=np.float32))
    span_done = np.zeros(len(full["span_win"]), dtype=bool)
    extra_sum: dict[str, list] = {"kd_bio": [], "kd_tech": []}
    for k in range(folds):
        with np.load(cf / f"k{k}" / "targets.npz", allow_pickle=True) as z:
            t = {key: z[key] for key in z.files}  # each z[key] unpickles the whole array again
        made = json.loads(str(t.get("settings", "{}")))
        wanted = _fold_settings(folds, seed, epochs, n, encoder.name, frozen_layers)
        if made != wanted:
            raise SystemExit(
                f"crossfit: fold {k + 1} was made with {made}, this call asks for {wanted}: "
                f"delete {cf} to cross-fit again"
            )
        for c, i in enumerate(t["held"]):
            kd_bio[int(i)] = t["kd_bio"][c]
            kd_tech[int(i)] = t["kd_tech"][c]
        mine = t["span_mask"]
        kd_span[mine] = t["kd_span"]
        span_done |= mine
        if extra is not None:
            scored = len(t.get("u_kd_bio", ()))
            if scored != len(extra["ids"]):
                raise SystemExit(
                    f"crossfit: fold {k + 1} scored {scored} unlabeled windows, this call builds "
                    f"{len(extra['ids'])}: merge with the --unlabeled the folds ran with"
                )
            for key in ("kd_bio", "kd_tech"):
                extra_sum[key].append(list(t["u_" + key]))
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


def _unlabeled_windows(run: Path, data_root: Path, base: str, unlabeled: int) -> dict | None:
    """Windows of ``unlabeled`` SemEval-2025 documents (the same ones in every fold's process)."""
    if not unlabeled:
        return None
    from spinlens.training.distill import unlabeled_articles
    from spinlens.training.pipeline import _window, load_tokenizer

    content, stride = _window(run)
    tok = load_tokenizer(Path(base) / "tokenizer.json")
    return build_windows(unlabeled_articles(data_root, unlabeled), tok, content, stride)


def _fold_settings(
    folds: int, seed: int, epochs: int, windows: int, teacher: str | None = None, frozen: int = 0
) -> dict:
    """What a fold's targets depend on (besides the data): checked when the folds are merged."""
    made: dict[str, int | str] = {"folds": folds, "seed": seed, "epochs": epochs, "windows": windows}
    if teacher:
        made["teacher"] = teacher
    if frozen:
        made["frozen"] = frozen
    return made


class _Encoder:
    """What the fold models are built from: the student's base (its tokenizer cut the windows) and, for a
    teacher with another vocabulary, that teacher and the id table between the two."""

    def __init__(self, base: str, teacher: str | None, data_root: Path) -> None:
        self.base = base
        self.model_dir = teacher or base
        self.name = Path(teacher).name if teacher else None
        self.id_map = None
        if teacher:
            from spinlens.training.teacher import check_same_pieces, vocab_map

            self.id_map = vocab_map(base, teacher)
            check_same_pieces(base, teacher, [a.text for _, a in sorted(_ptc_train(data_root).items())[:20]])


def _fit_fold(
    run, data_root, encoder, full, fold_of, k, folds, extra, epochs, batch_size, lr, seed, log, frozen=0
):
    """Train fold ``k``'s model (resumable) and write ``RUN/crossfit/k{k}/``: ``targets.npz`` (its soft
    targets on the windows it held out, and on the unlabeled ones), ``tune.json`` and ``tune_scores.npz``
    (its scores of the held-out PTC train articles). A fold whose ``targets.npz`` exists is done."""
    import torch

    from spinlens.training.distill import soft_targets
    from spinlens.training.fit import fit, forward_numpy, span_head_numpy
    from spinlens.training.pipeline import _score_tune

    kdir = run / "crossfit" / f"k{k}"
    kdir.mkdir(parents=True, exist_ok=True)
    if (kdir / "targets.npz").exists():
        log(f"crossfit: fold {k + 1}/{folds} is done")
        return
    n = len(full["ids"])
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
        encoder.model_dir,
        kdir,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        log=lambda m: log(f"crossfit fold {k + 1}: {m}"),
        id_map=encoder.id_map,
        frozen_layers=frozen,
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    fwd = forward_numpy(model, device)
    head = span_head_numpy(model)
    ptc_train = _ptc_train(data_root)
    with torch.no_grad():
        t = soft_targets(full, [fwd], [head], held, log=log)
        mine = np.isin(full["span_win"], held)
        saved = {
            "settings": np.array(json.dumps(_fold_settings(folds, seed, epochs, n, encoder.name, frozen))),
            "held": np.asarray(held, dtype=np.int64),
            "kd_bio": _objects(t["kd_bio"]),
            "kd_tech": _objects(t["kd_tech"]),
            "span_mask": mine,
            "kd_span": t["kd_span"][mine],
        }
        if extra is not None:
            u = soft_targets(extra, [fwd], [head], log=log)
            saved["u_kd_bio"] = _objects(u["kd_bio"])
            saved["u_kd_tech"] = _objects(u["kd_tech"])
        # out-of-fold scores of the held-out PTC train articles, in pipeline.tune's format
        (kdir / "tune.json").write_text(json.dumps(tune_entries(held_ids, ptc_train)))
        shutil.copy(run / "data.json", kdir / "data.json")
        _score_tune(kdir, model, encoder.base, kdir / "tune_scores.npz")  # the student's tokenizer
    tmp = kdir / "targets.tmp.npz"
    np.savez(tmp, **saved)
    tmp.replace(kdir / "targets.npz")  # written last: its presence marks the fold done


def tune_entries(ids: list[str], ptc_train: dict) -> list[dict]:
    """``tune.json``'s entries (id, text, gold spans) of the PTC train articles among ``ids``."""
    return [
        {"id": a, "text": ptc_train[a].text, "spans": [[s.start, s.end, s.label] for s in ptc_train[a].spans]}
        for a in ids
        if a in ptc_train
    ]


@functools.cache
def _ptc_train(data_root: Path) -> dict:
    """PTC train articles by id, read once per process (every fold scores its share of them)."""
    from spinlens.datasets import read_ptc

    return {a.id: a for a in read_ptc("train", data_root).articles}


def _objects(arrays: list) -> np.ndarray:
    """A list of arrays of different lengths as one object array (``np.savez`` pickles it)."""
    out = np.empty(len(arrays), dtype=object)
    out[:] = arrays
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
    # which fold scored each article: tune fits one span lexicon per fold, without that fold's articles
    folds_of = {
        a["id"]: k for k in range(folds) for a in json.loads((cf / f"k{k}" / "tune.json").read_text())
    }
    data = json.loads((run / "data.json").read_text())
    (cf / "data.json").write_text(json.dumps(dict(data, tune_folds=folds_of), indent=2))
