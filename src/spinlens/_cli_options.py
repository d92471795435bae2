"""Option types shared by the CLI modules (``cli``, ``_cli_corpus``, ``_cli_web``)."""

from __future__ import annotations

from enum import Enum


class Model(str, Enum):
    """Which tagger: the shipped ONNX model or the lexicon rules."""

    default = "default"
    rules = "rules"
