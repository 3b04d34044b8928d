"""Which file a link opens, as Obsidian resolves it, and how to write a link to a file. Pure: the
vault's file list in, vault paths out.

Obsidian reads a link's path (its `#heading` and `|alias` aside) in this order, and so does vaulttool:

1. `[[#heading]]`, an empty path, is the note itself.
2. `/a/b` is absolute from the vault root; `./b` and `../b` are relative to the linking note's folder.
3. Any other path is tried relative to the note's folder (`[[b]]` beside the note wins over `b.md` at
   the root), then as a vault path, then as the end of a longer path (`[[b]]`, `[[a/b]]` for `x/a/b.md`, the "shortest path when possible" form): of several
   such files, the one in the note's own folder wins, else the one with the shortest path.
4. A path with no extension names a `.md` note; one with an extension names that file (`.md` included,
   and `[[photo.png]]`, an attachment).
5. Names compare exactly first, then as macOS and Windows compare them (case and Unicode normalisation
   folded), which Obsidian's lookup does on every OS.
"""

from __future__ import annotations

import posixpath
import unicodedata
from typing import Iterable

NOTE_SUFFIX = ".md"


def fold(path: str) -> str:
    """A path as a case-insensitive, normalisation-insensitive file system compares it."""
    return unicodedata.normalize("NFC", path).casefold()


class VaultIndex:
    """Every file of a vault (notes and attachments) by vault path, for resolving links."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths: set[str] = set(paths)
        self._folded: dict[str, list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        self._resolved: dict[tuple[str, str], str | None] = {}  # a vault's links name few paths, many times
        for path in sorted(self.paths):
            self._folded.setdefault(fold(path), []).append(path)
            self._by_name.setdefault(fold(posixpath.basename(path)), []).append(path)

    def __contains__(self, path: object) -> bool:
        return path in self.paths

    def _exact(self, path: str) -> str | None:
        if path in self.paths:
            return path
        spellings = self._folded.get(fold(path))
        return spellings[0] if spellings else None

    def _candidates(self, path: str) -> list[str]:
        """`path` as written and, when it names no file by its extension, as a note."""
        name = posixpath.basename(path)
        return [path, path + NOTE_SUFFIX] if "." in name.lstrip(".") else [path + NOTE_SUFFIX]

    def resolve(self, link_path: str, source: str) -> str | None:
        """The vault path a link's path opens from the note `source`, or None (an unresolved link)."""
        path = link_path.strip()
        if not path:
            return source
        folder = posixpath.dirname(source)
        known = (path, folder)
        if known not in self._resolved:
            self._resolved[known] = self._resolve(path, folder)
        return self._resolved[known]

    def _resolve(self, path: str, folder: str) -> str | None:
        if path.startswith("/"):
            return self._first(self._candidates(path.lstrip("/")))
        if path.startswith(("./", "../")):
            joined = posixpath.normpath(posixpath.join(folder, path))
            return None if joined.startswith("../") else self._first(self._candidates(joined))
        candidates = self._candidates(path)
        found = self._first([posixpath.join(folder, candidate) for candidate in candidates]) if folder else None
        if found is None:
            found = self._first(candidates)
        return found if found is not None else self._by_ending(candidates, folder)

    def _first(self, candidates: list[str]) -> str | None:
        return next((found for found in map(self._exact, candidates) if found is not None), None)

    def _by_ending(self, candidates: list[str], folder: str) -> str | None:
        for candidate in candidates:
            ending = "/" + fold(candidate)
            matches = [path for path in self._by_name.get(fold(posixpath.basename(candidate)), [])
                       if ("/" + fold(path)).endswith(ending)]
            if matches:
                exact = [path for path in matches if ("/" + path).endswith("/" + candidate)] or matches
                return min(exact, key=lambda path: (posixpath.dirname(path) != folder, path.count("/"), len(path), path))
        return None

    def is_unique_name(self, vault_path: str) -> bool:
        """Whether the file's name alone (the shortest link path) resolves to it from anywhere."""
        return len(self._by_name.get(fold(posixpath.basename(vault_path)), [])) == 1


def shortest_path(target: str, index: VaultIndex) -> str:
    """The shortest link path that opens `target` from any note: its name where no other file shares
    it, else its vault path. Notes lose their `.md`."""
    path = target[: -len(NOTE_SUFFIX)] if target.endswith(NOTE_SUFFIX) else target
    return posixpath.basename(path) if index.is_unique_name(target) else path


def relative_path(target: str, source: str) -> str:
    """The link path from the note `source` to `target`, relative to the note's folder."""
    relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
    return relative if relative.startswith("../") else "./" + relative
