"""Faults caused for real: signals, kills, racing editors, full and read-only disks, symlinks, names.

Nothing here fakes the filesystem: processes are really killed, the disk really fills, a mount really
is read-only (those tests need root and are skipped without it; CI runs as root)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from conftest import EXAMPLE_VAULT, IS_ROOT, REFERENCE_NOTE, fingerprint, posix_only

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_validate import generate  # noqa: E402  (the benchmarks' vault of reference-shaped notes)

# (Not "does /proc exist": under wine it does, as Z:\\proc, with Linux's processes in it.)
LINUX_PROCESSES = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's process table, /proc")


def vaulttool(*args: str, cwd: Path | None = None, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vaulttool", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, **options)  # type: ignore[call-overload]


def empty_vault(folder: Path) -> Path:
    """A vault with nothing in it yet but its marker, vaulttool.toml."""
    vault = folder / "vault"
    vault.mkdir()
    (vault / "vaulttool.toml").write_text("", encoding="utf-8")
    return vault


def alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def process_fields(pid: int | str) -> list[str]:
    """A process's fields in /proc after its name: its state, its parent, …; raises OSError when gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = process_fields(entry)
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def workers(pid: int) -> list[int]:
    """The pool's worker processes under `pid`: its children but multiprocessing's resource tracker
    (which spawn and forkserver start), and the forkserver's own children rather than itself."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" in command:
            continue
        found += children(child) if b"forkserver" in command else [child]
    return found


def wait_for_children(pid: int, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(workers(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers(pid)) >= count, "the worker pool never started"
    time.sleep(0.2)


# The pool's start methods under test: the platform's default (fork on Linux before Python 3.14), and
# spawn, the only one on Windows and the default on macOS.
START_METHODS = pytest.mark.parametrize("start_method", [None, "spawn"], ids=["default", "spawn"])


def with_start_method(start_method: str | None) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "VAULTTOOL_START_METHOD"}
    return environment if start_method is None else {**environment, "VAULTTOOL_START_METHOD": start_method}


@pytest.fixture(scope="module")
def big_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 reference-shaped notes and their tier siblings: a validate that takes a few seconds."""
    vault = tmp_path_factory.mktemp("big") / "vault"
    generate(vault, 3000)
    return vault


@LINUX_PROCESSES
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@START_METHODS
def test_a_signal_stops_a_parallel_validate_and_leaves_no_process(big_vault: Path, signum: int, code: int,
                                                                  start_method: str | None) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vaulttool", "validate", "--no-cache", "-j", "2", str(big_vault)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env=with_start_method(start_method))
    wait_for_children(process.pid, 2)  # the workers are checking notes
    assert process.poll() is None, "the run ended before the signal: make the vault bigger"
    if signum == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    else:
        os.kill(process.pid, signal.SIGTERM)  # a service manager stopping the parent alone
    sent = time.monotonic()
    try:
        _, stderr = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert time.monotonic() - sent < 2
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and ("interrupted" in stderr or "terminated" in stderr)
    deadline = time.monotonic() + 2
    while alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(process.pid), "a worker outlived its parent"


# A sitecustomize that notes each process multiprocessing spawns (its command line ends in
# `--multiprocessing-fork`), to prove a run's workers really were spawned, not forked.
SPAWN_WITNESS = """\
import os, sys
if "--multiprocessing-fork" in sys.argv:
    with open(os.environ["VAULTTOOL_TEST_SPAWNED"], "a", encoding="utf-8") as witness:
        witness.write(f"{os.getpid()}\\n")
"""


