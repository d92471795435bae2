"""Option types shared by the CLI modules (``cli``, ``_cli_corpus``, ``_cli_web``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

#: the largest byte or character count an option takes (1 TiB): far above any real input, and an int every
#: layer below (file reads, SQLite, numpy) accepts, so a huge number is a usage error, not an OverflowError
MAX_SIZE = 2**40


class Model(str, Enum):
    """Which tagger: a shipped ONNX model or the lexicon rules (``spinlens.settings.MODELS``)."""

    default = "default"
    fast = "fast"
    accurate = "accurate"
    accurate_fp32 = "accurate-fp32"
    thorough = "thorough"
    thorough_fp32 = "thorough-fp32"
    rules = "rules"


def _check_text_field(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("give the name of the field that holds the text, e.g. text")
    return value


TextFieldOpt = Annotated[
    str,
    typer.Option(
        "--text-field",
        help="The field that holds the article text in JSONL / CSV / Parquet records.",
        callback=_check_text_field,
    ),
]
