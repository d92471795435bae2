"""Cross-fitted distillation on a GPU machine in one call, within a time budget (issue 8; RESULTS section 2).

Here (CPU), first (``.carry`` is git-ignored; the data copy is only carried to the GPU machine, never
committed, and can be deleted afterwards):
    python scripts/device_crossfit.py --stage-base .carry/minilm --stage-data .carry/data
    python -m spinlens.training prepare --run .carry/cf --base .carry/minilm   # windows with article ids
(the first writes a float16 copy of the base encoder and copies what the GPU machine reads: PTC train and
the SemEval-2025 EN train/dev documents). With
``.carry/cf``, ``.carry/data`` and ``.carry/minilm`` carried, on the GPU machine:
    python3 scripts/device_crossfit.py --run .carry/cf --base .carry/minilm --data .carry/data --out $OUT
trains the fold models as parallel processes (``crossfit --fold-index K``), merges their out-of-fold
targets, fits one student per seed on them (as many epochs as the time left allows, measured from the
folds' epochs), and packs into ``$OUT`` parts of one tar (each under the machine's 16 MiB file limit): the
students as int8 deltas over the base encoder (:mod:`spinlens.training.delta`; the span heads are in
it), a probe of their outputs, the out-of-fold tuning scores in uint8 and the logs. Back here:
    python scripts/device_crossfit.py --unpack FOLDER --run runs/cf --base <fp16 MiniLM copy> --finish DIR
rebuilds ``RUN/crossfit`` and ``RUN/s{SEED}/full``, checks each rebuilt student against its probe, and with
``--finish`` tunes the thresholds, calibration and span lexicon on the out-of-fold scores
(``pipeline.tune``) and exports the students (several make an ensemble) to the model folder DIR.
The device's transfer limit is 64 MiB for the working tree plus what is carried: the float16 base (45 MB),
``.carry/cf`` (3 MB once ``fold.npz`` and ``tune.json`` are deleted: only ``full.npz`` and ``data.json`` are
read) and ``.carry/data`` (7 MB) leave about 12 MB for the tree, so leave the shipped model files out of the
trip (session 7 did, and restored them afterwards):
    git rm -q --cached src/spinlens/model_data/*.int8.onnx src/spinlens/model_data/heads*.npz
    printf 'src/spinlens/model_data/*.int8.onnx\nsrc/spinlens/model_data/heads*.npz\n' >> .git/info/exclude
    ... the device run ...
    git reset -q -- src/spinlens/model_data   # and delete the two lines from .git/info/exclude
A warm machine keeps what the last call wrote in paths not carried again: after a call that ran out of time,
call again without ``carry`` and the finished folds are reused.
``--shallow-seeds 13 --shallow-layers 0,2,4,5`` adds a shallower student (those layers of the base
encoder; RESULTS section 2 row G: a 4-layer encoder takes ~2/3 of the time), exported beside the others as
``DIR-l0_2_4_5``: the candidate for issue 7's 150 ms bar. Several depths: ``--shallow-layers
"0,2,3,4,5;0,2,4,5"``. The shallower students are packed first, then the full-depth ones, while they fit.
A stronger teacher (issue 8): ``--teacher DIR`` builds the fold models on another encoder whose tokenizer
cuts text like MiniLM's (all-mpnet-base-v2: the same pieces on all 371 PTC train articles, ids renumbered;
:mod:`spinlens.training.teacher`), and the students learn its out-of-fold targets. Its float16 weights
(219 MB) pass the transfer limit in parts: ``--stage-teacher SRC --teacher .carry/mpnet`` writes
``.carry/mpnet.p0`` .. ``.p3`` (<= 58.7 MB each); carry one per call, back to back (a warm machine keeps the
earlier ones; the idle release is 30 s), then the cf/data/base call, then the run with ``--teacher
.carry/mpnet --student-epoch-seconds 26``, which assembles and checks it (sha256) first. MPNet-base costs ~8x
MiniLM-L6 per token: budget its fold epochs accordingly (not measured on a GPU yet).
``--accurate-seeds 13`` (with ``--teacher``; ``--seeds ''`` for no students) also trains the full ``accurate``
model of the fold models' recipe on all windows of ``--accurate-sources``, beside the folds (session 12: three
MPNet folds + the full model, 5 epochs, in 270 s on an H100). It comes back as a delta over the staged teacher
(~96 MB for the whole encoder): the first parts in ``$OUT``, the rest kept in ``RUN/packed`` for a later call
(``cp RUN/packed/pack.tar.part0[4-6] $OUT``). Here, ``--unpack FOLDER --run RUN --base MINILM --teacher
.carry/mpnet`` (the parts of every call in one folder) rebuilds ``RUN/accurate-s13/ckpt.pt``, checked against
a probe, and ``RUN/crossfit`` for ``pipeline.tune``; ``accurate.package`` then writes the recipe.
The students' base is not needed for it: carry a folder with the MiniLM tokenizer files only.
``--fold-frozen-layers N`` (with ``--teacher``) makes the fold models those of the ``accurate`` recipe:
embeddings and the lower N layers kept at the teacher's weights (``fit(frozen_layers=N)``), so that their
out-of-fold scores tune thresholds in the calibration of an accurate model trained the same way.
Timings: a fold epoch 10-12 s with three folds side by side (H200 in session 7, H100 in session 8); a student
epoch ~23 s with two side by side (H200), ~26 s with three (H100). Session 8 on an H100: 3 folds x 8 epochs in
142 s, merge 17 s, then 3 students x 10 epochs in 260 s; a second call on the warm machine (the fold outputs
kept) added 2 students x 8 epochs in 180 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:  # the GPU machine has no installed spinlens (session 8 lost a merge to that)
    sys.path.insert(0, str(SRC))
T0 = time.time()
PART = 15_000_000  # bytes per returned file (the device returns files of up to 16 MiB)
LIMIT = 62_000_000  # bytes in all (it returns up to 64 MiB, at most 8 files)


def log(msg: str) -> None:
    print(f"[{time.time() - T0:6.0f}s] {msg}", flush=True)


def _wait(procs: list[subprocess.Popen], deadline: float) -> bool:
    """Wait for ``procs`` until ``deadline`` (seconds after start); kill them all if it passes."""
    while any(p.poll() is None for p in procs):
        if time.time() - T0 > deadline:
            for p in procs:
                p.kill()
            for p in procs:
                p.wait()
            log("deadline passed: processes killed")
            return False
        time.sleep(2)
    return all(p.returncode == 0 for p in procs)


def _epoch_seconds(train_log: Path) -> float | None:
    """Median seconds of the fold models' epochs after the first (which carries the start-up)."""
    secs = [
        int(m.group(2))
        for m in re.finditer(r"crossfit fold \d+: epoch (\d+)/\d+ .*\((\d+)s\)", train_log.read_text())
        if m.group(1) != "1"
    ]
    return float(np.median(secs)) if secs else None


