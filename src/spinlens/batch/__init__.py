"""Batch analysis: stream documents through one per-document function into a store.

The same function (:func:`analyze_document`) runs serially, in a local process pool (one model load
per worker process) or on a Dask distributed cluster. Runs are idempotent by document id and resume
after any interruption: see :func:`run_batch`.

Example::

    from spinlens.batch import BatchOptions, run_batch
    from spinlens.ingest import iter_documents
    from spinlens.store import open_store

    with open_store("corpus.sqlite") as store:
        counts = run_batch(iter_documents(["news/"]), store, BatchOptions(model="rules", workers=2))
    print(counts.analyzed, counts.failed)
"""

from spinlens.batch._count import estimate_total
from spinlens.batch._run import ENGINES, BatchOptions, BatchProgress, run_batch
from spinlens.batch._work import MODELS, Outcome, analyze_document, load_pipeline, model_info

__all__ = [
    "ENGINES",
    "MODELS",
    "BatchOptions",
    "BatchProgress",
    "Outcome",
    "analyze_document",
    "estimate_total",
    "load_pipeline",
    "model_info",
    "run_batch",
]
