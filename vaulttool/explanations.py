"""What each finding code means, why it matters in Obsidian, and how to fix it. Pure data.

Severity and short name stay in `findings.CODES`; this module holds the longer texts, and writes
from both `vaulttool explain` and the README's table of codes (`readme_table`), so the two say the
same. `python scripts/readme_codes.py` rewrites the README's table between its markers.
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

from vaulttool.findings import CODES


class Explanation(NamedTuple):
    meaning: str  # one line: also the README table's text for the code
    why: str  # why it matters in Obsidian
    fix: str


EXPLANATIONS: dict[str, Explanation] = {
    "VT101": Explanation(
        "invalid UTF-8 (position of the first bad byte)",
        "Obsidian reads notes as UTF-8: a byte that is not shows as a replacement character, and the next save "
        "replaces it for good, losing the character that was meant. vaulttool does not edit a note it cannot "
        "read exactly.",
        "Open the note at the position given and retype the character, or convert the file to UTF-8 (it often "
        "came from a Windows-1252 or Latin-1 source)."),
    "VT102": Explanation(
        "frontmatter opened by `---` but never closed",
        "Obsidian reads properties only from frontmatter closed by a second `---` line; without it no property "
        "of the note is read, and the YAML shows as text.",
        "Add a line that is exactly `---` after the last key."),
    "VT103": Explanation(
        "YAML syntax error, at the line of the mistake (an unclosed quote or bracket, bad indentation, a "
        "missing space after `:`; other errors in the parser's words)",
        "Obsidian reads none of the properties of a note whose frontmatter does not parse: the Properties view "
        "shows an error, and searches, Dataview and Bases miss the note.",
        "Correct the line named: close the quote or bracket, indent the line like its siblings, put a space "
        "after `key:`; quote a value that holds `: ` or starts with a character YAML treats specially."),
    "VT104": Explanation(
        "frontmatter is not a block mapping",
        "Obsidian's properties are the keys of a mapping: a list or a lone value at the top gives no properties, "
        "and a flow mapping (`{a: 1}`) is rewritten as soon as a property is edited in Obsidian.",
        "Write one `key: value` per line at the top level."),
    "VT105": Explanation(
        "duplicate key",
        "YAML readers keep only one of the two values, Obsidian among them: the other is lost without a word, "
        "and editing the property in Obsidian drops it from the file.",
        "Keep one key (make its value a list if both values are wanted) and delete the other line."),
    "VT106": Explanation(
        "tab in YAML indentation",
        "YAML indents with spaces only: a tab makes Obsidian's reader reject the frontmatter, or read it "
        "differently from other tools.",
        "Replace the tab with spaces, as many as the lines around it use; set your editor to indent with spaces."),
    "VT107": Explanation(
        "frontmatter larger than `vault.max_frontmatter_bytes`",
        "Very large frontmatter (usually pasted data) slows Obsidian's metadata cache and every tool that "
        "reads the vault; vaulttool does not parse it, so it does not check it either.",
        "Move the bulk into the body or another file, or raise `max_frontmatter_bytes` in `vaulttool.toml` "
        "if the size is meant."),
    "VT108": Explanation(
        "YAML anchor or alias (refused, so an alias bomb costs nothing)",
        "Obsidian does not show anchors (`&a`) and aliases (`*a`) and drops them when it writes the "
        "frontmatter; nested aliases can also expand to billions of values in readers that follow them.",
        "Write the value out in full where the alias stands, and remove the anchor."),
    "VT109": Explanation(
        "non-standard YAML tag such as `!!python/object`",
        "Obsidian ignores tags, and other tools may reject them or, worse, act on them: `!!python/object` is "
        "how unsafe YAML loaders are attacked. A property is text, a number, a checkbox, a date or a list.",
        "Remove the tag and write the value as plain YAML (quoted, if it is text)."),
    "VT110": Explanation(
        "the file (or a folder of notes) could not be read",
        "A note that cannot be read cannot be checked; the cause (permissions, a sync client replacing the "
        "file, a disk error) often troubles Obsidian too.",
        "Check that the file exists and that you may read it (the message gives the system's reason), then "
        "run again."),
    "VT111": Explanation(
        "a note to be written is read-only (its owner-write bit is off); not written",
        "A read-only note is usually meant to stay as it is (locked by you, a sync or a backup tool); "
        "vaulttool does not override that.",
        "Make the file writable (`chmod u+w`, or clear the read-only flag) if the change is wanted, and run "
        "again."),
    "VT112": Explanation(
        "a note to be written has more than one hard link; not written",
        "vaulttool writes a new file and renames it over the old one; a hard-linked note would be split, its "
        "other names keeping the old text, and Obsidian would show two different notes.",
        "Replace the hard links with one file, then run again."),
    "VT120": Explanation(
        "`check`: a note does not round-trip byte for byte (a vaulttool bug: please report it)",
        "vaulttool promises never to change a byte it does not mean to; this note would break that promise, "
        "so nothing is written to it.",
        "Nothing to fix in the note: report it (with the note, or a trimmed copy that shows the same) to "
        "vaulttool's issue tracker."),
    "VT201": Explanation(
        "unquoted wikilink: `key: [[X]]` is a nested list to YAML",
        "To YAML, `[[X]]` is a list holding a list holding X: Obsidian shows the property as a list, not a "
        "link, so the note is missing from X's backlinks and the graph, and editing the property in Obsidian "
        "writes it back as a list.",
        "Quote it: `key: \"[[X]]\"`. `vaulttool validate --fix` does that, in the quote character the note "
        "uses."),
    "VT202": Explanation(
        "plain scalar that YAML 1.1 and 1.2 read differently (`0000000092270825`, `NO`, `on`, `0777`, `1_000`)",
        "Obsidian reads YAML 1.2 (`NO` is text, `0777` is 777), while many Python tools read YAML 1.1 (`NO` is "
        "false, `0777` is 511): the same note means different things to different tools, and an identifier "
        "can lose its leading zeros.",
        "Quote the value, so every reader sees the same text: `\"0777\"`. `vaulttool validate --fix` quotes it."),
    "VT203": Explanation(
        "leading or trailing whitespace inside a quoted value",
        "Obsidian keeps the spaces: `\" Geneva\"` is not `Geneva` to searches, Dataview queries and links made "
        "from the value.",
        "Remove the spaces inside the quotes; `vaulttool validate --fix` does it."),
    "VT204": Explanation(
        "unquoted integer beyond 2^53 - 1 (`9007199254740993`), which Obsidian's JavaScript numbers cannot hold "
        "exactly",
        "Obsidian is JavaScript: its numbers hold integers exactly only up to 2^53 - 1, so a longer unquoted "
        "number (an identifier, a phone number) is rounded when Obsidian reads it, and written back rounded "
        "when the property is edited there.",
        "Quote it, so it stays text: `id: \"12345678901234567890\"`; `vaulttool validate --fix` does."),
    "VT301": Explanation(
        "`has_id_wikidata` (the schema's `id_key`) is not `Q` followed by digits",
        "`refresh`, `new` and the tier stubs find the note's Wikidata item by this id; a malformed one (a "
        "leading zero, a URL, a label) names no item, so the note's Wikidata keys are never refreshed.",
        "Write the item's id as Wikidata shows it, `Q` and digits without a leading zero "
        "(`has_id_wikidata: Q472311`), or remove the key."),
    "VT302": Explanation(
        "value does not match the schema's type",
        "Obsidian gives a property one type in the whole vault (text, number, checkbox, date, list); a value of "
        "another type shows as invalid in the Properties view and is missed by sorts and filters.",
        "Write the value as the schema's type (a number without quotes or units, a date as YYYY-MM-DD, …), or "
        "change the field's `type` in `vaulttool.toml`."),
    "VT303": Explanation(
        "value does not match the schema's shape (list / scalar)",
        "A list property in Obsidian is a list even with one value, and a text property holds one value; the "
        "other shape shows as invalid and breaks queries written for the right one.",
        "Write one value as `key: value`, a list as `key:` followed by `  - item` lines; or change the field's "
        "`shape` in `vaulttool.toml`."),
    "VT304": Explanation(
        "value does not match the schema's pattern or enum",
        "The schema says what a valid value looks like (an ISNI's 16 characters, one of a few words); a value "
        "outside it is most often a typo, or pasted with extra text, that no link or query will match.",
        "Correct the value to the pattern or one of the values the message names, or change the field's "
        "`pattern` or `enum` in `vaulttool.toml`."),
    "VT305": Explanation(
        "required key missing or empty",
        "Notes under `schema.required_in` are expected to have these keys; queries, templates and tier stubs "
        "built on them skip or misplace a note without them.",
        "Add the key the message names, with a value (a missing key at 1:1, an empty one at its line); or drop "
        "`required` for that field in `vaulttool.toml`."),
    "VT306": Explanation(
        "a property's type differs between notes: `.obsidian/types.json` wins; a key `[schema.fields]` gives a "
        "type is judged by that type instead; else the type most notes use, but where numbers and text meet "
        "the numbers are reported",
        "Obsidian has one type per property name for the whole vault: a value of another type shows as invalid, "
        "and changing the type in Obsidian converts or blanks the values of other notes. An identifier such as "
        "an ISNI is text even when most notes hold it unquoted, as a number: quoting keeps every digit, while "
        "`000000012146438X` can never be a number.",
        "Declare the key's type in `[schema.fields]` (`ISNI = { type = \"external_id\" }`) or in Obsidian "
        "(which writes `.obsidian/types.json`); or quote the number the message points at."),
    "VT307": Explanation(
        "key not in the schema (with `schema.unknown_keys = \"warn\"`)",
        "A key outside the schema is often a typo (`alias` for `aliases`), which Obsidian shows as a property "
        "of its own that nothing else in the vault reads.",
        "Rename the key to the schema's, add it to `[schema.fields]` in `vaulttool.toml`, or set "
        "`unknown_keys = \"ignore\"`."),
    "VT308": Explanation(
        "`vaulttool_ignore` is not a list of finding codes",
        "`vaulttool_ignore: [VT401]` in a note's frontmatter silences those codes for that note (Obsidian shows "
        "it as an ordinary list property); a misspelt code or a lone value would silence nothing while it "
        "looks as if it did.",
        "Write a list of known codes (`vaulttool explain` lists them): `vaulttool_ignore: [VT401, VT307]`; or "
        "remove the key."),
    "VT401": Explanation(
        "a tier note links to or embeds a note of a higher tier",
        "Tiers run public < internal < protect < private < personal < secret. A link from a lower tier into a "
        "higher one shows the higher note's name and path, and an embed its text, to everyone the lower tier "
        "is shared with (Obsidian Publish, a shared folder).",
        "Remove the link or embed, or move the text that needs it into a note of the higher tier."),
    "VT402": Explanation(
        "truthy `publish` flag outside `_public/`",
        "Obsidian Publish puts a note with `publish: true` online; outside the public tier that publishes a "
        "note not meant for everyone.",
        "Set `publish: false` or remove the key; move the note under `_public/` if it is meant to be published."),
    "VT411": Explanation(
        "`tiers --check`: missing tier stub",
        "Each standard note has a stub in each tier; without it, the note's links section points at a note "
        "that does not exist (Obsidian shows an unresolved link) and the tier has nowhere for its text.",
        "Run `vaulttool tiers`: it creates the stubs from the templates."),
    "VT412": Explanation(
        "`tiers --check`: links section missing or out of date",
        "The links section links the standard note with each of its tier notes; without it, or with stale "
        "links, Obsidian's backlinks and graph do not connect the note with its tiers.",
        "Run `vaulttool tiers`: it appends a missing section after the note's last line (where the finding "
        "points), or rewrites an out-of-date one at its heading; nothing else in the note changes."),
    "VT413": Explanation(
        "`tiers`: orphaned tier note (its standard note is gone, and no renamed note claims it)",
        "The standard note was moved, renamed or deleted: the tier note's links point nowhere, and its text is "
        "easily forgotten. A rename is recognised, and the stubs moved after the note (VT530), when every stub "
        "left behind links the renamed note in its `source` (Obsidian rewrites links on a rename) or carries "
        "the `has_id_wikidata` of exactly one note that lacks stubs; this stub matched neither.",
        "Renamed: `vaulttool mv OLD NEW` (or point the stub's `source` at the note's new name and run "
        "`vaulttool tiers`). Deleted on purpose: `vaulttool rm OLD` removes the stubs it left behind."),
    "VT414": Explanation(
        "`tiers`, `entities`: unsafe path or name refused; nothing written for that note",
        "A name that would lead outside the vault, be one file with another on a case- or Unicode-folding file "
        "system (macOS, Windows), or be invalid on one of them would break the vault where it is synced.",
        "Rename the standard note as the message says, then run `vaulttool tiers` again; for an entity note, "
        "change `[wikidata] link_pattern` or `max_label_bytes`, or remove the symlink the message names."),
    "VT415": Explanation(
        "`tiers`: a stub edited by hand is out of date; not updated",
        "vaulttool updates only stubs still as its templates made them, so text written by hand is never "
        "overwritten; this stub was edited, and the facts it copies from its standard note are stale.",
        "Bring the stub's frontmatter in line with its standard note by hand; or move your text elsewhere, "
        "delete the stub and run `vaulttool tiers`."),
    "VT416": Explanation(
        "`tiers --check`: stub out of date with its standard note",
        "A stub copies facts from its standard note (its Wikidata id, its links); after they change, the stub "
        "still shows the old ones.",
        "Run `vaulttool tiers`: it updates the stub."),
    "VT417": Explanation(
        "`tiers`: a file could not be written (it appeared or changed meanwhile)",
        "Another program (Obsidian, a sync client) wrote the file while vaulttool was working; rather than "
        "overwrite that, vaulttool leaves it.",
        "Run `vaulttool tiers` again once the other writer is done."),
    "VT418": Explanation(
        "`tiers`: a sync client's conflict copy; no tiers for it",
        "Sync clients save a conflicting edit as a copy with a marked name; tiers for it would be a second set "
        "of tier notes for one entity.",
        "Merge the conflict copy into the note it copies, and delete it."),
    "VT419": Explanation(
        "`tiers`: a note with more than one links section; neither is changed",
        "vaulttool cannot tell which section is meant, and Obsidian shows both, whose links may disagree.",
        "Delete one of the sections (the message gives the line of the second), then run `vaulttool tiers`."),
    "VT420": Explanation(
        "`tiers`: a link line in the links section links none of the note's tiers; kept as it is",
        "vaulttool writes one line for the note itself and one for each tier; a line linking anything else "
        "(a Dataview field such as `### #is_/same_as :: [[Other note]]`) is yours. vaulttool never deletes it: "
        "when it rewrites the section, your line follows its lines, byte for byte.",
        "Nothing, if the line is meant to be there; to keep the section vaulttool's alone, move the line "
        "below the section, after a line of text, or delete it."),
    "VT501": Explanation(
        "`refresh`: the note's own key has the name a Wikidata property's label gives; it is not written",
        "vaulttool writes only the keys it owns: this key is yours, so refresh leaves it, and the property is "
        "written in no note.",
        "Bind the property to another key (or to this one, to let vaulttool own it) in `[wikidata] properties` "
        "in `vaulttool.toml`, or rename your key."),
    "VT502": Explanation(
        "`refresh`, `entities`: a Wikidata value, label, alias or description holds link syntax "
        "(`[[…]]`, `![[…]]`, `[…](…)`); it is not written",
        "Anyone can edit Wikidata. Written verbatim into the frontmatter, such text would be a live link or "
        "an embed in your vault (an embed of a secret note, say), and a frontmatter value has no escape that "
        "keeps its text. The finding names the statement (or the term) and the item; the key keeps the "
        "values the note has. In an entity note's body the same text is escaped, so it shows as text.",
        "Nothing, if the value is vandalism: it goes once Wikidata is fixed. If it is real, write the value "
        "by hand in a key refresh does not own."),
    "VT510": Explanation(
        "`links`: a link (wikilink, embed or Markdown link, in the body or a frontmatter value) that opens no "
        "file of the vault, resolved as Obsidian resolves it; only the file is checked, not its `#heading` or "
        "`#^block`",
        "Obsidian shows the link as unresolved and creates an empty note where it points when it is clicked; "
        "an embed shows nothing, and the graph and backlinks miss the note meant.",
        "Correct the link's path (a note renamed or moved: `vaulttool mv` keeps links up to date), or create "
        "the note or attachment it names."),
    "VT520": Explanation(
        "`entities`: an entity note edited by hand (or made by hand) is out of date with Wikidata; not rewritten",
        "vaulttool rewrites only the entity notes it made and nobody changed since (their `vaulttool_stub` "
        "marker still matches), so text written by hand is never lost; this note's `aliases` lack the item's "
        "label or aliases, or its `description` or `has_id_wikidata` differs from Wikidata's, so Obsidian's "
        "search and link suggestions miss the item's current names.",
        "Bring the note's `aliases`, `description` and `has_id_wikidata` in line with the item by hand; or move "
        "your text elsewhere, delete the note and run `vaulttool entities` to have it made again."),
    "VT521": Explanation(
        "`entities`: a note links to an item that was deleted on Wikidata (or never existed); no entity note",
        "The link names an item Wikidata no longer has, so it leads nowhere in Obsidian and its facts cannot be "
        "refreshed.",
        "Remove the link, or link the item meant instead (Wikidata's deletion log often names it)."),
    "VT523": Explanation(
        "`entities`: a note links to an item that was merged into another; the entity note is the other item's",
        "Wikidata redirects a merged item to the one it was merged into: the link's id is no longer the item's "
        "own, and its entity note is written under the surviving item's name and id.",
        "Link the surviving item the message names (`vaulttool refresh` rewrites the values it owns; links "
        "written by hand are yours to change)."),
    "VT524": Explanation(
        "`entities --offline`: a linked item's label or terms are not in `.vaulttool/wikidata/`; no entity note",
        "Offline, vaulttool writes entity notes only from the answers it stored; this item was never fetched, so "
        "its note cannot be written and the link stays unresolved in Obsidian.",
        "Run `vaulttool entities` (or `vaulttool sync`) online once, and commit `.vaulttool/wikidata/` if "
        "offline runs elsewhere need it."),
    "VT530": Explanation(
        "`tiers --check`: a standard note was renamed without its tier stubs",
        "The stubs still carry the old name and point (by `source`) at a note that is gone; new stubs would "
        "leave them orphaned, and links to the old names would resolve to nothing.",
        "Run `vaulttool tiers` (the pre-commit hook does): it moves the stubs after the note and rewrites "
        "every link to the old names. Next time, rename with `vaulttool mv OLD NEW`."),
    "VT531": Explanation(
        "`mv`, `tiers`, `entities`: a link to a moved note could not be rewritten; that link is left as it was",
        "The link is in a frontmatter value written with escapes or over several lines (or no link of its "
        "form can open the new name), so it cannot be rewritten without touching other bytes. The note's "
        "other links are rewritten.",
        "Rewrite the link by hand to the new name (the finding says which), or write the value on one line "
        "without escapes and move again."),
}

README_START, README_END = "<!-- codes:start -->", "<!-- codes:end -->"


def normalise(code: str) -> str:
    """`vt201` and ` VT201 ` name VT201."""
    return code.strip().upper()


def explain(code: str, width: int = 100) -> str:
    """What `vaulttool explain CODE` prints. Raises KeyError for an unknown code."""
    code = normalise(code)
    severity, name = CODES[code]
    meaning, why, fix = EXPLANATIONS[code]
    paragraphs = [f"{code} ({severity}): {name}", meaning[0].upper() + meaning[1:] + ".",
                  f"Why it matters in Obsidian: {why}", f"How to fix it: {fix}"]
    return "\n\n".join(textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False)
                       for p in paragraphs) + "\n"


def record(code: str) -> dict[str, str]:
    """One code as `vaulttool explain --format json` gives it. Raises KeyError for an unknown code."""
    code = normalise(code)
    severity, name = CODES[code]
    return {"code": code, "severity": severity, "name": name, **EXPLANATIONS[code]._asdict()}


def listing() -> str:
    """Every code, with its severity and short name: what `vaulttool explain` alone prints."""
    return "".join(f"{code}  {severity:<7}  {name}\n" for code, (severity, name) in CODES.items())


def readme_table() -> str:
    """The README's table of codes, between its markers."""
    rows = [f"| {code} | {severity} | {EXPLANATIONS[code].meaning} |" for code, (severity, _) in CODES.items()]
    return "\n".join([README_START, "| code | severity | finding |", "|---|---|---|", *rows, README_END]) + "\n"


def with_table(readme: str) -> str:
    """The README's text with its table of codes written anew. Raises ValueError without the markers."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {README_START} … {README_END} markers")
    after = readme[end + len(README_END):]
    table = readme_table().rstrip("\n")
    if "\r\n" in readme:  # a checkout with CRLF line endings keeps them
        table = table.replace("\n", "\r\n")
    return readme[:start] + table + after

