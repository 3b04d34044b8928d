from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import settings
from pytest_httpserver import HTTPServer
from wikidata_server import FakeWikidata

# Windows has no POSIX permission bits (chmod only sets the read-only flag), signals or mounts: tests
# of those semantics run where they exist. CI runs the suite on Windows CPython too (tests/windows/run).
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes, signals, links, fifos or byte names")
# Windows makes a symlink only with a privilege (or developer mode), and wine shows Linux's as the files
# they point to: a test of how symlinks are refused needs a system where anyone can make one.
symlinks = pytest.mark.skipif(os.name == "nt", reason="symlinks need a privilege on Windows (wine shows none)")
# The C locale narrows Python's streams and file names only on Linux (macOS always uses UTF-8).
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the C locale is narrow only on Linux")


@pytest.fixture
def distinct_spellings(tmp_path: Path) -> None:
    """Skip where the file system takes `A` and `a`, or NFC and NFD spellings, for one name (macOS and
    Windows by default): the tests need both files to exist to see vaulttool tell them apart."""
    folder = tmp_path / "spellings"
    folder.mkdir()
    for name in ("A", "a", "\u00e8", "e\u0300"):
        (folder / name).write_bytes(b"")
    if len(os.listdir(folder)) != 4:
        pytest.skip("this file system folds case or Unicode spellings")
    shutil.rmtree(folder)

TESTS = Path(__file__).parent
DATA = TESTS / "data"
REPO = TESTS.parent
EXAMPLE_VAULT = REPO / "example_vault"
REFERENCE_NOTE = DATA / "roundtrip" / "reference_note.md"


def fingerprint(folder: Path, pattern: str = "*") -> dict[str, str]:
    """The hash of every file matching `pattern` under `folder`, but vaulttool's own state (lock, caches),
    by its path from `folder` with `/` (as vault paths are written, on Windows too)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob(pattern)) if p.is_file() and ".vaulttool" not in p.parts}


def copy_example_vault(target: Path) -> Path:
    """A copy of example_vault/ at `target` (without vaulttool's run state), to change."""
    shutil.copytree(EXAMPLE_VAULT, target, ignore=shutil.ignore_patterns("cache", "lock"))
    return target


@pytest.fixture
def example_vault(tmp_path: Path) -> Path:
    """A private copy of example_vault/ that a test may change."""
    return copy_example_vault(tmp_path / "vault")


FAST_RETRIES = "[wikidata]\nretry_base_seconds = 0\nmax_retry_wait = 0\nmax_retries = 2\n"


@pytest.fixture
def vault(example_vault: Path) -> Path:
    """The example vault without its recorded responses (so runs are cold), retrying without waiting."""
    shutil.rmtree(example_vault / ".vaulttool" / "wikidata")
    config = example_vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[wikidata]\n", FAST_RETRIES), encoding="utf-8")
    return example_vault


@pytest.fixture
def wikidata(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeWikidata:
    """A Wikidata stand-in on localhost (tests/wikidata_server.py), and vaulttool pointed at it."""
    fake = FakeWikidata(httpserver)
    monkeypatch.setenv("VAULTTOOL_WIKIDATA_URL", fake.url)
    monkeypatch.setenv("VAULTTOOL_CONTACT", "tests@vaulttool.invalid")
    return fake


@pytest.fixture
def reference_bytes() -> bytes:
    return REFERENCE_NOTE.read_bytes()


@pytest.fixture
def negative_vault(tmp_path: Path) -> Path:
    """A private copy of the negative corpus (runs write their cache under .vaulttool/)."""
    target = tmp_path / "negative"
    shutil.copytree(DATA / "negative", target)
    return target


# CI runs the same examples every time (and slow machines get no deadline); locally hypothesis explores.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ORDINARY_USER = 65534  # nobody: root may write anything, and so hides every path a permission decides


class OrdinaryUser:
    """A folder of an ordinary user's, and code run there as that user: in a forked child that gives up
    root (as root: becomes nobody; else stays oneself). The interpreter need not be theirs to run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def run(self, function: Callable[[], object]) -> object:
        """`function()` in the folder as the user; its result, which must be JSON. Raises AssertionError
        with the child's traceback when it raised."""
        reading, writing = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover (the child)
            code = 1
            try:
                os.close(reading)
                if IS_ROOT:
                    os.setgroups([])
                    os.setgid(ORDINARY_USER)
                    os.setuid(ORDINARY_USER)
                os.chdir(self.folder)
                answer = json.dumps({"result": function()})
                code = 0
            except BaseException:
                answer = json.dumps({"error": traceback.format_exc()})
            finally:
                with os.fdopen(writing, "w", encoding="utf-8") as pipe:
                    pipe.write(answer)
                os._exit(code)
        os.close(writing)
        with os.fdopen(reading, encoding="utf-8") as pipe:
            answer = json.loads(pipe.read())
        os.waitpid(child, 0)
        assert "error" not in answer, answer.get("error")
        return answer["result"]


@pytest.fixture
def ordinary_user() -> Iterator[OrdinaryUser]:
    if not hasattr(os, "fork"):
        pytest.skip("POSIX users")
    folder = Path(tempfile.mkdtemp(prefix="vaulttool-user-"))  # (pytest's own folders are root's alone)
    if IS_ROOT:
        os.chown(folder, ORDINARY_USER, ORDINARY_USER)
    try:
        yield OrdinaryUser(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def exfat_folder(tmp_path: Path) -> Iterator[Path]:
    """A real exFAT file system, as on a USB stick (FUSE on a loop device; needs root and exfat-fuse):
    no hard links, no permission bits, and names that differ only in case are one name."""
    tools = ("mkfs.exfat", "mount.exfat-fuse", "losetup", "umount")
    if not IS_ROOT or not all(shutil.which(tool) for tool in tools) or not os.path.exists("/dev/fuse"):
        pytest.skip("an exFAT mount needs root, /dev/fuse and exfat-fuse, exfatprogs")
    image, mount_point = tmp_path / "exfat.img", tmp_path / "exfat"
    with open(image, "wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    mount_point.mkdir()
    subprocess.run(["mkfs.exfat", str(image)], check=True, capture_output=True)
    attached = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True, text=True)
    if attached.returncode != 0:
        pytest.skip(f"no loop device: {attached.stderr.strip()}")
    device = attached.stdout.strip()
    try:
        # (as root, exfat-fuse mounts a block device only: "Block device required" for the image itself)
        mounted = subprocess.run(["mount.exfat-fuse", device, str(mount_point)], capture_output=True, text=True)
        if mounted.returncode != 0:
            pytest.skip(f"exFAT could not be mounted: {mounted.stderr.strip()}")
        try:
            yield mount_point
        finally:
            subprocess.run(["umount", str(mount_point)], check=False, capture_output=True)
    finally:
        subprocess.run(["losetup", "--detach", device], check=False, capture_output=True)
