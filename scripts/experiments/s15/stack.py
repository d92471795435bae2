"""Session 15: other ways to combine the tagger's and the judge's out-of-fold outputs on PTC train (no dev).

    stack.py si   [RUN EXAMPLES]   a keep model for SI (RUN/keep_cv.json)
    stack.py tc   [RUN EXAMPLES]   per-technique TC weights (RUN/tc_cv.json)
    stack.py echo [RUN EXAMPLES]   paraphrase features for Repetition in the TC calibration
    stack.py rep  [RUN EXAMPLES]   recurring phrases added to the SI spans (RUN/rep_si.json)
    stack.py r3   [RUN EXAMPLES]   recurring phrases chosen by a regression (RUN/r3_cv.json; R3_GBM=1)
    stack.py techw [RUN EXAMPLES]  the token head's vote in the TC calibration (RUN/techw_cv.json)

RUN EXAMPLES default to runs/g14/J2 .carry/sj2 (session 14's judge J2 and its examples). RESULTS.md section 2,
"Session 15" declares each rule before its figure and reports them; none went into the product."""

from __future__ import annotations

import functools
import json
import os
import random
import re
import sys
from pathlib import Path

import numpy as np

from spinlens.evaluation import si_scores
from spinlens.model import char_to_token_span
from spinlens.training.pipeline import _decode_no_head, load_tune_scores

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s14"))
from oof import CF, judgements, tc_base_rows  # noqa: E402


def _ptc_class_index() -> np.ndarray:
    from spinlens.taxonomy import CANONICAL_TO_PTC14, PTC14_LABELS, TECHNIQUE_IDS

    return np.array(
        [PTC14_LABELS.index(CANONICAL_TO_PTC14[t]) if CANONICAL_TO_PTC14[t] else len(PTC14_LABELS)
         for t in TECHNIQUE_IDS]
    )  # fmt: skip


#: the PTC-14 class (14: outside PTC-14) of each canonical technique
_PTC_CLASS = _ptc_class_index()


def keep_features(
    p_bio: np.ndarray, p_tech: np.ndarray, tok: tuple[int, int] | None, conf: float, verdict: np.ndarray
) -> np.ndarray:
    """The keep model's features of one candidate span (RESULTS.md section 2, session 15): the tagger's
    ``conf`` (its mean P(in) as decoded) and, over the span's tokens ``tok`` (inclusive), max / min P(in),
    P(B) of the first token, log token count, the token technique head's top probability; the judge's
    ``verdict`` (``[24]``: none + canonical) as the log-odds of some technique, its top technique's
    probability among the techniques, their entropy, whether its top technique is the token head's, and
    that technique's PTC-14 class (one-hot, 15 with "outside PTC-14")."""
    if tok is None:
        p_in = np.array([conf], np.float32)
        b0, n, tech = 0.0, 1, np.full(p_tech.shape[1], 1.0 / p_tech.shape[1], np.float32)
    else:
        a, b = tok
        p_in = p_bio[a : b + 1, 1] + p_bio[a : b + 1, 2]
        b0, n = float(p_bio[a, 1]), b - a + 1
        tech = p_tech[a : b + 1].astype(np.float32).mean(0)
    pn = float(np.clip(verdict[0], 1e-6, 1 - 1e-6))
    q = verdict[1:] / max(float(verdict[1:].sum()), 1e-12)
    top = int(q.argmax())
    onehot = np.zeros(15, np.float32)
    onehot[_PTC_CLASS[top]] = 1.0
    head = [
        conf, float(p_in.max()), float(p_in.min()), b0, float(np.log(n)),
        float(tech.max() / max(tech.sum(), 1e-12)),
        float(np.log((1 - pn) / pn)), float(q[top]), float(-(q * np.log(np.clip(q, 1e-9, 1))).sum()),
        float(top == int(tech.argmax())),
    ]  # fmt: skip
    return np.concatenate([np.asarray(head, np.float32), onehot])


#: words too common to tell a paraphrase (:func:`echo_features`)
_ECHO_STOP = frozenset(
    "a an the we us you your they them their he she it its his her i me my this that these those and or but "
    "of in on at to for with by from as is are was were be been am do does did not no so if then than there "
    "here who whom which what when where why how all any some has have had will would can could should "
    "just also more most very said says".split()
)
_ECHO_WORD = re.compile(r"[^\W\d_]+")
_ECHO_SENT = re.compile(r"[^.!?\n]+")


