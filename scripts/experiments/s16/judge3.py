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
    """``../s14/judge.py``'s examples with the repeats segment, plus the other occurrences of each PTC train
    article's gold phrases and candidates' phrases (candidates of mean P(in) >= ``PROPAGATE_MIN``)."""
    from judge import build as build_examples
    from judge import label

    def encoder(ids, off, text, spans):
        others = other_occurrences(text, spans)
        return encode_with_repeats(ids, off, spans, a.max_left, a.max_right, others, REPEATS)

    def more(aid, text, gold, cands, seen) -> dict[int, list]:
        by_kind: dict[int, list] = {4: [], 5: [], 6: []}
        sources = [(s, e) for s, e, _ in gold] + [(c.start, c.end) for c in cands if c.score >= PROPAGATE_MIN]
        for occ in other_occurrences(text, sources):
            for s, e in occ:
                if (s, e) not in seen:
                    seen.add((s, e))
                    k, y = label(s, e, gold)
                    by_kind[4 + k].append(((s, e), y))
        return by_kind

    rows = build_examples(a, encoder, more)
    with_rep = sum(1 for x, m in zip(rows["ids"], rows["me"]) if 102 in x[m:][:-1].tolist())
    log(f"{with_rep} examples with a repeats segment")


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
