"""Offline language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from dataclasses import dataclass, field

from spinlens.errors import InputError

_SAMPLE_CHARS = 10_000
# a guess below this (normalised) probability is "undetermined" rather than a language, however long the
# text: English full of foreign names or emoji gets 'fr' at 0.17 or 'yo' at 0.02, real German or French
# news 0.95+
_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely ISO 639-1 ``code`` (None for text without letters), the model's ``confidence``
    in [0, 1], and whether the guess is clear enough (confidence >= 0.5) to be ``reliable``."""

    code: str | None
    confidence: float
    reliable: bool
    #: probability of each language the model knows (empty for text without letters)
    probs: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def share(self, codes: tuple[str, ...]) -> float:
        """The probability that the text is in one of ``codes``."""
        return sum(self.probs.get(c, 0.0) for c in codes)


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
        ranked = [(str(c), float(p)) for c, p in self._load().rank(sample)]
        code, prob = ranked[0]
        return LanguageGuess(code, prob, prob >= _MIN_CONFIDENCE, dict(ranked))
