"""The vault on disk: the only module that reads or writes files.

Discovery skips what is not a note (`.obsidian/`, `.git/`, `.trash/`, `.vaulttool/`, the templates
folder, anything not `.md`) and never follows a symlink out of the vault. Writes are atomic, happen
only when bytes differ, keep the file's mode, and refuse to replace a file that changed since it was read.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from vaulttool.config import settings as config_module
from vaulttool.config.settings import Config
from vaulttool.errors import (
    ConcurrentChangeError,
    ConfigError,
    UnsafePathError,
    UsageError,
)

if TYPE_CHECKING:
    from vaulttool.tiers.templates import Template

ALWAYS_SKIPPED = frozenset({".obsidian", ".git", ".trash", ".vaulttool"})
TEMP_SUFFIX = ".vaulttool-tmp"  # never `.md`: a crashed write must not leave a note behind


@dataclass(frozen=True, slots=True)
class NoteFile:
    path: str  # absolute
    vault_path: str  # relative to the vault root, with `/`
    display: str  # how findings name it: relative to the working folder where possible


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A file's bytes as read, and what is needed to replace it safely later."""

    data: bytes
    digest: str
    mode: int


def open_vault(start: Path) -> Config:
    """The config of the vault that holds `start` (defaults when there is no vaulttool.toml)."""
    if not start.exists():
        raise UsageError(f"{start}: no such file or folder")
    root = config_module.find_root(start)
    if root is None:
        root = start.resolve() if start.is_dir() else start.resolve().parent
    toml_path = root / config_module.CONFIG_NAME
    text = _read_text(toml_path) if toml_path.is_file() else None
    return config_module.load(root, text, _obsidian_types(root), _obsidian_templates(root), os.environ)


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None


def _obsidian_json(root: Path, name: str) -> dict:  # type: ignore[type-arg]
    path = root / ".obsidian" / name
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must hold a JSON object")
    return data


def _obsidian_types(root: Path) -> dict[str, str]:
    types = _obsidian_json(root, "types.json").get("types", {})
    if not isinstance(types, dict):
        raise ConfigError(f"{root / '.obsidian' / 'types.json'}: 'types' must be an object")
    return {str(key): str(value) for key, value in types.items()}


def _obsidian_templates(root: Path) -> str | None:
    folder = _obsidian_json(root, "templates.json").get("folder")
    return folder.strip("/") if isinstance(folder, str) and folder.strip("/") else None


def discover(config: Config, paths: Sequence[Path]) -> list[NoteFile]:
    """The notes under `paths` (the whole vault when empty), sorted, each once."""
    root = str(config.root.resolve())
    skipped = {*config.exclude, *(folder for folder in (config.templates_folder, config.tiers.templates) if folder)}
    found: dict[str, NoteFile] = {}
    cwd = os.getcwd()
    for given in paths or [Path(root)]:
        resolved = os.path.realpath(given)
        if not os.path.exists(resolved):
            raise UsageError(f"{given}: no such file or folder")
        if resolved != root and not resolved.startswith(root + os.sep):
            raise UsageError(f"{given}: is outside the vault at {root}")
        if os.path.isfile(resolved):
            relative = resolved[len(root) + 1:].replace(os.sep, "/")
            folders = relative.split("/")[:-1]
            if any(part in ALWAYS_SKIPPED for part in folders) or _is_skipped(folders, skipped):
                continue
            candidates: Iterable[str] = [resolved]
        else:
            start = resolved[len(root) + 1:].replace(os.sep, "/")
            if _is_skipped(start.split("/") if start else [], skipped):
                continue
            candidates = _walk(resolved, start, skipped)
        for path in candidates:
            if not path.endswith(".md"):
                continue
            vault_path = path[len(root) + 1:].replace(os.sep, "/")
            if vault_path not in found:
                found[vault_path] = NoteFile(path, vault_path, display_path(path, cwd))
    return [found[key] for key in sorted(found)]


def _walk(folder: str, relative: str, skipped: set[str]) -> Iterable[str]:
    """Regular files below `folder`, skipping excluded folders. Symlinks are never followed, so nothing
    outside the vault is read; FIFOs and other special files, which could block a read, are passed over."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_symlink():
            continue
        if entry.is_dir():
            child = f"{relative}/{entry.name}" if relative else entry.name
            if entry.name not in ALWAYS_SKIPPED and not _is_skipped([entry.name], skipped, child):
                yield from _walk(entry.path, child, skipped)
        elif entry.is_file():
            yield entry.path


def _is_skipped(folders: list[str], skipped: set[str], relative: str | None = None) -> bool:
    """Whether a folder (given by its parts, or its last part and vault path) is excluded: an entry in
    `skipped` names a folder anywhere by its name, or one folder by its vault path."""
    if not skipped:
        return False
    path = relative if relative is not None else "/".join(folders)
    return any(part in skipped for part in folders) or any(
        path == folder or path.startswith(folder + "/") for folder in skipped
    )


def display_path(path: str | Path, cwd: str | None = None) -> str:
    """How findings name a file: relative to the working folder where it is inside it."""
    text = str(path)
    cwd = (cwd or os.getcwd()) + os.sep
    return (text[len(cwd):] if text.startswith(cwd) else text).replace(os.sep, "/")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: str | Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def read_snapshot(path: str | Path) -> Snapshot:
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        data = handle.read()
    return Snapshot(data, digest(data), stat.S_IMODE(info.st_mode))


def replace_if_changed(path: str | Path, data: bytes, snapshot: Snapshot) -> bool:
    """Atomically replace `path` with `data` unless the bytes are the same. Returns True if written.

    Raises ConcurrentChangeError when the file no longer holds the bytes of `snapshot`.
    """
    if data == snapshot.data:
        return False
    path = Path(path)
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        raise ConcurrentChangeError(f"{path}: was removed after it was read; not written") from None
    if digest(current) != snapshot.digest:
        raise ConcurrentChangeError(f"{path}: changed on disk after it was read; not written")
    _write_atomic(path, data, snapshot.mode)
    return True


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


def _write_temp(folder: Path, name: str, data: bytes, mode: int) -> str:
    """Write `data` to a new temporary file beside `name` in `folder`, on disk, with `mode`."""
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{name[:200]}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
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


def load_templates(config: Config) -> dict[str, Template]:
    """The stub template of each tier: the vault's own folder first (`<tier>.md`, then `tier.md`),
    then vaulttool's built-in ones."""
    from vaulttool.tiers.templates import Template, TemplateError

    folders: list[tuple[str, Path]] = []
    if config.tiers.templates:
        own = config.root / config.tiers.templates
        if not own.is_dir():
            raise ConfigError(f"tiers.templates: {own} is not a folder")
        folders.append((config.tiers.templates + "/", own))
    folders.append(("vaulttool:", _builtin_templates()))
    found: dict[str, Template] = {}
    for tier in config.tiers.names:
        for prefix, folder in folders:
            candidates = [folder / f"{tier}.md", folder / "tier.md"]
            path = next((candidate for candidate in candidates if candidate.is_file()), None)
            if path is not None:
                try:
                    found[tier] = Template(prefix + path.name, path.read_bytes().decode("utf-8"))
                except UnicodeDecodeError:
                    raise TemplateError(f"{prefix + path.name}: is not valid UTF-8") from None
                break
        else:
            raise ConfigError(f"no template for tier {tier!r}")
    return found


def _builtin_templates() -> Path:
    """vaulttool's templates: packaged as `vaulttool/templates` when installed, `templates/` in a checkout."""
    package = Path(__file__).parent.parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"
