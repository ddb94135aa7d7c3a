#!/usr/bin/env bash
# Runs the long tests: those marked `#[ignore = "long: ..."]` (minutes each; `cargo test` skips them).
# Same setup as scripts/test.sh (install, build, start and stop the services), then
# `cargo test --workspace -- --ignored`.
#
#   scripts/long-tests.sh [cargo test args] [-- test binary args]     e.g. scripts/long-tests.sh -- --nocapture
#
# Every ignored test in this workspace must be a long one: this script refuses to run when an
# `#[ignore]` without a `long:` reason exists, so nothing ignored for another reason runs here
# (or is silently never run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

others="$(grep -rn --include='*.rs' -E '#\[ignore' --exclude-dir=target --exclude-dir=fuzz . | grep -v 'ignore = "long:' || true)"
if [[ -n "$others" ]]; then
    die "these tests are ignored for a reason other than \`long:\`; mark them \`#[ignore = \"long: ...\"]\` or stop ignoring them:
$others"
fi
say "long tests:"
grep -rn --include='*.rs' -E 'ignore = "long:' --exclude-dir=target --exclude-dir=fuzz . >&2 || true

# scripts/test.sh passes its arguments to `cargo test --workspace`; `--ignored` runs only ignored tests.
args=("$@")
if [[ ! " ${args[*]-} " =~ " -- " ]]; then
    args+=(--)
fi
exec bash "$SCRIPTS_DIR/test.sh" "${args[@]}" --ignored
