"""A tiny end-to-end training run: prepare -> fit -> tune -> export -> load -> predict, then distill.

Checks the chain that rebuilds the shipped model (``spinlens train``), not its quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs the train extra: pip install 'spinlens[train]'")


def _step_args(run, data_dir) -> list[str]:
    """The arguments of the steps after prepare: one tiny epoch, one seed."""
    return ["--run", str(run), "--data", str(data_dir), "--epochs", "1", "--batch-size", "4", "--seeds", "1"]


def _tiny_prepared_run(run, data_dir, articles: int) -> tuple[dict[str, list[int]], list[int]]:
    """``prepare`` on PTC, then ``full.npz`` cut to two windows of each of the first ``articles`` articles;
    returns the windows of those articles (by id) and the kept window indexes."""
    from spinlens.training.__main__ import main
    from spinlens.training.data import load_windows, save_windows, subset_windows

    main(["prepare", "--run", str(run), "--data", str(data_dir), "--sources", "ptc"])
    full = load_windows(run / "full.npz")
    first: dict[str, list[int]] = {}
    for i, a in enumerate(full["art"]):
        if len(first) < articles or a in first:
            first.setdefault(a, []).append(i)
    keep = [i for a in first for i in first[a][:2]]
    save_windows(subset_windows(full, keep), run / "full.npz")
    return first, keep


@pytest.mark.data
def test_tiny_training_run_exports_a_loadable_model(tmp_path, data_dir):
    from spinlens.model import SpanTagger
    from spinlens.training.__main__ import main
    from spinlens.training.data import load_windows, save_windows

    run = tmp_path / "run"
    main(["prepare", "--run", str(run), "--data", str(data_dir), "--sources", "ptc"])
    for name in ("fold.npz", "full.npz"):
        d = load_windows(run / name)
        keep = 6
        small = {k: (v[:keep] if isinstance(v, list) else v) for k, v in d.items()}
        m = d["span_win"] < keep
        for k in ("span_win", "span_s", "span_e", "span_y"):
            small[k] = d[k][m]
        save_windows(small, run / name)
    # only three tuning articles, to keep the test fast
    tune = json.loads((run / "tune.json").read_text())[:3]
    (run / "tune.json").write_text(json.dumps(tune))
    out = tmp_path / "model"
    # the steps after prepare, on the shrunken windows (``all`` would prepare the full corpora again)
    common = _step_args(run, data_dir)
    for step in ("fit-fold", "fit-full", "tune", "export"):
        main([step, *common, "--out", str(out)])
    meta = json.loads((out / "model.json").read_text())
    assert meta["files"]["members"][0]["onnx_int8"]["name"] == "tagger0.int8.onnx"
    assert set(meta["thresholds"]) >= {"inside", "split_b", "merge_gap", "calibration"}
    assert meta["command"].startswith("spinlens train export")
    tagger = SpanTagger(out).load()
    text = tune[0]["text"]
    scores = tagger.score_tokens(text)
    assert scores.p_bio.shape[1] == 3 and np.allclose(scores.p_bio.sum(1), 1.0, atol=1e-3)
    probs = tagger.classify(text, [(0, 10)])
    assert probs.shape == (1, 23) and abs(float(probs.sum()) - 1.0) < 1e-3
    # the prepare step excluded the PTC dev articles and recorded it
    data = json.loads((run / "data.json").read_text())
    assert data["excluded_ptc_dev"] is True and data["n_excluded_ids"] == 75
    # the fp32 export holds every weight of the fitted member: the checkpoint rebuilt from it is equal
    from spinlens.training.from_onnx import state_dict_from_onnx

    fitted = torch.load(run / "s1" / "full" / "ckpt.pt", map_location="cpu", weights_only=False)["model"]
    rebuilt = state_dict_from_onnx(out / "tagger0.fp32.onnx", out / "heads0.npz")
    assert set(fitted) - set(rebuilt) == {"encoder.pooler.dense.weight", "encoder.pooler.dense.bias"}
    for k, v in rebuilt.items():
        assert torch.equal(v, fitted[k].float()), k
    # the export graph has no SDPA NaN guards (eager attention: 14 % of a CPU window, RESULTS section 3)
    import onnx

    ops = {n.op_type for n in onnx.load(str(out / "tagger0.fp32.onnx")).graph.node}
    assert "IsNaN" not in ops and "MatMul" in ops
    # no attention mask: one unpadded window per run needs none (SpanTagger runs padded batches row by row)
    assert [i.name for i in onnx.load(str(out / "tagger0.int8.onnx")).graph.input] == ["input_ids"]
    # reexport rebuilds the ONNX files from the fp32 one: same outputs, and a model.json in a sub-folder
    # that points at them (like the shipped `fast` model) gets the new hashes
    one = json.loads((out / "model.json").read_text())
    for kind in ("onnx", "onnx_int8", "heads"):
        one["files"]["members"][0][kind]["name"] = "../" + one["files"]["members"][0][kind]["name"]
        one["files"]["members"][0][kind]["sha256"] = "0" * 64
    one["files"]["tokenizer"]["name"] = "../tokenizer.json"
    # the export lists the span lexicon exactly when the tuned calibration gives it a weight
    assert ("span_lexicon" in one["files"]) == bool(one["thresholds"]["calibration"].get("lex_w"))
    if "span_lexicon" in one["files"]:
        one["files"]["span_lexicon"]["name"] = "../span_lexicon.npz"
    (out / "one").mkdir()
    (out / "one" / "model.json").write_text(json.dumps(one))
    (out / "own").mkdir()  # a model with files of its own (like `fast` since 2026.11.26.4): left alone
    (out / "own" / "model.json").write_text((out / "model.json").read_text())
    fp32_before = SpanTagger(out, quantized=False).load().score_tokens(text).p_bio
    (out / "tagger0.int8.onnx").unlink()
    main(["reexport", "--out", str(out)])
    assert json.loads((out / "model.json").read_text())["reexported"]["command"].startswith(
        "spinlens train reexport"
    )
    fp32_after = SpanTagger(out, quantized=False).load().score_tokens(text).p_bio
    assert np.allclose(fp32_after, fp32_before, atol=1e-5)
    assert SpanTagger(out).load().predict(text) is not None
    again = json.loads((out / "one" / "model.json").read_text())["files"]["members"][0]
    member = json.loads((out / "model.json").read_text())["files"]["members"][0]
    assert again["onnx_int8"]["sha256"] == member["onnx_int8"]["sha256"]
    assert again["heads"]["sha256"] == "0" * 64  # only the re-exported files are touched
    assert "reexported" not in json.loads((out / "own" / "model.json").read_text())
    # retune: the thresholds tuned again on the run's tuning scores go into the model and its sub-folder
    # models, each with a new version; the weights stay
    # (a sub-folder model with thresholds of its own is left alone)
    other = json.loads((out / "one" / "model.json").read_text())
    other["thresholds"] = dict(other["thresholds"], inside=0.99)
    (out / "two").mkdir()
    (out / "two" / "model.json").write_text(json.dumps(other))
    paths = (out / "model.json", out / "one" / "model.json", out / "two" / "model.json")
    before = {p: json.loads(p.read_text()) for p in paths}
    main(["retune", "--run", str(run), "--out", str(out)])
    tuned = json.loads((run / "ensemble" / "thresholds.json").read_text())
    for path in paths[:2]:
        raw = path.read_text()
        meta = json.loads(raw)
        assert raw.endswith("}\n") and meta["thresholds"] == tuned["thresholds"]
        assert meta["version"] != before[path]["version"]
        assert meta["retuned"]["command"].startswith("spinlens train retune")
        assert {k: v for k, v in meta.items() if k not in ("thresholds", "tuning", "version", "retuned")} == {
            k: v for k, v in before[path].items() if k not in ("thresholds", "tuning", "version", "retuned")
        }
    assert json.loads(paths[2].read_text()) == before[paths[2]]
    assert SpanTagger(out).load().predict(text) is not None
    # distillation: the exported model is the teacher, its member 0 (rebuilt from ONNX) the student's start
    student_out = tmp_path / "student"
    main(
        [
            "distill",
            *common,
            "--teacher",
            str(out),
            "--init-member",
            "0",
            "--unlabeled",
            "2",
            "--out",
            str(student_out),
        ]
    )
    init = torch.load(run / "student" / "init.pt", map_location="cpu", weights_only=False)["model"]
    assert all(torch.equal(init[k], fitted[k].float()) for k in fitted)
    kd = load_windows(run / "distill.npz")
    assert sum(s == "unlabeled" for s in kd["src"]) >= 2
    for i in range(len(kd["ids"])):  # teacher targets align with the gold arrays, token for token
        assert kd["kd_bio"][i].shape == (len(kd["ids"][i]), 3)
        assert kd["kd_tech"][i].shape == (len(kd["ids"][i]), 23)
    assert np.allclose(kd["kd_span"].sum(1), 1.0, atol=1e-3)
    assert "unlabeled" in (run / "train.log").read_text()
    smeta = json.loads((student_out / "model.json").read_text())
    assert smeta["thresholds"] == meta["thresholds"]  # the teacher's decoding carries over
    assert SpanTagger(student_out).load().score_tokens(text).p_bio.shape == scores.p_bio.shape
    # a shallower student from the same teacher targets: layer 1 of the member becomes its only layer
    main(["distill", *common, "--teacher", str(out), "--init-member", "0", "--keep-layers", "1"])
    cut = torch.load(run / "student-l1" / "shallow" / "init.pt", map_location="cpu", weights_only=False)[
        "model"
    ]
    assert not any(k.startswith("encoder.encoder.layer.1.") for k in cut)
    for k, v in cut.items():
        src = k.replace("encoder.encoder.layer.0.", "encoder.encoder.layer.1.")
        assert torch.equal(v, fitted[src].float()), k
    assert (
        json.loads((run / "student-l1" / "shallow" / "base" / "config.json").read_text())["num_hidden_layers"]
        == 1
    )
    shallow = SpanTagger(run / "model-l1").load()
    assert shallow.info.name == "spinlens-minilm-l1-student"
    assert shallow.score_tokens(text).p_bio.shape == scores.p_bio.shape


def test_folds_group_articles_evenly_and_reproducibly():
    from spinlens.training.crossfit import assign_folds

    ids = [f"a{i}" for i in range(10)] * 3  # an article in three corpora is one article
    f = assign_folds(ids, 3, seed=1)
    assert set(f) == set(ids) and sorted(f.values()).count(0) == 4
    assert sorted(list(f.values()).count(k) for k in range(3)) == [3, 3, 4]
    assert assign_folds(ids, 3, seed=1) == f and assign_folds(ids, 3, seed=2) != f


@pytest.mark.data
def test_crossfit_scores_every_window_with_a_model_that_did_not_see_it(tmp_path, data_dir):
    """prepare -> crossfit (3 fold models, tiny) -> tune on all out-of-fold PTC train scores -> distill."""
    from spinlens.model import SpanTagger
    from spinlens.training.__main__ import main
    from spinlens.training.crossfit import assign_folds
    from spinlens.training.data import load_windows

    run = tmp_path / "run"
    first, keep = _tiny_prepared_run(run, data_dir, articles=3)
    common = _step_args(run, data_dir)
    # fold 0 alone (as a parallel process would run it), then the rest and the merge
    main(["crossfit", *common, "--folds", "3", "--unlabeled", "2", "--fold-index", "0"])
    assert (run / "crossfit" / "k0" / "targets.npz").exists() and not (run / "distill.npz").exists()
    main(["crossfit", *common, "--folds", "3", "--unlabeled", "2"])
    kd = load_windows(run / "distill.npz")
    assert len(keep) == 6 and kd["src"][:6] == ["ptc"] * 6
    assert set(kd["src"][6:]) == {"unlabeled"}  # news scored by all three fold models
    for i in range(len(kd["ids"])):
        assert kd["kd_bio"][i].shape == (len(kd["ids"][i]), 3)
        assert np.allclose(kd["kd_bio"][i].astype(np.float32).sum(1), 1.0, atol=1e-2)
    assert len(kd["kd_span"]) > 0  # every gold span got a fold's prediction
    assert np.allclose(kd["kd_span"].sum(1), 1.0, atol=1e-3)
    folds = assign_folds(kd["art"][:6], 3, seed=1)  # the labeled windows decide the folds
    for k in range(3):  # fold k's model trained on no article it scored
        scored = {a["id"] for a in json.loads((run / "crossfit" / f"k{k}" / "tune.json").read_text())}
        assert scored and all(folds[a] == k for a in scored)
    tune = json.loads((run / "crossfit" / "tune.json").read_text())
    assert sorted(a["id"] for a in tune) == sorted(first)  # every PTC train article, out of fold
    th = json.loads((run / "crossfit" / "thresholds.json").read_text())
    assert {"inside", "calibration"} <= set(th["thresholds"])
    # one span lexicon per fold, fitted without the fold's articles, weighed by cross-validation
    assert json.loads((run / "crossfit" / "data.json").read_text())["tune_folds"] == {
        a: folds[a] for a in first
    }
    assert "tune_tc_micro_f1_cv_by_lexicon_weight" in th
    out = tmp_path / "student"
    main(["distill", *common, "--thresholds-from", str(run / "crossfit"), "--out", str(out)])
    meta = json.loads((out / "model.json").read_text())
    assert meta["thresholds"] == th["thresholds"]
    assert SpanTagger(out).load().predict(tune[0]["text"]) is not None


def _tiny_teacher(base: Path, out: Path) -> Path:
    """A random one-layer MPNet whose vocabulary is the student's renumbered after four specials, as
    all-mpnet-base-v2's is (its tokenizer cuts text like the student's)."""
    from transformers import MPNetConfig, MPNetModel

    tok = json.loads((base / "tokenizer.json").read_text())
    new = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>"])}
    for t, i in sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1]):
        new[t] = i + 4
    new["<mask>"] = len(new)
    tok["model"]["vocab"] = new
    for added in tok.get("added_tokens", []):
        added["id"] = new[added["content"]]
    for special in (tok.get("post_processor") or {}).get("special_tokens", {}).values():
        special["ids"] = [new[t] for t in special["tokens"]]
    out.mkdir(parents=True)
    (out / "tokenizer.json").write_text(json.dumps(tok))
    specials = {"cls_token": "<s>", "sep_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    (out / "special_tokens_map.json").write_text(json.dumps(dict(specials, mask_token="<mask>")))
    cfg = MPNetConfig(
        vocab_size=len(new), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37
    )
    MPNetModel(cfg).save_pretrained(out)
    return out


@pytest.mark.data
def test_crossfit_folds_on_a_teacher_with_another_vocabulary(tmp_path, data_dir):
    """--teacher-base: the fold models are built on an encoder whose ids differ from the student's (an MPNet
    renumbering the same word pieces); they read the student's windows through an id table."""
    import torch

    from spinlens.training.__main__ import main
    from spinlens.training.data import load_windows
    from spinlens.training.pipeline import base_model_dir
    from spinlens.training.teacher import check_same_pieces, vocab_map

    teacher = _tiny_teacher(base_model_dir(), tmp_path / "teacher")
    table = vocab_map(base_model_dir(), teacher)
    assert (table[101], table[102], table[0], table[100]) == (0, 2, 1, 3)  # [CLS] [SEP] [PAD] [UNK]
    assert table[2023] == 2027  # an ordinary piece, renumbered
    assert check_same_pieces(base_model_dir(), teacher, ["They are traitors and liars, full stop."]) == 1
    other = tmp_path / "other"  # a teacher that lacks a student token cannot read the windows
    other.mkdir()
    broken = json.loads((teacher / "tokenizer.json").read_text())
    del broken["model"]["vocab"]["this"]
    (other / "tokenizer.json").write_text(json.dumps(broken))
    with pytest.raises(SystemExit, match="lacks 1 of the student's tokens"):
        vocab_map(base_model_dir(), other)
    cased = json.loads((teacher / "tokenizer.json").read_text())  # a tokenizer that keeps capitals
    cased["normalizer"]["lowercase"] = False
    (other / "tokenizer.json").write_text(json.dumps(cased))
    with pytest.raises(SystemExit, match="cuts text differently"):
        check_same_pieces(base_model_dir(), other, ["They are Traitors."])

    run = tmp_path / "run"
    _tiny_prepared_run(run, data_dir, articles=2)
    common = _step_args(run, data_dir)
    main(["crossfit", *common, "--folds", "2", "--teacher-base", str(teacher)])
    kd = load_windows(run / "distill.npz")
    assert all(kd["kd_bio"][i].shape == (len(kd["ids"][i]), 3) for i in range(len(kd["ids"])))
    ckpt = torch.load(run / "crossfit" / "k0" / "ckpt.pt", map_location="cpu", weights_only=False)
    assert torch.equal(ckpt["model"]["id_map"], torch.from_numpy(table))  # the fold model maps its input
    assert ckpt["model"]["encoder.embeddings.word_embeddings.weight"].shape[1] == 32  # the teacher's encoder
    settings = np.load(run / "crossfit" / "k0" / "targets.npz")["settings"]
    assert json.loads(str(settings))["teacher"] == "teacher"
    # merging folds made with another encoder is refused
    with pytest.raises(SystemExit, match="this call asks for"):
        (run / "distill.npz").unlink()
        main(["crossfit", *common, "--folds", "2"])

    # the GPU script stages a teacher in parts (one per device call) and assembles it there
    import importlib.util

    from safetensors.numpy import load_file

    path = Path(__file__).resolve().parents[1] / "scripts" / "device_crossfit.py"
    spec = importlib.util.spec_from_file_location("device_crossfit", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.TEACHER_PART = 700_000  # bytes per part: the tiny teacher's float16 weights in several
    staged = tmp_path / "carry" / "mp"
    folders = script.stage_teacher(teacher, staged)
    assert len(folders) > 2 and [f.name for f in folders][:2] == ["mp.p0", "mp.p1"]
    script.join_teacher(staged)
    got, want = load_file(str(staged / "model.safetensors")), load_file(str(teacher / "model.safetensors"))
    assert got.keys() == want.keys() and all(np.allclose(got[k], want[k], atol=1e-2) for k in want)
    assert vocab_map(base_model_dir(), staged).tolist() == table.tolist()
    (staged / "model.safetensors").unlink()
    (folders[1] / "weights.01").write_bytes(b"x")  # a damaged part is refused, not assembled
    with pytest.raises(SystemExit, match="sha256 differs"):
        script.join_teacher(staged)


@pytest.mark.data
def test_crossfit_fold_models_of_the_accurate_recipe_keep_their_lower_layers(tmp_path, data_dir):
    """--frozen-layers with --teacher-base: each fold model keeps the embeddings and the frozen layers at the
    teacher's weights, the folds record it, and folds made otherwise are not merged with them."""
    import torch
    from safetensors.numpy import load_file

    from spinlens.training.__main__ import main
    from spinlens.training.pipeline import base_model_dir

    teacher = _tiny_teacher(base_model_dir(), tmp_path / "teacher")
    run = tmp_path / "run"
    _tiny_prepared_run(run, data_dir, articles=2)
    common = [*_step_args(run, data_dir), "--folds", "2", "--teacher-base", str(teacher)]
    main(["crossfit", *common, "--frozen-layers", "1"])
    base = load_file(str(teacher / "model.safetensors"))
    for k in (0, 1):
        st = torch.load(run / "crossfit" / f"k{k}" / "ckpt.pt", map_location="cpu", weights_only=False)[
            "model"
        ]
        for name in ("embeddings.word_embeddings.weight", "encoder.layer.0.attention.attn.q.weight"):
            assert np.array_equal(st["encoder." + name].float().numpy(), base[name]), (k, name)
        settings = json.loads(str(np.load(run / "crossfit" / f"k{k}" / "targets.npz")["settings"]))
        assert settings["frozen"] == 1
    assert (run / "crossfit" / "thresholds.json").exists()
    (run / "distill.npz").unlink()
    with pytest.raises(SystemExit, match="this call asks for"):
        main(["crossfit", *common])


@pytest.mark.data
def test_span_lexicon_learns_techniques_from_words(data_dir):
    """Fitted on 250 PTC train articles, the span lexicon labels the gold spans of 60 others far better than
    the majority class does (measured 0.53 against 0.37 on 1,745 spans)."""
    from spinlens.model import LEXICON_CLASSES
    from spinlens.taxonomy import CANONICAL_TO_PTC14
    from spinlens.training.data import load_sources
    from spinlens.training.pipeline import fit_span_lexicon

    arts = sorted(load_sources(["ptc"], str(data_dir), set()), key=lambda a: a.id)
    lexicon = fit_span_lexicon(arts[:250])
    right = majority = n = 0
    for a in arts[250:310]:
        for s, e, allowed in a.spans:
            gold = {CANONICAL_TO_PTC14[t] for t in allowed}
            if len(gold) != 1:
                continue
            pred = LEXICON_CLASSES[int(lexicon.class_log_probs(a.text, [(s, e)])[0].argmax())]
            right += pred in gold
            majority += "Loaded_Language" in gold
            n += 1
    assert n > 500
    assert right / n > majority / n + 0.1, (right / n, majority / n)


@pytest.mark.model
def test_soft_targets_in_batches_are_the_targets_of_one_window_at_a_time():
    """``soft_targets`` pads windows of different lengths into one call; each window's targets are those it
    gets alone (the shipped tagger's forward), in the order the windows were asked for."""
    from spinlens.model import SpanTagger
    from spinlens.taxonomy import TECHNIQUE_IDS
    from spinlens.training.distill import soft_targets

    t = SpanTagger(threads=1).load()
    texts = [
        "They are foreign agents.",
        "The so-called experts lecture us again, and the infowar outlets repeat every rumour they hear.",
        "Stop.",
        "Either we defend our country today or we lose it tomorrow, full stop.",
        "Our brave soldiers will never surrender to these traitors.",
    ]
    ids = [t.tokenizer_.encode(x, add_special_tokens=False).ids for x in texts]
    T = len(TECHNIQUE_IDS)
    data = {
        "ids": ids,
        "span_win": np.array([1, 3, 3], dtype=np.int64),
        "span_s": np.array([1, 1, 5], dtype=np.int64),
        "span_e": np.array([3, 4, 9], dtype=np.int64),
        "span_y": np.zeros((3, T), dtype=np.float32),
    }
    windows = [3, 0, 4, 1, 2]
    one = soft_targets(data, t.forwards_, t.heads_, windows, log=lambda m: None, batch_size=1)
    two = soft_targets(data, t.forwards_, t.heads_, windows, log=lambda m: None, batch_size=2)
    for c, i in enumerate(windows):
        assert one["kd_bio"][c].shape == (len(ids[i]), 3)
        np.testing.assert_array_equal(two["kd_bio"][c], one["kd_bio"][c])  # the rows run one by one
        np.testing.assert_array_equal(two["kd_tech"][c], one["kd_tech"][c])
    np.testing.assert_allclose(two["kd_span"], one["kd_span"], atol=1e-6)
    assert one["kd_span"][2].sum() > 0.99  # the gold spans of window 3 were scored
    # a torch model (what the fold models are) sees real padding and its mask: the same up to rounding
    import torch

    from spinlens.training.fit import Tagger, forward_numpy, span_head_numpy
    from spinlens.training.pipeline import base_model_dir

    torch.manual_seed(0)
    model = Tagger(str(base_model_dir())).eval()
    fwd, head = [forward_numpy(model, "cpu")], [span_head_numpy(model)]
    with torch.no_grad():
        one = soft_targets(data, fwd, head, windows, log=lambda m: None, batch_size=1)
        all5 = soft_targets(data, fwd, head, windows, log=lambda m: None, batch_size=5)
    for c in range(len(windows)):
        np.testing.assert_allclose(all5["kd_bio"][c], one["kd_bio"][c], atol=2e-3)  # float16 steps
        np.testing.assert_allclose(all5["kd_tech"][c], one["kd_tech"][c], atol=2e-3)
    np.testing.assert_allclose(all5["kd_span"], one["kd_span"], atol=1e-4)


def test_a_delta_over_the_base_rebuilds_the_weights_within_half_a_step():
    """Fine-tuned weights = base scaled per row + an int8 rest: rows that only shrank (weight decay) pack to
    zeros, tensors the base lacks pass through, and every weight comes back within half its row's step."""
    from spinlens.training.delta import FLOOR, pack_delta, unpack_delta

    rng = np.random.default_rng(0)
    base = {
        "emb.weight": rng.normal(0, 0.05, (50, 16)).astype(np.float16),
        "ln.bias": np.zeros(16, np.float16),
    }
    tuned = base["emb.weight"].astype(np.float32) * 0.997  # weight decay on every row
    tuned[:5] += rng.normal(0, 0.01, (5, 16))  # five rows the training moved
    state = {
        "encoder.emb.weight": tuned,
        "encoder.ln.bias": rng.normal(0, 0.01, 16).astype(np.float32),
        "head.weight": rng.normal(0, 1, (3, 16)).astype(np.float32),
        "encoder.position_ids": np.arange(16, dtype=np.int64)[None],
    }
    packed = pack_delta(state, base)
    assert packed["f:head.weight"].dtype == np.float32 and "f:encoder.position_ids" in packed
    assert not packed["q:encoder.emb.weight"][5:].any()  # shrunk rows: nothing left to store
    back = unpack_delta(packed, base)
    assert set(back) == set(state)
    assert back["encoder.position_ids"].dtype == np.int64
    step = packed["s:encoder.emb.weight"]
    assert (np.abs(back["encoder.emb.weight"] - tuned) <= step / 2 + 1e-7).all()
    assert np.abs(back["encoder.emb.weight"] - tuned).max() < 1e-3 and step.min() >= FLOOR
    assert np.array_equal(back["head.weight"], state["head.weight"])


def test_a_4_bit_delta_halves_the_rest_and_rebuilds_within_half_its_coarser_step():
    """bits=4: 15 steps per row, two to a byte (an odd row length padded); every weight within half a step,
    the steps 127/7 times those of the int8 delta, and the packed rest half the bytes."""
    from spinlens.modelbuild import unpack_nibbles
    from spinlens.training.delta import pack_delta, pack_nibbles, unpack_delta

    q = np.array([[-7, -1, 0, 3, 7], [7, 6, -7, 0, 1]], np.int8)
    assert np.array_equal(unpack_nibbles(pack_nibbles(q), 5), q.astype(np.float32))
    rng = np.random.default_rng(1)
    base = {"w.weight": rng.normal(0, 0.05, (40, 33)).astype(np.float32)}
    tuned = base["w.weight"] * 0.999 + rng.normal(0, 0.004, (40, 33)).astype(np.float32)
    state = {"encoder.w.weight": tuned}
    p8, p4 = pack_delta(state, base), pack_delta(state, base, bits=4)
    assert "q:encoder.w.weight" not in p4 and p4["n:encoder.w.weight"].shape == (40, 17)
    back = unpack_delta(p4, base)["encoder.w.weight"]
    step = p4["s:encoder.w.weight"]
    assert (np.abs(back - tuned) <= step / 2 + 1e-7).all()
    assert np.allclose(step, p8["s:encoder.w.weight"] * 127 / 7, rtol=1e-5)
    with pytest.raises(ValueError, match="8 or 4 bits"):
        pack_delta(state, base, bits=2)


@pytest.mark.data
def test_the_gpu_script_runs_the_whole_chain_and_its_parts_rebuild_a_model(tmp_path, data_dir):
    """scripts/device_crossfit.py end to end, tiny, on the CPU: stage the data it reads, train the folds as
    parallel processes, merge, fit a student, pack into parts; back here: rebuild the student (checked
    against its probe), tune on the out-of-fold scores and export a model that loads."""
    import subprocess
    import sys

    from spinlens.model import SpanTagger
    from spinlens.training.pipeline import base_model_dir

    script = Path(__file__).resolve().parents[1] / "scripts" / "device_crossfit.py"
    run, staged, out = tmp_path / "run", tmp_path / "data", tmp_path / "out"
    first, _ = _tiny_prepared_run(run, data_dir, articles=6)
    base = str(tmp_path / "base")  # the float16 copy that travels

    def script_run(*args: str) -> str:
        r = subprocess.run(
            [sys.executable, str(script), "--run", str(run), "--base", base, *args],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        return r.stdout

    stage = ["--stage-base", base, "--stage-data", str(staged), "--data", str(data_dir)]
    r = subprocess.run([sys.executable, str(script), *stage], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    half, full_size = Path(base, "model.safetensors"), base_model_dir() / "model.safetensors"
    assert half.stat().st_size < 0.6 * full_size.stat().st_size  # float16: it fits the transfer limit
    assert (staged / "ptc-semeval2020-task11/datasets/train-task-flc-tc.labels").exists()
    assert not (staged / "ptc-semeval2020-task11/datasets/dev-articles").exists()  # only what it reads
    log = script_run(
        "--data", str(staged), "--out", str(out), "--fold-epochs", "1", "--max-student-epochs", "1",
        "--seeds", "13", "--shallow-seeds", "7", "--shallow-layers", "0,5;1", "--unlabeled", "2",
        "--budget", "2000", "--fold-lr", "5e-5",
    )  # fmt: skip
    assert "folds done" in log and "student s13: epoch 1" in log and "student s7-l0_5: epoch 1" in log
    assert "student s7-l1: epoch 1" in log  # a second shallow depth (';' separates the layer sets)
    parts = sorted(out.glob("pack.tar.part*"))
    assert parts and all(p.stat().st_size <= 15_000_000 for p in parts)
    back = tmp_path / "back"
    model = tmp_path / "model"
    log = subprocess.run(
        [sys.executable, str(script), "--unpack", str(out), "--run", str(back), "--base", base,
         "--data", str(data_dir), "--finish", str(model)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert log.returncode == 0, log.stdout[-2000:] + log.stderr[-2000:]
    assert "s13: rebuilt" in log.stdout and "s7-l0_5: rebuilt" in log.stdout
    tuned = json.loads((back / "crossfit" / "thresholds.json").read_text())
    assert sorted(json.loads((back / "crossfit" / "data.json").read_text())["tune_folds"]) == sorted(first)
    tagger = SpanTagger(model).load()
    assert tagger.thresholds_["inside"] == tuned["thresholds"]["inside"]
    assert tagger.predict("They are traitors and liars, full stop.") is not None
    shallow = SpanTagger(tmp_path / "model-l0_5").load()  # a 2-layer student, exported on its own
    assert shallow.info.name == "spinlens-minilm-l2-student"
    assert shallow.predict("They are traitors and liars, full stop.") is not None
    assert SpanTagger(tmp_path / "model-l1").load().info.name == "spinlens-minilm-l1-student"
    # --each: every student its own model, named after its folder
    each = subprocess.run(
        [sys.executable, str(script), "--unpack", str(out), "--run", str(tmp_path / "back2"), "--base", base,
         "--data", str(data_dir), "--finish", str(tmp_path / "one"), "--each"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert each.returncode == 0, each.stdout[-2000:] + each.stderr[-2000:]
    names = {d.name: SpanTagger(d).load().info.name for d in tmp_path.glob("one-*")}
    assert names == {
        "one-s13": "spinlens-minilm-l6",
        "one-s7-l0_5": "spinlens-minilm-l2-student",
        "one-s7-l1": "spinlens-minilm-l1-student",
    }


@pytest.mark.data
def test_the_gpu_script_trains_a_full_accurate_model_beside_the_folds_and_rebuilds_it(tmp_path, data_dir):
    """--accurate-seeds: the fold models of a teacher and, beside them, the full model of the same recipe;
    the full model comes back as a delta over the teacher (parts past the transfer limit stay in RUN/packed)
    and is rebuilt here, checked against its probe."""
    import subprocess
    import sys

    from spinlens.training.pipeline import base_model_dir

    script = Path(__file__).resolve().parents[1] / "scripts" / "device_crossfit.py"
    run, out = tmp_path / "run", tmp_path / "out"
    _tiny_prepared_run(run, data_dir, articles=4)
    teacher = _tiny_teacher(base_model_dir(), tmp_path / "teacher")
    base = str(base_model_dir())
    r = subprocess.run(
        [sys.executable, str(script), "--run", str(run), "--base", base, "--data", str(data_dir),
         "--out", str(out), "--teacher", str(teacher), "--folds", "2", "--fold-epochs", "1",
         "--fold-lr", "5e-5", "--seeds", "", "--accurate-seeds", "13", "--unlabeled", "0",
         "--budget", "2000"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "folds done" in r.stdout and "accurate s13: epoch 1" in r.stdout
    made = json.loads((run / "accurate-s13" / "train.json").read_text())
    assert (made["frozen"], made["epochs"], made["lr"]) == (0, 1, 5e-5)  # the folds' recipe
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in (run / "packed").iterdir())
    back = tmp_path / "back"
    r = subprocess.run(
        [sys.executable, str(script), "--unpack", str(out), "--run", str(back), "--base", base,
         "--teacher", str(teacher)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "accurate-s13: rebuilt (epoch 1)" in r.stdout
    assert (back / "crossfit" / "tune_scores.npz").exists()
    trained = torch.load(run / "accurate-s13" / "ckpt.pt", weights_only=False)["model"]
    rebuilt = torch.load(back / "accurate-s13" / "ckpt.pt", weights_only=False)["model"]
    worst = max(
        float((trained[k].float() - rebuilt[k].float()).abs().max()) for k in trained if k != "id_map"
    )
    assert worst < 1e-3  # an int8 delta per row: half a step
    from safetensors.torch import load_file

    start = load_file(str(teacher / "model.safetensors"))["embeddings.word_embeddings.weight"]
    assert not torch.equal(rebuilt["encoder.embeddings.word_embeddings.weight"], start)  # nothing frozen


def test_a_subset_of_windows_keeps_each_window_and_span_with_its_own_soft_targets():
    """A noisy student (``accurate.train(w_kd=)``, session 22) trains on a subset of ``distill.npz``: the soft
    targets must stay with their windows and spans when the windows are renumbered."""
    from spinlens.taxonomy import TECHNIQUE_IDS
    from spinlens.training.data import subset_windows

    t = len(TECHNIQUE_IDS)
    n = 4
    data = {
        "ids": [np.arange(3) + 10 * i for i in range(n)],
        "bio": [np.zeros(3, np.int64) for _ in range(n)],
        "tech": [np.zeros((3, t), np.float32) for _ in range(n)],
        "tmask": [np.ones(3, np.float32) for _ in range(n)],
        "src": ["ptc", "ptc", "unlabeled", "ptc18"],
        "art": ["a", "a", "u", "b"],
        "kd_bio": [np.full((3, 3), i, np.float16) for i in range(n)],
        "kd_tech": [np.full((3, t), i, np.float16) for i in range(n)],
        "span_win": np.array([0, 1, 3, 3]),
        "span_s": np.array([0, 1, 0, 2]),
        "span_e": np.array([1, 2, 2, 3]),
        "span_y": np.eye(4, t, dtype=np.float32),
        "kd_span": np.arange(4 * t, dtype=np.float32).reshape(4, t),
    }
    sub = subset_windows(data, [3, 1])
    assert [int(x[0]) for x in sub["ids"]] == [30, 10]
    assert [int(k[0, 0]) for k in sub["kd_bio"]] == [3, 1] and [int(k[0, 0]) for k in sub["kd_tech"]] == [
        3,
        1,
    ]
    # window 1's span, then window 3's two, renumbered to their new windows; each with its own targets
    assert sub["span_win"].tolist() == [1, 0, 0]
    assert np.array_equal(sub["kd_span"], data["kd_span"][[1, 2, 3]])
    assert np.array_equal(sub["span_y"], data["span_y"][[1, 2, 3]])
    # without soft targets the subset has none
    plain = subset_windows({k: v for k, v in data.items() if not k.startswith("kd_")}, [0])
    assert not any(k.startswith("kd_") for k in plain)
