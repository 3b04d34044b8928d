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
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, TypeVar

from vaulttool.errors import ConcurrentChangeError, ProtectedFileError, UnsafePathError

TEMP_SUFFIX = ".vaulttool-tmp"  # never `.md`: a crashed write must not leave a note behind
# .<name>.<pid>.<random>.vaulttool-tmp (names may hold any character, a line break too)
_TEMP_NAME = re.compile(r"\..*\.([0-9]{1,10})\.[^.]+" + re.escape(TEMP_SUFFIX), re.DOTALL)

# Windows refuses to replace a file that is open, even by this process, and for a moment while a sync
# client or a virus scanner reads it: a replace denied there is tried again, for up to this long.
REPLACE_RETRY_SECONDS = 1.0
# Where a file that is open can be renamed over (POSIX), the note stays open across the swap, so a
# racing write is read back from it; on Windows it must be closed first.
_OPEN_FILES_REPLACEABLE = os.name != "nt"
# errno values of a file system without hard links (FAT, exFAT, some network shares): create_file then
# creates the file in place with O_EXCL instead. Linux says EPERM, FUSE ENOSYS, Windows EINVAL (its
# ERROR_INVALID_FUNCTION) and wine EACCES; a real refusal to write there fails the O_EXCL create too.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS, errno.EMLINK,
                            errno.EINVAL, errno.EACCES})
_Result = TypeVar("_Result")


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

    On Windows, where an open file cannot be replaced, the note is closed before the swap, and each
    attempt reads it again first; a note another program holds open makes the swap fail, and it is
    tried again for up to REPLACE_RETRY_SECONDS, so a sync client's or a virus scanner's read is
    waited out, while a write made meanwhile is found by the read before the next attempt.

    Raises ConcurrentChangeError when the file no longer holds the bytes of `snapshot` (or changed
    while it was replaced), ProtectedFileError when it is read-only or hard-linked, and
    PermissionError when the swap was still refused after the retries (the note is as it was).
    """
    if data == snapshot.data:
        return False
    path = Path(path)
    swap_in(path, new_temp(path, data, snapshot), snapshot)
    _fsync_folder(path.parent)
    return True


def new_temp(path: Path, data: bytes, snapshot: Snapshot | None = None, durable: bool = True) -> str:
    """Write `data` to a new temporary file beside `path`: with the mode and owner of `snapshot`, the
    file it is to replace, or for a new file with the umask's (making the folders it needs). Synced
    before it returns unless not `durable`: a batch of writes makes its files durable together (see
    sync_file_systems, sync_file) before any is put in place."""
    if snapshot is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _write_temp(path.parent, path.name, data, new_file_mode(), durable=durable)
    # Refused before anything is written: a temporary file with a read-only note's mode could not be
    # synced where that needs it writable (Windows; macOS as its owner), nor deleted on Windows.
    refuse_read_only(snapshot.mode)
    return _write_temp(path.parent, path.name, data, snapshot.mode, snapshot.owner, durable=durable)


def swap_in(path: Path, temp_name: str, snapshot: Snapshot) -> None:
    """Replace `path` by the durable temporary file `temp_name` if it still holds the bytes of
    `snapshot` (see replace_if_changed); the temporary file is gone afterwards, whatever happened.
    The rename is made durable by syncing the folder, which is the caller's to do."""
    try:
        try:
            current = open(path, "rb")
        except FileNotFoundError:
            raise ConcurrentChangeError(f"{path}: was removed after it was read; not written") from None
        with current:
            refuse_protected(os.fstat(current.fileno()))
            if not _OPEN_FILES_REPLACEABLE:
                current.close()
                replace_closed(temp_name, path, snapshot)
                return
            ours = os.stat(temp_name).st_ino

            def swap() -> bool:
                _unchanged_or_raise(path, current, snapshot)  # (before each attempt: a denied one took time)
                if _exchange(temp_name, path):
                    return True
                os.replace(temp_name, path)
                return False

            exchanged = retry_denied(swap, path)
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
        remove_temp(temp_name)
        raise
    remove_temp(temp_name)  # after an exchange: the old note, now unchanged and unneeded


