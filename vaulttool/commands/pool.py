"""A worker pool for whole-vault runs: one process per core, only when the run is big enough to pay.

Each worker reads its own notes and returns plain results, so a bad note never stops the run.
"""

from __future__ import annotations

import os
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
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, len(items) // (workers * 4))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=setup,
                             initargs=setup_args) as pool:
        return list(pool.map(function, items, chunksize=chunk))
