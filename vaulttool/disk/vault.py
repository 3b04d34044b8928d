"""The vault on disk: its root and settings, its notes, its templates.

Discovery skips what is not a note (`.obsidian/`, `.git/`, `.trash/`, `.vaulttool/`, the templates
folder, anything not `.md`) and never follows a symlink out of the vault. Reading and writing a note's
bytes is `disk.fileio`'s work.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from vaulttool.config import load as config_load
from vaulttool.config.settings import CONFIG_NAME, Config
from vaulttool.disk.fileio import temp_owner, unreadable
from vaulttool.disk.store import STATE_FOLDER
from vaulttool.errors import (
    ConfigError,
    UsageError,
)
from vaulttool.findings import Finding

if TYPE_CHECKING:
    from vaulttool.tiers.templates import Template

ALWAYS_SKIPPED = frozenset({".obsidian", ".git", ".trash", STATE_FOLDER})


@dataclass(frozen=True, slots=True)
class NoteFile:
    path: str  # absolute
    vault_path: str  # relative to the vault root, with `/`
    display: str  # how findings name it: relative to the working folder where possible


def open_vault(start: Path, root: Path | None = None) -> Config:
    """The config of the vault that holds `start` (defaults when there is no vaulttool.toml), or of
    the folder `root` the user names as the vault (`--root`). Raises UsageError when there is none."""
    if not os.path.lexists(start) and unreadable(start) is None:
        raise UsageError(f"{start}: no such file or folder")
    if root is not None:
        if not root.is_dir():
            raise UsageError(f"--root {root}: is not a folder")
        root = root.resolve()
    else:
        root = find_root(start)
    if root is None:
        raise UsageError(f"{start}: is in no vault (no {CONFIG_NAME} or .obsidian/ in its folder or any above); "
                         "create vaulttool.toml at the vault's root, or name the root with --root")
    toml_path = root / CONFIG_NAME
    text = _read_text(toml_path) if toml_path.is_file() else None
    return config_load.load(root, text, _obsidian_types(root), _obsidian_templates(root), os.environ)


def find_root(start: Path) -> Path | None:
    """The vault root above `start`: the nearest folder holding vaulttool.toml or .obsidian/.

    Judged from where `start` itself stands, not from where a symlink leads: a folder that is itself a
    symlink is the root only when no real folder above it is one (a vault opened through a link to
    it), so a link inside the vault to another vault elsewhere belongs to this vault, and is then
    refused as leaving it."""
    here = Path(os.path.abspath(start))
    if not os.path.isdir(here):
        here = here.parent
    # (os.path's tests, not Path's: a folder on the way that cannot be read holds no marker we can see)
    candidates = [folder for folder in (here, *here.parents)
                  if os.path.isfile(folder / CONFIG_NAME) or os.path.isdir(folder / ".obsidian")]
    return next((folder for folder in candidates if not folder.is_symlink()), candidates[0] if candidates else None)


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


class Discovered(list[NoteFile]):
    """The notes found, sorted; the folders that could not be read, as findings; and the temporary
    files of vaulttool's that a killed run left behind (for a writer to remove)."""

    def __init__(self, notes: Iterable[NoteFile], problems: list[Finding], debris: list[str]) -> None:
        super().__init__(notes)
        self.problems = problems
        self.debris = debris


def discover(config: Config, paths: Sequence[Path]) -> Discovered:
    """The notes under `paths` (the whole vault when empty), sorted, each once."""
    root = str(config.root.resolve())
    problems: list[Finding] = []
    debris: list[str] = []
    skipped = {*config.exclude, *(folder for folder in (config.templates_folder, config.tiers.templates) if folder)}
    found: dict[str, NoteFile] = {}
    cwd = os.getcwd()
    for given in paths or [Path(root)]:
        resolved = os.path.realpath(given)
        if not os.path.exists(resolved):
            error = unreadable(resolved)
            if error is None:
                raise UsageError(f"{given}: no such file or folder")
            problems.append(Finding(display_path(given, cwd), 1, 1, "VT110", f"cannot read: {error.strerror}"))
            continue
        if not is_inside(resolved, root):
            raise UsageError(f"{given}: is outside the vault at {root}")
        if os.path.isfile(resolved):
            relative = vault_path_of(resolved, root)
            folders = relative.split("/")[:-1]
            if any(part in ALWAYS_SKIPPED for part in folders) or _is_skipped(folders, skipped):
                continue
            candidates: Iterable[str] = [resolved]
        else:
            start = vault_path_of(resolved, root) if resolved != root else ""
            if _is_skipped(start.split("/") if start else [], skipped):
                continue
            candidates = _walk(resolved, start, skipped, problems, debris)
        for path in candidates:
            if not path.endswith(".md"):
                continue
            vault_path = vault_path_of(path, root)
            if vault_path not in found:
                found[vault_path] = NoteFile(path, vault_path, display_path(path, cwd))
    return Discovered((found[key] for key in sorted(found)), problems, debris)


