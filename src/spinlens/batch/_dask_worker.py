"""A preload module of the Dask workers that ``spinlens batch --engine dask`` starts in a LocalCluster."""

from __future__ import annotations

import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Ignore Ctrl-C in the worker process: a terminal sends it to every process of its group, and the driver,
    which takes it, stops the cluster; a worker that took it too printed a ``KeyboardInterrupt`` traceback.
    Called by Dask on the worker process's main thread, before the worker joins the cluster."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
