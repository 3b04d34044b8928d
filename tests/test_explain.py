"""`vaulttool explain` and the README's table of codes, both written from one text per code."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import REPO

from vaulttool import explanations
from vaulttool.cli import main
from vaulttool.findings import CODES


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_code_has_an_explanation_and_only_those() -> None:
    assert list(explanations.EXPLANATIONS) == list(CODES)


@pytest.mark.parametrize("code", list(CODES))
def test_each_explanation_is_written_out(code: str) -> None:
    meaning, why, fix = explanations.EXPLANATIONS[code]
    assert "\n" not in meaning and "|" not in meaning  # one line, and a table cell
    assert len(why) > 60 and len(fix) > 20


def test_explain_a_code_in_any_case() -> None:
    result = run("explain", "vt201")
    assert result.exit_code == 0
    assert result.stdout == (
        "VT201 (error): unquoted wikilink\n\n"
        "Unquoted wikilink: `key: [[X]]` is a nested list to YAML.\n\n"
        "Why it matters in Obsidian: To YAML, `[[X]]` is a list holding a list holding X: Obsidian shows the\n"
        "property as a list, not a link, so the note is missing from X's backlinks and the graph, and editing\n"
        "the property in Obsidian writes it back as a list.\n\n"
        "How to fix it: Quote it: `key: \"[[X]]\"`. `vaulttool validate --fix` does that, in the quote\n"
        "character the note uses.\n")
    assert run("explain", " VT201 ").stdout == result.stdout


@pytest.mark.parametrize("code", ["VT204", "VT308"])
def test_the_reserved_codes_are_explained(code: str) -> None:
    result = run("explain", code)
    assert result.exit_code == 0 and result.stdout.startswith(f"{code} (error): {CODES[code][1]}\n")


def test_explain_without_a_code_lists_every_code() -> None:
    for args in [(), ("--list",)]:
        result = run("explain", *args)
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert [line.split()[0] for line in lines] == list(CODES)
        assert lines[0] == "VT101  error    invalid UTF-8"
        assert "VT203  warning  leading or trailing whitespace in a value" in lines


@pytest.mark.parametrize("code", ["VT999", "201", "nonsense"])
def test_an_unknown_code_is_a_usage_error(code: str) -> None:
    result = run("explain", code)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"vaulttool: no finding code {code!r}; `vaulttool explain` lists them\n"


def test_the_readme_table_is_the_generated_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(explanations.README_START)
    end = readme.index(explanations.README_END) + len(explanations.README_END) + 1
    assert readme[start:end] == explanations.readme_table(), "run: python scripts/readme_codes.py"
    assert explanations.with_table(readme) == readme


def test_the_table_rows_are_the_meanings() -> None:
    rows = explanations.readme_table().splitlines()[3:-1]
    assert rows[0] == "| VT101 | error | invalid UTF-8 (position of the first bad byte) |"
    assert rows == [f"| {code} | {CODES[code][0]} | {explanations.EXPLANATIONS[code].meaning} |" for code in CODES]


def test_with_table_rewrites_between_the_markers_only() -> None:
    stale = f"# Notes\n\n{explanations.README_START}\n| old |\n{explanations.README_END}\n\nAfter.\n"
    assert explanations.with_table(stale) == "# Notes\n\n" + explanations.readme_table() + "\nAfter.\n"
    with pytest.raises(ValueError, match="markers"):
        explanations.with_table("# no table\n")


def test_the_script_rewrites_a_readme(tmp_path) -> None:  # noqa: ANN001
    import subprocess
    import sys

    readme = tmp_path / "README.md"
    readme.write_bytes(f"top\r\n{explanations.README_START}\r\n{explanations.README_END}\r\nend\r\n".encode())
    subprocess.run([sys.executable, str(REPO / "scripts" / "readme_codes.py"), str(readme)], check=True)
    table = explanations.readme_table().replace("\n", "\r\n")
    assert readme.read_bytes().decode() == "top\r\n" + table + "end\r\n"