def _layers(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def _student_dir(run: Path, seed: int, layers: list[int]) -> Path:
    """``RUN/s{SEED}``, or ``RUN/s{SEED}-l0_2_4_5`` for a student of those layers of the base encoder."""
    return run / (f"s{seed}" + ("-l" + "_".join(map(str, layers)) if layers else ""))


def _student_base(student_dir: Path, base: Path, layers: list[int]) -> str:
    """The encoder a student starts from: the base, or the base cut to ``layers`` (in the student's folder,
    rebuilt the same way on both machines)."""
    from spinlens.training.distill import shallow_base

    return shallow_base(str(base), layers, student_dir / "base") if layers else str(base)


def student(a: argparse.Namespace) -> None:
    """One student: fit on RUN/distill.npz, then a probe of its outputs."""
    from spinlens.training.data import load_windows
    from spinlens.training.fit import fit

    layers = _layers(a.layers)
    sdir = _student_dir(a.run, a.seed, layers)
    out = sdir / "full"
    # a finished student is its data.json and probe (written last): none of an earlier call's may remain
    for done in (sdir / "data.json", out / "probe.npz"):
        done.unlink(missing_ok=True)
    data = load_windows(a.run / "distill.npz")
    model = fit(
        data,
        _student_base(sdir, a.base, layers),
        out,
        epochs=a.epochs,
        batch_size=16,
        lr=1e-4,
        seed=a.seed,
        w_kd=a.w_kd,
        log=lambda m: print(f"student {sdir.name}: {m}", flush=True),
    )
    (sdir / "data.tmp").write_text(
        json.dumps(
            dict(
                json.loads((a.run / "data.json").read_text()),
                distilled_from="crossfit",
                w_kd=a.w_kd,
                epochs=a.epochs,
                seed=a.seed,
                keep_layers=layers or None,
                unlabeled_docs=a.unlabeled,
            ),
            indent=2,
        )
    )
    (sdir / "data.tmp").replace(sdir / "data.json")
    with open(out / "probe.tmp", "wb") as fh:  # the probe names the epoch it was taken after
        np.savez(fh, epoch=np.int64(a.epochs), **_probe(model, data))
    (out / "probe.tmp").replace(out / "probe.npz")


def accurate_member(a: argparse.Namespace) -> None:
    """One full ``accurate`` model (the fold models' recipe, on all windows of ``--accurate-sources``), then a
    probe of its outputs: trained beside the fold models, whose out-of-fold scores tune its thresholds."""
    import torch

    from spinlens.training.accurate import train
    from spinlens.training.data import load_windows
    from spinlens.training.fit import Tagger
    from spinlens.training.teacher import vocab_map

    out = a.run / f"accurate-s{a.seed}"
    (out / "probe.npz").unlink(missing_ok=True)
    train(
        a.run, str(a.base), str(a.teacher), out, sources=tuple(a.accurate_sources.split(",")),
        frozen=a.fold_frozen_layers, epochs=a.fold_epochs, lr=a.fold_lr, head_lr=1e-3, batch_size=16,
        seed=a.seed, w_kd=a.accurate_kd, log=lambda m: print(f"accurate s{a.seed}: {m}", flush=True),
    )  # fmt: skip
    model = Tagger(str(a.teacher), id_map=vocab_map(a.base, a.teacher))
    st = torch.load(out / "ckpt.pt", map_location="cpu", weights_only=False)
    model.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in st["model"].items()})
    with open(out / "probe.tmp", "wb") as fh:
        np.savez(fh, epoch=np.int64(st["epoch"]), **_probe(model, load_windows(a.run / "full.npz")))
    (out / "probe.tmp").replace(out / "probe.npz")


