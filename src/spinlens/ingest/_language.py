"""Offline language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from dataclasses import dataclass

from spinlens.errors import InputError

_SAMPLE_CHARS = 10_000
# below this many letters, a low-confidence guess is "undetermined" rather than a language
_SHORT_LETTERS = 40
_SHORT_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely ISO 639-1 ``code`` (None for text without letters), the model's ``confidence``
    in [0, 1], and whether the text was long or clear enough for the guess to be ``reliable``."""

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
        reliable = letters >= _SHORT_LETTERS or prob >= _SHORT_MIN_CONFIDENCE
        return LanguageGuess(str(code), prob, reliable)