def _stems(text: str) -> list[str]:
    return [w[:5] for w in (m.lower() for m in _ECHO_WORD.findall(text)) if w not in _ECHO_STOP]


@functools.lru_cache(maxsize=64)
def _sentence_stems(text: str) -> tuple[tuple[int, int, frozenset[str]], ...]:
    return tuple((m.start(), m.end(), frozenset(_stems(m.group()))) for m in _ECHO_SENT.finditer(text))


def echo_features(text: str, start: int, end: int) -> np.ndarray:
    """How much of ``text[start:end]`` is said again elsewhere in the article, word for word or not (for
    the Repetition label, beside :func:`repetition_features`): the share of its content-word stems (lower
    case, first 5 letters) found outside the span, the best share within one sentence that does not
    overlap it (0 under 2 stems), and whether that share is 1."""
    stems = set(_stems(text[start:end]))
    if not stems:
        return np.zeros(3, dtype=np.float32)
    outside = set(_stems(text[:start])) | set(_stems(text[end:]))
    best = 0.0
    if len(stems) >= 2:
        for s, e, words in _sentence_stems(text):
            if e <= start or s >= end:
                best = max(best, len(stems & words) / len(stems))
    return np.array([len(stems & outside) / len(stems), best, float(best == 1.0)], dtype=np.float32)


def load(run: Path, ex: Path):
    arts, scores, gold, ts = load_tune_scores(CF)
    th = json.loads((CF / "thresholds.json").read_text())["thresholds"]
    J = judgements(run, ex)
    rows = []  # (aid, s, e, conf, judge probs, token run)
    for a in sorted(ts):
        for sp in _decode_no_head(arts[a]["text"], ts[a], dict(th, span_min=0.0)):
            tok = char_to_token_span(scores[a]["offsets"], sp.start, sp.end)
            rows.append((a, sp.start, sp.end, sp.score, J[a, sp.start, sp.end, 1], tok))
    return arts, scores, gold, ts, th, rows


def inside_fraction(s: int, e: int, gold: list[tuple[int, int]]) -> float:
    m = np.zeros(e - s, bool)
    for gs, ge in gold:
        lo, hi = max(s, gs), min(e, ge)
        if lo < hi:
            m[lo - s : hi - s] = True
    return float(m.mean()) if e > s else 0.0


def features(ts, row) -> np.ndarray:
    a, s, e, conf, q, tok = row
    return keep_features(ts[a].p_bio, ts[a].p_tech, tok, conf, q)


def cv_threshold(X, y, aid, ids, si, make_model, pool=None, shuffles=3, folds=5) -> list[float]:
    """Article-level cross-validation of "keep a row iff P(keep) >= t" (RESULTS.md section 2, session 15):
    per fold, ``make_model()`` is fitted on the training articles' rows of ``pool`` (standardised ``X``, the
    soft target ``y`` as sample weights), ``t`` (0.05..0.95) chosen by ``si(mask, article ids)`` on those
    articles, then applied to the held ones. Returns ``si`` of all articles, one per shuffle."""
    pool = np.ones(len(X), bool) if pool is None else pool
    grid = np.arange(0.05, 0.951, 0.025).round(3)
    res = []
    for shuffle in range(shuffles):
        order = ids[:]
        random.Random(shuffle).shuffle(order)
        keep = np.zeros(len(X), bool)
        chosen = []
        for f in range(folds):
            held = set(order[f::folds])
            in_held = np.isin(aid, list(held))
            tr, te = np.where(pool & ~in_held)[0], np.where(pool & in_held)[0]
            mu, sd = X[tr].mean(0), X[tr].std(0) + 1e-6
            m = make_model().fit(
                np.concatenate([(X[tr] - mu) / sd] * 2),
                np.r_[np.ones(len(tr)), np.zeros(len(tr))],
                sample_weight=np.r_[y[tr], 1 - y[tr]],
            )
            p = np.zeros(len(X))
            p[pool] = m.predict_proba((X[pool] - mu) / sd)[:, 1]
            tr_ids = [a for a in ids if a not in held]
            best = max(grid, key=lambda t: si(pool & ~in_held & (p >= t), tr_ids))
            chosen.append(float(best))
            keep[te] = p[te] >= best
        res.append(si(keep, ids))
        print(f"  shuffle {shuffle}: SI {res[-1]:.4f}, thresholds {chosen}, kept {keep.sum()}", flush=True)
    return res


