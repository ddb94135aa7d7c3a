#!/usr/bin/env bash
# Checks that a fresh clone passes its own README, as a new user on a new machine would run it:
# clones HEAD (committed work only) into an empty temporary folder with no ../shared beside it,
# then runs the README's two commands there, `scripts/demo.sh` and `scripts/test.sh`, with HOME set
# to an empty folder, LOGNAME/USER/LNAME/USERNAME unset, and no HERON_*/CI variables.
#
#   scripts/fresh-check.sh [--keep] [--reuse-installs] [--no-target-seed]
#
# What it reuses from the caller, so that it does not take an hour:
#   - cargo's caches: CARGO_HOME (the crates.io index, downloaded crates) and RUSTUP_HOME (the toolchain);
#   - the caller's PATH and other variables (the machine's Java, Go, Python), minus the ones above;
#   - the caller's target/debug, copied into the clone as a build seed (dependencies are not rebuilt;
#     the workspace's own crates are, since the clone's paths differ). --no-target-seed: build from zero.
# What it does not reuse: everything scripts/install.sh puts under $HOME (s3s-fs, the Python venvs,
# the Maven builds and ~/.m2), so the install runs as on a new machine; with --reuse-installs the
# caller's ~/.cache/heron-rs and ~/.m2 are used instead (faster; checks the suite, not the install).
# Debian packages are system-wide: to check that install.sh installs one, remove it first (for
# example `apt-get remove -y hyperfine`).
#
# Prints each step and, at the end, one line per command with its exit code and time; exits 0 only
# when both commands exited 0. The clone is removed afterwards unless --keep.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEEP=0
REUSE_INSTALLS=0
SEED=1
for arg in "$@"; do
    case "$arg" in
        --keep) KEEP=1 ;;
        --reuse-installs) REUSE_INSTALLS=1 ;;
        --no-target-seed) SEED=0 ;;
        -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' && exit 0 ;;
        *) die "unknown argument '$arg' (see scripts/fresh-check.sh --help)" ;;
    esac
done

command -v git >/dev/null || die "git is needed to clone the repository"
CALLER_HOME="${HOME:?HOME must be set for the caller}"
CARGO_HOME="${CARGO_HOME:-$CALLER_HOME/.cargo}"
RUSTUP_HOME="${RUSTUP_HOME:-$CALLER_HOME/.rustup}"
[[ -d "$CARGO_HOME" ]] || die "no cargo home at $CARGO_HOME (set CARGO_HOME)"
HEAD_COMMIT="$(git -C "$REPO_ROOT" rev-parse --short HEAD)"
if [[ -n "$(git -C "$REPO_ROOT" status --porcelain)" ]]; then
    say "note: the work tree has uncommitted changes; the clone holds only HEAD ($HEAD_COMMIT)"
fi

TOP="$(mktemp -d "${TMPDIR:-/tmp}/heron-fresh.XXXXXX")"
cleanup() {
    if ((KEEP)); then
        say "fresh-check: kept $TOP"
    else
        rm -rf "$TOP"
    fi
}
trap cleanup EXIT
CLONE="$TOP/heron-rs"
FRESH_HOME="$TOP/home"
mkdir -p "$FRESH_HOME"
[[ ! -e "$TOP/shared" ]] || die "$TOP/shared exists; the check needs a folder without ../shared"

say "==> fresh-check: cloning HEAD ($HEAD_COMMIT) into $CLONE"
git clone --quiet --no-hardlinks "$REPO_ROOT" "$CLONE"
git -C "$CLONE" checkout --quiet "$HEAD_COMMIT"
if ((SEED)) && [[ -d "$REPO_ROOT/target/debug" ]]; then
    say "==> fresh-check: seeding the clone's target/debug from $REPO_ROOT/target/debug (cargo's build cache)"
    mkdir -p "$CLONE/target"
    cp -a "$REPO_ROOT/target/debug" "$CLONE/target/debug"
    # The workspace's own binaries must come from the clone's build, not from the caller's tree.
    for b in heron heron-uploader heron-statemgr heron-aurora-render aurora tmanager-standin; do
        rm -f "$CLONE/target/debug/$b"
    done
fi

# The environment of a new user on this kind of machine: the caller's environment (its PATH finds the
# machine's toolchains) without LOGNAME/USER/LNAME/USERNAME, HERON_* or CI, with an empty HOME, and
# cargo pointed at the caller's caches (it would look under the new HOME otherwise).
# (env takes every -u before the first NAME=VALUE.)
fresh_env=(env -u LOGNAME -u USER -u LNAME -u USERNAME -u CI -u CARGO_TARGET_DIR)
while IFS='=' read -r name _; do
    if [[ "$name" == HERON_* || "$name" == AURORA_* ]]; then fresh_env+=(-u "$name"); fi
done < <(env)
fresh_env+=("HOME=$FRESH_HOME" "CARGO_HOME=$CARGO_HOME" "RUSTUP_HOME=$RUSTUP_HOME")
if ((REUSE_INSTALLS)); then
    fresh_env+=("HERON_TEST_CACHE=${HERON_TEST_CACHE:-$CALLER_HOME/.cache/heron-rs}"
        "MAVEN_OPTS=-Dmaven.repo.local=$CALLER_HOME/.m2/repository")
fi

results=()
run_step() { # run_step NAME COMMAND...
    local name="$1" t0 status
    shift
    say ""
    say "==> fresh-check: $name (in $CLONE, HOME=$FRESH_HOME, USER and LOGNAME unset)"
    t0=$(now_ms)
    set +e
    (cd "$CLONE" && "${fresh_env[@]}" "$@" </dev/null)
    status=$?
    set -e
    results+=("$(printf '%-18s exit %-3s %8s s' "$name" "$status" "$(elapsed "$t0")")")
    return "$status"
}

overall=0
run_step "scripts/demo.sh" bash scripts/demo.sh || overall=1
run_step "scripts/test.sh" bash scripts/test.sh || overall=1

say ""
say "==> fresh-check of $HEAD_COMMIT (clone without ../shared, empty HOME, no USER/LOGNAME):"
for line in "${results[@]}"; do
    say "    $line"
done
if ((overall == 0)); then
    say "fresh-check: both README commands passed"
else
    say "fresh-check: FAILED (see above)"
fi
exit "$overall"
