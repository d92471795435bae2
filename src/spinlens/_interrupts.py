"""Hold Ctrl-C and SIGTERM over a block that must not be cut in half (a store write)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Run the block with SIGINT and SIGTERM held; a signal that arrived meanwhile is handled as soon as the
    block ends, by the handler that was in place before (Ctrl-C's KeyboardInterrupt, the CLI's SIGTERM
    handler, or the default: terminate).

    A KeyboardInterrupt raised inside a database driver's call could leave a SQLite write transaction open
    on a connection that was never given back: the batch's last write (of what it had analyzed) then waited
    60 s on its own lock. Outside the main thread, where signals are not handled, this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        caught.append(signum)

    previous: dict[int, Any] = {}
    try:
        for sig in _HELD:
            handler = signal.getsignal(sig)
            if handler is None:  # installed outside Python: it could not be put back
                continue
            previous[sig] = handler
            signal.signal(sig, hold)
        yield
    finally:
        raised = _restore(previous)
        if raised is not None:
            raise raised
        if caught:
            _deliver(caught[0], previous[caught[0]])


def _restore(previous: dict[int, Any]) -> BaseException | None:
    """Put each handler back, even when one put back already raised (a signal handled meanwhile): a handler
    left holding would swallow that signal for the rest of the process. Returns what was raised."""
    raised: BaseException | None = None
    for sig, handler in previous.items():
        for _ in range(8):  # each try that raised consumed the signal it handled: a few tries are plenty
            try:
                signal.signal(sig, handler)
                break
            except BaseException as exc:  # noqa: BLE001 - kept and raised once every handler is back
                raised = raised or exc
    return raised


def _deliver(signum: int, handler: Any) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)  # the default action, now that it is back: terminate