def _probe(model, data: dict, n: int = 4) -> dict:
    """BIO probabilities of the model (fp32, eval) on the first ``n`` windows, to check a rebuilt copy."""
    import torch

    model.eval().float()
    dev = next(model.parameters()).device
    out = {}
    with torch.no_grad():
        for i in range(n):
            ids = torch.tensor([[101, *[int(x) for x in data["ids"][i]], 102]], device=dev)
            _, bio, _ = model(ids, torch.ones_like(ids))
            out[f"ids{i}"] = ids.cpu().numpy()
            out[f"bio{i}"] = torch.softmax(bio.float(), -1).cpu().numpy()
    return out


def pack(a: argparse.Namespace, students: list[tuple[int, list[int]]], accurate: list[int] = ()) -> None:
    """Everything worth bringing back, as ``pack.tar.partNN`` files in ``RUN/packed``; those that fit the
    transfer limit are copied to ``a.out`` (the rest: copy them to ``$OUT`` in a later call on the warm
    machine). ``accurate``: the seeds of full accurate models (int8 deltas over the teacher, ~100 MB for a
    fully fine-tuned MPNet: more than one call brings back)."""
    import torch

    from spinlens._modelmeta import sha256_file
    from spinlens.training.delta import load_base, pack_delta

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        cf = a.run / "crossfit"
        if (cf / "tune_scores.npz").exists():
            scores = np.load(cf / "tune_scores.npz", allow_pickle=True)["data"][0]
            compact = {}
            for aid, sc in scores.items():
                compact[f"bio:{aid}"] = np.round(sc["p_bio"].astype(np.float32) * 255).astype(np.uint8)
                compact[f"tech:{aid}"] = np.round(sc["p_tech"].astype(np.float32) * 255).astype(np.uint8)
                compact[f"tc:{aid}"] = np.asarray(sc["tc"], dtype=np.float32)
                compact[f"offsets:{aid}"] = np.asarray(sc["offsets"], dtype=np.int32)
            b = io.BytesIO()
            np.savez_compressed(b, **compact)
            add("crossfit/tune_scores.compact.npz", b.getvalue())
            add("crossfit/tune.json", (cf / "tune.json").read_bytes())
            add("crossfit/data.json", (cf / "data.json").read_bytes())  # with the fold of each article
        add("data.json", (a.run / "data.json").read_bytes())
        if (Path(a.base) / "model.safetensors").exists():  # not with --accurate-seeds alone (no students)
            add("base.sha256", sha256_file(Path(a.base) / "model.safetensors").encode())
        for p in [a.run / "train.log", *sorted(a.run.glob("*.out"))]:
            if p.exists():
                add(f"logs/{p.name}", p.read_bytes())
        for s, layers in students:  # in the order given, while they fit the device's transfer limit
            d = _student_dir(a.run, s, layers)
            if not (d / "full" / "ckpt.pt").exists():
                log(f"student {d.name} has no checkpoint: not packed")
                continue
            try:
                st = torch.load(d / "full" / "ckpt.pt", map_location="cpu", weights_only=False)
                state = {
                    k: (v.float() if v.is_floating_point() else v).numpy() for k, v in st["model"].items()
                }
                b = io.BytesIO()
                np.savez_compressed(b, **pack_delta(state, load_base(_student_base(d, a.base, layers))))
                finished = (d / "full" / "probe.npz").exists() and (d / "data.json").exists()
                if finished:
                    with np.load(d / "full" / "probe.npz") as z:
                        finished = int(z["epoch"]) == int(st["epoch"])
            except Exception as exc:  # one broken student must not cost the others
                log(f"student {d.name}: not packed ({type(exc).__name__}: {exc})")
                continue
            # a student stopped by the deadline comes back too (its last epoch, without probe or data.json)
            extra = [(f"{d.name}/{Path(n).name}", d / n) for n in ("full/probe.npz", "data.json") if finished]
            size = len(b.getvalue()) + sum(p.stat().st_size for _, p in extra) + 2048 * (1 + len(extra))
            if buf.tell() + size > LIMIT:
                log(f"student {d.name}: {size / 1e6:.1f} MB more would pass {LIMIT / 1e6:.0f} MB: not packed")
                continue
            add(f"{d.name}/delta.npz", b.getvalue())
            for name, path in extra:
                add(name, path.read_bytes())
            log(f"student {d.name}: epoch {st['epoch']}, delta {len(b.getvalue()) / 1e6:.1f} MB")
        for s in accurate:  # whatever its size: the parts past the limit come back in a later call
            d = a.run / f"accurate-s{s}"
            if not (d / "ckpt.pt").exists():
                log(f"accurate s{s} has no checkpoint: not packed")
                continue
            st = torch.load(d / "ckpt.pt", map_location="cpu", weights_only=False)
            state = {k: (v.float() if v.is_floating_point() else v).numpy() for k, v in st["model"].items()}
            b = io.BytesIO()
            np.savez_compressed(b, **pack_delta(state, load_base(a.teacher)))
            add(f"{d.name}/delta.npz", b.getvalue())
            add(f"{d.name}/teacher.sha256", sha256_file(Path(a.teacher) / "model.safetensors").encode())
            for name in ("train.json", "probe.npz"):
                if (d / name).exists():
                    add(f"{d.name}/{name}", (d / name).read_bytes())
            log(f"accurate s{s}: epoch {st['epoch']}, delta {len(b.getvalue()) / 1e6:.1f} MB")
    raw = buf.getvalue()
    packed = a.run / "packed"
    packed.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    for i in range(0, len(raw), PART):
        name = f"pack.tar.part{i // PART:02d}"
        (packed / name).write_bytes(raw[i : i + PART])
        if i + PART <= LIMIT:
            (a.out / name).write_bytes(raw[i : i + PART])
    n = (len(raw) + PART - 1) // PART
    log(f"packed {len(raw) / 1e6:.1f} MB into {n} parts in {packed}; {min(n, LIMIT // PART)} in {a.out}")


