"""Corpus readers: counts match the PROVENANCE files, and the known defects are reported, not raised."""

from __future__ import annotations

import json

import pytest

from spinlens.datasets import (
    read_ptc,
    read_ptc18,
    read_ptc_labels,
    read_semeval2021,
    read_semeval2023,
    read_semeval2023_paragraph_labels,
)
from spinlens.errors import DataError
from spinlens.taxonomy import PTC14_LABELS, PTC18_LABELS, SEMEVAL2021_TO_CANONICAL, TECHNIQUE_IDS


@pytest.mark.data
def test_ptc_train_and_dev_counts(data_dir):
    train = read_ptc("train", data_dir)
    dev = read_ptc("dev", data_dir)
    assert (len(train.articles), train.n_spans, train.defects) == (371, 6128, [])
    assert (len(dev.articles), dev.n_spans) == (75, 1063)
    assert {s.label for a in train.articles for s in a.spans} == set(PTC14_LABELS)
    a = train.articles[0]
    assert all(0 <= s.start < s.end <= len(a.text) for s in a.spans)


@pytest.mark.data
def test_ptc18_reports_the_spans_beyond_the_text(data_dir):
    c = read_ptc18(data_dir)
    assert len(c.articles) == 338  # 350 files, 12 texts twice
    beyond = [d for d in c.defects if "ends beyond the text" in d]
    assert len(beyond) == 3 and any("765029945" in d for d in beyond)
    assert {s.label for a in c.articles for s in a.spans} <= set(PTC18_LABELS)
    for a in c.articles:
        assert all(s.end <= len(a.text) for s in a.spans)


@pytest.mark.data
def test_ptc18_copies_of_ptc_articles_are_read_under_their_ptc_ids(data_dir):
    """15 PTC-18 ids are a PTC id with a 9 appended (7383612089 = PTC dev 738361208, same text): read
    under the PTC id, so excluding the PTC dev ids drops them and folds group them with their copy."""
    p18 = read_ptc18(data_dir).by_id()
    ptc = {**read_ptc("train", data_dir).by_id(), **read_ptc("dev", data_dir).by_id()}
    renamed = [d for d in read_ptc18(data_dir).defects if "with a 9 appended" in d]
    assert len(renamed) == 15 and sum("annotated twice" in d for d in renamed) == 12
    assert len(p18) == 338 and all(len(k) == 9 for k in p18)
    assert set(p18) <= set(ptc)
    assert all(p18[k].text == ptc[k].text for k in p18)
    dev = set(read_ptc("dev", data_dir).by_id())
    assert sorted(set(p18) & dev) == ["738361208", "738447109", "738542398"]


@pytest.mark.data
def test_semeval2023_spans_are_trimmed_and_canonical(data_dir):
    c = read_semeval2023("train", data_dir)
    assert (len(c.articles), c.n_spans) == (446, 7201)
    assert any("surrounding whitespace, trimmed" in d for d in c.defects)
    assert {s.label for a in c.articles for s in a.spans} <= set(TECHNIQUE_IDS)
    for a in c.articles:
        for s in a.spans:
            assert not a.text[s.start].isspace() and not a.text[s.end - 1].isspace()


@pytest.mark.data
def test_semeval2023_paragraph_typo_label_is_fixed_and_reported(data_dir):
    labels, defects = read_semeval2023_paragraph_labels("train", data_dir)
    assert len(labels) == 9498
    assert labels[("111111111", 17)] == ["Appeal_to_Fear-Prejudice"]
    assert any("Appeal_to_Fear-Prejudi-čce" in d for d in defects)


@pytest.mark.data
def test_semeval2021_meme_spans_match_their_fragments_or_are_reported(data_dir):
    train = read_semeval2021("train", data_dir)
    assert len(train.articles) == 688 and train.n_spans == 1498 - 1
    assert len(train.defects) == 1 and "only white space" in train.defects[0]  # meme 139: a "\n" span
    assert {s.label for a in train.articles for s in a.spans} == set(SEMEVAL2021_TO_CANONICAL)
    assert all(a.id.startswith("meme-") for a in train.articles)
    for a in train.articles:
        for s in a.spans:
            frag = a.text[s.start : s.end]
            assert frag and frag == frag.strip()
    test = read_semeval2021("test", data_dir)
    assert len(test.articles) == 200 and len(test.defects) == 5  # PROVENANCE: 5 of 403 test spans mismatch
    assert all("offsets do not give the fragment; moved to" in d for d in test.defects)
    assert test.n_spans == 403
    raw = json.loads((data_dir / "semeval2021-task6/data/test_set_task2.txt").read_text(encoding="utf-8"))
    frags = {
        (f"meme-{it['id']}", lab["technique"]): lab["text_fragment"] for it in raw for lab in it["labels"]
    }
    by_id = test.by_id()
    for d in test.defects:  # each moved span gives its fragment (zero-width characters and edges aside)
        aid, tech = d.split(": ")[1].split(" ")[0], " ".join(d.split(": ")[1].split(" ")[1:-1])
        start, end = (int(x) for x in d.rsplit("moved to ", 1)[1].split("-"))
        span_texts = {a.text[s.start : s.end] for a in [by_id[aid]] for s in a.spans if s.label == tech}
        want = frags[(aid, tech)].replace("\u200b", "").strip()
        assert want in span_texts, (d, want)
    with pytest.raises(DataError, match="split"):
        read_semeval2021("validation", data_dir)


@pytest.mark.data
def test_meme_text_is_a_training_source_in_the_canonical_scheme(data_dir):
    from spinlens.training.data import load_sources

    arts = load_sources(["semeval2021"], str(data_dir), set())
    assert len(arts) == 688 + 63 and {a.source for a in arts} == {"semeval2021"}
    allowed = {c for a in arts for _, _, cs in a.spans for c in cs}
    assert allowed <= set(TECHNIQUE_IDS) and "Appeal_to_Values" in allowed  # Glittering generalities
    with pytest.raises(ValueError, match="unknown training source"):
        load_sources(["memes"], str(data_dir), set())


def test_malformed_label_lines_are_reported_and_skipped(tmp_path):
    p = tmp_path / "x.labels"
    p.write_text("1\tDoubt\t0\t5\n1\tDoubt\tzero\t5\n2\tDoubt\t3\t9\n1\tDoubt\t4\t4\n", encoding="utf-8")
    spans, defects = read_ptc_labels(p, {"1": "hello world", "2": "short"})
    assert [(a, s.start, s.end) for a, s in spans] == [("1", 0, 5), ("2", 3, 5)]
    assert len(defects) == 3
    assert "malformed line" in defects[0] and "clipped" in defects[1] and "empty or negative" in defects[2]


def test_missing_corpus_names_the_setting(tmp_path):
    with pytest.raises(DataError, match="SPINLENS_DATA"):
        read_ptc("train", tmp_path)
    with pytest.raises(DataError, match="no gold"):
        read_ptc("test", tmp_path)
