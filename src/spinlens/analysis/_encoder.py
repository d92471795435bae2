"""An article's vector from a pretrained sentence encoder (all-MiniLM-L6-v2, as published, int8 ONNX).

The genre model reads it beside its words (RESULTS section 7, "Session 20"): an encoder pretrained on a
billion sentence pairs knows words that 433 training articles never show. The article is cut into chunks of
whole sentences of at most :data:`CHUNK_WORDS` words; the first :data:`CHUNKS` are encoded (at most 256 word
pieces each, mean pooling, unit length, as sentence-transformers does) and their mean, at unit length, is the
vector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spinlens.errors import ModelError
from spinlens.text import sentences

__all__ = ["CHUNK_WORDS", "CHUNKS", "MAX_TOKENS", "DIM", "ArticleEncoder", "article_chunks"]

CHUNK_WORDS = 180
CHUNKS = 2  # 4 in the declared experiment; 2 read as well (RESULTS section 7, V2) in half the time
MAX_TOKENS = 256
DIM = 384


def article_chunks(text: str, chunks: int = CHUNKS) -> list[str]:
    """Whole sentences in chunks of at most :data:`CHUNK_WORDS` words (a longer sentence is a chunk alone);
    the first ``chunks`` of them (the first 2,000 characters when the text has no sentence)."""
    out: list[str] = []
    cur: list[str] = []
    n = 0
    for start, end in sentences(text):
        piece = text[start:end]
        w = len(piece.split())
        if cur and n + w > CHUNK_WORDS:
            out.append(" ".join(cur))
            cur, n = [], 0
        cur.append(piece)
        n += w
        if len(out) >= chunks:
            break
    if cur and len(out) < chunks:
        out.append(" ".join(cur))
    return out[:chunks] or [text[:2000]]


class ArticleEncoder:
    """The encoder's ONNX file (``input_ids`` -> ``hidden``) and its tokenizer, both sha256-checked by the
    caller (:class:`~spinlens.analysis.ArticleAnalyzer`).

    Args:
        onnx_path: the int8 encoder.
        tokenizer_path: its ``tokenizer.json`` (BERT uncased word pieces).
        threads: onnxruntime intra-op threads (None: its default).
    """

    def __init__(self, onnx_path: Path, tokenizer_path: Path, threads: int | None = 1) -> None:
        from tokenizers import Tokenizer

        from spinlens._onnx import cpu_session

        self.session: Any = cpu_session(onnx_path, threads)
        tok = Tokenizer.from_file(str(tokenizer_path))
        tok.no_truncation()
        tok.no_padding()
        self.tokenizer = tok
        cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise ModelError(f"{tokenizer_path} has no [CLS]/[SEP] tokens: not the encoder's tokenizer")
        self._cls, self._sep = int(cls_id), int(sep_id)

    def _ids(self, chunk: str) -> np.ndarray:
        """``[CLS]`` + the chunk's first 254 word pieces + ``[SEP]`` (Hugging Face's truncation to 256)."""
        pieces = self.tokenizer.encode(chunk, add_special_tokens=False).ids[: MAX_TOKENS - 2]
        return np.array([[self._cls, *pieces, self._sep]], dtype=np.int64)

    def vector(self, text: str) -> np.ndarray:
        """The article's unit-length vector (``DIM`` float32 values)."""
        vecs = []
        for chunk in article_chunks(text):
            hidden = self.session.run(None, {"input_ids": self._ids(chunk)})[0][0]
            v = hidden.mean(0)
            vecs.append(v / (np.linalg.norm(v) + 1e-9))
        m = np.mean(vecs, 0)
        return (m / (np.linalg.norm(m) + 1e-9)).astype(np.float32)

    def vectors(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)
