"""Find, load and strictly validate `vaulttool.toml` into frozen dataclasses.

Precedence: built-in defaults < the file < command-line flags (`Config.override`). Unknown keys and bad
values are errors that name the file and line. This module reads only the config file itself; it
takes the contents of `.obsidian/` files as arguments from the vault layer.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from vaulttool.config import tomlcheck
from vaulttool.errors import ConfigError

CONFIG_NAME = "vaulttool.toml"
FIELD_TYPES = (
    "any", "text", "wikilink", "url", "date", "datetime", "integer", "number", "boolean",
    "wikidata_id", "external_id",
)
SHAPES = ("scalar", "list", "either")
OUTPUT_FORMATS = ("text", "json", "github")


@dataclass(frozen=True, slots=True)
class FieldRule:
    type: str = "any"
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
    drop_ended: bool = True  # drop statements whose end time (P582) lies in the past
    timeout: float = 30.0  # seconds, to connect and to read
    max_retries: int = 5
    retry_base_seconds: float = 1.0
    max_retry_wait: float = 120.0  # the longest one wait may be, Retry-After included
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
    link_line: str = "### #is_/same_as :: [{name}](/{path})"
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
    schema: Schema = field(default_factory=Schema)
    wikidata: WikidataConfig = field(default_factory=WikidataConfig)
    tiers: TiersConfig = field(default_factory=TiersConfig)

    def override(self, **flags: Any) -> Config:
        """The config with command-line flags applied; flags left at None keep the file's value."""
        given = {name: value for name, value in flags.items() if value is not None}
        _check_flags(given)
        return dataclasses.replace(self, **given)


