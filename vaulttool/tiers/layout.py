"""Access tiers: sibling paths, and which tier a path or a link points into. Pure: vault paths in,
paths out.

The sibling of `_Standards/<dir>/<stem>.md` in tier T is `_T/<dir>/<stem>.T.md`. Every name is checked
(`engine.paths`) before it becomes a path.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from vaulttool.config.settings import TiersConfig
from vaulttool.engine.paths import check_vault_path, matches_any
from vaulttool.errors import UnsafePathError


@dataclass(frozen=True, slots=True)
class Sibling:
    tier: str
    vault_path: str  # e.g. _public/UN(United_Nations)/IOM(…).public.md
    name: str  # the note's name: its file name without `.md`


def standard_parts(vault_path: str, config: TiersConfig) -> tuple[list[str], str] | None:
    """(folders below the source folder, stem) of a standard note, or None if it is not one."""
    prefix = config.source_folder + "/"
    if not vault_path.startswith(prefix) or not vault_path.endswith(".md"):
        return None
    if matches_any(vault_path, config.skip):
        return None
    parts = vault_path[len(prefix):-3].split("/")
    return parts[:-1], parts[-1]


def siblings(vault_path: str, config: TiersConfig) -> list[Sibling]:
    """The tier siblings of a standard note, each path checked. Raises UnsafePathError.

    Their names are NFC, whatever the standard note's spelling: macOS writes NFD, Linux and Windows
    keep what they are given, and one spelling everywhere keeps a stub from existing twice."""
    located = standard_parts(vault_path, config)
    if located is None:
        raise UnsafePathError(f"{vault_path} is not a standard note under {config.source_folder}/")
    check_vault_path(vault_path)
    folders, stem = ([unicodedata.normalize("NFC", part) for part in located[0]],
                     unicodedata.normalize("NFC", located[1]))
    result = []
    for tier in config.names:
        name = f"{stem}.{tier}"
        path = "/".join([config.folder(tier), *folders, name + ".md"])
        check_vault_path(path)
        result.append(Sibling(tier, path, name))
    return result


def standard_of(vault_path: str, config: TiersConfig) -> tuple[str, str] | None:
    """(tier, the standard note's vault path) for a tier stub's path, or None if it is not one."""
    for tier in config.names:
        prefix = config.folder(tier) + "/"
        suffix = f".{tier}.md"
        if vault_path.startswith(prefix) and vault_path.endswith(suffix):
            return tier, f"{config.source_folder}/{vault_path[len(prefix):-len(suffix)]}.md"
    return None


@lru_cache(maxsize=8)
def _tier_folders(config: TiersConfig) -> dict[str, str]:
    return {config.folder(tier): tier for tier in config.names}


def tier_of_folder(vault_path: str, config: TiersConfig) -> str | None:
    return _tier_folders(config).get(vault_path.split("/", 1)[0])


def tier_of_link(target: str, config: TiersConfig) -> str | None:
    """The tier a link target points into: by its tier folder, else by its `.tier` name suffix."""
    path = unquote(target).lstrip("/")
    folder_tier = tier_of_folder(path, config)
    if folder_tier is not None:
        return folder_tier
    name = path.rsplit("/", 1)[-1]
    name = name[:-3] if name.endswith(".md") else name
    return next((tier for tier in config.names if name.endswith(f".{tier}")), None)
