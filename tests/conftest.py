"""Shared fixtures: the rule-tagger pipeline, a three-sentence article and the corpus root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spinlens.pipeline import Pipeline
from spinlens.rules import RuleTagger

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "src" / "spinlens" / "examples" / "opinion.txt"

#: three sentences, with a name-calling label, loaded words and a conversation killer.
ARTICLE = (
    "The minister called the protesters foreign agents and traitors. "
    "It was an outrageous disaster for the city. "
    "The matter is closed, full stop."
)


def data_root() -> Path:
    """``$SPINLENS_DATA``, else the shared data folder next to the repository."""
    env = os.environ.get("SPINLENS_DATA")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def need_data(relpath: str) -> Path:
    """The path under the data root, or skip (fail when ``SPINLENS_REQUIRE_DATA=1``) if it is absent."""
    path = data_root() / relpath
    if not path.exists():
        msg = f"corpus not found: {path} (set SPINLENS_DATA)"
        if os.environ.get("SPINLENS_REQUIRE_DATA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture
def rule_pipeline() -> Pipeline:
    """The pipeline driven by the deterministic rule tagger (no model files)."""
    return Pipeline(RuleTagger())


@pytest.fixture
def article() -> str:
    return ARTICLE


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def data_dir() -> Path:
    """The corpus root (skips, or fails under ``SPINLENS_REQUIRE_DATA=1``, when it is absent)."""
    return need_data("ptc-semeval2020-task11").parent
