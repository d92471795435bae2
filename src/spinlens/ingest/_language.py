"""Offline language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from dataclasses import dataclass

from spinlens.errors import InputError

_SAMPLE_CHARS = 10_000
# a guess below this (normalised) probability is "undetermined" rather than a language, however long the
# text: English full of foreign names or emoji gets 'fr' at 0.08 or 'yo' at 0.02, real German or French
# news 0.99+
_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely ISO 639-1 ``code`` (None for text without letters), the model's ``confidence``
    in [0, 1], and whether the guess is clear enough (confidence >= 0.5) to be ``reliable``."""

    code: str | None
    confidence: float
    reliable: bool


class LanguageDetector:
    """Detects a text's language; the model is loaded on first use and kept on the object."""

    def __init__(self) -> None:
        self._identifier = None

    def _load(self):
        if self._identifier is None:
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
            except ImportError as exc:
                raise InputError("language detection needs py3langid: pip install py3langid") from exc
            self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return self._identifier

    def detect(self, text: str) -> LanguageGuess:
        """Guess the language of ``text`` (its first 10,000 characters)."""
        sample = text[:_SAMPLE_CHARS]
        letters = sum(1 for ch in sample if ch.isalpha())
        if letters == 0:
            return LanguageGuess(None, 0.0, False)
        code, prob = self._load().classify(sample)
        prob = float(prob)
        reliable = prob >= _MIN_CONFIDENCE
        return LanguageGuess(str(code), prob, reliable)
