"""One writer at a time: an advisory lock on `.vaulttool/lock` (never a `.md` file).

A scheduled refresh, a pre-commit hook and a manual run may start together; each command that writes
takes this lock first. The kernel releases it when its holder exits or is killed, so a lock left by a
killed process never blocks: the next writer finds the old holder's record, says it was stale, and
goes on. A second writer waits up to a timeout, then stops with a message naming the holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from vaulttool.disk.fileio import process_running
from vaulttool.errors import StateWriteError, VaultToolError

LOCK_NAME = "lock"


class LockBusyError(VaultToolError):
    """Another vaulttool is writing this vault and did not finish within the timeout."""


class VaultLock:
    def __init__(self, state_folder: Path, command: str, timeout: float, poll: float = 0.1) -> None:
        self.path = state_folder / LOCK_NAME
        self.command = command
        self.timeout = timeout
        self.poll = poll
        self.stale_holder: dict[str, object] | None = None  # the record a killed holder left behind
        self._descriptor: int | None = None
        self.started = 0.0  # when the lock was taken (time.time())

    def __enter__(self) -> VaultLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StateWriteError(f"cannot take the writer lock {self.path}: {error.strerror}; nothing written") from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _describe(self._read(descriptor))
                    os.close(descriptor)
                    raise LockBusyError(
                        f"another vaulttool is writing this vault ({holder}); waited {self.timeout:g} s. "
                        f"Try again when it has finished (lock: {self.path})"
                    ) from None
                time.sleep(self.poll)
        previous = self._read(descriptor)
        if previous and previous.get("pid") != os.getpid():
            pid = previous.get("pid")
            if isinstance(pid, int) and not process_running(pid):
                self.stale_holder = previous
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        try:
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, (json.dumps(record) + "\n").encode(), 0)
        except OSError:
            pass  # (a full disk): the lock itself is held; only the holder's record is missing
        self._descriptor = descriptor
        self.started = time.time()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._descriptor is not None:
            os.ftruncate(self._descriptor, 0)  # released cleanly: no record, nothing to call stale
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None

    def stale_message(self) -> str | None:
        if not self.stale_holder:
            return None
        return f"took over a stale lock left by a process that is gone ({_describe(self.stale_holder)})"

    @staticmethod
    def _read(descriptor: int) -> dict[str, object] | None:
        try:
            data = os.pread(descriptor, 4096, 0)
            record = json.loads(data.decode("utf-8")) if data.strip() else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        return record if isinstance(record, dict) else None


def _describe(record: dict[str, object] | None) -> str:
    if not record:
        return "holder unknown"
    return f"pid {record.get('pid')} on {record.get('host')}, `vaulttool {record.get('command')}` since {record.get('started')}"
