"""A worker pool for whole-vault runs: one process per core, only when the run is big enough to pay;
and threads for calls that wait on the disk (`on_threads`).

Each worker reads its own notes and returns plain results, so a bad note never stops the run. An
interrupted run (Ctrl-C, SIGTERM) leaves no worker behind: workers ignore SIGINT (the parent decides),
and the workers are terminated in a `finally` unless the run finished. A worker that dies (the OOM
killer, kill -9) ends the run with an error instead of a wait for its answer.

Workers inherit nothing: the function, its items and `setup`'s arguments are pickled to them, so the
pool works under every start method (`spawn` is the only one on Windows and the default on macOS,
where fork is unsafe beside the system frameworks). Functions given to `parallel_map` must be defined
at module level and their arguments picklable; a worker's state comes from `setup`, never from
globals set in the parent. The start method is the platform's default; `VAULTTOOL_START_METHOD`
names another, a knob for the tests (to run the Linux suite under `spawn` as on Windows and macOS).
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any, Callable, Sequence, TypeVar

from vaulttool.errors import UsageError, VaultToolError

_PARALLEL_FROM = 200  # below this many notes a worker pool costs more than it saves
START_METHOD_VARIABLE = "VAULTTOOL_START_METHOD"

Item = TypeVar("Item")
Result = TypeVar("Result")


def parallel_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
                 setup: Callable[..., None] | None = None, setup_args: tuple[Any, ...] = (),
                 progress: Callable[[int], None] | None = None) -> list[Result]:
    """`function` over `items`, in worker processes when there are enough items to pay for them.

    `setup(*setup_args)` runs once in each worker (and here, for a serial run), so shared settings
    travel once per worker instead of once per item. `progress(1)` is called as each result comes
    back (in the items' order: from a pool, a chunk's results come together).
    """
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(items) < _PARALLEL_FROM:
        if setup:
            setup(*setup_args)
        return [_counted(function(item), progress) for item in items]
    import multiprocessing  # here: the hook's few notes never need a pool, nor its start-up cost
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = max(1, len(items) // (workers * 4))
    context = multiprocessing.get_context(start_method(os.environ.get(START_METHOD_VARIABLE)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(setup, setup_args, os.getpid()))
    finished = False
    try:
        # While the workers start (on the first tasks), the stopping signals wait: a Ctrl-C must not
        # land in a worker that has not yet learnt to ignore it.
        _hold_stopping_signals(True)
        try:
            # Chunks as futures of our own, never cancelled: `pool.map` cancels what it has not yet
            # yielded when it is dropped, and a cancelled future that the pool then finds broken (its
            # workers terminated, below) makes CPython 3.11's pool thread raise InvalidStateError (a
            # traceback on the console) and leave its task feeder blocked, which the interpreter's
            # exit then waits for, forever.
            chunks = [pool.submit(_run_chunk, function, items[start:start + size])
                      for start in range(0, len(items), size)]
        finally:
            _hold_stopping_signals(False)
        collected = [_counted(result, progress) for chunk in chunks for result in chunk.result()]
        finished = True
        return collected
    except BrokenProcessPool:
        raise WorkerError("a worker process died (killed by the system, or out of memory?); nothing was "
                          "written, run again (`--jobs 1` checks in one process)") from None
    finally:
        if not finished:  # an interrupt or an error: stop the workers now, not after their chunks
            # (ProcessPoolExecutor has no public way to stop its workers before Python 3.14); the pool
            # then finds itself broken, fails the chunks left and releases its queues, at once.
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            # A worker stopped half way through writing its result leaves the pool's thread waiting for
            # the rest of that message, which the pipe never ends while this process holds its writing
            # end too (never used here: the workers write): closed, the read ends once they are gone.
            writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
            if writer is not None:
                writer.close()
        # Waiting even then: the pool's thread must be done before the interpreter's exit wakes it, or
        # the two race over its closing pipe (an OSError traceback at exit on CPython 3.11).
        pool.shutdown(wait=True)


def on_threads(function: Callable[[Item], Result], items: Sequence[Item], threads: int) -> list[Result]:
    """`function` over `items` on up to `threads` threads at once: for calls that wait on the disk (an
    fsync each), which threads overlap. The first error is raised once every call begun has ended."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, min(threads, len(items)))) as executor:
        return list(executor.map(function, items))


def _run_chunk(function: Callable[[Item], Result], items: Sequence[Item]) -> list[Result]:
    return [function(item) for item in items]


def _counted(result: Result, progress: Callable[[int], None] | None) -> Result:
    if progress is not None:
        progress(1)
    return result


def start_method(requested: str | None) -> str | None:
    """The start method to use: `requested` when set (from VAULTTOOL_START_METHOD), else None, the
    platform's default (spawn on Windows and macOS; fork on Linux before Python 3.14, forkserver after)."""
    if not requested:
        return None
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if requested not in methods:
        raise UsageError(f"{START_METHOD_VARIABLE}={requested}: this platform's start methods are {', '.join(methods)}")
    return requested


class WorkerError(VaultToolError):
    """A worker process of the pool died before it answered."""


_STOPPING = {signal.SIGINT, signal.SIGTERM}


def _hold_stopping_signals(hold: bool) -> None:
    # A forked worker inherits the mask; so does a spawned or forkserver one, as a blocked signal stays
    # blocked across exec: whatever the start method, a worker starts with the stopping signals held
    # until `_start_worker` has set its handlers. Windows has no signal mask, nor SIG_BLOCK: there a
    # Ctrl-C that comes while a worker starts may reach it before it ignores SIGINT.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK if hold else signal.SIG_UNBLOCK, _STOPPING)


def _start_worker(setup: Callable[..., None] | None, setup_args: tuple[Any, ...], run_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent answers it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (a forked worker inherits the parent's handler)
    _hold_stopping_signals(False)
    _die_with_run(run_pid)
    if setup:
        setup(*setup_args)


_RUN_POLL_SECONDS = 0.25


def _die_with_run(run_pid: int) -> None:
    """End this worker soon after the run's process `run_pid` dies without stopping it (kill -9, a crash).

    Workers wait for their next chunk on a queue whose other end their siblings keep open too, so the
    run's death alone never wakes them: without this they would live on for good. Under forkserver
    their parent is the fork server, which they in turn keep alive, so it is the run's own process that
    is watched; a run that has died but is not yet reaped by its parent (a zombie) still exists, so a
    worker whose parent changes (fork, spawn: it was given to another) ends too.
    """
    import threading

    from vaulttool.disk.fileio import process_running

    started_by = os.getppid()

    def watch() -> None:
        while os.getppid() == started_by and process_running(run_pid):
            time.sleep(_RUN_POLL_SECONDS)
        os._exit(1)  # (nothing to clean up: a worker writes nothing)

    threading.Thread(target=watch, name="vaulttool-run-watch", daemon=True).start()
