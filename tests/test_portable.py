"""What Windows and macOS lack: the real CLI run where `fcntl` and `os.fchmod`, `os.fchown`, `os.link`
are missing, and a rename over a note that is refused for a while."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from conftest import EXAMPLE_VAULT, REFERENCE_NOTE
from test_faults import generate, vaulttool
from test_refresh import REFERENCE_PATH, strip_or_stale

from vaulttool.disk import fileio
from vaulttool.engine.note import DELETE
from vaulttool.errors import ConcurrentChangeError

# Run before vaulttool is imported, in every process of the run: the modules Windows has not.
SITECUSTOMIZE = '''
import os, sys

class _WindowsLacks:
    def find_spec(self, name, path=None, target=None):
        if name in ("fcntl", "termios", "pwd", "grp", "resource"):
            raise ImportError(f"No module named {name!r} (simulated Windows)", name=name)
        return None

sys.meta_path.insert(0, _WindowsLacks())
for name in ("fchmod", "fchown", "link", "getuid", "geteuid", "getgid"):
    if hasattr(os, name):
        delattr(os, name)
import signal
for name in ("SIG_BLOCK", "SIG_UNBLOCK", "pthread_sigmask"):  # Windows has no signal mask
    if hasattr(signal, name):
        delattr(signal, name)
'''

PROBE = '''
import os, sys
from pathlib import Path
try:
    import fcntl
except ImportError:
    print("no fcntl")
print("fchmod" if hasattr(os, "fchmod") else "no fchmod", "link" if hasattr(os, "link") else "no link")
from vaulttool.disk import fileio
from vaulttool.errors import ConcurrentChangeError
existing = Path(sys.argv[1])
try:
    fileio.create_file(existing, b"ours")
except ConcurrentChangeError as error:
    print("refused:", error)
fileio.create_file(existing.with_name("new.txt"), b"new\\r\\n")
'''


@pytest.fixture
def windows_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, "VAULTTOOL_WIKIDATA_URL": "http://127.0.0.1:9/w/api.php"}


def in_windows(env: dict[str, str], *arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *arguments], env=env, capture_output=True, text=True, check=False,
                          timeout=120, cwd=cwd)


# On Windows these two would check the simulation against what it simulates: the suite itself is the real thing there.
simulation = pytest.mark.skipif(os.name == "nt", reason="the Linux simulation of Windows; on Windows the suite runs for real")


@simulation
def test_the_simulation_is_real(windows_env: dict[str, str], tmp_path: Path) -> None:
    existing = tmp_path / "existing.txt"
    existing.write_bytes(b"theirs")
    probe = in_windows(windows_env, "-c", PROBE, str(existing))
    assert probe.returncode == 0, probe.stderr
    lines = probe.stdout.splitlines()
    assert lines[:2] == ["no fcntl", "no fchmod no link"]
    # create_file without hard links: O_EXCL never replaces a file, and writes the bytes as given
    assert lines[2] == f"refused: {existing}: appeared while vaulttool was working; not replaced"
    assert existing.read_bytes() == b"theirs" and (tmp_path / "new.txt").read_bytes() == b"new\r\n"
    assert not list(tmp_path.glob("*" + fileio.TEMP_SUFFIX))


@simulation
def test_validate_refresh_and_tiers_run_where_windows_modules_are_missing(windows_env: dict[str, str],
                                                                         example_vault: Path) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({"country": DELETE}))
    note.chmod(0o640)
    stub = next((example_vault / "_public").rglob("*.md"))
    expected_stub = stub.read_bytes()
    stub.unlink()
    runs = {command: in_windows(windows_env, "-m", "vaulttool", *command.split(), str(example_vault))
            for command in ("validate", "refresh --offline", "tiers")}
    for command, result in runs.items():
        assert "Traceback" not in result.stderr and "Warning" not in result.stderr, (command, result.stderr)
    assert runs["validate"].returncode == 0 and runs["validate"].stderr.endswith(" 0 errors, 0 warnings\n")
    assert runs["refresh --offline"].returncode == 0, runs["refresh --offline"].stdout
    assert runs["refresh --offline"].stderr.endswith("1 changed, 0 failed, 0 skipped; 0 requests\n")
    assert note.read_bytes() == REFERENCE_NOTE.read_bytes()
    assert note.stat().st_mode & 0o777 == 0o640  # kept by os.chmod, as fchmod is missing
    assert runs["tiers"].returncode == 0, runs["tiers"].stdout + runs["tiers"].stderr
    assert stub.read_bytes() == expected_stub  # created through the O_EXCL path: no os.link
    assert not [p for p in example_vault.rglob("*") if p.name.endswith(fileio.TEMP_SUFFIX)]
    assert not (example_vault / ".vaulttool" / "cache" / "lock.holder").exists()


def test_a_pooled_whole_vault_run_works_without_a_signal_mask(windows_env: dict[str, str], tmp_path: Path) -> None:
    """Windows' `signal` has no SIG_BLOCK: a run big enough for the worker pool once crashed there."""
    vault = tmp_path / "vault"
    generate(vault, 40)  # 280 notes: enough for the pool
    for command in ("validate --no-cache", "roundtrip --check"):
        result = in_windows(windows_env, "-m", "vaulttool", *command.split(), "-j", "2", str(vault))
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr)
        assert result.stderr.startswith("280 notes"), (command, result.stderr)


