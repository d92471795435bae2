"""Session 19: frames listed only when the text's words raise their score above the bias (the prior).

Runs the nested 5-fold CV of ``analysis_train.evaluate_articles`` (SemEval-2023 T3 EN train, seed 13) twice
in one process, with ``ArticleModel.predict`` as shipped (the threshold alone) and with the evidence rule
laid over it here (a frame is kept only when the text's words raise its score above the bias), and prints
frames micro-F1 (and genre macro-F1, which must not move) of both. RESULTS section 7, session 19: the rule
was not kept, so it lives only in this script.

    SPINLENS_DATA=../shared/data .venv/bin/python scripts/experiments/s19/frames_evidence.py
"""

from __future__ import annotations

from spinlens.analysis._documents import FRAMES, ArticleModel
from spinlens.analysis._features import terms
from spinlens.training.analysis_train import data_root, evaluate_articles, read_semeval23

_shipped = ArticleModel.predict


def _with_evidence(self, text, quotes=None):
    """The shipped prediction, its frames kept only where the text's words raise the score above the bias."""
    out = _shipped(self, text, quotes)
    z = self.frames.decision(*self.vectorizer.transform_terms(terms(text, bigrams=self.bigrams)))
    out["frames"] = [f for f in out["frames"] if z[FRAMES.index(f)] > self.frames.bias[FRAMES.index(f)]]
    return out


def main() -> None:
    arts = read_semeval23(data_root())
    for flag in (False, True):
        ArticleModel.predict = _with_evidence if flag else _shipped
        r = evaluate_articles(arts)
        print(
            f"evidence rule {'on' if flag else 'off'}: frames micro-F1 {r['frames_micro_f1']:.6f} "
            f"(frequency baseline {r['frames_frequency_micro_f1']:.4f}), "
            f"genre macro-F1 {r['genre_macro_f1']:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
