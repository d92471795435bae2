"""Session 13: how far each int8 file's P(B)+P(I) is from the fp32 file's on windows of SemEval-2025 train
documents (label-free). argv: FP32_ONNX INT8_ONNX ..."""

import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from spinlens._windows import batch_windows, plan_windows
from spinlens.datasets import data_root

tok = Tokenizer.from_file("runs/g12/builtF13q4f/tokenizer.json")
tok.no_truncation()
tok.no_padding()
docs = sorted((data_root() / "semeval2025-task10/train/EN/raw-documents").glob("*.txt"))[100:110]
wins = []
for d in docs:
    ids = tok.encode(d.read_text(encoding="utf-8"), add_special_tokens=False).ids
    wins += [batch_windows(ids, [w])[0] for w in plan_windows(len(ids), 254, 192)]


def p_in(path):
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out = [s.run(["p_bio"], {"input_ids": w})[0][0] for w in wins]
    return np.concatenate([o[:, 1] + o[:, 2] for o in out])


ref = p_in(sys.argv[1])
print(f"fp32: {len(ref)} tokens, mean P(in) {ref.mean():.4f}, share > 0.2: {(ref > 0.2).mean():.4f}")
for p in sys.argv[2:]:
    x = p_in(p)
    print(
        f"{p}: mean |diff| {np.abs(x - ref).mean():.4f}, mean P(in) {x.mean():.4f}, "
        f"share > 0.2: {(x > 0.2).mean():.4f}, corr {np.corrcoef(x, ref)[0, 1]:.4f}"
    )
