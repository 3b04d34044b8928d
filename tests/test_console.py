"""Output on narrow consoles, through the real command in a subprocess: a cp1252 pipe as on Windows,
and an ASCII one under the C locale (LC_ALL=C with PYTHONUTF8=0, so Python neither coerces the locale
nor turns on UTF-8 mode). Nothing may raise UnicodeEncodeError; what the encoding cannot hold is
written as a backslash escape, and JSON is ASCII with JSON's own escapes, the same bytes everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import linux_only

IOM = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
CP1252 = {"PYTHONIOENCODING": "cp1252"}
C_LOCALE = {"PYTHONIOENCODING": "ascii", "LC_ALL": "C", "PYTHONUTF8": "0"}


@pytest.fixture
def unicode_vault(example_vault: Path) -> Path:
    """The example vault with `Genève.md` (a duplicate key `МОМ`: VT105), a clean standard note
    `МОМ.md` (stubs to make), and the IOM note's short name МОМ spelt in Latin letters (refresh puts
    it back: a diff line with Cyrillic)."""
    folder = example_vault / "_Standards" / "UN(United_Nations)"
    (folder / "Genève.md").write_bytes("---\naliases:\n  - Genève\nМОМ: 1\nМОМ: 2\n---\n".encode())
    (folder / "МОМ.md").write_bytes("---\naliases:\n  - МОМ\n---\n\n# МОМ\n".encode())
    iom = example_vault / IOM
    iom.write_bytes(iom.read_bytes().replace("  - МОМ\n".encode(), b"  - MOM\n"))
    return example_vault


def run(vault: Path, environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[bytes]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8")) and key != "LANG"}
    result = subprocess.run([sys.executable, "-m", "vaulttool", *arguments], cwd=vault, capture_output=True,
                            env={**env, **environment}, check=False)
    assert b"Traceback" not in result.stderr and b"UnicodeEncodeError" not in result.stderr, result.stderr.decode(
        "utf-8", "replace")
    return result


@linux_only
def test_the_c_locale_really_is_narrow() -> None:
    """The environment C_LOCALE gives a Python whose standard output is ASCII and whose file names
    are decoded as ASCII: the console these tests mean."""
    probe = "import sys; print(sys.stdout.encoding, sys.getfilesystemencoding())"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "PYTHON")) and key != "LANG"}
    result = subprocess.run([sys.executable, "-c", probe], env={**env, **C_LOCALE}, capture_output=True, check=True)
    assert result.stdout.split() == [b"ascii", b"ascii"]


def test_validate_on_a_cp1252_console_escapes_what_it_cannot_hold(unicode_vault: Path) -> None:
    result = run(unicode_vault, CP1252, "validate", ".")
    assert result.returncode == 1
    lines = result.stdout.decode("cp1252").splitlines()
    assert ("_Standards/UN(United_Nations)/Genève.md:5:1: VT105 duplicate key '\\u041c\\u041e\\u041c': YAML readers "
            "keep only one of them") in lines
    # A console stream is in text mode: each line ends as the OS ends lines (\r\n on Windows).
    assert result.stderr == b"51 notes checked: 1 error, 2 warnings" + os.linesep.encode()


@linux_only
def test_validate_under_the_c_locale_writes_utf8(unicode_vault: Path) -> None:
    """Click takes a stream that claims ASCII for a misconfigured one and writes UTF-8 to it, as
    Python itself does in the C locale since 3.7; the note's UTF-8 name is shown as it is."""
    result = run(unicode_vault, C_LOCALE, "validate", ".")
    assert result.returncode == 1
    lines = result.stdout.decode("utf-8").splitlines()
    assert "_Standards/UN(United_Nations)/Genève.md:5:1: VT105 duplicate key 'МОМ': YAML readers keep only one of them" in lines


@pytest.mark.parametrize("environment", [CP1252, pytest.param(C_LOCALE, marks=linux_only)], ids=["cp1252", "C"])
def test_json_output_is_ascii_and_reads_back_as_the_same_text(unicode_vault: Path, environment: dict[str, str]) -> None:
    result = run(unicode_vault, environment, "validate", "--format", "json", ".")
    assert result.returncode == 1
    assert result.stdout.isascii()
    found = {(f["path"], f["code"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    assert ("_Standards/UN(United_Nations)/Genève.md", "VT105",
            "duplicate key 'МОМ': YAML readers keep only one of them") in found
    assert result.stdout == run(unicode_vault, {"PYTHONUTF8": "1"}, "validate", "--format", "json", ".").stdout


def test_tiers_dry_run_on_a_cp1252_console(unicode_vault: Path) -> None:
    result = run(unicode_vault, CP1252, "tiers", "--dry-run", ".")
    assert result.returncode == 1  # Genève.md: its duplicate key stops its stubs
    text = result.stdout.decode("cp1252").replace(os.linesep, "\n")  # (\r\n from a text stream on Windows)
    assert "+++ b/_public/UN(United_Nations)/\\u041c\\u041e\\u041c.public.md\n" in text
    assert ("_Standards/UN(United_Nations)/Genève.md:5:1: VT105 duplicate key '\\u041c\\u041e\\u041c': YAML readers "
            "keep only one of them; no tier stubs or links section written\n") in text
    assert not list(unicode_vault.rglob("*.public.md.*"))


@linux_only
def test_tiers_dry_run_under_the_c_locale_refuses_names_it_cannot_decode(unicode_vault: Path) -> None:
    """Python decodes file names as ASCII there: a UTF-8 name is read with stand-ins for its bytes, and
    no stub could be named after it. It is refused with a finding, never a traceback."""
    result = run(unicode_vault, C_LOCALE, "tiers", "--dry-run", ".")
    assert result.returncode == 1
    lines = result.stdout.decode("utf-8").splitlines()
    assert ("_Standards/UN(United_Nations)/МОМ.md:1:1: VT414 refused: a name that is not UTF-8 as Python decodes file "
            "names here (for UTF-8 names under a non-UTF-8 locale such as LC_ALL=C, set PYTHONUTF8=1); nothing "
            "written for this note") in lines


@pytest.mark.parametrize(("environment", "encoding", "added"), [(CP1252, "cp1252", "+  - \\u041c\\u041e\\u041c"),
                                                                pytest.param(C_LOCALE, "utf-8", "+  - МОМ", marks=linux_only)],
                         ids=["cp1252", "C"])
def test_refresh_dry_run_diff(unicode_vault: Path, environment: dict[str, str], encoding: str, added: str) -> None:
    before = (unicode_vault / IOM).read_bytes()
    result = run(unicode_vault, environment, "refresh", "--offline", "--dry-run", ".")
    assert result.returncode == 0
    lines = result.stdout.decode(encoding).splitlines()
    assert f"--- a/{IOM}" in lines and "-  - MOM" in lines and added in lines
    assert f"{IOM}: would change: short_name" in lines
    assert (unicode_vault / IOM).read_bytes() == before


def test_a_usage_error_naming_unicode_on_a_cp1252_console(unicode_vault: Path) -> None:
    result = run(unicode_vault, CP1252, "validate", "--format", "МОМ", ".")
    assert result.returncode == 2 and b"'\\u041c\\u041e\\u041c' is not one of" in result.stderr
