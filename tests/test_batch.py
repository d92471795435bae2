"""Batch runs: the real command on real files into real stores (SQLite and PostgreSQL), serially, in a
process pool and on a Dask LocalCluster, and resumed after ``kill -9`` of a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from test_store import OTHER_MODEL, store_target
from typer.testing import CliRunner

from spinlens.batch import (
    BatchOptions,
    analyze_document,
    estimate_total,
    load_pipeline,
    model_info,
    run_batch,
)
from spinlens.cli import app
from spinlens.errors import InputError
from spinlens.ingest import IngestResult
from spinlens.pipeline import Pipeline
from spinlens.rules import RuleTagger
from spinlens.schema import Analysis, Document
from spinlens.store import open_store

REPO = Path(__file__).resolve().parents[1]
RULES_SHA = model_info("rules").sha256


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """An empty store: a SQLite file, or a fresh schema on the PostgreSQL test server."""
    yield from store_target(request.param, tmp_path)


def _text(i: int) -> str:
    return (
        f"Report {i}: the minister called the protesters of district {i} foreign agents and traitors. "
        f"It was an outrageous disaster for street number {i}. The matter is closed, full stop."
    )


def make_corpus(folder: Path, n: int) -> dict[str, Analysis]:
    """``n`` article files; returns the expected analysis (rules) of each, by document id."""
    folder.mkdir(parents=True, exist_ok=True)
    pipeline = Pipeline(RuleTagger())
    expected = {}
    for i in range(n):
        path = folder / f"article{i}.txt"
        path.write_text(_text(i), encoding="utf-8")
        a = pipeline.analyze(Document(text=_text(i)))
        expected[a.document.id] = replace(a, extras={"source": str(path), "article_id": str(i)})
    return expected


def check_store(target: str, expected: dict[str, Analysis]) -> None:
    """Each expected document is stored exactly once, with its analysis and every span."""
    with open_store(target, create=False) as s:
        n_spans = sum(len(a.spans) for a in expected.values())
        assert s.counts() == {
            "documents": len(expected),
            "analyses": len(expected),
            "spans": n_spans,
            "article_stats": len(expected),
            "aggregates": sum(len({x.technique for x in a.spans}) for a in expected.values()),
            "failures": 0,
        }
        for doc_id, a in expected.items():
            got = s.get(doc_id)
            assert got is not None, doc_id
            assert got.spans == a.spans and got.document.text == a.document.text
            assert got.model.sha256 == RULES_SHA


def run(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def done_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("Done: "))


# -- the command -------------------------------------------------------------------------------------
def test_batch_analyzes_a_folder_and_a_rerun_skips_everything(db, tmp_path):
    expected = make_corpus(tmp_path / "news", 12)
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules")
    assert r.exit_code == 0, r.output
    assert done_line(r.stderr).startswith("Done: 12 analyzed, 0 failed in ")
    check_store(db, expected)
    with open_store(db) as s:
        assert s.get(next(iter(expected))).extras["article_id"] == "0"
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules")
    assert r.exit_code == 0
    assert done_line(r.stderr).startswith("Done: 0 analyzed, 12 already in the store, 0 failed in ")
    check_store(db, expected)


def test_a_rerun_updates_the_metadata_it_changes_and_keeps_the_analysis(db, tmp_path):
    """Session 19: a corrected title or outlet in the input reaches the store on a rerun (it was ignored
    because the document was already analyzed). A document with its own id takes every field the input
    gives; one whose id comes from its text (two sources of one text) only fills what the store lacks."""
    first = tmp_path / "first.jsonl"
    named = "The traitors in parliament lie every day to the nation."
    anon = "Corrupt elites betray us, and the shameless media cheer them on."
    first.write_text(
        json.dumps({"id": "a1", "text": named, "title": "Old title", "published": "2024-01-05"})
        + "\n"
        + json.dumps({"text": anon, "title": "First source", "outlet": "Wire"})
        + "\n",
        encoding="utf-8",
    )
    r = run("batch", first, "--db", db, "--model", "rules")
    assert r.exit_code == 0, r.output
    with open_store(db) as s:
        before = {a.document.id: a for a in s.iter_analyses()}
    second = tmp_path / "second.jsonl"
    second.write_text(
        json.dumps(
            {"id": "a1", "text": named, "title": "Fixed title", "outlet": "Daily", "published": "2024-02-07"}
        )
        + "\n"
        + json.dumps({"text": anon, "title": "Second source", "outlet": "Other", "author": "Ann Lee"})
        + "\n",
        encoding="utf-8",
    )
    r = run("batch", second, "--db", db, "--model", "rules")
    assert r.exit_code == 0, r.output
    assert done_line(r.stderr).startswith(
        "Done: 0 analyzed, 2 already in the store, 2 with new metadata updated, 0 failed in "
    )
    with open_store(db) as s:
        after = {a.document.id: a for a in s.iter_analyses()}
        a1 = after["a1"].document
        assert (a1.title, a1.outlet, a1.published) == ("Fixed title", "Daily", "2024-02-07")
        (anon_id,) = set(after) - {"a1"}
        d = after[anon_id].document
        assert (d.title, d.outlet, d.author) == ("First source", "Wire", "Ann Lee")
        # the analyses are the ones made the first time, not made again
        assert all(after[k].spans == before[k].spans for k in before)
        # the search index and the corpus statistics follow
        assert [h.id for h in s.search("fixed")] == ["a1"]
        assert s.search("old") == []
        by_outlet = {row["outlet"]: row["articles"] for row in s.stats(by="outlet")}
        assert by_outlet == {"Daily": 1, "Wire": 1}
        by_month = {row["month"]: row["articles"] for row in s.stats(by="month")}
        assert by_month.get("2024-02") == 1 and "2024-01" not in by_month
    r = run("batch", second, "--db", db, "--model", "rules")
    assert done_line(r.stderr).startswith("Done: 0 analyzed, 2 already in the store, 0 failed in ")


def test_a_store_inside_the_input_folder_is_not_an_input(tmp_path):
    """(Since folders report files of other types as skipped, the store's own SQLite files, -wal and -shm
    included, were "skipped inputs" on every run.)"""
    make_corpus(tmp_path / "news", 2)
    db = tmp_path / "news" / "corpus.sqlite"
    for _ in range(2):
        r = run("batch", tmp_path / "news", "--db", db, "--model", "rules")
        assert r.exit_code == 0, r.output
        assert "skipped" not in r.stderr and "corpus.sqlite-" not in r.stderr
    assert done_line(r.stderr).startswith("Done: 0 analyzed, 2 already in the store, 0 failed in ")
    (tmp_path / "news" / "photo.jpg").write_bytes(b"\xff\xd8")
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules")
    assert "1 input(s) skipped" in done_line(r.stderr) and "photo.jpg" in r.stderr


def test_every_skipped_input_is_named_or_counted(tmp_path):
    """(Only three skipped inputs were named, with no word of the others.)"""
    make_corpus(tmp_path / "news", 1)
    folder = tmp_path / "news"
    for k in range(7):
        (folder / f"photo{k}.jpg").write_bytes(b"\xff\xd8")
    r = run("batch", folder, "--db", tmp_path / "c.sqlite", "--model", "rules")
    assert r.exit_code == 0, r.output
    assert "7 input(s) skipped" in done_line(r.stderr)
    named = [line for line in r.stderr.splitlines() if line.startswith("Note: skipped ")]
    assert len(named) == 5 and "Note: 2 more skipped input(s) not shown" in r.stderr
    assert "add --skipped FILE to list them all" in r.stderr
    # a --skipped file in the input folder of a type not read (.log) is no input: not listed in itself
    log = folder / "skipped.log"
    r = run("batch", folder, "--db", tmp_path / "c.sqlite", "--model", "rules", "--skipped", log)
    assert r.exit_code == 0, r.output
    assert f"7 input(s) skipped (all listed in {log}), 0 failed" in done_line(r.stderr)
    assert "Note: 2 more skipped input(s) not shown" in r.stderr and "add --skipped" not in r.stderr
    listed = [json.loads(line)["source"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert listed == [str(folder / f"photo{k}.jpg") for k in range(7)]


def _skip_folder(folder: Path) -> dict[str, str]:
    """An English article, a copy of it, an empty file, a German text, a .pdf and a JSONL file with a line
    that is not JSON (a failure); returns the reason each skipped one is listed with, by file name."""
    folder.mkdir()
    (folder / "article.txt").write_text(_text(1), encoding="utf-8")
    (folder / "copy.txt").write_text(_text(1), encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "german.txt").write_text(
        "Der Minister hat die Demonstranten als ausländische Agenten und Verräter bezeichnet. Es war eine "
        "unerhörte Katastrophe für die ganze Straße. Die Sache ist erledigt, Punkt.",
        encoding="utf-8",
    )
    (folder / "paper.pdf").write_bytes(b"%PDF-1.4 not read")
    (folder / "rows.jsonl").write_text("{not json\n", encoding="utf-8")
    copy_id = Document(text=_text(1)).id
    return {
        "copy.txt": f"the same document (id {copy_id}) as an earlier input of the run",
        "empty.txt": "no text (empty, or no main text found in the page)",
        "german.txt": "language 'de' detected",
        "paper.pdf": "not a type read here (.pdf)",
    }


def _listed(log: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_skipped_lists_each_skipped_input_with_its_reason_and_a_rerun_appends(tmp_path):
    """(A run named five skipped inputs and counted the rest: there was no way to find the others.)
    Failures (the line that is not JSON) are not listed: the store records them."""
    reasons = _skip_folder(tmp_path / "news")
    log = tmp_path / "skipped.jsonl"
    args = ["batch", tmp_path / "news", "--db", tmp_path / "c.sqlite", "--model", "rules", "--skipped", log]
    r = run(*args)
    assert r.exit_code == 1, r.output  # the failure
    assert done_line(r.stderr).startswith(
        f"Done: 1 analyzed, 1 duplicate(s), 3 input(s) skipped (all 4 listed in {log}), 1 failed in "
    )
    first = _listed(log)
    assert sorted(Path(x["source"]).name for x in first) == sorted(reasons)  # a repeat: after its chunk
    for x in first:
        assert x["reason"].startswith(reasons[Path(x["source"]).name])
        assert set(x) == {"source", "reason", "time"}
        assert time.strptime(x["time"], "%Y-%m-%dT%H:%M:%SZ")
    with open_store(tmp_path / "c.sqlite") as s:
        assert [f.source for f in s.failures()] == [f"{tmp_path / 'news' / 'rows.jsonl'}:1"]
    r = run(*args)  # the rerun skips them again: appended, the first run's lines kept
    assert done_line(r.stderr).startswith("Done: 0 analyzed, 1 already in the store, 1 duplicate(s), 3 input")
    again = _listed(log)
    assert again[:4] == first and sorted(x["source"] for x in again[4:]) == sorted(x["source"] for x in first)


def test_skipped_file_that_cannot_be_written_is_a_usage_error_before_any_work(tmp_path):
    make_corpus(tmp_path / "news", 1)
    db = tmp_path / "c.sqlite"
    taken, missing = tmp_path / "taken.txt", tmp_path / "no" / "s.jsonl"
    taken.write_text(_text(2), encoding="utf-8")
    cases = {
        missing: f"cannot write {missing}: no folder {missing.parent}",
        taken / "s.jsonl": "no folder",  # (a file where the folder should be)
        tmp_path: "is a directory",
        tmp_path / "news" / "s.jsonl": "is in the input folder",
        taken: "is also an input",
    }
    if os.geteuid() != 0:  # (root writes a read-only file)
        (tmp_path / "ro.jsonl").write_text("", encoding="utf-8")
        (tmp_path / "ro.jsonl").chmod(0o444)
        cases[tmp_path / "ro.jsonl"] = f"cannot write {tmp_path / 'ro.jsonl'}: Permission denied"
    for path, message in cases.items():
        r = run("batch", tmp_path / "news", taken, "--db", db, "--model", "rules", "--skipped", path)
        assert r.exit_code == 2, (path, r.output)
        [error] = [line for line in r.stderr.splitlines() if line.startswith("Error: ")]
        assert message in error and "Traceback" not in r.output, (path, r.stderr)
        assert not db.exists() and not missing.parent.exists()
    # a hidden file of the input folder is not read: it may be there
    hidden = tmp_path / "news" / ".s.jsonl"
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules", "--skipped", hidden)
    assert r.exit_code == 0, r.output
    assert hidden.read_text(encoding="utf-8") == ""


def test_skipped_file_that_is_the_store_is_refused(tmp_path):
    """``--skipped corpus.sqlite`` (the --db file, or its WAL) appended the log's lines to the database file,
    where SQLite's next pages overwrote them: every line lost, and the SQLite file written by two writers."""
    make_corpus(tmp_path / "news", 1)
    (tmp_path / "news" / "photo.jpg").write_bytes(b"\xff\xd8")
    db = tmp_path / "c.sqlite"
    args = ["batch", tmp_path / "news", "--db", db, "--model", "rules"]
    assert run(*args).exit_code == 0
    before = db.read_bytes()
    (tmp_path / "link.sqlite").symlink_to(db)
    for log in (db, tmp_path / "c.sqlite-wal", tmp_path / "link.sqlite"):
        r = run(*args, "--skipped", log)
        assert r.exit_code == 2, (log, r.output)
        [error] = [line for line in r.stderr.splitlines() if line.startswith("Error: ")]
        assert "is the store's database" in error, r.stderr
    assert db.read_bytes() == before
    with open_store(db) as s, pytest.raises(InputError, match="is the store's database"):
        run_batch([], s, BatchOptions(model="rules", skipped_log=db))


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_pending", "3"),
        ("max_pending", 0),
        ("workers", True),
        ("batch_size", 2.5),
        ("flush_seconds", "2"),
        ("flush_seconds", -1.0),
        ("flush_seconds", float("nan")),
    ],
)
def test_batch_options_refuse_settings_of_the_wrong_kind(field, value):
    """(``BatchOptions(max_pending="3")`` was a bare TypeError from comparing a str with 1, and a NaN or
    negative ``flush_seconds`` was taken.)"""
    with pytest.raises(InputError, match=f"^{field} must be "):
        BatchOptions(model="rules", **{field: value})
    assert BatchOptions(model="rules", max_pending=None, flush_seconds=0).flush_seconds == 0


