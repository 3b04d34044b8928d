"""Find, load and strictly validate `vaulttool.toml` into frozen dataclasses.

Precedence: built-in defaults < the file < command-line flags (`Config.override`). Unknown keys and bad
values are errors that name the file and line. This module reads only the config file itself; it
takes the contents of `.obsidian/` files as arguments from the vault layer.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

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
    reader = _Reader(path, text)
    reader.only(data, (), {"vault", "validate", "schema", "wikidata", "tiers"})
    vault = reader.table(data, ("vault",))
    reader.only(vault, ("vault",), {"exclude", "templates_folder", "max_frontmatter_bytes", "jobs", "lock_timeout"})
    validate = reader.table(data, ("validate",))
    reader.only(validate, ("validate",), {"format", "strict"})
    return dataclasses.replace(
        base,
        file=path,
        exclude=tuple(reader.get(vault, ("vault", "exclude"), _string_list, base.exclude)),
        templates_folder=reader.get(vault, ("vault", "templates_folder"), _relative_path, base.templates_folder),
        max_frontmatter_bytes=reader.get(vault, ("vault", "max_frontmatter_bytes"), _positive_int,
                                         base.max_frontmatter_bytes),
        jobs=reader.get(vault, ("vault", "jobs"), _non_negative_int, base.jobs),
        lock_timeout=reader.get(vault, ("vault", "lock_timeout"), _non_negative_number, base.lock_timeout),
        output_format=reader.get(validate, ("validate", "format"), _one_of(OUTPUT_FORMATS), base.output_format),
        strict=reader.get(validate, ("validate", "strict"), _boolean, base.strict),
        schema=_schema(reader, reader.table(data, ("schema",)), base.schema),
        wikidata=_wikidata(reader, reader.table(data, ("wikidata",)), base.wikidata),
        tiers=_tiers(reader, reader.table(data, ("tiers",)), base.tiers),
    )


def _tiers(reader: _Reader, table: dict[str, Any], base: TiersConfig) -> TiersConfig:
    reader.only(table, ("tiers",), {f.name for f in dataclasses.fields(TiersConfig)})
    checks: dict[str, Callable[[Any], Any]] = {
        "names": _tier_names, "source_folder": _relative_path, "folder_pattern": _folder_pattern,
        "skip": _string_list, "templates": _relative_path, "section_heading": _one_line,
        "link_line": _link_line, "link_separator": _string, "section_end": _string,
    }
    values = {name: reader.get(table, ("tiers", name), check, getattr(base, name)) for name, check in checks.items()}
    return TiersConfig(**{name: tuple(v) if isinstance(v, list) else v for name, v in values.items()})


def _wikidata(reader: _Reader, table: dict[str, Any], base: WikidataConfig) -> WikidataConfig:
    known = {f.name for f in dataclasses.fields(WikidataConfig)}
    reader.only(table, ("wikidata",), known)
    checks: dict[str, Callable[[Any], Any]] = {
        "endpoint": _url, "contact": _string, "languages": _language_list, "link_pattern": _link_pattern,
        "time_format": _one_of(("wdqs", "precision")), "max_label_bytes": _positive_int,
        "duplicates": _one_of(("keep", "drop")), "rename": _key_map, "properties": _property_map,
        "allow": _string_list, "block": _string_list, "strip_spaces": _string_list, "drop_ended": _boolean,
        "timeout": _positive_number, "max_retries": _non_negative_int, "retry_base_seconds": _non_negative_number,
        "max_retry_wait": _non_negative_number, "label_max_age_days": _non_negative_int,
    }
    values = {}
    for name, check in checks.items():
        value = reader.get(table, ("wikidata", name), check, getattr(base, name))
        values[name] = tuple(value) if isinstance(value, list) else value
    return WikidataConfig(**values)


def _schema(reader: _Reader, table: dict[str, Any], base: Schema) -> Schema:
    reader.only(table, ("schema",), {"fields", "unknown_keys", "required_in", "id_key"})
    fields_table = reader.table(table, ("schema", "fields"))
    fields: dict[str, FieldRule] = {}
    for name, rule in fields_table.items():
        where = ("schema", "fields", name)
        if not isinstance(rule, dict):
            reader.fail(where, "must be a table such as { type = \"text\" }")
        reader.only(rule, where, {"type", "shape", "required", "pattern", "enum"})
        pattern = reader.get(rule, (*where, "pattern"), _regex, None)
        enum = reader.get(rule, (*where, "enum"), _scalar_list, None)
        fields[name] = FieldRule(
            type=reader.get(rule, (*where, "type"), _one_of(FIELD_TYPES), "any"),
            shape=reader.get(rule, (*where, "shape"), _one_of(SHAPES), "either"),
            required=reader.get(rule, (*where, "required"), _boolean, False),
            pattern=pattern,
            enum=tuple(enum) if enum is not None else None,
        )
    return dataclasses.replace(
        base,
        fields=fields,
        unknown_keys=reader.get(table, ("schema", "unknown_keys"), _one_of(("ignore", "warn")), base.unknown_keys),
        required_in=tuple(reader.get(table, ("schema", "required_in"), _string_list, base.required_in)),
        id_key=reader.get(table, ("schema", "id_key"), _non_empty_string, base.id_key),
    )


# --- value checks: each returns the value or raises ValueError with what was expected ---------


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a whole number above 0")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def _non_empty_string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def _relative_path(value: Any) -> str:
    value = _non_empty_string(value)
    parts = Path(value).parts
    if Path(value).is_absolute() or ".." in parts:
        raise ValueError("must be a path inside the vault (no leading '/', no '..')")
    return value.strip("/")


def _tier_names(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) < 1 or len(set(value)) != len(value) or not all(
        isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9_-]*", name) for name in value
    ):
        raise ValueError("must be a list of distinct lower-case tier names, least confidential first")
    return value


def _folder_pattern(value: Any) -> str:
    value = _non_empty_string(value)
    if "{tier}" not in value or "/" in value or value.startswith("."):
        raise ValueError("must name one folder at the vault root and contain {tier}, such as \"_{tier}\"")
    return value


def _one_line(value: Any) -> str:
    value = _non_empty_string(value)
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def _link_line(value: Any) -> str:
    value = _one_line(value)
    try:
        value.format(name="n", path="p")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"may use only {{name}} and {{path}} ({error})") from None
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError("must be a number above 0")
    return float(value)


def _non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("must be a number, 0 or more")
    return float(value)


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _language_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(
        isinstance(item, str) and re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", item) for item in value
    ):
        raise ValueError("must be a non-empty list of language codes such as \"en\"")
    return value


def _link_pattern(value: Any) -> str:
    value = _non_empty_string(value)
    try:
        value.format(label="x", numeric_id=1, id="Q1")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"may use only {{label}}, {{numeric_id}} and {{id}} ({error})") from None
    return value


def _key_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise ValueError("must be a table of key = \"new key\"")
    return dict(value)


def _property_map(value: Any) -> dict[str, str]:
    value = _key_map(value)
    for key in value:
        if not re.fullmatch(r"P[1-9][0-9]*", key):
            raise ValueError(f"keys must be property ids such as P17, not {key!r}")
    return value


def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError("must be a list of non-empty strings")
    return value


def _scalar_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value or any(isinstance(item, (list, dict)) for item in value):
        raise ValueError("must be a non-empty list of strings, numbers or booleans")
    return value


def _regex(value: Any) -> str:
    value = _non_empty_string(value)
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression: {error}") from None
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(repr(choice) for choice in choices))
        return value

    return check


def _check_flags(flags: Mapping[str, Any]) -> None:
    if "jobs" in flags:
        _non_negative_int(flags["jobs"])
    if "lock_timeout" in flags:
        _non_negative_number(flags["lock_timeout"])
    if "output_format" in flags:
        _one_of(OUTPUT_FORMATS)(flags["output_format"])


class _Reader:
    """Reads values out of parsed TOML, raising ConfigError with `file:line` for anything wrong."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def table(self, data: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(where[-1], {})
        if not isinstance(value, dict):
            self.fail(where, "must be a table")
        return value

    def only(self, data: dict[str, Any], where: tuple[str, ...], allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.fail((*where, key), "is not a known setting; known here: " + ", ".join(sorted(allowed)))

    def get(self, data: dict[str, Any], where: tuple[str, ...], check: Callable[[Any], Any], default: Any) -> Any:
        if where[-1] not in data:
            return default
        try:
            return check(data[where[-1]])
        except ValueError as error:
            self.fail(where, str(error))

    def fail(self, where: tuple[str, ...], problem: str) -> None:
        raise ConfigError(f"{self.path}:{self._line_of(where)}: {'.'.join(where)} {problem}")

    def _line_of(self, where: tuple[str, ...]) -> int:
        """The line that sets `where`: its own line if found, else its table's header, else 1."""
        table: tuple[str, ...] = ()
        best = 1
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]", line)
            if header:
                table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
                if table == where[: len(table)] and len(table) == len(where):
                    return number
                continue
            assignment = re.match(r"([A-Za-z0-9_\-\"'. ]+?)\s*=", line)
            if not assignment:
                continue
            key = tuple(part.strip().strip("\"'") for part in assignment.group(1).split("."))
            full = table + key
            if full == where:
                return number
            if full == where[: len(full)] and len(full) < len(where):
                best = number  # an inline table that holds the setting
                if where[len(full)] in raw:
                    return number
        return best
