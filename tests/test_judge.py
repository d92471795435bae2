"""The span judge's input encoding, its probability mix and how the decoder uses its verdicts
(``spinlens._judge``; the judge model itself is tested built, in ``test_accurate_model.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from spinlens._judge import CLS, LEFT_MARK, RIGHT_MARK, SEP, JudgeRun, encode_spans, mix_probs
from spinlens.model import TokenScores, decode_spans
from spinlens.taxonomy import TECHNIQUE_IDS

T = len(TECHNIQUE_IDS)


def _tokens(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n one-character tokens with ids 1000.. at offsets 2i..2i+1 (a space between)."""
    return np.arange(1000, 1000 + n), np.array([(2 * i, 2 * i + 1) for i in range(n)])


def test_a_span_is_marked_in_its_context():
    ids, off = _tokens(10)
    [(seq, ms, me)] = encode_spans(ids, off, [(6, 11)])  # tokens 3..5
    assert seq.tolist()[:9] == [CLS, 1000, 1001, 1002, LEFT_MARK, 1003, 1004, 1005, RIGHT_MARK]
    assert seq[ms] == LEFT_MARK and seq[me] == RIGHT_MARK
    assert seq.tolist()[me + 1 :] == [1006, 1007, 1008, 1009, SEP]


def test_context_and_long_spans_are_cut_to_the_budget():
    ids, off = _tokens(300)
    [(seq, ms, me)] = encode_spans(ids, off, [(2 * 100, 2 * 199 + 1)], max_span=64, max_left=5, max_right=3)
    assert ms == 6 and seq[1:6].tolist() == list(range(1095, 1100))  # the 5 tokens before the span
    span = seq[ms + 1 : me].tolist()
    assert len(span) == 64
    assert span[:48] == list(range(1100, 1148)) and span[48:] == list(range(1184, 1200))  # first 48, last 16
    assert seq[me + 1 : -1].tolist() == [1200, 1201, 1202] and seq[-1] == SEP


def test_a_span_between_tokens_is_an_empty_marked_span():
    ids, off = _tokens(4)
    [(seq, ms, me)] = encode_spans(ids, off, [(3, 4)])  # the space after token 1
    assert me == ms + 1 and seq[ms] == LEFT_MARK and seq[me] == RIGHT_MARK


def test_the_mix_runs_from_the_tagger_to_the_judge():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(T), size=3)
    q = rng.dirichlet(np.ones(T + 1), size=3)
    assert np.allclose(mix_probs(p, q, 0.0), p, atol=1e-6)
    assert np.allclose(mix_probs(p, q, 1.0), q[:, 1:] / q[:, 1:].sum(1, keepdims=True), atol=1e-6)
    half = mix_probs(p, q, 0.5)
    assert np.allclose(half.sum(1), 1.0)
    expected = np.sqrt(p * q[:, 1:])
    assert np.allclose(half, expected / expected.sum(1, keepdims=True), atol=1e-6)


def test_judge_settings_outside_0_1_are_refused():
    with pytest.raises(ValueError, match="t_j"):
        JudgeRun(lambda text, spans: None, {"t_m": 0.4, "t_j": 1.5, "weight": 0.5})


def _scores(text: str, inside: list[tuple[int, int]], p: float) -> TokenScores:
    """One token per word of ``text``; the words in the ``inside`` token ranges have P(I) ``p``."""
    import re

    off = np.array([(m.start(), m.end()) for m in re.finditer(r"\S+", text)])
    bio = np.tile([0.98, 0.01, 0.01], (len(off), 1))
    for a, b in inside:
        bio[a] = [1 - p, p, 0.0]
        bio[a + 1 : b + 1] = [1 - p, 0.0, p]
    H = 4
    return TokenScores(off, bio, np.full((len(off), T), 1.0 / T), [np.zeros((len(off), H), np.float32)])


def _head(favour: int) -> dict[str, np.ndarray]:
    """A span head (on [first; last; mean] of 4-wide hidden states) always favouring technique ``favour``."""
    b2 = np.zeros(T, np.float32)
    b2[favour] = 3.0
    z = np.zeros
    return {"w1": z((12, 2), np.float32), "b1": z(2, np.float32), "w2": z((2, T), np.float32), "b2": b2}


def test_the_decoder_keeps_the_spans_the_judge_finds_a_technique_in_and_mixes_the_labels():
    text = "they are vile traitors and we love the sunny weather today"
    scores = _scores(text, [(2, 3), (8, 9)], 0.7)  # "vile traitors", "sunny weather"
    th = {"inside": 0.5, "split_b": 0.5, "multi": 2.0, "span_min": 0.9}
    name_calling = TECHNIQUE_IDS.index("Name_Calling-Labeling")
    loaded = TECHNIQUE_IDS.index("Loaded_Language")
    head = _head(loaded)
    # without a judge, span_min 0.9 keeps nothing (mean P(in) 0.7)
    assert decode_spans(text, scores, [head], th) == []
    seen = []

    def score(t, spans):
        seen.append(list(spans))
        out = np.zeros((len(spans), T + 1), np.float32)
        for i, (s, e) in enumerate(spans):
            if "traitors" in t[s:e]:
                out[i, 1 + name_calling] = 0.9
                out[i, 0] = 0.1
            else:
                out[i, 0] = 0.95
                out[i, 1 + loaded] = 0.05
        return out

    judge = JudgeRun(score, {"t_m": 0.5, "t_j": 0.5, "weight": 1.0})
    spans = decode_spans(text, scores, [head], th, judge=judge)
    assert seen == [[(9, 22), (39, 52)]]  # both candidates (t_m 0.5 replaces span_min) were judged
    assert [(s.start, s.end, s.technique) for s in spans] == [(9, 22, "Name_Calling-Labeling")]
    # weight 0: the judge filters, the span head labels
    judge0 = JudgeRun(score, {"t_m": 0.5, "t_j": 0.5, "weight": 0.0})
    assert [s.technique for s in decode_spans(text, scores, [head], th, judge=judge0)] == ["Loaded_Language"]