def test_run_batch_appends_skipped_inputs_to_its_skipped_log(tmp_path):
    """The Python API does what --skipped does; a log that cannot be written fails as the options are made."""
    from spinlens.errors import InputError

    with pytest.raises(InputError, match="no folder"):
        BatchOptions(model="rules", skipped_log=tmp_path / "no" / "s.jsonl")
    log = tmp_path / "s.jsonl"
    options = BatchOptions(model="rules", skipped_log=str(log))  # type: ignore[arg-type]
    assert options.skipped_log == log and not log.exists()  # checked, not created
    results = [
        IngestResult("a", Document(text=_text(1)), "ok"),
        IngestResult("b.png", None, "skipped", "not a type read here (.png)"),
        IngestResult("c\udcff", Document(text=_text(1)), "ok"),
        IngestResult("d", None, "error", "cannot be read"),
    ]
    with open_store(tmp_path / "s.sqlite") as s:
        p = run_batch(results, s, options)
    assert (p.analyzed, p.skipped_input, p.duplicates, p.failed) == (1, 1, 1, 1)
    doc_id = Document(text=_text(1)).id
    assert [(x["source"], x["reason"]) for x in _listed(log)] == [
        ("b.png", "not a type read here (.png)"),
        ("c\\udcff", f"the same document (id {doc_id}) as an earlier input of the run"),
    ]


