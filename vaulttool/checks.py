"""The findings of one note: structure, YAML pitfalls and schema rules. Pure: bytes in, findings out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from vaulttool import schema as rules
from vaulttool.config import Schema
from vaulttool.errors import NoteError
from vaulttool.findings import Finding
from vaulttool.note import Note
from vaulttool.scalars import reads_differently
from vaulttool.schema import KindUse
from vaulttool.values import node_value
from vaulttool.yamlnodes import STANDARD_TAGS, MapN, Node, ScalarN, SeqN



@dataclass(slots=True)
class NoteReport:
    findings: list[Finding] = field(default_factory=list)
    kinds: list[KindUse] = field(default_factory=list)


def check_note(path: str, vault_path: str, data: bytes, schema: Schema, max_frontmatter_bytes: int) -> NoteReport:
    """Every finding for one note. `path` is how findings name it, `vault_path` its path in the vault."""
    report = NoteReport()

    def add(line: int, col: int, code: str, message: str) -> None:
        report.findings.append(Finding(path, line, col, code, message))

    try:
        note = Note.parse(data, max_frontmatter_bytes)
    except NoteError as error:
        add(error.line, error.col, error.code, error.message)
        return report
    if not note.has_frontmatter:
        _check_required(note, vault_path, schema, add)
        return report
    document = note.document
    assert document is not None
    if document.too_deep:
        add(2, 1, "VT103", "YAML syntax error: nesting too deep")
        return report
    for line, col in document.aliases:
        add(line + 2, col + 1, "VT108", "YAML aliases are not allowed in frontmatter; write the value out")
    if not note.is_mapping:
        line, col = note.file_position(note.root)  # type: ignore[arg-type]
        add(line, col, "VT104", "frontmatter must be a mapping of keys to values")
        return report
    if isinstance(note.root, MapN) and note.root.flow:
        line, col = note.file_position(note.root)
        add(line, col, "VT104", "frontmatter must be a block mapping (one key per line), not a {flow} mapping")
        return report
    for node in _walk(note.root):
        _check_node(note, node, add)
    _check_schema(note, path, vault_path, schema, add, report)
    return report


def _walk(node: Node | None) -> Iterator[Node]:
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, SeqN):
            stack.extend(reversed(current.items))
        elif isinstance(current, MapN):
            for key, value in reversed(current.pairs):
                stack.append(value)
                stack.append(key)


def _check_node(note: Note, node: Node, add) -> None:  # type: ignore[no-untyped-def]
    line, col = note.file_position(node)
    if node.anchor is not None:
        add(line, col, "VT108", f"YAML anchor &{node.anchor} is not allowed in frontmatter")
    if node.tag is not None and node.tag not in STANDARD_TAGS:
        add(line, col, "VT109", f"non-standard YAML tag {_short_tag(node.tag)} is not allowed")
    if isinstance(node, SeqN) and node.flow and _is_wikilink_list(node):
        link = _wikilink_text(node)
        add(line, col, "VT201", f'unquoted wikilink {link} reads as a nested list; quote it: "{link}"')
    elif isinstance(node, MapN):
        seen: set[str] = set()
        for key, _ in node.pairs:
            name = key.text if isinstance(key, ScalarN) else None
            if name is not None and name in seen:
                key_line, key_col = note.file_position(key)
                add(key_line, key_col, "VT105", f"duplicate key {name!r}: YAML readers keep only one of them")
            if name is not None:
                seen.add(name)
    elif isinstance(node, ScalarN):
        if node.style == "" and node.tag is None and node.text:
            difference = reads_differently(node.text)
            if difference:
                add(line, col, "VT202", f"{node.text!r} is ambiguous: {difference}; quote it")
        elif node.style in ('"', "'") and node.text != node.text.strip():
            add(line, col, "VT203", f"value {node.text!r} has leading or trailing whitespace")


def _is_wikilink_list(node: SeqN) -> bool:
    """`[[X]]` read as YAML: a flow list whose items are flow lists of scalars (split at commas)."""
    return bool(node.items) and all(
        isinstance(item, SeqN) and item.flow and item.items and all(isinstance(x, ScalarN) for x in item.items)
        for item in node.items
    )


def _wikilink_text(node: SeqN) -> str:
    return ", ".join(
        "[[" + ",".join(part.text for part in item.items) + "]]"  # type: ignore[union-attr]
        for item in node.items
    )


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _check_schema(note: Note, path: str, vault_path: str, schema: Schema, add, report: NoteReport) -> None:  # type: ignore[no-untyped-def]
    effective = {entry.key: entry for entry in note.entries()}  # the last of duplicate keys, as readers keep
    for entry in effective.values():
        kind = rules.kind_of(node_value(entry.value_node))
        if kind is not None:
            line, col = note.file_position(entry.value_node)
            report.kinds.append(KindUse(path, entry.key, kind, line, col))
    for entry in note.entries():
        value = node_value(entry.value_node)
        line, col = note.file_position(entry.value_node)
        rule = rules.rule_for(schema, entry.key)
        if rule is None:
            if schema.unknown_keys == "warn" and schema.fields:
                key_line, key_col = note.file_position(entry.key_node)
                add(key_line, key_col, "VT307", f"key {entry.key!r} is not in the schema")
            continue
        shape_problem = rules.check_shape(rule, value)
        if shape_problem:
            add(line, col, "VT303", f"{entry.key}: {shape_problem}")
            continue
        if isinstance(value, list) and isinstance(entry.value_node, SeqN):
            elements = list(zip(value, entry.value_node.items))
        else:
            elements = [(value, entry.value_node)]
        for element, node in elements:
            problem = rules.check_element(rule, element)
            if problem:
                element_line, element_col = note.file_position(node)
                add(element_line, element_col, problem[0], f"{entry.key}: {problem[1]}")
    _check_required(note, vault_path, schema, add)


def _check_required(note: Note, vault_path: str, schema: Schema, add) -> None:  # type: ignore[no-untyped-def]
    if not rules.matches_any(vault_path, schema.required_in):
        return
    present = {entry.key for entry in note.entries() if node_value(entry.value_node) is not None}
    for key, rule in schema.fields.items():
        if rule.required and key not in present:
            add(1, 1, "VT305", f"required key {key!r} is missing or empty")