def vault_files(root: Path, under: str = "") -> list[str]:
    """The vault path of every file Obsidian sees (notes and attachments, excluded folders too, as
    links may point there), sorted: what links resolve against; `under`, a folder's vault path: only
    the files below it. Only names are read, never contents; an unreadable folder is passed over (its
    files are then unresolved, as in a vault without them)."""
    found: list[str] = []
    top = str(root)
    for folder, folders, names in os.walk(os.path.join(top, under) if under else top):
        folders[:] = [name for name in folders if name not in ALWAYS_SKIPPED]
        relative = vault_path_of(folder, top) if folder != top else ""
        found += [f"{relative}/{name}" if relative else name for name in names if temp_owner(name) is None]
    return sorted(found)


def _walk(folder: str, relative: str, skipped: set[str], problems: list[Finding],
          debris: list[str]) -> Iterable[str]:
    """Regular files below `folder`, skipping excluded folders. Symlinks are never followed, so nothing
    outside the vault is read; FIFOs and other special files, which could block a read, are passed over.
    A folder that cannot be read is a finding, and the walk goes on."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        problems.append(Finding(display_path(folder), 1, 1, "VT110",
                                f"cannot read the folder: {error.strerror}; the notes in it are not checked"))
        return
    for entry in entries:
        try:
            if entry.is_symlink():
                continue
            if entry.is_dir():
                child = f"{relative}/{entry.name}" if relative else entry.name
                if entry.name not in ALWAYS_SKIPPED and not _is_skipped([entry.name], skipped, child):
                    yield from _walk(entry.path, child, skipped, problems, debris)
            elif entry.is_file():
                if temp_owner(entry.name) is not None:
                    debris.append(entry.path)
                else:
                    yield entry.path
        except OSError as error:
            problems.append(Finding(display_path(entry.path), 1, 1, "VT110", f"cannot read: {error.strerror}"))


def _is_skipped(folders: list[str], skipped: set[str], relative: str | None = None) -> bool:
    """Whether a folder (given by its parts, or its last part and vault path) is excluded: an entry in
    `skipped` names a folder anywhere by its name, or one folder by its vault path."""
    if not skipped:
        return False
    path = relative if relative is not None else "/".join(folders)
    return any(part in skipped for part in folders) or any(
        path == folder or path.startswith(folder + "/") for folder in skipped
    )


def state_debris(root: Path) -> list[str]:
    """vaulttool's temporary files under `.vaulttool/` (stored answers, caches), for `remove_debris`."""
    found: list[str] = []
    for folder, _, names in os.walk(root / STATE_FOLDER):
        found += [os.path.join(folder, name) for name in names if temp_owner(name) is not None]
    return found


