"""Faults caused for real: signals, kills, racing editors, full and read-only disks, symlinks, names.

Nothing here fakes the filesystem: processes are really killed, the disk really fills, a mount really
is read-only (those tests need root and are skipped without it; CI runs as root)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_VAULT, REFERENCE_NOTE, fingerprint

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_validate import generate  # noqa: E402  (the benchmarks' vault of reference-shaped notes)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def vaulttool(*args: str, cwd: Path | None = None, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vaulttool", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, **options)  # type: ignore[call-overload]


def alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def wait_for_children(pid: int, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(children(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(children(pid)) >= count, "the worker pool never started"
    time.sleep(0.2)


@pytest.fixture(scope="module")
def big_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 reference-shaped notes and their tier siblings: a validate that takes a few seconds."""
    vault = tmp_path_factory.mktemp("big") / "vault"
    generate(vault, 3000)
    return vault


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_parallel_validate_and_leaves_no_process(big_vault: Path, signum: int, code: int) -> None:
    process = subprocess.Popen([sys.executable, "-m", "vaulttool", "validate", "--no-cache", "-j", "2", str(big_vault)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
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