def test_a_whole_vault_validate_under_spawn_prints_the_same_bytes(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    generate(vault, 40)  # 280 notes: enough for the pool
    (vault / "_Standards" / "Org000" / "Genève.md").write_bytes("---\nМОМ: 1\nМОМ: 2\n---\n".encode())
    (vault / "_Standards" / "Org000" / "broken.md").write_bytes(b"---\nbroken: [\n---\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(SPAWN_WITNESS, encoding="utf-8")
    witness = tmp_path / "spawned.txt"
    runs = {}
    for start_method in (None, "spawn"):
        environment = {**with_start_method(start_method), "VAULTTOOL_TEST_SPAWNED": str(witness),
                       "PYTHONIOENCODING": "utf-8",  # (a Windows pipe's own is the ANSI code page)
                       "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))}
        shutil.rmtree(vault / ".vaulttool", ignore_errors=True)  # each run cold, checking every note
        for arguments in (["validate", "-j", "2", "."], ["roundtrip", "--check", "-j", "2", "."]):
            result = subprocess.run([sys.executable, "-m", "vaulttool", *arguments], cwd=vault, capture_output=True,
                                    env=environment, check=False)
            runs[start_method, arguments[0]] = (result.returncode, *(output.replace(b"\r\n", b"\n")
                                                                      for output in (result.stdout, result.stderr)))
    spawned = witness.read_text(encoding="utf-8").split() if witness.exists() else []
    # two workers for each spawn run, and for the default ones too where the default is spawn (Windows, macOS)
    default_spawns = multiprocessing.get_start_method() == "spawn"
    assert len(spawned) == (8 if default_spawns else 4), "the spawn runs did not spawn two workers each"
    assert runs[None, "validate"] == runs["spawn", "validate"]
    assert runs[None, "roundtrip"] == runs["spawn", "roundtrip"]
    code, stdout, stderr = runs["spawn", "validate"]
    assert code == 1 and b"Traceback" not in stderr
    assert stdout.count(b"VT103") == 1 and "Genève.md:3:1: VT105 duplicate key 'МОМ'".encode() in stdout
    assert stderr == b"282 notes checked: 3 errors, 2 warnings\n"


def test_an_unknown_start_method_is_a_usage_error(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    generate(vault, 30)
    result = vaulttool("validate", "-j", "2", ".", cwd=vault, env={**os.environ, "VAULTTOOL_START_METHOD": "vfork"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "VAULTTOOL_START_METHOD=vfork: this platform's start methods are " in result.stderr


# --- kill -9 mid-run --------------------------------------------------------------------------

STALE_COUNTRY = (b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"', b'country: "[[_Standards/WikiData/WD~France,142]]"')
TEMP_GLOB = "*.vaulttool-tmp"


def bare_many(root: Path, count: int) -> Path:
    """The example vault with `count` more standard notes that have no tier stubs yet."""
    vault = root / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    body = REFERENCE_NOTE.read_bytes()
    for index in range(count):
        note = vault / "_Standards" / "Many" / f"N{index:03}.md"
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_bytes(body[:body.index(b"## Confidential")])
    return vault


def snapshot_of(vault: Path) -> dict[str, bytes]:
    return {str(p.relative_to(vault)): p.read_bytes() for p in vault.rglob("*")
            if p.is_file() and ".vaulttool" not in p.parts}


@pytest.fixture(scope="module")
def bare_300(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """`bare_many`'s vault of 300 notes without stubs (a template: copy it, do not change it), its files,
    and its files once `vaulttool tiers` has run: made once for the tests that stop a tiers run."""
    root = tmp_path_factory.mktemp("bare_300")
    finished = bare_many(root / "finished", 300)
    assert vaulttool("tiers", ".", cwd=finished).returncode == 0
    template = bare_many(root / "template", 300)
    return template, snapshot_of(template), snapshot_of(finished)


def killed(arguments: list[str], cwd: Path, delay: float, env: dict[str, str] | None = None) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vaulttool", *arguments], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.kill()  # SIGKILL: no handler runs, no finally
    process.wait()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kill_9_during_tiers(tmp_path: Path, seed: int,
                            bare_300: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    template, initial, final = bare_300
    vault = tmp_path / "killed"
    shutil.copytree(template, vault)
    killed(["tiers", "."], vault, random.Random(seed).uniform(0.15, 0.6))
    for name, data in snapshot_of(vault).items():
        if name.endswith(".vaulttool-tmp"):
            continue  # debris, for the next run
        assert data in (initial.get(name), final.get(name)), name  # every note old or new, never partial
    again = vaulttool("tiers", ".", cwd=vault)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list(vault.rglob(TEMP_GLOB))
    assert snapshot_of(vault) == final
    third = vaulttool("tiers", ".", cwd=vault)
    assert (third.returncode, third.stdout) == (0, "")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_during_refresh(wikidata, tmp_path: Path, seed: int) -> None:  # noqa: ANN001
    from test_refresh import many_notes

    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    paths = many_notes(wikidata, vault, 300)
    final = {path: path.read_bytes() for path in paths}
    for path in paths:
        path.write_bytes(final[path].replace(*STALE_COUNTRY))
    initial = {path: path.read_bytes() for path in paths}
    environment = {**os.environ}
    killed(["refresh", "."], vault, random.Random(seed).uniform(0.3, 1.2), environment)
    for path in paths:
        assert path.read_bytes() in (initial[path], final[path]), path
    again = vaulttool("refresh", ".", cwd=vault)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list(vault.rglob(TEMP_GLOB))
    assert all(path.read_bytes() == final[path] for path in paths)
    third = vaulttool("refresh", ".", cwd=vault)
    assert third.returncode == 0 and " 0 changed, 0 failed" in third.stderr


# --- an editor racing the write ----------------------------------------------------------------


def test_an_editor_racing_each_write_loses_nothing(wikidata, tmp_path: Path) -> None:  # noqa: ANN001
    from test_refresh import many_notes

    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    paths = many_notes(wikidata, vault, 300)
    stale = {path: path.read_bytes().replace(*STALE_COUNTRY) for path in paths}
    folder = paths[0].parent
    edits: dict[str, bytes] = {}
    for _ in range(3):  # a machine fast enough to hide every temp file from the editor gets another go
        for path, data in stale.items():
            path.write_bytes(data)
        edits.clear()
        during: set[str] = set()  # edits made while vaulttool's temp file was still there: before its rename
        stop = threading.Event()

        def editor() -> None:
            while not stop.is_set():
                for entry in os.scandir(folder):
                    if entry.name.endswith(".vaulttool-tmp"):
                        note = entry.name[1:].split(".md.", 1)[0] + ".md"
                        if note in edits:
                            continue
                        edits[note] = b"---\nhas_id_wikidata: Q5000\n---\nWritten by a person at " + note.encode() + b"\n"
                        (folder / note).write_bytes(edits[note])
                        with contextlib.suppress(FileNotFoundError):
                            # (the same temporary file: after an exchange its name holds the old note, and an
                            # edit made then lands after vaulttool's write, which it rightly reports as done)
                            if os.stat(entry.path).st_ino == entry.inode():
                                during.add(note)

        thread = threading.Thread(target=editor)
        thread.start()
        try:
            result = vaulttool("refresh", ".", cwd=vault)
        finally:
            stop.set()
            thread.join()
        lost = [note for note, data in edits.items() if (folder / note).read_bytes() != data]
        assert lost == []
        for note in during:
            assert f"_Standards/Many/{note}: failed:" in result.stdout, note
        assert not list(vault.rglob(TEMP_GLOB))
        if edits:
            break
    assert edits, "the editor never saw a temporary file"


# --- a full disk and a read-only vault (real mounts: root only) ---------------------------------

needs_root = pytest.mark.skipif(not IS_ROOT or shutil.which("mount") is None, reason="mounts need root")


def mount(*arguments: str) -> None:
    result = subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False)
    if result.returncode != 0:  # root without the right to mount (some containers): nothing to test here
        pytest.skip(f"cannot mount here: {result.stderr.strip()}")


@contextlib.contextmanager
def mounted(point: Path, *arguments: str) -> Iterator[Path]:
    """`mount ARGUMENTS POINT` for the time of the block, unmounted whatever happens."""
    point.mkdir(exist_ok=True)
    mount(*arguments, str(point))
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def stale_example(folder: Path) -> Path:
    """A copy of the example vault whose reference note refresh would change."""
    vault = folder / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    note = vault / "_Standards" / "UN(United_Nations)" / "IOM(International_Organization_for_Migration).md"
    note.write_bytes(note.read_bytes().replace(*STALE_COUNTRY))
    return vault


@pytest.fixture
def full_disk(tmp_path: Path):  # noqa: ANN201
    """The example vault, a stale note and a bare one, on a small tmpfs filled to the last byte."""
    with mounted(tmp_path / "tmpfs", "-t", "tmpfs", "-o", "size=4m", "tmpfs") as point:
        vault = stale_example(point)
        shutil.rmtree(vault / "_secret")
        with open(point / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        yield vault


@needs_root
def test_a_full_disk_gives_messages_not_tracebacks(full_disk: Path) -> None:
    before = snapshot_of(full_disk)
    runs = {command: vaulttool(*command.split(), ".", cwd=full_disk)
            for command in ("validate", "check", "refresh --offline", "tiers", "sync --offline", "validate --fix")}
    for command, result in runs.items():
        assert "Traceback" not in result.stdout + result.stderr, (command, result.stderr)
    assert runs["refresh --offline"].returncode == 1
    assert "not written: No space left on device" in runs["refresh --offline"].stdout
    assert runs["tiers"].returncode == 1 and "VT417 not written" in runs["tiers"].stdout
    assert runs["sync --offline"].returncode == 4
    after = snapshot_of(full_disk)
    assert {name: data for name, data in after.items() if name in before} == before  # every note as it was
    assert not list(full_disk.rglob(TEMP_GLOB))


@pytest.fixture
def read_only_vault(tmp_path: Path):  # noqa: ANN201
    with mounted(tmp_path / "ro", "--bind", str(stale_example(tmp_path))) as point:
        mount("-o", "remount,ro,bind", str(point))
        yield point


@needs_root
def test_a_read_only_vault_is_validated_and_never_written(read_only_vault: Path) -> None:
    before = snapshot_of(read_only_vault)
    validated = vaulttool("validate", ".", cwd=read_only_vault)
    assert validated.returncode == 0, validated.stderr
    assert "the validate cache was not written" in validated.stderr and "Read-only file system" in validated.stderr
    assert vaulttool("check", ".", cwd=read_only_vault).returncode == 0
    for command, code in (("refresh --offline", 1), ("sync --offline", 4)):
        result = vaulttool(*command.split(), ".", cwd=read_only_vault)
        assert result.returncode == code, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and "cannot take the writer lock" in result.stderr
    # With every stub in place, tiers has nothing to write, so it needs no lock either.
    tiers = vaulttool("tiers", ".", cwd=read_only_vault)
    # (The notice comes once the copied notes are old enough to be cached: see statcache.RACY_NS.)
    notice = (f"vaulttool: the tiers cache was not written ({read_only_vault}/.vaulttool/cache: Read-only file "
              "system); the next run plans every note again\n")
    assert tiers.returncode == 0
    assert tiers.stderr.removeprefix(notice) == "49 notes checked: wrote 0 files; 0 errors, 0 warnings\n"
    assert snapshot_of(read_only_vault) == before


# --- symlinks given as arguments ----------------------------------------------------------------
@posix_only
def test_symlinks_out_of_the_vault_are_refused_and_nothing_outside_changes(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    outside = tmp_path / "outside"
    (outside / ".obsidian").mkdir(parents=True)
    (outside / "note.md").write_bytes(REFERENCE_NOTE.read_bytes().replace(*STALE_COUNTRY))
    (vault / "link.md").symlink_to(outside / "note.md")
    (vault / "_Standards" / "linked").symlink_to(outside, target_is_directory=True)
    before = fingerprint(outside, "*") | {"entries": str(sorted(p.name for p in outside.rglob("*")))}
    for arguments in (["refresh", "--offline", "link.md"], ["validate", "link.md"], ["tiers", "link.md"],
                      ["validate", "_Standards/linked"], ["tiers", "_Standards/linked"], ["check", "_Standards/linked"],
                      ["validate", "--fix", "_Standards/linked/note.md"]):
        result = vaulttool(*arguments, cwd=vault)
        assert result.returncode == 2, (arguments, result.stdout, result.stderr)
        assert "is outside the vault" in result.stderr
    assert fingerprint(outside, "*") | {"entries": str(sorted(p.name for p in outside.rglob("*")))} == before
    assert not (outside / ".vaulttool").exists()


def test_a_folder_that_is_no_vault_is_refused(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("---\na: 1\n---\n", encoding="utf-8")
    result = vaulttool("tiers", ".", cwd=tmp_path)
    assert result.returncode == 2 and "is in no vault" in result.stderr
    assert not (tmp_path / ".vaulttool").exists()
    named = vaulttool("--root", ".", "validate", cwd=tmp_path)
    assert named.returncode == 0, named.stderr
@posix_only
def test_a_vault_opened_through_a_link_to_it_works(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    (tmp_path / "shortcut").symlink_to(vault, target_is_directory=True)
    result = vaulttool("sync", "--offline", str(tmp_path / "shortcut"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the validate cache cannot lie -------------------------------------------------------------


def test_an_edit_that_keeps_size_and_mtime_is_seen(tmp_path: Path) -> None:
    vault = empty_vault(tmp_path)
    note = vault / "note.md"
    note.write_bytes(b'---\ntitle: "ok "\n---\n')
    time.sleep(2.1)  # older than the racy window: the cached stat alone is trusted
    first = vaulttool("validate", ".", cwd=vault)
    assert "VT203" in first.stdout
    info = note.stat()
    note.write_bytes(b'---\ntitle: "ok!"\n---\n')  # the same size
    os.utime(note, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the mtime put back, as `touch -r` does
    second = vaulttool("validate", ".", cwd=vault)
    assert (second.returncode, second.stdout) == (0, ""), second.stdout


def test_an_edit_right_after_a_run_is_seen(tmp_path: Path) -> None:
    """Racy entries: a note written in the same instant as the cache is compared by content next time."""
    vault = empty_vault(tmp_path)
    note = vault / "note.md"
    for attempt in range(3):
        note.write_bytes(b'---\ntitle: "ok "\n---\n')
        info = note.stat()
        assert "VT203" in vaulttool("validate", ".", cwd=vault).stdout
        note.write_bytes(b'---\ntitle: "ok!"\n---\n')
        os.utime(note, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert vaulttool("validate", ".", cwd=vault).stdout == "", attempt


# --- names --------------------------------------------------------------------------------------


def test_notes_named_like_options_are_checked(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    for name in ("-n.md", "--all.md"):
        (vault / name).write_bytes(b"---\nlink: [[x]]\n---\n")
    result = vaulttool("check", "--", "-n.md", "--all.md", cwd=vault)
    assert result.returncode == 1
    assert "--all.md:2:7: VT201 " in result.stdout and "\n-n.md:2:7: VT201 " in result.stdout
@posix_only
def test_a_name_with_a_line_break_stays_on_one_line(tmp_path: Path) -> None:
    vault = empty_vault(tmp_path)
    (vault / "two\nlines.md").write_bytes(b"---\nlink: [[x]]\n---\n")
    result = vaulttool("validate", ".", cwd=vault)
    assert result.stdout.startswith("two\\nlines.md:2:7: VT201 ") and result.stdout.count("\n") == 1


@pytest.mark.parametrize(("first", "second"), [("Case", "case"), ("Gen\u00e8ve", "Gene\u0300ve")], ids=["case", "nfc-nfd"])
@pytest.mark.usefixtures("distinct_spellings")
def test_stubs_that_would_be_one_file_on_macos_and_windows_are_refused(tmp_path: Path, first: str, second: str) -> None:
    vault = empty_vault(tmp_path)
    (vault / "_Standards" / "X").mkdir(parents=True)
    for stem in (first, second):
        (vault / "_Standards" / "X" / f"{stem}.md").write_text("# note\n", encoding="utf-8")
    result = vaulttool("tiers", ".", cwd=vault)
    assert result.returncode == 1
    refused = [line for line in result.stdout.splitlines() if " VT414 " in line]
    assert len(refused) == 1 and "would be one file on macOS and Windows" in refused[0]
    public = sorted(path.name for path in (vault / "_public" / "X").iterdir())
    assert len(public) == 1  # the first note's stub; none for the second



# --- the reader and the checks are total ---------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from vaulttool.config.settings import FIELD_TYPES, Config, FieldRule, Schema  # noqa: E402
from vaulttool.rules import checks  # noqa: E402

FUZZ_SETTINGS = checks.CheckSettings.of(Config(root=Path("."), schema=Schema(
    fields={f"k{index}": FieldRule(type=kind, shape=("scalar", "list", "either")[index % 3], required=index == 0,
                                   pattern="[a-z]+" if kind == "text" else None)
            for index, kind in enumerate(FIELD_TYPES)}, unknown_keys="warn")))
PIECES = st.sampled_from(["k0", "k1", "k3", "k4", "k9", "k10", ":", " ", "\n", "\r\n", "- ", "  ", "[", "]", "{", "}",
                          "[[", "]]", "http://[", "https://", "#", "&a", "*a", "!!str ", "!!python/x ", '"', "'", "\\",
                          "|", ">", "---", "...", "\t", "0x1F", "1e9", "NO", "~", "2024-02-30", "Q0", "Q42", "é", "\u202e",
                          "\x00", "%", "@", "`", ",", "?"])


@settings(max_examples=1500, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join), st.sampled_from(["_Standards/a.md", "_public/a.public.md", "a.md"]))
def test_any_frontmatter_gives_findings_not_exceptions(frontmatter: str, vault_path: str) -> None:
    data = ("---\n" + frontmatter + "\n---\nbody [[_secret/x.secret]] [a](http://[x)\n").encode("utf-8", "surrogatepass")
    report = checks.check_note("a.md", vault_path, data, FUZZ_SETTINGS, prove_round_trip=True)
    assert all(finding.code.startswith("VT") for finding in report.findings)


def test_a_note_whose_name_uses_all_255_bytes_is_written(tmp_path: Path) -> None:
    vault = empty_vault(tmp_path)
    stem = "é" * 124  # 248 bytes, and `.md`: 251
    note = vault / f"{stem}.md"
    note.write_bytes(b"---\nlink: [[x]]\n---\n")
    result = vaulttool("validate", "--fix", ".", cwd=vault)
    assert result.returncode == 1 and "VT201 fixed" in result.stdout, result.stderr
    assert note.read_bytes() == b'---\nlink: "[[x]]"\n---\n'
@posix_only
def test_an_interrupted_tiers_says_what_it_wrote(tmp_path: Path) -> None:
    vault = bare_many(tmp_path, 300)
    process = subprocess.Popen([sys.executable, "-m", "vaulttool", "tiers", "."], cwd=vault, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 10
    while len(list((vault / "_public").glob("Many/*.md"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=5)
    assert process.returncode == 130, stderr
    said = {line.removeprefix("created ") for line in stdout.splitlines() if line.startswith("created ")}
    on_disk = {str(path.relative_to(vault)) for tier in ("public", "internal", "protect", "private", "personal", "secret")
               for path in (vault / f"_{tier}").glob("Many/*.md")}
    assert said and said <= on_disk and len(on_disk - said) <= 1  # (the one whose line the signal cut off)


@pytest.mark.usefixtures("distinct_spellings")
def test_stubs_are_named_in_nfc_and_their_nfd_standard_note_is_found(tmp_path: Path) -> None:
    vault = empty_vault(tmp_path)
    (vault / "_Standards" / "Villes").mkdir(parents=True)
    (vault / "_Standards" / "Villes" / "Gene\u0300ve.md").write_text("# Genève\n", encoding="utf-8")
    assert vaulttool("tiers", ".", cwd=vault).returncode == 0
    assert [path.name for path in (vault / "_public" / "Villes").iterdir()] == ["Gen\u00e8ve.public.md"]
    again = vaulttool("tiers", "--check", ".", cwd=vault)
    assert again.returncode == 0, again.stdout  # not an orphan, nothing missing


@posix_only
@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_something_other_than_a_file_where_a_stub_belongs_is_refused(tmp_path: Path, kind: str) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    stub = vault / "_public" / "UN(United_Nations)" / "UN(United_Nations).public.md"
    stub.unlink()
    stub.mkdir() if kind == "folder" else os.mkfifo(stub)
    for arguments in (["tiers", "."], ["tiers", "--check", "."], ["check", "."]):
        result = vaulttool(*arguments, cwd=vault, timeout=20)
        assert result.returncode == 1 and "Traceback" not in result.stderr, (arguments, result.stderr)
        assert "_public/UN(United_Nations)/UN(United_Nations).public.md exists and is not a file" in result.stdout
@posix_only
def test_names_that_are_not_utf8_are_written_and_cached(tmp_path: Path) -> None:
    vault = empty_vault(tmp_path)
    odd = os.fsdecode(b"n\xff.md")
    (vault / odd).write_bytes(b"---\nlink: [[x]]\n---\n")
    (vault / "ok.md").write_bytes(b"---\nlink: [[y]]\n---\n")
    validated = vaulttool("validate", ".", cwd=vault)
    assert validated.returncode == 1 and "Traceback" not in validated.stderr, validated.stderr
    assert "n\\xff.md:2:7: VT201" in validated.stdout  # the byte that is not UTF-8, escaped
    fixed = vaulttool("validate", "--fix", ".", cwd=vault)
    assert fixed.returncode == 1 and "Traceback" not in fixed.stderr, fixed.stderr
    assert (vault / odd).read_bytes() == b'---\nlink: "[[x]]"\n---\n' and b'"[[y]]"' in (vault / "ok.md").read_bytes()
    assert vaulttool("validate", ".", cwd=vault).returncode == 0


def test_names_like_temp_files_of_no_process_do_not_stop_a_writer(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    huge = vault / "_public" / ".x.md.99999999999999999999.abcdefgh.vaulttool-tmp"
    odd = " " if os.name == "nt" else "\n"  # (a line break in the name: not one Windows can hold)
    broken = vault / "_public" / f".a{odd}b.md.999999.abcdefgh.vaulttool-tmp"  # no such pid
    for path in (huge, broken):
        path.write_bytes(b"")
        os.utime(path, (1, 1))
    result = vaulttool("tiers", ".", cwd=vault)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert huge.exists() and not broken.exists()  # not vaulttool's (no pid can be that large); a killed run's


@LINUX_PROCESSES
@START_METHODS
def test_a_worker_killed_by_the_system_ends_the_run_with_a_message(big_vault: Path, start_method: str | None) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vaulttool", "validate", "--no-cache", "-j", "2", str(big_vault)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env=with_start_method(start_method))
    wait_for_children(process.pid, 2)
    os.kill(workers(process.pid)[0], signal.SIGKILL)  # as the OOM killer would
    try:
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 1 and "a worker process died" in stderr and "Traceback" not in stderr


def running(pid: int) -> bool:
    """Whether `pid` is a process that still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return process_fields(pid)[0] != "Z"
    except OSError:
        return False


@LINUX_PROCESSES
@pytest.mark.parametrize("start_method", [None, "spawn", "forkserver"], ids=["default", "spawn", "forkserver"])
def test_a_run_killed_with_sigkill_leaves_no_worker_behind(big_vault: Path, start_method: str | None) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vaulttool", "validate", "--no-cache", "-j", "2", str(big_vault)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env=with_start_method(start_method))
    try:
        wait_for_children(process.pid, 2)
        pool = workers(process.pid)
        os.kill(process.pid, signal.SIGKILL)  # no handler runs, no finally: only the workers can notice
        process.wait(timeout=5)
        deadline = time.monotonic() + 5
        while any(running(pid) for pid in pool) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in pool if running(pid)], "workers outlived a parent killed with SIGKILL"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_reused_anchor_is_a_finding_and_no_python_warning(tmp_path: Path) -> None:
    vault = empty_vault(tmp_path)
    (vault / "note.md").write_bytes(b"---\na: &x 1\nb: &x 2\n---\n")
    result = vaulttool("validate", ".", cwd=vault)
    assert result.returncode == 1 and "VT108" in result.stdout
    assert "Warning" not in result.stderr, result.stderr


# --- two writers at once ------------------------------------------------------------------------


@posix_only
def test_a_second_tiers_waits_for_the_first_before_it_reads_the_vault(tmp_path: Path) -> None:
    """The second run waits, saying so, before it discovers or plans anything: it never sees the first
    one's writes half done (which once gave it thousands of false VT414 and exit 1)."""
    vault = bare_many(tmp_path, 300)
    holder = vault / ".vaulttool" / "cache" / "lock.holder"
    command = [sys.executable, "-m", "vaulttool", "tiers", "--lock-timeout", "20", "."]
    first = subprocess.Popen(command, cwd=vault, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not holder.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(first.pid, signal.SIGSTOP)  # the first writer, frozen while it holds the lock
    try:
        second = subprocess.Popen(command, cwd=vault, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert second.stderr is not None
        said = second.stderr.readline()
    finally:
        os.kill(first.pid, signal.SIGCONT)
    first_out, first_err = first.communicate(timeout=60)
    second_out, second_err = second.communicate(timeout=60)
    assert said.startswith(f"vaulttool: another vaulttool is writing this vault (pid {first.pid} on ")
    assert said.endswith("`vaulttool tiers` since " + said.split(" since ", 1)[1].split(")", 1)[0]
                         + "); waiting up to 20 s for it to finish\n")
    assert first.returncode == 0 and "VT414" not in first_out, first_err
    notes = len([path for path in vault.rglob("*.md") if ".vaulttool" not in path.parts])
    assert (second.returncode, second_out, second_err) == (0, "", f"{notes} notes checked: wrote 0 files; 0 errors, "
                                                                  "0 warnings\n")


@posix_only
def test_sigterm_at_any_moment_of_a_tiers_run_leaves_no_temporary_file(
        tmp_path: Path, bare_300: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """A SIGTERM is raised wherever the run stands: inside mkstemp, or between a temporary file's
    creation and the code that would remove it. Each run, stopped at another moment, leaves every
    file old or new, and no temporary file of its own, beside the notes or under .vaulttool/."""
    template, initial, final = bare_300
    for seed in range(6):
        vault = tmp_path / f"run{seed}"
        shutil.copytree(template, vault)
        process = subprocess.Popen([sys.executable, "-m", "vaulttool", "tiers", "."], cwd=vault,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(random.Random(seed).uniform(0.3, 1.5))
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        # 143: stopped by vaulttool's handler; -SIGTERM: struck before Python ran it (starting up) or after
        # the run ended (shutting down, the default action back), as a loaded CI machine's timing gives.
        assert process.returncode in (0, 143, -signal.SIGTERM) and "Traceback" not in stderr, stderr
        assert [str(path.relative_to(vault)) for path in vault.rglob(TEMP_GLOB)] == [], (seed, stderr)
        for name, data in snapshot_of(vault).items():
            assert data in (initial.get(name), final.get(name)), name


STOPPED_WHILE_WRITING = """
import os, signal, sys
from vaulttool.commands import pool
from vaulttool.errors import Terminated

def stop(signum, frame):
    raise Terminated()

signal.signal(signal.SIGTERM, stop)
print("started", flush=True)
try:
    while True:  # results of a megabyte each: a worker is nearly always writing one to the pipe
        pool.parallel_map(os.urandom, [1_000_000] * 200, 2)
except Terminated:
    sys.exit(143)
"""


@LINUX_PROCESSES
def test_a_sigterm_while_workers_send_their_results_ends_the_run(tmp_path: Path) -> None:
    """A worker stopped half way through writing its result left the pool's thread waiting for the
    rest of that message for ever, and the run with it (the run itself holds a copy of the pipe's
    writing end, so the read never ended)."""
    for seed in range(6):
        process = subprocess.Popen([sys.executable, "-c", STOPPED_WHILE_WRITING], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        assert process.stdout is not None and process.stdout.readline() == "started\n"
        time.sleep(random.Random(seed).uniform(0.3, 1.2))
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"run {seed}: still waiting 30 s after its SIGTERM")
        assert (process.returncode, stderr) == (143, ""), seed
