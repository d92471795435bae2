"""Session 16: the span judge with the span's other occurrences in the article (issue 8; RESULTS.md section 2,
"Session 16").

Session 14's judge J2 (``../s14/judge.py``) reads a span in 80 / 56 tokens of context; session 15 found SI's
largest hole in Repetition, whose evidence is elsewhere in the article. J3 = J2 whose input also holds, after
the [SEP], the span's other occurrences (:func:`repeat_segment`: their number, the 3 nearest,
each "earlier" / "later" with 6 tokens each side), and whose training data also holds the other occurrences
of PTC train's gold and candidate phrases (kind 4: touching no gold, "none"; 5: at least half inside gold,
its techniques; 6: in between, not trained on), so that it learns which repeats annotators mark.

    judge3.py build --out .carry/sj3      # here: examples.npz; then ../s14/judge.py device --run .carry/sj3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT / "src", ROOT / "scripts", ROOT / "scripts" / "experiments" / "s14"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
T0 = time.time()
REPEATS = (3, 6, 8)  # occurrences, context tokens each side, tokens of each occurrence
PROPAGATE_MIN = 0.2  # candidates whose phrases are propagated: mean P(in) at least this


#: MiniLM ids of "earlier", "later" and "0" (the digits "1".."9" follow it): the repeats segment's words
EARLIER, LATER, DIGIT0 = 3041, 2101, 1014
CLS, SEP, LEFT_MARK, RIGHT_MARK = 101, 102, 1031, 1033


def log(msg: str) -> None:
    print(f"[{time.time() - T0:6.0f}s] {msg}", flush=True)


def other_occurrences(text: str, spans) -> list[list[tuple[int, int]]]:
    """For each character span, the other places its phrase (stripped) occurs in ``text``
    (``spinlens.model.phrase_occurrences``: whole words, any case; those overlapping the span left out)."""
    from spinlens.model import phrase_occurrences

    out = []
    for s, e in spans:
        phrase = text[s:e].strip()
        occ = phrase_occurrences(text, phrase) if phrase else []
        out.append([(a, b) for a, b in occ if not (a < e and s < b)])
    return out


def repeat_segment(ids, off, start: int, others, repeats: int, width: int, cap: int) -> list[int]:
    """The span's other occurrences as a second segment: their number (a digit, at most 9), then the
    ``repeats`` nearest in text order, each "earlier" / "later", ``width`` tokens of context each side and
    the occurrence between markers (at most ``cap`` tokens: its first and last halves), closed by [SEP].
    Empty when the phrase occurs once."""
    if not others or repeats <= 0:
        return []
    near = sorted(sorted(others, key=lambda o: (abs(o[0] - start), o[0]))[:repeats])
    seg = [DIGIT0 + min(len(others) + 1, 9)]
    for s, e in near:
        inside = np.nonzero((off[:, 1] > s) & (off[:, 0] < e))[0]
        if len(inside) == 0:
            continue
        i, j = int(inside[0]), int(inside[-1]) + 1
        occ = ids[i:j]
        if len(occ) > cap:
            occ = np.concatenate([occ[: cap - cap // 2], occ[len(occ) - cap // 2 :]])
        seg += [EARLIER if s < start else LATER, *ids[max(0, i - width) : i], LEFT_MARK, *occ, RIGHT_MARK]
        seg += [*ids[j : j + width], SEP]
    return [int(x) for x in seg]


def encode_with_repeats(ids, off, spans, max_left: int, max_right: int, others, repeats):
    """J2's input (``spinlens._judge.encode_spans``: ``[CLS] left [ span ] right [SEP]``) followed by
    :func:`repeat_segment`."""
    from spinlens._judge import encode_spans

    rows = encode_spans(ids, off, spans, 64, max_left, max_right)
    return [
        (np.concatenate([seq, np.asarray(repeat_segment(ids, off, s, o, *repeats), np.int64)]), ms, me)
        for (seq, ms, me), (s, _), o in zip(rows, spans, others)
    ]


def build(a: argparse.Namespace) -> None:
    from tokenizers import Tokenizer

    from spinlens.datasets import read_ptc
    from spinlens.taxonomy import PTC14_TO_CANONICAL, TECHNIQUE_IDS
    from spinlens.training.data import load_sources
    from spinlens.training.pipeline import _decode_no_head, load_tune_scores

    tidx = {t: i + 1 for i, t in enumerate(TECHNIQUE_IDS)}  # 0 = none
    tok = Tokenizer.from_file(str(Path(a.base) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    cf = Path(a.crossfit)
    fold_of = json.loads((cf / "data.json").read_text())["tune_folds"]
    th = json.loads((cf / "thresholds.json").read_text())["thresholds"]
    dev_ids = {x.id for x in read_ptc("dev", a.data).articles}
    arts = load_sources(["ptc", "semeval2023", "ptc18"], a.data, dev_ids)
    rows: dict[str, list] = {k: [] for k in ("ids", "ms", "me", "y", "art", "src", "kind", "s", "e", "fold")}
    enc_cache: dict = {}

    def add(art, src, kind, spans, ys):
        text = art_text[art, src]
        if (art, src) not in enc_cache:
            enc = tok.encode(text, add_special_tokens=False)
            enc_cache.clear()
            off = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            enc_cache[art, src] = (np.asarray(enc.ids), off)
        ids, off = enc_cache[art, src]
        others = other_occurrences(text, spans)
        rows_ = encode_with_repeats(ids, off, spans, a.max_left, a.max_right, others, REPEATS)
        for (seq, ms, me), (s, e), y in zip(rows_, spans, ys):
            rows["ids"].append(seq)
            rows["ms"].append(ms)
            rows["me"].append(me)
            rows["y"].append(y)
            rows["art"].append(art)
            rows["src"].append(src)
            rows["kind"].append(kind)
            rows["s"].append(s)
            rows["e"].append(e)
            rows["fold"].append(fold_of.get(art, -1))

    def multi_hot(labels) -> np.ndarray:
        y = np.zeros(len(TECHNIQUE_IDS) + 1, np.uint8)
        for t in labels:
            y[tidx[t]] = 1
        return y

    def label(s, e, gold):
        over = [(max(0, min(e, g1) - max(s, g0)), lab) for g0, g1, lab in gold]
        total = sum(o for o, _ in over)
        if total == 0:
            y = multi_hot([])
            y[0] = 1
            return 0, y
        if total >= 0.5 * (e - s):
            return 1, multi_hot({t for o, lab in over if o > 0 for t in lab})
        return 2, multi_hot([])

    art_text = {}
    for x in arts:
        if x.id not in fold_of:
            raise SystemExit(f"training article {x.id} has no fold in {cf}/data.json")
        art_text[x.id, x.source] = x.text
        add(x.id, x.source, 0, [(s, e) for s, e, _ in x.spans], [multi_hot(t) for _, _, t in x.spans])
    tarts, _, _, ts = load_tune_scores(cf)
    cand_th = dict(th, span_min=0.0)
    n = dict.fromkeys(range(1, 7), 0)
    for aid in sorted(ts):
        text = tarts[aid]["text"]
        assert art_text[aid, "ptc"] == text, aid
        gold = [(s, e, PTC14_TO_CANONICAL[lab]) for s, e, lab in tarts[aid]["spans"]]
        by_kind: dict[int, list] = {k: [] for k in range(1, 7)}
        seen = {(s, e) for s, e, _ in tarts[aid]["spans"]}
        cands = list(_decode_no_head(text, ts[aid], cand_th))
        for c in cands:
            k, y = label(c.start, c.end, gold)
            by_kind[1 + k].append(((c.start, c.end), y))
            seen.add((c.start, c.end))
        # the other occurrences of gold phrases and of candidates' phrases (kinds 4-6)
        sources = [(s, e) for s, e, _ in tarts[aid]["spans"]] + [
            (c.start, c.end) for c in cands if c.score >= PROPAGATE_MIN
        ]
        for occ in other_occurrences(text, sources):
            for s, e in occ:
                if (s, e) in seen:
                    continue
                seen.add((s, e))
                k, y = label(s, e, gold)
                by_kind[4 + k].append(((s, e), y))
        for k in range(1, 7):
            n[k] += len(by_kind[k])
            if by_kind[k]:
                add(aid, "ptc", k, [sp for sp, _ in by_kind[k]], [y for _, y in by_kind[k]])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    lens = [len(x) for x in rows["ids"]]
    kind = np.asarray(rows["kind"], np.int8)
    # kinds 3 and 6 (partly inside gold) are not trained on: s14's judge.py skips kind 3 only
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
        kind6=kind,
        s=np.asarray(rows["s"], np.int32),
        e=np.asarray(rows["e"], np.int32),
        fold=np.asarray(rows["fold"], np.int8),
    )
    with_rep = sum(1 for x, m in zip(rows["ids"], rows["me"]) if 102 in x[m:][:-1].tolist())
    log(
        f"{len(lens)} examples ({(kind == 0).sum()} gold spans of {len(arts)} articles; candidates: "
        f"{n[1]} none, {n[2]} inside gold, {n[3]} partly; propagated: {n[4]} none, {n[5]} inside gold, "
        f"{n[6]} partly); "
        f"{with_rep} with a repeats segment; {sum(lens)} tokens, max {max(lens)}; {out}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", default=".carry/sj3")
    b.add_argument("--base", default=".carry/mtok")
    b.add_argument("--crossfit", default="runs/g12/crossfit")
    b.add_argument("--data", default=None)
    b.add_argument("--max-left", type=int, default=80)
    b.add_argument("--max-right", type=int, default=56)
    a = ap.parse_args()
    {"build": build}[a.cmd](a)


if __name__ == "__main__":
    main()
