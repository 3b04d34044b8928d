"""The lossless note engine: bytes in, bytes out, nothing touched that was not meant to change.

A note is split into BOM, frontmatter and body exactly; the frontmatter is read into positioned nodes
(`yamlnodes`) and cut into top-level entries. Rendering an unedited note gives back its input bytes.
An edit re-emits only the lines of the keys that changed (`emit`), splices them into the original
text, and re-reads the result: if it does not read back as intended, the edit is refused.

Pure: no disk, no network.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from vaulttool.engine import emit, yamlnodes
from vaulttool.engine.scalars import format_scalar, resolve_plain
from vaulttool.engine.values import node_value
from vaulttool.engine.yamlnodes import Document, MapN, Node, ScalarN, SeqN
from vaulttool.errors import EditError, NoteError

BOM = b"\xef\xbb\xbf"
DELIMITER = "---"
DELETE = object()  # pass as a value to `Note.edit` to remove a key


@dataclass(frozen=True, slots=True)
class Entry:
    """One top-level frontmatter key: its node, value and the text lines it occupies."""

    key: str
    key_node: Node
    value_node: Node
    start: int  # offset in `Note.text` of the key's first line
    end: int  # offset just past the entry's last line (before the next key or the closing line)


class Note:
    """A parsed note. Construct with `Note.parse(data)`; raises NoteError for unreadable input."""

    def __init__(self, data: bytes, text: str, bom: bool, fm_start: int, fm_end: int, body_start: int,
                 document: Document | None) -> None:
        self.data = data
        self.text = text
        self.bom = bom
        self.fm_start = fm_start  # offset of the first frontmatter line (after the opening `---`)
        self.fm_end = fm_end  # offset of the closing `---` line
        self.body_start = body_start
        self.document = document  # None when the note has no frontmatter
        self._entries: list[Entry] | None = None

    # --- reading ---------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: bytes, max_frontmatter_bytes: int | None = None) -> Note:
        text, bom = decode(data)
        bounds = find_frontmatter(text)
        if bounds is None:
            return cls(data, text, bom, 0, 0, 0, None)
        fm_start, fm_end, body_start = bounds
        if max_frontmatter_bytes is not None and (fm_end - fm_start) * 4 > max_frontmatter_bytes:
            size = len(text[fm_start:fm_end].encode("utf-8"))
            if size > max_frontmatter_bytes:
                raise NoteError("VT107", f"frontmatter is {size} bytes, over the limit of {max_frontmatter_bytes}")
        if "\t" in text[fm_start:fm_end]:
            _refuse_tab_indentation(text, fm_start, fm_end)
        try:
            document = yamlnodes.read(text[fm_start:fm_end])
        except yamlnodes.YamlSyntaxError as error:
            raise NoteError("VT103", error.message, error.line + 2, error.col + 1) from None
        return cls(data, text, bom, fm_start, fm_end, body_start, document)

    @property
    def has_frontmatter(self) -> bool:
        return self.document is not None

    @property
    def frontmatter_text(self) -> str:
        return self.text[self.fm_start:self.fm_end]

    @property
    def body(self) -> str:
        return self.text[self.body_start:] if self.has_frontmatter else self.text

    @property
    def root(self) -> Node | None:
        return self.document.root if self.document else None

    @property
    def is_mapping(self) -> bool:
        return self.root is None or isinstance(self.root, MapN)

    def entries(self) -> list[Entry]:
        """Top-level keys in order (duplicates included), each with the span of text it owns."""
        if self._entries is None:
            self._entries = self._cut_entries()
        return self._entries

    def values(self) -> dict[str, Any]:
        """Plain Python values of the top-level keys; the last of duplicate keys wins, as in YAML readers."""
        return {entry.key: node_value(entry.value_node) for entry in self.entries()}

    def file_position(self, node: Node) -> tuple[int, int]:
        """1-based line and column of a node in the note file."""
        return node.line + 2, node.col + 1

    def _cut_entries(self) -> list[Entry]:
        root = self.root
        if not isinstance(root, MapN) or root.flow:
            return []
        starts = [self._line_start(key) for key, _ in root.pairs] + [self.fm_end]
        return [
            Entry(key.text if isinstance(key, ScalarN) else str(node_value(key)), key, value, starts[i], starts[i + 1])
            for i, (key, value) in enumerate(root.pairs)
        ]

    def _line_start(self, key: Node) -> int:
        """Where the line of a top-level key begins in `text`."""
        if isinstance(key, ScalarN) and key.offset >= 0:
            return self.fm_start + key.offset - key.col
        return line_starts(self.text, self.fm_start, self.fm_end)[key.line]  # a complex key: rare

    # --- writing ---------------------------------------------------------------------------

    def render(self) -> bytes:
        """The note's bytes, reassembled from its parts: identical to the input for an unedited note."""
        pieces = [self.text[: self.fm_start]]
        cursor = self.fm_start
        for entry in self.entries():
            pieces.append(self.text[cursor: entry.start])
            pieces.append(self.text[entry.start: entry.end])
            cursor = entry.end
        pieces.append(self.text[cursor:])
        return (BOM if self.bom else b"") + "".join(pieces).encode("utf-8")

    def edit(self, changes: Mapping[str, Any], after: Mapping[str, str | None] | None = None) -> Note:
        """Return a new note with `changes` applied (value, or DELETE); untouched bytes stay.

        Keys whose value is already equal are left as they are. A new key goes right after the key
        `after` names for it (following a chain of new keys), else at the end, in the order given.
        Raises EditError when the note cannot be edited or the result would not read back.
        """
        if not self.has_frontmatter:
            raise EditError("the note has no frontmatter to edit")
        if not self.is_mapping:
            raise EditError("the frontmatter is not a mapping")
        current = self.values()
        entries = {entry.key: entry for entry in self.entries()}
        if len(entries) != len(self.entries()):
            raise EditError("the frontmatter has duplicate keys; fix them before editing")
        style = emit.detect_style(entry.value_node for entry in self.entries())
        edits: list[tuple[int, int, str]] = []  # (start, end, new text) in the original text
        new_keys: dict[str | None, list[str]] = {}  # anchor key (None: the end) -> new keys after it
        deleted: set[str] = set()
        for key, value in changes.items():
            if value is DELETE:
                if key in entries:
                    start, end = _content_span(self.text, entries[key])
                    edits.append((start, end, ""))
                    deleted.add(key)
            elif key in entries:
                if same_value(current[key], value):
                    continue
                start, end = _content_span(self.text, entries[key])
                newline = newline_at(self.text, start)
                new_text = _splice_list_items(self.text, start, end, entries[key].value_node, value, style, newline)
                if new_text is None:
                    new_text = _with_comment(emit.entry(key, value, style, newline), _line_comment(self.text, start, end))
                edits.append((start, end, new_text))
            else:
                new_keys.setdefault(_anchor(key, after or {}, entries, changes), []).append(key)
        if not edits and not new_keys:
            return self
        for anchor, keys in new_keys.items():
            position = _content_span(self.text, entries[anchor])[1] if anchor is not None else self.fm_end
            newline = newline_at(self.text, max(self.fm_start, position - 1))
            edits.append((position, position, "".join(emit.entry(k, changes[k], style, newline) for k in keys)))
        text = self.text
        for start, end, new in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
            text = text[:start] + new + text[end:]
        intended_order = [k for key in entries for k in ([key] if key not in deleted else []) + new_keys.get(key, [])]
        intended_order += new_keys.get(None, [])
        intended = {key: changes[key] if key in changes else current[key] for key in intended_order}
        data = (BOM if self.bom else b"") + text.encode("utf-8")
        try:
            edited = Note.parse(data)
        except NoteError as error:
            raise EditError(f"the edited frontmatter would not parse: {error.message}") from None
        got = edited.values()
        if list(got) != list(intended) or not all(same_value(got[k], intended[k]) for k in intended):
            raise EditError("the edited frontmatter would not read back as intended")
        return edited


