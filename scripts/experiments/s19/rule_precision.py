"""Session 19: how precise each lexicon rule of ``spinlens.rules.RULES`` is on PTC train gold spans.

For every rule, its matches in the 371 PTC train articles (the rule tagger's own matching: case-insensitive,
word boundaries) and the share of them that touch a gold span of any technique (what the SI metric credits)
and of its own technique's PTC-14 class. PTC dev is not read.

    SPINLENS_DATA=../shared/data .venv/bin/python scripts/experiments/s19/rule_precision.py
"""

from __future__ import annotations

import re

from spinlens.datasets import read_ptc
from spinlens.rules import RULES
from spinlens.taxonomy import CANONICAL_TO_PTC14


def main() -> None:
    arts = read_ptc("train").articles
    print(f"{len(arts)} PTC train articles")
    rows = []
    for k, (tech, pat, conf) in enumerate(RULES):
        rx = re.compile(rf"(?<!\w)(?:{pat})(?!\w)", re.I)  # as spinlens.rules._compile
        n = si = tc = 0
        for a in arts:
            for m in rx.finditer(a.text):
                n += 1
                touch = [g for g in a.spans if g.start < m.end() and m.start() < g.end]
                si += bool(touch)
                tc += any(g.label == CANONICAL_TO_PTC14.get(tech) for g in touch)
        rows.append((k, tech, pat, n, si, tc))
    for k, tech, pat, n, si, tc in sorted(rows, key=lambda r: -r[3]):
        if n:
            print(f"{k:3d} {tech:32s} {pat[:50]:50s} n={n:4d} SI-prec {si / n:.2f} TC-prec {tc / n:.2f}")
    print("no match:", ", ".join(str(k) for k, *_, n, _si, _tc in rows if n == 0))


if __name__ == "__main__":
    main()
