"""The findings of one note: structure, YAML pitfalls and schema rules. Pure: bytes in, findings out.

This runs once per note on every whole-vault validate, so it walks each note's nodes once and keeps
the common case (plain and quoted strings) to a few comparisons.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from vaulttool.config.settings import Config, Schema, TiersConfig
from vaulttool.engine.links import Link, note_links
from vaulttool.engine.note import Entry, Note, first_difference
from vaulttool.engine.paths import matches_any
from vaulttool.engine.scalars import beyond_javascript, reads_differently
from vaulttool.engine.values import node_value
from vaulttool.engine.yamlnodes import STANDARD_TAGS, MapN, Node, ScalarN, SeqN
from vaulttool.errors import NoteError
from vaulttool.findings import Finding
from vaulttool.rules.schema import check_element, check_shape, kind_of, rule_for
from vaulttool.rules.suppress import IGNORE_KEY, note_ignores
from vaulttool.tiers.layout import tier_of_folder, tier_of_link

# Node lines and columns are 0-based within the frontmatter, which starts on the file's line 2.
_LINE, _COL = 2, 1

Add = Callable[[int, int, str, str], None]

# The findings that keep `refresh`, `tiers` and `--fix` from editing a note: its bytes do not say for
# sure what it holds (encoding, delimiters, syntax, size, duplicate keys, anchors, aliases, tags, a
# nested list where a link was meant), so any edit would be a guess. VT202 joins them for the keys an
# edit would touch (see `ambiguous_in`).
STRUCTURAL = frozenset({"VT101", "VT102", "VT103", "VT104", "VT105", "VT106", "VT107", "VT108", "VT109",
                        "VT110", "VT120", "VT201"})


@dataclass(slots=True)
class NoteReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    # Each key's Obsidian kind here, flat: key, kind, line, col, key, kind, … (few objects to
    # pickle and cache for a vault of many notes).
    kinds: list[str | int] = field(default_factory=list)
    note: Note | None = field(default=None, repr=False, compare=False)  # None when it cannot be parsed
    ignored: frozenset[str] = frozenset()  # the codes its `vaulttool_ignore` key names

    @property
    def structural(self) -> list[Finding]:
        """The findings that forbid editing this note (STRUCTURAL), by position."""
        return sorted(finding for finding in self.findings if finding.code in STRUCTURAL)

    def ambiguous_in(self, keys: Iterable[str]) -> list[Finding]:
        """VT202 findings inside the entries of `keys`: an edit there would settle a reading the
        person never chose."""
        if self.note is None:
            return []
        lines: list[tuple[int, int]] = []
        wanted = set(keys)
        for entry in self.note.entries():
            if entry.key in wanted:
                text = self.note.text
                lines.append((text.count("\n", 0, entry.start) + 1, text.count("\n", 0, entry.end) + 1))
        return [finding for finding in self.findings if finding.code == "VT202"
                and any(first <= finding.line < last for first, last in lines)]


@dataclass(frozen=True, slots=True)
class CheckSettings:
    schema: Schema
    max_frontmatter_bytes: int
    tiers: TiersConfig

    @classmethod
    def of(cls, config: Config) -> CheckSettings:
        return cls(config.schema, config.max_frontmatter_bytes, config.tiers)


def check_note(path: str, vault_path: str, data: bytes, settings: CheckSettings,
               prove_round_trip: bool = False, structure_only: bool = False) -> NoteReport:
    """Every finding for one note. `path` is how findings name it, `vault_path` its path in the vault.
    With `prove_round_trip`, also that the note comes back byte for byte (VT120). With
    `structure_only`, only what decides whether the note may be edited: structure and YAML pitfalls,
    not the schema or tier leaks (for the commands that write; validate reports the rest)."""
    schema, max_frontmatter_bytes = settings.schema, settings.max_frontmatter_bytes
    report = NoteReport(path)

    def add(line: int, col: int, code: str, message: str) -> None:
        report.findings.append(Finding(path, line, col, code, message))

    try:
        note = report.note = Note.parse(data, max_frontmatter_bytes)
    except NoteError as error:
        add(error.line, error.col, error.code, error.message)
        return report
    if prove_round_trip:
        rendered = note.render()
        if rendered != data:
            add(1, 1, "VT120", f"does not come back byte for byte ({first_difference(rendered, data)}); "
                               "please report this")
    document = note.document
    if document is None:
        _check_required([], vault_path, schema, add)
        _check_tier_links(note, vault_path, [], settings.tiers, add)
        return report
    if document.too_deep:
        add(_LINE, _COL, "VT103", "YAML syntax error: nesting too deep")
        return report
    for line, col in document.aliases:
        add(line + _LINE, col + _COL, "VT108", "YAML aliases are not allowed in frontmatter; write the value out")
    root = document.root
    if root is not None and (not isinstance(root, MapN) or root.flow):
        what = "a mapping of keys to values" if not isinstance(root, MapN) else "a block mapping, one key per line"
        add(root.line + _LINE, root.col + _COL, "VT104", f"frontmatter must be {what}")
        return report
    if isinstance(root, MapN) and document.simple:
        _check_simple_yaml(root, add)
    elif root is not None:
        _check_yaml(root, add)
    entries = note.entries()
    report.ignored = _note_ignores(entries, add)
    if structure_only:
        return report
    values = [node_value(entry.value_node) for entry in entries]
    _collect_kinds(entries, values, report.kinds)
    quote_here = {(f.line, f.col) for f in report.findings if f.code in _QUOTE_IT}
    _declared_numbers_too_large(entries, schema, report)
    _check_schema(entries, values, schema, add, quote_here)
    _check_required(list(zip(entries, values)), vault_path, schema, add)
    _check_tier_links(note, vault_path, list(zip(entries, values)), settings.tiers, add)
    return report


def check_before_edit(path: str, vault_path: str, data: bytes, settings: CheckSettings) -> NoteReport:
    """What a command must know before it edits a note (`structural`, `ambiguous_in`): its structure,
    and that it comes back byte for byte; not the schema or tier leaks, which are validate's to say."""
    return check_note(path, vault_path, data, settings, prove_round_trip=True, structure_only=True)


