"""The ``spinlens`` command through a CliRunner against the real app: exact output and exit codes."""

from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARTICLE, EXAMPLE, need_data
from typer.testing import CliRunner

from spinlens.cli import TRAIN_EXTRA_MISSING, app
from spinlens.settings import SETTINGS, Settings
from spinlens.taxonomy import PTC14_LABELS, TECHNIQUE_IDS

runner = CliRunner()
RULES = ["--model", "rules"]


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def err_lines(result) -> list[str]:
    return result.stderr.splitlines()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    p = tmp_path / "good.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    return p


# -- analyze: outputs ------------------------------------------------------------------------------------
def test_analyze_json_prints_one_analysis_object(good):
    r = run("analyze", good, "--format", "json", *RULES)
    assert r.exit_code == 0, r.output
    assert r.stderr == ""
    data = json.loads(r.stdout)
    assert data["document"]["text"] == ARTICLE
    assert data["model"]["name"] == "spinlens-rules"
    assert data["extras"] == {"source": str(good)}
    assert {"foreign agents", "traitors", "outrageous", "disaster", "full stop"} <= {
        s["text"] for s in data["spans"]
    }


def test_analyze_json_with_several_inputs_prints_an_array(good, tmp_path):
    other = tmp_path / "other.md"
    other.write_text("What a disaster.", encoding="utf-8")
    r = run("analyze", good, other, "-f", "json", *RULES)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [d["extras"]["source"] for d in data] == [str(good), str(other)]