def find_root(start: Path) -> Path | None:
    """The vault root above `start`: the nearest folder holding vaulttool.toml or .obsidian/."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file() or (folder / ".obsidian").is_dir():
            return folder
    return None


def load(root: Path, text: str | None, obsidian_types: Mapping[str, str] | None = None,
         obsidian_templates: str | None = None, environment: Mapping[str, str] | None = None) -> Config:
    """Build the config of the vault at `root` from the text of its vaulttool.toml (None: defaults).

    `environment` may set VAULTTOOL_WIKIDATA_URL and VAULTTOOL_CONTACT, which win over the file.
    """
    config = _load_file(root, text, obsidian_types, obsidian_templates)
    environment = environment or {}
    endpoint = environment.get("VAULTTOOL_WIKIDATA_URL") or config.wikidata.endpoint
    contact = environment.get("VAULTTOOL_CONTACT") or config.wikidata.contact
    return dataclasses.replace(config, wikidata=dataclasses.replace(config.wikidata, endpoint=endpoint,
                                                                    contact=contact))


def _load_file(root: Path, text: str | None, obsidian_types: Mapping[str, str] | None,
               obsidian_templates: str | None) -> Config:
    path = root / CONFIG_NAME
    base = Config(root=root, templates_folder=obsidian_templates,
                  schema=Schema(obsidian_types=dict(obsidian_types or {})))
    if text is None:
        return base
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    reader = tomlcheck.Reader(path, text)
    reader.only(data, (), {"vault", "validate", "schema", "wikidata", "tiers"})
    vault = reader.table(data, ("vault",))
    reader.only(vault, ("vault",), {"exclude", "templates_folder", "max_frontmatter_bytes", "jobs", "lock_timeout"})
    validate = reader.table(data, ("validate",))
    reader.only(validate, ("validate",), {"format", "strict"})
    return dataclasses.replace(
        base,
        file=path,
        exclude=tuple(reader.get(vault, ("vault", "exclude"), tomlcheck.string_list, base.exclude)),
        templates_folder=reader.get(vault, ("vault", "templates_folder"), tomlcheck.relative_path, base.templates_folder),
        max_frontmatter_bytes=reader.get(vault, ("vault", "max_frontmatter_bytes"), tomlcheck.positive_int,
                                         base.max_frontmatter_bytes),
        jobs=reader.get(vault, ("vault", "jobs"), tomlcheck.non_negative_int, base.jobs),
        lock_timeout=reader.get(vault, ("vault", "lock_timeout"), tomlcheck.non_negative_number, base.lock_timeout),
        output_format=reader.get(validate, ("validate", "format"), tomlcheck.one_of(OUTPUT_FORMATS), base.output_format),
        strict=reader.get(validate, ("validate", "strict"), tomlcheck.boolean, base.strict),
        schema=_schema(reader, reader.table(data, ("schema",)), base.schema),
        wikidata=_section(reader, reader.table(data, ("wikidata",)), "wikidata", base.wikidata, _WIKIDATA_CHECKS),
        tiers=_section(reader, reader.table(data, ("tiers",)), "tiers", base.tiers, _TIERS_CHECKS),
    )


_TIERS_CHECKS: dict[str, Callable[[Any], Any]] = {
    "names": tomlcheck.tier_names, "source_folder": tomlcheck.relative_path,
    "folder_pattern": tomlcheck.folder_pattern, "skip": tomlcheck.string_list,
    "templates": tomlcheck.relative_path, "section_heading": tomlcheck.one_line, "link_line": tomlcheck.link_line,
    "link_separator": tomlcheck.string, "section_end": tomlcheck.string,
}
_WIKIDATA_CHECKS: dict[str, Callable[[Any], Any]] = {
    "endpoint": tomlcheck.url, "contact": tomlcheck.string, "languages": tomlcheck.language_list,
    "link_pattern": tomlcheck.link_pattern, "time_format": tomlcheck.one_of(("wdqs", "precision")),
    "max_label_bytes": tomlcheck.positive_int, "duplicates": tomlcheck.one_of(("keep", "drop")),
    "rename": tomlcheck.key_map, "properties": tomlcheck.property_map, "allow": tomlcheck.string_list,
    "block": tomlcheck.string_list, "strip_spaces": tomlcheck.string_list, "drop_ended": tomlcheck.boolean,
    "timeout": tomlcheck.positive_number, "max_retries": tomlcheck.non_negative_int,
    "retry_base_seconds": tomlcheck.non_negative_number, "max_retry_wait": tomlcheck.non_negative_number,
    "label_max_age_days": tomlcheck.non_negative_int,
}


def _section(reader: tomlcheck.Reader, table: dict[str, Any], name: str, base: Any,
             checks: Mapping[str, Callable[[Any], Any]]) -> Any:
    """A settings dataclass read from one table: each setting checked, lists made tuples."""
    reader.only(table, (name,), set(checks))
    values: dict[str, Any] = {}
    for setting, check in checks.items():
        value = reader.get(table, (name, setting), check, getattr(base, setting))
        values[setting] = tuple(value) if isinstance(value, list) else value
    return dataclasses.replace(base, **values)


def _schema(reader: tomlcheck.Reader, table: dict[str, Any], base: Schema) -> Schema:
    reader.only(table, ("schema",), {"fields", "unknown_keys", "required_in", "id_key"})
    fields_table = reader.table(table, ("schema", "fields"))
    fields: dict[str, FieldRule] = {}
    for name, rule in fields_table.items():
        where = ("schema", "fields", name)
        if not isinstance(rule, dict):
            reader.fail(where, "must be a table such as { type = \"text\" }")
        reader.only(rule, where, {"type", "shape", "required", "pattern", "enum"})
        pattern = reader.get(rule, (*where, "pattern"), tomlcheck.regex, None)
        enum = reader.get(rule, (*where, "enum"), tomlcheck.scalar_list, None)
        fields[name] = FieldRule(
            type=reader.get(rule, (*where, "type"), tomlcheck.one_of(FIELD_TYPES), "any"),
            shape=reader.get(rule, (*where, "shape"), tomlcheck.one_of(SHAPES), "either"),
            required=reader.get(rule, (*where, "required"), tomlcheck.boolean, False),
            pattern=pattern,
            enum=tuple(enum) if enum is not None else None,
        )
    return dataclasses.replace(
        base,
        fields=fields,
        unknown_keys=reader.get(table, ("schema", "unknown_keys"), tomlcheck.one_of(("ignore", "warn")), base.unknown_keys),
        required_in=tuple(reader.get(table, ("schema", "required_in"), tomlcheck.string_list, base.required_in)),
        id_key=reader.get(table, ("schema", "id_key"), tomlcheck.non_empty_string, base.id_key),
    )


def _check_flags(flags: Mapping[str, Any]) -> None:
    if "jobs" in flags:
        tomlcheck.non_negative_int(flags["jobs"])
    if "lock_timeout" in flags:
        tomlcheck.non_negative_number(flags["lock_timeout"])
    if "output_format" in flags:
        tomlcheck.one_of(OUTPUT_FORMATS)(flags["output_format"])
