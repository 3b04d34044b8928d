"""Suppressions: the findings a person chose not to see, said three ways — `[validate.ignore]` path
globs in vaulttool.toml, a note's own `vaulttool_ignore` key, and `--select`/`--ignore` on the command
line. Pure: findings in, the findings to show and the number hidden out.

A code may be given whole (`VT401`) or as a prefix of known codes (`VT4`: every tier finding), as
linters take them (`findings.code_selector`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from vaulttool.engine.paths import matches_any
from vaulttool.findings import NOT_WRITTEN, Finding, code_selector

IGNORE_KEY = "vaulttool_ignore"

# What no suppression hides: findings about what this run could not do (a note or stub not written)
# or a vaulttool bug (VT120) are not opinions about a note, and hiding them would hide lost work;
# so are refusals (`Finding.refusal`: a note not refreshed, or given no stubs, because of a finding).
UNSUPPRESSIBLE = NOT_WRITTEN | {"VT120"}


def note_ignores(value: Any) -> tuple[frozenset[str], str | None]:
    """The codes a note's `vaulttool_ignore` value names, and what is wrong with it (for VT308), if
    anything. A wrong value hides nothing, so a typo never hides more than was meant."""
    if value is None:
        return frozenset(), None
    items = value if isinstance(value, list) else [value]
    codes: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            return frozenset(), f"{IGNORE_KEY} must be a list of finding codes such as [VT401], not {item!r}"
        try:
            codes.add(code_selector(item))
        except ValueError as error:
            return frozenset(), f"{IGNORE_KEY}: {error}"
    return frozenset(codes), None


def _matches(code: str, selectors: Iterable[str]) -> bool:
    return any(code.startswith(selector) for selector in selectors)


@dataclass(frozen=True, slots=True)
class Suppressions:
    """What to hide: by vault-path glob (from vaulttool.toml), and by code (from the command line)."""

    by_glob: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    select: tuple[str, ...] = ()  # when given, only these codes are shown
    ignore: tuple[str, ...] = ()

    def apply(self, findings: Iterable[Finding], note_codes: Mapping[str, frozenset[str]],
              vault_path_of: Callable[[str], str | None]) -> tuple[list[Finding], int]:
        """The findings to show, and how many were hidden. `note_codes`: each note's own
        `vaulttool_ignore` codes, by the path findings name it with; `vault_path_of` turns that path
        into the note's vault path for the globs (None: not in the vault)."""
        shown: list[Finding] = []
        hidden = 0
        for finding in findings:
            if self._hides(finding, note_codes, vault_path_of):
                hidden += 1
            else:
                shown.append(finding)
        return shown, hidden

    def _hides(self, finding: Finding, note_codes: Mapping[str, frozenset[str]],
               vault_path_of: Callable[[str], str | None]) -> bool:
        code = finding.code
        if code in UNSUPPRESSIBLE or finding.refusal:
            return False
        if self.select and not _matches(code, self.select):
            return True
        if _matches(code, self.ignore):
            return True
        if _matches(code, note_codes.get(finding.path, ())):
            return True
        if self.by_glob:
            vault_path = vault_path_of(finding.path)
            if vault_path is not None:
                return any(_matches(code, codes) and matches_any(vault_path, (glob,)) for glob, codes in self.by_glob)
        return False