def device(a: argparse.Namespace) -> None:
    if a.out is None or a.data is None:
        raise SystemExit("--out and --data are needed on the GPU machine")
    a.out.mkdir(parents=True, exist_ok=True)
    # shallower students first: pack() brings them back in this order while they fit the transfer limit
    depths = [_layers(ls) for ls in a.shallow_layers.split(";") if ls]
    students = [(int(s), layers) for layers in depths for s in a.shallow_seeds.split(",") if s]
    students += [(int(s), []) for s in a.seeds.split(",") if s]
    env = dict(os.environ, PYTHONPATH="src", PYTHONUNBUFFERED="1", OMP_NUM_THREADS="4")
    common = ["--run", str(a.run), "--data", str(a.data), "--base", str(a.base), "--folds", str(a.folds)]
    common += ["--epochs", str(a.fold_epochs), "--seeds", "13", "--unlabeled", str(a.unlabeled)]
    common += ["--lr", str(a.fold_lr)]
    if a.teacher:  # the fold models' encoder, staged in parts (stage_teacher)
        join_teacher(a.teacher)
        common += ["--teacher-base", str(a.teacher)]
    if a.fold_frozen_layers:  # fold models of the accurate recipe (an MPNet teacher)
        common += ["--frozen-layers", str(a.fold_frozen_layers)]
    accurate = [int(s) for s in a.accurate_seeds.split(",") if s]
    if accurate and not a.teacher:
        raise SystemExit("--accurate-seeds needs --teacher (the accurate model's encoder)")
    members: list[subprocess.Popen] = []

    def start_members() -> None:
        for s in accurate:  # full models of the fold models' recipe
            if (a.run / f"accurate-s{s}" / "probe.npz").exists():
                continue  # done in an earlier call on this machine
            cmd = [sys.executable, __file__, "--accurate-member", "--seed", str(s)]
            cmd += ["--run", str(a.run), "--base", str(a.base), "--teacher", str(a.teacher)]
            cmd += ["--accurate-sources", a.accurate_sources, "--fold-epochs", str(a.fold_epochs)]
            cmd += ["--fold-lr", str(a.fold_lr), "--fold-frozen-layers", str(a.fold_frozen_layers)]
            cmd += ["--accurate-kd", str(a.accurate_kd)]
            members.append(
                subprocess.Popen(
                    cmd, env=env, stdout=open(a.run / f"accurate-s{s}.out", "w"), stderr=subprocess.STDOUT
                )
            )

    try:
        if not a.accurate_kd:  # trained beside the fold models; noisy students wait for their targets
            start_members()
        if not (a.run / "distill.npz").exists():
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "spinlens.training", "crossfit", *common, "--fold-index", str(k)],
                    env=env,
                    stdout=open(a.run / f"fold{k}.out", "w"),
                    stderr=subprocess.STDOUT,
                )
                for k in range(a.folds)
            ]
            if not _wait(procs, a.budget * a.fold_share):
                raise RuntimeError("the fold models did not finish in time")
            log("folds done")
            from spinlens.training.crossfit import run_crossfit

            run_crossfit(
                a.run, a.data, str(a.base), folds=a.folds, epochs=a.fold_epochs, batch_size=16, lr=a.fold_lr,
                seed=13, unlabeled=a.unlabeled, teacher=str(a.teacher) if a.teacher else None, log=log,
                frozen_layers=a.fold_frozen_layers,
            )  # fmt: skip
        if a.accurate_kd:
            start_members()
            log(f"noisy students started: {len(members)}")
        if not students:
            if members and not _wait(members, a.budget - 60):
                log("an accurate model did not finish in time (its last epoch's checkpoint is packed)")
            return
        per_epoch = _epoch_seconds(a.run / "train.log") or 30.0
        n_all = len(np.load(a.run / "distill.npz", allow_pickle=True)["src"])
        n_labeled = len(np.load(a.run / "full.npz", allow_pickle=True)["src"])
        est = per_epoch * n_all / (n_labeled * (a.folds - 1) / a.folds)  # folds train on (K-1)/K
        if a.student_epoch_seconds:  # folds of another encoder (--teacher) say nothing of the student's pace
            est = a.student_epoch_seconds
        left = a.budget - (time.time() - T0) - 90  # start-up, a slower first epoch, the probe, packing
        epochs = int(min(a.max_student_epochs, max(2, left // est)))
        log(f"fold epoch {per_epoch:.0f}s -> student epoch ~{est:.0f}s; {left:.0f}s left: {epochs} epochs")
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--student",
                    "--run",
                    str(a.run),
                    "--base",
                    str(a.base),
                    "--seed",
                    str(s),
                    "--epochs",
                    str(epochs),
                    "--w-kd",
                    str(a.w_kd),
                    "--unlabeled",
                    str(a.unlabeled),
                    "--layers",
                    ",".join(map(str, layers)),
                ],
                env=env,
                stdout=open(a.run / f"student-{_student_dir(a.run, s, layers).name}.out", "w"),
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            for s, layers in students
        ]
        _wait(procs + members, a.budget - 25)
    finally:
        for p in members:  # a crash above must not leave a member writing while it is packed
            if p.poll() is None:
                p.kill()
                p.wait()
        pack(a, students, accurate)


def unpack(a: argparse.Namespace) -> None:
    """Rebuild RUN/crossfit and RUN/s{SEED}/full from the parts in ``a.unpack``; check each student."""
    import torch

    from spinlens.training.delta import load_base, unpack_delta
    from spinlens.training.fit import Tagger, span_head_numpy

    raw = b"".join(p.read_bytes() for p in sorted(a.unpack.glob("pack.tar.part*")))
    cf = a.run / "crossfit"
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    (a.run / "logs").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if name.startswith("logs/") or name in ("data.json", "crossfit/data.json"):
            (a.run / name).parent.mkdir(parents=True, exist_ok=True)
            (a.run / name).write_bytes(data)
    if "crossfit/tune.json" in files:
        cf.mkdir(parents=True, exist_ok=True)
        (cf / "tune.json").write_bytes(files["crossfit/tune.json"])
        z = np.load(io.BytesIO(files["crossfit/tune_scores.compact.npz"]))
        scores = {}
        for key in z.files:
            kind, aid = key.split(":", 1)
            sc = scores.setdefault(aid, {})
            if kind in ("bio", "tech"):
                sc["p_" + kind] = (z[key].astype(np.float32) / 255).astype(np.float16)
            elif kind == "offsets":
                sc["offsets"] = z[key].astype(np.int64)
            else:
                sc[kind] = z[key]
        np.savez_compressed(cf / "tune_scores.npz", data=np.array([scores], dtype=object))
        print(f"crossfit: out-of-fold scores of {len(scores)} PTC train articles")
    from spinlens._modelmeta import sha256_file

    if "base.sha256" in files:  # students came back (--accurate-seeds alone carries the tokenizer only)
        got = sha256_file(Path(a.base) / "model.safetensors")
        if files["base.sha256"].decode() != got:
            raise SystemExit(f"{a.base} is not the students' base (sha256 {got[:12]}...)")
    failed = []
    for name in sorted(n for n in files if n.startswith("accurate-s") and n.endswith("/delta.npz")):
        failed += _unpack_accurate(a, files, name)
    groups: dict[tuple[int, ...], list[Path]] = {}  # students by the layers they keep (() = all)
    for name in sorted(n for n in files if n.endswith("/delta.npz") and not n.startswith("accurate-s")):
        seed_dir = a.run / name.split("/")[0]
        (seed_dir / "full").mkdir(parents=True, exist_ok=True)
        m = re.fullmatch(r"s\d+(?:-l([\d_]+))?", seed_dir.name)
        layers = [int(x) for x in m.group(1).split("_")] if m and m.group(1) else []
        base_dir = _student_base(seed_dir, a.base, layers)
        state = unpack_delta(dict(np.load(io.BytesIO(files[name]))), load_base(base_dir))
        tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}
        model = Tagger(base_dir)
        model.load_state_dict(tensors)
        model.eval()
        torch.save({"model": model.state_dict(), "epoch": None}, seed_dir / "full" / "ckpt.pt")
        np.savez(seed_dir / "full" / "heads.npz", **span_head_numpy(model))
        if name.replace("delta.npz", "probe.npz") not in files:
            print(f"{seed_dir.name}: rebuilt from its last epoch (stopped at the deadline: not exported)")
            continue
        (seed_dir / "data.json").write_bytes(files[name.replace("delta.npz", "data.json")])
        probe = np.load(io.BytesIO(files[name.replace("delta.npz", "probe.npz")]))
        worst = _probe_gap(model, probe)
        print(f"{seed_dir.name}: rebuilt; max BIO probability difference from the GPU copy {worst:.2e}")
        if worst > PROBE_TOLERANCE:
            print(f"{seed_dir.name}: does not match its probe: left out")
            failed.append(seed_dir.name)
            continue
        groups.setdefault(tuple(layers), []).append(seed_dir)
    if a.finish:
        from spinlens.training import pipeline

        if not groups:
            raise SystemExit("no student came back: nothing to export")
        result = pipeline.tune(cf, data_root=str(a.data) if a.data else None)
        print(f"tuned on {cf}: {json.dumps({k: v for k, v in result.items() if k != 'thresholds'})}")
        # the full-depth students make one model (an ensemble if several), each depth its own; with
        # --each, every student its own model (DIR-s13, DIR-s7-l0_2_4_5)
        exports: list[tuple[list[int], list[Path], str]] = []
        for layers, members in sorted(groups.items()):
            if a.each:
                exports += [(list(layers), [d], "-" + d.name) for d in members]
            else:
                exports.append((list(layers), members, "-l" + "_".join(map(str, layers)) if layers else ""))
        for layers, members, suffix in exports:
            out = a.finish.with_name(a.finish.name + suffix)
            pipeline.export(
                members,
                _student_base(members[0], a.base, layers),
                out,
                thresholds_from=cf,
                command=f"scripts/device_crossfit.py (GPU) + --unpack {a.unpack} --finish {a.finish}",
                name=f"spinlens-minilm-l{len(layers)}-student" if layers else None,
            )
            print(f"exported {len(members)} student(s) to {out}")
    if failed:
        raise SystemExit(f"students that did not match their probe (left out): {', '.join(failed)}")