def main_si(run: Path, ex: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    arts, scores, gold, ts, th, rows = load(run, ex)
    X = np.stack([features(ts, r) for r in rows])
    y = np.array([inside_fraction(r[1], r[2], gold[r[0]]) for r in rows])
    conf = np.array([r[3] for r in rows])
    pnone = np.array([r[4][0] for r in rows])
    ids = sorted(ts)
    print(f"{len(rows)} candidates, {X.shape[1]} features; mean inside {y.mean():.3f}", flush=True)

    def si(mask, subset=None) -> float:
        pred = {a: [] for a in (ids if subset is None else subset)}
        for r, k in zip(rows, mask):
            if k and r[0] in pred:
                pred[r[0]].append((r[1], r[2]))
        return si_scores(pred, {a: gold[a] for a in pred}).f1

    old = si((conf >= 0.4) & (1 - pnone >= 0.1))
    print(f"session 14 rule (t_m 0.4, t_j 0.1), same candidate pool: SI {old:.4f}", flush=True)

    aid = np.array([r[0] for r in rows])
    out = {}
    for tm in (0.2, 0.3, 0.4):
        res = cv_threshold(
            X, y, aid, ids, si, lambda: LogisticRegression(C=1.0, max_iter=2000), pool=conf >= tm
        )
        out[tm] = (float(np.mean(res)), res)
        print(f"t_m {tm}: CV SI {np.mean(res):.4f} {np.round(res, 4)}", flush=True)
    (run / "keep_cv.json").write_text(json.dumps({"old": old, "cv": out}, indent=1))


def tc_rows(run: Path, ex: Path):
    """Session 14's tuning spans (``oof.tc_base_rows``) as arrays by field, articles in id order, with the
    Repetition features: ``aid``, ``s``, ``e``, ``lab``, ``p`` (tagger), ``tp`` (token head), ``lx`` (fold
    lexicon), ``q`` (judge), ``F``."""
    from spinlens.model import repetition_features

    arts, scores, _, _ = load_tune_scores(CF)
    rows = sorted(tc_base_rows(arts, scores, judgements(run, ex)), key=lambda r: r[0])
    names = ("aid", "text", "s", "e", "lab", "p", "tp", "lx", "q")
    R = {k: [r[i] for r in rows] for i, k in enumerate(names)}
    R["F"] = [repetition_features(r[1], r[2], r[3]) for r in rows]
    del R["text"]
    return {k: (np.asarray(v) if k not in ("aid", "lab") else v) for k, v in R.items()}


def fit_tc(R, idx, lam: float | None, a0=0.3, b0=0.7, lex_w=1.0, iters=1500, lr=0.1, l2=0.01, tech_w=0.0):
    """bias_k (+ per-technique a_k, b_k pulled to a0 / b0 with strength ``lam``; None: fixed a0 / b0)."""
    from spinlens.taxonomy import PTC14_TO_CANONICAL, TECHNIQUE_IDS

    T = len(TECHNIQUE_IDS)
    rep = TECHNIQUE_IDS.index("Repetition")
    lp, lq = np.log(np.clip(R["p"][idx], 1e-7, 1)), np.log(np.clip(R["q"][idx], 1e-7, 1))
    lx, F = R["lx"][idx] * lex_w, R["F"][idx]
    if tech_w:  # the token head's vote, at a fixed weight
        lx = lx + tech_w * np.log(np.clip(R["tp"][idx], 1e-7, 1))
    allowed = np.zeros((len(idx), T), bool)
    for i, j in enumerate(idx):
        for c in PTC14_TO_CANONICAL[R["lab"][j]]:
            allowed[i, TECHNIQUE_IDS.index(c)] = True
    a, b, bias, w = np.full(T, a0), np.full(T, b0), np.zeros(T), np.zeros(F.shape[1])
    n = len(idx)
    for _ in range(iters):
        z = a * lp + b * lq + lx + bias
        z[:, rep] += F @ w
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        qa = np.where(allowed, p, 0.0)
        qa /= qa.sum(1, keepdims=True).clip(1e-12)
        g = p - qa
        bias -= lr * (g.mean(0) + l2 * bias)
        w -= lr * (F.T @ g[:, rep] / n + l2 * w)
        if lam is not None:
            a -= lr * ((g * lp).mean(0) + lam * (a - a0))
            b -= lr * ((g * lq).mean(0) + lam * (b - b0))
    return {"a": a, "b": b, "bias": bias, "rep_w": w, "lex_w": lex_w, "tech_w": tech_w}


def predict_tc(R, idx, m) -> list[str]:
    from spinlens.evaluation.ptc import to_ptc14_probs
    from spinlens.taxonomy import PTC14_LABELS, TECHNIQUE_IDS

    rep = TECHNIQUE_IDS.index("Repetition")
    z = m["a"] * np.log(np.clip(R["p"][idx], 1e-7, 1)) + m["b"] * np.log(np.clip(R["q"][idx], 1e-7, 1))
    z = z + m["lex_w"] * R["lx"][idx] + m["bias"]
    if m.get("tech_w"):
        z = z + m["tech_w"] * np.log(np.clip(R["tp"][idx], 1e-7, 1))
    z[:, rep] += R["F"][idx] @ m["rep_w"]
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    return [PTC14_LABELS[int(k)] for k in to_ptc14_probs(p).argmax(1)]


def cv_tc(R, lam, shuffles=3, folds=5, tech_w=0.0) -> float:
    from spinlens.evaluation import tc_micro_f1

    ids = sorted(set(R["aid"]))
    aid = np.array(R["aid"])
    res = []
    for sh in range(shuffles):
        order = ids[:]
        random.Random(sh).shuffle(order)
        pred, gold = [], []
        for f in range(folds):
            held = np.isin(aid, order[f::folds])
            tr, te = np.where(~held)[0], np.where(held)[0]
            m = fit_tc(R, tr, lam, tech_w=tech_w)
            for j, lab in zip(te, predict_tc(R, te, m)):
                pred.append((R["aid"][j], int(R["s"][j]), int(R["e"][j]), lab))
                gold.append((R["aid"][j], int(R["s"][j]), int(R["e"][j]), R["lab"][j]))
        res.append(tc_micro_f1(pred, gold))
    return float(np.mean(res))


def main_tc(run: Path, ex: Path) -> None:
    R = tc_rows(run, ex)
    print(f"{len(R['aid'])} tuning spans", flush=True)
    out = {"scalar (session 14's form)": cv_tc(R, None)}
    print(out, flush=True)
    for lam in (1.0, 0.1, 0.01):
        out[f"per-technique, lambda {lam}"] = cv_tc(R, lam)
        print(out, flush=True)
    (run / "tc_cv.json").write_text(json.dumps(out, indent=1))


_WORDS = re.compile(r"\w+(?:['’]\w+)*")


def _phrases(text: str, offsets: np.ndarray, max_words: int) -> dict[str, list[tuple[int, ...]]]:
    """Every phrase of 1..``max_words`` words (joined by blanks or hyphens only) that is not only stop words:
    ``{lower-case phrase: [(start, end, first token, last token, words), ...]}`` over its occurrences."""
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORDS.finditer(text)]
    if not words or len(offsets) == 0:
        return {}
    ws = np.searchsorted(offsets[:, 1], [w[0] for w in words], side="right")
    we = np.maximum(np.searchsorted(offsets[:, 0], [w[1] for w in words], side="left") - 1, ws)
    groups: dict[str, list] = {}
    for i in range(len(words)):
        for n in range(1, max_words + 1):
            j = i + n - 1
            if j >= len(words):
                break
            if n > 1 and text[words[j - 1][1] : words[j][0]] not in (" ", "-"):
                break
            if all(w[2] in _ECHO_STOP for w in words[i : j + 1]):
                continue
            groups.setdefault(" ".join(w[2] for w in words[i : j + 1]), []).append(
                (words[i][0], words[j][1], int(ws[i]), int(we[j]), n)
            )
    return groups


