"""The data model: frozen dataclasses with a JSON round-trip and a schema version. Stdlib only.

Offsets are character offsets into ``Document.text`` exactly as stored; ``end`` is exclusive.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields
from typing import Any

from spinlens.errors import InputError, SchemaError
from spinlens.taxonomy import is_technique

__all__ = [
    "SCHEMA_VERSION",
    "Document",
    "content_id",
    "TechniqueSpan",
    "Sentence",
    "Quote",
    "ModelInfo",
    "Analysis",
    "span_sort_key",
]

SCHEMA_VERSION = 1


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise SchemaError(msg)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: object, what: str) -> None:
    """A lone UTF-16 surrogate (e.g. JSON ``"\\ud800"``) is not text: it cannot be stored or sent as UTF-8."""
    if isinstance(value, str) and (m := _SURROGATE.search(value)):
        raise InputError(
            f"{what} has a lone surrogate code point (U+{ord(m.group()):04X}) at character {m.start()}: "
            "not valid Unicode; fix the source's encoding"
        )


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_real(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _score(d: dict[str, Any], default: float) -> Any:
    """A stored score as a float, or as it is when it is not a number (``__post_init__`` then says so)."""
    x = d.get("score", default)
    return float(x) if _is_real(x) else x


def _check_offsets(start: int, end: int, length: int | None, what: str) -> None:
    _require(_is_int(start) and _is_int(end), f"{what}: offsets must be integers")
    _require(0 <= start < end, f"{what}: need 0 <= start < end, got start={start} end={end}")
    if length is not None:
        _require(end <= length, f"{what}: end={end} is beyond the text length {length}")


def _get(d: dict[str, Any], key: str, cls: str) -> Any:
    if not isinstance(d, dict):
        raise SchemaError(f"{cls}: expected an object, got {type(d).__name__}")
    try:
        return d[key]
    except KeyError:
        raise SchemaError(f"{cls}: missing field {key!r}") from None


def content_id(text: str) -> str:
    """The id a :class:`Document` without one gets: the first 16 hex digits of its text's sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Document:
    """A text to analyze, with optional metadata. ``id`` defaults to the sha256 of the text."""

    text: str
    id: str = ""
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        _require(isinstance(self.text, str), "Document.text must be a string")
        for f in fields(self):
            value = getattr(self, f.name)
            _require(value is None or isinstance(value, str), f"Document.{f.name} must be a string or null")
            _no_surrogates(getattr(self, f.name), f"Document.{f.name}")
        if not self.id:
            object.__setattr__(self, "id", content_id(self.text))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        text = _get(d, "text", "Document")
        kw: dict[str, Any] = {f.name: d.get(f.name) for f in fields(cls) if f.name != "text"}
        kw["id"] = kw["id"] or ""
        return cls(text=text, **kw)


