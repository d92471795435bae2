"""The corpus pages on :mod:`spinlens.store`: its search, stats and get, answered in the web's row shapes.

The store's search pages (``offset``, ``limit``) and counts (``count``: one COUNT query) in the database,
with every filter of the pages (outlet, technique, category, since, until); the document list is a search
without words.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from spinlens.errors import InputError
from spinlens.taxonomy import TECHNIQUE_IDS, get_technique
from spinlens.web._corpus import MARKS, Filters, period_of, plain_snippet, snippet_html
from spinlens.web._view import display_title

__all__ = ["open_store", "StoreCorpus"]

_HEAT_OUTLETS = 40


def open_store(target: str):
    """Open (create or migrate) the store at ``target``; see :func:`spinlens.store.open_store`."""
    from spinlens.store import open_store as _open

    return _open(target)


class StoreCorpus:
    """The web's corpus questions answered by a :class:`spinlens.store.Store`.

    Args:
        store: an open store.
        lock: held around writes, so the app's worker threads write one at a time.
    """

    persistent = True

    def __init__(self, store, lock: threading.RLock | None = None) -> None:
        self.store = store
        self.lock = lock or threading.RLock()

    # -- one analysis ----------------------------------------------------------------------------------
    def save(self, data: Mapping[str, Any], analysis: Any | None = None) -> None:
        from spinlens.schema import Analysis

        analysis = analysis if analysis is not None else Analysis.from_dict(dict(data))
        why = self.store.cannot_hold(analysis.document, None)
        if why is not None:  # PostgreSQL's limits (a NUL, an over-long outlet or title): say so, not a 500
            raise InputError(f"the database cannot store this document: {why}")
        with self.lock:
            self.store.write([analysis])

    def get(self, document_id: str) -> dict[str, Any] | None:
        analysis = self.store.get(document_id)
        return analysis.to_dict() if analysis is not None else None

    # -- lists -------------------------------------------------------------------------------------------
    def _row(self, hit, query: str | None) -> dict[str, Any]:
        techniques = dict(hit.techniques)
        top = max(techniques, key=lambda t: (techniques[t], -TECHNIQUE_IDS.index(t)), default=None)
        return {
            "id": hit.id,
            "title": hit.title or display_title({"id": hit.id, "text": hit.lead or ""}),
            "outlet": hit.outlet,
            "published": hit.published,
            "url": hit.url,
            "n_chars": hit.n_chars,
            "n_spans": sum(techniques.values()),
            "top_technique": top,
            "techniques": techniques,
            "score": hit.score,
            "snippet": plain_snippet(hit.snippet),
            "snippet_html": snippet_html(hit.snippet) if query else None,
        }

    def documents(self, filters: Filters, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """The newest documents that pass the filters: a search without words."""
        return self.search("", filters, limit, offset)

    def search(
        self, query: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of hits (the store pages itself) and their total: a first page with no hit past it holds
        them all; any other asks the database (one COUNT)."""
        where = _where(filters)
        hits = self.store.search(query, limit=limit + 1, offset=offset, marks=MARKS, **where)
        if offset == 0 and len(hits) <= limit:
            total = len(hits)
        else:
            total = self.store.count(query, **where)
        return [self._row(h, query) for h in hits[:limit]], total

    def outlets(self) -> list[str]:
        return sorted(r["outlet"] for r in self.store.stats("outlet") if r.get("outlet"))

    # -- charts ------------------------------------------------------------------------------------------
    def stats(self, f: Filters) -> dict[str, Any]:
        """Outlet x technique counts and monthly technique shares, from the store's ``stats``."""
        dates = {"outlet": f.outlet, "since": f.since, "until": f.until}
        by_outlet = self.store.stats("outlet", technique=f.technique, **dates)
        by_outlet = [r for r in by_outlet if r["spans"]][:_HEAT_OUTLETS]
        names = {r["outlet"]: r["outlet"] or "(no outlet)" for r in by_outlet}
        counts: list[list[Any]] = []
        totals: dict[str, int] = dict.fromkeys(names.values(), 0)
        present: set[str] = set()
        # one query per technique, grouped by the exact outlet: the outlet filter ignores case, so asking
        # per outlet counted "Gazette" and "gazette" twice, each with the other's spans
        wanted = [t for t in ([f.technique] if f.technique else TECHNIQUE_IDS) if _in_category(t, f)]
        for t in wanted:
            for r in self.store.stats("outlet", technique=t, **dates):
                if r["outlet"] in names and r["spans"]:
                    counts.append([names[r["outlet"]], t, int(r["spans"])])
                    totals[names[r["outlet"]]] += int(r["spans"])
                    present.add(t)
        months_all = self.store.stats("month", **dates)
        periods = [r["month"] for r in months_all if r["month"] and period_of(r["month"])]
        month_total = {r["month"]: int(r["spans"]) for r in months_all}
        techniques = [t for t in TECHNIQUE_IDS if t in present]
        if not techniques:
            tech_rows = self.store.stats("technique", technique=f.technique, **dates)
            techniques = [
                t for t in TECHNIQUE_IDS if any(x["technique"] == t for x in tech_rows) and _in_category(t, f)
            ]
        series: dict[str, list[float]] = {}
        for t in techniques:
            per = {r["month"]: int(r["spans"]) for r in self.store.stats("month", technique=t, **dates)}
            values = [
                round(per.get(p, 0) / month_total[p], 4) if month_total.get(p) else 0.0 for p in periods
            ]
            if any(values):
                series[t] = values
        return {
            "outlets": [o for o in (r["outlet"] or "(no outlet)" for r in by_outlet) if totals.get(o)],
            "techniques": techniques,
            "counts": sorted(counts),
            "totals": totals,
            "periods": periods,
            "series": series,
        }


def _where(f: Filters) -> dict[str, Any]:
    """The store's search filters for the pages' ones."""
    return {
        "technique": f.technique,
        "outlet": f.outlet,
        "since": f.since,
        "until": f.until,
        "category": f.category,
    }


def _in_category(technique: str, f: Filters) -> bool:
    return not f.category or get_technique(technique).category == f.category
