#!/usr/bin/env bash
# The test command: installs what is missing, builds every binary, starts the real services, runs
# `cargo test --workspace` against them, then the interop tier, stops the services (also on failure
# or Ctrl-C), and exits non-zero when anything failed.
#
#   scripts/test.sh [extra cargo test args...]     e.g. scripts/test.sh -p heron-statemgr -- --nocapture
#
# Two tiers:
#   default  everything in the repo: its own Heron-format conf fixtures, real ZooKeeper, S3, HDFS.
#   interop  the `interop_*` tests (#[ignore]d in a plain `cargo test`), which prove that Heron's own
#            unedited files (stock conf folders, heron.aurora) work. They read the folder named by
#            HERON_STOCK_CONF (default: ../shared/reference beside the repo, when it exists), which
#            holds heron-conf-aurora/ and heron-conf-localzk/. When CI=true the tier is required:
#            without the files the run fails. Otherwise a run without them says so in one line.
#
# Services already started by hand with `scripts/services.sh start` are reused and left running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

# Where Heron's stock files are, if anywhere: sets STOCK_CONF (absolute) or leaves it empty.
STOCK_CONF=""
if [[ -n "${HERON_STOCK_CONF:-}" ]]; then
    [[ -d "$HERON_STOCK_CONF/heron-conf-aurora" && -d "$HERON_STOCK_CONF/heron-conf-localzk" ]] ||
        die "HERON_STOCK_CONF=$HERON_STOCK_CONF does not hold Heron's heron-conf-aurora/ and heron-conf-localzk/"
    STOCK_CONF="$(cd "$HERON_STOCK_CONF" && pwd)"
elif [[ -d "$REPO_ROOT/../shared/reference/heron-conf-aurora" ]]; then
    STOCK_CONF="$(cd "$REPO_ROOT/../shared/reference" && pwd)"
fi
# An interop test that is not named interop_* would be ignored and never run: refuse that.
misnamed="$(find . -path ./target -prune -o -path ./fuzz -prune -o -name '*.rs' -print0 | xargs -0 awk '
    /^[ \t]*#\[ignore = "interop tier:/ { want = 1; next }
    want && /fn / { if ($0 !~ /fn interop_/) print FILENAME ":" FNR ": " $0; want = 0 }' || true)"
[[ -z "$misnamed" ]] || die "interop-tier tests must be named interop_* (scripts/test.sh runs them by that name):
$misnamed"
INTEROP_HOW="to run it, set HERON_STOCK_CONF to a folder holding Heron's unedited heron-conf-aurora/ and heron-conf-localzk/ (from Heron's source, heron/config/src/yaml/conf/{aurora,localzk})"
if [[ -n "$STOCK_CONF" ]]; then
    export HERON_STOCK_CONF="$STOCK_CONF"
elif [[ "${CI:-}" == "true" ]]; then
    die "the interop tier is required when CI=true, but Heron's stock files were not found: HERON_STOCK_CONF is unset and ../shared/reference does not exist; $INTEROP_HOW"
fi

# Error output in the tests must be what users see, without backtraces.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

# Each step says how long the run has taken so far, to see where CI time goes.
step() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }

step "installing test peers (scripts/install.sh)"
bash "$SCRIPTS_DIR/install.sh" 2>&1

step "building every binary (cargo build --workspace --bins)"
cargo build --workspace --bins

step "starting services (scripts/services.sh start)"
if bash "$SCRIPTS_DIR/services.sh" status >/dev/null 2>&1; then
    echo "reusing the services already running:"
    bash "$SCRIPTS_DIR/services.sh" status
else
    trap 'step "stopping services"; bash "$SCRIPTS_DIR/services.sh" stop' EXIT
    trap 'exit 130' INT TERM
    bash "$SCRIPTS_DIR/services.sh" start
fi
eval "$(bash "$SCRIPTS_DIR/services.sh" env)"

# The whole workspace, unless the caller picked packages. Caller args before `--` go to cargo, the
# rest to the test binaries.
scope=(--workspace)
cargo_args=()
test_args=()
seen_dashes=0
for arg in "$@"; do
    if ((seen_dashes)); then
        test_args+=("$arg")
        continue
    fi
    case "$arg" in
        --) seen_dashes=1 ;;
        -p | --package | --package=* | -p?*) scope=() && cargo_args+=("$arg") ;;
        *) cargo_args+=("$arg") ;;
    esac
done
step "cargo test ${scope[*]} --no-fail-fast $*"
set +e
cargo test "${scope[@]}" --no-fail-fast "$@"
status=$?
set -e
echo "cargo test exited with $status after ${SECONDS}s in total"

# The interop tier: the ignored `interop_*` tests, on Heron's own files.
if [[ -n "$STOCK_CONF" ]]; then
    step "interop tier (HERON_STOCK_CONF=$STOCK_CONF): cargo test ${scope[*]} ${cargo_args[*]} -- --ignored interop_"
    log="$(mktemp)"
    set +e
    cargo test "${scope[@]}" "${cargo_args[@]}" --no-fail-fast -- "${test_args[@]}" --ignored interop_ 2>&1 | tee "$log"
    interop_status=${PIPESTATUS[0]}
    set -e
    read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log")
    rm -f "$log"
    if ((interop_status == 0 && passed == 0)); then
        echo "interop tier: no interop_ test ran (0 passed): the tier is missing from this selection"
        [[ "${CI:-}" != "true" ]] || interop_status=1
    fi
    echo "interop tier: $passed passed, $failed failed, on Heron's files in $STOCK_CONF (exit $interop_status)"
    ((interop_status == 0)) || status=1
else
    echo "interop tier: did not run (Heron's stock files not found: HERON_STOCK_CONF is unset and ../shared/reference does not exist); $INTEROP_HOW"
fi
exit "$status"
