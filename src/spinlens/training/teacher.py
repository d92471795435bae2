"""A fold-model encoder with another vocabulary than the student's (issue 8: a stronger teacher).

all-mpnet-base-v2 cuts English text into exactly the word pieces of the MiniLM tokenizer, with the same
offsets (checked on all 371 PTC train articles, RESULTS.md section 2, session 8); only the ids differ: its
vocabulary is BERT-uncased's, renumbered after four specials. So a teacher of that kind can read the
student's windows token for token through an id lookup table, and its out-of-fold targets need no alignment.
:func:`vocab_map` builds the table (``Tagger(..., id_map=...)`` applies it) and :func:`check_same_pieces`
refuses a teacher whose tokenizer cuts text differently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

# the student's (BERT-uncased) special tokens and the teacher's names for the same roles
_SPECIAL_ROLES = {
    "[CLS]": "cls_token",
    "[SEP]": "sep_token",
    "[PAD]": "pad_token",
    "[UNK]": "unk_token",
    "[MASK]": "mask_token",
}
# an MPNet-style tokenizer's names for them, unless its special_tokens_map.json says otherwise
_DEFAULT_NAMES = {
    "cls_token": "<s>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "unk_token": "<unk>",
    "mask_token": "<mask>",
}


def _vocab(tokenizer_json: Path) -> dict[str, int]:
    return json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]


def _special_names(model_dir: Path) -> dict[str, str]:
    names = dict(_DEFAULT_NAMES)
    path = model_dir / "special_tokens_map.json"
    if path.exists():
        for role, tok in json.loads(path.read_text(encoding="utf-8")).items():
            names[role] = tok["content"] if isinstance(tok, dict) else tok
    return names


def vocab_map(student_dir: str | Path, teacher_dir: str | Path) -> np.ndarray:
    """``table[student_id] = teacher_id`` for every token of the student's vocabulary.

    Raises:
        SystemExit: a student token has no counterpart in the teacher's vocabulary.
    """
    student, teacher = Path(student_dir), Path(teacher_dir)
    s_vocab, t_vocab = _vocab(student / "tokenizer.json"), _vocab(teacher / "tokenizer.json")
    names = _special_names(teacher)
    table = np.full(max(s_vocab.values()) + 1, -1, dtype=np.int64)
    missing = []
    for tok, i in s_vocab.items():
        name = names[_SPECIAL_ROLES[tok]] if tok in _SPECIAL_ROLES else tok
        if name in t_vocab:
            table[i] = t_vocab[name]
        else:
            missing.append(tok)
    if missing or (table < 0).any():
        raise SystemExit(
            f"the teacher in {teacher} lacks {len(missing)} of the student's tokens (e.g. {missing[:5]}): "
            "it cannot read the student's windows"
        )
    return table


def check_same_pieces(student_dir: str | Path, teacher_dir: str | Path, texts: Iterable[str]) -> int:
    """How many ``texts`` both tokenizers cut identically (pieces and offsets); ``SystemExit`` at the first
    that differs."""
    from spinlens.training.pipeline import load_tokenizer

    a = load_tokenizer(Path(student_dir) / "tokenizer.json")
    b = load_tokenizer(Path(teacher_dir) / "tokenizer.json")
    n = 0
    for text in texts:
        ea, eb = a.encode(text, add_special_tokens=False), b.encode(text, add_special_tokens=False)
        if ea.tokens != eb.tokens or ea.offsets != eb.offsets:
            pairs = zip(ea.tokens + [""], eb.tokens + [""], ea.offsets + [(0, 0)], eb.offsets + [(0, 0)])
            at = next((i for i, (x, y, ox, oy) in enumerate(pairs) if x != y or ox != oy), 0)
            raise SystemExit(
                f"the teacher's tokenizer cuts text differently from the student's (piece {at}: "
                f"{ea.tokens[at : at + 3]} vs {eb.tokens[at : at + 3]}): it cannot teach token for token"
            )
        n += 1
    return n
