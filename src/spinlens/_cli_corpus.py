"""The corpus commands: ``batch``, ``search``, ``stats`` and the corpus side of ``export``.

Thin wrappers: parse the flags, open the store, call :mod:`spinlens.batch` / :mod:`spinlens.store`,
render. Data goes to standard output; progress, notes and ``Error: ...`` lines to standard error.
SQLAlchemy, the model and Dask are imported inside the commands, so ``spinlens --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

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
from spinlens.errors import SpinlensError
from spinlens.settings import SETTINGS, Settings
from spinlens.text import terminal_safe

__all__ = ["corpus_app", "CorpusFormat", "export_corpus_command", "usage_error"]

_HELP = {s.name: s.help for s in SETTINGS}
_DEFAULT = {s.name: s.default for s in SETTINGS}
_MAX_FAILURES_SHOWN = 20

corpus_app = typer.Typer()


class CorpusFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    ptc = "ptc"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class StatsBy(str, Enum):
    technique = "technique"
    category = "category"
    outlet = "outlet"
    month = "month"


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _check_technique(value: str | None) -> str | None:
    from spinlens.store import check_technique

    try:
        return check_technique(value)
    except SpinlensError as exc:
        raise typer.BadParameter(str(exc)) from None


def _check_since(value: str | None) -> str | None:
    from spinlens.text import check_since

    try:
        return check_since(value)
    except SpinlensError as exc:
        raise typer.BadParameter(str(exc)) from None


# -- shared options (defined once) -------------------------------------------------------------------
DbOpt = Annotated[
    str,
    typer.Option(
        "--db", metavar="PATH|URL", help="The store: a SQLite file, or postgresql://USER@HOST:PORT/DB."
    ),
]
TechniqueOpt = Annotated[
    str | None,
    typer.Option(
        "--technique",
        "-t",
        callback=_check_technique,
        help="Only this technique (an id from `spinlens techniques`).",
    ),
]
OutletOpt = Annotated[str | None, typer.Option("--outlet", help="Only this outlet (case-insensitive).")]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        callback=_check_since,
        metavar="DATE",
        help="Only articles published on or after (YYYY-MM-DD).",
    ),
]
QueryFormatOpt = Annotated[QueryFormat, typer.Option("--format", "-f", help="Output format.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help=_HELP["debug"])]


class _UsageError(typer.BadParameter):
    """A usage error found inside a command: usage line, ``Error: message``, exit code 2."""

    def format_message(self) -> str:
        return self.message


def usage_error(message: str) -> NoReturn:
    """Stop with a usage error (exit code 2), reported the way the parser reports its own."""
    raise _UsageError(message)


def _fail(exc: BaseException, debug: bool) -> NoReturn:
    """One ``Error:`` line and exit 1 (or the traceback with ``--debug``)."""
    if debug:
        raise exc
    if isinstance(exc, SpinlensError):
        _err(f"Error: {exc}")
    else:
        _err(f"Error: {type(exc).__name__}: {exc}; rerun with --debug to see the traceback")
    raise typer.Exit(1)


def _open(db: str, *, create: bool):
    from spinlens.store import open_store

    return open_store(db, create=create)


# -- batch -------------------------------------------------------------------------------------------
class _Bar:
    """The rich progress bar on standard error: documents, docs/s, ETA, failures."""

    def __init__(self, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f} docs/s"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[failed]} failed"),
            console=self.console,
            refresh_per_second=4,
        )
        self.task = self.progress.add_task("batch", total=total, rate=0.0, failed=0)
        self.total = total
        self.shown = 0

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, p: Any) -> None:
        total = self.total = p.total if p.total is not None else self.total  # the run may correct it
        if total is not None and p.processed > total:
            total = self.total = p.processed
        self.progress.update(
            self.task, completed=p.processed, total=total, rate=p.docs_per_second, failed=p.failed
        )

    def failure(self, f: Any) -> None:
        self.shown += 1
        if self.shown <= _MAX_FAILURES_SHOWN:
            where = f.source or f.key
            self.console.print(
                terminal_safe(f"Error: {_located(where, f.reason)}"),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


@corpus_app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT",
            help=(
                "Files, folders, URLs, JSONL (.jsonl.gz too) / CSV / Parquet / WARC files, or - for standard "
                "input (JSONL records when it starts with {, else one document)."
            ),
            show_default=False,
        ),
    ],
    db: DbOpt,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=1024,
            help="Worker processes (Dask: LocalCluster workers; not used with --scheduler: its cluster's).",
        ),
    ] = 1,
    engine: Annotated[
        Engine, typer.Option("--engine", help="local processes, or a Dask cluster.")
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", metavar="ADDRESS", help="Dask scheduler (default: start a LocalCluster)."
        ),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Analyze documents whose earlier attempt failed.")
    ] = False,
    reanalyze: Annotated[
        bool, typer.Option("--reanalyze", help="Replace analyses made by another model version.")
    ] = False,
    model: Annotated[Model, typer.Option("--model", "-m", help=_HELP["model"])] = Model.default,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=1_000_000, help="Analyses written per transaction.")
    ] = 64,
    max_chars: Annotated[
        int, typer.Option("--max-chars", min=1, max=_MAX_SIZE, help=_HELP["max_chars"])
    ] = _DEFAULT["max_chars"],
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, max=_MAX_SIZE, help=_HELP["max_bytes"])
    ] = _DEFAULT["max_bytes"],
    article: Annotated[
        bool,
        typer.Option(
            "--article/--no-article",
            help=(
                "Also store genre, frames, entity roles, narratives, quotes and a summary (the web's "
                "article panel). Loads spaCy once per worker (~0.5 GB each) and is slower."
            ),
        ),
    ] = False,
    skipped: Annotated[
        Path | None,
        typer.Option(
            "--skipped",
            metavar="FILE",
            dir_okay=False,
            help=(
                "Append each skipped input (a type not read, no text, not English, a repeat) to FILE as it "
                "is skipped: one JSON line with source, reason and time (UTC). Failures are not listed: "
                "the store records them (--retry-failed)."
            ),
        ),
    ] = None,
    text_field: TextFieldOpt = "text",
    debug: DebugOpt = False,
) -> None:
    """Analyze many documents into a store, with a progress bar; resumable and idempotent by document id.

    Documents already analyzed by the same model are skipped, so rerunning the same command after an
    interruption (even kill -9) finishes the job without duplicates; a document whose id is stored with
    another text is analyzed again (the input is the newer text). A document already analyzed keeps its
    analysis but takes the input's new metadata (title, outlet, date, ...): all of it when the input gives
    the document's id, only what the store lacks when the id comes from the text. With --article,
    documents stored without the article analysis are analyzed again to add it. Each failure is recorded
    in the store with its reason and reported here; the exit code is then 1. Skipped inputs are counted
    and the first few named; --skipped FILE lists every one (a rerun appends those it skips again).

    \b
    Example:
      spinlens batch news/ --db corpus.sqlite
      spinlens batch articles.jsonl --db corpus.sqlite --workers 2
      spinlens batch news/ --db corpus.sqlite --article
      spinlens batch articles.jsonl --db postgresql://me@db/news --engine dask --scheduler tcp://head:8786
      spinlens batch news/ --db corpus.sqlite --retry-failed
      spinlens batch news/ --db corpus.sqlite --reanalyze
      spinlens batch news/ --db corpus.sqlite --skipped skipped.jsonl
    """
    if scheduler is not None and engine is not Engine.dask:
        usage_error("--scheduler needs --engine dask")
    if "" in inputs:  # Path("") is the current folder: an unset shell variable must not read all of it
        usage_error("an INPUT is empty (an unset shell variable?); give a file, a folder, a URL or -")
    settings = Settings.build(
        os.environ, model=model.value, max_chars=max_chars, max_bytes=max_bytes, debug=debug
    )
    from spinlens.batch import BatchOptions, estimate_total, model_info, run_batch
    from spinlens.ingest import IngestOptions, iter_documents

    try:
        options = BatchOptions(
            model=settings.model,
            engine=engine.value,
            workers=workers,
            scheduler=scheduler,
            retry_failed=retry_failed,
            reanalyze=reanalyze,
            batch_size=batch_size,
            max_chars=settings.max_chars,
            article=article,
            skipped_log=skipped,  # checked here: a folder that is missing, a file that cannot be written
        )
        ingest = IngestOptions(max_documents=sys.maxsize, text_field=text_field, max_bytes=settings.max_bytes)
    except SpinlensError as exc:
        usage_error(str(exc))
    if skipped is not None and (reader := _reads_as_input(skipped, inputs, ingest.extensions)) is not None:
        if reader == "":
            usage_error(f"{skipped} is also an input: write the skipped inputs to another file")
        usage_error(
            f"{skipped} is in the input folder {reader}, where it would be read as an input: write it "
            "elsewhere, or give it a name that is not read (e.g. skipped.log)"
        )
    if skipped is not None and _is_store_file(skipped, db):
        usage_error(f"{skipped} is the store's database ({db}): write the skipped inputs to another file")
    store = None
    bar: _Bar | None = None
    previous_term = _term_as_interrupt()  # `kill`, `docker stop`: write what is analyzed, as Ctrl-C does
    try:
        model_info(options.model)  # a model that is not built fails before a new store is created for it
        store = _open(db, create=True)
        total = estimate_total(inputs, ingest.extensions)
        with _Bar(total) as bar:
            report = run_batch(
                iter_documents(inputs, ingest),
                store,
                options,
                total=total,
                on_progress=bar.update,
                on_failure=bar.failure,
            )
    except KeyboardInterrupt:
        _err("Interrupted: what was analyzed is stored; rerun the same command to finish")
        raise typer.Exit(interrupted_exit_code()) from None
    except (SpinlensError, OSError) as exc:
        _fail(exc, debug)
    except (click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:  # a bug (or a library's error) mid-run: one line, what was analyzed is stored
        _fail(exc, debug)
    finally:
        _restore_term(previous_term)
        if store is not None:
            store.close()
    p = report
    parts = [f"{p.analyzed} analyzed"]
    if p.changed:
        parts.append(f"{p.changed} stored with another text and sent again")
    if p.done_before:
        parts.append(f"{p.done_before} already in the store")
    if p.metadata_updated:
        parts.append(f"{p.metadata_updated} with new metadata updated")
    if p.duplicates:
        parts.append(f"{p.duplicates} duplicate(s)")
    if p.skipped_input:
        parts.append(f"{p.skipped_input} input(s) skipped")
    if skipped is not None and (p.duplicates or p.skipped_input):
        every = "all" if not (p.duplicates and p.skipped_input) else f"all {p.duplicates + p.skipped_input}"
        parts[-1] += f" ({every} listed in {skipped})"
    parts.append(f"{p.failed} failed")
    _err(
        f"Done: {', '.join(parts)} in {p.seconds:.1f} s ({p.docs_per_second:.1f} docs/s); store {store.label}"
    )
    for reason in p.skipped_reasons:
        _err(f"Note: skipped {reason}")
    if p.skipped_input > len(p.skipped_reasons):
        more = f"Note: {p.skipped_input - len(p.skipped_reasons)} more skipped input(s) not shown"
        _err(f"{more}; add --skipped FILE to list them all" if skipped is None else more)
    if bar is not None and bar.shown > _MAX_FAILURES_SHOWN:
        _err(
            f"Note: {bar.shown - _MAX_FAILURES_SHOWN} more failure(s) not shown; "
            "all are recorded in the store"
        )
    if p.other_model:
        _err(
            f"Note: kept {p.other_model} analyses made by another model version; "
            "rerun with --reanalyze to update them"
        )
    if p.failed_before:
        _err(
            f"Note: {p.failed_before} document(s) failed in an earlier run; "
            "rerun with --retry-failed to retry"
        )
    if p.failed:
        raise typer.Exit(1)


def _reads_as_input(log: Path, inputs: list[str], extensions: tuple[str, ...]) -> str | None:
    """Whether the batch would read ``log`` (the --skipped file) as a document: ``""`` when it is one of
    ``inputs``, the input folder that holds it (not in a hidden folder, a type read there), else None."""
    target = Path(os.path.realpath(log))
    for raw in inputs:
        if raw == "-" or "://" in raw:
            continue
        real = Path(os.path.realpath(raw))
        if real == target:
            return ""
        if not target.is_relative_to(real) or not real.is_dir():
            continue
        hidden = any(part.startswith(".") for part in target.relative_to(real).parts)
        if not hidden and target.name.lower().endswith(extensions):
            return raw
    return None


def _is_store_file(path: Path, db: str) -> bool:
    """Whether ``path`` (an output, the --skipped file) is the SQLite file of the store ``db`` or one SQLite
    would read as its journal, even one that does not exist now (:func:`spinlens.store.store_files`)."""
    from spinlens.store import store_files

    return any(
        _same_file(path, own) or os.path.realpath(path) == os.path.realpath(own) for own in store_files(db)
    )


# -- search ------------------------------------------------------------------------------------------
@corpus_app.command()
def search(
    db: DbOpt,
    query: Annotated[
        str,
        typer.Argument(
            metavar="QUERY",
            help=(
                'Words, "quoted phrases", OR, -excluded words or -"phrases"; empty: the newest articles. '
                "A query that starts with - goes after the options and --: "
                "search --db corpus.sqlite -- '-word ...'."
            ),
            show_default=False,
        ),
    ] = "",
    technique: TechniqueOpt = None,
    outlet: OutletOpt = None,
    since: SinceOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help="Most results shown.")
    ] = 20,
    fmt: QueryFormatOpt = QueryFormat.table,
    debug: DebugOpt = False,
) -> None:
    """Full-text search over the stored articles' titles and texts, best match first.

    With --technique, only articles with that technique are found and its spans are shown.

    \b
    Example:
      spinlens search '"foreign agent"' --technique Name_Calling-Labeling --db corpus.sqlite
      spinlens search fear --outlet "Daily News" --since 2024-01-01 --db corpus.sqlite --format json
      spinlens search --db corpus.sqlite -- 'traitors -foreign'
    """
    store = None
    try:
        store = _open(db, create=False)
        marks = ("\x02", "\x03") if fmt is QueryFormat.table else ("**", "**")
        hits = store.search(query, technique=technique, outlet=outlet, since=since, limit=limit, marks=marks)
    except SpinlensError as exc:
        _fail(exc, debug)
    finally:
        if store is not None:
            store.close()
    try:  # `| head`: the reader may go away
        rows = [h.to_dict() for h in hits]
        if fmt is QueryFormat.json:
            click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        elif fmt is QueryFormat.csv:
            from spinlens.render import csv_row, csv_writer

            cols = "id title outlet published url score snippet techniques spans n_chars".split()
            writer = csv_writer(sys.stdout, cols)
            writer.writeheader()
            for r in rows:
                r["techniques"] = ";".join(f"{k}:{v}" for k, v in r["techniques"].items())
                r["spans"] = ";".join(f"{s['start']}-{s['end']}:{s['text']}" for s in r["spans"])
                writer.writerow(csv_row(r))
        else:
            _print_hits(rows)
        if not rows:
            _err("Note: no matching articles")
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(0) from None


def _print_hits(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=True)
    table.add_column("published / outlet", max_width=20)
    table.add_column("article", ratio=1)
    table.add_column("techniques", no_wrap=True)
    for r in rows:  # every stored string is the user's: Text (no markup), control characters replaced
        head = Text(terminal_safe(f"{r['published'] or '-'}\n{r['outlet'] or '-'}"))
        body = Text(terminal_safe(r["title"] or "(no title)"), style="bold")
        body.append(terminal_safe(f"  {r['id']}\n"), style="dim")
        body.append_text(_marked(r["snippet"]))
        for s in r["spans"]:
            body.append(f"\n{s['technique']}: ", style="dim")
            body.append(terminal_safe(s["text"]), style="bold")
        techs = Text("\n".join(f"{k} {v}" for k, v in list(r["techniques"].items())[:4]))
        table.add_row(head, body, techs)
    _stdout_console().print(table)


def _marked(snippet: str):
    """The snippet with its matches (between the marks \\x02 and \\x03) highlighted; the rest of its control
    characters replaced (after the split: the marks are control characters too)."""
    from rich.text import Text

    out = Text()
    bold = False
    for part in snippet.replace("\x03", "\x02").split("\x02"):
        out.append(terminal_safe(part), style="bold reverse" if bold else "")
        bold = not bold
    return out


# -- stats -------------------------------------------------------------------------------------------
@corpus_app.command()
def stats(
    db: DbOpt,
    by: Annotated[StatsBy, typer.Option("--by", help="Group by technique, outlet, month or category.")] = (
        StatsBy.technique
    ),
    technique: TechniqueOpt = None,
    outlet: OutletOpt = None,
    since: SinceOpt = None,
    fmt: QueryFormatOpt = QueryFormat.table,
    debug: DebugOpt = False,
) -> None:
    """Counts over the stored analyses: articles, share with the technique(s), spans, spans per 1k chars.

    \b
    Example:
      spinlens stats --by technique --db corpus.sqlite
      spinlens stats --by outlet --technique Name_Calling-Labeling --db corpus.sqlite
      spinlens stats --by month --technique Appeal_to_Fear-Prejudice --format csv --db corpus.sqlite
    """
    store = None
    try:
        store = _open(db, create=False)
        rows = store.stats(by.value, technique=technique, outlet=outlet, since=since)
        # with a technique, "nothing" may mean articles without its spans: say which
        without = len(store.stats(by.value, outlet=outlet, since=since)) if technique and not rows else 0
    except SpinlensError as exc:
        _fail(exc, debug)
    finally:
        if store is not None:
            store.close()
    try:  # `| head`: the reader may go away
        if fmt is QueryFormat.json:
            click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        cols = [by.value] + (["category"] if by is StatsBy.technique else [])
        cols += ["articles", "articles_with", "share", "spans", "per_1k_chars"]
        if fmt is QueryFormat.csv:
            from spinlens.render import csv_row, csv_writer

            writer = csv_writer(sys.stdout, cols)
            writer.writeheader()
            writer.writerows(csv_row(r) for r in rows)
            return
        from rich.table import Table
        from rich.text import Text

        what = f"{technique} spans" if technique else "spans"
        table = Table(title=f"{what} by {by.value}", title_justify="left")
        for c in cols:
            table.add_column(c, justify="left" if c in (by.value, "category") else "right", no_wrap=True)
        for r in rows:
            cells = []
            for c in cols:
                v = r[c]
                if v is None:
                    cells.append("(unknown)")
                elif c == "share":
                    cells.append(f"{v:.1%}")
                elif isinstance(v, float):
                    cells.append(f"{v:.2f}")
                else:
                    cells.append(str(v))
            table.add_row(*(Text(terminal_safe(c)) for c in cells))  # an outlet's "[/]" is text, not markup
        _stdout_console().print(table)
        if not rows:
            _err(
                f"Note: no analyzed article that matches has a span of {technique}"
                if without
                else "Note: no analyzed articles match"
            )
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(0) from None


# -- export --db -------------------------------------------------------------------------------------
def export_corpus_command(db: str, fmt: CorpusFormat, output: Path | None, debug: bool) -> None:
    """``spinlens export --db``: every stored analysis to ``output`` (default: standard output).

    A file is written beside ``output`` and moved into place when complete (:class:`_Out`): a failed
    export leaves an existing file as it was. The store's own file (or its ``-wal``/``-shm``/``-journal``)
    is refused as the output."""
    if fmt is CorpusFormat.parquet and output is None:
        usage_error("Parquet is binary: add --output FILE.parquet")
    from spinlens.store import export_corpus

    parquet = fmt is CorpusFormat.parquet
    out = _Out(output)  # Parquet is written by path: out.file_path() (a link or a device directly)
    if output is not None:
        if _is_store_file(output, db):
            usage_error(f"{output} is the store itself: write the export to another file")
        if parquet and not output.parent.is_dir():
            usage_error(f"cannot write {output}: no folder {output.parent}")
        try:
            out.check()
        except OSError as exc:
            usage_error(f"cannot write {output}: {exc.strerror or exc}")
    store = None
    done = False
    counts: dict[str, int] = {}
    try:
        store = _open(db, create=False)
        if parquet:
            n = export_corpus(store, "parquet", out.file_path(), counts)
        else:
            n = export_corpus(store, fmt.value, out.stream(), counts)
        done = True
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        _silence_stdout()
        raise typer.Exit(0) from None
    except SpinlensError as exc:
        _fail(exc, debug)
    except OSError as exc:  # writing the output failed (disk full, ...)
        _cannot_write(exc, output, debug)
    finally:
        try:
            out.close(commit=done)
        except OSError as exc:  # the file could not be completed (disk full on the last write)
            if done:
                _cannot_write(exc, output, debug)
        finally:
            if store is not None:
                store.close()
    where = str(output) if output is not None else "standard output"
    rowless = counts.get("without_spans", 0) if fmt.value in ("csv", "parquet") else 0
    note = (
        f" ({rowless} without a span have no row: one row per span; --format jsonl keeps every document)"
        if rowless
        else ""
    )
    _err(f"Exported {n} analyzed document(s) as {fmt.value} to {where}{note}")


def _cannot_write(exc: OSError, output: Path | None, debug: bool) -> None:
    if debug:
        raise exc
    _err(f"Error: cannot write {output if output is not None else 'standard output'}: {exc.strerror or exc}")
    raise typer.Exit(1)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so Python's exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _stdout_console():
    """A rich console on stdout; 120 columns when it is not a terminal (files, pipes, tests)."""
    from rich.console import Console

    console = Console(file=sys.stdout)
    if not console.is_terminal:
        console = Console(file=sys.stdout, width=120)
    return console