def _anchor(key: str, after: Mapping[str, str | None], entries: Mapping[str, Entry],
            changes: Mapping[str, Any]) -> str | None:
    """The existing key a new key goes after: follow `after` through other new keys."""
    seen = {key}
    anchor = after.get(key)
    while anchor is not None and anchor not in entries:
        if anchor in seen or anchor not in changes:
            return None
        seen.add(anchor)
        anchor = after.get(anchor)
    return anchor


def unified_diff(old: bytes | None, new: bytes, vault_path: str) -> str:
    """A unified diff of two versions of a note (`old` None: the note is new), as `git diff` names them."""
    before = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
    return "".join(difflib.unified_diff(before, new.decode("utf-8", "replace").splitlines(keepends=True),
                                        f"a/{vault_path}" if old is not None else "/dev/null", f"b/{vault_path}"))


def first_difference(a: bytes, b: bytes) -> str:
    """Where two versions of a note first differ, for a message."""
    offset = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first differing byte at offset {offset}"


# --- splitting --------------------------------------------------------------------------------

_OPENING = re.compile(r"---\r?\n")
_CLOSING = re.compile(r"^---(?:\r?\n|\Z)", re.MULTILINE)


def decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 (with or without BOM). Raises NoteError at the first invalid byte."""
    bom = data.startswith(BOM)
    raw = data[3:] if bom else data
    try:
        return raw.decode("utf-8"), bom
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        raise NoteError("VT101", f"invalid UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded", line, col) from None


def find_frontmatter(text: str) -> tuple[int, int, int] | None:
    """(start, end, body_start) of the frontmatter, or None when the note has none.

    Like Obsidian: the note must open with a line that is exactly `---`; the next such line closes it.
    Raises NoteError when it is never closed.
    """
    opening = _OPENING.match(text)
    if opening is None:
        if text == DELIMITER:
            raise NoteError("VT102", "frontmatter is opened but never closed by a '---' line")
        return None
    start = opening.end()
    candidate = start - 1  # the newline before a possible closing line
    while True:
        candidate = text.find("\n---", candidate)
        if candidate < 0:
            raise NoteError("VT102", "frontmatter is opened but never closed by a '---' line")
        closing = _CLOSING.match(text, candidate + 1)
        if closing:
            return start, closing.start(), closing.end()
        candidate += 4


_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)


def _refuse_tab_indentation(text: str, start: int, end: int) -> None:
    """YAML indents with spaces only; name the first tab that indents a line, before any parser does."""
    match = _TAB_INDENT.search(text, start, end)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        col = text.index("\t", match.start()) - match.start() + 1
        raise NoteError("VT106", "tab in indentation: YAML indents with spaces only", line, col)


def line_starts(text: str, start: int, end: int) -> list[int]:
    starts = [start]
    position = text.find("\n", start, end)
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1, end)
    return starts


def newline_at(text: str, offset: int) -> str:
    """The line ending of the line containing `offset`; LF when the text has none."""
    end = text.find("\n", offset)
    if end < 0:
        end = text.rfind("\n")
    if end < 0:
        return "\n"
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def _content_span(text: str, entry: Entry) -> tuple[int, int]:
    """The entry's span without the blank and column-0 comment lines that trail it.

    Those lines sit between this key and the next; an edit of this key leaves them where they are.
    """
    end = entry.end
    while end > entry.start:
        line_start = text.rfind("\n", entry.start, end - 1) + 1
        if line_start <= entry.start:
            break
        line = text[line_start:end].rstrip("\r\n")
        if line.strip() and not line.startswith("#"):
            break
        end = line_start
    return entry.start, end


def _line_comment(text: str, start: int, end: int) -> str:
    """The comment closing a one-line entry (`key: value  # why`), with the spaces before it; "" if none.
    A `#` counts only where the line without it still reads as the same value (not one inside quotes)."""
    line = text[start:end].rstrip("\r\n")
    if "\n" in line or "#" not in line:
        return ""
    whole = _one_entry_value(line)
    position = line.find(" #")
    while position >= 0:
        if whole is not None and _one_entry_value(line[:position]) == whole:
            cut = len(line[:position].rstrip())
            return line[cut:]
        position = line.find(" #", position + 1)
    return ""


def _one_entry_value(line: str) -> tuple[str, Any] | None:
    try:
        values = Note.parse(f"---\n{line}\n---\n".encode("utf-8")).values()
    except NoteError:
        return None
    return next(iter(values.items()), None) if len(values) == 1 else None


def _with_comment(entry_text: str, comment: str) -> str:
    """A new one-line entry with the old line's comment kept at its end."""
    if not comment or entry_text.count("\n") != 1:
        return entry_text
    body = entry_text.rstrip("\r\n")
    return body + comment + entry_text[len(body):]


