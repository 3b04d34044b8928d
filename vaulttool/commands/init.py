"""`vaulttool init [FOLDER]`: make FOLDER a vault root without overwriting anything.

It writes a commented `vaulttool.toml` (the root marker) holding every setting the file accepts, each at
its built-in default and commented out, with one line saying what it does; it adds to the vault's
`.gitignore` the lines vaulttool needs that are missing (only in a git work tree); and it prints the
`.pre-commit-config.yaml` snippet, built from this vaulttool's own `.pre-commit-hooks.yaml`. The text
is planned by pure functions (`config_text`, `gitignore_plan`, `precommit_snippet`); `run` writes.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from vaulttool.config.load import SETTINGS
from vaulttool.config.settings import CONFIG_NAME, Config, Schema, TiersConfig, WikidataConfig
from vaulttool.disk import fileio, vault
from vaulttool.disk.store import CACHE_FOLDER, STATE_FOLDER
from vaulttool.engine import scalars, values, yamlnodes
from vaulttool.errors import ConcurrentChangeError, UsageError

# What a vault's .gitignore needs: the caches and the lock (the folder ignores itself too, but a vault
# may be used with an older vaulttool), and the temporary files a killed run leaves beside notes.
GITIGNORE_LINES = (f"{STATE_FOLDER}/{CACHE_FOLDER}/", f"*{fileio.TEMP_SUFFIX}")
# The order the README gives: fix first, then the stubs, then the check of the result, then the vault-wide
# check that no deleted note or stub is left half removed.
HOOK_ORDER = ("vaulttool-fix", "vaulttool-tiers", "vaulttool-check", "vaulttool-tiers-complete")
# Hooks a vault adds by hand (the README says when): left out of the snippet.
OPT_IN_HOOKS = frozenset({"vaulttool-links"})

# One line for each setting `load` accepts; a setting without one stops `config_text` (and its test).
HELP: dict[tuple[str, str], str] = {
    ("vault", "exclude"): "folders never read (always: .obsidian .git .trash .vaulttool)",
    ("vault", "templates_folder"): "Obsidian's templates folder, never read as notes (default: .obsidian/templates.json's)",
    ("vault", "max_frontmatter_bytes"): "a larger frontmatter is a finding (VT107)",
    ("vault", "jobs"): "worker processes; 0 = one per core for runs of 200 notes or more",
    ("vault", "lock_timeout"): "seconds a writer waits for another",
    ("validate", "format"): "text | json | github",
    ("validate", "strict"): "warnings fail too",
    ("validate", "ignore"): 'vault-path glob -> codes not reported there: { "_public/**/*hub*.md" = ["VT401"] }',
    ("schema", "id_key"): "the key holding each note's Wikidata item id",
    ("schema", "unknown_keys"): "ignore | warn (VT307) for keys not in [schema.fields]",
    ("schema", "required_in"): "where `required` applies (globs of vault paths; ** crosses folders)",
    ("schema", "fields"): 'per key: { type = "text", shape = "scalar", required = true, pattern = "…", enum = […] }',
    ("wikidata", "endpoint"): "the Wikibase API; env VAULTTOOL_WIKIDATA_URL wins",
    ("wikidata", "contact"): "your e-mail for the User-Agent; required for wikidata.org; env VAULTTOOL_CONTACT wins",
    ("wikidata", "languages"): "item labels, with Wikidata's language fallback",
    ("wikidata", "link_pattern"): "how an item value is written ({label}, {numeric_id}, {id})",
    ("wikidata", "time_format"): "wdqs (1951-01-01T00:00:00Z) | precision (1951)",
    ("wikidata", "max_label_bytes"): "a label in a link is cut to this many bytes",
    ("wikidata", "duplicates"): "keep | drop repeated values",
    ("wikidata", "rename"): "derived key -> the vault's key",
    ("wikidata", "properties"): "property id -> key, fixed (wins over keys.json)",
    ("wikidata", "allow"): "property ids or keys; when given, only these are refreshed",
    ("wikidata", "block"): "property ids or keys never refreshed",
    ("wikidata", "strip_spaces"): "properties whose values lose their spaces (ISNI)",
    ("wikidata", "current_only"): "property ids whose ended statements are dropped",
    ("wikidata", "max_values"): "values written per property",
    ("wikidata", "units"): "drop | link: quantity units as a wikilink after the amount",
    ("wikidata", "timeout"): "seconds to connect and to read",
    ("wikidata", "max_retries"): "retries of a failed request",
    ("wikidata", "retry_base_seconds"): "the first backoff wait",
    ("wikidata", "max_retry_wait"): "the longest one wait may be",
    ("wikidata", "retry_budget"): "the longest all waits of a run may add up to",
    ("wikidata", "maxlag_wait"): "the shortest wait after a maxlag error",
    ("wikidata", "label_max_age_days"): "stored records without a revision older are asked again",
    ("tiers", "names"): "the access tiers, least confidential first",
    ("tiers", "source_folder"): "where the standard notes are",
    ("tiers", "folder_pattern"): "each tier's folder at the vault root",
    ("tiers", "skip"): "standard notes without tiers (globs)",
    ("tiers", "templates"): "the vault's own templates (<tier>.md or tier.md, standard.md, entity.md; default: vaulttool's own)",
    ("tiers", "section_heading"): "the standard note's links section heading",
    ("tiers", "link_line"): "one line per link: {link}, or {name} and {path}",
    ("tiers", "links_style"): "markdown ([name](/path.md)) | wikilink ([[/path|name]])",
    ("tiers", "link_separator"): "between link lines",
    ("tiers", "section_end"): "after the section",
}
# Settings whose file name differs from the settings attribute.
_ATTRIBUTE = {("validate", "format"): "output_format"}


def defaults() -> dict[str, dict[str, Any]]:
    """Every accepted setting's built-in default, table by table (None: not set unless given)."""
    holders: dict[str, Any] = {"vault": Config(root=Path()), "validate": Config(root=Path()), "schema": Schema(),
                               "wikidata": WikidataConfig(), "tiers": TiersConfig()}
    return {table: {name: getattr(holders[table], _ATTRIBUTE.get((table, name), name)) for name in names}
            for table, names in SETTINGS.items()}