# --- a replace refused for a while ----------------------------------------------------------------


def test_retry_denied_retries_permission_errors_only_and_within_its_budget() -> None:
    """The retry as a pure function: the operation, the clock and the sleep are given to it."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    outcomes: list[BaseException | str] = [PermissionError(13, "Permission denied")] * 3 + ["done"]

    def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    assert fileio.retry_denied(flaky, "note.md", sleep=sleep, clock=lambda: now[0]) == "done"
    assert len(slept) == 3 and slept == sorted(slept)

    def denied() -> None:
        raise PermissionError(13, "Permission denied", "note.md")

    slept.clear()
    with pytest.raises(PermissionError) as raised:
        fileio.retry_denied(denied, "note.md", sleep=sleep, clock=lambda: now[0])
    assert sum(slept) <= fileio.REPLACE_RETRY_SECONDS and len(slept) > 3
    assert raised.value.strerror.startswith("Permission denied (still after retrying for 1 s; another program")
    assert raised.value.filename == "note.md"

    def missing() -> None:
        raise FileNotFoundError(2, "No such file or directory")

    slept.clear()
    with pytest.raises(FileNotFoundError):
        fileio.retry_denied(missing, "note.md", sleep=sleep, clock=lambda: now[0])
    assert slept == []  # not a moment's refusal: raised at once


def immutable(path: Path, on: bool) -> None:
    subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True, capture_output=True)


@pytest.fixture
def locked_note(tmp_path: Path):  # noqa: ANN201
    """A note the kernel refuses to rename over (chattr +i: as Windows does while a file is open), or a skip."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr here")
    note = tmp_path / "note.md"
    note.write_bytes(b"before\n")
    if subprocess.run(["chattr", "+i", str(note)], capture_output=True, check=False).returncode != 0:
        pytest.skip("this file system or user cannot make a file immutable")
    try:
        yield note
    finally:
        immutable(note, False)


def test_a_replace_refused_for_a_moment_succeeds_when_the_refusal_ends(locked_note: Path) -> None:
    snapshot = fileio.read_snapshot(locked_note)
    release = threading.Timer(0.3, immutable, (locked_note, False))
    release.start()
    start = time.monotonic()
    try:
        assert fileio.replace_if_changed(locked_note, b"after\n", snapshot) is True
    finally:
        release.join()
    assert 0.25 <= time.monotonic() - start < fileio.REPLACE_RETRY_SECONDS + 0.5
    assert locked_note.read_bytes() == b"after\n"
    assert not list(locked_note.parent.glob("*" + fileio.TEMP_SUFFIX))


def test_a_replace_refused_throughout_fails_clearly_and_leaves_the_note(locked_note: Path) -> None:
    snapshot = fileio.read_snapshot(locked_note)
    with pytest.raises(PermissionError) as raised:
        fileio.replace_if_changed(locked_note, b"after\n", snapshot)
    assert "still after retrying for 1 s" in raised.value.strerror
    assert locked_note.read_bytes() == b"before\n"
    assert not list(locked_note.parent.glob("*" + fileio.TEMP_SUFFIX))


def test_the_windows_replace_reads_the_note_again_before_each_attempt(tmp_path: Path) -> None:
    """replace_closed, the swap used where an open file cannot be replaced, called here directly."""
    note = tmp_path / "note.md"
    note.write_bytes(b"before\n")
    snapshot = fileio.read_snapshot(note)
    temp = tmp_path / "temp.vaulttool-tmp"
    temp.write_bytes(b"ours\n")
    note.write_bytes(b"theirs\n")  # another program wrote after vaulttool read it
    with pytest.raises(ConcurrentChangeError):
        fileio.replace_closed(temp, note, snapshot)
    assert note.read_bytes() == b"theirs\n"
    note.write_bytes(b"before\n")
    fileio.replace_closed(temp, note, snapshot)
    assert note.read_bytes() == b"ours\n" and not temp.exists()


# --- a file system without hard links, as each system says it --------------------------------------