@dataclass(frozen=True)
class TechniqueSpan:
    """A persuasion technique found at ``text[start:end]`` with a confidence ``score`` in [0, 1]."""

    start: int
    end: int
    technique: str
    score: float = 1.0

    def __post_init__(self) -> None:
        _check_offsets(self.start, self.end, None, "TechniqueSpan")
        _require(
            isinstance(self.technique, str) and is_technique(self.technique),
            f"TechniqueSpan: unknown technique {self.technique!r}",
        )
        _require(_is_real(self.score), f"TechniqueSpan: score {self.score!r} is not a number")
        _require(0.0 <= float(self.score) <= 1.0, f"TechniqueSpan: score {self.score} not in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "technique": self.technique, "score": self.score}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TechniqueSpan:
        return cls(
            start=_get(d, "start", "TechniqueSpan"),
            end=_get(d, "end", "TechniqueSpan"),
            technique=_get(d, "technique", "TechniqueSpan"),
            score=_score(d, 1.0),
        )


def span_sort_key(s: TechniqueSpan) -> tuple[int, int, str]:
    """The one sort order for spans: start, then longest first, then technique."""
    return (s.start, -(s.end - s.start), s.technique)


@dataclass(frozen=True)
class Sentence:
    """A sentence at ``text[start:end]`` with its propaganda score (max span score inside, or 0)."""

    start: int
    end: int
    score: float = 0.0

    def __post_init__(self) -> None:
        _check_offsets(self.start, self.end, None, "Sentence")
        _require(_is_real(self.score), f"Sentence: score {self.score!r} is not a number")
        _require(0.0 <= float(self.score) <= 1.0, f"Sentence: score {self.score} not in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "score": self.score}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Sentence:
        return cls(
            start=_get(d, "start", "Sentence"),
            end=_get(d, "end", "Sentence"),
            score=_score(d, 0.0),
        )


@dataclass(frozen=True)
class Quote:
    """Quoted words at ``text[start:end]``: direct/reported speech or scare quotes."""

    start: int
    end: int
    kind: str = "direct"  # direct | reported | scare
    speaker: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        _check_offsets(self.start, self.end, None, "Quote")
        _require(self.kind in ("direct", "reported", "scare"), f"Quote: unknown kind {self.kind!r}")
        for name in ("speaker", "source"):
            value = getattr(self, name)
            _require(value is None or isinstance(value, str), f"Quote.{name} must be a string or null")
            _no_surrogates(value, f"Quote.{name}")

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Quote:
        return cls(
            start=_get(d, "start", "Quote"),
            end=_get(d, "end", "Quote"),
            kind=d.get("kind", "direct"),
            speaker=d.get("speaker"),
            source=d.get("source"),
        )


@dataclass(frozen=True)
class ModelInfo:
    """Provenance of the model that produced an analysis."""

    name: str
    version: str
    sha256: str

    def __post_init__(self) -> None:
        for f in fields(self):
            _require(isinstance(getattr(self, f.name), str), f"ModelInfo.{f.name} must be a string")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelInfo:
        return cls(
            name=_get(d, "name", "ModelInfo"),
            version=_get(d, "version", "ModelInfo"),
            sha256=_get(d, "sha256", "ModelInfo"),
        )


@dataclass(frozen=True)
class Analysis:
    """The result of analyzing one document. Spans are kept in ``span_sort_key`` order."""

    document: Document
    spans: tuple[TechniqueSpan, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    quotes: tuple[Quote, ...] = ()
    genre: str | None = None
    frames: tuple[str, ...] = ()
    model: ModelInfo | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require(isinstance(self.document, Document), "Analysis.document must be a Document")
        _require(
            self.model is None or isinstance(self.model, ModelInfo), "Analysis.model must be a ModelInfo"
        )
        _require(self.genre is None or isinstance(self.genre, str), "Analysis.genre must be a string or null")
        _require(
            isinstance(self.frames, (list, tuple)) and all(isinstance(f, str) for f in self.frames),
            "Analysis.frames must be a list of strings",
        )
        _require(isinstance(self.extras, dict), "Analysis.extras must be an object")
        for name, cls in (("spans", TechniqueSpan), ("sentences", Sentence), ("quotes", Quote)):
            items = getattr(self, name)
            _require(
                not isinstance(items, (str, bytes, dict))
                and isinstance(items, (list, tuple))
                and all(isinstance(x, cls) for x in items),
                f"Analysis.{name} must be a list of {cls.__name__} objects",
            )
        n = len(self.document.text)
        for s in self.spans:
            _check_offsets(s.start, s.end, n, "TechniqueSpan")
        for se in self.sentences:
            _check_offsets(se.start, se.end, n, "Sentence")
        for q in self.quotes:
            _check_offsets(q.start, q.end, n, "Quote")
        object.__setattr__(self, "spans", tuple(sorted(self.spans, key=span_sort_key)))
        object.__setattr__(self, "sentences", tuple(self.sentences))
        object.__setattr__(self, "quotes", tuple(self.quotes))
        object.__setattr__(self, "frames", tuple(self.frames))

    def span_text(self, span: TechniqueSpan) -> str:
        return self.document.text[span.start : span.end]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "document": self.document.to_dict(),
            "spans": [dict(s.to_dict(), text=self.span_text(s)) for s in self.spans],
            "sentences": [s.to_dict() for s in self.sentences],
            "quotes": [q.to_dict() for q in self.quotes],
            "genre": self.genre,
            "frames": list(self.frames),
            "model": self.model.to_dict() if self.model else None,
            "extras": self.extras,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Analysis:
        version = _get(d, "schema_version", "Analysis")
        _require(
            _is_int(version) and version == SCHEMA_VERSION,
            f"Analysis: schema_version {version!r} is not supported (this spinlens reads {SCHEMA_VERSION})",
        )
        frames = d.get("frames") or []
        _require(isinstance(frames, (list, tuple)), "Analysis: frames must be a list of strings")
        try:
            document = Document.from_dict(_get(d, "document", "Analysis"))
            raw_spans = d.get("spans", [])
            spans = tuple(TechniqueSpan.from_dict(s) for s in raw_spans)
            for span, raw in zip(spans, raw_spans):
                # the text a span says it covers must be the document's there: offsets into another version
                # of the text (CRLF turned into LF, blanks tidied) would otherwise load without a word
                given = raw.get("text")
                got = document.text[span.start : span.end]
                _require(
                    not isinstance(given, str) or given == got,
                    f"Analysis: the span at {span.start}-{span.end} says its text is {given!r:.60} but the "
                    f"document has {got!r:.60} there: the offsets index another version of the text",
                )
            return cls(
                document=document,
                spans=spans,
                sentences=tuple(Sentence.from_dict(s) for s in d.get("sentences", [])),
                quotes=tuple(Quote.from_dict(q) for q in d.get("quotes", [])),
                genre=d.get("genre"),
                frames=tuple(frames),
                model=ModelInfo.from_dict(d["model"]) if d.get("model") else None,
                extras=d.get("extras") or {},
            )
        except SchemaError:
            raise
        except (TypeError, AttributeError, ValueError, OverflowError) as exc:
            raise SchemaError(f"Analysis: malformed input ({exc})") from exc
