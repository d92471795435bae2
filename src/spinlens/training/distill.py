"""Distil a shipped ensemble (the teacher) into one student encoder.

The teacher's averaged probabilities become soft targets on every training window (and on unlabeled
news windows, which carry no gold): BIO and per-technique token probabilities, and the span head's
technique distribution on the gold spans. :func:`spinlens.training.fit.fit` mixes them with the gold
losses (``w_kd``). The student starts from a member's checkpoint (``init``) so one or two CPU epochs
suffice.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from spinlens._windows import batch_windows
from spinlens.model import SpanTagger, span_probs
from spinlens.training.data import WINDOW_KEYS, SourceArticle, build_windows, load_windows, save_windows


def unlabeled_articles(root: Path, limit: int, seed: int = 13) -> list[SourceArticle]:
    """English SemEval-2025 Task 10 train and dev documents, used without their labels (the test documents
    are left for ``benchmarks/fidelity.py``)."""
    paths = sorted(
        p for split in ("train", "dev") for p in root.glob(f"semeval2025-task10/{split}/EN/*documents*/*.txt")
    )
    seen: set[str] = set()
    uniq = []
    for p in paths:
        if p.name not in seen:
            seen.add(p.name)
            uniq.append(p)
    rng = np.random.default_rng(seed)
    pick = sorted(rng.permutation(len(uniq))[:limit])
    return [SourceArticle("unlabeled", uniq[i].stem, uniq[i].read_text(encoding="utf-8"), []) for i in pick]


def soft_targets(
    data: dict,
    forwards: list,
    heads: list[dict],
    windows: list[int] | None = None,
    log=print,
    batch_size: int = 32,
) -> dict:
    """Averaged outputs of ``forwards`` (``forward(ids, mask) -> p_bio, p_tech, hidden``) on each window
    in ``windows`` (default: all) of ``data``: token BIO and technique probabilities (float16, aligned with
    the gold arrays) and the span heads' technique distributions on the window's gold spans.

    Windows go through ``forwards`` ``batch_size`` at a time, shortest first (one window per call scored
    the fold models' held-out windows for ~110 s of a 450-s GPU run, session 9); the outputs keep the order
    of ``windows``."""
    windows = list(range(len(data["ids"]))) if windows is None else windows
    spans_by_win: dict[int, list[int]] = {}
    for j, w in enumerate(data["span_win"]):
        spans_by_win.setdefault(int(w), []).append(j)
    p_bio: list = [None] * len(windows)
    p_tech: list = [None] * len(windows)
    span_t = np.zeros((len(data["span_win"]), data["span_y"].shape[1]), dtype=np.float32)
    order = sorted(range(len(windows)), key=lambda c: len(data["ids"][windows[c]]))
    t0, logged = time.time(), 0
    for b in range(0, len(order), batch_size):
        group = order[b : b + batch_size]
        seqs = [np.asarray(data["ids"][windows[c]]) for c in group]
        ends = np.cumsum([len(x) for x in seqs])
        arr, mask = batch_windows(
            np.concatenate(seqs), [(int(e - len(x)), int(e)) for x, e in zip(seqs, ends)]
        )
        outs = [f(arr, mask) for f in forwards]
        for r, c in enumerate(group):
            n = len(seqs[r])  # drop [CLS]/[SEP] and padding: aligned with the gold arrays
            p_bio[c] = np.mean([o[0][r, 1 : n + 1] for o in outs], axis=0).astype(np.float16)
            p_tech[c] = np.mean([o[1][r, 1 : n + 1] for o in outs], axis=0).astype(np.float16)
            js = spans_by_win.get(windows[c], [])
            if js:
                hid = [o[2][r] for o in outs]
                toks = [(int(data["span_s"][j]), int(data["span_e"][j])) for j in js]
                span_t[js] = span_probs(heads, hid, toks)
        if b + len(group) >= logged + 500:
            logged = b + len(group)
            log(f"soft targets: {logged}/{len(windows)} windows ({time.time() - t0:.0f}s)")
    return {"kd_bio": p_bio, "kd_tech": p_tech, "kd_span": span_t}


def teacher_targets(data: dict, teacher: SpanTagger, log=print) -> dict:
    """Soft targets for each window of ``data`` from a shipped model (window-level outputs, float16)."""
    return soft_targets(data, teacher.forwards_, teacher.heads_, log=log)


def prepare_distill(
    run_dir: Path,
    data_root: Path,
    teacher_dir: Path | None,
    *,
    unlabeled: int = 250,
    threads: int | None = None,
    log=print,
) -> Path:
    """Write ``RUN/distill.npz``: ``RUN/full.npz`` plus unlabeled windows, with teacher targets."""
    out = run_dir / "distill.npz"
    if out.exists():
        return out
    from spinlens.training.pipeline import _window

    data = load_windows(run_dir / "full.npz")
    content, stride = _window(run_dir)
    teacher = SpanTagger(teacher_dir, threads=threads).load()
    # the teacher's tokenizer is the base encoder's, set up as training's (no truncation, no padding)
    extra = build_windows(unlabeled_articles(data_root, unlabeled), teacher.tokenizer_, content, stride)
    for k in WINDOW_KEYS:
        if k in data:
            data[k] = list(data[k]) + list(extra[k])
    log(f"{len(data['ids'])} windows ({len(extra['ids'])} unlabeled), teacher {teacher.info.name}")
    data.update(teacher_targets(data, teacher, log=log))
    save_windows(data, out)
    return out


def _keep_layers(state: dict, prefix: str, keep: list[int]) -> dict:
    """``state`` with only the encoder layers in ``keep``, renumbered 0..len(keep)-1 in that order."""
    out = {}
    depth = len(prefix.split("."))
    for k, v in state.items():
        if not k.startswith(prefix):
            out[k] = v
            continue
        parts = k.split(".")
        i = int(parts[depth - 1])
        if i in keep:
            parts[depth - 1] = str(keep.index(i))
            out[".".join(parts)] = v
    return out


#: the files of an encoder folder that its tokenizer needs (copied with cut or converted weights)
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


def shallow_base(base_dir: str, keep: list[int], out: Path) -> str:
    """The base encoder cut to the layers in ``keep``, written to ``out`` (config + weights + tokenizer
    files: what ``Tagger(out)`` loads); the same ``base_dir`` and ``keep`` give the same weights."""
    import shutil

    import torch
    from transformers import AutoConfig, AutoModel

    if not (out / "model.safetensors").exists():  # written whole, then renamed: a crash leaves no half
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        cfg = AutoConfig.from_pretrained(base_dir)
        if sorted(set(keep)) != keep or not keep or keep[-1] >= cfg.num_hidden_layers:
            raise ValueError(f"layers to keep {keep}: need increasing indexes below {cfg.num_hidden_layers}")
        full = AutoModel.from_pretrained(base_dir, dtype=torch.float32)
        cfg.num_hidden_layers = len(keep)
        small = AutoModel.from_config(cfg)
        small.load_state_dict(_keep_layers(full.state_dict(), "encoder.layer.", keep))
        small.save_pretrained(tmp)
        for name in TOKENIZER_FILES:
            if (Path(base_dir) / name).exists():
                shutil.copy(Path(base_dir) / name, tmp / name)
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    return str(out)


def shallow_student(base_dir: str, init: Path, keep: list[int], out: Path) -> tuple[str, Path]:
    """A shallower student: the base encoder and the ``init`` checkpoint cut to the layers in ``keep``.

    Writes ``out/base`` (:func:`shallow_base`) and ``out/init.pt``; returns both paths."""
    import torch

    base_out, init_out = out / "base", out / "init.pt"
    if not init_out.exists():
        shallow_base(base_dir, keep, base_out)
        st = torch.load(init, map_location="cpu", weights_only=False)["model"]
        torch.save({"model": _keep_layers(st, "encoder.encoder.layer.", keep)}, init_out)
    return str(base_out), init_out


def run_distill(
    run: Path,
    data: str | None,
    base: str,
    teacher: Path | None,
    init: Path | None,
    out: Path | None,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    w_kd: float,
    unlabeled: int,
    command: str,
    init_member: int | None = None,
    keep_layers: list[int] | None = None,
    thresholds_from: Path | None = None,
) -> Path:
    """Teacher targets -> student fit (resumable) -> export with the teacher's thresholds.

    With ``RUN/distill.npz`` already there (e.g. out-of-fold targets from ``crossfit``) the teacher is not
    run; ``thresholds_from``: a folder whose ``thresholds.json`` (``pipeline.tune``'s) the student
    exports with, instead of the teacher's.

    ``init_member``: start the student from this member of the teacher, rebuilt from its fp32 ONNX
    export (:mod:`spinlens.training.from_onnx`) when no checkpoint is at hand. ``keep_layers``: a
    shallower student made of these layers of its start (e.g. ``[0, 2, 4, 5]``: 4 of 6)."""
    from spinlens._modelmeta import default_model_dir, read_meta, runtime_files
    from spinlens.datasets import data_root
    from spinlens.training.fit import fit, span_head_numpy
    from spinlens.training.pipeline import _log, export

    # a shallower student gets its own folders, so one run's teacher targets serve several students
    suffix = "-l" + "".join(str(k) for k in keep_layers) if keep_layers else ""
    student = run / f"student{suffix}"
    student.mkdir(parents=True, exist_ok=True)

    def log(m: str) -> None:
        _log(run, f"distill: {m}")

    if init is None and init_member is not None:
        from spinlens.training.from_onnx import ckpt_from_onnx

        tdir = teacher or default_model_dir()
        members = runtime_files(read_meta(tdir), quantized=False)
        if not 0 <= init_member < len(members):
            raise SystemExit(f"--init-member {init_member}: the teacher has members 0..{len(members) - 1}")
        onnx_entry, heads_entry = members[init_member]
        if not (tdir / onnx_entry["name"]).exists():
            raise SystemExit(
                f"--init-member needs the fp32 export {tdir / onnx_entry['name']} (only int8 ships); "
                "re-export the member from its checkpoint, or pass --init CKPT"
            )
        init = student / "init.pt"
        if not init.exists():
            ckpt_from_onnx(tdir / onnx_entry["name"], tdir / heads_entry["name"], base, init)
        log(f"student starts from member {init_member} of {tdir}")
    path = prepare_distill(run, data_root(data), teacher, unlabeled=unlabeled, log=log)
    name = None
    if keep_layers:
        if init is None:
            raise ValueError("a shallower student needs a start: --init or --init-member")
        base, init = shallow_student(base, init, keep_layers, student / "shallow")
        name = f"spinlens-minilm-l{len(keep_layers)}-student"
        log(f"student keeps layers {keep_layers} of its start")
    model = fit(
        load_windows(path),
        base,
        student / "full",
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        init=init,
        w_kd=w_kd,
        log=log,
    )
    np.savez(student / "full" / "heads.npz", **span_head_numpy(model))  # type: ignore[arg-type]
    (student / "span_lexicon.npz").unlink(missing_ok=True)  # no lexicon of an earlier run's thresholds
    if thresholds_from is not None:
        th = json.loads((thresholds_from / "thresholds.json").read_text())
        meta: dict[str, Any] = {"name": f"targets in {path}, thresholds from {thresholds_from}"}
        (student / "thresholds.json").write_text(json.dumps(th))
        if (thresholds_from / "span_lexicon.npz").exists():  # export checks thresholds that weigh one
            shutil.copy(thresholds_from / "span_lexicon.npz", student / "span_lexicon.npz")
    else:
        tdir = teacher or default_model_dir()
        meta = read_meta(tdir)
        if meta["files"].get("span_lexicon"):
            shutil.copy(tdir / meta["files"]["span_lexicon"]["name"], student / "span_lexicon.npz")
        (student / "thresholds.json").write_text(
            json.dumps(
                {"thresholds": meta["thresholds"], "teacher": meta["name"], "teacher_tuning": meta["tuning"]}
            )
        )
    d = json.loads((run / "data.json").read_text())
    d.update(
        distilled_from=meta["name"],
        init=str(init),
        init_member=init_member,
        keep_layers=keep_layers,
        w_kd=w_kd,
        unlabeled_docs=unlabeled,
        epochs=epochs,
    )
    (student / "data.json").write_text(json.dumps(d, indent=2))
    return export(
        [student], base, out or run / f"model{suffix}", thresholds_from=student, command=command, name=name
    )