def toml_value(value: Any) -> str:
    """A default as TOML text (JSON's string escapes are TOML's basic-string escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")


def config_text() -> str:
    """The commented vaulttool.toml: every setting at its default, commented out (`# name = value`),
    or, for a setting that is unset by default, `# name: not set`."""
    lines = ["# vaulttool's settings for this vault. This file also marks the vault's root.",
             "# Every setting is shown at its built-in default, commented out: uncomment one to change it.",
             "# Command-line flags win over this file. See vaulttool's README, \"Configuration\".", ""]
    for table, settings in defaults().items():
        lines.append(f"[{table}]")
        for name, value in settings.items():
            explanation = HELP[(table, name)]
            if value is None:
                lines.append(f"# {name}: not set; {explanation}")
            else:
                lines.append(f"# {name} = {toml_value(value)}  # {explanation}")
        lines.append("")
    return "\n".join(lines)


def gitignore_plan(existing: str | None) -> tuple[str | None, list[str]]:
    """The .gitignore text with vaulttool's missing lines appended (None: nothing to add), and those lines.
    The user's lines are kept byte for byte."""
    present = {line.strip() for line in (existing or "").splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present and "/" + line not in present]
    if not missing:
        return None, []
    text = existing or ""
    if text and not text.endswith("\n"):
        text += "\r\n" if "\r\n" in text else "\n"
    newline = "\r\n" if "\r\n" in text else "\n"
    text += newline.join(["# vaulttool: caches, the writer lock, a killed run's temporary files", *missing]) + newline
    return text, missing