def test_failures_are_recorded_with_the_reason_and_retried_on_request(db, tmp_path):
    expected = make_corpus(tmp_path / "news", 3)
    long_doc = tmp_path / "news" / "long.txt"
    long_doc.write_text("A very long article about the city. " * 20, encoding="utf-8")
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules", "--max-chars", "400")
    assert r.exit_code == 1
    assert f"Error: {long_doc}: the text has 720 characters, more than the limit of 400;" in r.stderr
    assert done_line(r.stderr).startswith("Done: 3 analyzed, 1 failed in ")
    with open_store(db) as s:
        [f] = s.failures()
        assert (f.stage, f.source, f.attempts, f.model_sha256) == ("analyze", str(long_doc), 1, RULES_SHA)
        assert f.reason.startswith("the text has 720 characters")
        assert s.counts()["documents"] == 3
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules")
    assert r.exit_code == 0
    assert "Note: 1 document(s) failed in an earlier run; rerun with --retry-failed to retry" in r.stderr
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules", "--retry-failed")
    assert r.exit_code == 0
    assert done_line(r.stderr).startswith("Done: 1 analyzed, 3 already in the store, 0 failed in ")
    with open_store(db) as s:
        assert s.failures() == [] and s.counts()["documents"] == 4
        assert len(expected) == 3


