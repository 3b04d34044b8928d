"""Vault paths: names that every file system, Obsidian and a wikilink can hold, and vault-path globs.
Pure: strings in, strings out.

Every name vaulttool turns into a path (a tier stub, an entity note) is checked here first: nothing
may leave the vault, exceed 255 bytes, or use a name Windows, Obsidian or a wikilink cannot hold.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from vaulttool.errors import UnsafePathError

MAX_NAME_BYTES = 255
# Windows' device names, judged on every OS (a vault is shared between machines): the whole name, or
# the part before its first dot with trailing spaces dropped, as Windows reads it (`CON.md`,
# `nul.tar.gz`, `AUX .md`). Not `Con(Thing).md`: Windows opens that as a file.
_RESERVED = re.compile(r"(?i)(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$) *(\..*)?")
_INVALID_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"\\|?*\[\]#^]")
_UNDECODED = re.compile("[\udc80-\udcff]")  # os.fsdecode's stand-ins for bytes it could not decode


def check_name(name: str) -> None:
    """Raise UnsafePathError for a file or folder name that cannot be written safely everywhere."""
    if name in ("", ".", ".."):
        raise UnsafePathError(f"{name!r} is not a usable name")
    if not name.isascii() and _UNDECODED.search(name):
        # os.fsdecode's stand-ins for bytes it could not decode: a name that is not UTF-8, or a
        # non-UTF-8 locale (LC_ALL=C) decoding one that is. Its stubs' names could not be written.
        raise UnsafePathError("a name that is not UTF-8 as Python decodes file names here (for UTF-8 names under "
                              "a non-UTF-8 locale such as LC_ALL=C, set PYTHONUTF8=1)")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UnsafePathError(f"{name[:40]}… is {len(name.encode('utf-8', 'surrogatepass'))} bytes, over the {MAX_NAME_BYTES}-byte limit")
    if _INVALID_CHARS.search(name):
        raise UnsafePathError(f"{name!r} contains a character a file name or a wikilink cannot hold")
    if _RESERVED.fullmatch(name) or name[-1] in " .":
        raise UnsafePathError(f"{name!r} is a reserved name (Windows) or ends in a space or dot")


def check_vault_path(vault_path: str) -> list[str]:
    """The parts of a relative vault path, each checked; no absolute paths, no `..`."""
    if vault_path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", vault_path):
        raise UnsafePathError(f"{vault_path!r} is an absolute path")
    parts = vault_path.split("/")
    for part in parts:
        check_name(part)
    return parts


@lru_cache(maxsize=64)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A vault-path glob: `**` crosses folders, `*` and `?` stay within one."""
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out))


def matches_any(path: str, globs: Iterable[str]) -> bool:
    return any(glob_regex(glob).fullmatch(path) for glob in globs)


# The names sync clients give the second copy of a file two devices changed at once.
_CONFLICT_COPIES = (
    # Obsidian Sync, Dropbox, Nextcloud: `Note (Conflicted copy Pixel-7 202507141203).md`,
    # `Note (Ann's conflicted copy 2019-01-01).md`, `Note (conflicted copy 2020-01-01 120000).md`
    ("a sync client", re.compile(r" \([^()]*conflicted copy[^()]*\)\.md$", re.IGNORECASE)),
    # Syncthing: `Note.sync-conflict-20190101-123456-ABCDEFG.md`
    ("Syncthing", re.compile(r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Z0-9]{7})?\.md$")),
    # OneDrive: `Note-DESKTOP-AB12CD3.md`, the computer's default Windows name appended
    ("OneDrive", re.compile(r"-(?:DESKTOP|LAPTOP)-[A-Z0-9]{7}\.md$")),
)


def conflict_copy(vault_path: str) -> str | None:
    """Which sync client named this note as a conflict copy, or None for an ordinary note."""
    name = vault_path.rsplit("/", 1)[-1]
    return next((client for client, pattern in _CONFLICT_COPIES if pattern.search(name)), None)
