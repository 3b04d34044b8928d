"""Reading and writing files carefully: the only code that writes into the vault.

Writes are atomic (a temporary file in the same folder, fsync, rename), happen only when bytes differ,
keep the file's mode, and refuse to replace a file that changed since it was read. New files are
created without ever replacing one. Temporary files never end in `.md`.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import stat
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable

from vaulttool.errors import ConcurrentChangeError, ProtectedFileError, UnsafePathError

TEMP_SUFFIX = ".vaulttool-tmp"  # never `.md`: a crashed write must not leave a note behind
# .<name>.<pid>.<random>.vaulttool-tmp (names may hold any character, a line break too)
_TEMP_NAME = re.compile(r"\..*\.([0-9]{1,10})\.[^.]+" + re.escape(TEMP_SUFFIX), re.DOTALL)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A file's bytes as read, and what is needed to replace it safely later."""

    data: bytes
    digest: str
    mode: int
    owner: tuple[int, int] | None = None  # (uid, gid): a note rewritten by root stays its owner's


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: str | Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def read_snapshot(path: str | Path) -> Snapshot:
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        data = handle.read()
    return Snapshot(data, digest(data), stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))


def replace_if_changed(path: str | Path, data: bytes, snapshot: Snapshot) -> bool:
    """Atomically replace `path` with `data` unless the bytes are the same. Returns True if written.

    The new bytes are written and made durable in a temporary file first; only then is the note read
    again and compared with `snapshot`, and swapped in at once if it is unchanged. Where the system can
    exchange two names atomically (Linux's renameat2), the old note is not deleted by the swap: it is
    read once more, and if someone wrote into it meanwhile the two are swapped back, so the person's
    version is the note again and nothing of theirs is lost. Elsewhere a plain rename replaces the
    note, and a write that raced it is read from the replaced file, still open here, and put back.
    What remains is a program that opened the note before the swap and writes to it after the second
    read: the time between two reads, microseconds, not a whole fsync.

    Raises ConcurrentChangeError when the file no longer holds the bytes of `snapshot` (or changed
    while it was replaced), and ProtectedFileError when it is read-only or hard-linked.
    """
    if data == snapshot.data:
        return False
    path = Path(path)
    temp_name = _write_temp(path.parent, path.name, data, snapshot.mode, snapshot.owner)
    try:
        try:
            current = open(path, "rb")
        except FileNotFoundError:
            raise ConcurrentChangeError(f"{path}: was removed after it was read; not written") from None
        with current:
            refuse_protected(os.fstat(current.fileno()))
            if digest(current.read()) != snapshot.digest:
                raise ConcurrentChangeError(f"{path}: changed on disk after it was read; not written")
            ours = os.stat(temp_name).st_ino
            exchanged = _exchange(temp_name, path)
            if not exchanged:
                os.replace(temp_name, path)
            current.seek(0)  # (the mtime alone may not move: its clock can be coarser than the write)
            if digest(current.read()) != snapshot.digest:
                if exchanged:
                    if os.stat(path).st_ino == ours:  # (not if yet another program replaced it since)
                        _exchange(temp_name, path)
                else:
                    _put_back(path, current, snapshot.mode)
                raise ConcurrentChangeError(f"{path}: was written by another program while vaulttool replaced "
                                            "it; its version is kept")
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    Path(temp_name).unlink(missing_ok=True)  # after an exchange: the old note, now unchanged and unneeded
    _fsync_folder(path.parent)
    return True


