"""``python -m spinlens.training STEP``: run one training step (see ``spinlens.training.pipeline``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from spinlens.training import pipeline


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m spinlens.training")
    ap.add_argument("step", choices=["prepare", "fit-fold", "fit-full", "tune", "export", "all"])
    ap.add_argument("--run", type=Path, default=Path("runs/default"))
    ap.add_argument("--data", default=None, help="data root (default: $SPINLENS_DATA or ../shared/data)")
    ap.add_argument("--base", default=None, help="base encoder folder (default: the PyPI package's)")
    ap.add_argument("--sources", default=",".join(pipeline.DEFAULT_SOURCES))
    ap.add_argument("--include-dev", action="store_true")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--eval-epochs", default="")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--bio-sources", default="", help="train the boundary head only on these sources")
    ap.add_argument("--out", type=Path, default=None, help="export folder")
    a = ap.parse_args(argv)
    base = a.base or str(pipeline.base_model_dir())
    kw = dict(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, seed=a.seed)
    if a.bio_sources:
        kw["bio_sources"] = tuple(a.bio_sources.split(","))
    ev = tuple(int(x) for x in a.eval_epochs.split(",") if x)
    if a.step in ("prepare", "all"):
        pipeline.prepare(a.run, a.data, a.sources.split(","), include_dev=a.include_dev, seed=a.seed,
                         tokenizer_path=Path(base) / "tokenizer.json")
    if a.step in ("fit-fold", "all"):
        pipeline.fit_step(a.run, "fold", base, eval_epochs=ev, **kw)
    if a.step in ("tune", "all"):
        pipeline.tune(a.run)
    if a.step in ("fit-full", "all"):
        pipeline.fit_step(a.run, "full", base, **kw)
    if a.step in ("export", "all"):
        pipeline.export(a.run, base, a.out or Path("src/spinlens/model_data"))


if __name__ == "__main__":
    main()
