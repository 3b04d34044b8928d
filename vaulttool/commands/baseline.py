"""The baseline's file work, free of click: read `vaulttool-baseline.json` at the vault root, key
findings by the text of the lines they name, and write the file again from today's findings.
Matching and the file's format are `rules.baseline`'s."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from vaulttool.commands.writes import CREATE, UPDATE
from vaulttool.disk import fileio
from vaulttool.disk.vault import is_inside, vault_path_of
from vaulttool.errors import ConfigError, StateWriteError
from vaulttool.findings import Finding
from vaulttool.rules.baseline import (
    BASELINE_FILE,
    Key,
    baselinable,
    dump,
    fingerprint,
    line_text,
    merged,
    parse,
    subject_of,
)

VaultPathOf = Callable[[str], "str | None"]  # a finding's path -> its vault path (None: outside the vault)


def validate_reports(code: str) -> bool:
    """Whether `validate` reports findings of `code`: not tiers' own (VT41x) nor those of links, refresh
    and mv (VT5xx), which only `check` (tiers) or other commands find. A validate run judges only the
    baseline entries of its own codes, and `check` all of them."""
    return not code.startswith(("VT41", "VT5"))


def every_code(code: str) -> bool:
    return True


def load(root: Path) -> Counter[Key] | None:
    """The entries of the vault's baseline file, None when there is no file. ConfigError when it cannot
    be read or is no baseline (a run then stops, exit 2, rather than report every accepted finding)."""
    path = root / BASELINE_FILE
    try:
        data = fileio.read_bytes(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigError(f"{BASELINE_FILE}: cannot read it: {error.strerror}") from None
    try:
        return parse(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        reason = "not UTF-8" if isinstance(error, UnicodeDecodeError) else str(error)
        raise ConfigError(f"{BASELINE_FILE}: {reason}; mend it, or run `vaulttool baseline` to write it "
                          "again from today's findings") from None


def scope(root: Path, paths: Sequence[Path]) -> Callable[[str], bool]:
    """Whether a vault path lies in what PATHS name (the whole vault when there are none): the entries a
    run over PATHS can judge, and those `vaulttool baseline PATHS` replaces."""
    top = os.path.realpath(root)
    given = [os.path.realpath(path) for path in paths]
    if not given or top in given:
        return lambda vault_path: True
    prefixes = [vault_path_of(path, top) for path in given if is_inside(path, top)]
    return lambda vault_path: any(vault_path == prefix or vault_path.startswith(prefix + "/") for prefix in prefixes)


def keyed(findings: Iterable[Finding], root: Path, vault_path_of_finding: VaultPathOf,
          wanted: Callable[[str, str], bool] = lambda path, code: True) -> list[tuple[Finding, Key | None]]:
    """Each finding with its baseline key: None for one outside the vault, one never baselined, or one
    `wanted` (by vault path and code) says needs none (a run reads only the notes the baseline names).
    Each note is read once; one that cannot be read keys its findings by an empty line, as a folder's."""
    texts: dict[str, bytes] = {}
    pairs: list[tuple[Finding, Key | None]] = []
    for finding in findings:
        vault_path = vault_path_of_finding(finding.path)
        if vault_path is None or not baselinable(finding) or not wanted(vault_path, finding.code):
            pairs.append((finding, None))
            continue
        if vault_path not in texts:
            try:
                texts[vault_path] = fileio.read_bytes(root / vault_path)
            except OSError:  # (a folder that could not be read, a note gone or unreadable: VT110)
                texts[vault_path] = b""
        text = line_text(texts[vault_path], finding.line)
        pairs.append((finding, Key(vault_path, finding.code, fingerprint(finding.code, text, subject_of(finding)))))
    return pairs


@dataclass(frozen=True, slots=True)
class Recorded:
    entries: int  # findings the file accepts, counting counts
    notes: int  # the paths they are in
    before: int | None  # what it accepted before (None: the file was no baseline)
    action: str | None  # "create" or "update" when the file was written, None when it was as it is
    present: bool = True  # False: no file, none written (no findings)


def record(root: Path, keys: Iterable[Key], replaced: Callable[[str], bool] | None) -> Recorded:
    """Write the baseline file: today's `keys`, and the entries of the old file whose path is not
    `replaced` (None: all are, a whole-vault run, which also writes over a file that is no baseline);
    atomically, and only when its bytes change. The caller holds the writer lock."""
    path = root / BASELINE_FILE
    existed = path.exists()
    old: Counter[Key] | None
    if replaced is None:
        try:
            old = load(root) or Counter()
        except ConfigError:
            old = None
        entries = Counter(keys)
    else:
        old = load(root) or Counter()
        entries = merged(old, Counter(keys), replaced)
    if not entries and not existed:  # a vault without findings needs no file saying so
        return Recorded(0, 0, 0, None, present=False)
    try:
        written = fileio.write_file(path, dump(entries).encode("utf-8"))
    except OSError as error:
        raise StateWriteError(f"{BASELINE_FILE}: not written: {error.strerror or error}") from None
    action = (UPDATE if existed else CREATE) if written else None
    before = None if old is None else sum(old.values())
    return Recorded(sum(entries.values()), len({key.path for key in entries}), before, action)