def _splice_list_items(text: str, start: int, end: int, node: Node, new: Any, style: emit.Style,
                       newline: str) -> str | None:
    """The entry's new text when a block list of scalars stays one: kept items keep their lines
    (and comments), removed items lose theirs, new items are written in the list's own indent.
    None when the old or new value is not such a list."""
    if not (isinstance(node, SeqN) and not node.flow and node.items and isinstance(new, list) and new):
        return None
    if not all(isinstance(item, ScalarN) and item.style in ("", '"', "'") for item in node.items):
        return None
    if any(isinstance(value, (list, dict)) for value in new):
        return None
    starts = line_starts(text, start, end)
    entry_line = text.count("\n", 0, start) - 1  # node lines count from the first frontmatter line
    bounds = [starts[item.line - entry_line] for item in node.items] + [end]
    spans = [text[bounds[i]:bounds[i + 1]] for i in range(len(node.items))]
    old_values = [node_value(item) for item in node.items]
    prefix = " " * node.col + "-"
    pieces = [text[start:bounds[0]]]
    matcher = difflib.SequenceMatcher(a=[_tagged(v) for v in old_values], b=[_tagged(v) for v in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.extend(spans[i1:i2])
        else:
            for value in new[j1:j2]:
                scalar = format_scalar(value, style.quote)
                pieces.append(prefix + (" " + scalar if scalar else "") + newline)
    if not pieces[-1].endswith("\n"):
        return None  # the last kept item had no line ending of its own
    return "".join(pieces)


def _tagged(value: Any) -> tuple[str, Any]:
    value = _as_read(value)
    return type(value).__name__, value


def _as_read(value: Any) -> Any:
    return resolve_plain(format_scalar(value)) if isinstance(value, Decimal) else value


def same_value(a: Any, b: Any) -> bool:
    """Equality that tells 1 from True and 1 from 1.0, as a YAML reader would. A Decimal (a quantity
    finer than a float holds) is the value its written text reads back as: the note holds that text."""
    a, b = _as_read(a), _as_read(b)
    if type(a) is not type(b) and not (isinstance(a, (dict, list)) and isinstance(b, type(a))):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)
