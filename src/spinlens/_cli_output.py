"""What the CLI modules write: ``--output FILE`` (written beside and moved into place when complete) and
one-line messages on standard error."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

import click

from spinlens.text import terminal_safe


def _err(message: str) -> None:
    """One line on standard error (plain click.echo: never wrapped, never parsed as markup; control
    characters of file names, fields or records shown as U+FFFD)."""
    click.echo(terminal_safe(message), err=True)


def new_file_mode(path: Path) -> int:
    """The permission bits for a file written at ``path`` by way of a temporary file (``mkstemp`` makes
    0600): those of the file it replaces, else what the umask gives a new file."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _located(where: str, reason: str) -> str:
    """``where: reason``, without naming ``where`` twice when the reason starts or ends with it, nor a
    record's line twice ("in.jsonl:3" and "line 3: ..." make "in.jsonl:3: ...")."""
    if reason.startswith(f"{where}: "):
        return reason
    if reason.endswith(f": {where}"):
        reason = reason[: -len(where) - 2]
    line = where.rpartition(":")[2]
    if line.isdigit() and reason.startswith(f"line {line}: "):
        reason = reason[len(f"line {line}: ") :]
    return f"{where}: {reason}"


def _same_file(a: str | Path, b: str | Path) -> bool:
    """True if ``a`` (a path or a ``file://`` URL, read as :mod:`spinlens.ingest` reads it) and ``b`` name
    one existing file."""
    if isinstance(a, str) and a[:5].lower() == "file:":
        from urllib.parse import unquote, urlparse

        try:
            a = unquote(urlparse(a).path)
        except ValueError:
            return False
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


class _Out:
    """Standard output or ``--output FILE``.

    A new file, or an existing plain file (not a link, one name, writable), is written to a hidden
    temporary file beside it and moved into place by ``close(commit=True)``: a run that fails before
    writing anything leaves an existing file as it was, and a failed write or close never leaves half a
    file in its place. Anything else (a link, ``/dev/stdout``, a named pipe, a file in a folder where no
    file can be created) is written directly, opened at the first write.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.wrote = False
        self._fh: IO[str] | None = None
        self._tmp: Path | None = None
        self._direct = False

    def check(self) -> None:
        """Fail early (``OSError``) if the output cannot be written; create the temporary file."""
        if self.path is None:
            return
        p = self.path
        if p.is_symlink() or (p.exists() and (not p.is_file() or p.stat().st_nlink > 1)):
            self._direct = True
        elif p.exists() and not os.access(p, os.W_OK):
            raise PermissionError(13, "Permission denied")
        if not self._direct:
            import tempfile

            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
            except OSError as exc:
                if not p.exists() or exc.errno == 2:  # no folder, or a folder where nothing is created
                    raise
                self._direct = True
            else:
                self._tmp = Path(tmp)
                os.chmod(fd, new_file_mode(p))
                self._fh = os.fdopen(fd, "w", encoding="utf-8")
        if self._direct:
            target = Path(os.path.realpath(p))  # a link's target, which may not exist yet
            ok = os.access(target, os.W_OK) if target.exists() else os.access(target.parent, os.W_OK)
            if not ok:
                raise PermissionError(13, "Permission denied")

    def file_path(self) -> Path:
        """The file a writer that opens it by path (Parquet) writes to, after :meth:`check`: the temporary
        file that :meth:`close` moves into place, or the output itself where it is written directly."""
        assert self.path is not None
        return self._tmp if self._tmp is not None else self.path

    def stream(self) -> IO[str]:
        if self._fh is None:
            if self.path is None:
                self._fh = sys.stdout
            else:
                self._fh = open(self.path, "w", encoding="utf-8")  # direct: opened at the first write
        return self._fh

    def write(self, text: str) -> None:
        fh = self.stream()
        self.wrote = True
        fh.write(text)
        fh.flush()

    def close(self, commit: bool = True) -> None:
        """Close; with a temporary file, move it into place if ``commit`` (else remove it)."""
        if self._fh is None or self.path is None:
            return
        fh, self._fh = self._fh, None
        if self._tmp is None:
            fh.close()
            return
        tmp, self._tmp = self._tmp, None
        try:
            if commit:
                fh.flush()
                os.fsync(fh.fileno())
            fh.close()
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if commit:
            os.replace(tmp, self.path)
        else:
            tmp.unlink(missing_ok=True)


_TERMINATED = [False]  # whether the last KeyboardInterrupt came from SIGTERM (exit 143, not Ctrl-C's 130)


def _on_term(signum: int, frame: Any) -> None:
    _TERMINATED[0] = True
    raise KeyboardInterrupt


def _term_as_interrupt() -> Any:
    """Make SIGTERM raise KeyboardInterrupt (so that output is closed cleanly and a batch writes what it has
    analyzed); returns the old handler."""
    import signal

    _TERMINATED[0] = False
    try:
        return signal.signal(signal.SIGTERM, _on_term)
    except ValueError:  # not the main thread (e.g. under a test runner's thread)
        return None


def interrupted_exit_code() -> int:
    """The exit status after an interruption: 143 for SIGTERM, 130 for Ctrl-C (128 + the signal)."""
    return 143 if _TERMINATED[0] else 130


def _restore_term(previous: Any) -> None:
    import signal

    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except ValueError:
            pass
