"""Round-trips and validation of every schema type: JSON out and back, offsets compared."""

from __future__ import annotations

import json

import pytest

from spinlens.errors import SchemaError
from spinlens.schema import (
    SCHEMA_VERSION,
    Analysis,
    Document,
    ModelInfo,
    Quote,
    Sentence,
    TechniqueSpan,
    span_sort_key,
)

TEXT = 'He said "they are traitors" and left. It was a disaster.'


def _via_json(d: dict) -> dict:
    return json.loads(json.dumps(d))


def _analysis() -> Analysis:
    doc = Document(TEXT, title="T <b>", outlet="O", url="https://example.org/a", published="2024-01-02")
    return Analysis(
        document=doc,
        spans=(
            TechniqueSpan(47, 55, "Loaded_Language", 0.8),
            TechniqueSpan(18, 26, "Name_Calling-Labeling", 0.9),
            TechniqueSpan(9, 26, "Doubt", 0.25),
        ),
        sentences=(Sentence(0, 37, 0.9), Sentence(38, 56, 0.8)),
        quotes=(Quote(9, 26, "direct", speaker="He"),),
        genre="opinion",
        frames=("security",),
        model=ModelInfo("spinlens-rules", "1", "ab" * 32),
        extras={"source": "a.txt"},
    )


def test_document_round_trip_keeps_every_field():
    doc = Document(TEXT, title="A title", outlet="Outlet", url="u", published="p", author="a", language="en")
    back = Document.from_dict(_via_json(doc.to_dict()))
    assert back == doc


def test_document_id_is_a_content_hash():
    assert Document(TEXT).id == Document(TEXT).id
    assert Document(TEXT).id != Document(TEXT + " ").id
    assert Document(TEXT, id="mine").id == "mine"


def test_technique_span_round_trip():
    s = TechniqueSpan(3, 9, "Repetition", 0.5)
    assert TechniqueSpan.from_dict(_via_json(s.to_dict())) == s


def test_sentence_round_trip():
    s = Sentence(0, 37, 0.25)
    assert Sentence.from_dict(_via_json(s.to_dict())) == s


def test_quote_round_trip():
    q = Quote(9, 26, "scare", speaker=None, source="x")
    assert Quote.from_dict(_via_json(q.to_dict())) == q


def test_model_info_round_trip():
    m = ModelInfo("name", "2024.1", "f" * 64)
    assert ModelInfo.from_dict(_via_json(m.to_dict())) == m


def test_analysis_round_trip_compares_offsets_and_texts():
    a = _analysis()
    d = _via_json(a.to_dict())
    assert d["schema_version"] == SCHEMA_VERSION
    back = Analysis.from_dict(d)
    assert back == a
    assert [(s.start, s.end) for s in back.spans] == [(s.start, s.end) for s in a.spans]
    for s, sd in zip(back.spans, d["spans"]):
        assert back.span_text(s) == sd["text"] == TEXT[s.start : s.end]


def test_analysis_keeps_spans_in_the_one_order():
    spans = _analysis().spans
    assert list(spans) == sorted(spans, key=span_sort_key)
    # start first, then the longer span before the shorter one starting at the same place
    assert [(s.start, s.end) for s in spans] == [(9, 26), (18, 26), (47, 55)]


@pytest.mark.parametrize(
    "start,end",
    [(-1, 3), (5, 5), (6, 2), (0, len(TEXT) + 1)],
)
def test_analysis_rejects_bad_offsets(start, end):
    with pytest.raises(SchemaError):
        Analysis(Document(TEXT), spans=(TechniqueSpan(start, end, "Doubt", 0.5),))


def test_offsets_must_be_integers():
    with pytest.raises(SchemaError):
        TechniqueSpan(1.0, 3, "Doubt")  # type: ignore[arg-type]


def test_unknown_technique_and_bad_score_are_rejected():
    with pytest.raises(SchemaError, match="unknown technique"):
        TechniqueSpan(0, 3, "Propaganda")
    with pytest.raises(SchemaError, match="score"):
        TechniqueSpan(0, 3, "Doubt", 1.5)
    with pytest.raises(SchemaError, match="kind"):
        Quote(0, 3, "shouted")


