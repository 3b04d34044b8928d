"""Progress bars: on standard error when it is a terminal, with totals that end at 100%, and never in
CI, in a pipe or with --format json.

The bars are seen as a person sees them: the real `vaulttool` runs in a subprocess with standard
error on a pseudo-terminal and standard output on a pipe. The totals are also checked in process, by
counting what each command's phases are told.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from vaulttool.commands import pool, refresh, roundtrip, sync, tiers, validate
from vaulttool.commands.progress import Advance
from vaulttool.config.settings import Config
from vaulttool.disk import statcache, vault

pty_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

LABELS = ("validating", "round-tripping", "refreshing", "planning tiers", "writing tiers")
_CURSOR = re.compile(r"\x1b\[\?25[lh]")  # click hides the cursor while it draws, and shows it after
_SHOW_CURSOR = "\x1b[?25h"


def _environment(ci: str | None = None) -> dict[str, str]:
    # The CI runner of this suite sets CI=true itself: a test that wants bars must take it away.
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    return env


def run_vaulttool(args: list[str], cwd: Path, *, terminal: bool = True, ci: str | None = None
                  ) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `vaulttool ARGS`, stderr on a pseudo-terminal when `terminal`."""
    command = [sys.executable, "-m", "vaulttool", *args]
    if not terminal:
        done = subprocess.run(command, cwd=cwd, env=_environment(ci), capture_output=True, timeout=60)
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    primary, secondary = os.openpty()
    received: list[bytes] = []

    def read() -> None:  # all along, so a long output never fills the terminal's buffer
        with contextlib.suppress(OSError):  # EIO: every writer has closed the terminal
            while chunk := os.read(primary, 65536):
                received.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        done = subprocess.run(command, cwd=cwd, env=_environment(ci), stdout=subprocess.PIPE, stderr=secondary,
                              stdin=subprocess.DEVNULL, timeout=60)
    finally:
        os.close(secondary)
    reader.join(10)
    os.close(primary)
    return done.returncode, done.stdout.decode(), b"".join(received).decode()


def bars(stderr: str, label: str) -> list[list[str]]:
    """The frames of each bar labelled `label`, in the order drawn."""
    drawn: list[list[str]] = []
    for bar in stderr.split(_SHOW_CURSOR):  # click shows the cursor again as each bar ends
        frames = [part.strip() for part in re.split(r"[\r\n]", _CURSOR.sub("", bar)) if part.startswith(label)]
        if frames:
            drawn.append(frames)
    return drawn


def assert_ends_full(stderr: str, label: str, count: int = 1) -> None:
    """`count` bars labelled `label`, each reaching 100% in its last frame and only there."""
    drawn = bars(stderr, label)
    assert len(drawn) == count, f"{len(drawn)} {label!r} bars in {stderr!r}"
    for frames in drawn:
        assert re.fullmatch(re.escape(label) + r" *\[#+\] +100%", frames[-1]), frames[-1]
        assert not any(frame.endswith(" 100%") for frame in frames[:-1]), frames


def assert_no_bar(stderr: str) -> None:
    assert "\x1b" not in stderr
    assert "%" not in stderr
    assert not any(label in stderr for label in LABELS)


@pytest.fixture
def some_ids(example_vault: Path) -> Path:
    """The example vault with the public stubs gone: 45 notes (20 of them entity notes vaulttool made),
    of which 3 name a Wikidata item and are refreshed (the tier notes mirror them, the entity notes
    are the entities command's), and 4 stubs for tiers to write."""
    shutil.rmtree(example_vault / "_public")
    return example_vault


@pty_only
def test_validate_bar(some_ids: Path) -> None:
    code, out, err = run_vaulttool(["validate"], some_ids)
    assert code == 0
    assert_ends_full(err, "validating")
    assert len(bars(err, "validating")[0]) > 10  # a frame as notes are checked, not only the last
    assert "\x1b" not in out and "validating" not in out  # the bar is on stderr alone


@pty_only
def test_roundtrip_bar(some_ids: Path) -> None:
    code, _, err = run_vaulttool(["roundtrip"], some_ids)
    assert code == 0
    assert_ends_full(err, "round-tripping")


@pty_only
def test_refresh_bar_ends_at_100_when_only_some_notes_name_an_item(some_ids: Path) -> None:
    # The bar once counted every note but advanced only for those naming an item: it stopped at 10%.
    code, _, err = run_vaulttool(["refresh", "--offline"], some_ids)
    assert code == 0, err
    assert_ends_full(err, "refreshing")
    assert re.search(r"refreshing *\[-+\] +0%", _CURSOR.sub("", err))  # 3 steps: 0%, 33%, 66%, 100%
    assert len(bars(err, "refreshing")[0]) == 4


@pty_only
def test_tiers_bars_plan_then_write(some_ids: Path) -> None:
    code, out, err = run_vaulttool(["tiers"], some_ids)
    assert code == 0, err
    assert out.count("created ") == 4
    assert_ends_full(err, "planning tiers", 2)  # before taking the lock, and again under it
    assert_ends_full(err, "writing tiers")


