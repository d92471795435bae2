"""The span tagger at run time: onnxruntime + tokenizers, no torch.

``SpanTagger`` follows the scikit-learn estimator contract: ``__init__`` stores settings only,
``load`` sets ``_``-suffixed state and returns self, prediction changes no parameter, and use before
``load`` raises :class:`~spinlens.errors.NotFittedError`.

Decoding: a technique-agnostic BIO head finds span boundaries (a token is inside when
P(B)+P(I) exceeds ``thresholds_["inside"]``; runs are split at blank lines and merged across gaps of up to
``thresholds_["merge_gap"]`` tokens within a sentence; with ``thresholds_["span_min"]``, a run is then kept
only if the mean P(B)+P(I) of its tokens, bridged gap tokens included, reaches that: a low ``inside``
finds the extent, ``span_min`` the confident spans; with ``thresholds_["drop_function_words"]``, a span of
function words alone, like "an" or "the", is dropped; with ``thresholds_["trim_edges"]``, each output span
loses a last "and", "the", "of", ..., opening quote or sentence period and a first comma or closing quote,
:func:`spinlens.text.trim_edges`, after its keep decision and label); a span classifier over [first; last;
mean] token states labels each span (softmax over the 23 techniques; further techniques above
``thresholds_["multi"]`` are emitted as overlapping spans); a per-technique token head adds nested spans of
one technique where its probability exceeds that technique's threshold. With ``thresholds_["propagate"]``
> 0, every other occurrence of a found span's phrase in the article is a span too (labelled by the span
classifier in its own context; its span confidence is the found span's times that weight).

A span's ``score`` is P(span) x P(technique | span): the mean P(B)+P(I) of its tokens (the span confidence)
times the calibrated probability of its technique, so that it says how likely this span is *this* technique;
with ``thresholds_["score_map"]`` both go through maps fitted out of fold (:func:`map_scores`)
(earlier versions gave the first label the span confidence alone; benchmarks/confidence.py and
RESULTS section 8 measure what the two mean on PTC dev).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinlens._judge import JudgeRun, SpanJudge, mix_probs
from spinlens._linear import LinearHead, Vectorizer, vocab_array, vocab_list, words
from spinlens._modelmeta import (
    built_recipe_name,
    default_model_dir,
    model_digest,
    read_meta,
    rebuild_advice,
    runtime_files,
    sha256_file,
)
from spinlens._onnx import cpu_session
from spinlens._windows import batch_windows, merge_windows, window_chunks
from spinlens.errors import ModelError, NotFittedError
from spinlens.schema import ModelInfo, TechniqueSpan
from spinlens.taxonomy import CANONICAL_TO_PTC14, PTC14_LABELS, TECHNIQUE_IDS
from spinlens.text import function_words_only, paragraphs, trim_edges

__all__ = [
    "SpanLexicon",
    "SpanTagger",
    "TokenScores",
    "lexicon_class",
    "span_terms",
    "default_model_dir",
    "decode_spans",
    "model_info",
    "span_probs",
]

Forward = Callable[[np.ndarray, np.ndarray], Sequence[np.ndarray]]


def _verify(path: Path, expected: str, rebuild: str | None = None) -> None:
    """Check ``path`` against its sha256; ``rebuild``: how to get a built model's files back (instead of
    reinstalling spinlens, which does not touch them)."""
    if not path.exists():
        fix = rebuild or "reinstall spinlens or run `spinlens export`"
        raise ModelError(f"model file {path} is missing; {fix}")
    got = sha256_file(path)
    if got != expected:
        raise ModelError(
            f"model file {path} has sha256 {got[:12]}..., expected {expected[:12]}...; "
            f"the file is corrupt or was replaced: {rebuild or 'reinstall spinlens'}"
        )


@dataclass
class TokenScores:
    """Per-token model outputs for one text, aligned with ``offsets`` (character offsets)."""

    offsets: np.ndarray  # [n, 2]
    p_bio: np.ndarray  # [n, 3]  O, B, I
    p_tech: np.ndarray  # [n, T]
    hidden: list[np.ndarray]  # one [n, H] array per ensemble member


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz & Stegun 7.1.26 (max abs error 1.5e-7), vectorised."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (
        ((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592
    ) * t * np.exp(-a * a)
    return sign * y


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as torch's default."""
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def span_probs(
    heads: Sequence[dict[str, np.ndarray]],
    hiddens: Sequence[np.ndarray],
    tok_spans: Sequence[tuple[int, int]],
) -> np.ndarray:
    """Technique probabilities for token spans (inclusive token indices) -> ``[k, T]``, averaged over
    the ensemble members (one span head per member, applied to that member's hidden states)."""
    if not tok_spans:
        return np.zeros((0, len(TECHNIQUE_IDS)), dtype=np.float32)
    return np.mean([_span_probs_one(h, x, tok_spans) for h, x in zip(heads, hiddens)], axis=0)


