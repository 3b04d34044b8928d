"""A worker pool for whole-vault runs: one process per core, only when the run is big enough to pay.

Each worker reads its own notes and returns plain results, so a bad note never stops the run. An
interrupted run (Ctrl-C, SIGTERM) leaves no worker behind: workers ignore SIGINT (the parent decides),
and the workers are terminated in a `finally` unless the run finished. A worker that dies (the OOM
killer, kill -9) ends the run with an error instead of a wait for its answer.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Callable, Sequence, TypeVar

from vaulttool.errors import VaultToolError

_PARALLEL_FROM = 200  # below this many notes a worker pool costs more than it saves

Item = TypeVar("Item")
Result = TypeVar("Result")


def parallel_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
                 setup: Callable[..., None] | None = None, setup_args: tuple[Any, ...] = ()) -> list[Result]:
    """`function` over `items`, in worker processes when there are enough items to pay for them.

    `setup(*setup_args)` runs once in each worker (and here, for a serial run), so shared settings
    travel once per worker instead of once per item.
    """
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(items) < _PARALLEL_FROM:
        if setup:
            setup(*setup_args)
        return [function(item) for item in items]
    import multiprocessing  # here: the hook's few notes never need a pool, nor its start-up cost
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunk = max(1, len(items) // (workers * 4))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(setup, setup_args))
    finished = False
    try:
        # While the workers start (on the first tasks), the stopping signals wait: a Ctrl-C must not
        # land in a worker that has not yet learnt to ignore it.
        _mask(signal.SIG_BLOCK)
        try:
            results = pool.map(function, items, chunksize=chunk)
        finally:
            _mask(signal.SIG_UNBLOCK)
        collected = list(results)
        finished = True
        return collected
    except BrokenProcessPool:
        raise WorkerError("a worker process died (killed by the system, or out of memory?); nothing was "
                          "written, run again (`--jobs 1` checks in one process)") from None
    finally:
        if not finished:  # an interrupt or an error: stop the workers now, not after their chunks
            # (ProcessPoolExecutor has no public way to stop its workers before Python 3.14)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=finished, cancel_futures=True)


class WorkerError(VaultToolError):
    """A worker process of the pool died before it answered."""


_STOPPING = {signal.SIGINT, signal.SIGTERM}


def _mask(how: int) -> None:
    if hasattr(signal, "pthread_sigmask"):  # (not on Windows, where workers are spawned, not forked)
        signal.pthread_sigmask(how, _STOPPING)


def _start_worker(setup: Callable[..., None] | None, setup_args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent answers it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (a forked worker would inherit the parent's handler)
    _mask(signal.SIG_UNBLOCK)
    if setup:
        setup(*setup_args)