def test_analyze_jsonl_writes_one_json_object_per_line(good, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("A puppet regime.\nSecond line.", encoding="utf-8")
    r = run("analyze", good, other, "--format", "jsonl", *RULES)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    docs = [json.loads(line) for line in lines]
    assert docs[1]["document"]["text"] == "A puppet regime.\nSecond line."


def test_analyze_ptc_uses_the_article_id_of_the_file_name(tmp_path):
    p = tmp_path / "article123456.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    r = run("analyze", p, "-f", "ptc", *RULES)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines and all(line.startswith("123456\t") for line in lines)
    for line in lines:
        aid, label, start, end = line.split("\t")
        assert label in PTC14_LABELS and 0 <= int(start) < int(end) <= len(ARTICLE)
    i = ARTICLE.index("foreign agents")
    assert f"123456\tName_Calling,Labeling\t{i}\t{i + 14}" in lines


def test_analyze_html_writes_one_page_to_the_output_file(good, tmp_path):
    out = tmp_path / "report.html"
    r = run("analyze", good, "-f", "html", "--output", out, *RULES)
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and 'data-technique="Name_Calling-Labeling"' in page


def test_analyze_terminal_shows_the_article_and_legend(good):
    r = run("analyze", good, *RULES)
    assert r.exit_code == 0, r.output
    assert "foreign agents[1]" in r.stdout
    assert "Techniques" in r.stdout and "Name calling / labeling" in r.stdout
    assert "spans · " in r.stdout and "model spinlens-rules 1" in r.stdout


def test_analyze_reads_standard_input():
    r = run("analyze", "-", "-f", "json", *RULES, input=ARTICLE.encode())
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["document"]["text"] == ARTICLE and data["extras"]["source"] == "<stdin>"


@pytest.mark.model
def test_analyze_with_the_shipped_model(good):
    r = run("analyze", good, "-f", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["model"]["name"].startswith("spinlens-minilm-l6") and len(data["model"]["sha256"]) == 64
    assert data["spans"]


@pytest.mark.model
def test_analyze_with_the_fast_model(good):
    from spinlens._modelmeta import read_meta, shipped_model_dir

    fast = read_meta(shipped_model_dir("fast"))
    r = run("analyze", good, "-f", "json", "--model", "fast")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    default = json.loads(run("analyze", good, "-f", "json").stdout)
    assert data["model"]["name"] == fast["name"] != default["model"]["name"]
    assert data["model"]["sha256"] != default["model"]["sha256"]
    assert len(fast["files"]["members"]) == 1 and data["spans"]


def test_analyze_example_with_rules_finds_the_labels():
    r = run("analyze", EXAMPLE, "-f", "json", *RULES)
    data = json.loads(r.stdout)
    labels = {s["text"] for s in data["spans"] if s["technique"] == "Name_Calling-Labeling"}
    assert {"foreign agents", "infowar outlets"} <= labels


# -- analyze: bad inputs, one line each, the others still analyzed ---------------------------------------
def test_missing_path_is_reported_and_the_others_still_analyzed(good, tmp_path):
    missing = tmp_path / "nope.txt"
    r = run("analyze", missing, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [f"Error: {missing}: no such file or folder; check the path"]
    assert len(r.stdout.splitlines()) == 1


def test_an_empty_path_is_an_error_not_the_current_folder(good, monkeypatch):
    """``spinlens analyze "$FILE"`` with FILE unset analyzed every file in the current folder."""
    monkeypatch.chdir(good.parent)
    r = run("analyze", "", "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [
        "Error: an empty path names no file; give a file, a folder, a URL or - for standard input"
    ]
    assert r.stdout == ""
    r = run("analyze", "file://", "-f", "jsonl", *RULES)
    assert r.exit_code == 1 and r.stdout == ""
    assert err_lines(r) == [
        "Error: file://: an empty path names no file; give a file, a folder, a URL or - for standard input"
    ]
    r = run("batch", "", "--db", good.parent / "c.sqlite", *RULES)
    assert r.exit_code == 2 and "Error: an INPUT is empty (an unset shell variable?)" in r.stderr
    assert not (good.parent / "c.sqlite").exists()


def test_error_lines_name_the_input_and_the_record_line_once(tmp_path):
    """(batch said "Error: nope.txt: no such file or folder: nope.txt", and both commands
    "rows.jsonl:1: line 1: no 'text' field".)"""
    missing = tmp_path / "nope.txt"
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"body": "x"}\n', encoding="utf-8")
    r = run("batch", missing, rows, "--db", tmp_path / "c.sqlite", *RULES)
    assert r.exit_code == 1
    errors = [line for line in err_lines(r) if line.startswith("Error:")]
    assert errors[0] == f"Error: {missing}: no such file or folder"
    assert errors[1].startswith(f"Error: {rows}:1: no 'text' field")
    r = run("analyze", rows, *RULES)
    assert r.exit_code == 1 and err_lines(r)[0].startswith(f"Error: {rows}:1: no 'text' field")


def test_whitespace_only_file(tmp_path, good):
    p = tmp_path / "blank.txt"
    p.write_text("  \n\t \n", encoding="utf-8")
    r = run("analyze", p, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [f"Error: {p}: the text is empty (or only whitespace): nothing to analyze"]
    assert len(r.stdout.splitlines()) == 1


def test_empty_standard_input():
    r = run("analyze", "-", *RULES, input=b"")
    assert r.exit_code == 1
    assert err_lines(r) == ["Error: <stdin>: the text is empty (or only whitespace): nothing to analyze"]


def test_binary_file(tmp_path, good):
    p = tmp_path / "data.txt"
    p.write_bytes(b"ZZ89ab\x00\x01\x02")
    r = run("analyze", p, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [
        f"Error: {p}: looks like a binary file (NUL byte at byte 6); give a UTF-8 text file "
        "(UTF-16 text: convert it with iconv -f utf-16 -t utf-8)"
    ]
    assert len(r.stdout.splitlines()) == 1


def test_a_text_file_whose_first_line_is_a_title_gets_it_as_title(tmp_path):
    """(Every .txt was "(no title)".) The text keeps the line: offsets index the file as given."""
    p = tmp_path / "a.txt"
    p.write_text("Traitors in the newsroom\n\nThe so-called experts lied again.\n", encoding="utf-8")
    r = run("analyze", p, "-f", "json", *RULES)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)["document"]
    assert (doc["title"], doc["text"]) == ("Traitors in the newsroom", p.read_text(encoding="utf-8"))


def test_a_markdown_files_front_matter_is_its_metadata_not_its_text(tmp_path):
    """A Jekyll/Hugo article's YAML front matter was analyzed as text, and its spans indexed it."""
    body = "The so-called experts lied again. Traitors!\n"
    p = tmp_path / "a.md"
    p.write_text(
        "---\ntitle: 'Traitors in the newsroom'\nauthors: [Ann Lee, Bo Park]\ndate: 2024-03-05\n"
        "url: https://example.org/x\n---\n\n" + body,
        encoding="utf-8",
    )
    r = run("analyze", p, "-f", "json", *RULES)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    doc = data["document"]
    assert (doc["title"], doc["author"], doc["published"], doc["url"], doc["text"]) == (
        "Traitors in the newsroom",
        "Ann Lee, Bo Park",
        "2024-03-05",
        "https://example.org/x",
        body,
    )
    assert data["spans"] and all(body[s["start"] : s["end"]] == s["text"] for s in data["spans"])
    only = tmp_path / "b.md"
    only.write_text("---\ntitle: Draft\n---\n", encoding="utf-8")
    r = run("analyze", only, *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [f"Error: {only}: the text is empty after its front matter: nothing to analyze"]


def test_a_pdf_a_word_file_or_an_image_is_named_with_what_to_do(tmp_path, good):
    """A PDF whose streams are plain text has no NUL byte: it was analyzed (and stored by batch) as the
    article's text, "%PDF-1.4 1 0 obj ..."; binary ones were "a binary file". Each is named now, with the
    next step, by analyze and batch (and the web app, which reads uploads through ingest)."""
    import zipfile

    pdf = tmp_path / "article.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    docx = tmp_path / "article.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>They are traitors.</w:document>")
    png = tmp_path / "shot"  # no extension: read by content
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    r = run("analyze", pdf, docx, png, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [
        f"Error: {pdf}: a PDF document, not text: extract its text first, e.g. pdftotext FILE.pdf FILE.txt",
        f"Error: {docx}: a Word document (.docx), not text: save it as plain text (or the article's web page "
        "as HTML) first",
        f"Error: {png}: a PNG image, not text: spinlens reads text, not images",
    ]
    assert len(r.stdout.splitlines()) == 1
    db = tmp_path / "c.sqlite"
    r = run("batch", pdf, docx, "--db", db, *RULES)
    assert r.exit_code == 1
    assert f"{pdf}: a PDF document, not text" in r.stderr and f"{docx}: a Word document" in r.stderr
    from spinlens.store import open_store

    with open_store(str(db)) as s:
        assert s.counts()["analyses"] == 0 and len(s.failures()) == 2


def test_a_windows_1252_file_is_read_as_batch_reads_it_and_said_so(tmp_path, good):
    """analyze decodes as batch and the web app do (it refused every non-UTF-8 file before session 19)."""
    p = tmp_path / "latin1.txt"
    p.write_bytes("Caf\u00e9 traitors are \u201cshameless\u201d.".encode("cp1252"))
    r = run("analyze", p, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 0
    assert err_lines(r) == [f"Note: {p}: not UTF-8 (byte 0xe9 at byte 3); read as windows-1252"]
    first = json.loads(r.stdout.splitlines()[0])
    assert first["document"]["text"] == "Caf\u00e9 traitors are \u201cshameless\u201d."
    (span,) = [s for s in first["spans"] if s["technique"] == "Name_Calling-Labeling"]
    assert first["document"]["text"][span["start"] : span["end"]] == "traitors"


def test_a_utf16_file_without_a_byte_order_mark_is_read_as_batch_reads_it(tmp_path, good):
    """Its NUL bytes are those of wide code units, not of a binary file: batch and the web app read it, so
    analyze does too (it called it a binary file)."""
    from spinlens.ingest import iter_documents

    p = tmp_path / "wide.txt"
    text = "The traitors in parliament lie every day to the nation and its people."
    p.write_bytes(text.encode("utf-16-le"))
    (read,) = iter_documents([str(p)])
    assert read.ok and read.document.text == text
    r = run("analyze", p, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 0, r.stderr
    assert err_lines(r) == [f"Note: {p}: not UTF-8 (UTF-16/32 without a byte-order mark); read as utf_16_le"]
    first = json.loads(r.stdout.splitlines()[0])
    assert first["document"]["text"] == text
    assert any(s["technique"] == "Name_Calling-Labeling" for s in first["spans"])


def test_bytes_that_no_text_encoding_fits_name_the_byte_and_suggest_converting(tmp_path, good):
    p = tmp_path / "odd.txt"
    p.write_bytes(b"ab\xff" + bytes(range(1, 32)) * 4)
    r = run("analyze", p, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    (line,) = err_lines(r)
    assert line.startswith(f"Error: {p}: ")
    assert len(r.stdout.splitlines()) == 1


def test_file_larger_than_the_default_limit(tmp_path, good):
    p = tmp_path / "huge.txt"
    p.write_bytes(b"traitor " * 625_000 + b"x")  # 5,000,001 bytes
    r = run("analyze", p, good, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [
        f"Error: {p}: the file is 5,000,001 bytes, more than the limit of 5,000,000 bytes; "
        "split it or raise the limit with --max-bytes"
    ]
    assert len(r.stdout.splitlines()) == 1


def test_raised_byte_limit_and_char_limit(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("A traitor. " * 10, encoding="utf-8")
    r = run("analyze", p, "--max-bytes", "50", *RULES)
    assert r.exit_code == 1
    assert "more than the limit of 50 bytes; split it or raise the limit with --max-bytes" in r.stderr
    r = run("analyze", p, "--max-chars", "20", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [
        f"Error: {p}: the text has 110 characters, more than the limit of 20; "
        "split it or raise the limit (--max-chars)"
    ]


def test_folder_with_mixed_files_reads_text_files_and_notes_the_rest(tmp_path):
    d = tmp_path / "news"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("A traitor spoke.", encoding="utf-8")
    (d / "b.md").write_text("# Title\n\nWhat a disaster.", encoding="utf-8")
    (d / "sub" / "c.TXT").write_text("Puppets, full stop.", encoding="utf-8")
    (d / "photo.jpg").write_bytes(b"\xff\xd8\xff\x00")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4")
    (d / ".hidden.txt").write_text("hidden", encoding="utf-8")
    r = run("analyze", d, "-f", "json", *RULES)
    assert r.exit_code == 0, r.output
    assert err_lines(r) == [f"Note: {d}: skipped 2 file(s) of unknown type: notes.pdf, photo.jpg"]
    sources = [x["extras"]["source"] for x in json.loads(r.stdout)]
    assert sources == [str(d / "a.txt"), str(d / "b.md"), str(d / "sub" / "c.TXT")]


def test_folder_without_text_files_is_an_error(tmp_path, good):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "x.pdf").write_bytes(b"%PDF")
    r = run("analyze", d, good, "-f", "json", *RULES)
    assert r.exit_code == 1
    assert err_lines(r) == [
        f"Note: {d}: skipped 1 file(s) of unknown type: x.pdf",
        f"Error: {d}: no text, HTML or record files in this folder; "
        "give text files or a folder that has some",
    ]
    assert len(json.loads(r.stdout)) == 1  # a folder was given: always an array


def test_all_inputs_failing_exits_1_without_output(tmp_path):
    r = run("analyze", tmp_path / "a.txt", tmp_path / "b.txt", *RULES)
    assert r.exit_code == 1
    assert len(err_lines(r)) == 2 and r.stdout == ""


def test_errors_have_no_traceback(tmp_path):
    r = run("analyze", tmp_path / "nope.txt", "--debug", *RULES)
    assert r.exit_code == 1
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["analyze"],
        ["analyze", "x.txt", "--format", "pdf"],
        ["analyze", "x.txt", "--model", "gpt"],
        ["analyze", "x.txt", "--max-bytes", "0"],
        ["analyze", "x.txt", "--bogus"],
        ["frobnicate"],
        ["eval", "ptc", "--articles", "/no/such/dir", "--gold", "/no/such/file"],
    ],
)
def test_usage_errors_exit_2(args):
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert "Usage:" in r.stderr


def test_settings_read_the_environment_once_and_reject_unknown_names(tmp_path):
    s = Settings.build({"SPINLENS_DATA": str(tmp_path)}, model="rules", max_bytes=None)
    assert s.data_root == tmp_path and s.model == "rules" and s.max_bytes == 5_000_000
    assert Settings.build({"SPINLENS_DATA": "/a"}, data_root=tmp_path).data_root == tmp_path
    assert Settings.build({}).data_root == Path("../shared/data")
    with pytest.raises(ValueError, match="unknown setting"):
        Settings.build({}, max_size=3)
    with pytest.raises(ValueError, match="unknown model"):
        Settings.build({}, model="gpt")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.model = "default"  # type: ignore[misc]
    assert [x.name for x in SETTINGS] == [f.name for f in dataclasses.fields(Settings)]


# -- other commands --------------------------------------------------------------------------------------
def test_version_names_spinlens_the_model_and_python():
    r = run("--version")
    assert r.exit_code == 0
    meta = json.loads((EXAMPLE.parents[1] / "model_data" / "model.json").read_text())
    lines = r.stdout.splitlines()
    assert lines[0].startswith("spinlens ")
    from spinlens._modelmeta import model_digest

    names = ", ".join(m["onnx_int8"]["name"] for m in meta["files"]["members"])
    # not "sha256": it is not the file's, which `models verify` prints
    assert lines[1] == f"model {meta['name']} {meta['version']} ({names}; model digest {model_digest(meta)})"
    assert lines[2].startswith(f"Python {platform.python_version()}")


@pytest.mark.parametrize(
    "command", [[], ["analyze"], ["techniques"], ["eval", "ptc"], ["train"], ["export"], ["models", "verify"]]
)
def test_every_command_help_has_an_example(command):
    r = run(*command, "--help")
    assert r.exit_code == 0
    if command:
        assert "Example:\n    spinlens " in r.stdout or "Example:\n    pip install" in r.stdout


def test_techniques_json_lists_all_23_with_texts_and_mappings():
    r = run("techniques", "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [x["id"] for x in rows] == list(TECHNIQUE_IDS)
    for x in rows:
        assert x["definition"] and x["example"] and x["cues"]
        assert x["ptc14"] is None or x["ptc14"] in PTC14_LABELS
    by_id = {x["id"]: x for x in rows}
    assert by_id["Appeal_to_Time"]["ptc14"] is None
    assert by_id["Conversation_Killer"]["ptc14"] == "Thought-terminating_Cliches"


def test_techniques_table():
    r = run("techniques")
    assert r.exit_code == 0
    assert "Name_Calling-Labeling" in r.stdout and "Thought-terminating_Cliches" in r.stdout


def test_techniques_table_shows_the_ptc18_counterparts_too():
    """The help promises PTC-14 / PTC-18 counterparts; the table showed PTC-14 only."""
    r = run("techniques")
    assert r.exit_code == 0
    assert r.stdout.count("PTC-18:") == len(TECHNIQUE_IDS)
    # a PTC-18 label with no PTC-14 counterpart, in the first column (which folds long labels)
    first = "".join(line.split("│")[1].strip() for line in r.stdout.splitlines() if line.startswith("│"))
    assert "PTC-14: -PTC-18:Obfuscation,Intentional_Vagueness,Confusion" in first


def test_models_verify_accepts_the_shipped_files():
    r = run("models", "verify")
    assert r.exit_code == 0, r.output
    assert "OK tagger0.int8.onnx sha256 " in r.stdout
    assert any(line.startswith("OK: model spinlens-minilm-l6") for line in r.stdout.splitlines())
    # and the analysis models of --article (they were only checked when --article loaded them)
    assert "OK analysis article_encoder.int8.onnx sha256 " in r.stdout
    assert r.stdout.splitlines()[-1].startswith("OK: analysis models spinlens-analysis-linear")


def test_models_verify_reports_a_corrupt_analysis_file(tmp_path, monkeypatch):
    import spinlens.analysis._store as store

    d = tmp_path / "data"
    shutil.copytree(store.default_data_dir(), d)
    p = d / "roles.npz"
    p.chmod(0o644)
    p.write_bytes(p.read_bytes()[:-5])
    monkeypatch.setattr(store, "default_data_dir", lambda: d)
    r = run("models", "verify")
    assert r.exit_code == 1 and "roles.npz has sha256" in r.stderr and "Traceback" not in r.output


def test_models_verify_reports_a_folder_in_place_of_a_file_without_a_traceback(tmp_path, monkeypatch):
    import spinlens.analysis._store as store
    from spinlens._modelmeta import shipped_model_dir

    model = tmp_path / "model"
    shutil.copytree(shipped_model_dir("default"), model, ignore=shutil.ignore_patterns("fast", "accurate"))
    (model / "heads0.npz").unlink()
    (model / "heads0.npz").mkdir()
    r = run("models", "verify", "--model-dir", model)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception  # not IsADirectoryError
    assert f"Error: {model / 'heads0.npz'}: cannot be read (Is a directory); reinstall spinlens" in r.stderr
    assert "OK tagger0.int8.onnx sha256 " in r.stdout  # the other files are still checked
    data = tmp_path / "data"  # and an analysis model file of --article
    shutil.copytree(store.default_data_dir(), data)
    (data / "roles.npz").unlink()
    (data / "roles.npz").mkdir()
    monkeypatch.setattr(store, "default_data_dir", lambda: data)
    r = run("models", "verify")
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    assert f"analysis model file {data / 'roles.npz'} cannot be read (Is a directory)" in r.stderr


def test_models_verify_accepts_the_fast_model_files():
    from spinlens._modelmeta import shipped_model_dir

    r = run("models", "verify", "--model-dir", shipped_model_dir("fast"))
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1].startswith("OK: model ")


def test_models_verify_reports_a_mismatch_and_a_missing_file(tmp_path):
    (tmp_path / "heads.npz").write_bytes(b"heads")
    (tmp_path / "tokenizer.json").write_text("{}")
    files = {
        "tokenizer": {
            "name": "tokenizer.json",
            "sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        },
        "members": [
            {
                "onnx": {"name": "tagger.fp32.onnx", "sha256": "2" * 64},
                "onnx_int8": {"name": "tagger.int8.onnx", "sha256": "0" * 64},
                "heads": {"name": "heads.npz", "sha256": "1" * 64},
            }
        ],
    }
    (tmp_path / "model.json").write_text(json.dumps({"name": "m", "version": "1", "files": files}))
    r = run("models", "verify", "--model-dir", tmp_path)
    assert r.exit_code == 1
    assert (
        err_lines(r)[0]
        == f"Error: {tmp_path / 'tagger.int8.onnx'}: missing; reinstall spinlens or run spinlens train"
    )
    assert err_lines(r)[1].startswith(f"Error: {tmp_path / 'heads.npz'}: sha256 ")
    assert err_lines(r)[1].endswith(
        f"does not match model.json ({'1' * 64}); the file is corrupt or was replaced: reinstall spinlens"
    )
    assert len(err_lines(r)) == 2
    assert "OK tokenizer.json sha256 44136fa3" in r.stdout
    assert "skipped tagger.fp32.onnx (not installed; not needed at run time)" in r.stdout


def test_train_without_the_extra_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # what a run-time install looks like: no torch
    r = run("train", "--run", tmp_path / "run", "--epochs", "1")
    assert r.exit_code == 1
    assert err_lines(r) == [TRAIN_EXTRA_MISSING]
    assert TRAIN_EXTRA_MISSING == "Error: training needs the train extra: pip install 'spinlens[train]'"
    r = run("export", "--run", tmp_path, "--out", tmp_path / "out")
    assert r.exit_code == 1
    assert err_lines(r) == [TRAIN_EXTRA_MISSING]


# -- eval ptc on three real PTC dev articles ---------------------------------------------------------------
@pytest.fixture
def ptc_sample(tmp_path: Path) -> tuple[Path, Path]:
    base = need_data("ptc-semeval2020-task11/datasets")
    arts = tmp_path / "articles"
    arts.mkdir()
    ids = sorted(p.name[7:-4] for p in (base / "dev-articles").glob("article*.txt"))[:3]
    for aid in ids:
        shutil.copy(base / "dev-articles" / f"article{aid}.txt", arts)
    gold_lines = [
        line
        for line in (base / "dev-task-flc-tc.labels").read_text(encoding="utf-8").splitlines()
        if line.split("\t")[0] in ids
    ]
    assert gold_lines
    gold = tmp_path / "gold.labels"
    gold.write_text("\n".join(gold_lines) + "\n", encoding="utf-8")
    return arts, gold


@pytest.mark.model
@pytest.mark.data
def test_eval_ptc_json_has_exactly_the_documented_keys(ptc_sample):
    arts, gold = ptc_sample
    r = run("eval", "ptc", "--articles", arts, "--gold", gold, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) == {"si", "tc", "articles"}
    assert set(out["si"]) == {"precision", "recall", "f1"} and set(out["tc"]) == {"micro_f1"}
    assert out["articles"] == 3
    for v in (*out["si"].values(), out["tc"]["micro_f1"]):
        assert 0.0 <= v <= 1.0
    assert out["tc"]["micro_f1"] > 0.0


@pytest.mark.model
@pytest.mark.data
def test_eval_ptc_text_prints_scores_and_tables(ptc_sample):
    arts, gold = ptc_sample
    r = run("eval", "ptc", "--articles", arts, "--gold", gold)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("PTC evaluation: 3 articles, model spinlens-minilm-l6")
    assert lines[1].startswith("SI  precision 0.") or lines[1].startswith("SI  precision 1.")
    assert lines[2].startswith("TC  micro-F1 ")
    assert "SI per technique" in r.stdout and "TC per technique" in r.stdout


@pytest.mark.model
@pytest.mark.data
def test_eval_ptc_scores_the_fast_model_without_the_excluded_articles(ptc_sample):
    arts, gold = ptc_sample
    first = sorted(p.stem.removeprefix("article") for p in arts.glob("article*.txt"))[0]
    r = run("eval", "ptc", "--articles", arts, "--gold", gold, "--model", "fast", "--exclude", first)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith("PTC evaluation: 2 articles, model spinlens-minilm-l4-fast ")
    r = run("eval", "ptc", "--articles", arts, "--gold", gold, "--exclude", "123")
    assert r.exit_code == 1 and err_lines(r) == [f"Error: cannot leave out 123: no such article in {arts}"]
    r = run("eval", "ptc", "--articles", arts, "--gold", gold, "--model", "rules")
    assert r.exit_code == 2 and "no span classifier" in r.output


@pytest.mark.model
def test_eval_ptc_folder_without_articles_is_an_error(tmp_path):
    (tmp_path / "gold.labels").write_text("")
    r = run("eval", "ptc", "--articles", tmp_path, "--gold", tmp_path / "gold.labels")
    assert r.exit_code == 1
    assert err_lines(r) == [f"Error: no article<ID>.txt files in {tmp_path}"]


def test_eval_ptc_with_the_rule_tagger_names_every_model_it_can_score(tmp_path):
    """(It said "use default or fast"; accurate and thorough score too.)"""
    (tmp_path / "gold.labels").write_text("")
    r = run("eval", "ptc", "--articles", tmp_path, "--gold", tmp_path / "gold.labels", "--model", "rules")
    assert r.exit_code == 2
    assert err_lines(r) == [
        "Error: --model rules has no span classifier to score; use one of: default, fast, accurate, "
        "accurate-fp32, thorough, thorough-fp32"
    ]


@pytest.mark.issue(3)
def test_analyze_reads_html_jsonl_and_skips_other_languages(tmp_path):
    """HTML and JSONL go through ingest; a broken line is an error, German text is skipped with the reason."""
    page = Path(__file__).parent / "fixtures" / "html" / "election_results.html"
    (tmp_path / "page.html").write_bytes(page.read_bytes())
    (tmp_path / "c.jsonl").write_text(
        '{"text": "The traitors and foreign agents lied again. It was an outrageous disaster."}\n'
        "{bad json\n"
        '{"text": "Die Regierung hat heute einen neuen Plan für die Wirtschaft vorgestellt, '
        'der viele Bürger überrascht hat."}\n',
        encoding="utf-8",
    )
    r = run("analyze", tmp_path, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    errs = err_lines(r)
    assert any(e.startswith(f"Error: {tmp_path / 'c.jsonl'}:2: ") for e in errs)
    assert any(e.startswith(f"Skipped: {tmp_path / 'c.jsonl'}:3: language 'de' detected") for e in errs)
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert {d["extras"]["source"] for d in docs} == {f"{tmp_path / 'c.jsonl'}:1", str(tmp_path / "page.html")}
    html_doc = next(d for d in docs if d["extras"]["source"].endswith("page.html"))
    assert html_doc["document"]["title"] and "<" not in html_doc["document"]["text"][:200]


@pytest.mark.model
@pytest.mark.issue(6)
def test_analyze_article_adds_genre_frames_quotes_and_summary():
    """--article runs spinlens.analysis after the span tagger; the summary is printed first, under the
    article's title (above it, with several files, it read as the previous article's)."""
    r = run("analyze", EXAMPLE, "--article", "-f", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["genre"] in ("opinion", "reporting", "satire") and data["frames"]
    assert data["quotes"] and {"summary", "entities", "narratives"} <= set(data["extras"]["article"])
    text = data["document"]["text"]
    for q in data["quotes"]:
        assert 0 <= q["start"] < q["end"] <= len(text)
    r = run("analyze", EXAMPLE, "--article")
    lines = r.stdout.splitlines()
    # the article's title (its first line), then its file, then the summary under them
    assert r.exit_code == 0 and lines[0].startswith("The Truth They Do Not Want You to Hear · ")
    assert lines[1].startswith("Summary  genre ")


def test_unwritable_output_is_a_usage_error_and_long_names_fail_cleanly(tmp_path):
    r = run("analyze", EXAMPLE, "-o", tmp_path / "missing" / "x.txt", *RULES)
    assert r.exit_code == 2 and "cannot write" in r.stderr and "Traceback" not in r.output
    r = run("analyze", "a" * 300, *RULES)
    assert r.exit_code == 1 and err_lines(r) == [f"Error: {'a' * 300}: File name too long; check the path"]


def test_terminal_drops_direction_overrides(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("The traitors \u202eevil lied. It was an outrageous disaster.", encoding="utf-8")
    r = run("analyze", p, *RULES)
    assert r.exit_code == 0 and "\u202e" not in r.stdout


# -- analyze: what the user gave is never lost -----------------------------------------------------------
def test_output_that_is_an_input_is_refused_and_the_input_kept(good):
    before = good.read_bytes()
    for name in (str(good), good.as_uri()):  # a path, or the file:// URL of the same file
        r = run("analyze", name, "-f", "json", "-o", good, *RULES)
        assert r.exit_code == 2 and "is also an input" in r.stderr
        assert good.read_bytes() == before


def test_a_failed_run_leaves_an_existing_output_file_as_it_was(tmp_path, good):
    out = tmp_path / "keep.html"
    out.write_text("my earlier report", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    r = run("analyze", empty, "-f", "html", "-o", out, *RULES)
    assert r.exit_code == 1 and out.read_text(encoding="utf-8") == "my earlier report"
    out.chmod(0o640)
    r = run("analyze", good, "-f", "html", "-o", out, *RULES)  # a run that works replaces it
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert out.stat().st_mode & 0o777 == 0o640  # with the file's permissions
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_run_that_skips_every_input_leaves_an_existing_output_file_as_it_was(tmp_path):
    """A run that produced nothing (its one input in another language) must not empty a former report."""
    de = tmp_path / "de.txt"
    de.write_text(
        "Die Regierung hat am Montag neue Sanktionen gegen Russland beschlossen, wie ein Sprecher mitteilte.",
        encoding="utf-8",
    )
    for fmt in ("json", "html"):
        out = tmp_path / f"keep.{fmt}"
        out.write_text("my earlier report", encoding="utf-8")
        r = run("analyze", de, "-f", fmt, "-o", out, *RULES)
        assert r.exit_code == 0 and err_lines(r)[0].startswith(f"Skipped: {de}: language 'de'")
        assert out.read_text(encoding="utf-8") == "my earlier report"
    new = tmp_path / "new.json"  # a new file is still made, empty: the run worked and found nothing
    r = run("analyze", de, "-f", "json", "-o", new, *RULES)
    assert r.exit_code == 0 and new.read_text(encoding="utf-8") == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_error_line_not_a_traceback(good):
    r = run("analyze", good, "-f", "html", "-o", "/dev/full", *RULES)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert err_lines(r) == ["Error: cannot write /dev/full: No space left on device"]
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            [sys.executable, "-m", "spinlens", "analyze", str(good), "-f", "json", *RULES],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "Error: cannot write standard output: No space left on device" in p.stderr


def test_a_page_without_text_is_an_error_but_another_language_is_a_note(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    r = run("analyze", page, *RULES)
    assert r.exit_code == 1 and err_lines(r)[0].startswith(f"Error: {page}: no text")
    de = tmp_path / "de.txt"
    de.write_text(
        "Die Regierung hat am Montag neue Sanktionen gegen Russland beschlossen, wie ein Sprecher mitteilte.",
        encoding="utf-8",
    )
    r = run("analyze", de, *RULES)
    assert r.exit_code == 0 and err_lines(r) == [
        f"Skipped: {de}: language 'de' detected (confidence 1.00); only en is analyzed"
    ]
    names = tmp_path / "names.txt"  # English full of names: py3langid's top guess 'fr' 0.17, P(en) 0.07
    names.write_text(
        "EU sanctions vs. Moscow: Zelensky, Putin, Lavrov, Macron, Scholz, Meloni.", encoding="utf-8"
    )
    r = run("analyze", names, "-f", "json", *RULES)
    assert r.exit_code == 0 and json.loads(r.stdout)["document"]["text"].startswith("EU sanctions")


def test_ptc_lines_cannot_be_forged_through_a_document_id(tmp_path):
    src = tmp_path / "ids.jsonl"
    evil = "evil\tid\nFAKE\tLoaded_Language\t0\t5"
    src.write_text(json.dumps({"id": evil, "text": ARTICLE}) + "\n", encoding="utf-8")
    r = run("analyze", src, "-f", "ptc", *RULES)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines and all(len(line.split("\t")) == 4 for line in lines)
    assert all(line.startswith("evil\\tid\\nFAKE\\tLoaded_Language\\t0\\t5\t") for line in lines)


def test_a_broken_link_in_a_folder_is_reported(tmp_path, good):
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(good, folder / "a.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    r = run("analyze", folder, "-f", "jsonl", *RULES)
    assert r.exit_code == 1 and len(r.stdout.splitlines()) == 1
    assert err_lines(r) == [
        f"Error: {folder / 'gone.txt'}: a link whose target is missing; fix or remove the link"
    ]


def test_a_link_to_a_folder_in_a_folder_is_reported_not_passed_over(tmp_path, good):
    """(A linked folder's files were left out without a word.)"""
    elsewhere = tmp_path / "archive"
    elsewhere.mkdir()
    shutil.copy(good, elsewhere / "b.txt")
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(good, folder / "a.txt")
    (folder / "archive").symlink_to(elsewhere, target_is_directory=True)
    r = run("analyze", folder, "-f", "jsonl", *RULES)
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1
    assert err_lines(r) == [
        f"Skipped: {folder / 'archive'}: a link to a folder, not followed; give the folder it leads to as an "
        "input of its own"
    ]


def test_records_with_another_text_field(tmp_path):
    src = tmp_path / "b.jsonl"
    src.write_text(json.dumps({"id": "a", "body": ARTICLE}) + "\n", encoding="utf-8")
    r = run("analyze", src, "-f", "jsonl", *RULES)
    assert r.exit_code == 1 and "--text-field" in r.stderr
    r = run("analyze", src, "-f", "jsonl", "--text-field", "body", *RULES)
    assert r.exit_code == 0 and json.loads(r.stdout)["document"]["id"] == "a"


def test_analyze_reads_gzipped_jsonl_as_batch_does(tmp_path):
    """(A .jsonl.gz was read as one text and refused as binary.)"""
    import gzip

    src = tmp_path / "c.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        for k in ("a", "b"):
            f.write(json.dumps({"id": k, "text": ARTICLE}) + "\n")
    r = run("analyze", src, "-f", "jsonl", *RULES)
    assert r.exit_code == 0, r.stderr
    assert [json.loads(line)["document"]["id"] for line in r.stdout.splitlines()] == ["a", "b"]


def test_models_verify_reports_a_broken_model_json_on_one_line(tmp_path):
    from spinlens._modelmeta import default_model_dir

    meta = json.loads((default_model_dir() / "model.json").read_text())
    del meta["files"]["members"][0]["heads"]
    (tmp_path / "model.json").write_text(json.dumps(meta))
    r = run("models", "verify", "--model-dir", tmp_path)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert err_lines(r) == [
        f"Error: {tmp_path / 'model.json'} is not a valid model description (KeyError: 'heads')"
    ]


def test_bad_seeds_are_a_usage_error(tmp_path):
    r = run("train", "--run", tmp_path / "run", "--seeds", "abc")
    assert r.exit_code == 2 and "give whole numbers separated by commas" in r.stderr
    assert not (tmp_path / "run").exists()


def test_unknown_training_sources_are_a_usage_error(tmp_path):
    """``--sources bogus`` (or ``ptc,``) read the corpora, then ended in a ValueError traceback."""
    from spinlens.datasets import TRAINING_SOURCES
    from spinlens.training.data import load_sources

    for bad in ("bogus", "ptc,", ""):
        r = run("train", "--run", tmp_path / "run", "--data", tmp_path / "none", "--sources", bad)
        assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.exception
        assert "give some of ptc, ptc-dev, ptc18, semeval2023, semeval2021" in r.stderr
        assert not (tmp_path / "run").exists()
    with pytest.raises(ValueError, match=f"known: {', '.join(TRAINING_SOURCES)}$"):  # the same names
        load_sources(["bogus"], None, set())


def test_training_sources_named_twice_are_read_once(tmp_path, monkeypatch):
    """(``--sources "ptc, semeval2023,ptc"`` passed ptc twice: every PTC article was trained on twice.)"""
    import spinlens.cli

    calls = []
    monkeypatch.setattr(spinlens.cli, "_run_training", lambda argv, debug: calls.append(argv))
    r = run("train", "--run", tmp_path / "run", "--sources", "ptc, semeval2023,ptc")
    assert r.exit_code == 0, r.output
    [argv] = calls
    assert argv[argv.index("--sources") + 1] == "ptc,semeval2023"


def test_models_verify_reports_a_folder_in_place_of_model_json_in_one_line(tmp_path):
    """A model.json that cannot be read (a folder in its place) was an IsADirectoryError traceback."""
    (tmp_path / "model.json").mkdir()
    r = run("models", "verify", "--model-dir", tmp_path)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    assert err_lines(r) == [
        f"Error: {tmp_path / 'model.json'} cannot be read (Is a directory); reinstall or rebuild the model"
    ]


def test_eval_ptc_without_usable_gold_spans_is_an_error(tmp_path):
    (tmp_path / "article111.txt").write_text("Some text about traitors.\n", encoding="utf-8")
    gold = tmp_path / "gold.labels"
    gold.write_text("\ufeff111\tBogus\t0\t4\n", encoding="utf-8")
    r = run("eval", "ptc", "--articles", tmp_path, "--gold", gold)
    assert (
        r.exit_code == 1
        and "no usable gold spans" in r.stderr
        and "'Bogus' is no PTC-14 technique" in r.stderr
    )


def test_eval_ptc_on_a_subset_counts_the_other_articles_of_the_gold_file_in_one_note(tmp_path):
    """(Scoring 3 PTC dev articles with the dev label file said "1051 problem(s) with the gold spans": every
    line of the other articles counted as a defect.)"""
    (tmp_path / "article111.txt").write_text("Some text about traitors and liars.\n", encoding="utf-8")
    gold = tmp_path / "gold.labels"
    lines = ["111\tName_Calling,Labeling\t15\t23"] + [f"{k}\tDoubt\t0\t4" for k in (222, 333, 333)]
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("eval", "ptc", "--articles", tmp_path, "--gold", gold, "--json")
    assert r.exit_code == 0, r.output
    assert err_lines(r) == [
        f"Note: the gold file also labels 2 article(s) not in {tmp_path} (e.g. 222): left out, the score "
        "covers the 1 article(s) there"
    ]
    assert json.loads(r.stdout)["articles"] == 1
    (tmp_path / "article111.txt").rename(tmp_path / "article999.txt")
    r = run("eval", "ptc", "--articles", tmp_path, "--gold", gold)
    assert r.exit_code == 1 and "its spans are of 3 other article(s), e.g. 111" in r.stderr


def test_eval_ptc_with_a_folder_named_like_an_article_is_one_error_line(tmp_path):
    (tmp_path / "article111.txt").mkdir()  # IsADirectoryError escaped as a traceback
    gold = tmp_path / "gold.labels"
    gold.write_text("111\tDoubt\t0\t4\n", encoding="utf-8")
    r = run("eval", "ptc", "--articles", tmp_path, "--gold", gold)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    assert err_lines(r) == [f"Error: cannot read {tmp_path / 'article111.txt'}: Is a directory"]


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    for codec in ("utf-16", "utf-32"):  # Python writes the BOM of the machine's byte order
        p = tmp_path / f"{codec}.txt"
        p.write_bytes(ARTICLE.encode(codec))
        r = run("analyze", p, "-f", "json", *RULES)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["document"]["text"] == ARTICLE


# -- hostile or mistaken input: a clear line, the right exit code, no traceback ----------------------------
def test_record_files_and_folders_with_nothing_in_them_are_errors(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "header.csv").write_text("text,title\n")
    (tmp_path / "nothing").mkdir()
    for name in ("empty.jsonl", "header.csv"):
        r = run("analyze", tmp_path / name, *RULES)
        assert r.exit_code == 1 and "no records in this" in r.stderr, r.output
    r = run("batch", tmp_path / "nothing", "--db", tmp_path / "c.sqlite", *RULES)
    assert r.exit_code == 1 and "no text, HTML or record files in this folder" in r.stderr


def test_mistaken_options_and_schemes_are_usage_errors_not_tracebacks(good, tmp_path):
    cases = [
        (("analyze", good, "--text-field", ""), 2, "the field that holds the text"),
        (
            ("batch", good, "--db", tmp_path / "c.sqlite", "--text-field", " "),
            2,
            "the field that holds the text",
        ),
        (("analyze", good, "--max-bytes", str(2**63)), 2, "--max-bytes"),
        (("batch", good, "--db", tmp_path / "c.sqlite", "--workers", str(2**31)), 2, "--workers"),
        (("search", "x", "--db", tmp_path / "c.sqlite", "-n", str(2**63)), 2, "--limit"),
        (("analyze", "ftp://example.org/a.txt"), 1, "unsupported URL scheme 'ftp'"),
    ]
    for args, code, why in cases:
        r = run(*args, *RULES) if args[0] != "search" else run(*args)
        assert r.exit_code == code and why in r.stderr, (args, r.output)
        assert "Traceback" not in r.output and "OverflowError" not in r.output


def test_error_lines_name_the_input_once_and_carry_no_escape_sequence(tmp_path):
    warc = tmp_path / "garbage.warc"
    warc.write_bytes(b"\x00\x01 not a warc")
    keys = tmp_path / "keys.jsonl"
    keys.write_text(json.dumps({"\x1b[2J\x1b]0;pwned\x07": 1}) + "\n")
    r = run("analyze", warc, keys, *RULES)
    assert r.exit_code == 1
    assert r.stderr.count(str(warc)) == 1 and "\x1b" not in r.stderr and "\x07" not in r.stderr, r.stderr


def test_terminal_safe_replaces_escapes_and_keeps_line_breaks():
    from spinlens.text import terminal_safe

    assert terminal_safe("a\x1b[2Jb\x07") == "a\ufffd[2Jb\ufffd"
    assert terminal_safe("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"  # CRLF, old Mac CR
    assert terminal_safe("\u202eevil") == "\ufffdevil"


def test_a_file_without_a_known_extension_is_read_by_its_content_as_batch_reads_it(tmp_path):
    """(`analyze page` with an HTML page saved without an extension analyzed the markup, scripts and all, as
    one article; batch sniffs the content.) A .txt file stays text whatever it holds."""
    html = (
        "<!doctype html><html><head><title>Harbour news</title><script>var t = 'foreign agents';</script>"
        "</head><body><article><p>The shameless traitors in the council sold the harbour to foreign agents, "
        "the mayor said on Monday.</p><p>Residents called the decision a disgrace and a betrayal.</p>"
        "</article></body></html>"
    )
    page = tmp_path / "page"
    page.write_text(html, encoding="utf-8")
    r = run("analyze", page, "-f", "json", *RULES)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)["document"]
    assert doc["title"] == "Harbour news" and doc["text"].startswith("The shameless traitors")
    assert "<script>" not in doc["text"]
    as_text = tmp_path / "page.txt"
    as_text.write_text(html, encoding="utf-8")
    r = run("analyze", as_text, "-f", "json", *RULES)
    assert r.exit_code == 0 and json.loads(r.stdout)["document"]["text"] == html


def test_max_documents_counts_over_every_argument(tmp_path):
    """(Each argument had its own limit: with two JSONL files and --max-documents 2 the note said "this and
    later sources not read", then the second file was read anyway: 4 documents.)"""
    texts = [f"The treacherous foreign agents lied again, story {k}." for k in range(6)]
    for name, part in (("a.jsonl", texts[:3]), ("b.jsonl", texts[3:])):
        (tmp_path / name).write_text(
            "".join(json.dumps({"id": f"{name}-{k}", "text": t}) + "\n" for k, t in enumerate(part)),
            encoding="utf-8",
        )
    r = run(
        "analyze", tmp_path / "a.jsonl", tmp_path / "b.jsonl", "-f", "jsonl", "--max-documents", "2", *RULES
    )
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["document"]["id"] for x in r.stdout.splitlines()] == ["a.jsonl-0", "a.jsonl-1"]
    assert sum("max" in line and "reached" in line for line in r.stderr.splitlines()) == 1
    r = run(
        "analyze", tmp_path / "a.jsonl", tmp_path / "b.jsonl", "-f", "jsonl", "--max-documents", "4", *RULES
    )
    assert [json.loads(x)["document"]["id"] for x in r.stdout.splitlines()] == [
        "a.jsonl-0",
        "a.jsonl-1",
        "a.jsonl-2",
        "b.jsonl-0",
    ]
    assert "--max-documents 4 reached" in r.stderr


def test_standard_input_is_read_as_batch_reads_it():
    """(`curl URL | spinlens analyze -` analyzed the page's markup and scripts; JSONL records on standard
    input were one "article" of JSON syntax.) Plain text is read as before."""
    page = (
        "<!doctype html><html><head><title>Harbour</title><script>var x = 'foreign agents';</script></head>"
        "<body><article><p>The shameless traitors sold the harbour to foreign agents, the mayor said.</p>"
        "<p>Residents called it a disgrace and a betrayal of the city.</p></article></body></html>"
    )
    r = run("analyze", "-", "-f", "json", *RULES, input=page)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)["document"]
    assert doc["title"] == "Harbour" and doc["text"].startswith("The shameless traitors")
    records = "".join(
        json.dumps({"id": f"r{k}", "text": f"The traitors lied again, take {k}."}) + "\n" for k in range(3)
    )
    r = run("analyze", "-", "-f", "json", *RULES, input=records)
    assert r.exit_code == 0, r.output
    assert [d["document"]["id"] for d in json.loads(r.stdout)] == ["r0", "r1", "r2"]
    r = run("analyze", "-", "-f", "json", *RULES, input="The traitors lied. <b>bold</b> is not a page.")
    assert json.loads(r.stdout)["document"]["text"] == "The traitors lied. <b>bold</b> is not a page."


def test_json_of_jsonl_on_standard_input_is_a_list_however_many_records_are_read(tmp_path):
    """(One record read from standard input, or one left after a failed one, printed an object, where the
    same records in a .jsonl file print a list: the shape depended on how many records failed.)"""
    records = json.dumps({"id": "r0", "text": "The traitors lied again."}) + "\n"
    r = run("analyze", "-", "-f", "json", *RULES, input=records)
    assert r.exit_code == 0, r.output
    assert [d["document"]["id"] for d in json.loads(r.stdout)] == ["r0"]
    r = run("analyze", "-", "-f", "json", *RULES, input=records + '{"text": ""}\n')
    assert r.exit_code == 1
    assert [d["document"]["id"] for d in json.loads(r.stdout)] == ["r0"]
    rows = tmp_path / "rows.jsonl"
    rows.write_text(records, encoding="utf-8")
    assert json.loads(run("analyze", rows, "-f", "json", *RULES).stdout)[0]["document"]["id"] == "r0"


def test_the_default_document_limit_reached_is_an_error_not_a_note(tmp_path, monkeypatch):
    """(A large input cut at the default 100,000 documents exited 0 with one "Skipped" line: what the user
    gave was not all read and nothing said so in the status. A limit the user gives is still a note.)"""
    import spinlens.cli as cli

    monkeypatch.setattr(cli, "DEFAULT_MAX_DOCUMENTS", 2)
    path = tmp_path / "a.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"d{k}", "text": f"The traitors lied again, take {k}."}) + "\n"
            for k in range(3)
        )
    )
    r = run("analyze", path, "-f", "jsonl", *RULES)
    assert r.exit_code == 1
    assert [json.loads(x)["document"]["id"] for x in r.stdout.splitlines()] == ["d0", "d1"]
    assert (
        "the default limit of 2 documents per run was reached" in r.stderr and "--max-documents N" in r.stderr
    )
    r = run("analyze", path, "-f", "jsonl", "--max-documents", "2", *RULES)
    assert r.exit_code == 0 and "Skipped: " in r.stderr and "--max-documents 2 reached" in r.stderr