_TRUTHY_TEXT = frozenset({"true", "yes", "on", "1"})


def _check_tier_links(note: Note, vault_path: str, entries: list[tuple[Entry, Any]], config: TiersConfig,
                      add: Add) -> None:
    """No link from a tier note to a higher tier; no publish flag outside the public tier.
    Standard notes are the hub: their links section names every tier by design."""
    own = tier_of_folder(vault_path, config)
    for entry, value in entries:
        if entry.key == "publish" and own != config.names[0] and (
            value is True or (isinstance(value, str) and value.strip().lower() in _TRUTHY_TEXT)
        ):
            node = entry.value_node
            add(node.line + _LINE, node.col + _COL, "VT402",
                f"publish: {str(value).lower() if value is True else repr(value)} outside {config.folder(config.names[0])}/ would let Obsidian Publish "
                "put this note online")
    if own is None:
        return
    rank = config.names.index(own)

    def leak(link: Link, line: int, col: int) -> None:
        target_tier = tier_of_link(link.target, config)
        if target_tier is not None and config.names.index(target_tier) > rank:
            what = "embeds" if link.embed else "links to"
            article = "an" if target_tier[:1].lower() in "aeiou" else "a"  # an internal note
            add(line, col, "VT401", f"this {own} note {what} {article} {target_tier} note: {link.target}")

    for found in note_links(note):
        leak(found.link, found.line, found.col)