def _span_probs_one(head: dict[str, np.ndarray], hidden: np.ndarray, tok_spans) -> np.ndarray:
    feats = np.stack(
        [np.concatenate([hidden[s], hidden[e], hidden[s : e + 1].mean(0)]) for s, e in tok_spans]
    )
    z = _gelu(feats @ head["w1"] + head["b1"]) @ head["w2"] + head["b2"]
    z = z - z.max(-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(-1, keepdims=True)


# What a span never ends with: none of PTC train's 6,128 gold spans ends in a comma, semicolon or colon, while
# a decoded run ends on such a token when that token is inside ("...infowar outlets," before "paid to").
_TRAILING = frozenset(" \t\r\n,;:")


def _extend_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to whole words, without trailing commas, semicolons, colons or spaces."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while end - start > 1 and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


def token_runs(p_in: np.ndarray, p_b: np.ndarray, inside: float, split_b: float) -> list[tuple[int, int]]:
    """Maximal runs of tokens with ``p_in > inside``, split where a token starts a new span."""
    runs: list[tuple[int, int]] = []
    cur = None
    for i, v in enumerate(p_in):
        if v > inside:
            if cur is not None and p_b[i] > split_b:
                runs.append((cur, i - 1))
                cur = i
            elif cur is None:
                cur = i
        elif cur is not None:
            runs.append((cur, i - 1))
            cur = None
    if cur is not None:
        runs.append((cur, len(p_in) - 1))
    return runs


_SENT_BREAK = re.compile(r"[\n.!?]")


def split_at_blank_lines(
    text: str, offsets: np.ndarray, runs: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Split runs where their tokens fall in different paragraphs (:func:`spinlens.text.paragraphs`: a title
    and its first paragraph, two paragraphs): no gold span of PTC train (6,128), PTC-18 (6,040) or
    SemEval-2023 train (7,201) crosses a blank line. Meme text is different (SemEval-2021 spans cross the
    blank lines between its boxes)."""
    if not runs:
        return runs
    starts = np.array([s for s, _ in paragraphs(text)], dtype=np.int64)
    para = np.searchsorted(starts, offsets[:, 0], side="right")  # paragraph number of each token
    out: list[tuple[int, int]] = []
    for a, b in runs:
        cuts = [i for i in range(a, b) if para[i] != para[i + 1]]
        for start, end in zip([a] + [i + 1 for i in cuts], cuts + [b]):
            out.append((start, end))
    return out


def merge_close_runs(
    text: str, offsets: np.ndarray, runs: list[tuple[int, int]], gap: int
) -> list[tuple[int, int]]:
    """Merge runs at most ``gap`` tokens apart unless a line or sentence break lies between them."""
    if gap <= 0:
        return runs
    out: list[tuple[int, int]] = []
    for r in runs:
        if out and r[0] - out[-1][1] - 1 <= gap:
            between = text[int(offsets[out[-1][1], 1]) : int(offsets[r[0], 0])]
            if not _SENT_BREAK.search(between):
                out[-1] = (out[-1][0], r[1])
                continue
        out.append(r)
    return out


def repetition_features(text: str, start: int, end: int) -> np.ndarray:
    """Features of how often ``text[start:end]`` recurs in the article (for the Repetition label)."""
    frag = text[start:end].strip()
    if not frag:
        return np.zeros(3, dtype=np.float32)
    occ = [s for s, _ in phrase_occurrences(text, frag)]
    n = len(occ)
    later = 1.0 if n >= 2 and occ[0] < start - 1 else 0.0
    return np.array([float(n >= 2), float(np.log1p(n)), later], dtype=np.float32)


def phrase_occurrences(text: str, phrase: str) -> list[tuple[int, int]]:
    """Character spans of ``phrase`` in ``text`` as whole words, any letter case."""
    return list(_phrase_occurrences(text, phrase))


#: The only non-ASCII characters that ``re.IGNORECASE`` matches with an ASCII letter, or whose lower case
#: holds one (checked over all of Unicode): where a text has none, lower-casing it finds an ASCII phrase
#: exactly where the regular expression would.
_CASE_SPECIALS = frozenset("\u0130\u0131\u017f\u212a")


@functools.lru_cache(maxsize=64)
def _lowered(text: str) -> str | None:
    """``text.lower()`` when it lines up with ``text`` character for character and has no special case."""
    low = text.lower()
    return low if len(low) == len(text) and _CASE_SPECIALS.isdisjoint(text) else None


@functools.lru_cache(maxsize=256)
def _phrase_occurrences(text: str, phrase: str) -> tuple[tuple[int, int], ...]:
    # each span's phrase is searched twice (span lexicon terms, TC calibration); compiling one regular
    # expression per phrase cost ~3 % of the pipeline, so ASCII phrases are found with str.find instead
    # (the same matches: tests/test_pipeline.py compares both on PTC articles)
    low = _lowered(text) if phrase and phrase.isascii() else None
    if low is None:
        pattern = r"(?<!\w)" + re.escape(phrase) + r"(?!\w)"
        return tuple(m.span() for m in re.finditer(pattern, text, re.IGNORECASE))
    needle, out, pos = phrase.lower(), [], 0
    while (i := low.find(needle, pos)) >= 0:
        j = i + len(needle)
        if (i == 0 or not _is_word(text[i - 1])) and (j == len(text) or not _is_word(text[j])):
            out.append((i, j))
            pos = j
        else:
            pos = i + 1
    return tuple(out)


def _is_word(c: str) -> bool:
    """``re``'s ``\\w`` for one character."""
    return c.isalnum() or c == "_"


def propagate_spans(
    text: str,
    offsets: np.ndarray,
    char_spans: Sequence[tuple[int, int]],
) -> list[tuple[tuple[int, int], tuple[int, int], int]]:
    """Other occurrences of each found span's phrase in the article, where no span is yet.

    Returns ``(token span, character span, index of the span it copies)`` for each occurrence (whole
    words, any letter case) that overlaps no found span and no earlier occurrence. In PTC train, 63 %
    of the other occurrences of a gold span's phrase lie inside a gold span themselves (RESULTS,
    section 2), so a phrase the model marks once is likely marked again where it recurs.
    """
    taken = sorted(char_spans)
    out: list[tuple[tuple[int, int], tuple[int, int], int]] = []
    done: set[str] = set()
    for i, (s, e) in enumerate(char_spans):
        frag = text[s:e].strip()
        key = frag.lower()
        if len(frag) < 3 or key in done or not any(c.isalnum() for c in frag):
            continue
        done.add(key)
        for ms, me in phrase_occurrences(text, frag):
            if any(a < me and ms < b for a, b in taken):
                continue
            tok = char_to_token_span(offsets, ms, me)
            if tok is None:
                continue
            taken.append((ms, me))
            out.append((tok, (ms, me), i))
    return out


def span_tech_probs(p_tech: np.ndarray, tok_spans: Sequence[tuple[int, int] | None]) -> np.ndarray:
    """Mean token-head technique probabilities over each token span, normalised to sum to 1."""
    T = len(TECHNIQUE_IDS)
    out = np.full((len(tok_spans), T), 1.0 / T, dtype=np.float32)
    for i, t in enumerate(tok_spans):
        if t is not None and len(p_tech):
            m = p_tech[t[0] : t[1] + 1].astype(np.float32).mean(0) + 1e-6
            out[i] = m / m.sum()
    return out


#: the classes of the span lexicon: the 14 PTC techniques, and "Other" for a canonical technique outside them
LEXICON_CLASSES: tuple[str, ...] = (*PTC14_LABELS, "Other")


def lexicon_class(technique_id: str) -> str:
    """The span lexicon's class of a canonical technique (its PTC-14 technique, or Other): what the lexicon
    is trained to predict for a span of that technique, and whose probability it gives the technique."""
    return CANONICAL_TO_PTC14[technique_id] or "Other"


_LEXICON_COLUMN = np.array([LEXICON_CLASSES.index(lexicon_class(t)) for t in TECHNIQUE_IDS], dtype=np.int64)


def span_terms(text: str, start: int, end: int) -> list[str]:
    """The terms the span lexicon reads for ``text[start:end]``: the span's words and word pairs, its first
    and last word, a length bucket, the four words on each side, punctuation and capitals in it, and how often
    the phrase recurs in the article."""
    span = text[start:end]
    w = words(span)
    out = ["w:" + x for x in w] + [f"b:{a} {b}" for a, b in zip(w, w[1:])]
    if w:
        out += ["first:" + w[0], "last:" + w[-1]]
    n = len(w)
    out.append(f"len:{next(k for k, top in enumerate((1, 2, 4, 8, 16, 10**9), 1) if n <= top)}")
    left = words(text[max(0, start - 60) : start])[-4:]
    right = words(text[end : end + 60])[:4]
    out += ["l:" + x for x in left] + ["r:" + x for x in right]
    if left:
        out.append("l1:" + left[-1])
    if right:
        out.append("r1:" + right[0])
    if "!" in span:
        out.append("excl")
    if "?" in span:
        out.append("q")
    if span[:1] in "\"“'" or text[start - 1 : start] in ('"', "“"):
        out.append("quote")
    letters = [c for c in span if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        out.append("caps")
    rf = repetition_features(text, start, end)
    out.append(f"rep:{min(int(np.expm1(rf[1]) + 0.5), 4)}")
    if rf[2]:
        out.append("later")
    return out


class SpanLexicon:
    """What a span's words say about its technique: a TF-IDF + softmax classifier over ``span_terms`` into
    ``LEXICON_CLASSES``, trained on the gold spans of the training corpora. The TC calibration adds its
    log-probabilities, weighted by ``calibration["lex_w"]``, to the span classifier's (a log-linear blend
    fitted on held-out training articles; RESULTS.md section 2).

    Args:
        vectorizer: a ``spinlens._linear.Vectorizer`` over the terms.
        head: a ``spinlens._linear.LinearHead`` with one column per ``LEXICON_CLASSES`` entry.
    """

    def __init__(self, vectorizer: Vectorizer, head: LinearHead) -> None:
        if head.bias.shape != (len(LEXICON_CLASSES),):
            raise ModelError(f"a span lexicon needs {len(LEXICON_CLASSES)} classes, got {head.bias.shape}")
        self.vectorizer = vectorizer
        self.head = head

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SpanLexicon:
        with np.load(path, allow_pickle=False) as z:
            return cls(Vectorizer(vocab_list(z["vocab"]), z["idf"]), LinearHead(z["w"], z["b"], z["s"]))

    def save(self, path: str | os.PathLike[str]) -> None:
        with open(path, "wb") as f:
            np.savez_compressed(
                f,
                vocab=vocab_array(self.vectorizer.vocabulary),
                idf=self.vectorizer.idf,
                w=self.head.weights,
                s=self.head.scale,
                b=self.head.bias,
            )

    def class_log_probs(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """``[k, len(LEXICON_CLASSES)]`` log-probabilities, one row per character span."""
        out = np.zeros((len(spans), len(LEXICON_CLASSES)), dtype=np.float32)
        for i, (s, e) in enumerate(spans):
            z = self.head.decision(*self.vectorizer.transform_terms(span_terms(text, s, e)))
            z = z - z.max()
            out[i] = z - np.log(np.exp(z).sum())
        return out

    def log_probs(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """``[k, 23]``: each canonical technique gets the log-probability of its PTC-14 class (or Other)."""
        return self.class_log_probs(text, spans)[:, _LEXICON_COLUMN]


def calibrate(
    probs: np.ndarray,
    text: str,
    char_spans: Sequence[tuple[int, int]],
    cal: dict | None,
    tech_probs: np.ndarray | None = None,
    lexicon: SpanLexicon | None = None,
) -> np.ndarray:
    """Adjust span-classifier probabilities: a weighted token-head vote, the span lexicon's weighted
    vote, per-technique biases and Repetition features (fitted on held-out training articles by
    ``spinlens.training.pipeline.tune``)."""
    if not cal or len(probs) == 0:
        return probs
    z = np.log(np.clip(probs, 1e-7, 1.0)) + np.asarray(cal["bias"], dtype=np.float32)
    if tech_probs is not None and cal.get("tech_w"):
        z = z + float(cal["tech_w"]) * np.log(np.clip(tech_probs, 1e-7, 1.0))
    if lexicon is not None and cal.get("lex_w"):
        z = z + float(cal["lex_w"]) * lexicon.log_probs(text, char_spans)
    rep = TECHNIQUE_IDS.index("Repetition")
    w = np.asarray(cal["rep_w"], dtype=np.float32)
    for i, (s, e) in enumerate(char_spans):
        z[i, rep] += float(repetition_features(text, s, e) @ w)
    z -= z.max(-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(-1, keepdims=True)


def map_scores(conf: float, probs: np.ndarray, score_map: dict | None) -> tuple[float, np.ndarray]:
    """A span's confidence and its technique probabilities as its ``score`` multiplies them: as they are
    without ``score_map``; with it, the confidence through ``sigmoid(a logit(conf) + b)`` (``span``: [a, b])
    and the probabilities through ``softmax(log p / temperature)``, maps fitted out of fold on PTC train
    (``scripts/experiments/s18/score_maps.py``) so that the score reads as a probability. What is kept
    and how it is labelled do not depend on it."""
    if not score_map:
        return conf, probs
    a, b = (float(x) for x in score_map["span"])
    c = min(max(float(conf), 1e-6), 1.0 - 1e-6)
    p_span = 1.0 / (1.0 + np.exp(-(a * np.log(c / (1.0 - c)) + b)))
    z = np.log(np.clip(probs, 1e-7, 1.0)) / float(score_map["temperature"])
    z = np.exp(z - z.max())
    return float(p_span), z / z.sum()


def _check_score_map(score_map: Any) -> None:
    """``ValueError`` unless ``score_map`` is absent or ``{"span": [a, b], "temperature": T > 0}``."""
    if score_map is None:
        return
    try:
        a, b = (float(x) for x in score_map["span"])
        t = float(score_map["temperature"])
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"score_map {score_map!r} is not {{'span': [a, b], 'temperature': T}}") from exc
    if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(t) and t > 0):
        raise ValueError(f"score_map {score_map!r} has a value that is not a finite number (T > 0)")


def decode_spans(
    text: str,
    scores: TokenScores,
    heads: Sequence[dict[str, np.ndarray]],
    thresholds: dict[str, Any],
    lexicon: SpanLexicon | None = None,
    judge: JudgeRun | None = None,
) -> list[TechniqueSpan]:
    """Turn token scores into technique spans (character offsets into ``text``). With a span ``judge``,
    candidates need the judge's ``t_m`` mean P(in) instead of ``span_min``, the judge drops those it finds
    no technique in, and its technique probabilities join the span head's before its own calibration."""
    if len(scores.offsets) == 0:
        return []
    p_in = scores.p_bio[:, 1] + scores.p_bio[:, 2]
    runs = token_runs(p_in, scores.p_bio[:, 1], float(thresholds["inside"]), float(thresholds["split_b"]))
    runs = split_at_blank_lines(text, scores.offsets, runs)
    runs = merge_close_runs(text, scores.offsets, runs, int(thresholds.get("merge_gap", 0)))
    min_len = int(thresholds.get("min_chars", 2))
    char_spans = [
        _extend_to_words(text, int(scores.offsets[a, 0]), int(scores.offsets[b, 1])) for a, b in runs
    ]
    confs = [float(p_in[a : b + 1].mean()) for a, b in runs]
    # span-level filters: each merged run's mean P(B)+P(I) (bridged gap tokens included) at least
    # ``span_min``, and, with ``drop_function_words``, some word besides "an", "the", ...
    span_min = judge.t_m if judge is not None else float(thresholds.get("span_min", 0.0))
    drop_fw = bool(thresholds.get("drop_function_words"))
    keep = [
        i
        for i, ((s, e), c) in enumerate(zip(char_spans, confs))
        if c >= span_min and not (drop_fw and function_words_only(text[s:e]))
    ]
    if len(keep) < len(runs):
        runs = [runs[i] for i in keep]
        char_spans = [char_spans[i] for i in keep]
        confs = [confs[i] for i in keep]
    copy_w = float(thresholds.get("propagate", 0.0))
    if copy_w > 0:
        for tok, span, src in propagate_spans(text, scores.offsets, char_spans):
            runs.append(tok)
            char_spans.append(span)
            confs.append(confs[src] * copy_w)
    probs = span_probs(heads, scores.hidden, runs)
    calibration = thresholds.get("calibration")
    if judge is not None and char_spans:
        verdict = judge.score(text, char_spans)
        keep = [i for i in range(len(char_spans)) if 1.0 - float(verdict[i, 0]) >= judge.t_j]
        runs = [runs[i] for i in keep]
        char_spans = [char_spans[i] for i in keep]
        confs = [confs[i] for i in keep]
        probs = mix_probs(probs[keep], verdict[keep], judge.weight)
        calibration = judge.calibration
    probs = calibrate(probs, text, char_spans, calibration, span_tech_probs(scores.p_tech, runs), lexicon)
    score_map = judge.score_map if judge is not None else thresholds.get("score_map")
    out: list[TechniqueSpan] = []
    seen: set[tuple[int, int, str]] = set()
    multi = float(thresholds["multi"])
    trim = bool(thresholds.get("trim_edges"))
    placed: set[tuple[int, int]] = set()
    for (s, e), conf, p in zip(char_spans, confs, probs):
        if trim:  # last: the keep decisions and the labels are those of the untrimmed span
            s, e = trim_edges(text, s, e)
            if (s, e) in placed:  # two runs that differed only in their edges
                continue
            placed.add((s, e))
        if e - s < min_len:
            continue
        order = np.argsort(-p)
        p_span, p_tech = map_scores(conf, p, score_map)
        for rank, k in enumerate(order[:3]):
            if rank > 0 and p[k] < multi:
                break
            tid = TECHNIQUE_IDS[int(k)]
            seen.add((s, e, tid))
            out.append(TechniqueSpan(s, e, tid, round(min(1.0, p_span * float(p_tech[k])), 4)))
    tech_thr = thresholds.get("tech")
    if isinstance(tech_thr, dict):
        for k, tid in enumerate(TECHNIQUE_IDS):
            thr = tech_thr.get(tid)
            if thr is None:
                continue
            col = scores.p_tech[:, k]
            for ts, te in token_runs(col, np.zeros_like(col), float(thr), 2.0):
                s, e = int(scores.offsets[ts, 0]), int(scores.offsets[te, 1])
                s, e = _extend_to_words(text, s, e)
                if trim:
                    s, e = trim_edges(text, s, e)
                if e - s < min_len or (drop_fw and function_words_only(text[s:e])):
                    continue
                if any(x[2] == tid and x[0] < e and s < x[1] for x in seen):
                    continue
                seen.add((s, e, tid))
                out.append(TechniqueSpan(s, e, tid, round(float(col[ts : te + 1].mean()), 4)))
    return out


def _rebuild_hint(d: Path) -> str:
    """How to get a working model back in ``d``: a model built from a recipe is built again from it, a
    trained one is reinstalled or retrained. Reads ``model.json`` itself: it may be what is broken."""
    try:
        advice = rebuild_advice(json.loads((d / "model.json").read_text(encoding="utf-8")))
    except Exception:  # no readable model.json
        advice = None
    return advice or "reinstall it or rebuild it with `spinlens train`"


class SpanTagger:
    """Finds technique spans in text and labels given spans.

    Args:
        model_dir: folder with ``model.json``, the ONNX file and ``heads.npz`` (default: shipped model).
        quantized: use the int8 ONNX file when the model folder has one.
        threads: CPU threads to use (None: one per core). With more than one, that many single-threaded
            ONNX runs go side by side (windows of an article, and ensemble members); the spans are the
            same as with one thread.
        batch_size: windows per inference batch (1 is fastest and leanest on a CPU: no padding).
        judge: also run the model's span judge (a built ``accurate`` model has one; ``--model thorough``):
            it drops candidate spans it finds no technique in and joins the technique decision.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        quantized: bool = True,
        threads: int | None = None,
        batch_size: int = 1,
        judge: bool = False,
    ) -> None:
        self.model_dir = model_dir
        self.quantized = quantized
        self.threads = threads
        self.batch_size = batch_size
        self.judge = judge

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> SpanTagger:
        """Load and verify the model files (sha256 of every file used); returns self.

        Raises:
            ModelError: a file is missing, altered or unreadable, or ``model.json`` describes no usable model.
            ValueError: ``batch_size`` or ``threads`` is not a whole number >= 1.
        """
        for name, value in (("batch_size", self.batch_size), ("threads", self.threads)):
            if value is None and name == "threads":
                continue
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                raise ValueError(f"SpanTagger: {name} must be an int >= 1, got {value!r}")
        d = Path(self.model_dir) if self.model_dir else default_model_dir()
        try:
            return self._load(d)
        except (ModelError, NotFittedError):
            raise
        except Exception as exc:  # tokenizers, numpy and json shapes raise their own untyped errors
            raise ModelError(
                f"the model in {d} cannot be used ({type(exc).__name__}: {exc}); {_rebuild_hint(d)}"
            ) from exc

    def _load(self, d: Path) -> SpanTagger:
        meta = read_meta(d)
        files = meta["files"]
        chosen = runtime_files(meta, self.quantized)
        for o, _ in chosen:
            if not (d / o["name"]).exists() and not self.quantized:
                recipe = built_recipe_name(meta)
                how = (
                    f"build it with `spinlens models build {recipe} --keep-fp32`"
                    if recipe
                    else "rebuild it with `spinlens train`"
                )
                raise ModelError(
                    f"the fp32 model {o['name']} is not installed in {d} (only int8 weights ship); "
                    f"use the int8 model (the default) or {how}"
                )
        lexicon_entry = files.get("span_lexicon")
        entries = [files["tokenizer"], *(x for pair in chosen for x in pair)]
        rebuild = rebuild_advice(meta)
        for entry in entries + ([lexicon_entry] if lexicon_entry else []):
            _verify(d / entry["name"], entry["sha256"], rebuild)
        self.lexicon_ = SpanLexicon.from_file(d / lexicon_entry["name"]) if lexicon_entry else None
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(d / files["tokenizer"]["name"]))
        tok.no_truncation()
        tok.no_padding()
        self.tokenizer_ = tok
        self.heads_ = []
        for _, h in chosen:
            z = np.load(d / h["name"])
            self.heads_.append({k: z[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")})
        # a model may carry thresholds of its own for its fp32 weights (`accurate`: the int8 file's were moved
        # to its lower probability scale)
        fp32_th = meta.get("thresholds_fp32") if not self.quantized else None
        self.thresholds_ = dict(fp32_th or meta["thresholds"])
        _check_model(self.heads_, self.thresholds_, meta["window"], self.lexicon_)
        self.meta_ = meta
        self.window_ = (int(meta["window"]["content"]), int(meta["window"]["stride"]))
        # with several threads, whole ONNX runs go side by side (each single-threaded; onnxruntime releases
        # the GIL): windows of one member, and members, at once. For one 256-token MiniLM window a second
        # intra-op thread buys almost nothing on a CPU, a second run nearly doubles the throughput.
        budget = self.threads or os.cpu_count() or 1
        parallel = budget > 1
        self.forwards_ = [
            self._onnx_forward(d / o["name"], 1 if parallel else self.threads) for o, _ in chosen
        ]
        self._pool = ThreadPoolExecutor(budget, thread_name_prefix="spinlens-run") if parallel else None
        self.judge_ = self._load_judge(d, meta) if self.judge else None
        self.info_ = model_info(meta, self.quantized, judge=self.judge)
        return self

    def _load_judge(self, d: Path, meta: dict) -> JudgeRun:
        spec = meta.get("judge")
        if not spec:
            raise ModelError(
                f"the model in {d} has no span judge (a built `accurate` model has one since 2026.11.26.7): "
                "rebuild it with `spinlens models build accurate`"
            )
        entry = spec["files"]["onnx_int8" if self.quantized else "onnx"]
        if not (d / entry["name"]).exists():
            raise ModelError(
                f"the span judge's fp32 file {entry['name']} is not installed in {d}: build it with "
                "`spinlens models build accurate --keep-fp32`, or use --model thorough (int8)"
            )
        _verify(d / entry["name"], entry["sha256"], rebuild_advice(meta))
        run = SpanJudge(d / entry["name"], spec["budget"], 1 if self._pool else self.threads)
        tok, pool = self.tokenizer_, self._pool

        def score(text: str, spans: list[tuple[int, int]]) -> np.ndarray:
            enc = tok.encode(text, add_special_tokens=False)
            return run(np.asarray(enc.ids), np.asarray(enc.offsets).reshape(-1, 2), spans, pool)

        judge = JudgeRun(score, spec["settings"])
        _check_calibration(judge.calibration, self.lexicon_)  # as the tagger's (one bias per technique, ...)
        _check_score_map(judge.score_map)
        return judge

    def _onnx_forward(self, path: Path, threads: int | None) -> Forward:
        sess = cpu_session(path, threads)

        if "attention_mask" in {i.name for i in sess.get_inputs()}:  # models exported before 2026.11.26.4

            def forward(ids: np.ndarray, mask: np.ndarray):
                return sess.run(None, {"input_ids": ids, "attention_mask": mask})

            return forward

        def forward_unmasked(ids: np.ndarray, mask: np.ndarray):
            # the graph attends to every position: a padded batch runs row by row, each without its padding
            if mask.all():
                return sess.run(None, {"input_ids": ids})
            lengths = mask.sum(axis=1).astype(int)
            rows = [sess.run(None, {"input_ids": ids[i : i + 1, :n]}) for i, n in enumerate(lengths)]
            width = ids.shape[1]

            def padded(a: np.ndarray) -> np.ndarray:
                return np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2))

            return [np.concatenate([padded(r[k]) for r in rows]) for k in range(len(rows[0]))]

        return forward_unmasked

    def _check(self) -> None:
        if not hasattr(self, "forwards_"):
            raise NotFittedError("this SpanTagger is not loaded yet; call .load() first")

    @property
    def info(self) -> ModelInfo:
        self._check()
        return self.info_

    # -- prediction ----------------------------------------------------------------------------
    def score_tokens(self, text: str) -> TokenScores:
        """Run the encoder over ``text`` in overlapping windows (no truncation)."""
        self._check()
        enc = self.tokenizer_.encode(text, add_special_tokens=False)
        offsets = np.array(enc.offsets, dtype=np.int64).reshape(-1, 2)
        if len(enc.ids) == 0:
            T = len(TECHNIQUE_IDS)
            return TokenScores(offsets, np.zeros((0, 3)), np.zeros((0, T)), [np.zeros((0, 1))])
        content, stride = self.window_
        ids = enc.ids
        chunks = window_chunks(len(ids), content, stride, self.batch_size)
        tasks = [(f, c) for f in self.forwards_ for c in chunks]  # member by member: its weights stay cached

        def run(task: tuple[Forward, list[tuple[int, int]]]) -> Sequence[np.ndarray]:
            f, chunk = task
            return f(*batch_windows(ids, chunk))

        done = list(self._pool.map(run, tasks)) if self._pool else [run(t) for t in tasks]
        k = len(chunks)
        outs = [
            merge_windows(len(ids), chunks, done[m * k : (m + 1) * k]) for m in range(len(self.forwards_))
        ]
        p_bio = np.mean([o[0] for o in outs], axis=0)
        p_tech = np.mean([o[1] for o in outs], axis=0)
        return TokenScores(offsets, p_bio, p_tech, [o[2] for o in outs])

    def predict(self, text: str) -> list[TechniqueSpan]:
        """Find technique spans in ``text``."""
        return self.predict_scores(text, self.score_tokens(text))

    def predict_scores(self, text: str, scores: TokenScores) -> list[TechniqueSpan]:
        return decode_spans(text, scores, self.heads_, self.thresholds_, self.lexicon_, self.judge_)

    def classify(
        self, text: str, spans: Sequence[tuple[int, int]], scores: TokenScores | None = None
    ) -> np.ndarray:
        """Technique probabilities ``[k, 23]`` for given character spans, using their context."""
        self._check()
        if scores is None:
            scores = self.score_tokens(text)
        return classify_with_scores(
            self.heads_, scores, spans, text, self.thresholds_.get("calibration"), self.lexicon_, self.judge_
        )


def _check_model(
    heads: list[dict[str, np.ndarray]], thresholds: dict, window: dict, lexicon: SpanLexicon | None = None
) -> None:
    """``ValueError`` unless the span heads, thresholds, window and span lexicon of a model fit together."""
    T = len(TECHNIQUE_IDS)
    for h in heads:
        w1, b1, w2, b2 = h["w1"], h["b1"], h["w2"], h["b2"]
        if not (w1.ndim == 2 and w1.shape[0] % 3 == 0 and b1.shape == (w1.shape[1],)):
            raise ValueError(f"span head of shapes {w1.shape}, {b1.shape} does not fit [first; last; mean]")
        if w2.shape != (w1.shape[1], T) or b2.shape != (T,):
            raise ValueError(f"span head output {w2.shape}, {b2.shape} is not {T} techniques")
    for key in ("inside", "split_b", "multi"):
        v = float(thresholds[key])
        if not np.isfinite(v):
            raise ValueError(f"threshold {key} is {v}")
    for key in ("merge_gap", "min_chars"):
        int(thresholds.get(key, 0))
    float(thresholds.get("span_min", 0.0))
    float(thresholds.get("propagate", 0.0))
    for key in ("drop_function_words", "trim_edges"):
        if not isinstance(thresholds.get(key, False), bool):
            raise ValueError(f"{key} is {thresholds[key]!r}, not true or false")
    tech = thresholds.get("tech") or {}
    if not isinstance(tech, dict) or any(t not in TECHNIQUE_IDS for t in tech):
        raise ValueError(f"per-technique thresholds {tech!r} name unknown techniques")
    for v in tech.values():
        float(v)
    _check_calibration(thresholds.get("calibration"), lexicon)
    _check_score_map(thresholds.get("score_map"))
    content, stride = int(window["content"]), int(window["stride"])
    if content < 1 or not 1 <= stride <= content:
        raise ValueError(f"windows of {content} tokens every {stride} tokens cannot cover a text")


def _check_calibration(cal: dict | None, lexicon: SpanLexicon | None) -> None:
    """``ValueError`` unless a TC calibration (the tagger's, or its span judge's) fits the model."""
    if cal:
        if len(cal["bias"]) != len(TECHNIQUE_IDS) or len(cal["rep_w"]) != 3:
            raise ValueError(
                "the TC calibration does not have one bias per technique and 3 Repetition weights"
            )
        if float(cal.get("lex_w", 0.0)) and lexicon is None:
            raise ValueError("the TC calibration weights a span lexicon the files do not list")


def model_info(meta: dict, quantized: bool = True, judge: bool = False) -> ModelInfo:
    """Name, version and sha256 of the model that ``meta`` (its ``model.json``) describes. Its fp32 files
    (``quantized=False``, e.g. ``--model accurate-fp32``) carry the version with ``+fp32``: other outputs
    than the int8 files', so analyses say which ran."""
    version = meta["version"] + ("+judge" if judge else "") + ("" if quantized else "+fp32")
    return ModelInfo(name=meta["name"], version=version, sha256=model_digest(meta, quantized, judge))


def char_to_token_span(offsets: np.ndarray, start: int, end: int) -> tuple[int, int] | None:
    inside = np.nonzero((offsets[:, 0] < end) & (offsets[:, 1] > start))[0]
    if len(inside) == 0:
        return None
    return int(inside[0]), int(inside[-1])


def classify_with_scores(
    heads: Sequence[dict[str, np.ndarray]],
    scores: TokenScores,
    spans: Sequence[tuple[int, int]],
    text: str | None = None,
    calibration: dict | None = None,
    lexicon: SpanLexicon | None = None,
    judge: JudgeRun | None = None,
) -> np.ndarray:
    """Technique probabilities for character spans; ``calibration`` needs ``text``. A span ``judge`` (with
    ``text``) joins its technique probabilities to the span head's and brings its own calibration."""
    T = len(TECHNIQUE_IDS)
    out = np.full((len(spans), T), 1.0 / T, dtype=np.float32)
    tok = [char_to_token_span(scores.offsets, s, e) for s, e in spans]
    idx = [i for i, t in enumerate(tok) if t is not None]
    if idx:
        out[idx] = span_probs(heads, scores.hidden, [t for t in tok if t is not None])
    if judge is not None and text is not None and len(spans):
        out = mix_probs(out, judge.score(text, list(spans)), judge.weight)
        calibration = judge.calibration
    if calibration and text is not None:
        out = calibrate(out, text, spans, calibration, span_tech_probs(scores.p_tech, tok), lexicon)
    return out
