"""``run_batch``: stream documents through an engine into a store, resumable and idempotent by id."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from spinlens._interrupts import deferred_interrupts
from spinlens.batch._work import MODELS, Outcome, analyze_document, init_worker, model_info
from spinlens.errors import InputError, ModelError, SpinlensError
from spinlens.ingest import IngestResult
from spinlens.schema import SCHEMA_VERSION, Document, content_id
from spinlens.store import SQLITE_SUFFIXES, Failure, Store, StoredState, text_digest
from spinlens.text import printable

__all__ = ["ENGINES", "BatchOptions", "BatchProgress", "run_batch"]

#: where the per-document function runs: this process and local worker processes, or a Dask cluster.
ENGINES: tuple[str, ...] = ("local", "dask")

_PTC_NAME = re.compile(r"^article(\d+)\.txt$")
_LOOKUP_CHUNK = 256


@dataclass(frozen=True, kw_only=True)
class BatchOptions:
    """How a batch runs. Every limit is a named setting with a default.

    Attributes:
        model: a name of :data:`spinlens._modelmeta.MODELS`: ``"default"``, ``"fast"`` (shipped ONNX models),
            ``"accurate"``, ``"thorough"`` and their ``-fp32`` forms (built with ``spinlens models build``)
            or ``"rules"``.
        engine: ``"local"`` (``workers`` == 1: this process; more: a process pool) or ``"dask"``.
        workers: local worker processes; with Dask and no ``scheduler``, the workers of a LocalCluster.
        scheduler: a Dask scheduler address (``tcp://HOST:8786``); None starts a LocalCluster.
        retry_failed: analyze documents whose earlier attempt failed (skipped otherwise).
        reanalyze: replace analyses made by another model (sha256) or schema version (kept otherwise).
        batch_size: analyses written per transaction.
        flush_seconds: the longest a finished analysis waits before it is written.
        max_chars: longest text accepted.
        max_pending: documents in flight at once (None: four per worker).
        article: also run the article analysis (genre, frames, entity roles, narratives, quotes;
            spaCy, about 0.5 GB per worker process) and store it; documents stored without it by the
            same model are then analyzed again.
        skipped_log: a file to which each skipped input (a file of a type not read, no text, not English,
            the same document as an earlier input of the run, ...) is appended as it is skipped, as one JSON
            line ``{"source": ..., "reason": ..., "time": "YYYY-MM-DDTHH:MM:SSZ"}`` (UTF-8, flushed per
            line); a rerun appends those it skips again. Its folder must exist. Failures are not listed:
            they are recorded in the store with their reason (``Store.failures``) and tried again with
            ``retry_failed``. Keep it out of the input folders (a file of a type read there would be read).
    """

    model: str = "default"
    engine: str = "local"
    workers: int = 1
    scheduler: str | None = None
    retry_failed: bool = False
    reanalyze: bool = False
    batch_size: int = 64
    flush_seconds: float = 2.0
    max_chars: int = 2_000_000
    max_pending: int | None = None
    article: bool = False
    skipped_log: Path | None = None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise InputError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}")
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine {self.engine!r}; choose one of: {', '.join(ENGINES)}")
        if self.scheduler is not None and self.engine != "dask":
            raise InputError("a scheduler address needs the Dask engine: add --engine dask")
        for name in ("workers", "batch_size", "max_chars", "max_pending"):
            value = getattr(self, name)
            if name == "max_pending" and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        seconds = self.flush_seconds
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds < math.inf:
            raise InputError(f"flush_seconds must be a number of seconds, 0 or more, got {seconds!r}")
        if self.skipped_log is not None:
            object.__setattr__(self, "skipped_log", Path(self.skipped_log))  # a str is taken too
            _check_writable(self.skipped_log)


@dataclass
class BatchProgress:
    """Counts so far. ``read`` counts every input result; the others split it by what became of it."""

    total: int | None = None
    read: int = 0
    analyzed: int = 0
    failed: int = 0
    done_before: int = 0
    other_model: int = 0
    failed_before: int = 0
    duplicates: int = 0
    #: documents stored before under the same id with another text, analyzed again (counted in analyzed
    #: or failed as well)
    changed: int = 0
    skipped_input: int = 0
    #: documents already analyzed whose metadata the input changes (counted in done_before or other_model
    #: as well): the stored metadata is updated, the analysis kept
    metadata_updated: int = 0
    seconds: float = 0.0
    skipped_reasons: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def processed(self) -> int:
        """Inputs finished: analyzed, failed or skipped for any reason."""
        return (
            self.analyzed
            + self.failed
            + self.done_before
            + self.other_model
            + self.failed_before
            + self.duplicates
            + self.skipped_input
        )

    @property
    def docs_per_second(self) -> float:
        return self.analyzed / self.seconds if self.seconds > 0 else 0.0


def run_batch(
    results: Iterable[IngestResult],
    store: Store,
    options: BatchOptions,
    *,
    total: int | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    on_failure: Callable[[Failure], None] | None = None,
) -> BatchProgress:
    """Analyze every document of ``results`` that the store lacks, writing in transactions.

    Documents already analyzed by the same model (sha256) and schema version are skipped; so are those
    analyzed by another model unless ``options.reanalyze``, and those that failed before unless
    ``options.retry_failed``. Each failure (an unreadable source, a document that cannot be analyzed)
    is recorded in the store with its reason; each skipped input (not read, not English, a repeat) is
    counted, and appended to ``options.skipped_log`` when it is set. The input is read lazily, a bounded
    number of documents in flight, so a run of any size holds only a few batches in memory; stopping it at
    any point (even ``kill -9``) loses at most the analyses not yet committed, which the next run redoes.

    Args:
        results: ingest results (see :func:`spinlens.ingest.iter_documents`).
        store: where analyses and failures go.
        options: the engine, model and limits.
        total: the expected number of results, for progress (None: unknown).
        on_progress: called with the counts after each document.
        on_failure: called with each failure as it is recorded.

    Returns:
        The final counts.

    Raises:
        ModelError: the model cannot be loaded; what was analyzed is written first.
        InputError: ``options.skipped_log`` cannot be opened for writing, or is the store's database file
            (before anything is read).
    """
    runner = _Runner(store, options, total, on_progress, on_failure)
    return runner.run(results)


class _RunIds:
    """The ids one run has read, each with the digest of its text, to tell a repeated document from another
    text under a used id. Kept in a private temporary SQLite database (on disk, deleted when closed), not in
    a dict: a run over millions of documents must not hold every id in memory (a dict took ~150 bytes per
    document, 15 MB per 100,000; benchmarks/batch_memory.py). One query per input chunk."""

    def __init__(self) -> None:
        # "": a temporary database; the tasks generator may be driven from a pool's feeder thread
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY, digest TEXT NOT NULL)")

    def lookup(self, ids: list[str]) -> dict[str, str]:
        """The digest of each of ``ids`` read earlier in this run."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), _LOOKUP_CHUNK):
            part = ids[i : i + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(part))
            out.update(self._db.execute(f"SELECT id, digest FROM ids WHERE id IN ({marks})", part))
        return out

    def add(self, doc_id: str, digest: str) -> None:
        self._db.execute("INSERT INTO ids VALUES (?, ?)", (doc_id, digest))

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()


class _Runner:
    def __init__(
        self,
        store: Store,
        options: BatchOptions,
        total: int | None,
        on_progress: Callable[[BatchProgress], None] | None,
        on_failure: Callable[[Failure], None] | None,
    ) -> None:
        self.store = store
        self.options = options
        self.info = model_info(options.model)
        self.progress = BatchProgress(total=total)
        self.on_progress = on_progress
        self.on_failure = on_failure
        self.run_ids = _RunIds()  # id -> text_digest of its text, for duplicate ids in one run
        self.sources: dict[str, str] = {}  # document id -> source, for documents in flight
        self._analyses: list[Any] = []
        self._failures: list[Failure] = []
        self._resolved: list[str] = []
        self._last_flush = time.monotonic()
        self._start = time.monotonic()
        self._track_sources = False
        # the store's own SQLite files, when the store lies inside an input folder: not an input
        db = Path(store.url.database) if store.dialect == "sqlite" and store.url.database else None
        self._own = {str(db.resolve()) + x for x in SQLITE_SUFFIXES} if db else set()
        self._skipped_log: IO[str] | None = None
        self._log_is_store = False  # appended to, the store's file would lose the lines (and be damaged)
        if options.skipped_log is not None:  # not an input either (a .log file in an input folder)
            log = _resolved(str(options.skipped_log))
            self._log_is_store = log in self._own
            self._own.add(log)

    # -- the loop ----------------------------------------------------------------------------------------
    def run(self, results: Iterable[IngestResult]) -> BatchProgress:
        self._start = time.monotonic()
        self._track_sources = self.store.has_failures("ingest")
        if self.options.skipped_log is not None:
            try:
                if self._log_is_store:
                    raise InputError(
                        f"cannot write {self.options.skipped_log}: it is the store's database; "
                        "write the skipped inputs to another file"
                    )
                self._skipped_log = _open_log(self.options.skipped_log)
            except InputError:
                self.run_ids.close()
                raise
        ok = False
        try:
            for outcome in self._engine(self._tasks(results)):
                self._collect(outcome)
            ok = True
        finally:
            try:
                self._flush()
            except Exception:
                if ok:
                    raise
            finally:
                self.run_ids.close()
                if self._skipped_log is not None:
                    self._skipped_log.close()
            self._tick()
        return self.progress

    def _engine(self, tasks: Iterator[tuple[Document, dict[str, Any]]]) -> Iterator[Outcome]:
        o = self.options
        if o.engine == "dask":
            return _run_dask(tasks, o)
        if o.workers == 1:
            return (
                analyze_document(d, o.model, extras=x, max_chars=o.max_chars, article=o.article)
                for d, x in tasks
            )
        return _run_pool(tasks, o)

    def _tasks(self, results: Iterable[IngestResult]) -> Iterator[tuple[Document, dict[str, Any]]]:
        """Documents to analyze, in input order; everything else is counted (and failures recorded)."""
        chunk: list[IngestResult] = []
        for result in results:
            chunk.append(result)
            if len(chunk) >= _LOOKUP_CHUNK:
                yield from self._filter(chunk)
                chunk = []
        if chunk:
            yield from self._filter(chunk)

    def _filter(self, chunk: list[IngestResult]) -> Iterator[tuple[Document, dict[str, Any]]]:
        p, o = self.progress, self.options
        oks: list[IngestResult] = []
        docs: list[Document] = []  # the documents of oks
        for r in chunk:
            if r.status == "skipped" and self._own and _resolved(r.source) in self._own:
                if p.total is not None:
                    p.total -= 1  # counted by the estimate, not an input
                continue
            p.read += 1
            # a document the store cannot hold (PostgreSQL: a NUL, an over-long id) fails alone here;
            # written, it would fail its whole transaction and stop the run at the same place every time
            why = self.store.cannot_hold(r.document, r.source) if r.ok and r.document is not None else None
            if r.ok and r.document is not None and why is None:
                oks.append(r)
                docs.append(r.document)
                self._resolve_source(r.source)
            elif r.status == "skipped":
                p.skipped_input += 1
                self._resolve_source(r.source)
                if len(p.skipped_reasons) < 5:
                    p.skipped_reasons.append(f"{r.source}: {r.reason}")
                self._log_skip(r.source, r.reason or "skipped")
            else:
                self._fail(
                    Failure(
                        key=f"source:{r.source}",
                        stage="ingest",
                        reason=why or r.reason or "cannot be read",
                        source=r.source,
                    )
                )
        states = self.store.lookup((d.id for d in docs), article=o.article, with_text=True) if oks else {}
        meta: dict[str, dict[str, str | None]] = {}  # new metadata of documents not analyzed again
        earlier = self.run_ids.lookup([d.id for d in docs])  # this run's, before this chunk
        for r, doc in zip(oks, docs):
            digest = text_digest(doc.text)
            first = earlier.get(doc.id)
            if first is not None:
                if first == digest:  # the same document again
                    p.duplicates += 1
                    self._log_skip(
                        r.source, f"the same document (id {doc.id}) as an earlier input of the run"
                    )
                else:  # another text under an id already used: not silently dropped
                    self._fail(
                        Failure(
                            key=f"duplicate-id:{r.source}",
                            stage="ingest",
                            reason=(
                                f"id {doc.id!r} is already used by another document with a different text "
                                "in this run; give each document its own id"
                            ),
                            document_id=None,
                            source=r.source,
                        )
                    )
                continue
            earlier[doc.id] = digest
            self.run_ids.add(doc.id, digest)
            state = states.get(doc.id)
            # the id stored with another text: the input is the newer one, so it is analyzed again
            changed = state is not None and state.text_digest not in (None, digest)
            same = (
                state is not None
                and state.model_sha256 == self.info.sha256
                and state.schema_version == SCHEMA_VERSION
            )
            if state is not None and state.failed and not o.retry_failed:
                p.failed_before += 1  # (also a changed text that failed: not tried again on every run)
            elif not changed and same and state is not None and (state.article or not o.article):
                p.done_before += 1
                self._note_metadata(doc, state, meta)
            elif not changed and state is not None and state.analyzed and not same and not o.reanalyze:
                p.other_model += 1
                self._note_metadata(doc, state, meta)
            else:  # new, changed, retried, reanalyzed, or stored without the article analysis asked for
                p.changed += changed
                self.sources[doc.id] = r.source
                yield doc, _extras(r.source)
        if meta:
            with deferred_interrupts():
                p.metadata_updated += self.store.update_metadata(meta)
        self.run_ids.commit()
        self._tick()

    @staticmethod
    def _note_metadata(doc: Document, state: StoredState, meta: dict[str, dict[str, str | None]]) -> None:
        """Put in ``meta`` what of ``doc``'s metadata the store should take: every field the input gives
        that differs when the input names the document (its own id), only the fields the store lacks when
        the id comes from the text (two sources of one text: the first one's metadata is not overwritten)."""
        if state.meta is None:
            return
        named = doc.id != content_id(doc.text)
        new = {}
        for name, old in state.meta.items():
            value = getattr(doc, name)
            if value is not None and value != old and (named or old is None):
                new[name] = value
        if new:
            meta[doc.id] = new

    def _resolve_source(self, source: str) -> None:
        """A source that failed to read (or repeated another document's id) in an earlier run reads now: its
        failure record goes."""
        if self._track_sources:
            self._resolved.append(f"source:{source}")
            self._resolved.append(f"duplicate-id:{source}")
            if len(self._resolved) >= 10 * _LOOKUP_CHUNK:
                self._flush()

    def _log_skip(self, source: str, reason: str) -> None:
        """One line of ``options.skipped_log``, written through at once: a run cut short keeps every line.
        Skips are found here, in the driver, whatever the engine: each is written once."""
        if self._skipped_log is None:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record = {"source": printable(source), "reason": printable(reason), "time": stamp}
        self._skipped_log.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._skipped_log.flush()

    def _collect(self, outcome: Outcome) -> None:
        source = self.sources.pop(outcome.document_id, None)
        a = outcome.analysis
        if a is not None and a.model is not None and a.model.sha256 != self.info.sha256:
            outcome = Outcome(
                outcome.document_id,
                None,
                f"the worker used model {a.model.name} {a.model.version} (sha256 {a.model.sha256[:12]}), "
                f"not {self.info.name} {self.info.version} (sha256 {self.info.sha256[:12]}); "
                "install the same spinlens on every worker",
            )
        if outcome.ok:
            self.progress.analyzed += 1
            self._analyses.append(outcome.analysis)
        else:
            self._fail(
                Failure(
                    key=outcome.document_id,
                    stage="analyze",
                    reason=outcome.reason or "failed",
                    document_id=outcome.document_id,
                    source=source,
                    model_sha256=self.info.sha256,
                )
            )
        if (
            len(self._analyses) + len(self._failures) >= self.options.batch_size
            or time.monotonic() - self._last_flush >= self.options.flush_seconds
        ):
            self._flush()
        self._tick()

    def _fail(self, failure: Failure) -> None:
        self.progress.failed += 1
        self._failures.append(failure)
        if len(self.progress.failures) < 100:
            self.progress.failures.append(failure)
        if self.on_failure is not None:
            self.on_failure(failure)

    def _flush(self) -> None:
        # Ctrl-C or SIGTERM waits for the write to end: cut inside the driver, it could leave a write
        # transaction open, on which the run's last write (of what it had analyzed) then waited
        with deferred_interrupts():
            if self._analyses or self._failures or self._resolved:
                failed_keys = {f.key for f in self._failures}
                resolved = [k for k in dict.fromkeys(self._resolved) if k not in failed_keys]
                self.store.write(self._analyses, self._failures, resolved)
            self._analyses, self._failures, self._resolved = [], [], []
        self._last_flush = time.monotonic()

    def _tick(self) -> None:
        self.progress.seconds = time.monotonic() - self._start
        if self.on_progress is not None:
            self.on_progress(self.progress)


def _extras(source: str) -> dict[str, Any]:
    extras: dict[str, Any] = {"source": source}
    if m := _PTC_NAME.match(Path(source).name):
        extras["article_id"] = m.group(1)
    return extras


# -- engines -----------------------------------------------------------------------------------------------
def _run_pool(tasks: Iterator[tuple[Document, dict[str, Any]]], o: BatchOptions) -> Iterator[Outcome]:
    """The per-document function in ``o.workers`` processes, each loading the model once."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    threads = max(1, (os.cpu_count() or 1) // o.workers)
    window = o.max_pending or 4 * o.workers
    executor = ProcessPoolExecutor(
        max_workers=o.workers,
        mp_context=mp.get_context("spawn"),
        initializer=init_worker,
        initargs=(o.model, o.max_chars, threads, os.getpid(), o.article),
    )
    try:
        pending: set[Any] = set()
        exhausted = False
        submitted = 0
        while True:
            while not exhausted and len(pending) < window:
                try:
                    doc, extras = next(tasks)
                except StopIteration:
                    exhausted = True
                    break
                # the first submits start the worker processes (one each: none is idle yet), which then
                # leave Ctrl-C to this one; only those, or a Ctrl-C during a later submit would be lost
                with _sigint_ignored() if submitted < o.workers else nullcontext():
                    future = executor.submit(
                        analyze_document,
                        doc,
                        o.model,
                        extras=extras,
                        max_chars=o.max_chars,
                        threads=threads,
                        article=o.article,
                    )
                pending.add(future)
                submitted += 1
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BrokenProcessPool as exc:  # a worker was killed (out of memory?) or crashed: at submit or result
        raise SpinlensError(
            "a worker process died while analyzing (killed by the system, e.g. out of memory, or crashed); "
            "what was analyzed is stored: rerun the same command to go on, with fewer --workers if memory "
            "ran out"
        ) from exc
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT over the block (in the main thread; elsewhere signals are not handled). A process started
    meanwhile ignores it too (an ignored signal stays ignored through fork and exec, and Python leaves it so):
    a terminal's Ctrl-C, sent to the whole process group, reaches the driver only, which shuts the pool down,
    instead of making each worker print a ``KeyboardInterrupt`` traceback. A Ctrl-C meanwhile is lost: the
    block is one ``submit`` that starts a process."""
    previous = signal.getsignal(signal.SIGINT)
    if previous is None or threading.current_thread() is not threading.main_thread():
        yield  # (None: installed outside Python, it could not be put back)
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _refused_at_once(address: str) -> None:
    """Raise OSError when a ``tcp://HOST:PORT`` scheduler address names no host or a port nothing listens on
    (Dask's client retries those until its 30 s timeout); any other address, or a host that is slow to
    answer, is left to the client. The probe opens and closes one TCP connection."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return  # the client says what is wrong with the address
    if parts.scheme != "tcp" or not host or port is None:
        return
    try:
        socket.create_connection((host, port), timeout=5).close()
    except (ConnectionRefusedError, socket.gaierror) as exc:
        raise OSError(exc.strerror or str(exc)) from exc
    except OSError:
        return  # a timeout, no route: the client's own timeout decides


def _run_dask(tasks: Iterator[tuple[Document, dict[str, Any]]], o: BatchOptions) -> Iterator[Outcome]:
    """The per-document function on a Dask cluster (a LocalCluster of ``o.workers`` when no scheduler)."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("the Dask engine needs distributed: pip install 'spinlens[dask]'") from None
    cluster = None
    try:
        if o.scheduler:
            _refused_at_once(o.scheduler)
            client = Client(o.scheduler, timeout="30s")
        else:
            cluster = LocalCluster(
                n_workers=o.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                preload=["spinlens.batch._dask_worker"],  # the workers leave Ctrl-C to the driver
            )
            client = Client(cluster)
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler {o.scheduler}: {exc}") from exc
    except (ValueError, TypeError) as exc:  # e.g. "unknown address scheme"
        if not o.scheduler:
            raise
        raise InputError(
            f"{o.scheduler!r} is not a Dask scheduler address (e.g. tcp://HOST:8786): {exc}"
        ) from exc
    try:
        slots = sum(client.nthreads().values()) or 1
        window = o.max_pending or 4 * slots
        queue = as_completed()
        ids: dict[Any, str] = {}  # future.key (a dask Key) -> document id

        def submit() -> bool:
            try:
                doc, extras = next(tasks)
            except StopIteration:
                return False
            future = client.submit(
                analyze_document,
                doc,
                o.model,
                extras=extras,
                max_chars=o.max_chars,
                threads=1,
                article=o.article,
                pure=False,
            )
            ids[future.key] = doc.id
            queue.add(future)
            return True

        live = 0
        while live < window and submit():
            live += 1
        for future in queue:
            doc_id = ids.pop(future.key)
            try:
                outcome = future.result()
            except ModelError:
                raise
            except Exception as exc:  # a worker died on this document, or the task could not run
                outcome = Outcome(doc_id, None, " ".join(f"{type(exc).__name__}: {exc}".split()))
            future.release()
            yield outcome
            submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_writable(path: Path) -> None:
    """Raise ``InputError`` unless a file can be appended to at ``path``: its folder exists, and a plain file
    opens for appending (a new one is removed again; a pipe or device is only checked for permission: an
    open and close could end its reader's input)."""
    try:
        if path.is_dir():
            raise InputError(f"cannot write {path}: it is a folder; give a file name")
        if not path.parent.is_dir():
            raise InputError(f"cannot write {path}: no folder {path.parent}")
        if path.exists() and not path.is_file():
            if not os.access(path, os.W_OK):
                raise InputError(f"cannot write {path}: permission denied")
            return
        existed = os.path.lexists(path)
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:  # permission denied, a read-only file system, a name too long, ...
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _open_log(path: Path) -> IO[str]:
    try:
        return open(path, "a", encoding="utf-8", newline="\n")  # closed by the runner
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _resolved(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except (OSError, ValueError):
        return source