def _check_yaml(root: Node, add: Add) -> None:
    """YAML pitfalls anywhere in the tree: anchors, tags, unquoted wikilinks, duplicate keys,
    scalars that YAML 1.1 and 1.2 read differently, and stray whitespace in quoted values."""
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        line, col = node.line + _LINE, node.col + _COL
        if node.anchor is not None:
            add(line, col, "VT108", f"YAML anchor &{node.anchor} is not allowed in frontmatter")
        if node.tag is not None and node.tag not in STANDARD_TAGS:
            add(line, col, "VT109", f"non-standard YAML tag {_short_tag(node.tag)} is not allowed")
        if isinstance(node, ScalarN):
            _check_scalar(node, add)
        elif isinstance(node, SeqN):
            if node.flow and _is_wikilink_list(node):
                link = _wikilink_text(node)
                add(line, col, "VT201", f'unquoted wikilink {link} reads as a nested list; quote it: "{link}"')
            else:
                stack.extend(reversed(node.items))
        else:
            _check_duplicate_keys(node, add)
            for key, value in reversed(node.pairs):
                stack.append(value)
                stack.append(key)


def _check_simple_yaml(root: MapN, add: Add) -> None:
    """`_check_yaml` for what the fast scanner reads: top-level keys with plain or quoted scalars, or
    block lists of them. No anchors, tags or flow collections can be there, so only scalars and
    duplicate keys need a look."""
    _check_duplicate_keys(root, add)
    for key, value in root.pairs:
        for scalar in (key, *(value.items if isinstance(value, SeqN) else (value,))):
            _check_scalar(scalar, add)  # type: ignore[arg-type]


def _check_scalar(node: ScalarN, add: Add) -> None:
    if not node.style:
        if node.tag is None and node.text:
            difference = reads_differently(node.text)
            if difference:
                add(node.line + _LINE, node.col + _COL, "VT202", f"{node.text!r} is ambiguous: {difference}; quote it")
            elif beyond_javascript(node.text):  # (VT202's "quote it" already covers `00009007199254740993`)
                add(node.line + _LINE, node.col + _COL, "VT204", _too_large(node.text))
    elif node.style in ('"', "'") and node.text != node.text.strip():
        add(node.line + _LINE, node.col + _COL, "VT203", f"value {node.text!r} has leading or trailing whitespace")


def _too_large(text: str, key: str | None = None, declared: str | None = None) -> str:
    """VT204's message: quote the integer, or, in a key declared a number, say that none so large fits."""
    if declared is not None:
        return (f"{text} is beyond 2^53 - 1, which Obsidian cannot hold exactly, and {key} is declared {declared}: "
                "no number this large survives; declare the key text and quote the value")
    limit = "below -(2^53 - 1)" if text.startswith("-") else "above 2^53 - 1"
    return f'{text} is an integer {limit}, which Obsidian cannot hold exactly; quote it: "{text}"'


def number_positions(entries: Iterable[Entry], schema: Schema) -> dict[tuple[int, int], tuple[str, str, Node]]:
    """The file positions of the values of keys declared numbers: (key, where it is declared, node)."""
    positions: dict[tuple[int, int], tuple[str, str, Node]] = {}
    for entry in entries:
        declared = schema.declared_number(entry.key)
        if declared is not None:
            node = entry.value_node
            for item in node.items if isinstance(node, SeqN) else [node]:
                positions[(item.line + _LINE, item.col + _COL)] = (entry.key, declared, item)
    return positions


def _declared_numbers_too_large(entries: list[Entry], schema: Schema, report: NoteReport) -> None:
    """VT204 in a key declared a number cannot say to quote: text breaks the declaration, and no
    number this large survives Obsidian. It says so instead (and `--fix` leaves it)."""
    positions = number_positions(entries, schema)
    for index, finding in enumerate(report.findings):
        if finding.code == "VT204" and (finding.line, finding.col) in positions:
            key, declared, node = positions[(finding.line, finding.col)]
            assert isinstance(node, ScalarN)  # (VT204 is only ever found at a plain scalar)
            report.findings[index] = dataclasses.replace(finding, message=_too_large(node.text, key, declared))


def _check_duplicate_keys(node: MapN, add: Add) -> None:
    seen: set[str] = set()
    for key, _ in node.pairs:
        if isinstance(key, ScalarN):
            if key.text in seen:
                add(key.line + _LINE, key.col + _COL, "VT105", f"duplicate key {key.text!r}: YAML readers keep only one of them")
            seen.add(key.text)


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


