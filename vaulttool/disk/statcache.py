"""When a file can be trusted to be the one seen before: its stat, compared the way git compares its
index, so a warm run over an unchanged vault costs a stat a file and reads nothing.

A file's stat here is [size, mtime_ns, change time in ns, inode]. The change time moves on every change
of a file's bytes or attributes, even when mtime is put back (`touch -r`, a sync client restoring the
remote's time), and the inode on every replacement, so a matching stat means the same file as when it
was read. POSIX calls the change time ctime; on Windows `st_ctime` is the creation time, which no edit
moves, so there the change time is NTFS's own (FILE_BASIC_INFO.ChangeTime; FAT and exFAT have none,
and report 0: there mtime alone speaks for the bytes). A file changed within RACY_NS of the run that read it
may change again within the same timestamp tick, leaving its stat as it was (git's racy-index rule):
such a file is recorded with UNTRUSTED, a stat nothing matches, so the next run reads it again.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any, Iterable

Stat = list[int]
UNTRUSTED: Stat = [-1, -1, -1, -1]
ABSENT: Stat = []  # the stat recorded for a file that was not there
RACY_NS = 2_000_000_000
# A run on some notes reads and writes the caches only from this many: fewer (the pre-commit hook on
# what is staged) are read afresh, faster than reading a large vault's cache.
CACHE_FROM = 200


def stat_key(path: str | os.PathLike[str]) -> Stat:
    """The stat of the file at `path`, following links as a read does. Raises OSError."""
    info = os.stat(path)
    return [info.st_size, info.st_mtime_ns, _change_time_ns(path, info), info.st_ino]


def _posix_change_time_ns(path: str | os.PathLike[str], info: os.stat_result) -> int:
    return info.st_ctime_ns


def _windows_change_time_ns(path: str | os.PathLike[str], info: os.stat_result) -> int:
    """NTFS's change time of the file at `path`, in ns since 1970 (0 where the file system keeps none)."""
    import ctypes
    from ctypes import wintypes

    kernel32 = _kernel32()
    handle = kernel32.CreateFileW(os.fspath(path), 0x80, 7, None, 3, 0x02000000, None)
    #                             FILE_READ_ATTRIBUTES, share all, OPEN_EXISTING, BACKUP_SEMANTICS (a folder too)
    if handle == wintypes.HANDLE(-1).value:
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        times = (ctypes.c_int64 * 5)()  # FILE_BASIC_INFO: creation, access, write, change; attributes
        if not kernel32.GetFileInformationByHandleEx(handle, 0, times, ctypes.sizeof(times)):  # FileBasicInfo
            raise ctypes.WinError(ctypes.get_last_error())
    finally:
        kernel32.CloseHandle(handle)
    return (times[3] - _FILETIME_1970) * 100 if times[3] else 0


_FILETIME_1970 = 116_444_736_000_000_000  # 1970-01-01 in FILETIME's 100 ns ticks since 1601


@functools.lru_cache(maxsize=1)
def _kernel32() -> Any:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, ctypes.c_void_p,
                                     wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    kernel32.GetFileInformationByHandleEx.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p,
                                                      wintypes.DWORD]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    return kernel32


_change_time_ns = _windows_change_time_ns if os.name == "nt" else _posix_change_time_ns


def file_stat(path: str | os.PathLike[str]) -> Stat:
    """The stat of the file at `path` (following links, as a read does), ABSENT when there is none,
    UNTRUSTED when it cannot be told (a permission error on the way)."""
    try:
        return stat_key(path)
    except FileNotFoundError:
        return ABSENT
    except OSError:
        return UNTRUSTED


def racy_from() -> int:
    """The time from which a file's stat is too recent to be trusted by the next run."""
    return time.time_ns() - RACY_NS


def trusted(stat: Stat, since: int) -> Stat:
    """`stat` as it may be recorded: UNTRUSTED when the file changed at or after `since`."""
    return UNTRUSTED if len(stat) == 4 and max(stat[1], stat[2]) >= since else stat


def all_trusted(stats: Iterable[Stat], since: int) -> bool:
    """Whether none of `stats` is too recent (or untrusted) to be recorded as it is."""
    return all(stat != UNTRUSTED and trusted(stat, since) is stat for stat in stats)