def replace_closed(temp_name: str | Path, path: Path, snapshot: Snapshot) -> None:
    """Replace `path` by `temp_name` where an open file cannot be replaced (Windows): each attempt reads
    the note again and compares it with `snapshot` first, then swaps it out, keeping the replaced file
    under a second temporary name; an attempt refused while another program holds the note open is
    retried (see retry_denied). A write that landed between that read and the swap is in the kept
    file: it is put back, unless the note changed yet again, and ConcurrentChangeError raised."""
    temp_name = str(temp_name)
    replaced = temp_name[:-len(TEMP_SUFFIX)] + "-old" + TEMP_SUFFIX  # (a name the debris clean-up knows)
    ours = digest(read_bytes(temp_name))

    def attempt() -> None:
        try:
            with open(path, "rb") as current:
                _unchanged_or_raise(path, current, snapshot)
        except FileNotFoundError:
            raise ConcurrentChangeError(f"{path}: was removed after it was read; not written") from None
        _replace_keeping_old(temp_name, path, replaced)

    try:
        retry_denied(attempt, path)
        theirs = read_bytes(replaced)
        if digest(theirs) != snapshot.digest:
            if digest(read_bytes(path)) == ours:
                retry_denied(lambda: os.replace(replaced, path), path)
            raise ConcurrentChangeError(f"{path}: was written by another program while vaulttool replaced it; "
                                        "its version is kept")
    finally:
        remove_temp(replaced)


def _replace_keeping_old(new: str, path: Path, old: str) -> None:
    """Put the file `new` at `path`, the file that was there now named `old`: Windows' ReplaceFileW;
    elsewhere (the tests of this path) a hard link and a rename."""
    if sys.platform == "win32":
        from vaulttool.disk import win32

        win32.replace_keeping_old(new, path, old)
        return
    os.link(path, old)
    os.replace(new, path)


def _unchanged_or_raise(path: Path, current: BinaryIO, snapshot: Snapshot) -> None:
    current.seek(0)
    if digest(current.read()) != snapshot.digest:
        raise ConcurrentChangeError(f"{path}: changed on disk after it was read; not written")


