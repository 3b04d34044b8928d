"""When a file can be trusted to be the one seen before: its stat, compared the way git compares its
index, so a warm run over an unchanged vault costs a stat a file and reads nothing.

A file's stat here is [size, mtime_ns, change time in ns, inode]. The change time moves on every change
of a file's bytes or attributes, even when mtime is put back (`touch -r`, a sync client restoring the
remote's time), and the inode on every replacement, so a matching stat means the same file as when it
was read. POSIX calls the change time ctime; on Windows `st_ctime` is the creation time, which no edit
moves, so there the change time is NTFS's own (FILE_BASIC_INFO.ChangeTime; FAT and exFAT have none,
and report 0: there mtime alone speaks for the bytes). A file changed within RACY_NS of the run that
read it may change again within the same timestamp tick, leaving its stat as it was (git's racy-index rule):
such a file is recorded with UNTRUSTED, a stat nothing matches, so the next run reads it again.
"""

from __future__ import annotations

import os
import time
from typing import Iterable

if os.name == "nt":
    from vaulttool.disk import win32

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
    if os.name == "nt":
        return [info.st_size, info.st_mtime_ns, win32.change_time_ns(path), info.st_ino]
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


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
