"""Read `vaulttool.toml` strictly into the settings: unknown keys and bad values are errors that name
the file and line. Pure: it is given the file's text, and the contents of `.obsidian/` files, by the
disk layer.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping

from vaulttool.config import tomlcheck
from vaulttool.config.settings import (
    CONFIG_NAME,
    FIELD_TYPES,
    OUTPUT_FORMATS,
    SHAPES,
    Config,
    FieldRule,
    Schema,
)
from vaulttool.errors import ConfigError
from vaulttool.findings import code_selector


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
    reader.only(data, (), set(SETTINGS))
    vault = reader.table(data, ("vault",))
    reader.only(vault, ("vault",), set(SETTINGS["vault"]))
    validate = reader.table(data, ("validate",))
    reader.only(validate, ("validate",), set(SETTINGS["validate"]))
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
        ignore=_ignore(reader, reader.table(validate, ("validate", "ignore"))),
        schema=_schema(reader, reader.table(data, ("schema",)), base.schema),
        wikidata=_section(reader, reader.table(data, ("wikidata",)), "wikidata", base.wikidata, _WIKIDATA_CHECKS),
        tiers=_section(reader, reader.table(data, ("tiers",)), "tiers", base.tiers, _TIERS_CHECKS),
    )


_TIERS_CHECKS: dict[str, Callable[[Any], Any]] = {
    "names": tomlcheck.tier_names, "source_folder": tomlcheck.relative_path,
    "folder_pattern": tomlcheck.folder_pattern, "skip": tomlcheck.string_list,
    "templates": tomlcheck.relative_path, "section_heading": tomlcheck.one_line, "link_line": tomlcheck.link_line,
    "links_style": tomlcheck.one_of(("markdown", "wikilink")),
    "link_separator": tomlcheck.string, "section_end": tomlcheck.string,
}
_WIKIDATA_CHECKS: dict[str, Callable[[Any], Any]] = {
    "endpoint": tomlcheck.url, "contact": tomlcheck.string, "languages": tomlcheck.language_list,
    "link_pattern": tomlcheck.link_pattern, "time_format": tomlcheck.one_of(("wdqs", "precision")),
    "max_label_bytes": tomlcheck.positive_int, "duplicates": tomlcheck.one_of(("keep", "drop")),
    "rename": tomlcheck.key_map, "properties": tomlcheck.property_map, "allow": tomlcheck.string_list,
    "block": tomlcheck.string_list, "strip_spaces": tomlcheck.string_list,
    "current_only": tomlcheck.string_list, "max_values": tomlcheck.positive_int,
    "units": tomlcheck.one_of(("drop", "link")),
    "timeout": tomlcheck.positive_number, "max_retries": tomlcheck.non_negative_int,
    "retry_base_seconds": tomlcheck.non_negative_number, "max_retry_wait": tomlcheck.non_negative_number,
    "retry_budget": tomlcheck.non_negative_number, "maxlag_wait": tomlcheck.non_negative_number,
    "label_max_age_days": tomlcheck.non_negative_int,
}

# Every setting the file accepts, table by table (`vaulttool init` writes each one, at its default).
SETTINGS: dict[str, tuple[str, ...]] = {
    "vault": ("exclude", "templates_folder", "max_frontmatter_bytes", "jobs", "lock_timeout"),
    "validate": ("format", "strict", "ignore"),
    "schema": ("id_key", "unknown_keys", "required_in", "fields"),
    "wikidata": tuple(_WIKIDATA_CHECKS),
    "tiers": tuple(_TIERS_CHECKS),
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


def _ignore(reader: tomlcheck.Reader, table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """`[validate.ignore]`: vault-path globs, each with the finding codes (or prefixes) not shown there."""
    ignore: dict[str, tuple[str, ...]] = {}
    for glob, codes in table.items():
        where = ("validate", "ignore", glob)
        codes = reader.get(table, where, tomlcheck.string_list, [])
        try:
            ignore[glob] = tuple(code_selector(code) for code in codes)
        except ValueError as error:
            reader.fail(where, str(error))
    return ignore


def _schema(reader: tomlcheck.Reader, table: dict[str, Any], base: Schema) -> Schema:
    reader.only(table, ("schema",), set(SETTINGS["schema"]))
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
            type=reader.get(rule, (*where, "type"), tomlcheck.one_of(FIELD_TYPES), None),
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
