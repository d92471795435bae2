"""Run-time settings, read once by a front end and passed down. Stdlib only.

Each setting is declared once, with its default and help text, in :data:`SETTINGS`; the CLI builds its
option help from the same table. :meth:`Settings.build` reads ``SPINLENS_DATA`` from the environment it
is given (never from ``os.environ`` behind the caller's back) and rejects unknown names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

# the model names the front ends accept are declared with the models (stdlib only, like this module)
from spinlens._modelmeta import MODELS, SHIPPED_MODELS

__all__ = ["Setting", "SETTINGS", "Settings", "MODELS", "SHIPPED_MODELS", "DEFAULT_DATA_ROOT"]

#: where the corpora are looked for when ``SPINLENS_DATA`` is not set (relative to the working directory).
DEFAULT_DATA_ROOT = "../shared/data"


@dataclass(frozen=True)
class Setting:
    """One named setting: its default and a one-line help text."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_root", None, "corpus folder (default: $SPINLENS_DATA, else ../shared/data)"),
    Setting(
        "model",
        "default",
        "tagger: 'default' (the shipped ONNX model), 'fast' (a 4-layer student of the same recipe: "
        "~1.4x quicker, a little less accurate), 'accurate' (all-mpnet-base-v2, built once with "
        "`spinlens models build`; ~5-6x slower), 'accurate-fp32' (its fp32 weights, built with --keep-fp32; "
        "~2.9x slower again, a little more accurate), 'thorough' / 'thorough-fp32' (accurate / accurate-fp32 "
        "with its span judge: a second encoder re-reads every span; slower again, the most accurate) or "
        "'rules' (lexicon rules)",
    ),
    Setting("max_bytes", 5_000_000, "largest input file accepted, in bytes"),
    Setting("max_chars", 2_000_000, "longest text accepted, in characters"),
    Setting("debug", False, "show tracebacks instead of one-line errors"),
)
_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a command needs to know about its environment, fixed for the run."""

    data_root: Path = Path(DEFAULT_DATA_ROOT)
    model: str = _DEFAULTS["model"]
    max_bytes: int = _DEFAULTS["max_bytes"]
    max_chars: int = _DEFAULTS["max_chars"]
    debug: bool = _DEFAULTS["debug"]

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}")
        for name in ("max_bytes", "max_chars"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        object.__setattr__(self, "data_root", Path(self.data_root))

    @classmethod
    def build(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from defaults, then ``SPINLENS_DATA`` in ``environ``, then explicit ``overrides``.

        Args:
            environ: the environment to read (the CLI passes ``os.environ``); None reads nothing.
            overrides: setting names to values; a value of None keeps the default.

        Raises:
            ValueError: for an unknown setting name or an invalid value.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        env_root = (environ or {}).get("SPINLENS_DATA")
        if env_root:
            values["data_root"] = Path(env_root)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)