def _note_ignores(entries: list[Entry], add: Add) -> frozenset[str]:
    """The codes the note's `vaulttool_ignore` key hides in it; VT308 when the key is not a list of codes."""
    for entry in reversed(entries):  # of duplicate keys the last counts, as YAML readers keep it
        if entry.key == IGNORE_KEY:
            codes, problem = note_ignores(node_value(entry.value_node))
            if problem:
                node = entry.value_node
                add(node.line + _LINE, node.col + _COL, "VT308", problem)
            return codes
    return frozenset()


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _collect_kinds(entries: list[Entry], values: list[Any], kinds: list[str | int]) -> None:
    """The Obsidian kind each key has here; of duplicate keys the last counts, as YAML readers keep it."""
    seen: set[str] = set()
    for entry, value in zip(reversed(entries), reversed(values)):
        if entry.key in seen:
            continue
        seen.add(entry.key)
        kind = kind_of(value)
        if kind is not None:
            node = entry.value_node
            kinds.extend((entry.key, kind, node.line + _LINE, node.col + _COL))


# The findings that tell a plain scalar to be quoted, where a schema finding about the unquoted reading
# would be a second line for the same fix.
_QUOTE_IT = frozenset({"VT202", "VT204"})


def _check_schema(entries: list[Entry], values: list[Any], schema: Schema, add: Add,
                  quote_here: set[tuple[int, int]]) -> None:
    for entry, value in zip(entries, values):
        rule = rule_for(schema, entry.key)
        if entry.key == schema.id_key and value is None:
            # `has_id_wikidata:` with nothing after it names no item: refresh would pass the note by.
            key = entry.key_node
            add(key.line + _LINE, key.col + _COL, "VT301", f"{entry.key} is empty: write the item's id (Q…) or "
                "remove the key")
            continue
        if rule is None:
            if schema.unknown_keys == "warn" and schema.fields:
                key = entry.key_node
                add(key.line + _LINE, key.col + _COL, "VT307", f"key {entry.key!r} is not in the schema")
            continue
        node = entry.value_node
        if isinstance(node, SeqN) and node.flow and _is_wikilink_list(node):
            continue  # reported as an unquoted wikilink; its "list" shape is that mistake, not another
        shape_problem = check_shape(rule, value)
        if shape_problem:
            add(node.line + _LINE, node.col + _COL, "VT303", f"{entry.key}: {shape_problem}")
            continue
        if isinstance(value, list) and isinstance(node, SeqN):
            elements = zip(value, node.items)
        else:
            elements = zip((value,), (node,))
        for element, element_node in elements:
            problem = check_element(rule, element)
            if problem:
                line, col = element_node.line + _LINE, element_node.col + _COL
                if (line, col) in quote_here and isinstance(element_node, ScalarN) and \
                        check_element(rule, element_node.text) is None:
                    continue  # quoted, as VT202 or VT204 here says to, the value keeps the rule
                add(line, col, problem[0], f"{entry.key}: {problem[1]}")


def _check_required(pairs: list[tuple[Entry, Any]], vault_path: str, schema: Schema, add: Add) -> None:
    required = [key for key, rule in schema.fields.items() if rule.required]
    if not required or not matches_any(vault_path, schema.required_in):
        return
    filled = {entry.key for entry, value in pairs if value is not None}
    empty: dict[str, Entry] = {}
    for entry, value in pairs:
        if value is None:
            empty.setdefault(entry.key, entry)
    for key in required:
        if key in filled:
            continue
        if key in empty:  # the key is there, with nothing after it: point at it
            node = empty[key].key_node
            add(node.line + _LINE, node.col + _COL, "VT305", f"required key {key!r} is empty: give it a value")
        else:  # nowhere to point but the frontmatter (or the note) as a whole
            add(1, 1, "VT305", f"required key {key!r} is missing")
