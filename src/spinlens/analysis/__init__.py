"""Beyond single techniques: genre, frames, narratives, who is cast as what, whose words.

::

    from spinlens.analysis import ArticleAnalyzer

    analyzer = ArticleAnalyzer().load()          # once per process
    result = analyzer.analyze(text, analysis.spans)
    result["genre"], result["frames"], result["entities"], result["quotes"], result["summary"]

- :class:`ArticleAnalyzer`: the models, loaded once (sha256-checked), and ``analyze(text, spans)``.
- :func:`find_quotes`: direct and reported speech with speaker and source, scare quotes (rules, no model).
- :func:`voice_of`: whether a span is in the author's words or a quoted person's.
- :func:`summarize`: density, top techniques, voices, who is attacked and how, as a plain dict.

The models are linear (numpy inference, int8 weights in ``analysis/data``); entity mentions come from spaCy's
``en_core_web_md``. ``spinlens.training.analysis_train`` rebuilds them from ``SPINLENS_DATA``.
"""

from __future__ import annotations

from spinlens.analysis._analyzer import ArticleAnalyzer, analyze_article
from spinlens.analysis._documents import FRAMES, GENRES
from spinlens.analysis._entities import ENTITY_LABELS, FINE_ROLES, MAIN_ROLES
from spinlens.analysis._quotes import QUOTE_KINDS, find_quotes, voice_of
from spinlens.analysis._summary import summarize

__all__ = [
    "ArticleAnalyzer",
    "analyze_article",
    "find_quotes",
    "voice_of",
    "summarize",
    "GENRES",
    "FRAMES",
    "MAIN_ROLES",
    "FINE_ROLES",
    "ENTITY_LABELS",
    "QUOTE_KINDS",
]