def recurring_terms(text: str, offsets: np.ndarray, p_in: np.ndarray, max_words: int = 3):
    """:func:`_phrases` as ``{phrase: [(start, end, mean P(in)), ...]}``."""
    cs = np.r_[0.0, np.cumsum(p_in)]
    return {
        k: [(s, e, (cs[b + 1] - cs[a]) / (b + 1 - a)) for s, e, a, b, _ in occ]
        for k, occ in _phrases(text, offsets, max_words).items()
    }


def main_rep(run: Path, ex: Path) -> None:
    from spinlens.model import phrase_occurrences

    arts, scores, gold, ts, th, rows = load(run, ex)
    keep = {a: [] for a in ts}
    for a, s, e, c, q, tok in rows:
        if c >= 0.4 and 1 - q[0] >= 0.1:
            keep[a].append((s, e))
    base = si_scores(keep, gold)
    print(f"session 14 rule: {base.f1:.4f}", flush=True)
    res = {}
    # R1: propagate kept phrases of at most n words
    for n in (1, 2, 3, 4, 6, 99):
        pred = {}
        for a in ts:
            t, add = arts[a]["text"], list(keep[a])
            for s, e in keep[a]:
                phrase = t[s:e].strip()
                if phrase and len(_WORDS.findall(phrase)) <= n:
                    occ = phrase_occurrences(t, phrase)
                    add += [o for o in occ if not any(o[0] < y and x < o[1] for x, y in keep[a])]
            pred[a] = add
        r = si_scores(pred, gold)
        res[f"R1 n<={n}"] = (round(r.f1, 4), round(r.precision, 4), round(r.recall, 4))
        print("R1", n, res[f"R1 n<={n}"], flush=True)
    # R2: recurring terms
    terms = {}
    for a in ts:
        sc = scores[a]
        p_in = sc["p_bio"][:, 1].astype(np.float64) + sc["p_bio"][:, 2]
        terms[a] = recurring_terms(arts[a]["text"], sc["offsets"], p_in)
    best = (base.f1, None)
    for m in range(2, 7):
        for x in np.arange(0.2, 0.601, 0.05).round(2):
            pred = {}
            for a in ts:
                add = list(keep[a])
                for occ in terms[a].values():
                    if len(occ) >= m and max(o[2] for o in occ) >= x:
                        add += [(s, e) for s, e, _ in occ if not any(s < y and x0 < e for x0, y in keep[a])]
                pred[a] = add
            r = si_scores(pred, gold)
            res[f"R2 m {m} x {x}"] = (round(r.f1, 4), round(r.precision, 4), round(r.recall, 4))
            if r.f1 > best[0]:
                best = (r.f1, (m, float(x)))
        row = [res[f"R2 m {m} x {x}"][0] for x in np.arange(0.2, 0.601, 0.05).round(2)]
        print("R2 m", m, row, flush=True)
    print("best R2", best)
    (run / "rep_si.json").write_text(json.dumps({"base": base.f1, "grid": res, "best_r2": best}, indent=1))