PROBE_TOLERANCE = 5e-3  # int8 deltas: session 7 measured 1.6e-3, session 12 (MPNet) 0.95-1.4e-3


def _probe_gap(model, probe) -> float:
    """Largest BIO probability difference between ``model`` (rebuilt here) and its GPU copy's ``_probe``."""
    import torch

    worst = 0.0
    with torch.no_grad():
        for i in range(len([k for k in probe.files if k.startswith("ids")])):
            ids = torch.from_numpy(probe[f"ids{i}"])
            _, bio, _ = model(ids, torch.ones_like(ids))
            worst = max(worst, float(np.abs(torch.softmax(bio, -1).numpy() - probe[f"bio{i}"]).max()))
    return worst


def _unpack_accurate(a: argparse.Namespace, files: dict[str, bytes], name: str) -> list[str]:
    """Rebuild ``RUN/accurate-sN/ckpt.pt`` (and ``heads.npz``, ``train.json``) from its delta over the staged
    teacher (``--teacher``: the float16 copy it was trained from, assembled from its parts here too) and check
    it against its probe; returns ``[folder name]`` if it does not match."""
    import torch

    from spinlens._modelmeta import sha256_file
    from spinlens.training.delta import load_base, unpack_delta
    from spinlens.training.fit import Tagger, span_head_numpy
    from spinlens.training.teacher import vocab_map

    d = a.run / name.split("/")[0]
    if a.teacher is None:
        raise SystemExit(f"{d.name} came back: --teacher (the staged teacher it was trained from) is needed")
    join_teacher(a.teacher)
    want = files.get(f"{d.name}/teacher.sha256", b"").decode()
    got = sha256_file(Path(a.teacher) / "model.safetensors")
    if want and want != got:
        raise SystemExit(f"{a.teacher} is not the teacher {d.name} was trained from (sha256 {got[:12]}...)")
    d.mkdir(parents=True, exist_ok=True)
    state = unpack_delta(dict(np.load(io.BytesIO(files[name]))), load_base(a.teacher))
    model = Tagger(str(a.teacher), id_map=vocab_map(a.base, a.teacher))
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    model.eval()
    epoch = None
    if f"{d.name}/probe.npz" in files:
        probe = np.load(io.BytesIO(files[f"{d.name}/probe.npz"]))
        epoch = int(probe["epoch"])
    torch.save({"model": model.state_dict(), "epoch": epoch}, d / "ckpt.pt")
    np.savez(d / "heads.npz", **span_head_numpy(model))
    for extra in ("train.json", "probe.npz"):
        if f"{d.name}/{extra}" in files:
            (d / extra).write_bytes(files[f"{d.name}/{extra}"])
    if epoch is None:
        print(f"{d.name}: rebuilt from its last checkpoint (no probe: it did not finish)")
        return [d.name]
    worst = _probe_gap(model, probe)
    print(f"{d.name}: rebuilt (epoch {epoch}); max BIO probability difference from the GPU copy {worst:.2e}")
    if worst > PROBE_TOLERANCE:
        print(f"{d.name}: does not match its probe")
        return [d.name]
    return []


