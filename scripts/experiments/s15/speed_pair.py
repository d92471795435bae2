"""Session 15: encoder time of two built `accurate` int8 taggers, interleaved on the same PTC dev articles in
one process (one thread each), so that the machine's noise hits both alike. argv: BUILT_A BUILT_B [N]"""

import sys
import time
from pathlib import Path

from spinlens.datasets import read_ptc
from spinlens.model import SpanTagger

a, b = (SpanTagger(Path(p), threads=1).load() for p in sys.argv[1:3])
texts = [x.text for x in read_ptc("dev").articles][: int(sys.argv[3]) if len(sys.argv) > 3 else 20]
a.score_tokens(texts[0]), b.score_tokens(texts[0])  # warm-up
t = {"a": 0.0, "b": 0.0}
for rnd in range(2):
    for x in texts:
        for name, m in (("a", a), ("b", b)) if rnd == 0 else (("b", b), ("a", a)):
            t0 = time.perf_counter()
            m.score_tokens(x)
            t[name] += time.perf_counter() - t0
print(f"{sys.argv[1]}: {t['a']:.1f} s; {sys.argv[2]}: {t['b']:.1f} s; ratio b/a {t['b'] / t['a']:.3f}")