def main_echo(run: Path, ex: Path) -> None:
    R = tc_rows(run, ex)
    arts = {a["id"]: a for a in json.loads((CF / "tune.json").read_text())}
    E = np.stack([echo_features(arts[a]["text"], s, e) for a, s, e in zip(R["aid"], R["s"], R["e"])])
    print(f"scalar form: TC cv {cv_tc(R, None):.4f}", flush=True)
    print(f"with the echo features: TC cv {cv_tc(dict(R, F=np.concatenate([R['F'], E], 1)), None):.4f}")


_QUOTES = "\"“‘'«"


def recurring_candidates(text, offsets, p_in, p_rep, kept, max_words: int = 4):
    """R3's candidates: ``[(start, end, features[14])]``, every occurrence not overlapping a ``kept`` span
    of a phrase of 1..``max_words`` words (not only stop words) that occurs at least twice in ``text``."""
    groups = _phrases(text, offsets, max_words)
    if not groups:
        return []
    cs, cr = np.r_[0.0, np.cumsum(p_in)], np.r_[0.0, np.cumsum(p_rep)]
    sents = [(m.start(), m.end()) for m in _ECHO_SENT.finditer(text)] or [(0, len(text))]
    sent_starts = np.array([s for s, _ in sents])
    sent_kept = np.zeros(len(sents), bool)
    sent_pin = np.zeros(len(sents))
    for k, (s, e) in enumerate(sents):
        sent_kept[k] = any(a < e and s < b for a, b in kept)
        t = (offsets[:, 0] < e) & (offsets[:, 1] > s)
        sent_pin[k] = float(p_in[t].mean()) if t.any() else 0.0
    out = []
    for occ in groups.values():
        if len(occ) < 2:
            continue
        means = [(cs[b + 1] - cs[a]) / (b + 1 - a) for _, _, a, b, _ in occ]
        in_kept = [any(x < e and s < y for x, y in kept) for s, e, *_ in occ]
        for k, ((s, e, a, b, n), m) in enumerate(zip(occ, means)):
            if in_kept[k]:
                continue
            sk = int(np.searchsorted(sent_starts, s, side="right") - 1)
            others = len(occ) - 1
            feats = [
                m, float(p_in[a : b + 1].max()), (cr[b + 1] - cr[a]) / (b + 1 - a), max(means),
                float(np.log(len(occ))), float(n), (sum(in_kept) - in_kept[k]) / others, float(k == 0),
                s / max(1, len(text)), float(text[s].isupper()), float(text[s:e].isupper()),
                float(s > 0 and text[s - 1] in _QUOTES), float(sent_kept[sk]), sent_pin[sk],
            ]  # fmt: skip
            out.append((s, e, np.asarray(feats, np.float32)))
    return out


