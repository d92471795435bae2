"""spinlens: find the spin in news. Persuasion and propaganda techniques, located and explained.

The public surface::

    import spinlens
    analysis = spinlens.analyze("They are foreign agents, full stop.")
    for span in analysis.spans:
        print(span.technique, analysis.span_text(span), span.score)

Names are imported on first use, so ``import spinlens`` (and ``spinlens --help``) stays fast and loads
no model, numpy or onnxruntime.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

__all__ = [
    "analyze",
    "classify_spans",
    "Document",
    "Analysis",
    "TechniqueSpan",
    "Sentence",
    "Quote",
    "SpinlensError",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    "analyze": "spinlens.pipeline",
    "classify_spans": "spinlens.pipeline",
    "Document": "spinlens.schema",
    "Analysis": "spinlens.schema",
    "TechniqueSpan": "spinlens.schema",
    "Sentence": "spinlens.schema",
    "Quote": "spinlens.schema",
    "SpinlensError": "spinlens.errors",
}

if TYPE_CHECKING:  # pragma: no cover
    from spinlens.errors import SpinlensError
    from spinlens.pipeline import analyze, classify_spans
    from spinlens.schema import Analysis, Document, Quote, Sentence, TechniqueSpan

    __version__: str


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spinlens")
    except PackageNotFoundError:
        return "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'spinlens' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