@pty_only
def test_sync_shows_a_bar_per_phase(some_ids: Path) -> None:
    code, _, err = run_vaulttool(["sync", "--offline"], some_ids)
    assert code == 3, err  # changed: the stubs were written
    for label in LABELS:
        if label != "round-tripping":
            assert_ends_full(err, label)
    text = _CURSOR.sub("", err)
    assert text.index("validating") < text.index("refreshing") < text.index("planning tiers") < text.index("writing tiers")


@pty_only
@pytest.mark.parametrize("args", [["validate", "--format", "json"], ["refresh", "--offline", "--format", "json"],
                                  ["sync", "--offline", "--dry-run", "--format", "json"],
                                  ["tiers", "--check", "--format", "json"]])
def test_no_bar_with_json_on_a_terminal(some_ids: Path, args: list[str]) -> None:
    _, out, err = run_vaulttool(args, some_ids)
    assert_no_bar(err)
    assert out.lstrip().startswith(("{", "["))


@pty_only
def test_no_bar_under_ci_on_a_terminal(some_ids: Path) -> None:
    for args in (["validate"], ["roundtrip"], ["refresh", "--offline", "--dry-run"], ["tiers", "--dry-run"]):
        _, _, err = run_vaulttool(args, some_ids, ci="1")
        assert_no_bar(err)
        assert len(err.splitlines()) == 1, err  # the summary alone


@pytest.mark.parametrize("args", [["validate"], ["roundtrip"], ["refresh", "--offline", "--dry-run"],
                                  ["tiers", "--dry-run"], ["sync", "--offline", "--dry-run"]])
def test_no_bar_in_a_pipe(some_ids: Path, args: list[str]) -> None:
    _, _, err = run_vaulttool(args, some_ids, terminal=False)  # and CI unset: the pipe alone decides
    # A bar redraws itself after a lone \r; Windows' text-mode stderr ends each line with \r\n (os.linesep).
    assert "\r" not in err.replace(os.linesep, "\n")
    assert_no_bar(err)
    assert len(err.splitlines()) == 1, err  # the summary alone


# In process: what each phase is told, and that its steps add up to its total.


class Recorder:
    def __init__(self) -> None:
        self.phases: list[tuple[str, int, list[int]]] = []  # (phase, total, each advance)

    @contextlib.contextmanager
    def __call__(self, name: str, total: int) -> Iterator[Advance]:
        steps: list[int] = []
        yield steps.append
        self.phases.append((name, total, steps))
        assert all(n > 0 for n in steps) and sum(steps) == total, (name, total, steps)


def _config(root: Path) -> tuple[Config, list[vault.NoteFile]]:
    config = vault.open_vault(root)
    return config, list(vault.discover(config, []))


def test_totals_of_each_command(some_ids: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)  # trust the cache of files copied just now
    config, notes = _config(some_ids)
    recorder = Recorder()
    validate.run(config, notes, progress=recorder)
    validate.run(config, notes, progress=recorder)  # warm: every note from the cache, at once
    roundtrip.run(config, notes, recorder)
    refresh.run(config, notes, None, write=False, progress=recorder)
    refresh.run(config, notes, None, write=False, qids=frozenset({"Q1"}), progress=recorder)  # no such note
    report = tiers.plan(config, notes, progress=recorder)
    tiers.apply(report, progress=recorder)
    assert [(name, total) for name, total, _ in recorder.phases] == [
        ("validate", 45), ("validate", 45), ("roundtrip", 45), ("refresh", 3), ("refresh", 0), ("tiers plan", 5),
        ("tiers write", 4)]
    assert recorder.phases[0][2] == [1] * 45 and recorder.phases[1][2] == [45]


def test_validate_counts_cached_notes_at_once_and_the_rest_one_by_one(some_ids: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)
    config, notes = _config(some_ids)
    validate.run(config, notes)
    changed = some_ids / "_Standards" / "WikiData" / "WD~Geneva,71.md"
    changed.write_bytes(changed.read_bytes() + b"\n")
    recorder = Recorder()
    validate.run(config, notes, progress=recorder)
    assert recorder.phases == [("validate", 45, [44, 1])]


def test_sync_phases(some_ids: Path) -> None:
    config, notes = _config(some_ids)
    recorder = Recorder()
    sync.run(config, notes, offline=True, dry_run=True, progress=recorder)
    assert [name for name, _, _ in recorder.phases] == ["validate", "refresh", "entities", "tiers plan"]  # (no writes)


def test_refresh_counts_failed_notes_too(some_ids: Path) -> None:
    shutil.rmtree(some_ids / ".vaulttool" / "wikidata")  # offline, every note fails
    config, notes = _config(some_ids)
    recorder = Recorder()
    report = refresh.run(config, notes, None, write=False, progress=recorder)
    assert report.count(refresh.FAILED) == 3
    assert recorder.phases == [("refresh", 3, [3])]  # failed before any was planned: at once


def test_parallel_map_counts_each_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "_PARALLEL_FROM", 2)
    for jobs in (1, 2):
        counted: list[int] = []
        assert pool.parallel_map(abs, [-3, 2, -1, 5, -8], jobs, progress=counted.append) == [3, 2, 1, 5, 8]
        assert counted == [1] * 5