def test_schema_error_is_a_value_error():
    assert issubclass(SchemaError, ValueError)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("schema_version"),
        lambda d: d.__setitem__("schema_version", SCHEMA_VERSION + 1),
        lambda d: d.pop("document"),
        lambda d: d["document"].pop("text"),
        lambda d: d["spans"][0].pop("technique"),
        lambda d: d["spans"][0].__setitem__("end", 10_000),
        lambda d: d["spans"][0].__setitem__("technique", "Not_A_Technique"),
        lambda d: d.__setitem__("spans", ["not an object"]),
        lambda d: d.__setitem__("sentences", [{"start": 5}]),
        lambda d: d.__setitem__("quotes", [{"start": 0, "end": 3, "kind": "whisper"}]),
        lambda d: d.__setitem__("model", {"name": "x"}),
    ],
)
def test_malformed_analysis_raises_value_error(mutate):
    d = _via_json(_analysis().to_dict())
    mutate(d)
    with pytest.raises(ValueError):
        Analysis.from_dict(d)


def test_malformed_parts_raise_schema_error():
    with pytest.raises(SchemaError):
        Document.from_dict({"title": "no text"})
    with pytest.raises(SchemaError):
        TechniqueSpan.from_dict([1, 2])  # type: ignore[arg-type]
    with pytest.raises(SchemaError):
        Sentence.from_dict({"end": 3})
    with pytest.raises(SchemaError):
        Quote.from_dict({"start": 0})
    with pytest.raises(SchemaError):
        ModelInfo.from_dict({"name": "x", "version": "1"})


@pytest.mark.parametrize(
    "case",
    [
        "score str",
        "extras str",
        "score huge",
        "frames str",
        "genre dict",
        "id list",
        "title int",
        "model name",
        "bool start",
        "schema True",
    ],
)
def test_from_dict_refuses_wrong_types_with_a_schema_error(case):
    import copy

    from spinlens.errors import SchemaError

    d = {
        "schema_version": 1,
        "document": {"text": "They are traitors.", "id": "x"},
        "spans": [{"start": 9, "end": 17, "technique": "Name_Calling-Labeling", "score": 0.9}],
    }
    d = copy.deepcopy(d)
    change = {
        "score str": lambda: d["spans"][0].update(score="high"),
        "extras str": lambda: d.update(extras="ab"),
        "score huge": lambda: d["spans"][0].update(score=10**400),
        "frames str": lambda: d.update(frames="Political"),
        "genre dict": lambda: d.update(genre={"a": 1}),
        "id list": lambda: d["document"].update(id=[1]),
        "title int": lambda: d["document"].update(title=5),
        "model name": lambda: d.update(model={"name": 5, "version": "1", "sha256": "x"}),
        "bool start": lambda: d["spans"][0].update(start=True),
        "schema True": lambda: d.update(schema_version=True),
    }
    change[case]()
    with pytest.raises(SchemaError):
        Analysis.from_dict(d)


@pytest.mark.parametrize(
    "make",
    [
        lambda d: Analysis(document=d, spans=[(0, 4)]),  # a tuple is no TechniqueSpan
        lambda d: Analysis(document=d, spans=None),
        lambda d: Analysis(document=d, quotes=None),
        lambda d: Analysis(document=d, frames=None),
        lambda d: Sentence(0, 1, "0.5"),  # a string that looks like a number is still a string
        lambda d: Sentence(0, 1, True),
        lambda d: Sentence(0, 1, "abc"),
        lambda d: TechniqueSpan.from_dict(
            {"start": 0, "end": 4, "technique": "Loaded_Language", "score": "x"}
        ),
        lambda d: TechniqueSpan(0, 4, ["Loaded_Language"]),
        lambda d: Quote(0, 1, speaker=5),
    ],
)
def test_the_api_objects_refuse_wrong_types_with_a_schema_error(make):
    with pytest.raises(SchemaError):
        make(Document("Some text here"))
    assert (
        TechniqueSpan.from_dict({"start": 0, "end": 4, "technique": "Loaded_Language", "score": 1}).score
        == 1.0
    )


def test_a_span_whose_text_is_not_the_documents_there_is_refused():
    """(A saved analysis whose document text was changed afterwards, CRLF to LF or blanks tidied, loaded
    with every span on other words, silently.)"""
    d = _via_json(_analysis().to_dict())
    assert Analysis.from_dict(d) == _analysis()
    d["document"]["text"] = d["document"]["text"].replace("He said", "He  said")
    with pytest.raises(SchemaError, match="the span at 9-26 says its text is 'they are traitors' but the"):
        Analysis.from_dict(d)
    del d["spans"][0]["text"], d["spans"][1]["text"], d["spans"][2]["text"]
    assert len(Analysis.from_dict(d).spans) == 3  # a span without its text is taken at its offsets
