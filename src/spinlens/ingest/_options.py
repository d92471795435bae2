"""Ingest settings and results: plain frozen values passed in by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from spinlens.errors import InputError
from spinlens.schema import Document

Status = Literal["ok", "skipped", "error"]
HtmlFocus = Literal["balanced", "precision", "recall"]

#: files read as they are (one text each)
PLAIN_EXTENSIONS = (".txt", ".md")
#: files of records (one document each): JSONL (gzipped too), CSV, Parquet, WARC
RECORD_EXTENSIONS = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".csv", ".parquet", ".warc", ".warc.gz")
DEFAULT_EXTENSIONS = (*PLAIN_EXTENSIONS, ".html", ".htm", *RECORD_EXTENSIONS)


#: how an error about a missing text field says which setting to change
TEXT_FIELD_HINT = "name the text field (--text-field, IngestOptions.text_field)"
#: the reason of a "skipped" result that has no text at all (a front end may treat it as an error)
NO_TEXT = "no text (empty, or no main text found in the page)"
#: the reason of the "error" result of an empty path (``Path("")`` is the current folder: an unset variable)
EMPTY_PATH = "an empty path names no file; give a file, a folder, a URL or - for standard input"
#: the reason of the "skipped" result of a link to a folder inside a folder that is read
FOLDER_LINK = "a link to a folder, not followed; give the folder it leads to as an input of its own"
#: the reason of the "error" result of a folder with nothing to read in it
NO_INPUT_FILES = "no text, HTML or record files in this folder; give text files or a folder that has some"


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """How sources are read. Every limit is a named setting with a default.

    Attributes:
        max_bytes: largest single file, fetched page, JSONL line, table cell or WARC record (default 5 MB).
        max_documents: stop after this many documents; the next one is reported as skipped.
        timeout: seconds allowed to fetch one URL, from connect to the last byte.
        languages: ISO 639-1 codes to keep; documents detected as another language are skipped with the
            reason. An empty tuple keeps every language.
        title_in_text: prepend ``title + "\\n\\n"`` to the text, so offsets count the title too.
        text_field, title_field, id_field, url_field, outlet_field, published_field, author_field:
            field (column) names read from JSONL, CSV and Parquet records; None ignores that field.
        csv_delimiter: the CSV field separator (``;``, tab, ``,`` and ``|`` are tried when it gives a header
            of one column without the text field).
        extensions: file name endings picked up when walking a folder.
        html_focus: trafilatura's trade-off for HTML main text: ``"balanced"``, ``"precision"`` (less
            boilerplate, may drop a standfirst) or ``"recall"`` (more text, more boilerplate).
    """

    max_bytes: int = 5_000_000
    max_documents: int = 100_000
    timeout: float = 10.0
    languages: tuple[str, ...] = ("en",)
    title_in_text: bool = False
    text_field: str = "text"
    title_field: str | None = "title"
    id_field: str | None = "id"
    url_field: str | None = "url"
    outlet_field: str | None = "outlet"
    published_field: str | None = "published"
    author_field: str | None = "author"
    csv_delimiter: str = ","
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    html_focus: HtmlFocus = "balanced"

    def __post_init__(self) -> None:
        if not isinstance(self.max_bytes, int) or self.max_bytes <= 0:
            raise InputError(f"max_bytes must be a positive integer, got {self.max_bytes!r}")
        if not isinstance(self.max_documents, int) or self.max_documents <= 0:
            raise InputError(f"max_documents must be a positive integer, got {self.max_documents!r}")
        if not self.timeout > 0:
            raise InputError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        if isinstance(self.languages, str):
            raise InputError(f"languages must be a tuple of codes such as ('en',), got {self.languages!r}")
        object.__setattr__(self, "languages", tuple(code.strip().lower() for code in self.languages))
        if not self.text_field:
            raise InputError("text_field must name the field that holds the text")
        if len(self.csv_delimiter) != 1:
            raise InputError(f"csv_delimiter must be one character, got {self.csv_delimiter!r}")
        if self.html_focus not in ("balanced", "precision", "recall"):
            raise InputError(f"html_focus must be balanced, precision or recall, got {self.html_focus!r}")
        if isinstance(self.extensions, str):  # ".txt" would be read as the endings ".", "t" and "x"
            raise InputError(
                f"extensions must be a tuple of endings such as ('.txt',), got {self.extensions!r}"
            )
        object.__setattr__(self, "extensions", tuple(ext.lower() for ext in self.extensions))

    @property
    def record_fields(self) -> tuple[str, ...]:
        """The field (column) names read from a record, the text's first, each once (a None one left out)."""
        names = (
            self.text_field,
            self.title_field,
            self.id_field,
            self.url_field,
            self.outlet_field,
            self.published_field,
            self.author_field,
        )
        return tuple(dict.fromkeys(name for name in names if name))


@dataclass(frozen=True)
class IngestResult:
    """What became of one source (a file, URL, record or WARC response).

    ``status`` is ``"ok"`` with a ``document``, or ``"skipped"`` / ``"error"`` with a one-line ``reason``.
    """

    source: str
    document: Document | None
    status: Status
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"