def test_an_unreadable_record_is_recorded_and_cleared_once_it_reads(db, tmp_path):
    rows = tmp_path / "rows.jsonl"
    good = {"text": _text(1), "title": "One", "outlet": "Daily", "published": "2024-03-04"}
    rows.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 1
    assert f"Error: {rows}:2: invalid JSON" in r.stderr
    with open_store(db) as s:
        assert [(f.key, f.stage) for f in s.failures()] == [(f"source:{rows}:2", "ingest")]
    fixed = dict(good, text=_text(2), title="Two")
    rows.write_text(json.dumps(good) + "\n" + json.dumps(fixed) + "\n", encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 0
    with open_store(db) as s:
        assert s.failures() == []
        assert sorted(h.title for h in s.search("minister")) == ["One", "Two"]
        assert [r["month"] for r in s.stats("month")] == ["2024-03"]


def test_a_second_text_under_a_used_id_is_a_failure_and_the_same_text_a_duplicate(db, tmp_path):
    rows = tmp_path / "rows.jsonl"
    recs = [{"id": "x", "text": _text(1)}, {"id": "x", "text": _text(1)}, {"id": "x", "text": _text(2)}]
    rows.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 1
    assert done_line(r.stderr).startswith("Done: 1 analyzed, 1 duplicate(s), 1 failed in ")
    with open_store(db) as s:
        [f] = s.failures()
        assert f.stage == "ingest" and "id 'x' is already used by another document" in f.reason
        assert s.get("x").document.text == _text(1)
    recs[2]["id"] = "y"  # the user gives it its own id: the failure goes
    rows.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 0, r.output
    with open_store(db) as s:
        assert s.failures() == [] and s.get("y").document.text == _text(2)


def test_a_used_id_is_recognised_however_far_back_in_the_run(db, tmp_path):
    """The run's ids live on disk (``_RunIds``), looked up a chunk of 256 documents at a time: a repeat after
    several chunks is found as surely as one in the same chunk."""
    from spinlens.batch._run import _LOOKUP_CHUNK

    n = 2 * _LOOKUP_CHUNK + 10
    recs = [{"id": f"d{i}", "text": _text(i)} for i in range(n)]
    recs += [{"id": "d3", "text": _text(3)}, {"id": "d5", "text": _text(99999)}]
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 1
    assert done_line(r.stderr).startswith(f"Done: {n} analyzed, 1 duplicate(s), 1 failed in ")
    with open_store(db) as s:
        [f] = s.failures()
        assert "id 'd5' is already used by another document" in f.reason
        assert s.get("d5").document.text == _text(5)


def test_a_changed_text_under_a_stored_id_is_analyzed_again(db, tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "x", "text": _text(1)}) + "\n", encoding="utf-8")
    assert run("batch", rows, "--db", db, "--model", "rules").exit_code == 0
    rows.write_text(json.dumps({"id": "x", "text": _text(2)}) + "\n", encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 0, r.output
    assert done_line(r.stderr).startswith(
        "Done: 1 analyzed, 1 stored with another text and sent again, 0 failed"
    )
    with open_store(db) as s:
        assert s.get("x").document.text == _text(2)
    r = run("batch", rows, "--db", db, "--model", "rules")  # the same text again: nothing to do
    assert done_line(r.stderr).startswith("Done: 0 analyzed, 1 already in the store, 0 failed in ")
    rows.write_text(json.dumps({"id": "x", "text": "word " * 300}) + "\n", encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules", "--max-chars", "1000")  # a changed text that fails
    assert r.exit_code == 1 and ", 1 failed in " in done_line(r.stderr)
    r = run("batch", rows, "--db", db, "--model", "rules", "--max-chars", "1000")  # is not tried on every run
    assert r.exit_code == 0 and "1 document(s) failed in an earlier run" in r.stderr


def test_a_lone_surrogate_fails_its_document_not_the_run(db, tmp_path):
    rows = tmp_path / "rows.jsonl"
    bad = '{"id": "bad", "text": "They are traitors \\ud800 and liars."}'
    rows.write_text(json.dumps({"id": "ok", "text": _text(1)}) + "\n" + bad + "\n", encoding="utf-8")
    r = run("batch", rows, "--db", db, "--model", "rules")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert done_line(r.stderr).startswith("Done: 1 analyzed, 1 failed in ")
    with open_store(db) as s:
        [f] = s.failures()
        assert "lone surrogate" in f.reason and s.get("ok") is not None


def test_reanalyze_replaces_analyses_of_another_model_version(db, tmp_path):
    expected = make_corpus(tmp_path / "news", 4)
    with open_store(db) as s:
        s.write([replace(a, spans=(), model=OTHER_MODEL) for a in list(expected.values())[:3]])
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules")
    assert r.exit_code == 0
    # the 3 were stored without the language the ingest finds: filled in, their analyses kept
    assert done_line(r.stderr).startswith("Done: 1 analyzed, 3 with new metadata updated, 0 failed")
    assert "Note: kept 3 analyses made by another model version; rerun with --reanalyze" in r.stderr
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules", "--reanalyze")
    assert r.exit_code == 0
    assert done_line(r.stderr).startswith("Done: 3 analyzed, 1 already in the store, 0 failed")
    check_store(db, expected)
    r = run("batch", tmp_path / "news", "--db", db, "--model", "rules", "--reanalyze")
    assert done_line(r.stderr).startswith("Done: 0 analyzed, 4 already in the store, 0 failed")


def test_usage_errors_exit_2(tmp_path):
    r = run("batch", tmp_path, "--db", tmp_path / "x.sqlite", "--scheduler", "tcp://127.0.0.1:1")
    assert r.exit_code == 2 and "Error: --scheduler needs --engine dask" in r.stderr
    r = run("batch", tmp_path, "--db", tmp_path / "x.sqlite", "--workers", "0")
    assert r.exit_code == 2
    r = run("batch", tmp_path, "--db", tmp_path / "x.sqlite", "--model", "gpt")
    assert r.exit_code == 2
    assert not (tmp_path / "x.sqlite").exists()


def _stored(target: str) -> dict[str, Analysis]:
    with open_store(target) as s:
        return {a.document.id: a for a in s.iter_analyses()}


def test_article_stores_the_article_analysis_and_a_rerun_with_it_adds_it(tmp_path):
    from spinlens.analysis import GENRES

    expected = make_corpus(tmp_path / "news", 3)
    plain, full = str(tmp_path / "plain.sqlite"), str(tmp_path / "full.sqlite")
    r = run("batch", tmp_path / "news", "--db", plain, "--model", "rules", "--no-article")
    assert r.exit_code == 0, r.output
    for doc_id, a in _stored(plain).items():  # without --article: spans only
        assert a.genre is None and a.frames == () and a.quotes == ()
        assert a.extras == expected[doc_id].extras and "article" not in a.extras

    r = run("batch", tmp_path / "news", "--db", full, "--model", "rules", "--article")
    assert r.exit_code == 0, r.output
    assert done_line(r.stderr).startswith("Done: 3 analyzed, 0 failed in ")
    check_store(full, expected)
    stored = _stored(full)
    for doc_id, a in stored.items():
        art = a.extras["article"]
        assert a.genre in GENRES and set(art["genre_scores"]) == set(GENRES)
        assert a.extras["source"] == expected[doc_id].extras["source"]  # beside the article analysis
        assert art["summary"]["top_techniques"] and art["model"]["sha256"]
        assert a.to_dict()["extras"]["article"] == art

    # a rerun with --article adds it to documents stored without it; then there is nothing left to do
    r = run("batch", tmp_path / "news", "--db", plain, "--model", "rules", "--article")
    assert done_line(r.stderr).startswith("Done: 3 analyzed, 0 failed in ")
    assert _stored(plain) == stored
    for flag in ("--article", "--no-article"):
        r = run("batch", tmp_path / "news", "--db", plain, "--model", "rules", flag)
        assert done_line(r.stderr).startswith("Done: 0 analyzed, 3 already in the store, 0 failed"), flag
    assert _stored(plain) == stored

    # the web's page of a stored document shows the article panel (a server without the analyzer)
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from spinlens.web import WebSettings, create_app

    doc_id = next(iter(expected))
    for target in (full, plain):
        app = create_app(WebSettings(model="rules", article=False, db=target))
        html = TestClient(app, base_url="http://127.0.0.1").get(f"/a/{doc_id}").text
        assert 'id="article-analysis"' in html and 'id="article-analysis-missing"' not in html


def test_the_per_document_function_keeps_its_extras_beside_the_article_analysis_and_loads_once():
    out = analyze_document(Document(text=_text(1)), "rules", extras={"source": "a"}, article=True)
    assert out.ok and out.analysis.extras["source"] == "a" and out.analysis.genre is not None
    assert set(out.analysis.extras) == {"source", "article"}
    with_article = load_pipeline("rules", 2_000_000, None, True)
    assert with_article is load_pipeline("rules", 2_000_000, None, True)  # once per process
    plain = load_pipeline("rules", 10)
    assert plain.article_analyzer is None and plain.tagger is with_article.tagger
    assert load_pipeline("rules", 10, None, True).article_analyzer is with_article.article_analyzer


# -- engines -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_scheduler():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.mark.parametrize("engine", ["pool", "dask"])
def test_the_pool_and_dask_store_what_a_serial_run_stores(engine, tmp_path, request):
    expected = make_corpus(tmp_path / "news", 30)
    args = ["batch", tmp_path / "news", "--model", "rules", "--batch-size", "7"]
    serial, parallel = str(tmp_path / "serial.sqlite"), str(tmp_path / f"{engine}.sqlite")
    assert run(*args, "--db", serial).exit_code == 0
    extra = ["--workers", "2"]
    if engine == "dask":
        extra = ["--engine", "dask", "--scheduler", request.getfixturevalue("dask_scheduler")]
    (tmp_path / "news" / "photo.jpg").write_bytes(b"\xff\xd8")  # skipped by the driver, listed once
    log = tmp_path / "skipped.jsonl"
    r = run(*args, "--db", parallel, *extra, "--skipped", log)
    assert r.exit_code == 0, r.output
    assert done_line(r.stderr).startswith(
        f"Done: 30 analyzed, 1 input(s) skipped (all listed in {log}), 0 failed"
    )
    assert [x["source"] for x in _listed(log)] == [str(tmp_path / "news" / "photo.jpg")]
    check_store(parallel, expected)
    with open_store(serial) as a, open_store(parallel) as b:
        key = lambda x: x.document.id  # noqa: E731
        assert sorted(a.iter_analyses(), key=key) == sorted(b.iter_analyses(), key=key)
        assert a.stats("technique") == b.stats("technique")


def test_the_per_document_function_reports_a_bad_document_instead_of_raising():
    out = analyze_document(Document(text="x" * 50), "rules", max_chars=10)
    assert out.analysis is None and out.document_id == Document(text="x" * 50).id
    assert out.reason.startswith("the text has 50 characters, more than the limit of 10")
    ok = analyze_document(Document(text=_text(3)), "rules", extras={"source": "a"})
    assert ok.ok and ok.analysis.extras == {"source": "a"} and ok.analysis.model.sha256 == RULES_SHA


def test_run_batch_streams_its_input(tmp_path):
    """Input is read a chunk ahead of the work, never all at once."""
    produced = 0

    def results():
        nonlocal produced
        for i in range(2000):
            produced += 1
            yield IngestResult(f"r{i}", Document(text=_text(i)), "ok")

    ahead = []

    def on_progress(p):
        ahead.append(produced - p.processed)

    with open_store(tmp_path / "s.sqlite") as s:
        p = run_batch(results(), s, BatchOptions(model="rules", batch_size=100), on_progress=on_progress)
        assert (p.analyzed, p.failed, p.read) == (2000, 0, 2000)
        assert s.counts()["documents"] == 2000
    assert max(ahead) <= 256


def test_estimate_total_counts_without_reading_documents(tmp_path):
    make_corpus(tmp_path / "news", 3)
    (tmp_path / "news" / "notes.bin").write_bytes(b"\x00")
    (tmp_path / "rows.jsonl").write_text('{"text": "a"}\n\n{"text": "b"}\n{"text": "c"}', encoding="utf-8")
    (tmp_path / "rows.csv").write_text("text\na\nb\n", encoding="utf-8")
    exts = (".txt", ".jsonl", ".csv")
    # 3 documents + notes.bin (one "skipped" input, as batch reports it) + 3 rows
    assert estimate_total([str(tmp_path / "news"), str(tmp_path / "rows.jsonl")], exts) == 7
    assert estimate_total([str(tmp_path / "rows.csv")], exts) == 2
    assert estimate_total(["-"], exts) is None


@pytest.mark.model
def test_batch_with_the_shipped_model_records_its_provenance(tmp_path):
    from spinlens.model import SpanTagger

    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text(_text(1), encoding="utf-8")
    db_path = tmp_path / "m.sqlite"
    r = run("batch", tmp_path / "news", "--db", db_path)
    assert r.exit_code == 0, r.output
    with open_store(db_path) as s:
        [a] = list(s.iter_analyses())
    assert a.model == SpanTagger().load().info == model_info("default")


# -- kill -9 and resume ------------------------------------------------------------------------------
def _spawn(folder: Path, target: str, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "spinlens", "batch", str(folder), "--db", target, "--model", "rules"]
    cmd += ["--batch-size", "8", "--workers", str(workers)]
    return subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, text=True
    )


def _wait_for(store, more_than: int, proc: subprocess.Popen, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = store.counts()["analyses"]
        if n > more_than or proc.poll() is not None:
            return n
        time.sleep(0.005)
    raise AssertionError(f"the batch wrote nothing past {more_than} analyses in {timeout} s")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kill_9_at_any_point_then_rerun_stores_each_document_once(db, tmp_path):
    """``kill -9`` a real batch process twice mid-run (serial, then with a process pool); the third run
    completes the store, each document exactly once with all its spans."""
    n = 300
    expected = make_corpus(tmp_path / "news", n)
    with open_store(db) as store:
        seen = 0
        for workers, delay in ((1, 0.0), (2, 0.1)):
            proc = _spawn(tmp_path / "news", db, workers)
            seen = _wait_for(store, seen, proc)
            time.sleep(delay)
            assert proc.poll() is None, f"the batch finished before it could be killed: {proc.stderr.read()}"
            os.kill(proc.pid, signal.SIGKILL)  # the main process only: pool workers must notice and exit
            proc.wait(10)
            assert proc.returncode == -signal.SIGKILL
            deadline = time.monotonic() + 10
            while _group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _group_alive(proc.pid), "worker processes outlived their killed parent"
            seen = store.counts()["analyses"]
            assert 0 < seen < n
        proc = _spawn(tmp_path / "news", db, 1)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        line = done_line(err)
        assert line.startswith(f"Done: {n - seen} analyzed, {seen} already in the store, 0 failed"), line
    check_store(db, expected)


def test_sigterm_stops_a_batch_like_ctrl_c_and_the_rerun_finishes(db, tmp_path):
    """``kill`` (``docker stop``, systemd) sends SIGTERM: the batch writes what it has analyzed and says so,
    as for Ctrl-C, instead of dying with its last analyses unwritten."""
    n = 300
    expected = make_corpus(tmp_path / "news", n)
    with open_store(db) as store:
        proc = _spawn(tmp_path / "news", db, 1)
        _wait_for(store, 0, proc)
        assert proc.poll() is None, f"the batch finished before it could be stopped: {proc.stderr.read()}"
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 143, err  # 128 + SIGTERM, as a shell reports a terminated command (was 130)
        assert "Interrupted: what was analyzed is stored" in err and "Traceback" not in err
        seen = store.counts()["analyses"]
        assert 0 < seen < n
        proc = _spawn(tmp_path / "news", db, 1)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert done_line(err).startswith(f"Done: {n - seen} analyzed, {seen} already in the store, 0 failed")
    check_store(db, expected)


@pytest.mark.parametrize("engine", ["pool", "dask"])
def test_ctrl_c_in_a_terminal_stops_the_workers_without_tracebacks(engine, tmp_path):
    """A terminal's Ctrl-C sends SIGINT to the whole foreground process group: the pool's and the Dask
    LocalCluster's worker processes printed a ``KeyboardInterrupt`` traceback each. Only the driver takes
    it now; it writes what was analyzed and stops the workers, and a rerun finishes the store."""
    if engine == "dask":
        pytest.importorskip("distributed")
    n = 2000
    expected = make_corpus(tmp_path / "news", n)
    target = str(tmp_path / "c.sqlite")
    cmd = [sys.executable, "-m", "spinlens", "batch", str(tmp_path / "news"), "--db", target]
    cmd += ["--model", "rules", "--batch-size", "8", "--workers", "2"]
    cmd += ["--engine", "dask"] if engine == "dask" else []
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
        # as in a terminal, whatever pytest inherited (a background job ignores SIGINT)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    with open_store(target) as store:
        _wait_for(store, 0, proc, timeout=120)
    assert proc.poll() is None, f"the batch finished before it could be stopped: {proc.stderr.read()}"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted: what was analyzed is stored" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    r = run("batch", tmp_path / "news", "--db", target, "--model", "rules")
    assert r.exit_code == 0, r.output
    check_store(target, expected)


@pytest.fixture
def ctrl_c():
    """Ctrl-C raises KeyboardInterrupt, as in a terminal: a process started in the background (a CI job,
    ``nohup``) inherits SIGINT ignored, and Python then leaves it ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class _InterruptAt:
    """Ctrl-C (SIGINT) at the k-th Python call inside the store's first write (installed on the instance)."""

    def __init__(self, store, k: int) -> None:
        self.k, self.calls, self.fired, self.writes = k, 0, False, 0
        self.write = store.write
        store.write = self

    def __call__(self, *args, **kwargs):
        self.writes += 1
        if self.writes > 1:
            return self.write(*args, **kwargs)
        sys.setprofile(self.profile)
        try:
            return self.write(*args, **kwargs)
        finally:
            sys.setprofile(None)

    def profile(self, frame, event, arg) -> None:
        if event in ("call", "c_call") and not self.fired:
            self.calls += 1
            if self.calls == self.k:
                self.fired = True
                signal.raise_signal(signal.SIGINT)


def test_an_interrupt_anywhere_inside_a_store_write_waits_for_the_write_to_end(tmp_path, ctrl_c):
    """Ctrl-C or SIGTERM landing inside SQLAlchemy or the driver could leave a connection checked out with a
    SQLite write transaction open: the run's last write (of what it had analyzed) then waited 60 s on that
    lock (a CI run's SIGTERM test timed out so). Interrupted at points spread over a whole write, the run now
    stops after the write, which is stored whole, and leaves no connection behind; the rerun finishes."""
    from spinlens.ingest import IngestOptions, iter_documents

    expected = make_corpus(tmp_path / "news", 20)
    options = BatchOptions(model="rules", batch_size=8, flush_seconds=0.0)

    def batch(store) -> None:
        run_batch(iter_documents([tmp_path / "news"], IngestOptions()), store, options)

    for warm in range(2):  # the calls of one write, once SQLAlchemy's statement cache is warm
        with open_store(str(tmp_path / f"count{warm}.sqlite")) as store:
            counter = _InterruptAt(store, k=0)
            batch(store)
    assert counter.calls > 100 and counter.writes > 1
    for i, k in enumerate(range(1, counter.calls, counter.calls // 12)):
        target = str(tmp_path / f"c{i}.sqlite")
        with open_store(target) as store:
            at = _InterruptAt(store, k)
            with pytest.raises(KeyboardInterrupt):
                batch(store)
            assert at.fired and at.writes == 1, k  # stopped after the write the signal landed in
            assert store.engine.pool.checkedout() == 0, k
            assert store.counts()["analyses"] == 1, k  # that write (one analysis) is whole
            batch(store)
        check_store(target, expected)


def test_deferred_interrupts_hands_a_held_signal_to_the_handler_before_it(ctrl_c):
    from spinlens._interrupts import deferred_interrupts

    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    try:
        with deferred_interrupts():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)
            assert got == []  # held
        assert got == [signal.SIGTERM]  # once, after the block, by the handler in place before
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with pytest.raises(KeyboardInterrupt), deferred_interrupts():
            signal.raise_signal(signal.SIGINT)
        with deferred_interrupts():
            pass
        signal.raise_signal(signal.SIGTERM)
        assert got == [signal.SIGTERM] * 2  # the handler is back in place
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with deferred_interrupts():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # ignored before: dropped, ignored again
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_model_that_is_not_built_fails_before_a_store_is_created(tmp_path, monkeypatch):
    """(The store file was created, then the run failed: a later search found an empty store.)"""
    monkeypatch.setenv("SPINLENS_MODELS", str(tmp_path / "models"))  # nothing built there
    (tmp_path / "a.txt").write_text(_text(1), encoding="utf-8")
    db = tmp_path / "new.sqlite"
    r = run("batch", tmp_path / "a.txt", "--db", db, "--model", "accurate")
    assert r.exit_code == 1 and "the accurate model is not built yet" in r.stderr
    assert not db.exists()


def test_max_bytes_is_an_option_of_batch_too(db, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(_text(1) + " filler" * 2000, encoding="utf-8")
    r = run("batch", big, "--db", db, "--model", "rules", "--max-bytes", "1000")
    assert r.exit_code == 1 and "limit" in r.stderr
    r = run("batch", big, "--db", db, "--model", "rules", "--max-bytes", "100000")
    assert r.exit_code == 0, r.output


# -- one record, one worker or one other writer must not stop a whole run -----------------------------
def test_a_document_the_store_cannot_hold_fails_alone_and_the_run_goes_on(db, tmp_path):
    """PostgreSQL holds no NUL character and at most 128 characters of id (512 of outlet, 64 of published):
    such a document failed the whole write, so the run stopped there, and at the same record on every rerun.
    It is a failure of its own now; SQLite holds every one of them."""
    bad = [
        {"id": "nul-text", "text": _text(1) + "\u0000"},
        {"id": "nul-title", "title": "a\u0000b", "text": _text(2)},
        {"id": "x" * 129, "text": _text(3)},
        {"id": "outlet", "outlet": "O" * 513, "text": _text(4)},
        {"id": "published", "published": "p" * 65, "text": _text(5)},
    ]
    good = [{"id": f"ok{i}", "text": _text(10 + i)} for i in range(3)]
    records = [good[0], *bad, *good[1:]]
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pg = db.startswith("postgresql")
    for rerun in (False, True):
        r = run("batch", rows, "--db", db, "--model", "rules")
        assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
        with open_store(db) as s:
            stored = {a.document.id: a.document.text for a in s.iter_analyses()}
            failures = {f.source: f.reason for f in s.failures()}
        if not pg:
            assert r.exit_code == 0
            assert stored == {x["id"]: x["text"] for x in records} and failures == {}
            continue
        assert r.exit_code == 1
        before = "0 analyzed, 3 already in the store" if rerun else "3 analyzed"
        assert done_line(r.stderr).startswith(f"Done: {before}, 5 failed in ")
        assert stored == {x["id"]: x["text"] for x in good}
        nul = "contains a NUL character (U+0000), which PostgreSQL cannot store; remove it from the input"
        long = "characters, more than the {} this store holds; shorten it in the input"
        assert failures == {
            f"{rows}:2": f"the text field {nul}",
            f"{rows}:3": f"the title field {nul}",
            f"{rows}:4": "the id field has 129 " + long.format(128),
            f"{rows}:5": "the outlet field has 513 " + long.format(512),
            f"{rows}:6": "the published field has 65 " + long.format(64),
        }
        assert f"Error: {rows}:4: the id field has 129 characters" in r.stderr


def test_jsonl_piped_to_standard_input_is_stored_record_by_record(tmp_path):
    """``zcat crawl.jsonl.gz | spinlens batch - --db ...`` stored the whole stream as one document."""
    records = [{"id": f"d{i}", "text": _text(i), "outlet": "Daily"} for i in range(5)]
    data = "".join(json.dumps(r) + "\n" for r in records) + "{broken\n"
    target = str(tmp_path / "s.sqlite")
    r = CliRunner().invoke(app, ["batch", "-", "--db", target, "--model", "rules"], input=data)
    assert r.exit_code == 1, r.output
    assert "Error: -:6: invalid JSON" in r.stderr
    assert done_line(r.stderr).startswith("Done: 5 analyzed, 1 failed in ")
    with open_store(target) as s:
        stored = {a.document.id: (a.document.text, a.document.outlet) for a in s.iter_analyses()}
    assert stored == {x["id"]: (x["text"], "Daily") for x in records}
    r = CliRunner().invoke(app, ["batch", "-", "--db", target, "--model", "rules"], input=_text(99))
    assert r.exit_code == 0, r.output  # a plain text is still one document
    assert done_line(r.stderr).startswith("Done: 1 analyzed, 0 failed in ")


def test_a_worker_that_dies_stops_the_run_with_a_message_and_what_was_analyzed_is_stored(tmp_path):
    """A pool worker killed mid-run (the out-of-memory killer, a crash) ended the run with a traceback."""
    import multiprocessing

    from spinlens.errors import SpinlensError

    before = {p.pid for p in multiprocessing.active_children()}
    last = []

    def on_progress(p):
        last[:] = [p.analyzed]
        workers = [c for c in multiprocessing.active_children() if c.pid not in before]
        if p.analyzed >= 20 and workers and not hasattr(on_progress, "killed"):
            on_progress.killed = workers[0].pid
            os.kill(workers[0].pid, signal.SIGKILL)

    results = (IngestResult(f"r{i}", Document(text=_text(i)), "ok") for i in range(5000))
    with open_store(tmp_path / "s.sqlite") as s:
        options = BatchOptions(model="rules", workers=2, batch_size=5)
        with pytest.raises(SpinlensError, match="^a worker process died while analyzing .* rerun the same"):
            run_batch(results, s, options, on_progress=on_progress)
        assert hasattr(on_progress, "killed")
        assert 20 <= s.counts()["analyses"] == last[0] < 5000
    deadline = time.monotonic() + 10
    while [c for c in multiprocessing.active_children() if c.pid not in before]:
        assert time.monotonic() < deadline, "the other worker outlived the broken pool"
        time.sleep(0.1)


def test_a_bad_scheduler_address_is_an_error_line_not_a_traceback(tmp_path):
    pytest.importorskip("distributed")
    make_corpus(tmp_path / "news", 2)
    target = tmp_path / "s.sqlite"
    r = run("batch", tmp_path / "news", "--db", target, "--engine", "dask", "--scheduler", "bogus:://x")
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    assert "Error: 'bogus:://x' is not a Dask scheduler address (e.g. tcp://HOST:8786)" in r.stderr


def test_a_scheduler_nothing_listens_at_is_an_error_at_once(tmp_path):
    """(A refused tcp:// address, or a host name that does not resolve, was retried until the client's 30 s
    timeout before the error line.)"""
    import socket

    pytest.importorskip("distributed")
    make_corpus(tmp_path / "news", 2)
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for address in (f"tcp://127.0.0.1:{port}", "tcp://no-such-host.invalid:8786"):
        args = ("batch", tmp_path / "news", "--db", tmp_path / "s.sqlite", "--engine", "dask")
        r = run(*args, "--scheduler", address)
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
        assert f"Error: cannot reach the Dask scheduler {address}: " in r.stderr, r.stderr
        assert "Timed out" not in r.stderr, "the client's 30 s timeout was waited for"
    assert "Connection refused" in run(*args, "--scheduler", f"tcp://127.0.0.1:{port}").stderr
