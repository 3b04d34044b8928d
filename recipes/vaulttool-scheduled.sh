#!/bin/sh
# vaulttool-scheduled.sh: the scheduled `vaulttool sync` of every recipe in recipes/ (GitHub Actions,
# cron, systemd), failing loudly. POSIX sh; tests/test_recipes.py runs it as each recipe does.
#
#   vaulttool-scheduled.sh install             install vaulttool from $VAULTTOOL_INSTALL into $VAULTTOOL_VENV
#   vaulttool-scheduled.sh sync VAULT          run `vaulttool sync VAULT`: refresh from Wikidata, entity
#                                              notes, tier stubs; fail on an error or a crash
#   vaulttool-scheduled.sh commit VAULT        (GitHub Actions) commit what sync changed on a branch and
#                                              write its diff; outputs changed=true|false, diff=FILE
#   vaulttool-scheduled.sh pull-request VAULT  (GitHub Actions) push the branch, open or update its PR
#
# Settings, from the environment or from the env file ($VAULTTOOL_ENV_FILE, default
# ~/.config/vaulttool/env, read when it exists; its lines win over the environment):
#   VAULTTOOL_INSTALL   what pip installs vaulttool from, as one pip argument. vaulttool is not on PyPI
#                       yet: a wheel built from a clone (/path/to/obsidian_vaulttool-0.1.0-py3-none-any.whl,
#                       see docs/release.md) or your fork at a commit
#                       ("obsidian-vaulttool @ git+https://…/vaulttool@COMMIT"). No default: unset, the
#                       install stops and says so, rather than install a wrong package.
#   VAULTTOOL_CONTACT   your e-mail for the User-Agent (Wikimedia's policy); or `contact` in vaulttool.toml
#   VAULTTOOL_VENV      where vaulttool is installed (default ~/.local/share/vaulttool/venv)
#   VAULTTOOL           the vaulttool command to run instead of the one in VAULTTOOL_VENV
#   VAULTTOOL_LOG       a file each run's report is appended to, kept to its last VAULTTOOL_LOG_LINES
#                       (default 2000) lines; the report then goes only there and failures to stderr too
#   VAULTTOOL_BRANCH    the pull request's branch (default vaulttool/sync)
#   VAULTTOOL_DIFF_URL  where the whole diff is (the pull request's body shows the first part of it)
#
# Exit status: 0 when the job is done: sync was clean, changed notes, or found problems in notes (said
# in the report and as a warning); 75 when sync could not finish its work (exit 4: a note or an item
# could not be fetched or written, or another writer held the vault), which a retry may cure; 1 on
# anything else: no contact, no vaulttool, a configuration error (sync's exit 2), a crash. Every
# failure is said on stderr, in the log and, on GitHub Actions, in the job summary.
# (backticks in single quotes are Markdown's, not a command substitution)
# shellcheck disable=SC2016
set -eu