def _half_copy(src: Path, dst: Path) -> None:
    """``src``'s config, tokenizer files and float16 weights in ``dst``: an encoder folder ``Tagger`` loads,
    about half the size of the float32 one."""
    import shutil

    from safetensors.numpy import load_file, save_file

    from spinlens.training.distill import TOKENIZER_FILES

    dst.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", *TOKENIZER_FILES):
        if (src / name).exists():
            shutil.copy(src / name, dst / name)
    tensors = load_file(str(src / "model.safetensors"))
    half = {k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in tensors.items()}
    save_file(half, str(dst / "model.safetensors"), metadata={"format": "pt"})


def stage_base(a: argparse.Namespace) -> None:
    """A float16 copy of the PyPI encoder in ``a.stage_base`` (45 MB instead of 91: it fits the device's
    64 MiB transfer limit); training starts from these values on both machines."""
    from spinlens.training.pipeline import base_model_dir

    _half_copy(base_model_dir(), a.stage_base)
    print(f"float16 copy of {base_model_dir()} in {a.stage_base}")


TEACHER_PART = 58_000_000  # bytes of weights per staged folder: one folder per call fits the transfer limit


def stage_teacher(src: Path, dst: Path) -> list[Path]:
    """A float16 copy of the teacher encoder ``src`` cut into folders ``DST.p0``, ``DST.p1``, ... of at most
    ``TEACHER_PART`` bytes of weights each (``p0`` also holds its config and tokenizer files and
    ``parts.json``). Carry one folder per device call, back to back: a warm machine keeps the earlier ones,
    and :func:`join_teacher` assembles ``DST`` there."""
    import hashlib
    import shutil

    whole = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(whole, ignore_errors=True)
    _half_copy(src, whole)
    raw = (whole / "model.safetensors").read_bytes()
    (whole / "model.safetensors").unlink()
    n = (len(raw) + TEACHER_PART - 1) // TEACHER_PART
    folders = [dst.with_name(f"{dst.name}.p{i}") for i in range(n)]
    for i, folder in enumerate(folders):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / f"weights.{i:02d}").write_bytes(raw[i * TEACHER_PART : (i + 1) * TEACHER_PART])
    for f in whole.iterdir():  # config and tokenizer files
        shutil.move(f, folders[0] / f.name)
    whole.rmdir()
    parts = {"parts": len(folders), "sha256": hashlib.sha256(raw).hexdigest(), "source": str(src)}
    (folders[0] / "parts.json").write_text(json.dumps(parts))
    print(f"float16 copy of {src} in {len(folders)} folders {folders[0]} ... ({len(raw) / 1e6:.0f} MB)")
    return folders