NO_HARD_LINK_ERRORS = {"Linux (FAT)": errno.EPERM, "FUSE": errno.ENOSYS, "Windows (FAT, exFAT)": errno.EINVAL,
                       "wine": errno.EACCES, "macOS (some shares)": errno.ENOTSUP}


@pytest.fixture
def link_fails(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """`os.link` as a file system without hard links answers it, with the errno given; and no
    renameat2, so that rename_new takes the portable path of other systems."""

    def with_errno(number: int) -> None:
        def link(source: object, target: object) -> None:
            raise OSError(number, os.strerror(number), str(source), None, str(target))

        monkeypatch.setattr(os, "link", link)
        monkeypatch.setattr(fileio, "_linux_libc", lambda name: None)

    return with_errno


@pytest.mark.parametrize("number", NO_HARD_LINK_ERRORS.values(), ids=NO_HARD_LINK_ERRORS.keys())
def test_files_are_created_and_renamed_where_hard_links_fail(link_fails: Callable[[int], None], tmp_path: Path,
                                                              number: int) -> None:
    link_fails(number)
    fileio.create_file(tmp_path / "new.md", b"new\r\n")
    assert (tmp_path / "new.md").read_bytes() == b"new\r\n"
    with pytest.raises(ConcurrentChangeError):
        fileio.create_file(tmp_path / "new.md", b"other")  # never replaces, hard links or not
    fileio.rename_new(tmp_path / "new.md", tmp_path / "sub" / "renamed.md")
    assert (tmp_path / "sub" / "renamed.md").read_bytes() == b"new\r\n" and not (tmp_path / "new.md").exists()
    assert not list(tmp_path.rglob("*" + fileio.TEMP_SUFFIX))


def test_a_link_that_fails_for_another_reason_is_an_error(link_fails: Callable[[int], None], tmp_path: Path) -> None:
    link_fails(errno.ENOSPC)
    with pytest.raises(OSError) as raised:
        fileio.create_file(tmp_path / "new.md", b"new\n")
    assert raised.value.errno == errno.ENOSPC and not list(tmp_path.iterdir())


# --- a real exFAT drive (a USB stick, an SD card): no hard links, no modes, names folded by case --------

MICIC = "_Standards/IOM(International_Organization_for_Migration)/MICIC(Migrants_in_Countries_in_Crisis)"


def test_tiers_makes_and_keeps_a_vaults_stubs_on_exfat(exfat_folder: Path) -> None:
    vault = exfat_folder / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    expected = {path.relative_to(vault).as_posix(): path.read_bytes() for path in (vault / "_secret").rglob("*.md")}
    shutil.rmtree(vault / "_secret")
    first = vaulttool("tiers", str(vault))
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stdout + first.stderr
    made = {path.relative_to(vault).as_posix(): path.read_bytes() for path in (vault / "_secret").rglob("*.md")}
    assert made.keys() == expected.keys() and len(made) == 4
    second = vaulttool("tiers", "--check", str(vault))
    assert second.returncode == 0, second.stdout + second.stderr
    assert not list(vault.rglob("*" + fileio.TEMP_SUFFIX))


def test_mv_changes_only_the_case_of_a_name_on_exfat(exfat_folder: Path) -> None:
    vault = exfat_folder / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    new = MICIC.replace("_in_", "_In_")
    result = vaulttool("mv", f"{MICIC}.md", f"{new}.md", cwd=vault)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    folder = vault / "_Standards" / "IOM(International_Organization_for_Migration)"
    assert "MICIC(Migrants_In_Countries_In_Crisis).md" in os.listdir(folder)
    assert "MICIC(Migrants_in_Countries_in_Crisis).md" not in os.listdir(folder)
    secret = vault / "_secret" / "IOM(International_Organization_for_Migration)"
    assert os.listdir(secret).count("MICIC(Migrants_In_Countries_In_Crisis).secret.md") == 1
    assert f"[[{new}]]".encode() in (secret / "MICIC(Migrants_In_Countries_In_Crisis).secret.md").read_bytes()
    checked = vaulttool("check", str(vault))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_name_spelt_another_way_is_another_file_where_the_file_system_says_so(tmp_path: Path,
                                                                                 distinct_spellings: None) -> None:
    (tmp_path / "note.md").write_bytes(b"mine\n")
    (tmp_path / "Note.md").write_bytes(b"theirs\n")
    assert not fileio.is_respelling(tmp_path / "note.md", tmp_path / "Note.md")
    with pytest.raises(ConcurrentChangeError):
        fileio.rename_new(tmp_path / "note.md", tmp_path / "Note.md")
    assert (tmp_path / "Note.md").read_bytes() == b"theirs\n" and (tmp_path / "note.md").read_bytes() == b"mine\n"