def git_work_tree(folder: Path) -> Path | None:
    """The top of the git work tree holding `folder` (the nearest folder upward with a `.git`, a folder
    or, in a linked worktree or submodule, a file), or None outside one."""
    for candidate in (folder.resolve(), *folder.resolve().parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def folder_prefix(folder: str) -> str:
    """`folder` as the start of the paths inside it: ending in one separator. The root of a drive
    (`E:\\`, a USB stick's, a mapped drive's) or of the file system (`/`) ends in one already."""
    return folder if folder.endswith(os.sep) else folder + os.sep


def is_inside(path: str, folder: str) -> bool:
    """Whether the absolute, normalised `path` is `folder` or lies under it."""
    return path == folder or path.startswith(folder_prefix(folder))


def vault_path_of(path: str, root: str) -> str:
    """A file's path in the vault, as findings, links, the tiers and the caches name it: relative to
    the (resolved) root and `/`-separated on every OS, so a vault shared between Windows, macOS and
    Linux keeps one name for each note."""
    relative = path[len(folder_prefix(root)):]
    return relative if os.sep == "/" else relative.replace(os.sep, "/")


def display_path(path: str | Path, cwd: str | None = None) -> str:
    """How findings name a file: relative to the working folder where it is inside it."""
    text = str(path)
    cwd = folder_prefix(cwd or os.getcwd())
    shown = (text[len(cwd):] if text.startswith(cwd) else text).replace(os.sep, "/")
    if shown.isprintable():
        return shown
    # A name os.fsdecode could not decode holds surrogates, which no output can print: its bytes are
    # read as UTF-8 (a UTF-8 name under a non-UTF-8 locale, LC_ALL=C, shows as it is), and bytes that
    # are not UTF-8 are escaped (`Gen\\xe8ve.md`).
    if any("\udc80" <= ch <= "\udcff" for ch in shown):
        shown = os.fsencode(shown).decode("utf-8", "backslashreplace")
    # A line break in a name would split one finding into two lines: control characters are escaped,
    # as are lone surrogates (a name Windows holds that is not valid UTF-16).
    return "".join(ascii(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in shown)


def load_templates(config: Config) -> dict[str, Template]:
    """The stub template of each tier: the vault's own folder first (`<tier>.md`, then `tier.md`),
    then vaulttool's built-in ones."""
    folders = _template_folders(config)
    found: dict[str, Template] = {}
    for tier in config.tiers.names:
        template = _first_template(folders, (f"{tier}.md", "tier.md"))
        if template is None:
            raise ConfigError(f"no template for tier {tier!r}")
        found[tier] = template
    return found


def load_note_template(config: Config, name: str) -> Template:
    """A note template other than the tier stubs' (`standard.md`): the vault's own `[tiers] templates`
    folder first, then vaulttool's built-in one."""
    template = _first_template(_template_folders(config), (name,))
    if template is None:
        raise ConfigError(f"no template {name!r}")
    return template


def _template_folders(config: Config) -> list[tuple[str, Path]]:
    """Where templates are looked for, in order, each with the prefix messages name it by."""
    folders: list[tuple[str, Path]] = []
    if config.tiers.templates:
        own = config.root / config.tiers.templates
        if not own.is_dir():
            raise ConfigError(f"tiers.templates: {own} is not a folder")
        folders.append((config.tiers.templates + "/", own))
    folders.append(("vaulttool:", _builtin_templates()))
    return folders


def _first_template(folders: Sequence[tuple[str, Path]], names: Sequence[str]) -> Template | None:
    """The first of `names` found, folder by folder (every name in a folder before the next folder)."""
    from vaulttool.tiers.templates import Template, TemplateError

    for prefix, folder in folders:
        for name in names:
            path = folder / name
            if not path.is_file():
                continue
            try:
                return Template(prefix + name, path.read_bytes().decode("utf-8"))
            except UnicodeDecodeError:
                raise TemplateError(f"{prefix + name}: is not valid UTF-8") from None
            except OSError as error:
                raise TemplateError(f"{prefix + name}: cannot be read: {error.strerror}") from None
    return None


def precommit_hooks_text() -> str:
    """This vaulttool's `.pre-commit-hooks.yaml`: the repository's own in a checkout; installed, the copy
    packaged beside the templates (tests/test_init.py holds the two to the same bytes)."""
    checkout = Path(__file__).parent.parent.parent / ".pre-commit-hooks.yaml"
    path = checkout if checkout.is_file() else _builtin_templates() / "pre-commit-hooks.yaml"
    return path.read_text(encoding="utf-8")




def _builtin_templates() -> Path:
    """vaulttool's templates: packaged as `vaulttool/templates` when installed, `templates/` in a checkout."""
    package = Path(__file__).parent.parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"
