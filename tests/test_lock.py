"""One writer at a time: real processes contend for the vault's lock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.cli import main
from vaulttool.disk.lock import LockBusyError, VaultLock
from vaulttool.engine.note import Note

HOLDER = """
import sys, time
from pathlib import Path
from vaulttool.disk.lock import VaultLock
with VaultLock(Path(sys.argv[1]), "holder", 0):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(state: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(state), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    return process


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


STUB = "_public/UN(United_Nations)/IOM(International_Organization_for_Migration).public.md"


def test_a_second_writer_exits_clearly_after_its_timeout(example_vault: Path) -> None:
    (example_vault / STUB).unlink()  # something to write
    holder = hold(example_vault / ".vaulttool" / "cache", 30)
    try:
        result = run("tiers", "--lock-timeout", "0.3", str(example_vault))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"vaulttool: another vaulttool is writing this vault (pid {holder.pid} on ")
        assert "`vaulttool holder` since" in result.stderr and "waited 0.3 s" in result.stderr
        assert run("sync", "--offline", "--lock-timeout", "0", str(example_vault)).exit_code == 4
        assert run("validate", str(example_vault)).exit_code == 0  # readers never wait
    finally:
        holder.kill()
        holder.wait()


def test_a_second_writer_waits_for_the_first(example_vault: Path) -> None:
    (example_vault / STUB).unlink()
    holder = hold(example_vault / ".vaulttool" / "cache", 0.5)
    start = time.monotonic()
    result = run("tiers", "--lock-timeout", "20", str(example_vault))
    assert result.exit_code == 0 and time.monotonic() - start >= 0.3
    assert (example_vault / STUB).is_file()
    assert holder.wait() == 0


def test_tiers_with_nothing_to_write_waits_for_a_writer_but_takes_no_lock(example_vault: Path) -> None:
    """The pre-commit hook's usual run: it waits while another vaulttool writes (issue 27: it would
    otherwise read that writer's work half done), then writes nothing and takes no lock; `--check`, a
    reader, never waits."""
    holder = hold(example_vault / ".vaulttool" / "cache", 1)
    try:
        start = time.monotonic()
        result = run("tiers", "--check", "--lock-timeout", "20", str(example_vault))
        assert result.exit_code == 0 and time.monotonic() - start < 1
        result = run("tiers", "--fail-on-change", "--lock-timeout", "20", str(example_vault))
        assert result.exit_code == 0 and time.monotonic() - start >= 0.5
        assert result.stderr.startswith(f"vaulttool: another vaulttool is writing this vault (pid {holder.pid} on ")
        assert result.stderr.endswith("; waiting up to 20 s for it to finish\n"
                                      "49 notes checked: wrote 0 files; 0 errors, 0 warnings\n")
    finally:
        holder.wait()
    assert not (example_vault / ".vaulttool" / "cache" / "lock.holder").exists()


def test_a_lock_left_by_a_killed_process_is_detected_and_taken_over(example_vault: Path) -> None:
    (example_vault / STUB).unlink()
    holder = hold(example_vault / ".vaulttool" / "cache", 30)
    holder.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no chance to clean up
    holder.wait()
    result = run("tiers", "--lock-timeout", "0", str(example_vault))
    assert result.exit_code == 0
    assert f"took over a stale lock left by a process that is gone (pid {holder.pid} on " in result.stderr


def test_two_concurrent_writers_corrupt_nothing(example_vault: Path) -> None:
    for tier in ("public", "secret"):
        for stub in (example_vault / f"_{tier}").rglob("*.md"):
            stub.unlink()
    command = [sys.executable, "-m", "vaulttool", "tiers", "--lock-timeout", "30", str(example_vault)]
    first, second = subprocess.Popen(command, stderr=subprocess.PIPE), subprocess.Popen(command, stderr=subprocess.PIPE)
    assert first.wait() == 0 and second.wait() == 0
    stubs = [p for tier in ("public", "internal", "protect", "private", "personal", "secret")
             for p in (example_vault / f"_{tier}").rglob("*.md")]
    assert len(stubs) == 24
    for stub in stubs:
        assert Note.parse(stub.read_bytes()).values()["vaulttool_stub"].startswith("sha256-")
    assert not [p for p in example_vault.rglob("*") if p.name.endswith(".vaulttool-tmp")]
    assert run("tiers", "--check", str(example_vault)).exit_code == 0


def test_the_lock_file_is_not_a_note(example_vault: Path) -> None:
    with VaultLock(example_vault / ".vaulttool" / "cache", "test", 0) as lock:
        assert lock.path.name == "lock" and lock.path.suffix != ".md"


# --- the lock itself, between two real processes (filelock's OS lock) ------------------------------


def test_the_holder_record_is_beside_the_lock_and_gone_after_a_clean_release(tmp_path: Path) -> None:
    state = tmp_path / ".vaulttool" / "cache"
    holder = hold(state, 0.3)
    record = json.loads((state / "lock.holder").read_text(encoding="utf-8"))  # readable while locked
    assert record["pid"] == holder.pid and record["command"] == "holder"
    assert holder.wait() == 0
    assert not (state / "lock.holder").exists()
    with VaultLock(state, "second", 0) as lock:
        assert lock.stale_message() is None  # released cleanly: nothing to call stale


def test_a_second_process_waits_and_takes_the_lock_when_the_first_releases_it(tmp_path: Path) -> None:
    state = tmp_path / ".vaulttool" / "cache"
    holder = hold(state, 0.5)
    start = time.monotonic()
    with VaultLock(state, "second", 20, poll=0.05) as lock:
        waited = time.monotonic() - start
        assert json.loads(lock.holder_path.read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert 0.2 <= waited < 10 and lock.stale_message() is None  # (the holder slept 0.5 s after taking it)
    assert holder.wait() == 0


def test_a_second_process_times_out_with_a_message_naming_the_holder(tmp_path: Path) -> None:
    state = tmp_path / ".vaulttool" / "cache"
    holder = hold(state, 30)
    try:
        start = time.monotonic()
        with pytest.raises(LockBusyError) as raised:
            with VaultLock(state, "second", 0.4, poll=0.05):
                pass
        assert time.monotonic() - start >= 0.4
        message = str(raised.value)
        assert message.startswith(f"another vaulttool is writing this vault (pid {holder.pid} on {socket.gethostname()}, "
                                  "`vaulttool holder` since ")
        assert message.endswith(f"); waited 0.4 s. Try again when it has finished (lock: {state / 'lock'})")
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_never_blocks_and_its_record_is_reported_stale(tmp_path: Path) -> None:
    state = tmp_path / ".vaulttool" / "cache"
    holder = hold(state, 30)
    holder.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no chance to clean up
    holder.wait()
    assert (state / "lock.holder").exists()  # what the killed holder left
    start = time.monotonic()
    with VaultLock(state, "second", 0) as lock:  # no wait at all: the system released the lock
        assert time.monotonic() - start < 2
        assert lock.stale_holder is not None and lock.stale_holder["pid"] == holder.pid
        assert lock.stale_message() == (f"took over a stale lock left by a process that is gone (pid {holder.pid} on "
                                        f"{socket.gethostname()}, `vaulttool holder` since "
                                        f"{lock.stale_holder['started']})")