def join_teacher(dst: Path) -> None:
    """Assemble the staged teacher ``dst`` from ``DST.p0`` ... (see :func:`stage_teacher`), checking its
    sha256; nothing to do if ``dst`` has its weights already."""
    import hashlib
    import shutil

    if (dst / "model.safetensors").exists():
        return
    p0 = dst.with_name(dst.name + ".p0")
    if not (p0 / "parts.json").exists():
        raise SystemExit(f"--teacher {dst}: neither its weights nor staged parts ({p0}) are here")
    parts = json.loads((p0 / "parts.json").read_text())
    chunks = [dst.with_name(f"{dst.name}.p{i}") / f"weights.{i:02d}" for i in range(parts["parts"])]
    missing = [str(c) for c in chunks if not c.exists()]
    if missing:
        raise SystemExit(f"--teacher {dst}: staged parts missing: {', '.join(missing)}")
    raw = b"".join(c.read_bytes() for c in chunks)
    if hashlib.sha256(raw).hexdigest() != parts["sha256"]:
        raise SystemExit(f"--teacher {dst}: the staged parts do not make the staged weights (sha256 differs)")
    dst.mkdir(parents=True, exist_ok=True)
    for f in p0.iterdir():
        if f.name != "parts.json" and not f.name.startswith("weights."):
            shutil.copy(f, dst / f.name)
    (dst / "model.safetensors").write_bytes(raw)
    log(f"teacher assembled in {dst} from {len(chunks)} staged parts")