ME=vaulttool-scheduled
HOME=${HOME:?$ME: HOME is not set}
ENV_FILE=${VAULTTOOL_ENV_FILE-${XDG_CONFIG_HOME:-$HOME/.config}/vaulttool/env}
if [ -n "$ENV_FILE" ] && [ -f "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090  # (the user's file)
    . "$ENV_FILE"
    set +a
fi
VENV=${VAULTTOOL_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/vaulttool/venv}
# Files passed from one step to the next (sync's output, the diff, the pull request's body).
# On GitHub Actions the runner's temporary folder: steps of a job share it, and it is not in the vault.
WORK=${VAULTTOOL_WORK:-${RUNNER_TEMP:+$RUNNER_TEMP/vaulttool}}
WORK=${WORK:-${XDG_STATE_HOME:-$HOME/.local/state}/vaulttool}
BRANCH=${VAULTTOOL_BRANCH:-vaulttool/sync}
SUMMARY=${GITHUB_STEP_SUMMARY:-}
OUTPUT=${GITHUB_OUTPUT:-/dev/null}
LOG=${VAULTTOOL_LOG:-}
LOG_LINES=${VAULTTOOL_LOG_LINES:-2000}
PYTHON=${VAULTTOOL_PYTHON:-python3}
# GitHub refuses a pull request body over 65,536 characters; each byte is at most one character.
BODY_LIMIT=60000
REPORTED=

# --- saying what happened ------------------------------------------------------------------------

# Text on standard input goes to the summary (Markdown, GitHub Actions) if any.
to_summary() {
    if [ -n "$SUMMARY" ]; then cat >>"$SUMMARY"; else cat >/dev/null; fi
}

# A plain report on standard input: to the log when there is one (cron: silent when all is well),
# else to standard output (the journal, the step's log).
report() {
    if [ -n "$LOG" ]; then cat >>"$LOG"; else cat; fi
}

# Stop with a message, said everywhere someone may look. $1: exit status; the rest: the message.
die() {
    status=$1
    shift
    REPORTED=1
    message="$ME: $*"
    printf '%s\n' "$message" >&2
    if [ -n "$LOG" ]; then printf '%s\n' "$message" >>"$LOG"; fi
    if [ "${GITHUB_ACTIONS:-}" = true ]; then
        # (an annotation is one line: the first of the message)
        printf '::error title=%s::%s\n' "$ME" "$(printf '%s\n' "$*" | head -n 1)"
    fi
    printf '### vaulttool: the scheduled run failed\n\n%s\n\n' "$*" | to_summary
    exit "$status"
}

# Whatever stops the script without die (a command failing under set -e) is said too.
on_exit() {
    status=$?
    if [ "$status" -ne 0 ] && [ -z "$REPORTED" ]; then
        REPORTED=1
        printf '%s: %s failed (exit %s); the lines above say why\n' "$ME" "${COMMAND:-}" "$status" >&2
        printf '### vaulttool: the scheduled run failed\n\n`%s %s` stopped with exit %s: see the log of this step.\n\n' \
            "$ME" "${COMMAND:-}" "$status" | to_summary
    fi
}
trap on_exit EXIT

# The size of file $1 in bytes (BSD's wc pads it with spaces).
size() {
    wc -c <"$1" | tr -d ' '
}

# The first $2 bytes of file $1, ending at a whole line (no character cut in two), as HTML text.
excerpt() {
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' "$1" >"$WORK/escaped"
    if [ "$(size "$WORK/escaped")" -le "$2" ]; then
        cat "$WORK/escaped"
    else
        dd if="$WORK/escaped" bs="$2" count=1 2>/dev/null | sed '$d'
        printf '… (cut: the whole text is %s bytes)\n' "$(size "$1")"
    fi
}

# A file as a Markdown block: HTML-escaped in <pre> (a fence could be closed by a line of a note).
pre_block() {
    printf '<pre>\n'
    excerpt "$1" "$2"
    printf '</pre>\n\n'
}

# --- vaulttool -----------------------------------------------------------------------------------

# Where the log is kept short: only the last VAULTTOOL_LOG_LINES lines of the runs before this one.
trim_log() {
    [ -n "$LOG" ] || return 0
    mkdir -p "$(dirname "$LOG")"
    if [ -f "$LOG" ] && [ "$(wc -l <"$LOG" | tr -d ' ')" -gt "$LOG_LINES" ]; then
        tail -n "$LOG_LINES" "$LOG" >"$LOG.tmp"
        mv "$LOG.tmp" "$LOG"
    fi
}

cmd_install() {
    if [ -n "${VAULTTOOL:-}" ]; then
        VAULTTOOL_BIN=$VAULTTOOL
        check_vaulttool
        printf '%s: VAULTTOOL is set: %s (%s) runs; nothing to install\n' "$ME" "$VAULTTOOL" "$VERSION" | report
        return 0
    fi
    spec=${VAULTTOOL_INSTALL:-}
    if [ -z "$spec" ]; then
        die 1 "VAULTTOOL_INSTALL is not set, so there is nothing to install vaulttool from. Set it (in the" \
            "workflow's env, or in $ENV_FILE) to one pip argument: a wheel built from a clone of vaulttool" \
            "(python -m build; docs/release.md), or your fork at a commit:" \
            "\"obsidian-vaulttool @ git+https://<your fork>/vaulttool@<commit>\". vaulttool is not on PyPI yet."
    fi
    # PyPI's `vaulttool` is an unrelated project with the same command; names compare case-blind.
    case $(printf '%s' "$spec" | tr '[:upper:]' '[:lower:]' | tr '_.' '--') in
        vaulttool | vaulttool[!a-z0-9-]*)
            die 1 "VAULTTOOL_INSTALL is \"$spec\": the name vaulttool on PyPI is an unrelated project with the" \
                "same command. vaulttool's distribution is obsidian-vaulttool (not on PyPI yet): give a wheel or" \
                "your fork's git URL." ;;
    esac
    mkdir -p "$WORK"
    "$PYTHON" -m venv --clear "$VENV" ||
        die 1 "could not make a virtual environment at $VENV with $PYTHON -m venv"
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" 2>"$WORK/pip.err"; then
        die 1 "pip could not install \"$spec\" (VAULTTOOL_INSTALL): $(tail -n 5 "$WORK/pip.err")"
    fi
    VAULTTOOL_BIN=$VENV/bin/vaulttool
    check_vaulttool
    printf '%s: installed %s from %s\n' "$ME" "$VERSION" "$spec" | report
}

