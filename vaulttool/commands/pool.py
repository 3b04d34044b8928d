"""A worker pool for whole-vault runs: one process per core, only when the run is big enough to pay.

Each worker reads its own notes and returns plain results, so a bad note never stops the run. An
interrupted run (Ctrl-C, SIGTERM) leaves no worker behind: workers ignore SIGINT (the parent decides),
and the pool is terminated in a `finally` unless it finished.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Callable, Sequence, TypeVar

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

    chunk = max(1, len(items) // (workers * 4))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    # While the pool starts, the stopping signals wait: a Ctrl-C must not land in a worker that has not
    # yet learnt to ignore it, nor between the pool's creation and the `finally` that tears it down.
    _mask(signal.SIG_BLOCK)
    try:
        pool = context.Pool(workers, initializer=_start_worker, initargs=(setup, setup_args))
    finally:
        _mask(signal.SIG_UNBLOCK)
    finished = False
    try:
        results = pool.map(function, items, chunksize=chunk)
        finished = True
        return results
    finally:
        if finished:
            pool.close()
        else:
            pool.terminate()  # an interrupt or an error: stop the workers now, not after their chunks
        pool.join()


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
