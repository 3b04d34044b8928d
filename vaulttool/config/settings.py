"""Every setting of vaulttool, as frozen dataclasses holding the built-in defaults.

Precedence: built-in defaults < the file (`config.load`) < command-line flags (`Config.override`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from vaulttool.config import tomlcheck

CONFIG_NAME = "vaulttool.toml"
FIELD_TYPES = (
    "any", "text", "wikilink", "url", "date", "datetime", "integer", "number", "boolean",
    "wikidata_id", "external_id",
)
SHAPES = ("scalar", "list", "either")
OUTPUT_FORMATS = ("text", "json", "github")


@dataclass(frozen=True, slots=True)
class FieldRule:
    # None: no type given (any kind, and the notes' kinds vote, VT306); "any": any kind, and no vote.
    type: str | None = None
    shape: str = "either"
    required: bool = False
    pattern: str | None = None
    enum: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class Schema:
    fields: Mapping[str, FieldRule] = field(default_factory=dict)
    unknown_keys: str = "ignore"  # or "warn"
    required_in: tuple[str, ...] = ("**",)  # globs of vault paths where `required` applies
    id_key: str = "has_id_wikidata"
    obsidian_types: Mapping[str, str] = field(default_factory=dict)  # from .obsidian/types.json

    def declared_number(self, key: str) -> str | None:
        """Where `key` is declared a number (`integer in [schema.fields]`), or None."""
        rule = self.fields.get(key)
        if rule is not None and rule.type in ("integer", "number"):
            return f"{rule.type} in [schema.fields]"
        if self.obsidian_types.get(key) == "number":
            return "number in .obsidian/types.json"
        return None


DEFAULT_ENDPOINT = "https://www.wikidata.org/w/api.php"
DEFAULT_LINK_PATTERN = "[[_Standards/WikiData/WD~{label},{numeric_id}]]"


@dataclass(frozen=True, slots=True)
class WikidataConfig:
    endpoint: str = DEFAULT_ENDPOINT
    contact: str = ""  # for the User-Agent; required to call wikidata.org
    languages: tuple[str, ...] = ("en",)
    link_pattern: str = DEFAULT_LINK_PATTERN
    time_format: str = "wdqs"  # "wdqs": 1951-01-01T00:00:00Z as the reference note; "precision": 1951
    max_label_bytes: int = 200
    duplicates: str = "keep"  # or "drop"
    rename: Mapping[str, str] = field(default_factory=dict)  # derived key -> vault key
    properties: Mapping[str, str] = field(default_factory=dict)  # property id -> vault key, fixed
    allow: tuple[str, ...] = ()  # property ids or keys; when given, only these are refreshed
    block: tuple[str, ...] = ()
    strip_spaces: tuple[str, ...] = ("P213",)  # ISNI: Wikidata stores it with spaces
    # Properties whose statements with an end time (P582) before the as-of date are dropped; the
    # as-of date is the entity's `modified` day or `--as-of`, never the clock.
    current_only: tuple[str, ...] = ()
    max_values: int = 100  # values written per property; the rest are left out, with a message
    units: str = "drop"  # quantity units: "drop" writes the amount; "link" adds a wikilink to the unit
    timeout: float = 30.0  # seconds, to connect and to read
    max_retries: int = 5
    retry_base_seconds: float = 1.0
    max_retry_wait: float = 120.0  # the longest one wait may be, Retry-After included
    retry_budget: float = 60.0  # the longest all waits of one run may add up to
    maxlag_wait: float = 5.0  # the shortest wait after a maxlag error (Wikimedia asks for at least 5 s)
    label_max_age_days: int = 30


DEFAULT_TIERS = ("public", "internal", "protect", "private", "personal", "secret")


@dataclass(frozen=True, slots=True)
class TiersConfig:
    names: tuple[str, ...] = DEFAULT_TIERS  # in rising confidentiality
    source_folder: str = "_Standards"
    folder_pattern: str = "_{tier}"  # a tier's folder at the vault root
    skip: tuple[str, ...] = ("_Standards/WikiData/**",)  # standard-folder notes without tiers
    templates: str | None = None  # the vault's own template folder; else vaulttool's templates
    section_heading: str = "## Confidential Links & Embeds: "
    link_line: str = "### #is_/same_as :: {link}"  # {link} in links_style; {name} and {path} also work
    links_style: str = "markdown"  # [name](/path.md) as the reference note; "wikilink": [[/path|name]]
    link_separator: str = " \n\n"
    section_end: str = "\n\n"

    def folder(self, tier: str) -> str:
        return self.folder_pattern.format(tier=tier)


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    file: Path | None = None
    exclude: tuple[str, ...] = ()
    templates_folder: str | None = None
    max_frontmatter_bytes: int = 256 * 1024
    jobs: int = 0  # 0: one worker per core
    lock_timeout: float = 60.0  # how long a writer waits for another one to finish
    output_format: str = "text"
    strict: bool = False
    ignore: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # vault-path glob -> codes not shown
    schema: Schema = field(default_factory=Schema)
    wikidata: WikidataConfig = field(default_factory=WikidataConfig)
    tiers: TiersConfig = field(default_factory=TiersConfig)

    def override(self, **flags: Any) -> Config:
        """The config with command-line flags applied; flags left at None keep the file's value."""
        given = {name: value for name, value in flags.items() if value is not None}
        _check_flags(given)
        return dataclasses.replace(self, **given)


def _check_flags(flags: Mapping[str, Any]) -> None:
    if "jobs" in flags:
        tomlcheck.non_negative_int(flags["jobs"])
    if "lock_timeout" in flags:
        tomlcheck.non_negative_number(flags["lock_timeout"])
