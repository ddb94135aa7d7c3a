#!/usr/bin/env bash
# Runs the long tests: those marked `#[ignore = "long: ..."]` (minutes each; `cargo test` skips them).
# Same setup as scripts/test.sh (install, build, start and stop the services), then
# `cargo test --workspace -- --ignored`.
#
#   scripts/long-tests.sh [cargo test args] [-- test binary args]     e.g. scripts/long-tests.sh -- --nocapture
#
# Every ignored test in this workspace is either a long one or one of the interop tier
# (`#[ignore = "interop tier: ..."]`, named `interop_*`, run by scripts/test.sh): this script refuses
# to run when an `#[ignore]` with another reason exists, so nothing ignored is silently never run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

others="$(grep -rn --include='*.rs' -E '#\[ignore' --exclude-dir=target --exclude-dir=fuzz . | grep -v -e 'ignore = "long:' -e 'ignore = "interop tier:' || true)"
if [[ -n "$others" ]]; then
    die "these tests are ignored for a reason other than \`long:\` or \`interop tier:\`; mark them \`#[ignore = \"long: ...\"]\` or stop ignoring them:
$others"
fi
say "long tests:"
grep -rn --include='*.rs' -E 'ignore = "long:' --exclude-dir=target --exclude-dir=fuzz . >&2 || true

# scripts/test.sh passes its arguments to `cargo test --workspace`; `--ignored` runs only ignored tests.
args=("$@")
if [[ ! " ${args[*]-} " =~ " -- " ]]; then
    args+=(--)
fi
# The interop tier is ignored too; test.sh runs it on its own after the main run.
exec bash "$SCRIPTS_DIR/test.sh" "${args[@]}" --ignored --skip interop_
