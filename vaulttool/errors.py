"""The few exception types vaulttool raises on purpose.

Every error a user can cause is one of these; anything else escaping to the top is a bug.
"""

from __future__ import annotations


class Terminated(BaseException):
    """SIGTERM arrived: like KeyboardInterrupt, it stops the run wherever it is, and no `except
    Exception` may swallow it."""


class VaultToolError(Exception):
    """A problem the user can fix; the CLI prints it without a traceback."""


class ConfigError(VaultToolError):
    """`vaulttool.toml` or a command-line option is invalid (exit code 2)."""


class UsageError(VaultToolError):
    """The command was called with arguments that cannot work (exit code 2)."""


class NoteError(VaultToolError):
    """A note cannot be read or edited; carries the position of the problem.

    `line` and `col` are 1-based positions in the note file.
    """

    def __init__(self, code: str, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.col = col


class EditError(VaultToolError):
    """A planned edit would not read back as intended; nothing was written."""


class ConcurrentChangeError(VaultToolError):
    """A file changed on disk between being read and being replaced."""


class StateWriteError(VaultToolError):
    """vaulttool's own files under `.vaulttool/` (the lock, stored answers) could not be written."""


class ProtectedFileError(VaultToolError):
    """A note the filesystem says not to replace: read-only for its owner (VT111), or one of several
    hard links to the same file (VT112), which a rename would split."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UnsafePathError(VaultToolError):
    """A path vaulttool refuses to write: it would leave the vault or its tier folder, or its name
    cannot be held by every file system, Obsidian and a wikilink."""
