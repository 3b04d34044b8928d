"""One writer at a time: an operating-system lock on `.vaulttool/cache/lock` (never a `.md` file).

A scheduled refresh, a pre-commit hook and a manual run may start together; each command that writes
takes this lock first. The lock is filelock's `FileLock`: flock on Linux and macOS, msvcrt's byte-range
lock on Windows; the system releases it when its holder exits or is killed, so a lock left by a killed
process never blocks. The holder's record (pid, host, command, start time) is kept beside it in
`.vaulttool/cache/lock.holder`, since on Windows a locked file cannot be read by anyone else; a clean release
removes it, so a record found by the next writer was left by a holder that is gone: it says so and goes
on. A second writer says it waits, naming the holder, and waits up to a timeout, then stops with a
message naming the holder. Both live in the cache folder, which ignores itself in git
(store.ensure_cache_folder).
"""

from __future__ import annotations

import json
import os
import socket
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Callable

from vaulttool.disk.fileio import process_running, retry_denied, write_file
from vaulttool.disk.store import HOLDER_NAME, LOCK_NAME, ensure_cache_folder
from vaulttool.errors import StateWriteError, VaultToolError

with warnings.catch_warnings():
    # Where neither flock nor msvcrt exists, filelock says at import that it uses a lock file's presence
    # instead (its SoftFileLock, which still breaks a dead holder's lock on this host): not a warning
    # for the person running vaulttool.
    warnings.filterwarnings("ignore", "only soft file lock is available", UserWarning)
    import filelock


class LockBusyError(VaultToolError):
    """Another vaulttool is writing this vault and did not finish within the timeout."""


class VaultLock:
    def __init__(self, folder: Path, command: str, timeout: float, poll: float = 0.1,
                 waiting: Callable[[str], None] | None = None) -> None:
        """`folder` is the vault's cache folder (store.cache_folder), made with its `.gitignore` if missing.
        `waiting` is told, once, that another writer holds the lock and this one waits for it."""
        self.waiting = waiting
        self.path = folder / LOCK_NAME
        self.holder_path = folder / HOLDER_NAME
        self.command = command
        self.timeout = timeout
        self.stale_holder: dict[str, object] | None = None  # the record a killed holder left behind
        # Not thread-local: the hold is the whole process's, as the record says.
        self._lock = filelock.FileLock(self.path, timeout=timeout, poll_interval=poll, thread_local=False)
        self.started = 0.0  # when the lock was taken (time.time())

    def _acquire(self) -> None:
        try:
            ensure_cache_folder(self.path.parent)
            try:
                self._lock.acquire(blocking=False)
            except filelock.Timeout:
                if self.waiting is not None and self.timeout > 0:
                    self.waiting(f"another vaulttool is writing this vault ({_describe(self._read())}); waiting "
                                 f"up to {self.timeout:g} s for it to finish")
                self._lock.acquire()
        except filelock.Timeout:
            raise LockBusyError(
                f"another vaulttool is writing this vault ({_describe(self._read())}); waited {self.timeout:g} s. "
                f"Try again when it has finished (lock: {self.path})"
            ) from None
        except OSError as error:
            raise StateWriteError(f"cannot take the writer lock {self.path}: {error.strerror}; nothing written") from None

    def wait(self) -> None:
        """Wait until no other writer holds the lock, then leave it free (no record written): for a run
        that reads the vault before it knows whether it writes, so it never reads another's writes half
        done. Raises LockBusyError after the timeout."""
        self._acquire()
        self._lock.release()

    def __enter__(self) -> VaultLock:
        self._acquire()
        previous = self._read()
        if previous and previous.get("pid") != os.getpid():
            pid = previous.get("pid")
            if isinstance(pid, int) and not process_running(pid):
                self.stale_holder = previous
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        try:
            write_file(self.holder_path, (json.dumps(record) + "\n").encode())
        except OSError:
            pass  # (a full disk): the lock itself is held; only the holder's record is missing
        self.started = time.time()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if not self._lock.is_locked:
            return
        try:
            # Removed first, while still held: released cleanly, there is nothing to call stale. (A
            # waiting writer reading it for its message may hold it open a moment on Windows.)
            retry_denied(lambda: self.holder_path.unlink(missing_ok=True), self.holder_path)
        except OSError:
            pass  # the next writer reports this run's record as stale: a wrong line, never a wrong lock
        finally:
            self._lock.release()

    def stale_message(self) -> str | None:
        if not self.stale_holder:
            return None
        return f"took over a stale lock left by a process that is gone ({_describe(self.stale_holder)})"

    def _read(self) -> dict[str, object] | None:
        try:
            data = self.holder_path.read_bytes()
            record = json.loads(data.decode("utf-8")) if data.strip() else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        return record if isinstance(record, dict) else None


def _describe(record: dict[str, object] | None) -> str:
    if not record:
        return "holder unknown"
    return f"pid {record.get('pid')} on {record.get('host')}, `vaulttool {record.get('command')}` since {record.get('started')}"
