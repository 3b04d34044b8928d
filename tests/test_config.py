"""vaulttool.toml: found by walking up, validated strictly with file and line, overridden by flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaulttool.config.settings import FieldRule
from vaulttool.disk import vault
from vaulttool.errors import ConfigError


def write(root: Path, text: str) -> Path:
    (root / "vaulttool.toml").write_text(text, encoding="utf-8")
    return root


def test_root_is_found_by_walking_up_from_a_note(tmp_path: Path) -> None:
    write(tmp_path, "[validate]\nstrict = true\n")
    note = tmp_path / "a" / "b" / "n.md"
    note.parent.mkdir(parents=True)
    note.write_text("x")
    config = vault.open_vault(note)
    assert config.root == tmp_path.resolve() and config.strict is True


def test_obsidian_folder_marks_a_root_and_types_json_is_read(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "types.json").write_text('{"types": {"rating": "number"}}')
    (tmp_path / "sub").mkdir()
    config = vault.open_vault(tmp_path / "sub")
    assert config.root == tmp_path.resolve() and config.file is None
    assert config.schema.obsidian_types == {"rating": "number"}


def test_schema_fields_are_loaded(tmp_path: Path) -> None:
    write(tmp_path, '[schema.fields]\nISNI = { type = "external_id", shape = "list", pattern = "[0-9]{16}" }\n')
    config = vault.open_vault(tmp_path)
    assert config.schema.fields["ISNI"] == FieldRule("external_id", "list", False, "[0-9]{16}", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[vault]\nexclude = []\nbogus = 1\n", ":3: vault.bogus is not a known setting"),
        ("[validate]\nformat = 'xml'\n", ":2: validate.format must be one of 'text', 'json', 'github'"),
        ("[vault]\njobs = -1\n", ":2: vault.jobs must be a whole number, 0 or more"),
        ("[schema.fields]\na = { type = \"texts\" }\n", ":2: schema.fields.a.type must be one of"),
        ("[schema.fields]\na = { type = \"text\", pattern = \"[\" }\n", ":2: schema.fields.a.pattern is not a valid"),
        ("[schema.fields.a]\ntype = \"text\"\nshape = \"many\"\n", ":3: schema.fields.a.shape must be one of"),
        ("[vault]\ntemplates_folder = \"../outside\"\n", ":2: vault.templates_folder must be a path inside"),
        ("[unknown]\n", ":1: unknown is not a known setting"),
        ("[vault\n", "vaulttool.toml: Expected ']'"),
        ("[wikidata]\nlanguages = []\n", ":2: wikidata.languages must be a non-empty list of language codes"),
        ("[wikidata]\nproperties = { location = \"x\" }\n", ":2: wikidata.properties keys must be property ids"),
        ("[wikidata]\nlink_pattern = \"{name}\"\n", ":2: wikidata.link_pattern may use only {label}"),
        ("[tiers]\nnames = [\"public\", \"public\"]\n", ":2: tiers.names must be a list of distinct"),
        ("[tiers]\nfolder_pattern = \"tiers/{tier}\"\n", ":2: tiers.folder_pattern must name one folder"),
        ("[tiers]\nlink_line = \"[{title}]\"\n", ":2: tiers.link_line may use only {link}, {name} and {path}"),
    ],
)
def test_bad_config_names_file_line_and_setting(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        vault.open_vault(tmp_path)
    assert str(tmp_path / "vaulttool.toml") in str(raised.value)
    assert message in str(raised.value)


def test_flags_override_the_file(tmp_path: Path) -> None:
    write(tmp_path, "[validate]\nformat = 'json'\nstrict = true\n")
    config = vault.open_vault(tmp_path).override(output_format="github", strict=None, jobs=1)
    assert (config.output_format, config.strict, config.jobs) == ("github", True, 1)


def test_broken_types_json_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "types.json").write_text("{not json")
    with pytest.raises(ConfigError, match="types.json: is not valid JSON"):
        vault.open_vault(tmp_path)


def test_every_wikidata_and_tiers_setting_is_checked() -> None:
    import dataclasses

    from vaulttool.config.load import _TIERS_CHECKS, _WIKIDATA_CHECKS
    from vaulttool.config.settings import TiersConfig, WikidataConfig

    assert set(_WIKIDATA_CHECKS) == {f.name for f in dataclasses.fields(WikidataConfig)}
    assert set(_TIERS_CHECKS) == {f.name for f in dataclasses.fields(TiersConfig)}


def test_environment_overrides_endpoint_and_contact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[wikidata]\nendpoint = "https://example.org/w/api.php"\ncontact = "file@example.org"\n')
    monkeypatch.setenv("VAULTTOOL_CONTACT", "env@example.org")
    wikidata = vault.open_vault(tmp_path).wikidata
    assert (wikidata.endpoint, wikidata.contact) == ("https://example.org/w/api.php", "env@example.org")
