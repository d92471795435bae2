"""Analysis beyond single techniques (issue 6): each task's official metric beside its baseline, and speed.

- Genre (macro-F1) and frames (micro-F1): SemEval-2023 Task 3 English train, nested 5-fold cross-validation
  (its dev split is held out of SPINLENS_DATA), beside the majority genre and the k most frequent frames.
  Recomputed here (retrains each fold) unless ``--quick``, which reads the numbers recorded at training.
  ``--seeds 13,14,...`` repeats the genre CV over other fold splits (the table keeps the first, seed 13,
  the folds used at training) and reports the spread: with 10 satire articles one split moves it a lot.
- Entity roles (EMR on fine roles, main-role accuracy): SemEval-2025 Task 10 dev, gold mentions in, with the
  shipped model, beside the majority baseline (Antagonist with the most frequent antagonist fine role).
- Narratives (samples-F1, coarse and fine): SemEval-2025 Task 10 dev with the shipped model, beside
  labelling every article "Other".
- Speed: ``ArticleAnalyzer.analyze`` on the dev articles, with and without spaCy NER, after a warm-up.

Usage::

    PYTHONPATH=src python benchmarks/analysis.py [--quick] [--seeds 13,14,15,16,17] \
        [--write benchmarks/RESULTS_analysis.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from spinlens.analysis import ArticleAnalyzer
from spinlens.analysis._store import default_data_dir, read_manifest
from spinlens.training.analysis_train import (
    data_root,
    encoder_vectors,
    evaluate_articles,
    evaluate_narratives,
    evaluate_roles,
    narrative_classes,
    read_mention_inputs,
    read_narratives,
    read_roles,
    read_semeval23,
)


def machine() -> str:
    uname = " ".join(platform.uname()[:3] + (platform.machine(),))
    cpu = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        cpu = next(
            (ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), ""
        )
    except OSError:
        pass
    return f"`{uname}`, {cpu or 'CPU'}, nproc {os.cpu_count()}, Python {platform.python_version()}"


def speed(analyzer: ArticleAnalyzer, texts: list[str]) -> dict[str, float]:
    analyzer.analyze(texts[0])  # warm-up
    times = []
    for t in texts:
        t0 = time.perf_counter()
        analyzer.analyze(t)
        times.append(time.perf_counter() - t0)
    total = sum(times)
    return {
        "docs": len(texts),
        "docs_per_s": len(texts) / total,
        "chars_per_s": sum(map(len, texts)) / total,
        "median_ms": 1000 * statistics.median(times),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--quick", action="store_true", help="take the cross-validation numbers from training")
    ap.add_argument("--write", type=Path, default=None)
    ap.add_argument("--seeds", default="13", help="fold seeds of the genre CV (the first goes in the table)")
    a = ap.parse_args(argv)
    root = data_root(a.data)
    t0 = time.time()
    meta = read_manifest(default_data_dir())
    seeds = [int(x) for x in a.seeds.split(",")]
    more: list[dict] = []
    if a.quick:
        cv = meta["metrics"]["genre_frames_cv"]
    else:
        arts = read_semeval23(root)
        # the article vectors of the installed encoder, when the genre model reads them
        vectors = encoder_vectors([x.text for x in arts]) if "encoder" in meta["files"] else None
        cv = evaluate_articles(arts, seed=seeds[0], vectors=vectors)
        more = [evaluate_articles(arts, seed=s, vectors=vectors) for s in seeds[1:]]
    doc_an = ArticleAnalyzer(entities=False).load()
    rdev, tdev = read_roles(root, "dev")
    rtr, _ = read_roles(root, "train")
    roles = evaluate_roles(doc_an.roles_, read_mention_inputs(root, "dev"), rdev, tdev, rtr)
    coarse, fine = narrative_classes(root)
    ndev = read_narratives(root, "dev")
    narr = evaluate_narratives(doc_an.narratives_, ndev, coarse, fine)
    sal = meta["metrics"]["salience_cv"]
    texts = [d.text for d in ndev] + list(tdev.values())
    sp_doc = speed(doc_an, texts)
    full = ArticleAnalyzer().load()
    sp_full = speed(full, texts)
    elapsed = time.time() - t0

    def row(task, data, metric, ours, base, base_name):
        verdict = "beats" if ours > base else "does NOT beat"
        return f"| {task} | {data} | {metric} | **{ours:.3f}** | {base:.3f} ({base_name}) | {verdict} |"

    gc = cv["genre_per_class_f1"]
    gb = cv.get("genre_majority_per_class_f1", {})
    gold_counts = Counter(x.genre for x in read_semeval23(root))
    spread = ""
    if more:
        runs = [cv, *more]
        mf = [r["genre_macro_f1"] for r in runs]
        per = {c: statistics.mean(r["genre_per_class_f1"][c] for r in runs) for c in gc}
        spread = (
            f"Over {len(runs)} fold splits (seeds {a.seeds}) genre macro-F1 is {statistics.mean(mf):.3f} "
            f"on average ({min(mf):.3f} to {max(mf):.3f}; majority {cv['genre_majority_macro_f1']:.3f}), per "
            "class " + ", ".join(f"{c} {v:.3f}" for c, v in per.items()) + ". "
        )
    n_ant = sum(1 for m in rdev if m.main == "Antagonist")
    edge = round((roles["main_accuracy"] - roles["baseline_main_accuracy"]) * roles["mentions"])
    cv_acc = meta["roles"]["cv_main_accuracy"]
    tr_major = sum(1 for m in rtr if m.main == "Antagonist") / len(rtr)
    bar = roles["main_accuracy"] >= 0.75
    lines = [
        "## Analysis: genre, frames, entity roles, narratives (issue 6)",
        "",
        "Command: `PYTHONPATH=src python benchmarks/analysis.py"
        + (" --quick" if a.quick else "")
        + (f" --seeds {a.seeds}" if a.seeds != "13" else "")
        + (f" --write {a.write}" if a.write else "")
        + "`  ",
        f"Models: `{meta['name']}` {meta['version']} (sha256 {doc_an.info['sha256'][:16]}...), trained with "
        "`python -m spinlens.training.analysis_train` (scikit-learn logistic regression, exported as int8 "
        "weights; the scores below come from the numpy run-time code).  ",
        f"Machine: {machine()}. Run took {elapsed:.0f} s.  ",
        "",
        "| task | data | metric (official) | spinlens | baseline | |",
        "|---|---|---|---|---|---|",
        row(
            "genre",
            f"SemEval-2023 T3 EN train, {cv['articles']} articles, nested {cv['folds']}-fold CV",
            "macro-F1",
            cv["genre_macro_f1"],
            cv["genre_majority_macro_f1"],
            "majority: opinion",
        ),
        row(
            "frames",
            f"same, {cv['folds']}-fold CV",
            "micro-F1",
            cv["frames_micro_f1"],
            cv["frames_frequency_micro_f1"],
            "the k most frequent frames, k = mean count",
        ),
        row(
            "entity roles",
            f"SemEval-2025 T10 EN dev, {roles['mentions']} gold mentions",
            "main-role accuracy",
            roles["main_accuracy"],
            roles["baseline_main_accuracy"],
            f"majority: {roles['baseline']}",
        ),
        row(
            "entity roles",
            "same",
            "main-role macro-F1",
            roles["main_macro_f1"],
            roles["baseline_main_macro_f1"],
            f"majority: {roles['baseline']}",
        ),
        row(
            "entity roles",
            "same",
            "EMR on fine roles",
            roles["emr"],
            roles["baseline_emr"],
            f"majority: {roles['baseline']}",
        ),
        row(
            "entity roles",
            "same",
            "fine-role micro-F1",
            roles["fine_micro_f1"],
            roles["baseline_fine_micro_f1"],
            f"majority: {roles['baseline']}",
        ),
        row(
            "narratives",
            f"SemEval-2025 T10 EN dev, {narr['docs']} articles",
            "samples-F1, narratives",
            narr["coarse_f1"],
            narr["baseline_coarse_f1"],
            'all "Other"',
        ),
        row(
            "sub-narratives",
            "same",
            "samples-F1, sub-narratives",
            narr["fine_f1"],
            narr["baseline_fine_f1"],
            'all "Other"',
        ),
        row(
            "entity salience",
            f"SemEval-2025 T10 EN train, {sal['groups']} spaCy entities, 5-fold CV by article",
            "F1 (annotated or not)",
            sal["cv_f1"],
            sal["all_salient_f1"],
            "every entity salient",
        ),
        "",
        f"Main-role accuracy bar (>= 0.75 on dev): **{'met' if bar else 'NOT met'}** "
        f"({roles['main_accuracy']:.3f}). Genre F1 per class (majority baseline, same folds): "
        + ", ".join(f"{c} {v:.3f} ({gb.get(c, 0.0):.3f})" for c, v in gc.items())
        + f"; predicted {cv.get('genre_predicted', {})} for gold {dict(gold_counts)}. "
        + spread
        + "Dev sets are small (91 mentions, 41 articles): one mention is 1.1 points of accuracy.",
        "",
        "Speed of `ArticleAnalyzer.analyze` (one process, warmed up; dev articles of subtasks 1 and 2):",
        "",
        "| configuration | docs | docs/s | chars/s | median ms/doc |",
        "|---|---|---|---|---|",
        f"| with spaCy NER + roles | {sp_full['docs']} | {sp_full['docs_per_s']:.1f} | "
        f"{sp_full['chars_per_s']:,.0f} | {sp_full['median_ms']:.0f} |",
        f"| entities off (genre, frames, narratives, quotes, summary) | {sp_doc['docs']} | "
        f"{sp_doc['docs_per_s']:.1f} | {sp_doc['chars_per_s']:,.0f} | {sp_doc['median_ms']:.0f} |",
        "",
        "Quotes (direct / reported / scare, speaker, source) are rules, checked by the hand-annotated cases "
        "in `tests/test_analysis.py` (no corpus has gold quotes).",
        "",
        "Notes:",
        "",
        "- Retrain and re-export: `python -m spinlens.training.analysis_train` (about 6 minutes on this "
        "machine; writes `src/spinlens/analysis/data/`). Hyperparameters are chosen by cross-validation on "
        "train only: an inner 3-fold search inside each outer fold for genre and frames, 5-fold CV (grouped "
        "by article for roles) for narratives, roles and salience; dev is used only for the scores above.",
        "- Genre: softmax over the words of the text, the title and the lede (three TF-IDF blocks) and nine "
        "dense cues of news reporting (quote share, direct and reported quotes, attribution verbs, "
        "honorifics, dates, digits, dateline, one-sentence paragraphs) and, since session 20, the article "
        "vector of a pretrained sentence encoder (all-MiniLM-L6-v2 as published, int8; mean of its first "
        "two chunks of whole sentences: +3.2 points of macro-F1 over 5 seeds with four, -0.4 of that with "
        "two in half the time), balanced class weights, then "
        "decision biases for reporting and satire chosen on the inner 3-fold predictions of each outer "
        "training part (never on the fold scored). The biases are what make satire (10 of 433 articles) "
        "predicted at all; the reporting class (41) stays weak and the train labels are noisy. Tried in "
        "the same nested CV and not kept: word pairs, character 3-5-grams, first/second-person, hedge, "
        "question and exclamation rates (they hurt satire), one-vs-rest heads, a smoothed bias search. "
        "The span tagger's encoder (or its span density) is not used: it was fine-tuned on these same "
        "articles, so a CV estimate with it would be optimistic (the sentence encoder never saw a label "
        "of ours). Frames read the same vector for +0.05 point only, so they do not.",
        f"- Entity roles: {n_ant} of the {roles['mentions']} dev mentions are Antagonist; the model's edge "
        f"in accuracy over the majority is {edge} mention{'s' if edge != 1 else ''} on dev, and "
        f"{cv_acc:.3f} against {tr_major:.3f} "
        "(plain argmax) in 5-fold CV on train. Since session 21 the main role is decoded from p / prior ** "
        f'{meta["roles"].get("alpha", 0.0)} (RESULTS section 7, "Session 21"): the plain argmax would give '
        f"accuracy {roles['argmax_main_accuracy']:.3f}, macro-F1 {roles['argmax_main_macro_f1']:.3f}, EMR "
        f"{roles['argmax_emr']:.3f} on dev. The fine-role threshold chosen by CV gives one fine role per "
        "mention (EMR compares the role lists in order, as the official scorer does).",
        "- Narratives: one sigmoid per narrative and sub-narrative, plus a domain classifier (climate change "
        "or the war in Ukraine, trained on the train articles' ids); only narratives of the article's domain "
        'are emitted, and none ("Other") when the domain classifier gives the domain less than '
        f"{meta['narratives'].get('domain_threshold', 0.0)} (an article about neither). That threshold is "
        "the largest whose 5-fold CV score on train is within one standard error of the best (train has no "
        "article of neither domain, so CV alone cannot reward abstaining).",
        "- Salience decides which spaCy entities of an article get a role at run time (SemEval annotates "
        "only the entities an article frames); 11 train mentions with shifted offsets were relocated.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if a.write:
        a.write.write_text(text, encoding="utf-8")
        print(f"wrote {a.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
