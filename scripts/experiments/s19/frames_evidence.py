"""Session 19: frames listed only when the text's words raise their score above the bias (the prior).

Runs the nested 5-fold CV of ``analysis_train.evaluate_articles`` (SemEval-2023 T3 EN train, seed 13) twice
in one process, with ``ArticleModel.evidence_only`` off (the threshold alone, as before) and on, and prints
frames micro-F1 (and genre macro-F1, which must not move) of both. RESULTS section 7, session 19.

    SPINLENS_DATA=../shared/data .venv/bin/python scripts/experiments/s19/frames_evidence.py
"""

from __future__ import annotations

from spinlens.analysis._documents import ArticleModel
from spinlens.training.analysis_train import data_root, evaluate_articles, read_semeval23


def main() -> None:
    arts = read_semeval23(data_root())
    for flag in (False, True):
        ArticleModel.evidence_only = flag
        r = evaluate_articles(arts)
        print(
            f"evidence_only={flag}: frames micro-F1 {r['frames_micro_f1']:.6f} "
            f"(frequency baseline {r['frames_frequency_micro_f1']:.4f}), "
            f"genre macro-F1 {r['genre_macro_f1']:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