# Which vaulttool runs, and that it is this one (obsidian-vaulttool), not PyPI's other `vaulttool`.
check_vaulttool() {
    [ -x "$VAULTTOOL_BIN" ] || [ -n "${VAULTTOOL:-}" ] ||
        die 1 "no vaulttool at $VAULTTOOL_BIN: run \`$ME install\` with VAULTTOOL_INSTALL set"
    VERSION=$("$VAULTTOOL_BIN" --version 2>&1) || die 1 "$VAULTTOOL_BIN --version failed: $VERSION"
    case $VERSION in
        *"(obsidian-vaulttool "*) ;;
        *) die 1 "$VAULTTOOL_BIN is not obsidian-vaulttool (it says: $VERSION)" ;;
    esac
}

find_vaulttool() {
    if [ -n "${VAULTTOOL:-}" ]; then
        VAULTTOOL_BIN=$VAULTTOOL
    else
        VAULTTOOL_BIN=$VENV/bin/vaulttool
        # The first run of a cron or systemd recipe installs it (GitHub Actions has a step for it).
        if [ ! -x "$VAULTTOOL_BIN" ]; then
            cmd_install
        fi
    fi
    check_vaulttool
}

# Wikimedia asks every client for a contact. An empty secret is an empty variable: without this, a
# vault whose repository lacks the secret would fail later, with a message about vaulttool.toml.
need_contact() {
    [ -n "${VAULTTOOL_CONTACT:-}" ] && return 0
    if [ -f "$1/vaulttool.toml" ] &&
        grep -Eq '^[[:space:]]*contact[[:space:]]*=[[:space:]]*("[^"]|'"'"'[^'"'"'])' "$1/vaulttool.toml"; then
        return 0
    fi
    die 1 "no contact for Wikidata: VAULTTOOL_CONTACT is empty and $1/vaulttool.toml sets no contact." \
        "Wikimedia requires one in the User-Agent. GitHub Actions: add the repository secret VAULTTOOL_CONTACT" \
        "(Settings > Secrets and variables > Actions), e.g. you@example.org. cron and systemd: put the line" \
        "VAULTTOOL_CONTACT=you@example.org in $ENV_FILE."
}

# What each exit status of `vaulttool sync` means (its --help and the README say the same).
sync_meaning() {
    case $1 in
        0) echo "clean: nothing to change, no findings" ;;
        1) echo "findings: notes have errors that vaulttool does not fix by itself" ;;
        2) echo "usage or configuration error" ;;
        3) echo "changed: notes, entity notes or tier stubs were written" ;;
        4) echo "failed: some notes could not be refreshed or written, items could not be fetched," \
            "or another writer held the vault" ;;
        130 | 143) echo "interrupted" ;;
        *) echo "ended in an unexpected way" ;;
    esac
}