def retry_denied(operation: Callable[[], _Result], path: str | Path, budget: float = REPLACE_RETRY_SECONDS,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> _Result:
    """Run `operation`, and again after short waits while it raises PermissionError, for up to `budget`
    seconds in all: Windows denies a rename over a file another program (a sync client, a virus
    scanner, Obsidian) holds open for a moment. Any other error is raised at once. When the time is
    up, the last PermissionError is raised again with a reason that says what was tried."""
    deadline = clock() + budget
    delay = 0.01
    while True:
        try:
            return operation()
        except PermissionError as error:
            if clock() + delay > deadline:
                raise PermissionError(error.errno, f"{error.strerror} (still after retrying for {budget:g} s; another "
                                      "program, such as a sync client or a virus scanner, may hold it open)",
                                      str(path)) from error
        sleep(delay)
        delay = min(delay * 2, 0.2)


def _exchange(first: str | Path, second: str | Path) -> bool:
    """Swap two names atomically (Linux renameat2 RENAME_EXCHANGE); False where that cannot be done."""
    function = _linux_libc("renameat2")
    if function is None:
        return False
    if function(-100, os.fsencode(first), -100, os.fsencode(second), 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        return True
    import ctypes

    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a file system without it (some network and FUSE ones): rename instead
    raise OSError(number, os.strerror(number), str(second))


@functools.lru_cache(maxsize=None)
def _linux_libc(name: str) -> Any:
    """The C library's function `name` on Linux (renameat2, syncfs), or None: elsewhere, or in a C
    library without it (glibc before 2.28 for renameat2, some others)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: only a write needs it, and the pre-commit hook's `check` never writes

    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None


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
    refuse_read_only(info.st_mode)
    if info.st_nlink > 1:
        raise ProtectedFileError("VT112", f"one of {info.st_nlink} hard links to the same file, which replacing "
                                          "it would split; not written")


def refuse_read_only(mode: int) -> None:
    """Raise ProtectedFileError for a file of this mode (see refuse_protected)."""
    if not mode & stat.S_IWUSR:
        raise ProtectedFileError("VT111", "read-only (its owner-write bit is off); not written")


def remove_temp(name: str | Path) -> bool:
    """Remove a temporary file if it is there, even one left read-only (as earlier versions left the
    temporary file of a read-only note): Windows refuses to delete a read-only file. Whether it was."""
    try:
        os.unlink(name)
    except FileNotFoundError:
        return False
    except PermissionError:
        if os.name != "nt":
            raise
        os.chmod(name, stat.S_IWRITE)  # (the read-only attribute off; the name is vaulttool's own)
        os.unlink(name)
    return True


def write_file(path: Path, data: bytes) -> bool:
    """Create or replace one of vaulttool's own files (not a note) atomically, if its bytes differ."""
    try:
        info = path.stat()
        if path.read_bytes() == data:
            return False
        mode = stat.S_IMODE(info.st_mode)
    except FileNotFoundError:
        mode = new_file_mode()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, data, mode)
    return True


@functools.lru_cache(maxsize=1)
def new_file_mode() -> int:
    """The mode of a new file: 0o666 less the umask, read once (reading the umask means setting it for a
    moment, for every thread of the process)."""
    current = os.umask(0)
    os.umask(current)
    return 0o666 & ~current


def process_running(pid: int) -> bool:
    """Whether a process with this id exists (True when that cannot be told)."""
    if sys.platform == "win32":
        from vaulttool.disk import win32  # (there os.kill(pid, 0) would terminate the process)

        return win32.process_running(pid)
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
            removed += remove_temp(path)  # (False: gone already)
        except OSError:
            continue  # not ours to remove: the next run tries again
    return removed


def temp_owner(name: str) -> int | None:
    """The process id in the name of one of vaulttool's temporary files, or None for any other name."""
    if not name.endswith(TEMP_SUFFIX):
        return None  # (nearly every file a walk of the vault sees: no pattern needed)
    match = _TEMP_NAME.fullmatch(name)
    return int(match.group(1)) if match and int(match.group(1)) < 2 ** 31 else None


# Every folder this process has made a temporary file in, noted before the file is made: a SIGTERM or
# Ctrl-C is raised wherever the run stands (inside mkstemp, between a function's return and the
# caller's noting its result), where no `finally` knows the name yet. remove_own_temps sweeps them.
_TEMP_FOLDERS: set[str] = set()


def remove_own_temps() -> int:
    """Remove every temporary file of this process's (its id in the name) in the folders it made any
    in: what an interruption left half way. Returns how many were removed."""
    pid, removed = os.getpid(), 0
    for folder in sorted(_TEMP_FOLDERS):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if temp_owner(name) == pid:
                try:
                    removed += remove_temp(os.path.join(folder, name))
                except OSError:
                    pass  # (the next writer's remove_debris tries again)
    return removed


def _write_temp(folder: Path, name: str, data: bytes, mode: int, owner: tuple[int, int] | None = None,
                durable: bool = True) -> str:
    """Write `data` to a new temporary file beside `name` in `folder`, on disk, with `mode` (and the
    owner of the file it replaces, where that differs and may be set). Its name carries this process's
    id, so a later run can tell the debris of a killed one from a live write."""
    # The note's name may use all 255 bytes itself, and need not be UTF-8 (os.fsencode keeps its bytes).
    import tempfile  # (a write's: the pre-commit hook's `check` never writes)

    short = os.fsdecode(os.fsencode(name)[:120])
    _TEMP_FOLDERS.add(os.fspath(folder))
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{short}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            else:
                os.chmod(temp_name, mode)  # (Windows: only the read-only attribute; the file is ours and new)
            if (owner is not None and hasattr(os, "fchown") and hasattr(os, "getuid")
                    and (os.getuid(), os.getgid()) != owner):
                try:
                    os.fchown(handle.fileno(), *owner)
                except PermissionError:
                    pass  # only root may give a file away; a user's own notes are theirs already
            if durable:
                os.fsync(handle.fileno())
    except BaseException:
        remove_temp(temp_name)
        raise
    return temp_name


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    temp_name = _write_temp(path.parent, path.name, data, mode)
    try:
        retry_denied(lambda: os.replace(temp_name, path), path)
    except BaseException:
        remove_temp(temp_name)
        raise
    _fsync_folder(path.parent)


def sync_file(name: str) -> None:
    """Make a file written with durable=False durable, where it is."""
    descriptor = os.open(name, os.O_RDWR | getattr(os, "O_BINARY", 0))  # (Windows syncs only a writable one)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_file_systems(folders: Iterable[Path]) -> bool:
    """Make everything written to the file systems that hold `folders` durable, new names included,
    with one syncfs each (Linux): one disk flush for a whole batch of files instead of one a file.
    False, having done nothing, where the system has no syncfs. Raises OSError when the flush fails."""
    function = _syncfs()
    if function is None:
        return False
    flushed: set[int] = set()
    for folder in set(folders):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            device = os.fstat(descriptor).st_dev
            if device not in flushed:
                if function(descriptor) != 0:
                    import ctypes

                    number = ctypes.get_errno()
                    raise OSError(number, os.strerror(number), str(folder))
                flushed.add(device)
        finally:
            os.close(descriptor)
    return True


def _syncfs() -> Any:
    return _linux_libc("syncfs")


def sync_folders(folders: Iterable[Path]) -> None:
    """Make the renames and links made in `folders` durable, as far as the system lets (as _fsync_folder)."""
    folders = set(folders)
    try:
        if sync_file_systems(folders):
            return
    except OSError:
        pass  # (the files are on disk already; each folder is tried on its own)
    for folder in folders:
        _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable, where folders can be synced (POSIX; Windows cannot open one)."""
    if os.name != "posix":
        return
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


def same_spelling(name: str, other: str) -> bool:
    """Whether two names are spelt alike, letter case included: Unicode NFC, as macOS may hand a name
    back in another normalisation than it was given in (HFS+ stores NFD), and that is no respelling."""
    return unicodedata.normalize("NFC", name) == unicodedata.normalize("NFC", other)


def folded_names(folder: Path) -> dict[str, list[str]]:
    """The names in a folder by their folded form, each with every spelling of it there (none when
    the folder does not exist yet, or cannot be read)."""
    names: dict[str, list[str]] = {}
    try:
        listed = os.listdir(folder)
    except OSError:
        return names
    for name in listed:
        names.setdefault(folded(name), []).append(name)
    return names


def is_respelling(old: Path, new: Path) -> bool:
    """Whether `new` only spells the name of the file `old` another way (case, Unicode normalisation)
    on a file system that takes both for one name (Windows', macOS', FAT and exFAT): there `new`
    "exists", as the file `old` itself, and renaming it to `new` replaces nothing."""
    if old.parent != new.parent or old.name == new.name or folded(old.name) != folded(new.name):
        return False
    try:
        listed = os.listdir(old.parent)
    except OSError:
        return False
    return old.name in listed and new.name not in listed and new.exists()


def _respell(old: Path, new: Path) -> None:
    """Rename the file `old` to `new`, the same name spelt another way (see is_respelling). Some file
    systems take such a rename for a rename onto itself, and do nothing or refuse it (wine's): there it
    goes through a name of its own, a visible note's, so a crash in between loses nothing."""
    try:
        os.rename(old, new)  # (the one file under a new spelling: there is no other file to replace)
    except FileExistsError:
        pass  # (wine on exFAT says so of the file itself)
    if new.name not in os.listdir(new.parent):
        step = new.with_name(f"{new.stem} (vaulttool renaming {os.getpid()}).md")
        os.rename(old, step)
        os.rename(step, new)
    _fsync_folder(new.parent)


def unreadable(path: str | Path) -> OSError | None:
    """Why `path` cannot be looked at (a folder on the way that cannot be searched, an I/O error), or
    None when it can, be it there or not. One lstat."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        return error
    return None


def unreadable_folder(root: Path, vault_path: str) -> tuple[str, OSError] | None:
    """The vault path of the folder on the way to the file `vault_path` that cannot be searched (no
    permission, an I/O error; "" for the root itself), with the error; None when nothing on the way
    stops a stat, be the file there or not. One stat when all is well."""
    failed = unreadable(root / vault_path)
    if failed is None:
        return None
    parts = vault_path.split("/")
    for depth in range(1, len(parts)):
        try:
            os.stat(root.joinpath(*parts[:depth]))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            return "/".join(parts[:depth - 1]), error
    return "/".join(parts[:-1]), failed


def exists_in_any_spelling(root: Path, vault_path: str) -> bool:
    """Whether a file exists at `vault_path`, its names in this spelling or any other Unicode
    normalisation of it (a stub's name is NFC; its standard note may be spelt NFD). A file behind a
    folder that cannot be read counts as there: nothing is then called missing, or made in its place."""
    try:
        if stat.S_ISREG(os.stat(root / vault_path).st_mode):
            return True  # the spelling given: one stat, as for nearly every note
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError:
        return True
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
    """Create a new file; never replace one. Raises ConcurrentChangeError if it exists.

    Where the file system has hard links, the file is written and synced under a temporary name and
    then linked to its own (a link never replaces a file), so it appears whole or not at all. Where it
    has none (FAT, exFAT, some network shares; os.link missing), the file is created in place with
    O_EXCL, which never replaces one either, and written and synced there: for that moment a reader may
    see it partly written, and a write that fails removes it again.
    """
    link_in(path, new_temp(path, data), data)
    _fsync_folder(path.parent)


def link_in(path: Path, temp_name: str, data: bytes) -> None:
    """Give the durable temporary file `temp_name` its name `path`, which must not exist (see
    create_file); the temporary file is gone afterwards, whatever happened. The folder's sync, making
    the new name durable, is the caller's to do."""
    try:
        if hasattr(os, "link"):
            try:
                os.link(temp_name, path)  # fails if the file exists: a note someone created meanwhile is kept
                return
            except FileExistsError:
                raise ConcurrentChangeError(f"{path}: appeared while vaulttool was working; not replaced") from None
            except OSError as error:
                if error.errno not in _NO_HARD_LINKS:
                    raise
        _create_exclusive(path, data, stat.S_IMODE(os.stat(temp_name).st_mode))
    finally:
        remove_temp(temp_name)


def _create_exclusive(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with O_EXCL and write `data` into it, on disk; remove it again if that fails."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)  # (Windows: no newline translation)
    try:
        descriptor = os.open(path, flags, mode)
    except FileExistsError:
        raise ConcurrentChangeError(f"{path}: appeared while vaulttool was working; not replaced") from None
    created = os.fstat(descriptor)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        try:
            if os.path.samestat(os.stat(path), created):  # (not a file someone put there since)
                os.unlink(path)
        except OSError:
            pass
        raise


def rename_new(old: Path, new: Path) -> None:
    """Rename a file to a name that must not exist yet; never replace a file. Raises
    ConcurrentChangeError when `new` exists (or appears meanwhile). New folders are made.

    Linux's renameat2(RENAME_NOREPLACE) does it in one step. Elsewhere the file is hard-linked to its
    new name (a link never replaces a file) and its old name removed; where there are no hard links
    (FAT, exFAT, some network shares) a plain rename follows a check that the name is free, which a file
    created in the microseconds between the two would lose to: that one race is left there."""
    new.parent.mkdir(parents=True, exist_ok=True)
    if is_respelling(old, new):
        _respell(old, new)
        return
    if new.exists() or new.is_symlink():
        raise ConcurrentChangeError(f"{new}: exists; not replaced")
    function = _linux_libc("renameat2")
    if function is not None:
        if function(-100, os.fsencode(old), -100, os.fsencode(new), 1) == 0:  # AT_FDCWD, RENAME_NOREPLACE
            _fsync_folder(new.parent)
            _fsync_folder(old.parent)
            return
        import ctypes

        number = ctypes.get_errno()
        if number == errno.EEXIST:
            raise ConcurrentChangeError(f"{new}: appeared while vaulttool was working; not replaced")
        if number not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise OSError(number, os.strerror(number), str(old))
    try:
        os.link(old, new)
    except FileExistsError:
        raise ConcurrentChangeError(f"{new}: appeared while vaulttool was working; not replaced") from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        if new.exists():
            raise ConcurrentChangeError(f"{new}: appeared while vaulttool was working; not replaced") from None
        os.rename(old, new)
    else:
        os.unlink(old)
    _fsync_folder(new.parent)
    _fsync_folder(old.parent)
