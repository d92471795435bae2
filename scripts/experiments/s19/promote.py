"""Session 19: entities listed because the author's own words attack them, on SemEval-2025 T10 EN dev.

For each dev article with subtask-1 gold: the spaCy entity groups, the shipped salience model's scores, the
default tagger's spans. An entity group is "gold" when SemEval gave one of its mentions a role (the rule the
salience model was trained on, ``analysis_train._salience_rows``). Listed entities: (a) salience >= the
shipped floor (before), (b) that or attacked by a span in the author's voice (after: what
``ArticleAnalyzer`` does since session 19). Prints precision / recall / F1 of both and the entities (b) adds.

    SPINLENS_DATA=../shared/data .venv/bin/python scripts/experiments/s19/promote.py
"""

from __future__ import annotations

import os
from pathlib import Path

from spinlens.analysis import ArticleAnalyzer
from spinlens.analysis._entities import group_mentions, normalize_name
from spinlens.pipeline import analyze
from spinlens.training.analysis_train import read_roles


def main() -> None:
    root = Path(os.environ.get("SPINLENS_DATA", "../shared/data"))
    ms, texts = read_roles(root, "dev")
    by_doc: dict[str, list] = {}
    for m in ms:
        by_doc.setdefault(m.doc, []).append(m)
    az = ArticleAnalyzer().load()
    floor = az.salience_.threshold
    n_gold = tp_a = n_a = tp_b = n_b = 0
    added = []
    for doc in sorted(by_doc):
        t = texts[doc]
        spans = [s.to_dict() for s in analyze(t).spans]
        ents = az.ner_.entities(t)
        groups = group_mentions(t, ents)
        keys = {normalize_name(m.mention) for m in by_doc[doc]}
        gspans = [(m.start, m.end) for m in by_doc[doc]]
        gold = [
            g.key in keys or any(s < e2 and s2 < e for s, e in g.mentions for s2, e2 in gspans)
            for g in groups
        ]
        sal = az.salience_.predict(t, groups) if groups else []
        listed = {tuple(tuple(m) for m in e["mentions"]) for e in az.analyze(t, spans)["entities"]}
        n_gold += sum(gold)
        for g, y, s in zip(groups, gold, sal):
            a = s >= floor
            b = tuple(tuple(m) for m in g.mentions) in listed
            n_a += a
            tp_a += a and y
            n_b += b
            tp_b += b and y
            if b and not a:
                added.append((doc, g.name, bool(y), round(float(s), 3)))

    def prf(tp: int, n: int) -> str:
        p, r = tp / max(n, 1), tp / max(n_gold, 1)
        return f"P {p:.3f} R {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f} ({n} listed, {tp} gold)"

    print(f"{len(by_doc)} articles, {n_gold} gold entity groups, floor {floor}")
    print("before (salience only):    ", prf(tp_a, n_a))
    print("after (+ attacked by author):", prf(tp_b, n_b))
    print(f"added {len(added)}: {sum(y for *_, y, _ in added)} gold")
    for row in added:
        print("  ", row)


if __name__ == "__main__":
    main()