cmd_sync() {
    vault=${1:?usage: $ME sync VAULT}
    [ -d "$vault" ] || die 1 "$vault: no such folder (the vault to sync)"
    trim_log
    printf '== %s %s sync %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$ME" "$vault" | report
    need_contact "$vault"
    find_vaulttool
    mkdir -p "$WORK"
    status=0
    # --format text whatever vaulttool.toml says: its last line on stderr is the summary read below.
    "$VAULTTOOL_BIN" sync --format text "$vault" >"$WORK/sync.out" 2>"$WORK/sync.err" || status=$?
    # sync ends every run it finishes with a summary line naming its status; a run without it crashed
    # (Python's traceback exits 1, the code of findings).
    said=$(tail -n 1 "$WORK/sync.err" | sed -n 's/^sync: .*; \([a-z]*\)$/\1/p')
    case $status:$said in
        0:clean | 3:changed | 1:findings) outcome=$said ;;
        *) outcome=failed ;;
    esac
    printf '%s\n' "$status" >"$WORK/sync.status"
    meaning=$(sync_meaning "$status")
    { cat "$WORK/sync.out" "$WORK/sync.err"; printf 'vaulttool sync exited %s: %s\n' "$status" "$meaning"; } | report
    # The summary line (or the error) first, then the notes written, moved or failed; open on failure.
    if [ "$outcome" = failed ]; then open=" open"; else open=; fi
    {
        printf '### vaulttool sync: %s (exit %s)\n\n%s\n\n' "$outcome" "$status" "$meaning"
        pre_block "$WORK/sync.err" 20000
        if [ -s "$WORK/sync.out" ]; then
            printf '<details%s><summary>vaulttool sync output</summary>\n\n' "$open"
            pre_block "$WORK/sync.out" 20000
            printf '</details>\n\n'
        fi
    } | to_summary
    case $outcome in
        clean | changed) ;;
        findings)
            if [ "${GITHUB_ACTIONS:-}" = true ]; then
                echo "::warning title=vaulttool sync::notes have findings: see the job summary"
            fi ;;
        *)
            case $status in
                0 | 1 | 3) meaning="it ended without its summary line: it crashed" ;;
            esac
            # (exit 4 is what an outage gives: 75, EX_TEMPFAIL, lets systemd retry it)
            if [ "$status" = 4 ]; then code=75; else code=1; fi
            # (what failed is on standard output: its first lines, for cron's mail)
            die "$code" "vaulttool sync exited $status ($meaning): $(tail -n 3 "$WORK/sync.err")" \
                "$(grep -i 'failed' "$WORK/sync.out" | head -n 3)" ;;
    esac
}

# --- GitHub Actions: the pull request ------------------------------------------------------------

cmd_commit() {
    vault=${1:?usage: $ME commit VAULT}
    cd "$vault"
    mkdir -p "$WORK"
    git rev-parse --abbrev-ref HEAD >"$WORK/base"
    # What sync writes: notes, entity notes, tier stubs (moved or removed too: -A), and the property
    # keys it learnt (.vaulttool/keys.json, made by the first run). Not its caches.
    git add -A -- '*.md'
    if [ -f .vaulttool/keys.json ]; then git add -- .vaulttool/keys.json; fi
    if git diff --cached --quiet; then
        echo "changed=false" >>"$OUTPUT"
        printf 'Nothing changed upstream: no pull request.\n' | report
        printf 'Nothing changed upstream: no pull request.\n\n' | to_summary
        return 0
    fi
    git switch -q -C "$BRANCH"
    git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
        commit -q --no-verify -m "vaulttool sync: refresh from Wikidata, entity notes, tier stubs"
    git diff --no-color --no-ext-diff --stat HEAD~1 HEAD >"$WORK/changes.stat"
    git diff --no-color --no-ext-diff HEAD~1 HEAD >"$WORK/changes.diff"
    printf 'changed=true\ndiff=%s\n' "$WORK/changes.diff" >>"$OUTPUT"
    printf 'Committed the changes on %s (%s).\n\n' "$BRANCH" "$(stat_line)" |
        to_summary
}

