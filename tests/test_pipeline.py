"""The core API driven by real taggers: the rule tagger everywhere, the shipped ONNX model where marked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spinlens
from spinlens.errors import InputError
from spinlens.pipeline import Pipeline
from spinlens.rules import RULES, RuleTagger
from spinlens.schema import Analysis, Document, span_sort_key
from spinlens.taxonomy import TECHNIQUE_IDS, is_technique


def _techniques_at(a: Analysis, phrase: str) -> set[str]:
    i = a.document.text.index(phrase)
    j = i + len(phrase)
    return {s.technique for s in a.spans if s.start <= i and j <= s.end}


# -- the tagger contract: every tagger, same checks ------------------------------------------------------
@pytest.fixture(scope="module", params=["rules", pytest.param("model", marks=pytest.mark.model)])
def tagger(request):
    if request.param == "rules":
        return RuleTagger()
    from spinlens.model import SpanTagger

    return SpanTagger().load()


def test_tagger_spans_lie_inside_the_text_and_are_known(tagger, example_text):
    spans = tagger.predict(example_text)
    assert spans
    for s in spans:
        assert 0 <= s.start < s.end <= len(example_text)
        assert is_technique(s.technique)
        assert 0.0 <= s.score <= 1.0
        assert example_text[s.start : s.end].strip() == example_text[s.start : s.end]


def test_tagger_is_deterministic(tagger, example_text):
    assert tagger.predict(example_text) == tagger.predict(example_text)


def test_tagger_classify_returns_probabilities_in_taxonomy_order(tagger, example_text):
    spans = [(0, 9), (example_text.index("foreign agents"), example_text.index("foreign agents") + 14)]
    probs = np.asarray(tagger.classify(example_text, spans))
    assert probs.shape == (2, len(TECHNIQUE_IDS))
    assert np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_tagger_info_names_the_model(tagger):
    info = tagger.info
    assert info.name and info.version and len(info.sha256) == 64


# -- the rule tagger ---------------------------------------------------------------------------------------
def test_rule_tagger_finds_labels_loaded_words_and_dilemmas(rule_pipeline):
    a = rule_pipeline.analyze(
        "They are foreign agents and puppets of a traitor. This outrageous plan is a disaster. "
        "Either we act today or we lose everything."
    )
    assert "Name_Calling-Labeling" in _techniques_at(a, "foreign agents")
    assert "Name_Calling-Labeling" in _techniques_at(a, "puppets")
    assert "Name_Calling-Labeling" in _techniques_at(a, "traitor")
    assert "Loaded_Language" in _techniques_at(a, "outrageous")
    assert "Loaded_Language" in _techniques_at(a, "disaster")
    assert "False_Dilemma-No_Choice" in _techniques_at(a, "Either we act today or we lose everything")


def test_rule_tagger_matches_whole_words_only(rule_pipeline):
    a = rule_pipeline.analyze("The puppeteer read a disastrously dull report about regimes of tax.")
    assert not any(s.technique == "Name_Calling-Labeling" for s in a.spans)


def test_rule_tagger_marks_each_occurrence_of_a_repeated_phrase(rule_pipeline):
    text = "Jobs for our towns matter. They promised jobs for our towns. Nobody believed it."
    a = rule_pipeline.analyze(text)
    reps = [a.span_text(s) for s in a.spans if s.technique == "Repetition"]
    assert [r.lower() for r in reps] == ["jobs for our towns", "jobs for our towns"]


def test_rule_tagger_ignores_short_repeated_stop_word_phrases(rule_pipeline):
    a = rule_pipeline.analyze("The rain came and it was cold. Then the wind rose and it was dark.")
    assert [a.span_text(s) for s in a.spans if s.technique == "Repetition"] == []


def test_rule_tagger_classify_prefers_the_matching_technique(example_text):
    t = RuleTagger()
    i = example_text.index("full stop")
    probs = t.classify(example_text, [(i, i + 9)])
    assert TECHNIQUE_IDS[int(probs[0].argmax())] == "Conversation_Killer"


def test_rule_table_uses_only_canonical_ids():
    assert all(is_technique(tid) and 0 < score <= 1 for tid, _, score in RULES)


def test_rule_tagger_provenance_changes_with_its_rules():
    assert RuleTagger().info.sha256 != RuleTagger(repetition=False).info.sha256
    assert RuleTagger().info == RuleTagger().info


# -- the pipeline ------------------------------------------------------------------------------------------
def test_analyze_returns_sorted_spans_and_scored_sentences(rule_pipeline, article):
    a = rule_pipeline.analyze(article)
    assert a.document.text == article
    assert list(a.spans) == sorted(a.spans, key=span_sort_key)
    assert len(a.sentences) == 3
    assert a.sentences[0].score == pytest.approx(0.9)  # "foreign agents" / "traitors"
    assert a.model == RuleTagger().info


def test_analyze_accepts_a_document_and_keeps_its_metadata(rule_pipeline, article):
    doc = Document(article, title="A title", outlet="Daily")
    a = rule_pipeline.analyze(doc)
    assert a.document is doc
    assert Analysis.from_dict(a.to_dict()) == a


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_analyze_rejects_empty_text(rule_pipeline, text):
    with pytest.raises(InputError, match="empty"):
        rule_pipeline.analyze(text)


def test_analyze_rejects_text_over_the_limit():
    with pytest.raises(InputError, match="--max-chars"):
        Pipeline(RuleTagger(), max_chars=10).analyze("a traitor and a puppet")


def test_classify_spans_labels_given_spans(rule_pipeline, article):
    i = article.index("traitors")
    j = article.index("outrageous")
    got = rule_pipeline.classify_spans(article, [(i, i + 8), (j, j + 10)])
    assert [t for t, _ in got] == ["Name_Calling-Labeling", "Loaded_Language"]
    assert all(0 < p <= 1 for _, p in got)
    assert rule_pipeline.classify_spans(article, []) == []


def test_classify_spans_rejects_spans_outside_the_text(rule_pipeline, article):
    with pytest.raises(InputError, match="not inside"):
        rule_pipeline.classify_spans(article, [(0, len(article) + 1)])


def test_public_api_takes_an_injected_pipeline(rule_pipeline, article):
    a = spinlens.analyze(article, pipeline=rule_pipeline)
    assert isinstance(a, spinlens.Analysis)
    assert spinlens.classify_spans(article, [(0, 3)], pipeline=rule_pipeline)[0][0] in TECHNIQUE_IDS


def test_public_surface_is_listed_and_importable():
    for name in spinlens.__all__:
        assert getattr(spinlens, name) is not None
    assert issubclass(spinlens.SpinlensError, Exception)
    assert isinstance(spinlens.__version__, str)
    with pytest.raises(AttributeError):
        spinlens.not_a_name  # noqa: B018


def test_import_and_help_load_no_heavy_module():
    code = (
        "import sys, spinlens\n"
        "from spinlens.cli import app\n"
        "for args in (['--help'], ['analyze', '--help'], ['--version']):\n"
        "    try:\n"
        "        app(args, prog_name='spinlens')\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0, e.code\n"
        "heavy = [m for m in ('numpy', 'onnxruntime', 'tokenizers', 'torch') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "HEAVY="


# -- the shipped model -------------------------------------------------------------------------------------
@pytest.mark.model
def test_shipped_model_names_map_to_folders_and_an_unknown_one_is_refused():
    from spinlens._modelmeta import default_model_dir, shipped_model_dir
    from spinlens.errors import ModelError
    from spinlens.settings import MODELS

    assert shipped_model_dir() == shipped_model_dir("default") == default_model_dir()
    assert shipped_model_dir("fast").parent == default_model_dir()
    assert MODELS == ("default", "fast", "accurate", "accurate-fp32", "thorough", "thorough-fp32", "rules")
    known = "default, fast, accurate, accurate-fp32, thorough, thorough-fp32"
    with pytest.raises(ModelError, match=f"unknown model 'gpt'; choose one of: {known}"):
        shipped_model_dir("gpt")


@pytest.mark.model
@pytest.mark.parametrize("model", ["default", "fast"])
def test_runs_side_by_side_give_the_same_scores_and_spans_as_one_after_the_other(example_text, model):
    from spinlens._modelmeta import shipped_model_dir
    from spinlens.model import SpanTagger

    text = "\n\n".join([example_text] * 4)  # several windows per member
    serial = SpanTagger(shipped_model_dir(model), threads=1).load()
    parallel = SpanTagger(shipped_model_dir(model), threads=2).load()
    assert serial._pool is None and parallel._pool is not None
    a, b = serial.score_tokens(text), parallel.score_tokens(text)
    assert len(a.offsets) > 3 * 254  # more windows than threads
    assert np.array_equal(a.p_bio, b.p_bio) and np.array_equal(a.p_tech, b.p_tech)
    assert all(np.array_equal(x, y) for x, y in zip(a.hidden, b.hidden))
    assert parallel.predict(text) == serial.predict(text)


@pytest.mark.model
def test_padded_batches_on_a_graph_without_a_mask_score_like_one_window_per_run(example_text):
    """The shipped graph has no attention mask (one unpadded window per run): a batch of windows of
    different lengths runs row by row, each without its padding, and must score as one window per run."""
    import onnxruntime as ort

    from spinlens._modelmeta import default_model_dir, read_meta
    from spinlens._windows import plan_windows
    from spinlens.model import SpanTagger

    d = default_model_dir()
    onnx = d / read_meta(d)["files"]["members"][0]["onnx_int8"]["name"]
    assert [i.name for i in ort.InferenceSession(str(onnx)).get_inputs()] == ["input_ids"]
    text = "\n\n".join([example_text] * 3)  # windows of 254 tokens and a shorter last one
    one = SpanTagger(threads=1).load().score_tokens(text)
    batched = SpanTagger(threads=1, batch_size=4).load()
    lengths = {e - s for s, e in plan_windows(len(one.offsets), *batched.window_)}
    assert len(lengths) == 2  # full windows and a shorter one: the batch is padded
    batched = batched.score_tokens(text)
    assert np.allclose(one.p_bio, batched.p_bio, atol=1e-6)
    assert np.allclose(one.p_tech, batched.p_tech, atol=1e-6)
    assert all(np.allclose(x, y, atol=1e-5) for x, y in zip(one.hidden, batched.hidden))


@pytest.mark.data
def test_phrase_search_finds_what_the_regular_expression_finds(data_dir):
    """``phrase_occurrences`` finds ASCII phrases with ``str.find`` on the lower-cased text; it must match
    the case-insensitive whole-word regular expression it replaces, on news text and on the few characters
    whose case rules differ (Kelvin sign, long s, dotted and dotless i)."""
    import re

    from spinlens._linear import words
    from spinlens.datasets import PTC_DIR
    from spinlens.model import _phrase_occurrences, phrase_occurrences

    def regex(text: str, phrase: str) -> list[tuple[int, int]]:
        pattern = r"(?<!\w)" + re.escape(phrase) + r"(?!\w)"
        return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]

    arts = sorted((data_dir / PTC_DIR / "train-articles").glob("*.txt"))[:40]
    checked = 0
    for path in arts:
        text = path.read_text(encoding="utf-8")
        toks = words(text)
        phrases = {" ".join(toks[i : i + n]) for i in range(0, len(toks), 7) for n in (1, 2, 3)}
        phrases |= {"the", "a", "US", "u.s.", "it's", "ha ha", "_", "1"}
        for ph in sorted(phrases):
            assert phrase_occurrences(text, ph) == regex(text, ph), (path.name, ph)
            checked += 1
    assert checked > 1000
    _phrase_occurrences.cache_clear()
    for text, ph in [
        ("The \u212aing and the king", "king"),  # Kelvin sign K
        ("Mi\u017f\u017f the miss", "miss"),  # long s
        ("\u0130stanbul istanbul \u0131stanbul", "istanbul"),  # dotted and dotless i
        ("ha ha ha, haha ha_ha", "ha ha"),
        ("Foo_bar foo bar FOO", "foo"),
        ("caf\u00e9 CAF\u00c9 cafe", "caf\u00e9"),  # a non-ASCII phrase takes the regular expression
    ]:
        assert phrase_occurrences(text, ph) == regex(text, ph), (text, ph)


@pytest.mark.model
def test_model_flags_the_example_insults_and_labels_them_name_calling(example_text):
    """Both insults lie in a found span, and each, classified on its own, is Name_Calling. (The found span
    is "Treacherous foreign agents and shameless infowar outlets, paid to spread panic"; since the span
    lexicon joined the TC calibration it is labelled Loaded_Language, Name_Calling 0.09: RESULTS.md.)"""
    a = spinlens.analyze(example_text)
    for phrase in ("foreign agents", "infowar outlets"):
        t = example_text.index(phrase)
        assert any(s.start <= t and t + len(phrase) <= s.end for s in a.spans), phrase
        label, conf = spinlens.classify_spans(example_text, [(t, t + len(phrase))])[0]
        assert label == "Name_Calling-Labeling" and conf > 0.9, (phrase, label, conf)
    assert a.model is not None and a.model.name.startswith("spinlens-minilm-l6")


def test_propagation_finds_the_other_whole_word_occurrences_of_a_found_phrase():
    from spinlens.model import propagate_spans

    text = "Traitors lie. The traitors! Nontraitors and traitorsX stay. TRAITORS again."
    offsets = np.array([[m.start(), m.end()] for m in __import__("re").finditer(r"\w+|[^\w\s]", text)])
    found = [(text.index("traitors"), text.index("traitors") + 8)]
    got = propagate_spans(text, offsets, found)
    spans = [c for _, c, _ in got]
    assert [text[s:e] for s, e in spans] == ["Traitors", "TRAITORS"]  # any case, whole words only
    assert all(src == 0 for _, _, src in got)
    for (ts, te), (s, e), _ in got:  # token spans cover exactly the occurrence
        assert offsets[ts, 0] == s and offsets[te, 1] == e
    assert propagate_spans(text, offsets, [(0, 2)]) == []  # under three characters: no copies


@pytest.mark.model
def test_decoding_copies_spans_only_when_the_model_asks_for_it(example_text):
    from spinlens.model import SpanTagger, decode_spans

    t = SpanTagger(threads=1).load()
    found = [s for s in t.predict(example_text) if s.end - s.start < 40]
    assert found
    phrase = example_text[found[0].start : found[0].end]
    text = example_text + "\n\nThey repeat: " + phrase + "."
    scores = t.score_tokens(text)
    # the model is made to miss the repeated phrase, so that only a copy can mark it
    tail = scores.offsets[:, 0] >= len(example_text)
    scores.p_bio[tail] = np.array([1.0, 0.0, 0.0], dtype=scores.p_bio.dtype)
    plain = decode_spans(text, scores, t.heads_, t.thresholds_)
    assert "propagate" not in t.thresholds_  # the shipped model does not copy (it lowered dev SI)
    copied = decode_spans(text, scores, t.heads_, dict(t.thresholds_, propagate=0.5))
    assert set(plain) <= set(copied)
    extra = [s for s in copied if s not in plain]
    assert any(s.start == len(text) - 1 - len(phrase) for s in extra)
    for s in extra:  # each copy repeats a found phrase, at most half as confident, on no found span
        assert any(text[s.start : s.end].lower() == text[p.start : p.end].lower() for p in plain)
        assert not any(p.start < s.end and s.start < p.end for p in plain)
        assert s.score <= 0.5


def test_model_digest_names_weights_span_heads_and_thresholds():
    import copy
    import json

    from spinlens._modelmeta import default_model_dir, model_digest

    meta = json.loads((default_model_dir() / "model.json").read_text())
    d = model_digest(meta)
    other = copy.deepcopy(meta)
    other["thresholds"]["inside"] = 0.9
    assert model_digest(other) != d
    other = copy.deepcopy(meta)
    other["files"]["members"][0]["heads"]["sha256"] = "0" * 64
    assert model_digest(other) != d
    assert model_digest(meta, quantized=False) != d
    assert model_digest(copy.deepcopy(meta)) == d


def test_span_min_keeps_only_runs_confident_on_average():
    from spinlens.model import TokenScores, decode_spans
    from spinlens.taxonomy import TECHNIQUE_IDS

    text = "aa bb cc dd ee ff gg"
    offsets = np.array([[i * 3, i * 3 + 2] for i in range(7)], dtype=np.int64)
    p_in = np.array([0.3, 0.3, 0.05, 0.9, 0.7, 0.05, 0.05], dtype=np.float32)
    p_bio = np.stack([1 - p_in, np.zeros(7, np.float32), p_in], 1)
    T = len(TECHNIQUE_IDS)
    scores = TokenScores(offsets, p_bio, np.zeros((7, T), np.float32), [np.zeros((7, 1), np.float32)])
    head = {
        "w1": np.zeros((3, 1), np.float32),
        "b1": np.zeros(1, np.float32),
        "w2": np.zeros((1, T), np.float32),
        "b2": np.zeros(T, np.float32),
    }
    th = {"inside": 0.2, "split_b": 1.1, "merge_gap": 0, "multi": 2.0, "min_chars": 2}
    found = {(s.start, s.end) for s in decode_spans(text, scores, [head], th)}
    assert found == {(0, 5), (9, 14)}  # "aa bb" (mean 0.3) and "dd ee" (mean 0.8)
    kept = {(s.start, s.end) for s in decode_spans(text, scores, [head], dict(th, span_min=0.5))}
    assert kept == {(9, 14)}
    # the filter looks at the mean of the run: a cut-off above the weaker token keeps the whole run
    kept = {(s.start, s.end) for s in decode_spans(text, scores, [head], dict(th, span_min=0.75))}
    assert kept == {(9, 14)}
    assert decode_spans(text, scores, [head], dict(th, span_min=0.85)) == []


def test_spans_are_whole_words_without_a_trailing_comma():
    from spinlens.model import _extend_to_words

    text = "Treacherous foreign agents and shameless infowar outlets, paid to spread panic; fools: so"

    def span(start: int, end: int) -> str:
        return text[slice(*_extend_to_words(text, start, end))]

    comma = text.index(",")
    assert span(2, comma + 1) == "Treacherous foreign agents and shameless infowar outlets"  # whole words
    assert span(comma + 2, text.index(";") + 2) == "paid to spread panic"
    assert span(text.index("fools") + 1, text.index(":") + 1) == "fools"
    assert span(comma, comma + 1) == ","  # a comma alone stays a character (min_chars drops it)


def test_function_word_fragments_are_dropped_only_when_the_thresholds_say_so():
    from spinlens.model import TokenScores, decode_spans, function_words_only
    from spinlens.taxonomy import TECHNIQUE_IDS

    assert function_words_only("an") and function_words_only("It is") and function_words_only(", “")
    assert not function_words_only("our") and not function_words_only("NO")  # gold spans alone, now and then
    assert not function_words_only("an outrageous") and not function_words_only("the so-called")
    # "an" starts a run that splits where "outrageous" begins a new span: the fragment is the case to drop
    text = "It was an outrageous provocation staged for the cameras"
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    offsets = np.array(words, dtype=np.int64)
    n = len(words)
    p_b = np.array([0, 0, 0.3, 0.9, 0, 0, 0, 0, 0], np.float32)
    p_i = np.array([0, 0, 0.3, 0.0, 0.9, 0, 0, 0, 0], np.float32)
    p_bio = np.stack([1 - p_b - p_i, p_b, p_i], 1)
    T = len(TECHNIQUE_IDS)
    tech = np.zeros((n, T), np.float32)
    tech[2, 0] = 0.9  # the per-technique head would add the fragment too
    scores = TokenScores(offsets, p_bio, tech, [np.zeros((n, 1), np.float32)])
    head = {
        "w1": np.zeros((3, 1), np.float32),
        "b1": np.zeros(1, np.float32),
        "w2": np.zeros((1, T), np.float32),
        "b2": np.zeros(T, np.float32),
    }
    th = {
        "inside": 0.2,
        "split_b": 0.5,
        "merge_gap": 0,
        "multi": 2.0,
        "min_chars": 2,
        "tech": {TECHNIQUE_IDS[0]: 0.5},
    }

    def spans(t: dict) -> list[str]:
        return sorted({text[s.start : s.end] for s in decode_spans(text, scores, [head], t)})

    assert spans(th) == ["an", "outrageous provocation"]
    assert spans(dict(th, drop_function_words=True)) == ["outrageous provocation"]


@pytest.mark.parametrize(
    "text, edges",
    [
        ("Treacherous foreign agents and", "Treacherous foreign agents"),
        ("respect the rule of the", "respect the rule"),  # repeatedly
        (", so-called experts.", "so-called experts"),
        ("a disgrace “", "a disgrace"),  # an opening quote left by the next quotation
        ("They lied (", "They lied"),
        ("”, the traitors", "the traitors"),
        ("made in the U.S.", "made in the U.S."),  # the period of an abbreviation stays
        ("ask Dr.", "ask Dr."),
        ("and so on...", "and so on..."),
        ("Stop the steal!", "Stop the steal!"),  # gold spans do end on "!" and "?"
        ("the", "the"),  # nothing but a trimmable word: unchanged (drop_function_words drops it)
        ("it's the", "it's"),
        ("lock-in", "lock-in"),  # "in" inside a word is no last word
    ],
)
def test_trim_edges_takes_off_what_gold_spans_never_end_or_start_with(text, edges):
    from spinlens.text import trim_edges

    s, e = trim_edges(text, 0, len(text))
    assert text[s:e] == edges
    padded = "x " + text + " y"  # offsets are into the text, not the span
    s, e = trim_edges(padded, 2, 2 + len(text))
    assert padded[s:e] == edges


def test_edges_are_trimmed_after_the_keep_decision_only_when_the_thresholds_say_so():
    from spinlens.model import TokenScores, decode_spans
    from spinlens.taxonomy import TECHNIQUE_IDS

    text = "Treacherous foreign agents and shameless infowar outlets, paid to spread panic."
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
    offsets = np.array(words, dtype=np.int64)
    n = len(words)
    p_in = np.zeros(n, np.float32)
    p_in[:4] = 0.9  # "Treacherous foreign agents and"
    p_in[8:12] = 0.9  # "paid to spread panic"
    p_in[12] = 0.9  # "."
    p_bio = np.stack([1 - p_in, np.zeros(n, np.float32), p_in], 1)
    T = len(TECHNIQUE_IDS)
    scores = TokenScores(offsets, p_bio, np.zeros((n, T), np.float32), [np.zeros((n, 1), np.float32)])
    head = {
        "w1": np.zeros((3, 1), np.float32),
        "b1": np.zeros(1, np.float32),
        "w2": np.zeros((1, T), np.float32),
        "b2": np.zeros(T, np.float32),
    }
    head["b2"][0] = 40.0  # one technique, P = 1: the score is the span confidence
    th = {"inside": 0.5, "split_b": 0.5, "merge_gap": 0, "multi": 2.0, "min_chars": 2, "span_min": 0.85}

    def spans(t: dict) -> list[tuple[str, float]]:
        return [(text[s.start : s.end], s.score) for s in decode_spans(text, scores, [head], t)]

    assert spans(th) == [("Treacherous foreign agents and", 0.9), ("paid to spread panic.", 0.9)]
    trimmed = [("Treacherous foreign agents", 0.9), ("paid to spread panic", 0.9)]
    assert spans(dict(th, trim_edges=True)) == trimmed


def test_a_span_score_is_its_confidence_times_its_techniques_probability():
    """P(span) x P(technique | span) for every label of a span, the first one included; a score map changes
    the scores and nothing else (RESULTS section 8)."""
    from spinlens.model import TokenScores, _check_model, decode_spans, map_scores

    text = "They are traitors and liars, all of them."
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
    n = len(words)
    p_in = np.zeros(n, np.float32)
    p_in[2:5] = 0.8  # "traitors and liars"
    scores = TokenScores(
        np.array(words, dtype=np.int64),
        np.stack([1 - p_in, np.zeros(n, np.float32), p_in], 1),
        np.zeros((n, len(TECHNIQUE_IDS)), np.float32),
        [np.zeros((n, 1), np.float32)],
    )
    T = len(TECHNIQUE_IDS)
    b2 = np.full(T, -40.0, np.float32)
    name, loaded = TECHNIQUE_IDS.index("Name_Calling-Labeling"), TECHNIQUE_IDS.index("Loaded_Language")
    b2[name], b2[loaded] = np.log(0.6), np.log(0.4)
    head = {
        "w1": np.zeros((3, 1), np.float32),
        "b1": np.zeros(1, np.float32),
        "w2": np.zeros((1, T), np.float32),
    }
    head["b2"] = b2
    th = {"inside": 0.5, "split_b": 0.5, "merge_gap": 0, "multi": 0.35, "min_chars": 2}
    got = [(text[s.start : s.end], s.technique, s.score) for s in decode_spans(text, scores, [head], th)]
    assert got == [
        ("traitors and liars", "Name_Calling-Labeling", pytest.approx(0.48, abs=1e-4)),
        ("traitors and liars", "Loaded_Language", pytest.approx(0.32, abs=1e-4)),
    ]
    smap = {"span": [1.0, 0.0], "temperature": 2.0}  # the confidence as it is, the labels flatter
    p_span, p_tech = map_scores(0.8, np.array([0.6, 0.4]), smap)
    flat = np.sqrt([0.6, 0.4])
    assert p_span == pytest.approx(0.8) and p_tech == pytest.approx(flat / flat.sum())
    mapped = decode_spans(text, scores, [head], dict(th, score_map=smap))
    assert [(s.start, s.end, s.technique) for s in mapped] == [
        (s.start, s.end, s.technique) for s in decode_spans(text, scores, [head], th)
    ]
    probs = np.exp(b2.astype(np.float64)) / np.exp(b2.astype(np.float64)).sum()
    _, tempered = map_scores(0.8, probs, smap)
    assert [s.score for s in mapped] == pytest.approx(
        [0.8 * tempered[name], 0.8 * tempered[loaded]], abs=1e-4
    )
    assert tempered[name] < 0.6 and tempered[loaded] > 0.4
    for bad in ({"span": [1.0]}, {"span": [1, 0], "temperature": 0}, {"span": ["x", 0], "temperature": 1}):
        with pytest.raises(ValueError, match="score_map"):
            _check_model([head], dict(th, score_map=bad), {"content": 8, "stride": 8})


def test_next_model_version_counts_the_days_versions():
    from spinlens.training.pipeline import next_version

    assert next_version("2026.11.25.1", today="2026.11.26") == "2026.11.26.1"
    assert next_version("2026.11.26.1", today="2026.11.26") == "2026.11.26.2"
    assert next_version("2026.11.26", today="2026.11.26") == "2026.11.26.1"
    assert next_version("", today="2026.11.26") == "2026.11.26.1"
    assert next_version("2026.11.27.3", today="2026.11.26") == "2026.11.27.4"  # a clock set back
    assert next_version("2026.11.26.\u00b2", today="2026.11.26") == "2026.11.26.1"  # "²" is no number


def test_runs_are_split_at_blank_lines_but_not_at_line_breaks():
    from spinlens.model import split_at_blank_lines

    text = "Title words\n \nBody words\nmore"
    offsets = np.array([[0, 5], [6, 11], [14, 18], [19, 24], [25, 29]], dtype=np.int64)
    assert split_at_blank_lines(text, offsets, [(0, 4)]) == [(0, 1), (2, 4)]
    assert split_at_blank_lines(text, offsets, [(2, 4), (0, 0)]) == [(2, 4), (0, 0)]

    def two_tokens(sep: str) -> tuple[str, np.ndarray]:
        return "Title" + sep + "Body", np.array([[0, 5], [5 + len(sep), 9 + len(sep)]])

    for sep in ("\r\n\r\n", "\r\r", "\n\t\n", "\u2029\u2029", "\r\n \n"):
        assert split_at_blank_lines(*two_tokens(sep), [(0, 1)]) == [(0, 0), (1, 1)], repr(sep)
    for sep in ("\r\n", "\n  ", "\r", " \u2028 "):  # one line break only
        assert split_at_blank_lines(*two_tokens(sep), [(0, 1)]) == [(0, 1)], repr(sep)


def test_sentences_and_paragraphs_know_every_line_break():
    from spinlens.text import paragraphs, sentences

    for br in ("\n", "\r\n", "\r", "\u2028"):
        text = f"Title line{br}{br}The elite lied to us!{br}Only a fool believes them. Really."
        got = [text[s:e] for s, e in sentences(text)]
        want = ["Title line", "The elite lied to us!", "Only a fool believes them.", "Really."]
        assert got == want, repr(br)
        paras = [text[s:e] for s, e in paragraphs(text)]
        assert paras[0] == "Title line" and len(paras) == 2, repr(br)


def test_a_sentence_keeps_the_closing_quotes_and_brackets_after_its_stop():
    """(A sentence that ended in '."' lost its closing mark to the gap before the next one, so evidence
    sentences showed an unbalanced quote.)"""
    from spinlens.text import sentences

    text = 'Halas said: "He is a reckless gambler." Then he left. She said ‘no.’ Next (see below.) Done.'
    got = [text[s:e] for s, e in sentences(text)]
    assert got == [
        'Halas said: "He is a reckless gambler."',
        "Then he left.",
        "She said ‘no.’",
        "Next (see below.)",
        "Done.",
    ]


def _model_copy(tmp_path, edit) -> Path:
    """The shipped `fast` model in a folder of links, with ``edit(meta, folder)`` applied to model.json."""
    import json
    import shutil

    from spinlens._modelmeta import default_model_dir

    fast = default_model_dir() / "fast"
    meta = json.loads((fast / "model.json").read_text())
    d = tmp_path / "model"
    d.mkdir()
    shutil.copy(fast / meta["files"]["tokenizer"]["name"], d / "tokenizer.json")
    meta["files"]["tokenizer"]["name"] = "tokenizer.json"
    m = meta["files"]["members"][0]
    entries = [
        m["onnx_int8"],
        m["heads"],
        *([meta["files"]["span_lexicon"]] if "span_lexicon" in meta["files"] else []),
    ]
    for entry in entries:  # fast's own files, or the default's (``../``) as before 2026.11.26.4
        src = (fast / entry["name"]).resolve()
        (d / src.name).symlink_to(src)
        entry["name"] = src.name
    m.pop("onnx", None)
    edit(meta, d)
    (d / "model.json").write_text(json.dumps(meta))
    return d


@pytest.mark.model
@pytest.mark.parametrize(
    "case",
    [
        "stride 0",
        "bad heads",
        "no window",
        "bad tokenizer",
        "bias length",
        "drop flag not a bool",
        "trim flag not a bool",
    ],
)
def test_a_broken_model_folder_is_a_model_error(tmp_path, case):
    from spinlens._modelmeta import sha256_file
    from spinlens.errors import ModelError
    from spinlens.model import SpanTagger

    def edit(meta, d):
        if case == "stride 0":
            meta["window"]["stride"] = 0  # would never end: windows must move on
        elif case == "no window":
            del meta["window"]
        elif case == "bias length":
            meta["thresholds"]["calibration"]["bias"] = [0.0, 0.0]
        elif case == "drop flag not a bool":
            meta["thresholds"]["drop_function_words"] = "false"  # a string would read as true
        elif case == "trim flag not a bool":
            meta["thresholds"]["trim_edges"] = 1
        elif case == "bad heads":
            np.savez(d / "heads_bad.npz", w1=np.zeros((3, 2), np.float32))
            meta["files"]["members"][0]["heads"] = {
                "name": "heads_bad.npz",
                "sha256": sha256_file(d / "heads_bad.npz"),
            }
        elif case == "bad tokenizer":
            (d / "tokenizer.json").write_text("{not json")
            meta["files"]["tokenizer"]["sha256"] = sha256_file(d / "tokenizer.json")

    with pytest.raises(ModelError, match="cannot be used"):
        SpanTagger(_model_copy(tmp_path, edit), threads=1).load()


@pytest.mark.model
@pytest.mark.parametrize("built", [False, True], ids=["trained", "built from a recipe"])
def test_a_broken_model_says_how_to_get_it_back(tmp_path, built):
    from spinlens._modelmeta import sha256_file
    from spinlens.errors import ModelError
    from spinlens.model import SpanTagger

    def edit(meta, d):
        (d / "tokenizer.json").write_text("{not json")
        meta["files"]["tokenizer"]["sha256"] = sha256_file(d / "tokenizer.json")
        if built:
            meta["built"] = {"recipe": "/somewhere/model_data/accurate"}

    how = "spinlens models build accurate`" if built else "spinlens train`"
    with pytest.raises(ModelError, match="cannot be used") as err:
        SpanTagger(_model_copy(tmp_path, edit), threads=1).load()
    assert how in str(err.value)


@pytest.mark.model
def test_a_calibration_weighting_a_missing_span_lexicon_is_a_model_error(tmp_path):
    from spinlens.errors import ModelError
    from spinlens.model import SpanTagger

    def edit(meta, d):
        assert meta["thresholds"]["calibration"]["lex_w"] > 0
        del meta["files"]["span_lexicon"]

    with pytest.raises(ModelError, match="weights a span lexicon the files do not list"):
        SpanTagger(_model_copy(tmp_path, edit), threads=1).load()


@pytest.mark.model
def test_the_span_lexicon_reads_the_span_and_its_context(tmp_path):
    from spinlens.model import LEXICON_CLASSES, SpanLexicon, SpanTagger, span_terms

    text = "Critics are foreign agents, the minister said. Foreign agents everywhere!"
    s = text.index("foreign agents")
    terms = span_terms(text, s, s + len("foreign agents"))
    assert {"w:foreign", "b:foreign agents", "first:foreign", "last:agents", "l1:are", "r1:the"} <= set(terms)
    assert "rep:2" in terms and "later" not in terms
    lexicon = SpanTagger().load().lexicon_
    lp = lexicon.class_log_probs(text, [(s, s + 14), (0, 7)])
    assert lp.shape == (2, len(LEXICON_CLASSES)) and np.allclose(np.exp(lp).sum(1), 1.0, atol=1e-5)
    assert LEXICON_CLASSES[int(lp[0].argmax())] == "Name_Calling,Labeling"
    lexicon.save(tmp_path / "lex.npz")
    assert np.array_equal(
        SpanLexicon.from_file(tmp_path / "lex.npz").class_log_probs(text, [(s, s + 14)]), lp[:1]
    )


def test_windows_that_would_never_end_are_refused():
    from spinlens._windows import plan_windows

    assert plan_windows(500, 254, 254) == [(0, 254), (254, 500)]
    for content, stride in ((254, 0), (254, -1), (0, 1), (10, 11)):
        with pytest.raises(ValueError, match="cannot cover"):
            plan_windows(500, content, stride)


def test_classify_spans_checks_its_input():
    p = Pipeline(RuleTagger())
    text = "They are foreign agents, full stop."
    assert p.classify_spans(text, [(np.int64(9), 23)]) == p.classify_spans(text, [(9, 23)])
    for bad in ([(9, 23, 1)], None, 5, [None], "ab", [(True, 5)], [(9.0, 23.0)], [(23, 9)], [(0, 99)]):
        with pytest.raises(InputError):
            p.classify_spans(text, bad)
    for bad_text in (None, b"abc", "   "):
        with pytest.raises(InputError):
            p.classify_spans(bad_text, [(0, 1)])
    with pytest.raises(InputError, match="not a .start, end. pair of integers"):  # not "not inside the text"
        p.classify_spans(text, [(False, True)])
    assert p.classify_spans(Document(text), [(9, 23)]) == p.classify_spans(text, [(9, 23)])  # as analyze


def test_sentence_scores_are_the_best_overlapping_span_of_each_sentence():
    import random

    from spinlens.pipeline import _sentence_scores
    from spinlens.schema import TechniqueSpan
    from spinlens.text import sentences

    rng = random.Random(7)
    pieces = ["Hello", "world.", "It", "is", "bad!", "Why?", "\n", "ok", "Yes.", "\n\n"]
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        spans = []
        for _ in range(rng.randint(0, 12)):
            a = rng.randrange(len(text))
            spans.append(TechniqueSpan(a, rng.randint(a + 1, len(text)), "Loaded_Language", rng.random()))
        brute = [
            ((s, e), max((sp.score for sp in spans if sp.start < e and s < sp.end), default=0.0))
            for s, e in sentences(text)
        ]
        assert _sentence_scores(text, spans) == brute


@pytest.mark.model
def test_the_readme_python_example_prints_what_it_says():
    import ast
    import contextlib
    import io

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(import spinlens\n.*?)```", readme, re.S).group(1)
    expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    tree = ast.parse(block)
    for i, node in enumerate(tree.body):  # a bare expression shows its value, as in the README's comments
        if isinstance(node, ast.Expr) and not (
            isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "print"
        ):
            call = ast.Call(ast.Name("print", ast.Load()), [node.value], [])
            tree.body[i] = ast.fix_missing_locations(ast.Expr(call))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == expected
