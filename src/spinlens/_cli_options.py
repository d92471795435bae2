"""Option types shared by the CLI modules (``cli``, ``_cli_corpus``, ``_cli_web``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class Model(str, Enum):
    """Which tagger: a shipped ONNX model or the lexicon rules (``spinlens.settings.MODELS``)."""

    default = "default"
    fast = "fast"
    accurate = "accurate"
    accurate_fp32 = "accurate-fp32"
    thorough = "thorough"
    thorough_fp32 = "thorough-fp32"
    rules = "rules"


TextFieldOpt = Annotated[
    str,
    typer.Option(
        "--text-field",
        help="The field that holds the article text in JSONL / CSV / Parquet records.",
    ),
]
