#!/usr/bin/env bash
# The first thing to run on a fresh machine: builds heron, submits the bundled YAML word-count
# topology to heron's built-in `local` cluster, shows what the submit created, kills it, and shows
# that nothing is left.
#
#   scripts/demo.sh
#
# Needs no ~/.heron/conf, no Aurora, no ZooKeeper, no S3: the `local` cluster keeps state and
# packages under ~/.herondata, and where no `aurora` client is installed heron uses the Aurora
# stand-in built with the workspace (it checks and records the job; nothing runs). Safe to run
# again: a WordCountYaml left by an earlier, interrupted run is killed first. Exits non-zero on the
# first failure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
BIN="$REPO_ROOT/target/debug"
TOPOLOGY=WordCountYaml
FILE=examples/word-count.yaml
HERONDATA="$HOME/.herondata"

say() { printf '\n==> %s\n' "$*"; }
# Prints a command, then runs it.
show() {
    printf '$'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}
fail() {
    echo "demo: $*" >&2
    exit 1
}

# heron takes the role from the user name as Heron's CLI does (LOGNAME, USER, LNAME, USERNAME, then
# the password database); the demo only needs it to find the package folder, and sets nothing.
ROLE="${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}"
[ -n "$ROLE" ] || ROLE="$(id -un)" || fail "cannot tell the current user (id -un failed)"

[ -f "$FILE" ] || fail "$FILE is missing: run this from a full checkout of the repository"

say "building heron and its stages (cargo build --workspace --bins; the first build on 2 cores takes about 10 minutes, cargo shows its progress)"
show cargo build --workspace --bins
for b in heron heron-uploader heron-statemgr heron-aurora-render; do
    [ -x "$BIN/$b" ] || fail "the build did not produce $BIN/$b"
done

if [ -d "$HERONDATA/repository/state/local/topologies/$TOPOLOGY" ] \
    || [ -e "$HERONDATA/repository/state/local/topologies/$TOPOLOGY" ]; then
    say "an earlier run left $TOPOLOGY behind: killing it first"
    show "$BIN/heron" kill local "$TOPOLOGY"
fi

say "submitting $FILE to the built-in local cluster"
show "$BIN/heron" submit local "$FILE" -

say "what the submit created"
echo "# the state nodes (heron-statemgr reads the config heron wrote to ~/.herondata/conf/local):"
show "$BIN/heron-statemgr" --config-path "$HERONDATA/conf" --cluster local list
echo "# the package:"
show find "$HERONDATA/repository/topologies/local/$ROLE/$TOPOLOGY" -type f
job_file="$HERONDATA/aurora-standin/jobs/local/$ROLE/default/$TOPOLOGY.json"
if [ -f "$job_file" ]; then
    echo "# the job the Aurora stand-in recorded:"
    show ls -l "$job_file"
    AURORA_STANDIN_STATE_DIR="$HERONDATA/aurora-standin" show "$BIN/aurora" job list local
fi

say "killing it"
show "$BIN/heron" kill local "$TOPOLOGY"

say "what is left"
left=$("$BIN/heron-statemgr" --config-path "$HERONDATA/conf" --cluster local list)
[ -z "$left" ] || fail "state left after the kill: $left"
echo "state: none"
if [ -d "$HERONDATA/repository/topologies/local/$ROLE/$TOPOLOGY" ] \
    && [ -n "$(find "$HERONDATA/repository/topologies/local/$ROLE/$TOPOLOGY" -type f)" ]; then
    fail "a package is left under $HERONDATA/repository/topologies/local/$ROLE/$TOPOLOGY"
fi
echo "packages: none"
[ ! -e "$job_file" ] || fail "the stand-in still holds the job: $job_file"
echo "Aurora jobs: none"

say "done. Next: docs/cli.md (the commands), \`heron doctor local\` (what a real cluster needs), docs/operator-guide.md"
