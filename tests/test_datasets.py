"""Corpus readers: counts match the PROVENANCE files, and the known defects are reported, not raised."""

from __future__ import annotations

import pytest

from spinlens.datasets import (
    read_ptc,
    read_ptc18,
    read_ptc_labels,
    read_semeval2023,
    read_semeval2023_paragraph_labels,
)
from spinlens.errors import DataError
from spinlens.taxonomy import PTC14_LABELS, PTC18_LABELS, TECHNIQUE_IDS


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
    assert len(c.articles) == 350
    beyond = [d for d in c.defects if "ends beyond the text" in d]
    assert len(beyond) == 3 and any("765029945" in d for d in beyond)
    assert {s.label for a in c.articles for s in a.spans} <= set(PTC18_LABELS)
    for a in c.articles:
        assert all(s.end <= len(a.text) for s in a.spans)


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
