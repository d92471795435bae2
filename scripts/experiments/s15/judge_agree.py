"""Session 15: int8 span judges against their fp32 judge on 400 random training inputs of the judge (not
among the first 300, which calibrate the fp32 channels): argmax agreement, keep decision at t_j 0.1 and
mean |dP(none)|. One run, every int8 file side by side.

    python scripts/experiments/s15/judge_agree.py EXAMPLES FP32_ONNX INT8_ONNX [INT8_ONNX ...]"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s14"))
from judge import load_examples  # noqa: E402

from spinlens._onnx import cpu_session  # noqa: E402

z = load_examples(Path(sys.argv[1]) / "examples.npz")
rng = np.random.default_rng(15)
idx = rng.choice(np.arange(300, len(z["seqs"])), size=400, replace=False)


def run(path: str) -> np.ndarray:
    s = cpu_session(Path(path), 2)
    out = []
    for i in idx:
        feed = {
            "input_ids": z["seqs"][i].astype(np.int64)[None],
            "ms": np.array([int(z["ms"][i])], np.int64),
            "me": np.array([int(z["me"][i])], np.int64),
        }
        out.append(s.run(None, feed)[0][0])
    return np.array(out)


ref = run(sys.argv[2])
for path in sys.argv[3:]:
    p = run(path)
    arg = float((p.argmax(1) == ref.argmax(1)).mean())
    keep = float((((1 - p[:, 0]) >= 0.1) == ((1 - ref[:, 0]) >= 0.1)).mean())
    print(
        f"{path}: argmax agreement {arg:.4f}, keep agreement {keep:.4f}, mean |dP(none)| "
        f"{np.abs(p[:, 0] - ref[:, 0]).mean():.4f}",
        flush=True,
    )