def stage_data(a: argparse.Namespace) -> None:
    """Copy what the GPU machine reads (PTC train, SemEval-2025 EN train/dev documents) to a.stage_data."""
    import shutil

    from spinlens.datasets import PTC_DIR, data_root

    root = data_root(str(a.data) if a.data else None)
    wanted = [root / PTC_DIR / "train-articles", root / PTC_DIR / "train-task-flc-tc.labels"]
    wanted += sorted(root.glob("semeval2025-task10/train/EN/*documents*"))
    wanted += sorted(root.glob("semeval2025-task10/dev/EN/*documents*"))
    for src in wanted:
        dst = a.stage_data / src.relative_to(root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy(src, dst)
    print(f"staged {len(wanted)} folders and files of {root} in {a.stage_data}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path)
    ap.add_argument("--base", type=Path)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--unpack", type=Path, help="here: the folder the parts came back to")
    ap.add_argument("--finish", type=Path, help="with --unpack: tune and export the students to this folder")
    ap.add_argument(
        "--each", action="store_true", help="with --finish: each student its own model (DIR-s13-l0_2_4_5)"
    )
    ap.add_argument("--stage-data", type=Path, help="here: copy the data the GPU machine reads to here")
    ap.add_argument("--stage-base", type=Path, help="here: write a float16 copy of the base encoder here")
    ap.add_argument(
        "--teacher",
        type=Path,
        help="the fold models' encoder (e.g. all-mpnet-base-v2; crossfit --teacher-base); with "
        "--stage-teacher, where its staged parts go (TEACHER.p0, .p1, ...)",
    )
    ap.add_argument("--stage-teacher", type=Path, help="here: the teacher encoder to stage in parts")
    ap.add_argument(
        "--fold-share", type=float, default=0.55, help="the share of --budget the fold models may take"
    )
    ap.add_argument(
        "--student-epoch-seconds",
        type=float,
        default=None,
        help="a student's epoch time, for the epochs that fit the budget (default: from the folds' epochs; "
        "give it with --teacher: session 8 measured ~26 s on an H100 with three students side by side)",
    )
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--fold-epochs", type=int, default=8)
    ap.add_argument(
        "--fold-frozen-layers",
        type=int,
        default=0,
        help="the fold models keep the embeddings and this many lower layers of --teacher at its weights",
    )
    ap.add_argument(
        "--fold-lr",
        type=float,
        default=1e-4,
        help="the fold models' encoder learning rate (1e-4 suits MiniLM; a 12-layer teacher takes less)",
    )
    ap.add_argument("--max-student-epochs", type=int, default=10)
    ap.add_argument("--seeds", default="13,7", help="one full-depth student per seed")
    ap.add_argument("--shallow-seeds", default="", help="also one shallower student per seed (GPU time)")
    ap.add_argument(
        "--shallow-layers",
        default="0,2,4,5",
        help="the base layers a shallower student keeps; several sets separated by ';'",
    )
    ap.add_argument("--unlabeled", type=int, default=440)
    ap.add_argument("--w-kd", type=float, default=0.5)
    ap.add_argument("--budget", type=float, default=540, help="seconds for the whole device part")
    ap.add_argument(
        "--accurate-seeds",
        default="",
        help="with --teacher: also one full accurate model per seed, the fold models' recipe on all windows "
        "of --accurate-sources (their out-of-fold scores tune its thresholds); --seeds '' trains no students",
    )
    ap.add_argument("--accurate-sources", default="ptc,semeval2023,ptc18")
    ap.add_argument(
        "--accurate-kd",
        type=float,
        default=0.0,
        help="with --accurate-seeds: > 0 makes each full model a noisy student of the fold models, trained "
        "after them on RUN/distill.npz (their out-of-fold targets and the --unlabeled news), targets weighted "
        "this much (RESULTS section 2, session 22)",
    )
    ap.add_argument("--accurate-member", action="store_true", help="(internal) fit one accurate model")
    ap.add_argument("--student", action="store_true", help="(internal) fit one student")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--layers", default="", help="(internal) the student's layers of the base encoder")
    ap.add_argument("--epochs", type=int, default=8)
    a = ap.parse_args()
    if not (a.stage_data or a.stage_base or a.stage_teacher) and (a.run is None or a.base is None):
        ap.error("--run and --base are needed (except with --stage-data / --stage-base / --stage-teacher)")
    if a.stage_teacher and not a.teacher:
        ap.error("--stage-teacher needs --teacher (where the parts go)")
    if a.student:
        student(a)
    elif a.accurate_member:
        accurate_member(a)
    elif a.stage_teacher:
        stage_teacher(a.stage_teacher, a.teacher)
    elif a.stage_data or a.stage_base:
        if a.stage_base:
            stage_base(a)
        if a.stage_data:
            stage_data(a)
    elif a.unpack:
        unpack(a)
    else:
        device(a)


if __name__ == "__main__":
    main()
