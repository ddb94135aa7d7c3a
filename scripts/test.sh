#!/usr/bin/env bash
# The test command: installs what is missing, builds every binary, starts the real services, runs
# `cargo test --workspace` against them, stops the services (also on failure or Ctrl-C), and exits with
# cargo's status.
#
#   scripts/test.sh [extra cargo test args...]     e.g. scripts/test.sh -p heron-statemgr -- --nocapture
#
# Services already started by hand with `scripts/services.sh start` are reused and left running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

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

# The whole workspace, unless the caller picked packages.
scope=(--workspace)
for arg in "$@"; do
    case "$arg" in -p | --package | --package=* | -p?*) scope=() ;; esac
done
step "cargo test ${scope[*]} --no-fail-fast $*"
set +e
cargo test "${scope[@]}" --no-fail-fast "$@"
status=$?
set -e
echo "cargo test exited with $status after ${SECONDS}s in total"
exit "$status"
