"""Session 14: a span judge for the `accurate` model (issue 8; RESULTS.md section 2, "Session 14").

The tagger proposes candidate spans; a second all-mpnet-base-v2, fine-tuned on the span *in its context with
markers* (``... left [ span ] right ...``), says whether a candidate is a technique at all ("none" or one of
the 23 canonical techniques) and which. Trained on the gold spans of PTC train, SemEval-2023 EN train and
PTC-18 (PTC dev articles dropped from all three) and on the candidates the session-12 fold models propose
on PTC train out of fold (those touching no PTC gold span: "none"). Three fold models (the folds of
``runs/g12/crossfit``) give out-of-fold judgements of every PTC train candidate and gold span, for tuning;
a fourth, on everything, is the judge to ship.

    judge.py build --out .carry/sj                    # here: examples.npz (MiniLM-space token ids)
    judge.py device --run .carry/sj --teacher .carry/mpnet --base .carry/mtok --out $OUT   # GPU
    judge.py unpack FOLDER --run runs/g14/sj --teacher .carry/mpnet --base .carry/mtok       # here
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT / "src", ROOT / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
T0 = time.time()
MAX_SPAN, MAX_LEFT, MAX_RIGHT = 64, 48, 32
PART = 15_000_000
#: with a budget, the speed is measured over these steps; the scoring after training is given this long
PROBE_FROM, PROBE_TO, SCORE_SECONDS = 10, 40, 30


def log(msg: str) -> None:
    print(f"[{time.time() - T0:6.0f}s] {msg}", flush=True)


def multi_hot(labels) -> np.ndarray:
    """A training target: 24 flags, "none" (column 0) and the canonical techniques ``labels`` allows."""
    from spinlens.taxonomy import TECHNIQUE_IDS

    y = np.zeros(len(TECHNIQUE_IDS) + 1, np.uint8)
    for t in labels:
        y[1 + TECHNIQUE_IDS.index(t)] = 1
    return y


def label(s: int, e: int, gold) -> tuple[int, np.ndarray]:
    """A span against an article's gold spans ``(start, end, canonical techniques)``: ``(0, "none")`` when it
    touches none, ``(1, their techniques)`` when at least half of it is inside gold, ``(2, nothing)`` (not
    trained on) in between."""
    over = [(max(0, min(e, g1) - max(s, g0)), lab) for g0, g1, lab in gold]
    total = sum(o for o, _ in over)
    if total == 0:
        y = multi_hot([])
        y[0] = 1
        return 0, y
    if total >= 0.5 * (e - s):
        return 1, multi_hot({t for o, lab in over if o > 0 for t in lab})
    return 2, multi_hot([])


def build(a: argparse.Namespace, encoder=None, more=None) -> dict[str, list]:
    """The training examples (``a.out``/examples.npz): the gold spans of the training sources (kind 0), then,
    per PTC train article, the fold models' candidates (kinds 1-3: :func:`label` + 1). ``encoder(ids,
    offsets, text, spans)``: the judge's inputs (default :func:`spinlens._judge.encode_spans` with ``a``'s
    budget); ``more(article, text, gold, candidates, seen)``: extra examples of the article, ``{kind: [(span,
    target)]}`` (kinds 4-6, 6 saved as 3, not trained on; ``kind6`` keeps them apart). Returns the rows."""
    from tokenizers import Tokenizer

    from spinlens._judge import encode_spans
    from spinlens.datasets import read_ptc
    from spinlens.taxonomy import PTC14_TO_CANONICAL
    from spinlens.training.data import load_sources
    from spinlens.training.pipeline import _decode_no_head, load_tune_scores

    if encoder is None:

        def encoder(ids, off, text, spans):
            return encode_spans(ids, off, spans, MAX_SPAN, a.max_left, a.max_right)

    tok = Tokenizer.from_file(str(Path(a.base) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    cf = Path(a.crossfit)
    fold_of = json.loads((cf / "data.json").read_text())["tune_folds"]
    th = json.loads((cf / "thresholds.json").read_text())["thresholds"]
    dev_ids = {x.id for x in read_ptc("dev", a.data).articles}
    arts = load_sources(["ptc", "semeval2023", "ptc18"], a.data, dev_ids)
    rows: dict[str, list] = {k: [] for k in ("ids", "ms", "me", "y", "art", "src", "kind", "s", "e", "fold")}
    art_text: dict[tuple[str, str], str] = {}

    def add(art, src, by_kind: dict[int, list]) -> None:
        text = art_text[art, src]
        enc = tok.encode(text, add_special_tokens=False)
        ids, off = np.asarray(enc.ids), np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        for kind, items in by_kind.items():
            spans = [sp for sp, _ in items]
            for (seq, ms, me), (s, e), (_, y) in zip(encoder(ids, off, text, spans), spans, items):
                for k, v in (("ids", seq), ("ms", ms), ("me", me), ("y", y), ("art", art), ("src", src),
                             ("kind", kind), ("s", s), ("e", e), ("fold", fold_of.get(art, -1))):  # fmt: skip
                    rows[k].append(v)

    for x in arts:
        if x.id not in fold_of:
            raise SystemExit(f"training article {x.id} has no fold in {cf}/data.json")
        art_text[x.id, x.source] = x.text
        add(x.id, x.source, {0: [((s, e), multi_hot(t)) for s, e, t in x.spans]})
    # candidates of the fold models on PTC train, out of fold (kind 1: none, 2: mostly inside gold, 3: other)
    tarts, _, _, ts = load_tune_scores(cf)
    cand_th = dict(th, span_min=0.0)
    for aid in sorted(ts):
        text = tarts[aid]["text"]
        assert art_text[aid, "ptc"] == text, aid
        gold = [(s, e, PTC14_TO_CANONICAL[lab]) for s, e, lab in tarts[aid]["spans"]]
        by_kind: dict[int, list] = {1: [], 2: [], 3: []}
        cands = list(_decode_no_head(text, ts[aid], cand_th))
        for c in cands:
            k, y = label(c.start, c.end, gold)
            by_kind[1 + k].append(((c.start, c.end), y))
        if more is not None:
            seen = {(s, e) for s, e, _ in gold} | {(c.start, c.end) for c in cands}
            by_kind.update(more(aid, text, gold, cands, seen))
        add(aid, "ptc", {k: v for k, v in by_kind.items() if v})
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    lens = [len(x) for x in rows["ids"]]
    kind = np.asarray(rows["kind"], np.int8)
    extra = {"kind6": kind} if (kind > 3).any() else {}
    np.savez_compressed(
        out / "examples.npz",
        flat=np.concatenate(rows["ids"]).astype(np.int32),
        lens=np.asarray(lens, np.int32),
        ms=np.asarray(rows["ms"], np.int32),
        me=np.asarray(rows["me"], np.int32),
        y=np.stack(rows["y"]),
        art=np.asarray(rows["art"]),
        src=np.asarray(rows["src"]),
        kind=np.where(kind == 6, 3, kind).astype(np.int8),
        s=np.asarray(rows["s"], np.int32),
        e=np.asarray(rows["e"], np.int32),
        fold=np.asarray(rows["fold"], np.int8),
        **extra,
    )
    counts = {int(k): int((kind == k).sum()) for k in np.unique(kind)}
    size = f"{sum(lens)} tokens, max {max(lens)}"
    log(f"{len(lens)} examples of {len(arts)} articles (by kind {counts}); {size}; {out}")
    return rows


def load_examples(path: Path) -> dict:
    z = dict(np.load(path, allow_pickle=False))
    cuts = np.concatenate([[0], np.cumsum(z["lens"])])
    z["seqs"] = [z["flat"][cuts[i] : cuts[i + 1]] for i in range(len(z["lens"]))]
    return z


# ---------------------------------------------------------------- the model (torch; GPU side and unpack)


def make_model(teacher: str, base: str):
    """The judge (:func:`spinlens.training.judge.make_judge`: the module the device run trained)."""
    from spinlens.training.judge import make_judge

    return make_judge(teacher, base)


def _batches(idx: list[int], lens: np.ndarray, tokens: int, rng) -> list[list[int]]:
    """Batches of similar length (at most ``tokens`` padded tokens each), in random order."""
    idx = sorted(idx, key=lambda i: (lens[i], rng.random()))
    out, cur = [], []
    for i in idx:
        if cur and (len(cur) + 1) * max(lens[i], lens[cur[0]]) > tokens:
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def _tensors(z: dict, b: list[int], dev: str):
    import torch

    L = max(len(z["seqs"][i]) for i in b)
    ids = np.zeros((len(b), L), np.int64)
    mask = np.zeros((len(b), L), np.int64)
    for r, i in enumerate(b):
        ids[r, : len(z["seqs"][i])] = z["seqs"][i]
        mask[r, : len(z["seqs"][i])] = 1
    t = lambda x: torch.as_tensor(x, device=dev)  # noqa: E731
    return t(ids), t(mask), t(z["ms"][b].astype(np.int64)), t(z["me"][b].astype(np.int64))


def score(model, z: dict, idx: list[int], dev: str) -> np.ndarray:
    import torch

    model.eval()
    out = np.zeros((len(idx), 24), np.float32)
    pos = {i: r for r, i in enumerate(idx)}
    with torch.no_grad(), torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
        for b in _batches(idx, z["lens"], 8192, np.random.default_rng(0)):
            p = torch.softmax(model(*_tensors(z, b, dev)).float(), -1).cpu().numpy()
            for r, i in enumerate(b):
                out[pos[i]] = p[r]
    return out


def train_one(a: argparse.Namespace) -> None:
    """One judge: fold ``a.fold`` held out (or -1: everything), then its scores of the held-out PTC train
    examples (a fold) or a probe (the full judge)."""
    import torch

    from spinlens.training.fit import set_seed

    run = Path(a.run)
    name = f"k{a.fold}" if a.fold >= 0 else "full"
    out = run / name
    out.mkdir(parents=True, exist_ok=True)
    z = load_examples(run / "examples.npz")
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    set_seed(a.seed)
    model = make_model(a.teacher, a.base).to(dev)
    train = [i for i in range(len(z["lens"])) if z["kind"][i] != 3 and (a.fold < 0 or z["fold"][i] != a.fold)]
    if a.limit:
        train = train[: a.limit]
    y = torch.as_tensor(z["y"], dtype=torch.bool)
    enc = [p for n_, p in model.named_parameters() if n_.startswith("encoder.")]
    head = [p for n_, p in model.named_parameters() if not n_.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc, "lr": a.lr}, {"params": head, "lr": 1e-3}], weight_decay=0.01)
    rng = np.random.default_rng(a.seed)
    plan = [_batches(train, z["lens"], a.batch_tokens, rng) for _ in range(a.epochs)]
    # the schedule's length; with a budget it is cut, once the speed is measured, to the steps that fit, so
    # that the learning rate still anneals to 0 (session 16: a slower device stopped judges mid-schedule)
    sched_len = {"total": sum(len(p) for p in plan)}

    def lr_at(step: int) -> float:
        total = sched_len["total"]
        return min(1.0, step / max(1, 0.06 * total)) * max(0.0, (total - step) / max(1, 0.94 * total))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    log(f"{name}: {len(train)} training examples, {sched_len['total']} steps, {dev}")
    took = 0.0
    step, t_probe, fitted = 0, None, False
    for ep, batches in enumerate(plan, 1):
        if step >= sched_len["total"]:
            break
        if a.budget and not fitted and time.time() - T0 + took > a.budget:
            log(f"{name}: no time for epoch {ep} (budget {a.budget:.0f}s): stopping after {ep - 1}")
            break
        model.train()
        t = time.time()
        tot = 0.0
        n_ep = 0
        for b in batches:
            if step >= sched_len["total"]:
                break
            if a.budget and fitted and time.time() - T0 > a.budget:  # the estimate was wrong: stop anyway
                log(f"{name}: past the budget at step {step} of {sched_len['total']}: stopping")
                sched_len["total"] = step
                break
            if a.budget and step == PROBE_FROM:
                t_probe = time.time()
            elif a.budget and step == PROBE_TO and t_probe is not None:
                per_step = (time.time() - t_probe) / (PROBE_TO - PROBE_FROM)
                fits = step + int((a.budget - SCORE_SECONDS - (time.time() - T0)) / per_step)
                planned, fitted = sched_len["total"], True
                if fits < planned:
                    log(f"{name}: {per_step:.3f}s a step: the schedule is cut to the {fits} steps that fit "
                        f"the budget (of {planned}; {a.epochs * fits / planned:.2f} epochs)")  # fmt: skip
                    sched_len["total"] = max(step + 1, fits)
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
                logits = model(*_tensors(z, b, dev)).float()
            lp = torch.log_softmax(logits, -1)
            allowed = y[b].to(dev)
            loss = -(torch.logsumexp(lp.masked_fill(~allowed, -1e4), -1)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            n_ep += 1
            tot += float(loss.detach())
        took = time.time() - t
        log(f"{name}: epoch {ep}/{a.epochs} loss {tot / max(1, n_ep):.4f} ({n_ep} steps, {took:.0f}s)")
    model.float()
    if a.fold >= 0:
        held = [i for i in range(len(z["lens"])) if z["src"][i] == "ptc" and z["fold"][i] == a.fold]
        held = held[: a.limit] if a.limit else held
        np.savez(out / "scores.tmp.npz", idx=np.asarray(held), p=score(model, z, held, dev))
        (out / "scores.tmp.npz").replace(out / "scores.npz")
    else:
        probe = list(range(0, len(z["lens"]), max(1, len(z["lens"]) // 16)))[:16]
        np.savez(out / "probe.npz", idx=np.asarray(probe), p=score(model, z, probe, dev))
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, out / "state.pt")
    log(f"{name}: done")


def device(a: argparse.Namespace) -> None:
    from device_crossfit import join_teacher

    join_teacher(Path(a.teacher))
    run = Path(a.run)
    procs = []
    for k in a.folds_to_run:
        lf = open(run / f"k{k}.log", "w")
        cmd = [sys.executable, __file__, "one", "--run", a.run, "--teacher", a.teacher, "--base", a.base,
               "--fold", str(k), "--epochs", str(a.epochs), "--lr", str(a.lr),
               "--batch-tokens", str(a.batch_tokens), "--seed", str(a.seed),
               "--budget", str(a.deadline - 60)]  # fmt: skip
        procs.append(subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT))
    deadline = a.deadline
    while any(p.poll() is None for p in procs):
        if time.time() - T0 > deadline:
            for p in procs:
                p.kill()
            log("deadline passed: killed")
            break
        time.sleep(3)
    for k in a.folds_to_run:
        print((run / f"k{k}.log").read_text()[-1500:], flush=True)
    pack(a)


def pack(a: argparse.Namespace) -> None:
    import torch

    from spinlens.training.delta import load_base, pack_delta

    run = Path(a.run)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        for p in (
            sorted(run.glob("k*/scores.npz")) + sorted(run.glob("*.log")) + sorted(run.glob("*/probe.npz"))
        ):
            add(str(p.relative_to(run)), p.read_bytes())
        if (run / "full" / "state.pt").exists():
            st = torch.load(run / "full" / "state.pt", map_location="cpu")
            state = {k: (v.float() if v.is_floating_point() else v).numpy() for k, v in st.items()}
            b = io.BytesIO()
            np.savez_compressed(b, **pack_delta(state, load_base(a.teacher), bits=a.bits))
            add("full/delta.npz", b.getvalue())
            log(f"full judge: delta {len(b.getvalue()) / 1e6:.1f} MB ({a.bits} bits)")
    raw = buf.getvalue()
    Path(a.out).mkdir(parents=True, exist_ok=True)
    for i in range(0, len(raw), PART):
        (Path(a.out) / f"judge.tar.part{i // PART:02d}").write_bytes(raw[i : i + PART])
    log(f"packed {len(raw) / 1e6:.1f} MB in {(len(raw) + PART - 1) // PART} parts")


def unpack(a: argparse.Namespace) -> None:

    parts = sorted(Path(a.folder).glob("judge.tar.part*"))
    raw = b"".join(p.read_bytes() for p in parts)
    run = Path(a.run)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        tar.extractall(run, filter="data")
    log(f"unpacked {len(raw) / 1e6:.1f} MB into {run}")
    if (run / "full" / "delta.npz").exists():
        from spinlens.modelbuild import apply_delta  # noqa: F401  (the shipped builder's own code)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", default=".carry/sj")
    b.add_argument("--base", default=".carry/mtok")
    b.add_argument("--crossfit", default="runs/g12/crossfit")
    b.add_argument("--data", default=None)
    b.add_argument("--max-left", type=int, default=MAX_LEFT)
    b.add_argument("--max-right", type=int, default=MAX_RIGHT)
    for name in ("device", "one"):
        d = sub.add_parser(name)
        d.add_argument("--run", default=".carry/sj")
        d.add_argument("--teacher", default=".carry/mpnet")
        d.add_argument("--base", default=".carry/mtok")
        d.add_argument("--out", default="out")
        d.add_argument("--epochs", type=int, default=3)
        d.add_argument("--lr", type=float, default=3e-5)
        d.add_argument("--batch-tokens", type=int, default=6144)
        d.add_argument("--seed", type=int, default=13)
        d.add_argument("--fold", type=int, default=-1)
        d.add_argument("--limit", type=int, default=0)
        d.add_argument("--bits", type=int, default=4)
        d.add_argument("--deadline", type=float, default=500)
        d.add_argument("--budget", type=float, default=0)
        d.add_argument("--folds-to-run", type=lambda s: [int(x) for x in s.split(",")], default=[0, 1, 2, -1])
    u = sub.add_parser("unpack")
    u.add_argument("folder")
    u.add_argument("--run", default="runs/g14/sj")
    u.add_argument("--teacher", default=".carry/mpnet")
    u.add_argument("--base", default=".carry/mtok")
    a = ap.parse_args()
    {"build": build, "device": device, "one": train_one, "unpack": unpack}[a.cmd](a)


if __name__ == "__main__":
    main()