# The diff's summary: "3 files changed, 12 insertions(+), 4 deletions(-)".
stat_line() {
    tail -n 1 "$WORK/changes.stat" | sed 's/^ *//'
}

pull_request_body() {
    status=$(cat "$WORK/sync.status")
    {
        printf 'The scheduled `vaulttool sync` of this vault: exit %s, %s.\n\n' "$status" "$(sync_meaning "$status")"
        if [ "$status" = 1 ]; then
            printf '**Some notes have findings**: they are listed below; fix them by hand.\n\n'
        fi
        printf '`%s`\n\n' "$(tail -n 1 "$WORK/sync.err")"
        printf '<details><summary>vaulttool sync output</summary>\n\n'
        pre_block "$WORK/sync.out" 15000
        printf '</details>\n\n'
        if [ -n "${VAULTTOOL_DIFF_URL:-}" ]; then
            printf 'The whole diff: [changes.diff](%s) (%s bytes).\n\n' "$VAULTTOOL_DIFF_URL" \
                "$(size "$WORK/changes.diff")"
        fi
    } >"$WORK/body.md"
    # The diff fills what is left under the limit (the stat line and the tags take less than 1000).
    room=$((BODY_LIMIT - $(size "$WORK/body.md") - 1000))
    {
        printf '%s\n\n' "$(stat_line)"
        pre_block "$WORK/changes.diff" "$room"
    } >>"$WORK/body.md"
    [ "$(size "$WORK/body.md")" -le "$BODY_LIMIT" ] || die 1 "the pull request body is over $BODY_LIMIT bytes"
}

cmd_pull_request() {
    vault=${1:?usage: $ME pull-request VAULT}
    cd "$vault"
    [ "$(git rev-parse --abbrev-ref HEAD)" = "$BRANCH" ] || die 1 "not on $BRANCH: run \`$ME commit\` first"
    base=$(cat "$WORK/base")
    pull_request_body
    git push --force --quiet origin "HEAD:refs/heads/$BRANCH" 2>"$WORK/push.err" ||
        die 1 "git push of $BRANCH failed (the workflow needs \`permissions: contents: write\`): $(cat "$WORK/push.err")"
    # One pull request, kept up to date while nobody merges it (a second run pushes to its branch).
    number=$(gh pr list --head "$BRANCH" --base "$base" --state open --json number --jq '.[0].number // empty') ||
        die 1 "gh pr list failed (the workflow needs \`permissions: pull-requests: write\`)"
    if [ -n "$number" ]; then
        gh pr edit "$number" --body-file "$WORK/body.md" >/dev/null 2>"$WORK/gh.err" ||
            die 1 "gh pr edit $number failed: $(cat "$WORK/gh.err")"
        printf 'Updated pull request #%s.\n\n' "$number" | to_summary
    else
        url=$(gh pr create --base "$base" --head "$BRANCH" --title "vaulttool sync: refresh from Wikidata" \
            --body-file "$WORK/body.md" 2>"$WORK/gh.err") ||
            die 1 "gh pr create failed: $(cat "$WORK/gh.err"). If it says GitHub Actions is not permitted to" \
                "create pull requests: tick \"Allow GitHub Actions to create and approve pull requests\" in the" \
                "repository's Settings > Actions > General > Workflow permissions (the branch $BRANCH is pushed)."
        printf 'Opened %s\n\n' "$url" | to_summary
    fi
}

COMMAND=${1:-}
if [ $# -gt 0 ]; then shift; fi
case $COMMAND in
    install) cmd_install ;;
    sync) cmd_sync "$@" ;;
    commit) cmd_commit "$@" ;;
    pull-request) cmd_pull_request "$@" ;;
    *) die 2 "usage: $ME install | sync VAULT | commit VAULT | pull-request VAULT" ;;
esac
