"""Imported by every Python process of the Windows harness (tests/windows/run), never by vaulttool.

Wine's CreateProcess now and then fails with ERROR_INTERNAL_ERROR (1359): the new wine process exits
while it starts, before it reports success. Real Windows does not do this, and a test whose `git` or
`python` child was never started has tested nothing, so the harness starts such a child again: a
process that did start is never started twice, no result is changed, and every retry is written to
the file VTWINE_SPAWN_LOG names, which `tests/windows/run pytest` counts and prints after the run.
"""

from __future__ import annotations

import _winapi
import os
import time
from typing import Any

_ERROR_INTERNAL_ERROR = 1359
_ATTEMPTS = 5
_create_process = _winapi.CreateProcess


def _create_process_again_after_wine_fault(*args: Any) -> Any:
    for attempt in range(1, _ATTEMPTS):
        try:
            return _create_process(*args)
        except OSError as error:
            if getattr(error, "winerror", None) != _ERROR_INTERNAL_ERROR:
                raise
            log = os.environ.get("VTWINE_SPAWN_LOG")
            if log:
                with open(log, "a", encoding="utf-8") as out:
                    out.write(f"{os.getpid()} attempt {attempt}: {args[1]!r:.200}\n")
            time.sleep(0.25 * attempt)
    return _create_process(*args)  # the last attempt: its error is the run's


# subprocess and multiprocessing look CreateProcess up on _winapi at each call.
_winapi.CreateProcess = _create_process_again_after_wine_fault