def main_r3(run: Path, ex: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    from spinlens.taxonomy import TECHNIQUE_IDS

    rep = TECHNIQUE_IDS.index("Repetition")
    arts, scores, gold, ts, th, rows = load(run, ex)
    ids = sorted(ts)
    kept = {a: [] for a in ids}
    for a, s, e, c, q, tok in rows:
        if c >= 0.4 and 1 - q[0] >= 0.1:
            kept[a].append((s, e))
    cands = []
    for a in ids:
        sc = scores[a]
        p_in = sc["p_bio"][:, 1].astype(np.float64) + sc["p_bio"][:, 2]
        p_rep = sc["p_tech"][:, rep].astype(np.float64)
        found = recurring_candidates(arts[a]["text"], sc["offsets"], p_in, p_rep, kept[a])
        cands += [(a, s, e, f) for s, e, f in found]
    X = np.stack([c[3] for c in cands])
    y = np.array([inside_fraction(c[1], c[2], gold[c[0]]) for c in cands])
    cand_aid = np.array([c[0] for c in cands])
    print(f"{len(cands)} candidates, mean inside {y.mean():.3f}, > half in: {(y > 0.5).sum()}", flush=True)

    def si(mask, subset) -> float:
        pred = {a: list(kept[a]) for a in subset}
        for c, k in zip(cands, mask):
            if k and c[0] in pred:
                pred[c[0]].append((c[1], c[2]))
        return si_scores(pred, {a: gold[a] for a in pred}).f1

    print(f"kept alone: {si(np.zeros(len(cands), bool), ids):.4f}", flush=True)

    def make_model():
        if os.environ.get("R3_GBM"):  # a diagnostic, not the declared model
            from sklearn.ensemble import HistGradientBoostingClassifier

            return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)
        return LogisticRegression(C=1.0, max_iter=3000)

    res = cv_threshold(X, y, cand_aid, ids, si, make_model)
    print(f"R3 CV SI {np.mean(res):.4f}")
    name = "r3_gbm_cv.json" if os.environ.get("R3_GBM") else "r3_cv.json"
    (run / name).write_text(json.dumps({"cv": float(np.mean(res)), "shuffles": res}, indent=1))


def main_techw(run: Path, ex: Path) -> None:
    R = tc_rows(run, ex)
    out = {"0": cv_tc(R, None)}
    for tw in (0.25, 0.5, 1.0):
        out[str(tw)] = cv_tc(R, None, tech_w=tw)
        print(out, flush=True)
    (run / "techw_cv.json").write_text(json.dumps(out, indent=1))


COMMANDS = {
    "si": main_si, "tc": main_tc, "echo": main_echo, "techw": main_techw, "rep": main_rep, "r3": main_r3,
}  # fmt: skip

if __name__ == "__main__":
    args = sys.argv[2:] or ["runs/g14/J2", ".carry/sj2"]
    COMMANDS[sys.argv[1]](Path(args[0]), Path(args[1]))