def hook_definitions(text: str) -> list[dict[str, Any]]:
    """The hooks of a `.pre-commit-hooks.yaml`, in the order the README gives them."""
    root = yamlnodes.read(text).root
    hooks = values.node_value(root) if root is not None else []
    if not isinstance(hooks, list) or not all(isinstance(h, dict) and "id" in h for h in hooks):
        raise ValueError("a .pre-commit-hooks.yaml must be a list of hooks, each with an id")
    rank = {hook_id: n for n, hook_id in enumerate(HOOK_ORDER)}
    return sorted(hooks, key=lambda hook: rank.get(hook["id"], len(rank)))


def _yaml(value: Any) -> str:
    """A hook's value in the snippet: a list in flow style, a string double-quoted unless it is one word."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    if isinstance(value, str) and not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_./-]*", value):
        return scalars.double_quoted(value)
    return scalars.format_scalar(value)


def precommit_snippet(hooks_text: str) -> str:
    """The `.pre-commit-config.yaml` for a vault: vaulttool's hooks as `repo: local` with `language:
    system`, each as defined, run by the vaulttool installed on this machine (no network). No
    `repo: URL` and `rev:` form: vaulttool has no published repository or release tag to name; the
    README says how to point one at your own fork."""
    hooks = [hook for hook in hook_definitions(hooks_text) if hook["id"] not in OPT_IN_HOOKS]
    local = ["repos:", "  - repo: local", "    hooks:"]
    for hook in hooks:
        local.append(f"      - id: {hook['id']}")
        for key, value in hook.items():
            if key == "id" or key == "description":
                continue
            local.append(f"        {key}: {_yaml('system' if key == 'language' else value)}")
    return "\n".join(local) + "\n"


@dataclass
class InitReport:
    lines: list[str] = field(default_factory=list)  # what was done, or left as it was
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, "create" or "update") of each written
    snippet: str = ""  # the .pre-commit-config.yaml


def run(folder: Path, hooks_text: str, nested: bool = False) -> InitReport:
    """Set up the vault at `folder` (an existing folder); never replace a file. Raises UsageError when
    `folder` is inside another vault's root, unless `nested`."""
    here, outer = Path(os.path.abspath(folder)), vault.find_root(folder)
    if not nested and outer is not None and outer != here:
        # A root there would take its notes out of the outer vault: its hooks, run from the outer
        # root's git work tree, would then judge them against a vault of their own.
        raise UsageError(f"{here}: is inside the vault at {outer}; a {CONFIG_NAME} here would make a second "
                         f"vault root in it. Run init at {outer}, or pass --nested to make this folder a vault "
                         "of its own")
    report = InitReport()
    config = folder / CONFIG_NAME
    try:
        fileio.create_file(config, config_text().encode("utf-8"))
        report.lines.append(f"created {CONFIG_NAME}")
        report.files.append((CONFIG_NAME, "create"))
    except ConcurrentChangeError:
        report.lines.append(f"{CONFIG_NAME} exists; left as it is")
    if vault.git_work_tree(folder) is None:
        report.lines.append("no git repository here: nothing added to .gitignore; keep "
                            + " and ".join(GITIGNORE_LINES) + " out of version control")
    else:
        line, action = _update_gitignore(folder / ".gitignore")
        report.lines.append(line)
        if action is not None:
            report.files.append((".gitignore", action))
    report.snippet = precommit_snippet(hooks_text)
    return report


def _update_gitignore(path: Path) -> tuple[str, str | None]:
    """What was done to .gitignore, and how it was written ("create", "update" or None: not at all)."""
    try:
        snapshot = fileio.read_snapshot(path)
    except FileNotFoundError:
        text, missing = gitignore_plan(None)
        assert text is not None
        fileio.create_file(path, text.encode("utf-8"))
        return "created .gitignore with " + ", ".join(missing), "create"
    existing = snapshot.data.decode("utf-8", "surrogateescape")
    text, missing = gitignore_plan(existing)
    if text is None:
        return ".gitignore has every line vaulttool needs; left as it is", None
    fileio.replace_if_changed(path, text.encode("utf-8", "surrogateescape"), snapshot)
    return "added to .gitignore: " + ", ".join(missing), "update"
