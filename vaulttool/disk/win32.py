"""The few Win32 calls vaulttool makes that Python's `os` does not: imported on Windows alone.

- change_time_ns: NTFS's change time of a file (Windows' `st_ctime` is its creation time);
- replace_keeping_old: ReplaceFileW, which swaps a note out and keeps the replaced file;
- process_running: whether a process lives (there `os.kill(pid, 0)` would terminate it).
"""

from __future__ import annotations

import ctypes
import functools
import os
from ctypes import wintypes
from typing import Any

_FILETIME_1970 = 116_444_736_000_000_000  # 1970-01-01 in FILETIME's 100 ns ticks since 1601
_INVALID_HANDLE = wintypes.HANDLE(-1).value
_ERROR_INVALID_PARAMETER = 87
_ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 = 1177
_STILL_ACTIVE = 259


@functools.lru_cache(maxsize=1)
def _kernel32() -> Any:
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, ctypes.c_void_p,
                                     wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    kernel32.GetFileInformationByHandleEx.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p,
                                                      wintypes.DWORD]
    kernel32.ReplaceFileW.argtypes = [wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD,
                                      ctypes.c_void_p, ctypes.c_void_p]
    kernel32.ReplaceFileW.restype = wintypes.BOOL
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    kernel32.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    return kernel32


def _last_error(path: str | os.PathLike[str] | None = None) -> OSError:
    number = ctypes.get_last_error()
    # (OSError maps the Windows error to its errno and subclass: 2 FileNotFoundError, 5 and 32 PermissionError)
    return OSError(None, ctypes.FormatError(number).strip(), None if path is None else os.fspath(path), number)


def change_time_ns(path: str | os.PathLike[str]) -> int:
    """NTFS's change time of the file at `path`, in ns since 1970 (0 where the file system keeps none:
    FAT, exFAT). Raises OSError."""
    kernel32 = _kernel32()
    #                     FILE_READ_ATTRIBUTES, share all, OPEN_EXISTING, BACKUP_SEMANTICS (a folder too)
    handle = kernel32.CreateFileW(os.fspath(path), 0x80, 7, None, 3, 0x02000000, None)
    if handle == _INVALID_HANDLE:
        raise _last_error(path)
    try:
        times = (ctypes.c_int64 * 5)()  # FILE_BASIC_INFO: creation, access, write, change; attributes
        if not kernel32.GetFileInformationByHandleEx(handle, 0, times, ctypes.sizeof(times)):  # FileBasicInfo
            raise _last_error(path)
    finally:
        kernel32.CloseHandle(handle)
    return (times[3] - _FILETIME_1970) * 100 if times[3] else 0


def replace_keeping_old(new: str, path: str | os.PathLike[str], old: str) -> None:
    """Put the file `new` at `path`, the file that was there now named `old`; `path` is never missing
    meanwhile. Raises OSError (PermissionError while another program holds `path` open)."""
    if not _kernel32().ReplaceFileW(os.fspath(path), new, old, 0, None, None):
        error = _last_error(path)
        if error.winerror == _ERROR_UNABLE_TO_MOVE_REPLACEMENT_2:  # the note is at `old` alone: it goes back
            os.rename(old, path)
        raise error


def process_running(pid: int) -> bool:
    """Whether a process with this id exists (True when that cannot be told)."""
    kernel32 = _kernel32()
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() != _ERROR_INVALID_PARAMETER  # no such process; denied: it exists
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