def _exchange(first: str | Path, second: str | Path) -> bool:
    """Swap two names atomically (Linux renameat2 RENAME_EXCHANGE); False where that cannot be done."""
    function = _renameat2()
    if function is None:
        return False
    if function(-100, os.fsencode(first), -100, os.fsencode(second), 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        return True
    import ctypes

    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a file system without it (some network and FUSE ones): rename instead
    raise OSError(number, os.strerror(number), str(second))


@functools.lru_cache(maxsize=1)
def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: only a write needs it, and the pre-commit hook's `check` never writes

    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None  # a C library without it (glibc before 2.28, some others)


def _put_back(path: Path, replaced: BinaryIO, mode: int) -> None:
    """Restore the bytes someone wrote into a note while it was being replaced (read from the replaced
    file, still open), unless the note changed yet again."""
    replaced.seek(0)
    theirs = replaced.read()
    with open(path, "rb") as ours:
        if ours.read() == theirs:
            return
    _write_atomic(path, theirs, mode)


def refuse_protected(info: os.stat_result) -> None:
    """Raise ProtectedFileError for a file its owner may not write, or one with several hard links.

    The owner-write bit decides, not `os.access`: root may write anything, but a user who made a note
    read-only meant it for every program, vaulttool run as root included. A rename would give a
    hard-linked note a new inode and silently split it from its other names.
    """
    if not info.st_mode & stat.S_IWUSR:
        raise ProtectedFileError("VT111", "read-only (its owner-write bit is off); not written")
    if info.st_nlink > 1:
        raise ProtectedFileError("VT112", f"one of {info.st_nlink} hard links to the same file, which replacing "
                                          "it would split; not written")


def write_file(path: Path, data: bytes) -> bool:
    """Create or replace one of vaulttool's own files (not a note) atomically, if its bytes differ."""
    try:
        info = path.stat()
        if path.read_bytes() == data:
            return False
        mode = stat.S_IMODE(info.st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, data, mode)
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (another user's: EPERM), or this platform cannot tell: assume it is alive
    return True


def remove_debris(paths: Iterable[str], before: float) -> int:
    """Remove vaulttool's temporary files among `paths` that no live process owns and that are older
    than `before` (the writer lock's start): what a killed run left. Returns how many were removed."""
    removed = 0
    for path in paths:
        owner = temp_owner(os.path.basename(path))
        if owner is None or owner == os.getpid() or process_running(owner):
            continue
        try:
            if os.lstat(path).st_mtime >= before:
                continue
            os.unlink(path)
        except OSError:
            continue  # gone already, or not ours to remove: the next run tries again
        removed += 1
    return removed


def temp_owner(name: str) -> int | None:
    """The process id in the name of one of vaulttool's temporary files, or None for any other name."""
    if not name.endswith(TEMP_SUFFIX):
        return None  # (nearly every file a walk of the vault sees: no pattern needed)
    match = _TEMP_NAME.fullmatch(name)
    return int(match.group(1)) if match and int(match.group(1)) < 2 ** 31 else None


def _write_temp(folder: Path, name: str, data: bytes, mode: int, owner: tuple[int, int] | None = None) -> str:
    """Write `data` to a new temporary file beside `name` in `folder`, on disk, with `mode` (and the
    owner of the file it replaces, where that differs and may be set). Its name carries this process's
    id, so a later run can tell the debris of a killed one from a live write."""
    # The note's name may use all 255 bytes itself, and need not be UTF-8 (os.fsencode keeps its bytes).
    import tempfile  # (a write's: the pre-commit hook's `check` never writes)

    short = os.fsdecode(os.fsencode(name)[:120])
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{short}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if owner is not None and hasattr(os, "fchown") and (os.getuid(), os.getgid()) != owner:
                try:
                    os.fchown(handle.fileno(), *owner)
                except PermissionError:
                    pass  # only root may give a file away; a user's own notes are theirs already
            os.fsync(handle.fileno())
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return temp_name


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    temp_name = _write_temp(path.parent, path.name, data, mode)
    try:
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems cannot sync a folder; the file itself is already on disk
    finally:
        os.close(descriptor)


def safe_target(root: Path, tier_folder: str, vault_path: str) -> Path:
    """The absolute path of a new file in a tier folder, refusing one that would land anywhere else:
    the tier folder must be a real folder of the vault (not a symlink), and every existing folder on
    the way must resolve inside it. Raises UnsafePathError."""
    root_real = Path(os.path.realpath(root))
    tier_path = root / tier_folder
    if tier_path.is_symlink() or Path(os.path.realpath(tier_path)) != root_real / tier_folder:
        raise UnsafePathError(f"{tier_folder}/ is a symlink; vaulttool writes only into real tier folders")
    tier_real = root_real / tier_folder
    target = root / vault_path
    existing = target.parent
    while not existing.exists() and existing != tier_path:
        existing = existing.parent
    existing_real = Path(os.path.realpath(existing))
    if tier_path.exists() and existing_real != tier_real and tier_real not in existing_real.parents:
        raise UnsafePathError(f"{vault_path} would be written outside {tier_folder}/ (a symlinked folder on the way)")
    if target.is_symlink():
        raise UnsafePathError(f"{vault_path} is a symlink; not written")
    return target


def folded(name: str) -> str:
    """A name as macOS and Windows file systems compare names: Unicode NFC, case folded."""
    return unicodedata.normalize("NFC", name).casefold()


def folded_names(folder: Path) -> dict[str, str]:
    """The names in a folder by their folded form (none when it does not exist yet)."""
    try:
        return {folded(name): name for name in os.listdir(folder)}
    except OSError:
        return {}


def exists_in_any_spelling(root: Path, vault_path: str) -> bool:
    """Whether a file exists at `vault_path`, its names in this spelling or any other Unicode
    normalisation of it (a stub's name is NFC; its standard note may be spelt NFD)."""
    if (root / vault_path).is_file():
        return True  # the spelling given: one stat, as for nearly every note
    folder = root
    for part in vault_path.split("/"):
        if not (folder / part).exists():
            wanted = unicodedata.normalize("NFC", part)
            try:
                part = next(name for name in os.listdir(folder) if unicodedata.normalize("NFC", name) == wanted)
            except (OSError, StopIteration):
                return False
        folder = folder / part
    return folder.is_file()


def create_file(path: Path, data: bytes) -> None:
    """Create a new file atomically; never replace one. Raises ConcurrentChangeError if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_name = _write_temp(path.parent, path.name, data, 0o666 & ~_umask())
    try:
        os.link(temp_name, path)  # fails if the file exists: a note someone created meanwhile is kept
    except FileExistsError:
        raise ConcurrentChangeError(f"{path}: appeared while vaulttool was working; not replaced") from None
    finally:
        Path(temp_name).unlink(missing_ok=True)
    _fsync_folder(path.parent)
