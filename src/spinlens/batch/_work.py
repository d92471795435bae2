"""The per-document function that every engine runs (serially, in a process pool or on Dask workers)."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from spinlens._modelmeta import MODELS
from spinlens.errors import ModelError, SpinlensError
from spinlens.pipeline import Pipeline, Tagger, load_tagger
from spinlens.schema import Analysis, Document, ModelInfo

__all__ = ["MODELS", "Outcome", "analyze_document", "load_pipeline", "model_info"]


@dataclass(frozen=True)
class Outcome:
    """The result of one document: its ``analysis``, or the one-line ``reason`` it failed."""

    document_id: str
    analysis: Analysis | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.analysis is not None


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ModelError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")


def model_info(model: str) -> ModelInfo:
    """Name, version and sha256 of a tagger, read without loading its weights."""
    _check_model(model)
    if model == "rules":
        from spinlens.rules import RuleTagger

        return RuleTagger().info
    from spinlens._modelmeta import model_runs, read_meta, shipped_model_dir
    from spinlens.model import model_info as info_of

    _, quantized, judge = model_runs(model)
    return info_of(read_meta(shipped_model_dir(model)), quantized=quantized, judge=judge)


@lru_cache(maxsize=4)
def _tagger(model: str, threads: int | None) -> Tagger:
    _check_model(model)
    return load_tagger(model, threads)


@lru_cache(maxsize=1)
def _article_analyzer() -> Any:
    from spinlens.analysis import ArticleAnalyzer

    return ArticleAnalyzer().load()


@lru_cache(maxsize=4)
def load_pipeline(
    model: str, max_chars: int = 2_000_000, threads: int | None = None, article: bool = False
) -> Pipeline:
    """The pipeline for ``model``, loaded once per process (each pool or Dask worker loads its own).

    Args:
        model: ``"default"`` or ``"fast"`` (shipped ONNX models) or ``"rules"``.
        max_chars: longest text accepted.
        threads: CPU threads for the model (None: one per core; see ``SpanTagger``).
        article: also run the article analysis (:class:`spinlens.analysis.ArticleAnalyzer`: genre,
            frames, entity roles, narratives, quotes); its models and spaCy load once per process.

    Raises:
        ModelError: the tagger or the article analysis cannot be loaded.
    """
    return Pipeline(
        _tagger(model, threads),
        max_chars=max_chars,
        article_analyzer=_article_analyzer() if article else None,
    )


def analyze_document(
    document: Document,
    model: str = "default",
    *,
    extras: dict[str, Any] | None = None,
    max_chars: int = 2_000_000,
    threads: int | None = None,
    article: bool = False,
) -> Outcome:
    """Analyze one document; a document that cannot be analyzed gives an ``Outcome`` with a reason.

    Args:
        document: the document.
        model: ``"default"`` or ``"fast"`` (shipped ONNX models) or ``"rules"``.
        extras: stored with the analysis (e.g. ``{"source": PATH}``), beside the article analysis.
        max_chars: longest text accepted.
        threads: CPU threads for the model (None: one per core; see ``SpanTagger``).
        article: also run the article analysis, stored as ``genre``, ``frames``, ``quotes`` and
            ``extras["article"]``.

    Raises:
        ModelError: the model cannot be loaded (every document would fail, so the run stops).
    """
    pipeline = load_pipeline(model, max_chars, threads, article)
    try:
        analysis = pipeline.analyze(document)
    except ModelError:
        raise
    except SpinlensError as exc:
        return Outcome(document.id, None, _one_line(str(exc)))
    except Exception as exc:  # a bug on one document must not stop a 100k-document run; it is recorded
        return Outcome(document.id, None, _one_line(f"{type(exc).__name__}: {exc}"))
    if extras:
        analysis = replace(analysis, extras={**analysis.extras, **extras})
    return Outcome(document.id, analysis, None)


def init_worker(
    model: str, max_chars: int, threads: int | None, parent_pid: int, article: bool = False
) -> None:
    """Process-pool initializer: load the models once, and exit when the parent process is gone.

    A model that cannot be loaded is left for the first task, whose ``ModelError`` reaches the parent
    (which stops the run with that message); raising here would only break the pool. Ctrl-C is ignored: the
    parent takes it and shuts the pool down (a terminal sends it to every process of its group).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        load_pipeline(model, max_chars, threads, article)
    except SpinlensError:
        pass


def _watch_parent(parent_pid: int) -> None:
    """Pool workers block on their queue forever if the parent is killed (kill -9); end them instead."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(0)


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "unknown error"
